// Package ui provides lamb's terminal plumbing: the IO streams a command
// writes to, terminal and colour detection, progress lines on stderr, JSON
// documents on stdout and small formatting helpers. It knows nothing about
// Lambda; commands decide what to print.
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
)

// IOStreams are the streams a command reads and writes, with what is known
// about them. Data goes to Out; progress, logs and errors go to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	outTTY bool
	errTTY bool
	// NoColor turns colour off (from --no-color, NO_COLOR, CI, or a non-terminal).
	NoColor bool
	// Quiet drops progress lines; Verbose adds detail lines.
	Quiet   bool
	Verbose bool

	mu sync.Mutex
}

// System returns streams bound to the process's stdin, stdout and stderr.
func System() *IOStreams {
	s := &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		outTTY: isTerminal(os.Stdout),
		errTTY: isTerminal(os.Stderr),
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	_, ci := os.LookupEnv("CI")
	s.NoColor = noColor || ci || !s.errTTY
	return s
}

// Test returns streams writing to buffers, for tests. tty sets whether both
// output streams claim to be a terminal.
func Test(tty bool) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{
		In:      strings.NewReader(""),
		Out:     out,
		ErrOut:  errOut,
		outTTY:  tty,
		errTTY:  tty,
		NoColor: !tty,
	}, out, errOut
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// IsStdoutTTY reports whether data output goes to a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether progress output goes to a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// ColorEnabled reports whether ANSI colour may be written.
func (s *IOStreams) ColorEnabled() bool { return !s.NoColor }

// Progressf writes one progress line to stderr unless quiet. Lines are plain
// and stable so CI logs stay readable.
func (s *IOStreams) Progressf(format string, args ...any) {
	if s.Quiet {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
}

// Verbosef writes one detail line to stderr when verbose.
func (s *IOStreams) Verbosef(format string, args ...any) {
	if !s.Verbose {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.ErrOut, format+"\n", args...)
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

func (s *IOStreams) paint(code, text string) string {
	if s.NoColor {
		return text
	}
	return code + text + colorReset
}

// Red, Yellow, Green and Bold colour text when colour is enabled.
func (s *IOStreams) Red(t string) string    { return s.paint(colorRed, t) }
func (s *IOStreams) Yellow(t string) string { return s.paint(colorYellow, t) }
func (s *IOStreams) Green(t string) string  { return s.paint(colorGreen, t) }
func (s *IOStreams) Bold(t string) string   { return s.paint(colorBold, t) }

// Bytes formats a byte count for people in binary units ("812 B",
// "4.1 KiB", "48.2 MiB"), the units Lambda's "50 MB" and "250 MB" limits use.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}

// Percent formats part/whole as a percentage with one decimal.
func Percent(part, whole int64) string {
	if whole == 0 {
		return "0.0%"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}
