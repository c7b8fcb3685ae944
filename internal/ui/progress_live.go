package ui

import (
	"sync"
	"time"

	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/lambcli/lamb/pkg/progress"
)

// liveRenderer keeps one redrawn line per running step on a terminal; a step
// that ends settles into one final line above the running ones. mpb does the
// terminal work (redraw cadence, cursor movement, width, concurrent updates);
// the text of every line is lamb's own, built from the step's state.
type liveRenderer struct {
	s       *IOStreams
	now     func() time.Time
	paint   Painter
	verbose bool
	p       *mpb.Progress

	mu     sync.Mutex
	steps  map[stepKey]*liveStep
	closed bool
}

func newLiveRenderer(s *IOStreams, now func() time.Time) *liveRenderer {
	return &liveRenderer{
		s:       s,
		now:     now,
		paint:   s.ErrPainter(),
		verbose: s.Verbose,
		// The streams already decided stderr is a terminal (a test's buffer
		// may claim to be one), so mpb must not decide again.
		p: mpb.New(
			mpb.WithConsoleWriter(sizedTerminal{cupwriter.New(s.ErrOut, true)}),
			mpb.WithAutoRefresh(),
			mpb.PopCompletedMode(),
		),
		steps: map[stepKey]*liveStep{},
	}
}

// sizedTerminal stands in a usable size when a terminal reports none, as a
// pseudo-terminal does before anyone sets its size (some container runs):
// mpb fits its lines into the reported size and would drop every one.
type sizedTerminal struct{ *cupwriter.Writer }

func (t sizedTerminal) GetTermSize() (width, height int, err error) {
	width, height, err = t.Writer.GetTermSize()
	if err != nil || width <= 0 || height <= 0 {
		return 80, 24, nil
	}
	return width, height, nil
}

// liveStep is the state one line is drawn from; mpb reads it from its own
// goroutine while events write it.
type liveStep struct {
	label string
	bar   *mpb.Bar

	mu            sync.Mutex
	started       time.Time
	doing, amount string
	final         string // set once the step ended
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// line is the step's text at now: "⠹ api: package: installing npm
// dependencies for linux/arm64…  12.0 MiB of 48.2 MiB  4.2s" while it runs,
// then "✓ api: package: done in 6.0s".
func (st *liveStep) line(now time.Time, p Painter) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.final != "" {
		return st.final
	}
	elapsed := now.Sub(st.started)
	frame := spinnerFrames[int(elapsed/(100*time.Millisecond))%len(spinnerFrames)]
	text := p.Green(frame) + " " + st.label + ": " + st.doing
	if st.amount != "" {
		text += "  " + st.amount
	}
	return text + "  " + formatElapsed(elapsed)
}

func (r *liveRenderer) Event(e progress.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	k := keyOf(e)
	if e.Kind == progress.Note {
		if r.verbose {
			// Written above the running lines at the next redraw.
			_, _ = r.p.Write([]byte(k.label() + ": " + firstLine(e.Message) + "\n"))
		}
		return
	}
	st := r.steps[k]
	if st == nil {
		st = r.start(k)
		if st == nil {
			return
		}
	}
	switch e.Kind {
	case progress.Started:
		st.mu.Lock()
		st.doing, st.started = firstLine(startedText(e)), r.now()
		st.mu.Unlock()
	case progress.Advanced:
		st.mu.Lock()
		st.amount = advancedText(e)
		st.mu.Unlock()
	case progress.Finished:
		r.settle(k, st, true, r.paint.Green("✓"), r.outcome(st, e))
	case progress.Failed:
		r.settle(k, st, false, r.paint.Red("✗"), r.outcome(st, e))
	case progress.Skipped:
		r.settle(k, st, true, r.paint.Yellow("-"), r.outcome(st, e))
	}
}

// outcome is the end of a step's final line. st.started changes only under
// r.mu, which the caller holds.
func (r *liveRenderer) outcome(st *liveStep, e progress.Event) string {
	return outcomeText(e, elapsedOf(e, st.started, r.now()), r.paint)
}

// start adds a line for a step; a step may report progress without having
// said it started. It returns nil when mpb has already shut down.
func (r *liveRenderer) start(k stepKey) *liveStep {
	st := &liveStep{label: k.label(), started: r.now(), doing: "working…"}
	bar, err := r.p.Add(0, mpb.NopStyle().Build(),
		mpb.BarFillerTrim(),
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string { return st.line(r.now(), r.paint) })),
	)
	if err != nil {
		return nil
	}
	st.bar = bar
	r.steps[k] = st
	return st
}

// settle gives a step its final line; mpb then moves it above the running
// lines and stops redrawing it. A failed step's line is aborted rather than
// completed, which mpb keeps drawn as well.
func (r *liveRenderer) settle(k stepKey, st *liveStep, ok bool, mark, outcome string) {
	st.mu.Lock()
	st.final = mark + " " + st.label + ": " + firstLine(outcome)
	st.mu.Unlock()
	if ok {
		st.bar.SetTotal(-1, true)
	} else {
		st.bar.Abort(false)
	}
	delete(r.steps, k)
}

// Close settles the steps that never said how they ended (the work was
// interrupted) and waits for the last redraw.
func (r *liveRenderer) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	for k, st := range r.steps {
		r.settle(k, st, false, r.paint.Yellow("-"), "stopped after "+formatElapsed(r.now().Sub(st.started)))
	}
	r.mu.Unlock()
	r.p.Wait()
}
