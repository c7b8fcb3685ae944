//go:build unix

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Opening a named pipe waits for a writer that never comes, and no signal
// ends that wait: the pipe must be refused without being opened.
func TestReadRefusesNamedPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, ".lambignore")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	if err := os.Symlink(".lambignore", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() error{
		"ReadFile":        func() error { _, err := ReadFile(t.Context(), fifo, 1<<20); return err },
		"ReadFile link":   func() error { _, err := ReadFile(t.Context(), filepath.Join(dir, "link"), 1<<20); return err },
		"ReadFileIn":      func() error { _, err := ReadFileIn(t.Context(), dir, ".lambignore", 1<<20); return err },
		"ReadFileIn link": func() error { _, err := ReadFileIn(t.Context(), dir, "link", 1<<20); return err },
	} {
		t.Run(name, func(t *testing.T) {
			var nr *NotRegularError
			if err := read(); !errors.As(err, &nr) {
				t.Fatalf("err = %v, want *NotRegularError", err)
			}
			if nr.Mode&os.ModeNamedPipe == 0 {
				t.Errorf("mode = %v, want a named pipe", nr.Mode)
			}
		})
	}
	if err := ReplaceFile(fifo, []byte("x"), 0o644); err == nil {
		t.Errorf("ReplaceFile replaced a named pipe")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the named pipe is gone: %v, %v", fi, err)
	}
}
