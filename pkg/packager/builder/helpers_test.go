package builder

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// countingRunner runs the real tools and remembers every command.
type countingRunner struct {
	mu    sync.Mutex
	calls []command
}

func (r *countingRunner) run(ctx context.Context, c command) ([]byte, error) {
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return execRunner(ctx, c)
}

// count is how many commands named name (and, when given, whose first
// argument is sub) ran.
func (r *countingRunner) count(name, sub string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if c.Name == name && (sub == "" || (len(c.Args) > 0 && c.Args[0] == sub)) {
			n++
		}
	}
	return n
}

func (r *countingRunner) last(name string) command {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.calls) - 1; i >= 0; i-- {
		if r.calls[i].Name == name {
			return r.calls[i]
		}
	}
	return command{}
}

func newTestBuilder() (*builder, *countingRunner) {
	r := &countingRunner{}
	return &builder{run: r.run}, r
}

// fixture copies testdata/<name> into a fresh folder, so builds never write
// into the repository.
func fixture(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := copyPath(t.Context(), filepath.Join("testdata", name), dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func needTool(t *testing.T, name string) {
	t.Helper()
	testenv.NeedTool(t, name)
}

// listing is every path under dir with its size, for before/after checks.
func listing(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// findNames lists paths under dir whose base name matches pattern.
func findNames(t *testing.T, dir, pattern string) []string {
	t.Helper()
	var out []string
	for p := range listing(t, dir) {
		if ok, _ := filepath.Match(pattern, filepath.Base(p)); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}
