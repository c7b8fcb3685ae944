package limits

import (
	"fmt"
	"strings"

	"github.com/lambcli/lamb/pkg/loadcheck"
)

// CheckHandlerLoad turns what loading the handler found
// (loadcheck.Load, run by the caller) into findings: an error when the
// bundle lacks what the handler imports or the handler itself, a warning
// when the load failed for reasons that may belong to this machine or to
// what the load leaves out (credentials, the function's environment). A
// skipped or successful load has no finding; the caller notes a skip. With
// layers, which the load does not unpack, a missing module is a warning: it
// may come from one.
func CheckHandlerLoad(r loadcheck.Result, hasLayers bool) []Finding {
	if r.Outcome != loadcheck.Failed {
		return nil
	}
	f := Finding{Check: "handlerLoad", Severity: SeverityWarning, Field: "handler", Path: r.File}
	if r.IsError() {
		f.Severity = SeverityError
	}
	where := r.File
	if where == "" {
		where = "the handler module"
	}
	switch r.Kind {
	case loadcheck.MissingModule:
		if r.From != "" {
			f.Path = r.From
		}
		fails := "Lambda fails with Runtime.ImportModuleError"
		if r.Family == loadcheck.Java {
			fails = "Lambda fails to load the handler"
		}
		if hasLayers {
			// The load does not unpack layers.
			f.Severity, fails = SeverityWarning, "unless a layer provides it, "+fails
		}
		f.Message = fmt.Sprintf("handler load: %s imports %s, which is not in the bundle; %s", orHandler(f.Path), quoted(r.Module), fails)
		if r.Family == loadcheck.Java {
			class, _, _ := strings.Cut(r.Handler, "::")
			f.Message = fmt.Sprintf("handler load: %s needs class %s, which is not in the bundle or its lib/*.jar; %s", orHandler(class), r.Module, fails)
		}
		f.AWSError = importError(r)
		f.Hint = missingModuleHint(r)
	case loadcheck.MissingHandler, loadcheck.NotFunction:
		f.Message = fmt.Sprintf("handler load: %s loads, but %s", where, r.Message)
		f.AWSError = "Runtime.HandlerNotFound"
		f.Hint = fmt.Sprintf("export a function named as handler %q says, or fix handler", r.Handler)
	case loadcheck.Invalid:
		f.Message = fmt.Sprintf("handler load: %s fails to load: %s", where, r.Message)
		f.Hint = "fix the code or the dependency the message names, and package again"
		if r.Family == loadcheck.Java {
			f.Hint = "build the classes for the function's Java version, or fix the dependency the message names"
		}
	case loadcheck.Native:
		f.Message = fmt.Sprintf("handler load: a native library did not load on this machine: %s", r.Message)
		f.Hint = "this machine's system libraries may differ from Lambda's (Amazon Linux): install dependencies for the function's platform (package.dependencies: auto), or check on Lambda"
	case loadcheck.Threw:
		f.Message = fmt.Sprintf("handler load: %s failed while loading, with no AWS credentials and none of the function's environment: %s", where, r.Message)
		f.Hint = "if it reads the function's environment or calls AWS at import time this is expected; otherwise Lambda's init fails the same way"
	default:
		f.Message = fmt.Sprintf("handler load: %s", r.Message)
		if tail := lastLine(r.Output); tail != "" {
			f.Message += ": " + tail
		}
		f.Hint = "run the load again with --verbose, or skip it with --no-load"
	}
	return []Finding{f}
}

func orHandler(path string) string {
	if path == "" {
		return "the handler module"
	}
	return path
}

func quoted(module string) string {
	if module == "" {
		return "a module"
	}
	return "'" + module + "'"
}

// importError is Lambda's own wording of the failure, for users to
// recognise it in the function's logs.
func importError(r loadcheck.Result) string {
	switch r.Family {
	case loadcheck.Python:
		mod := r.Handler
		if i := strings.LastIndex(mod, "."); i > 0 {
			mod = mod[:i]
		}
		return fmt.Sprintf("Runtime.ImportModuleError: Unable to import module '%s': No module named '%s'", mod, r.Module)
	case loadcheck.Java:
		return "java.lang.NoClassDefFoundError: " + strings.ReplaceAll(r.Module, ".", "/")
	}
	return fmt.Sprintf("Runtime.ImportModuleError: Error: Cannot find module '%s'", r.Module)
}

func missingModuleHint(r loadcheck.Result) string {
	switch {
	case r.Family == loadcheck.Java:
		return "put the jar that holds it in lib/ of the bundle (a runtime dependency), or shade it into the jar"
	case strings.HasPrefix(r.Module, ".") || strings.HasPrefix(r.Module, "/"):
		return "include the file in the bundle (package.include), or fix the import path"
	case r.Family == loadcheck.Python:
		top, _, _ := strings.Cut(r.Module, ".")
		return fmt.Sprintf("add the package that provides %s to requirements.txt (or the lock file) and package again; a local module must be in the bundle", top)
	}
	return fmt.Sprintf("add %s to dependencies in package.json (not devDependencies) and package again, or bundle it", nodePackage(r.Module))
}

// nodePackage is the npm package a bare specifier names: "@scope/name" or
// "name", without a subpath.
func nodePackage(spec string) string {
	parts := strings.SplitN(spec, "/", 3)
	if strings.HasPrefix(spec, "@") && len(parts) >= 2 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
