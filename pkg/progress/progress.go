// Package progress defines the one event stream through which lamb's
// libraries report what they are doing: a step of a function's work started,
// advanced (in bytes or items), finished or failed, or a note was made.
//
// Libraries in pkg/ emit events to a Sink the caller passes; they never
// print. Rendering (live lines on a terminal, plain lines in logs and CI,
// nothing with --output json) is left to internal/ui.
package progress

import "time"

// Kind says what happened to a step.
type Kind int

const (
	// Started: the step began; Message says what it does ("installing npm
	// dependencies for linux/arm64").
	Started Kind = iota
	// Advanced: the step made progress; Done and Total count Unit.
	Advanced
	// Finished: the step ended successfully; Message may summarise it.
	Finished
	// Failed: the step ended with Err.
	Failed
	// Skipped: the step did not run; Message says why.
	Skipped
	// Note: a detail line, shown only when the user asked for detail
	// (--verbose), such as a tool's command line.
	Note
)

// String names the kind, for logs and tests.
func (k Kind) String() string {
	switch k {
	case Started:
		return "started"
	case Advanced:
		return "advanced"
	case Finished:
		return "finished"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	case Note:
		return "note"
	}
	return "unknown"
}

// Unit is what Done and Total count.
type Unit string

const (
	Bytes Unit = "bytes"
	Items Unit = "items"
)

// Event is one report about one step of one function.
type Event struct {
	// Function is the function's key in lamb.yaml ("" for work not tied to one).
	Function string
	// Step names the step: "package", "measure layers", "check", "upload", ...
	Step string
	Kind Kind
	// Message is a short human sentence; it never holds a secret.
	Message string
	// Done and Total measure an Advanced event; Total 0 means unknown.
	Done, Total int64
	Unit        Unit
	// Elapsed is the time since the step started (Finished, Failed).
	Elapsed time.Duration
	// Err is the failure of a Failed event.
	Err error
}

// Sink receives events. Implementations must be safe for concurrent use:
// several functions run at once.
type Sink interface {
	Event(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Event calls f(e).
func (f SinkFunc) Event(e Event) { f(e) }

// Discard drops every event.
var Discard Sink = SinkFunc(func(Event) {})

// OrDiscard returns s, or Discard when s is nil, so callers may pass nil.
func OrDiscard(s Sink) Sink {
	if s == nil {
		return Discard
	}
	return s
}
