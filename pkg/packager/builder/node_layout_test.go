package builder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNodeSourceTreesKeepIsolatedLinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		files  map[string]string // "->" starts a link target
		linked bool
	}{
		{name: "pnpm layout", linked: true, files: map[string]string{
			"node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js": "",
			"node_modules/ms": "->.pnpm/ms@2.1.3/node_modules/ms",
		}},
		{name: "scoped package linked", linked: true, files: map[string]string{
			"node_modules/.pnpm/@s+a@1.0.0/node_modules/@s/a/index.js": "",
			"node_modules/@s/a": "->../.pnpm/@s+a@1.0.0/node_modules/@s/a",
		}},
		{name: "plain layout", files: map[string]string{
			"node_modules/ms/index.js":   "",
			"node_modules/.bin/ms":       "->../ms/index.js",
			"node_modules/@s/a/index.js": "",
		}},
		{name: "link out of node_modules", files: map[string]string{
			"lib/index.js":     "",
			"node_modules/lib": "->../lib",
		}},
		{name: "link to a file", files: map[string]string{
			"node_modules/x.js": "",
			"node_modules/y":    "->x.js",
		}},
		{name: "no node_modules", files: map[string]string{"index.js": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(src, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				var err error
				if target, ok := strings.CutPrefix(body, "->"); ok {
					err = os.Symlink(target, p)
				} else {
					err = os.WriteFile(p, []byte(body), 0o644)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			trees := nodeSourceTrees(src)
			if !tt.linked {
				if len(trees) != 1 || trees[0].Dir != src || trees[0].KeepLinks {
					t.Fatalf("want the folder as one tree, got %+v", trees)
				}
				return
			}
			if len(trees) != 2 || trees[0].Skip[0] != "node_modules" || trees[1].Prefix != "node_modules" || !trees[1].KeepLinks {
				t.Fatalf("want node_modules as a tree that keeps its links, got %+v", trees)
			}
		})
	}
}

func TestNodeSourceTreesNodeModulesLink(t *testing.T) {
	t.Parallel()
	// A node_modules that is itself a link stays in the source tree,
	// where a link leading out of the source is refused.
	dir := t.TempDir()
	elsewhere := filepath.Join(dir, "elsewhere")
	writeFile(t, filepath.Join(elsewhere, ".pnpm/ms@2.1.3/node_modules/ms/index.js"), "", 0o644)
	if err := os.Symlink(".pnpm/ms@2.1.3/node_modules/ms", filepath.Join(elsewhere, "ms")); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "src")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(src, "node_modules")); err != nil {
		t.Fatal(err)
	}
	if trees := nodeSourceTrees(src); len(trees) != 1 || trees[0].KeepLinks {
		t.Fatalf("want the folder as one tree, got %+v", trees)
	}
}
