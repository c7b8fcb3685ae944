package loadcheck

// Outcome is how a load ended.
type Outcome string

// Outcomes.
const (
	// Loaded: the module loaded and the handler is a function.
	Loaded Outcome = "loaded"
	// Skipped: the load did not run; Result.Note says why.
	Skipped Outcome = "skipped"
	// Failed: the load ran and failed; Result.Kind says how.
	Failed Outcome = "failed"
)

// Kind says how a load failed.
type Kind string

// Kinds of failure. The first five fail on Lambda whatever the machine;
// the last three may depend on this machine or on what Lambda provides.
const (
	// MissingModule: an import or class the bundle does not hold (Module).
	MissingModule Kind = "missingModule"
	// MissingHandler: the module loads but has no such export or method.
	MissingHandler Kind = "missingHandler"
	// NotFunction: the export exists but cannot be called.
	NotFunction Kind = "notFunction"
	// Invalid: a syntax error, a missing named export, a class built for a
	// newer Java, a name a module does not have.
	Invalid Kind = "invalid"
	// Native: a native library failed to load on this machine.
	Native Kind = "native"
	// Threw: code run at import time threw (perhaps for want of the
	// function's environment or AWS access, which the load does not give).
	Threw Kind = "threw"
	// NoResult: the load process exited, crashed or timed out before it
	// said how the load went.
	NoResult Kind = "noResult"
)

// Family is the kind of runtime a handler is loaded with.
type Family string

// Families lamb loads.
const (
	Node   Family = "nodejs"
	Python Family = "python"
	Java   Family = "java"
)

// Result is what a load found.
type Result struct {
	Outcome Outcome
	Kind    Kind
	Family  Family
	// Note says why the load was skipped (Skipped), for the report's notes.
	Note string
	// Tool is the interpreter that ran the load ("node 20.20.2 (/usr/bin/node)").
	Tool string
	// Handler is the configured handler.
	Handler string
	// File is the handler's module in the bundle, when known.
	File string
	// Module is the missing module or class (MissingModule).
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

// IsError reports whether the failure happens on Lambda whatever machine
// checks it: the module or handler is not in the bundle, or cannot be read.
func (r Result) IsError() bool {
	if r.Outcome != Failed {
		return false
	}
	switch r.Kind {
	case MissingModule, MissingHandler, NotFunction, Invalid:
		return true
	}
	return false
}
