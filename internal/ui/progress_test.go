package ui

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/pkg/progress"
)

// fakeClock is the renderers' clock in tests; the live renderer reads it
// from mpb's goroutine, hence the lock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestProgressMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                               string
		json, quiet, verbose, errTTY, anim bool
		want                               ProgressMode
	}{
		{name: "terminal", errTTY: true, anim: true, want: ProgressLive},
		{name: "verbose on a terminal", verbose: true, errTTY: true, anim: true, want: ProgressPlain},
		{name: "stderr piped", want: ProgressPlain},
		{name: "CI on a terminal", errTTY: true, want: ProgressPlain},
		{name: "json on a terminal", json: true, errTTY: true, anim: true, want: ProgressNone},
		{name: "json piped", json: true, want: ProgressNone},
		{name: "quiet on a terminal", quiet: true, errTTY: true, anim: true, want: ProgressNone},
		{name: "quiet piped", quiet: true, want: ProgressNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := Test()
			s.SetStderrTTY(tt.errTTY)
			s.noAnimation = !tt.anim
			s.Quiet, s.Verbose = tt.quiet, tt.verbose
			if got := s.ProgressMode(tt.json); got != tt.want {
				t.Errorf("ProgressMode = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSystemNoAnimation(t *testing.T) {
	for _, tt := range []struct {
		ci, term string
		want     bool
	}{
		{"", "xterm-256color", false},
		{"true", "xterm-256color", true},
		{"", "dumb", true},
	} {
		t.Run(tt.ci+"/"+tt.term, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			t.Setenv("TERM", tt.term)
			if got := System().noAnimation; got != tt.want {
				t.Errorf("noAnimation = %v, want %v", got, tt.want)
			}
		})
	}
}

// emitSample sends the events of a small run: two functions packaged, an
// upload that reports bytes and fails, a skipped check and a step not tied
// to a function.
func emitSample(sink progress.Sink, clock *fakeClock) {
	sink.Event(progress.Event{Function: "api", Step: "package", Kind: progress.Started, Message: "installing npm dependencies for linux/arm64"})
	sink.Event(progress.Event{Function: "worker", Step: "package", Kind: progress.Started, Message: "copying sources"})
	clock.advance(400 * time.Millisecond)
	sink.Event(progress.Event{Function: "api", Step: "package", Kind: progress.Note, Message: "npm ci --omit=dev"})
	clock.advance(1700 * time.Millisecond)
	sink.Event(progress.Event{Function: "api", Step: "package", Kind: progress.Finished})
	sink.Event(progress.Event{Function: "worker", Step: "package", Kind: progress.Finished, Elapsed: 1500 * time.Millisecond, Message: "12 files"})

	sink.Event(progress.Event{Function: "api", Step: "upload", Kind: progress.Started, Message: "uploading api.zip"})
	const mib = 1 << 20
	for _, done := range []int64{1, 2, 30, 31, 47} {
		clock.advance(3 * time.Second)
		sink.Event(progress.Event{Function: "api", Step: "upload", Kind: progress.Advanced, Done: done * mib, Total: 48 * mib, Unit: progress.Bytes})
	}
	clock.advance(time.Second)
	sink.Event(progress.Event{Function: "api", Step: "upload", Kind: progress.Failed, Err: errors.New("put object: access denied")})

	sink.Event(progress.Event{Function: "worker", Step: "zip", Kind: progress.Advanced, Done: 3, Total: 10, Unit: progress.Items})
	sink.Event(progress.Event{Function: "worker", Step: "zip", Kind: progress.Finished, Elapsed: 300 * time.Millisecond})
	sink.Event(progress.Event{Function: "worker", Step: "check", Kind: progress.Skipped, Message: "no AWS credentials; pass --offline"})
	sink.Event(progress.Event{Step: "measure layers", Kind: progress.Started})
	sink.Event(progress.Event{Step: "measure layers", Kind: progress.Finished, Elapsed: 65 * time.Second})
}

func TestPlainRendererGolden(t *testing.T) {
	t.Parallel()
	for _, verbose := range []bool{false, true} {
		t.Run(fmt.Sprintf("verbose=%v", verbose), func(t *testing.T) {
			s, out, errOut := Test()
			s.Verbose = verbose
			clock := newFakeClock()
			r := newProgressRenderer(s, ProgressPlain, clock.now)
			emitSample(r, clock)
			r.Close()
			if out.Len() != 0 {
				t.Errorf("progress wrote to stdout: %q", out)
			}
			got := errOut.String()
			if strings.Contains(got, "\x1b") {
				t.Errorf("plain lines on a pipe hold escape codes: %q", got)
			}
			if verbose {
				golden.Assert(t, "progress/plain-verbose.golden", []byte(got))
			} else {
				golden.Assert(t, "progress/plain.golden", []byte(got))
			}
		})
	}
}

func TestNoneRendererWritesNothing(t *testing.T) {
	t.Parallel()
	s, out, errOut := Test()
	s.SetStderrTTY(true)
	s.SetStdoutTTY(true)
	s.Verbose = true
	clock := newFakeClock()
	r := NewProgressRenderer(s, ProgressNone)
	emitSample(r, clock)
	r.Close()
	if out.Len()+errOut.Len() != 0 {
		t.Errorf("stdout %q, stderr %q; want nothing", out, errOut)
	}
}

var escapeCode = regexp.MustCompile(`\x1b\[([0-9;]*)([A-Za-z])`)

// screen is what a terminal shows after raw: colour is dropped, and the
// cursor movement mpb redraws with (up n lines, then erase below) is played.
func screen(raw string) string {
	rows, r := []string{""}, 0
	write := func(text string) {
		for _, c := range text {
			if c == '\n' {
				r++
				if r == len(rows) {
					rows = append(rows, "")
				}
				continue
			}
			rows[r] += string(c)
		}
	}
	last := 0
	for _, m := range escapeCode.FindAllStringSubmatchIndex(raw, -1) {
		write(raw[last:m[0]])
		last = m[1]
		switch raw[m[4]:m[5]] {
		case "A":
			n, _ := strconv.Atoi(raw[m[2]:m[3]])
			r = max(r-n, 0)
		case "J":
			rows = append(rows[:r], "")
		}
	}
	write(raw[last:])
	return strings.Join(rows, "\n")
}

// TestLiveRendererOnStderrOnly draws live lines with colour and cursor codes
// on stderr, and nothing on stdout, even when stdout is a terminal too.
func TestLiveRendererOnStderrOnly(t *testing.T) {
	t.Parallel()
	for _, outTTY := range []bool{false, true} {
		t.Run(fmt.Sprintf("stdout terminal=%v", outTTY), func(t *testing.T) {
			s, out, errOut := Test()
			s.SetStderrTTY(true)
			s.SetStdoutTTY(outTTY)
			s.Verbose = true
			clock := newFakeClock()
			r := newProgressRenderer(s, ProgressLive, clock.now)
			emitSample(r, clock)
			r.Close()
			if out.Len() != 0 {
				t.Errorf("live progress wrote to stdout: %q", out)
			}
			got := errOut.String()
			if !strings.Contains(got, "\x1b[") {
				t.Errorf("live lines on a terminal hold no escape codes: %q", got)
			}
			plain := screen(got)
			for _, want := range []string{
				"✓ api: package: done in 2.1s\n",
				"✓ worker: package: done in 1.5s (12 files)\n",
				"✗ api: upload: failed after 16.0s: put object: access denied\n",
				"- worker: check: skipped: no AWS credentials; pass --offline\n",
				"✓ measure layers: done in 1m05s\n",
				"api: package: npm ci --omit=dev\n",
			} {
				if strings.Count(plain, want) != 1 {
					t.Errorf("stderr should hold %q once:\n%s", want, plain)
				}
			}
		})
	}
}

// TestLiveRendererNoColor keeps cursor movement (the lines must be redrawn)
// but drops colour with --no-color.
func TestLiveRendererNoColor(t *testing.T) {
	t.Parallel()
	s, _, errOut := Test()
	s.SetStderrTTY(true)
	s.NoColor = true
	clock := newFakeClock()
	r := newProgressRenderer(s, ProgressLive, clock.now)
	emitSample(r, clock)
	r.Close()
	for _, m := range escapeCode.FindAllStringSubmatch(errOut.String(), -1) {
		if m[2] == "m" {
			t.Fatalf("colour %q despite --no-color: %q", m[0], errOut)
		}
	}
}

// TestLiveRendererConcurrentFunctions reports from many functions at once
// (run with -race) and leaves exactly one final line per step; a step never
// finished is settled by Close.
func TestLiveRendererConcurrentFunctions(t *testing.T) {
	t.Parallel()
	s, _, errOut := Test()
	s.SetStderrTTY(true)
	r := NewProgressRenderer(s, ProgressLive)
	const n = 8
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			fn := fmt.Sprintf("fn%d", i)
			r.Event(progress.Event{Function: fn, Step: "package", Kind: progress.Started, Message: "zipping"})
			for done := range int64(20) {
				r.Event(progress.Event{Function: fn, Step: "package", Kind: progress.Advanced, Done: done, Total: 20, Unit: progress.Items})
			}
			r.Event(progress.Event{Function: fn, Step: "package", Kind: progress.Finished, Elapsed: time.Second})
		})
	}
	wg.Wait()
	r.Event(progress.Event{Function: "late", Step: "upload", Kind: progress.Started})
	r.Close()
	r.Event(progress.Event{Function: "after", Step: "close", Kind: progress.Started})
	plain := screen(errOut.String())
	for i := range n {
		if want := fmt.Sprintf("✓ fn%d: package: done in 1.0s\n", i); strings.Count(plain, want) != 1 {
			t.Errorf("want %q once:\n%s", want, plain)
		}
	}
	if !strings.Contains(plain, "- late: upload: stopped after ") || strings.Contains(plain, "after: close") {
		t.Errorf("Close should settle the running step and ignore later events:\n%s", plain)
	}
}

func TestFormatElapsed(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "0.0s", 2140 * time.Millisecond: "2.1s", 59 * time.Second: "59.0s", 65 * time.Second: "1m05s", 3601 * time.Second: "60m01s",
	} {
		if got := formatElapsed(d); got != want {
			t.Errorf("formatElapsed(%v) = %q, want %q", d, got, want)
		}
	}
}
