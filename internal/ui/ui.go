// Package ui provides lamb's terminal plumbing: the IO streams a command
// writes to, terminal and colour detection per stream, the renderers of
// progress events on stderr, JSON documents on stdout and small formatting
// helpers. It knows nothing about Lambda; commands decide what to print.
package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/mattn/go-isatty"

	"github.com/lambcli/lamb/internal/units"
)

// IOStreams are the streams a command reads and writes, with what is known
// about them. Data goes to Out; progress, logs and errors go to ErrOut.
//
// Colour is decided per stream: text painted for Out asks whether Out is a
// terminal, text painted for ErrOut asks about ErrOut, so `lamb package |
// tee log` on a terminal keeps escape codes out of the log.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	outTTY bool
	errTTY bool
	// NoColor turns colour off on both streams (from --no-color, NO_COLOR
	// or CI); without it each stream is coloured when it is a terminal.
	NoColor bool
	// noAnimation keeps progress to plain lines even on a terminal: CI
	// logs and dumb terminals cannot redraw lines.
	noAnimation bool
	// Quiet drops progress lines; Verbose adds detail lines.
	Quiet   bool
	Verbose bool

	mu sync.Mutex
}

// System returns streams bound to the process's stdin, stdout and stderr.
func System() *IOStreams {
	ci := os.Getenv("CI") != ""
	return &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		outTTY: isTerminal(os.Stdout),
		errTTY: isTerminal(os.Stderr),
		// https://no-color.org: set and not empty, whatever its value.
		NoColor:     os.Getenv("NO_COLOR") != "" || ci,
		noAnimation: ci || os.Getenv("TERM") == "dumb",
	}
}

// Test returns streams writing to buffers, for tests. Neither output stream
// is a terminal until SetStdoutTTY or SetStderrTTY says so.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{
		In:     strings.NewReader(""),
		Out:    out,
		ErrOut: errOut,
	}, out, errOut
}

// SetStdoutTTY makes Out claim to be a terminal, or not; for tests.
func (s *IOStreams) SetStdoutTTY(tty bool) { s.outTTY = tty }

// SetStderrTTY makes ErrOut claim to be a terminal, or not; for tests.
func (s *IOStreams) SetStderrTTY(tty bool) { s.errTTY = tty }

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// ColorOut reports whether ANSI colour may be written to Out.
func (s *IOStreams) ColorOut() bool { return s.outTTY && !s.NoColor }

// ColorErr reports whether ANSI colour may be written to ErrOut.
func (s *IOStreams) ColorErr() bool { return s.errTTY && !s.NoColor }

// OutPainter colours text that will be written to Out.
func (s *IOStreams) OutPainter() Painter { return Painter{on: s.ColorOut()} }

// ErrPainter colours text that will be written to ErrOut.
func (s *IOStreams) ErrPainter() Painter { return Painter{on: s.ColorErr()} }

// Progressf writes one progress line to stderr unless quiet. Lines are plain
// and stable so CI logs stay readable.
func (s *IOStreams) Progressf(format string, args ...any) {
	if s.Quiet {
		return
	}
	s.errLine(fmt.Sprintf(format, args...))
}

// Verbosef writes one detail line to stderr when verbose.
func (s *IOStreams) Verbosef(format string, args ...any) {
	if !s.Verbose {
		return
	}
	s.errLine(fmt.Sprintf(format, args...))
}

// errLine writes one whole line to stderr; the lock keeps lines from
// concurrent functions from interleaving.
func (s *IOStreams) errLine(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Standard error is where a failure to write would be reported: nothing is left to tell.
	_, _ = fmt.Fprintln(s.ErrOut, line)
}

// WriteJSON writes v as an indented JSON document followed by a newline,
// without HTML escaping.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

const (
	colorRed    = "\x1b[31m"
	colorYellow = "\x1b[33m"
	colorGreen  = "\x1b[32m"
	colorBold   = "\x1b[1m"
	colorReset  = "\x1b[0m"
)

// Painter colours text for one stream; its zero value paints nothing.
type Painter struct{ on bool }

func (p Painter) paint(code, text string) string {
	if !p.on {
		return text
	}
	return code + text + colorReset
}

// Red, Yellow, Green and Bold colour text when the painter's stream takes colour.
func (p Painter) Red(t string) string    { return p.paint(colorRed, t) }
func (p Painter) Yellow(t string) string { return p.paint(colorYellow, t) }
func (p Painter) Green(t string) string  { return p.paint(colorGreen, t) }
func (p Painter) Bold(t string) string   { return p.paint(colorBold, t) }

// Bytes formats a byte count for people in binary units ("812 B",
// "4.1 KiB", "48.2 MiB"), as units.Bytes does for the checks' messages.
func Bytes(n int64) string { return units.Bytes(n) }

// Percent formats part/whole as a percentage with one decimal.
func Percent(part, whole int64) string {
	if whole == 0 {
		return "0.0%"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}
