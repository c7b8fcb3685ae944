package limits

import (
	"fmt"
	"strings"
)

// HandlerLoad is what loading the handler with the local runtime found, as
// loadcheck.Load reports it; CheckHandlerLoad turns it into findings.
type HandlerLoad struct {
	Outcome LoadOutcome
	Kind    LoadFailure
	// Family is the runtime family that loaded it: "nodejs", "python" or "java".
	Family string
	// Note says why the load was skipped, for the report's notes.
	Note string
	// Tool is the interpreter that ran the load ("node 20.20.2 (/usr/bin/node)").
	Tool string
	// Handler is the configured handler.
	Handler string
	// File is the handler's module in the bundle, when known.
	File string
	// Module is the missing module or class (LoadMissingModule).
	Module string
	// From is the bundle file that imported the missing module, when known.
	From string
	// Message is the error, as the runtime worded it, on one line.
	Message string
	// Output is the start of what the load process wrote (bounded).
	Output string
	// Stubbed lists the modules the runtime provides that the bundle lacks
	// and that stubs stood in for.
	Stubbed []string
}

// LoadOutcome is how a handler load ended.
type LoadOutcome string

// Load outcomes.
const (
	// HandlerLoaded: the module loaded and the handler can be called.
	HandlerLoaded LoadOutcome = "loaded"
	// HandlerLoadSkipped: the load did not run; Note says why.
	HandlerLoadSkipped LoadOutcome = "skipped"
	// HandlerLoadFailed: the load ran and failed; Kind says how.
	HandlerLoadFailed LoadOutcome = "failed"
)

// LoadFailure says how a handler load failed.
type LoadFailure string

// Load failures. The first four fail on Lambda whatever the machine; the
// last three may belong to this machine or to what the load leaves out.
const (
	// LoadMissingModule: an import or class the bundle does not hold (Module).
	LoadMissingModule LoadFailure = "missingModule"
	// LoadMissingHandler: the module loads but has no such export or method.
	LoadMissingHandler LoadFailure = "missingHandler"
	// LoadNotFunction: the export exists but cannot be called.
	LoadNotFunction LoadFailure = "notFunction"
	// LoadInvalid: a syntax error, a missing named export, a class built
	// for a newer Java, a name a module does not have.
	LoadInvalid LoadFailure = "invalid"
	// LoadNative: a native library failed to load on this machine.
	LoadNative LoadFailure = "native"
	// LoadThrew: code run at import time threw (perhaps for want of the
	// function's environment or AWS access, which the load does not give).
	LoadThrew LoadFailure = "threw"
	// LoadNoResult: the load process exited, crashed or timed out before it
	// said how the load went.
	LoadNoResult LoadFailure = "noResult"
)

// IsError reports whether the failure happens on Lambda whatever machine
// checks it: the module or handler is not in the bundle, or cannot be read.
func (r HandlerLoad) IsError() bool {
	if r.Outcome != HandlerLoadFailed {
		return false
	}
	switch r.Kind {
	case LoadMissingModule, LoadMissingHandler, LoadNotFunction, LoadInvalid:
		return true
	}
	return false
}

// CheckHandlerLoad turns what loading the handler found (loadcheck.Load,
// which the caller runs) into findings: an error when the bundle lacks what
// the handler imports or the handler itself, a warning when the load failed
// for reasons that may belong to this machine or to what the load leaves
// out (credentials, the function's environment). A skipped or successful
// load has no finding; the caller notes a skip. With layers, which the load
// does not unpack, a missing module is a warning: it may come from one.
func CheckHandlerLoad(r HandlerLoad, hasLayers bool) []Finding {
	if r.Outcome != HandlerLoadFailed {
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
	case LoadMissingModule:
		if r.From != "" {
			f.Path = r.From
		}
		fails := "Lambda fails with Runtime.ImportModuleError"
		if r.Family == "java" {
			fails = "Lambda fails to load the handler"
		}
		if hasLayers {
			// The load does not unpack layers.
			f.Severity, fails = SeverityWarning, "unless a layer provides it, "+fails
		}
		f.Message = fmt.Sprintf("handler load: %s imports %s, which is not in the bundle; %s", orHandler(f.Path), quoted(r.Module), fails)
		if r.Family == "java" {
			class, _, _ := strings.Cut(r.Handler, "::")
			f.Message = fmt.Sprintf("handler load: %s needs class %s, which is not in the bundle or its lib/*.jar; %s", orHandler(class), r.Module, fails)
		}
		f.AWSError = importError(r)
		f.Hint = missingModuleHint(r)
	case LoadMissingHandler, LoadNotFunction:
		f.Message = fmt.Sprintf("handler load: %s loads, but %s", where, r.Message)
		f.AWSError = "Runtime.HandlerNotFound"
		f.Hint = fmt.Sprintf("export a function named as handler %q says, or fix handler", r.Handler)
	case LoadInvalid:
		f.Message = fmt.Sprintf("handler load: %s fails to load: %s", where, r.Message)
		f.Hint = "fix the code or the dependency the message names, and package again"
		if r.Family == "java" {
			f.Hint = "build the classes for the function's Java version, or fix the dependency the message names"
		}
	case LoadNative:
		f.Message = fmt.Sprintf("handler load: a native library did not load on this machine: %s", r.Message)
		f.Hint = "this machine's system libraries may differ from Lambda's (Amazon Linux): install dependencies for the function's platform (package.dependencies: auto), or check on Lambda"
	case LoadThrew:
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
func importError(r HandlerLoad) string {
	switch r.Family {
	case "python":
		mod := r.Handler
		if i := strings.LastIndex(mod, "."); i > 0 {
			mod = mod[:i]
		}
		return fmt.Sprintf("Runtime.ImportModuleError: Unable to import module '%s': No module named '%s'", mod, r.Module)
	case "java":
		return "java.lang.NoClassDefFoundError: " + strings.ReplaceAll(r.Module, ".", "/")
	}
	return fmt.Sprintf("Runtime.ImportModuleError: Error: Cannot find module '%s'", r.Module)
}

func missingModuleHint(r HandlerLoad) string {
	switch {
	case r.Family == "java":
		return "put the jar that holds it in lib/ of the bundle (a runtime dependency), or shade it into the jar"
	case strings.HasPrefix(r.Module, ".") || strings.HasPrefix(r.Module, "/"):
		return "include the file in the bundle (package.include), or fix the import path"
	case r.Family == "python":
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
