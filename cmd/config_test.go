package cmd

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/ui"
)

// runWithStdin runs lamb with stdin as its standard input.
func runWithStdin(ctx context.Context, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	io, out, errOut := ui.Test()
	io.In = stdin
	code = Run(ctx, io, args)
	return code, out.String(), errOut.String()
}

// -c - reads the configuration from standard input as if it were a file in
// the current folder: relative paths in it are found there.
func TestConfigFromStdin(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "app.env"), []byte("A=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := "functions:\n  api:\n    runtime: nodejs22.x\n    environment: {files: [app.env]}\n"
	code, stdout, stderr := runWithStdin(t.Context(), strings.NewReader(doc), "validate", "-c", "-")
	if code != 0 || stdout != "ok: 1 function\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, stdout, _ = runWithStdin(t.Context(), strings.NewReader("functions:\n  api: {memroy: 1}\n"), "validate", "-c", "-")
	if code != ExitUsage || !strings.Contains(stdout, "<stdin>:2:9: functions.api.memroy: unknown key") {
		t.Errorf("exit %d, stdout %q; want 2 and the problem placed in <stdin>", code, stdout)
	}
}

func TestConfigMustBeABoundedRegularFile(t *testing.T) {
	t.Parallel()
	huge := filepath.Join(t.TempDir(), "lamb.yaml")
	if err := os.WriteFile(huge, []byte(strings.Repeat("#", 4<<20+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		stdin string
		want  string
	}{
		{"folder without lamb.yaml", t.TempDir(), "", "run 'lamb init'"},
		{"huge file", huge, "", huge + " is larger than 4 MiB"},
		{"huge standard input", "-", strings.Repeat("#", 4<<20+1), "the configuration on standard input is larger than 4 MiB"},
	}
	if fi, err := os.Stat("/dev/zero"); err == nil && fi.Mode()&os.ModeDevice != 0 {
		tests = append(tests, struct{ name, path, stdin, want string }{"device", "/dev/zero", "", "/dev/zero is a device, not a regular file"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runWithStdin(t.Context(), strings.NewReader(tt.stdin), "validate", "-c", tt.path)
			if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}

// Ctrl-C while lamb waits for a configuration on standard input (a
// terminal, or a pipe nobody writes to) ends it with 130 at once.
func TestInterruptedWhileReadingStdinExits130(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	defer pw.Close()
	stdin := &cancelOnRead{r: pr, cancel: cancel}
	code, stdout, stderr := runWithStdin(ctx, stdin, "package", "-c", "-")
	if code != ExitInterrupted || stderr != "error: interrupted\n" || stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 130 and the plain interruption line", code, stdout, stderr)
	}
}

// cancelOnRead cancels its context when a read starts, as a signal would
// while the read waits.
type cancelOnRead struct {
	r      io.Reader
	cancel func()
}

func (c *cancelOnRead) Read(p []byte) (int, error) {
	c.cancel()
	return c.r.Read(p)
}
