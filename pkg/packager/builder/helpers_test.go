package builder

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
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

// isPip says whether c runs pip, with whichever interpreter.
func isPip(c command) bool {
	return len(c.Args) > 1 && c.Args[0] == "-m" && c.Args[1] == "pip"
}

func (r *countingRunner) countPip() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if isPip(c) {
			n++
		}
	}
	return n
}

func (r *countingRunner) lastPip() command {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.calls) - 1; i >= 0; i-- {
		if isPip(r.calls[i]) {
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

func needTool(t *testing.T, name string) string {
	t.Helper()
	return testenv.NeedTool(t, name)
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

// mentions fails the test unless err mentions each of phrases.
func mentions(t *testing.T, err error, phrases ...string) {
	t.Helper()
	for _, p := range phrases {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

// errorCase checks err of a table case: wantErr lists what the error must
// mention, nil when none is wanted; got is the result shown when no error
// came. It reports whether the case ends there, with the error checked.
func errorCase(t *testing.T, err error, wantErr []string, got any) bool {
	t.Helper()
	if wantErr == nil {
		if err != nil {
			t.Fatal(err)
		}
		return false
	}
	if err == nil {
		t.Fatalf("want an error, got %+v", got)
	}
	mentions(t, err, wantErr...)
	return true
}
