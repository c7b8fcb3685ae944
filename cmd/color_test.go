package cmd

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/ui"
)

// terminalMixes are the ways stdout and stderr can be terminals or not; with
// `lamb package | tee log` on a terminal, stderr is one and stdout is not.
var terminalMixes = []struct {
	name           string
	outTTY, errTTY bool
}{
	{"stderr terminal, stdout piped", false, true},
	{"stdout terminal, stderr piped", true, false},
	{"both terminals", true, true},
	{"neither", false, false},
}

// lambOn runs the CLI with args against test streams whose terminal-ness is
// set per stream.
func lambOn(t *testing.T, outTTY, errTTY bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, out, errOut := ui.Test()
	io.SetStdoutTTY(outTTY)
	io.SetStderrTTY(errTTY)
	code = Run(context.Background(), io, args)
	return code, out.String(), errOut.String()
}

// TestPackageSummaryColorFollowsStdout paints the summary only when stdout
// is a terminal, whatever stderr is.
func TestPackageSummaryColorFollowsStdout(t *testing.T) {
	config := filepath.Join(checkProject(t, ""), "lamb.yaml")
	for _, tt := range terminalMixes {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := lambOn(t, tt.outTTY, tt.errTTY, "package", "-c", config)
			if code != ExitOK || !strings.Contains(stdout, "sha256") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			if got := strings.Contains(stdout, "\x1b"); got != tt.outTTY {
				t.Errorf("escape codes on stdout: %v, want %v: %q", got, tt.outTTY, stdout)
			}
			if !tt.errTTY && strings.Contains(stderr, "\x1b") {
				t.Errorf("escape codes on a piped stderr: %q", stderr)
			}
		})
	}
}

// TestErrorColorFollowsStderr paints "error:" only when stderr is a terminal
// and --no-color is not given.
func TestErrorColorFollowsStderr(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "lamb.yaml")
	for _, tt := range terminalMixes {
		for _, noColor := range []bool{false, true} {
			args := []string{"validate", "-c", missing}
			if noColor {
				args = append(args, "--no-color")
			}
			t.Run(fmt.Sprintf("%s, no-color=%v", tt.name, noColor), func(t *testing.T) {
				_, stdout, stderr := lambOn(t, tt.outTTY, tt.errTTY, args...)
				want := tt.errTTY && !noColor
				if got := strings.HasPrefix(stderr, "\x1b[31merror:\x1b[0m "); got != want {
					t.Errorf("red error on stderr: %v, want %v: %q", got, want, stderr)
				}
				if !want && strings.Contains(stderr, "\x1b") {
					t.Errorf("escape codes on stderr: %q", stderr)
				}
				if stdout != "" {
					t.Errorf("stdout = %q, want nothing", stdout)
				}
			})
		}
	}
}
