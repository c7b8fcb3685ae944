package ui

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lambcli/lamb/pkg/progress"
)

// ProgressMode is how progress events are shown on stderr.
type ProgressMode int

const (
	// ProgressNone shows nothing.
	ProgressNone ProgressMode = iota
	// ProgressPlain writes one stable line per step event, for logs and CI.
	ProgressPlain
	// ProgressLive redraws one line per running step on a terminal.
	ProgressLive
)

// ProgressMode picks how progress is shown on these streams.
//
// With a JSON document on stdout nothing is shown, so a script reading both
// streams gets the document alone. With --quiet nothing is shown either, not
// even failures: a failed step is what the command returns, and that error
// is printed once on stderr. Otherwise plain lines when stderr is not a
// terminal, CI is set, the terminal cannot redraw (TERM=dumb) or --verbose
// lets build tools write to stderr themselves (a redraw would erase their
// lines), and live lines on a terminal.
func (s *IOStreams) ProgressMode(jsonOutput bool) ProgressMode {
	switch {
	case jsonOutput || s.Quiet:
		return ProgressNone
	case !s.errTTY || s.noAnimation || s.Verbose:
		return ProgressPlain
	}
	return ProgressLive
}

// ProgressRenderer shows progress events on stderr. Close it once the work is
// done (also on failure): live lines then settle into their final state, and
// nothing is written after Close returns.
type ProgressRenderer interface {
	progress.Sink
	Close()
}

// NewProgressRenderer returns the renderer for mode, writing to s.ErrOut and
// painting with s.ErrPainter. Note events are shown only when s.Verbose.
func NewProgressRenderer(s *IOStreams, mode ProgressMode) ProgressRenderer {
	return newProgressRenderer(s, mode, time.Now)
}

func newProgressRenderer(s *IOStreams, mode ProgressMode, now func() time.Time) ProgressRenderer {
	switch mode {
	case ProgressPlain:
		return &plainRenderer{s: s, now: now, paint: s.ErrPainter(), steps: map[stepKey]*plainStep{}}
	case ProgressLive:
		return newLiveRenderer(s, now)
	}
	return noRenderer{}
}

type noRenderer struct{}

func (noRenderer) Event(progress.Event) {}
func (noRenderer) Close()               {}

// stepKey names one step of one function; functions run concurrently, each
// step of a function runs once at a time.
type stepKey struct{ function, step string }

func keyOf(e progress.Event) stepKey { return stepKey{e.Function, e.Step} }

// label is how a line names its step: "api: package", or "package" for work
// not tied to one function.
func (k stepKey) label() string {
	if k.function == "" {
		return k.step
	}
	return k.function + ": " + k.step
}

// plainAdvanceEvery spaces the progress lines of one step in plain mode: a
// log gets a sign of life from a long upload without a line per chunk.
const plainAdvanceEvery = 10 * time.Second

// plainRenderer writes one line per Started, Finished, Failed and Skipped
// event, and a line per step at most every plainAdvanceEvery for Advanced.
// Every line is a pure function of the events and the clock, so tests can
// compare it with a golden file.
type plainRenderer struct {
	s     *IOStreams
	now   func() time.Time
	paint Painter

	mu    sync.Mutex
	steps map[stepKey]*plainStep
}

type plainStep struct {
	started, lastLine time.Time
	// said records that a line of this step was written, so its outcome is too.
	said bool
}

func (r *plainRenderer) Event(e progress.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if line, ok := r.line(e); ok {
		r.s.errLine(line)
	}
}

func (r *plainRenderer) line(e progress.Event) (string, bool) {
	k, now := keyOf(e), r.now()
	st := r.steps[k]
	switch e.Kind {
	case progress.Started:
		st = &plainStep{started: now, lastLine: now}
		r.steps[k] = st
		// A step that does not say what it does stays quiet unless it
		// fails, so a log holds what a reader needs and no more.
		if e.Message == "" {
			return "", false
		}
		st.said = true
		return k.label() + ": " + startedText(e), true
	case progress.Advanced:
		if st == nil {
			st = &plainStep{started: now}
			r.steps[k] = st
		}
		if e.Done == 0 && e.Total == 0 && e.Message != "" {
			// A new phase of a long step: say it at once.
			st.said = true
			return k.label() + ": " + e.Message + "…", true
		}
		if st.said && now.Sub(st.lastLine) < plainAdvanceEvery {
			return "", false
		}
		st.said, st.lastLine = true, now
		return fmt.Sprintf("%s: %s (%s)", k.label(), advancedText(e), formatElapsed(now.Sub(st.started))), true
	case progress.Note:
		if !r.s.Verbose {
			return "", false
		}
		return k.label() + ": " + e.Message, true
	case progress.Skipped:
		if !r.s.Verbose {
			return "", false
		}
	}
	delete(r.steps, k)
	var started time.Time
	if st != nil {
		started = st.started
	}
	// A quiet step's success is not news either.
	if e.Kind == progress.Finished && (st == nil || !st.said) {
		return "", false
	}
	return k.label() + ": " + outcomeText(e, elapsedOf(e, started, now), r.paint), true
}

// Close has nothing to settle: every line is already written.
func (r *plainRenderer) Close() {}

// startedText says what a step does: "installing npm dependencies for
// linux/arm64…".
func startedText(e progress.Event) string {
	if e.Message == "" {
		return "started…"
	}
	return e.Message + "…"
}

// advancedText measures an Advanced event: "12.0 MiB of 48.2 MiB".
func advancedText(e progress.Event) string {
	count := func(n int64) string {
		if e.Unit == progress.Bytes {
			return Bytes(n)
		}
		return strconv.FormatInt(n, 10)
	}
	text := count(e.Done)
	if e.Total > 0 {
		text += " of " + count(e.Total)
	}
	if e.Message != "" {
		text = e.Message + ": " + text
	}
	return text
}

// outcomeText says how a step ended: "done in 2.1s", "failed after 0.4s:
// ...", "skipped: ...".
func outcomeText(e progress.Event, elapsed time.Duration, p Painter) string {
	switch e.Kind {
	case progress.Finished:
		text := "done in " + formatElapsed(elapsed)
		if e.Message != "" {
			text += " (" + e.Message + ")"
		}
		return text
	case progress.Failed:
		text := p.Red("failed") + " after " + formatElapsed(elapsed)
		if e.Err != nil {
			return text + ": " + e.Err.Error()
		}
		if e.Message != "" {
			return text + ": " + e.Message
		}
		return text
	case progress.Skipped:
		if e.Message == "" {
			return "skipped"
		}
		return "skipped: " + e.Message
	}
	return e.Message
}

// elapsedOf prefers the step's own measure of its time; when it sent none,
// the renderer's clock since the Started event stands in.
func elapsedOf(e progress.Event, started, now time.Time) time.Duration {
	if e.Elapsed > 0 || started.IsZero() {
		return e.Elapsed
	}
	return now.Sub(started)
}

// formatElapsed writes a duration the way people read one: "0.4s", "12.3s",
// "2m05s".
func formatElapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// firstLine keeps a live line one terminal row high: a multi-line error is
// printed in full by the command once the work has stopped.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
