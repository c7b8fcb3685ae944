//go:build unix

package config

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A named pipe with no writer would block a read forever.
func TestDotenvNamedPipeIsRefused(t *testing.T) {
	t.Parallel()
	lambYAML := write(t, map[string]string{"lamb.yaml": dotenvDoc("pipe.env")})
	if err := syscall.Mkfifo(filepath.Join(filepath.Dir(lambYAML), "pipe.env"), 0o644); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	got := loadDotenvError(t, lambYAML)
	if want := "pipe.env is a named pipe, not a regular file"; !strings.Contains(got, want) {
		t.Errorf("problem %q does not say %q", got, want)
	}
}
