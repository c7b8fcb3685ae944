package loadcheck

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/lambcli/lamb/pkg/limits"
)

// report is what a loader script writes to its result file.
type report struct {
	Status string `json:"status"`
	// Kind is set by the loader when it classified the failure itself
	// (a missing or uncallable handler).
	Kind string `json:"kind"`
	// File is the handler's module, relative to the task root.
	File string `json:"file"`
	// Error is the exception's class or name, Code Node's error code,
	// Name the module Python could not find.
	Error   string   `json:"error"`
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Message string   `json:"message"`
	Stubbed []string `json:"stubbed"`
}

// javaProvided is the package of the classes the Java runtime provides
// (aws-lambda-java-core); a bundle may leave them out.
const javaProvided = "com.amazonaws.services.lambda.runtime."

var (
	nodeMissing     = regexp.MustCompile(`Cannot find (?:module|package) '([^']+)'(?: imported from (\S+))?`)
	nodeExportMiss  = regexp.MustCompile(`The requested module '([^']+)' does not provide an export named`)
	pythonMissing   = regexp.MustCompile(`No module named '([^']+)'`)
	nativeLibraryRe = regexp.MustCompile(`(?i)\.so\b|\.node\b|ELF|GLIBC|undefined symbol|shared object|\.dll\b|dlopen`)
)

// parseReport reads a loader's result file. root is the task
// root the loader ran in: paths under it are made relative to it, so
// messages name bundle paths.
func parseReport(fam Family, root string, data []byte) (limits.HandlerLoad, error) {
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		return limits.HandlerLoad{}, err
	}
	r := limits.HandlerLoad{Family: string(fam), File: filepath.ToSlash(rep.File), Stubbed: rep.Stubbed}
	if rep.Status == "loaded" {
		r.Outcome = limits.HandlerLoaded
		return r, nil
	}
	r.Outcome = limits.HandlerLoadFailed
	full := strings.ReplaceAll(rep.Message, root+string(filepath.Separator), "")
	r.Message = firstLine(full)
	if rep.Kind != "" {
		r.Kind = limits.LoadFailure(rep.Kind)
		return r, nil
	}
	switch fam {
	case Node:
		classifyNode(&r, rep, full)
	case Python:
		classifyPython(&r, rep)
	case Java:
		classifyJava(&r, rep)
	}
	return r, nil
}

func classifyNode(r *limits.HandlerLoad, rep report, full string) {
	switch {
	case rep.Code == "MODULE_NOT_FOUND" || rep.Code == "ERR_MODULE_NOT_FOUND":
		r.Kind = limits.LoadMissingModule
		if m := nodeMissing.FindStringSubmatch(full); m != nil {
			r.Module, r.From = m[1], m[2]
		}
		if r.From == "" {
			r.From = requireStackTop(full)
		}
	case rep.Code == "ERR_DLOPEN_FAILED" || nativeLibraryRe.MatchString(r.Message) && rep.Error != "SyntaxError":
		r.Kind = limits.LoadNative
	case rep.Error == "SyntaxError":
		r.Kind = limits.LoadInvalid
		// A name asked of a stub of a runtime-provided module is the stub's
		// shortfall, not the bundle's.
		if m := nodeExportMiss.FindStringSubmatch(full); m != nil && slices.Contains(r.Stubbed, m[1]) {
			r.Kind = limits.LoadThrew
		}
	default:
		r.Kind = limits.LoadThrew
	}
}

// requireStackTop returns the first file of Node's "Require stack:", the
// one whose require failed.
func requireStackTop(msg string) string {
	_, stack, ok := strings.Cut(msg, "Require stack:\n")
	if !ok {
		return ""
	}
	first, _, _ := strings.Cut(stack, "\n")
	return strings.TrimSpace(strings.TrimPrefix(first, "- "))
}

func classifyPython(r *limits.HandlerLoad, rep report) {
	switch rep.Error {
	case "ModuleNotFoundError":
		r.Kind = limits.LoadMissingModule
		r.Module = rep.Name
		if m := pythonMissing.FindStringSubmatch(rep.Message); r.Module == "" && m != nil {
			r.Module = m[1]
		}
		r.From = filepath.ToSlash(rep.File)
		r.File = ""
	case "ImportError":
		r.Kind = limits.LoadInvalid
		if nativeLibraryRe.MatchString(rep.Message) {
			r.Kind = limits.LoadNative
		}
		r.From, r.File = filepath.ToSlash(rep.File), ""
	case "SyntaxError", "IndentationError", "TabError":
		r.Kind = limits.LoadInvalid
	default:
		r.Kind = limits.LoadThrew
	}
}

func classifyJava(r *limits.HandlerLoad, rep report) {
	switch rep.Error {
	case "java.lang.ClassNotFoundException":
		r.Kind, r.Module = limits.LoadMissingModule, rep.Message
	case "java.lang.NoClassDefFoundError":
		r.Kind, r.Module = limits.LoadMissingModule, strings.ReplaceAll(rep.Message, "/", ".")
		if strings.Contains(rep.Message, " ") {
			// "Could not initialize class X": an earlier initialiser threw.
			r.Kind, r.Module = limits.LoadThrew, ""
		}
	case "java.lang.UnsatisfiedLinkError":
		r.Kind = limits.LoadNative
	case "java.lang.UnsupportedClassVersionError", "java.lang.ClassFormatError", "java.lang.VerifyError",
		"java.lang.IncompatibleClassChangeError", "java.lang.NoSuchMethodError", "java.lang.NoSuchFieldError":
		r.Kind = limits.LoadInvalid
	default:
		r.Kind = limits.LoadThrew
	}
	if r.Message == "" || r.Kind == limits.LoadThrew {
		r.Message = strings.TrimSpace(rep.Error + ": " + r.Message)
	}
	if r.Kind == limits.LoadMissingModule && strings.HasPrefix(r.Module, javaProvided) {
		r.Outcome, r.Kind = limits.HandlerLoadSkipped, ""
		r.Note = "handler load stopped at " + r.Module + ", which the Java runtime provides; the rest of the class was not checked"
	}
}

// firstLine returns s up to its first line break, shortened to a bound.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	const max = 300
	if len(line) > max {
		line = line[:max] + "…"
	}
	return line
}
