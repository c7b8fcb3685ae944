//go:build unix

package safefile

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A named pipe with no writer would block an open forever: it must be
// refused at once.
func TestReadFileRefusesNamedPipe(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "pipe.env")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	_, err := ReadFile(context.Background(), root, p, 1<<20)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "named pipe") {
		t.Fatalf("error = %v, want a named pipe refused as not a regular file", err)
	}
}
