//go:build unix

package builder

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lambcli/lamb/internal/safefile"
)

// A named pipe where a package manifest or a package manager setting is
// expected would block the read forever; it is refused by name instead.
func TestNodeRefusesNamedPipes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		fifo  string
		tool  string
	}{
		{name: "package.json", fifo: "package.json"},
		{name: "an .npmignore under a files list", files: map[string]string{"package.json": `{"files":["lib"]}`, "lib/a.js": "1"}, fifo: "lib/.npmignore"},
		{name: ".npmrc", files: map[string]string{"package.json": `{"dependencies":{"is-number":"7.0.0"}}`, "package-lock.json": "{}"}, fifo: ".npmrc", tool: "npm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tool != "" {
				needTool(t, tt.tool)
			}
			src := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, filepath.Join(src, name), content, 0o644)
			}
			fifo := filepath.Join(src, tt.fifo)
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Skipf("cannot make a named pipe here: %v", err)
			}
			b, runs := newTestBuilder()
			_, err := b.build(t.Context(), Spec{Source: src, Runtime: "nodejs22.x", CacheDir: t.TempDir()})
			var nr *safefile.NotRegularError
			if !errors.As(err, &nr) || !strings.Contains(err.Error(), fifo) {
				t.Fatalf("err = %v, want a *safefile.NotRegularError naming %s", err, fifo)
			}
			if n := runs.count("npm", ""); n != 0 {
				t.Errorf("npm ran %d times, want none", n)
			}
		})
	}
}
