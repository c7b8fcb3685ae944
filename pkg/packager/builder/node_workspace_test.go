package builder

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestFindNodeProject(t *testing.T) {
	t.Parallel()
	manifest := func(deps string) string { return `{"name": "api", "dependencies": {` + deps + `}}` }
	tests := []struct {
		name      string
		files     map[string]string
		fn        string // the function's folder
		wantRoot  string // "" when the function stands alone
		workspace bool
		linked    []string
		members   []string // every package staged besides the root, sorted
		wantErr   []string
	}{
		{
			name: "npm workspace member",
			files: map[string]string{
				"package.json":              `{"private": true, "workspaces": ["packages/*"]}`,
				"packages/api/package.json": manifest(`"ms": "2.1.3"`),
				"packages/lib/package.json": `{"name": "lib"}`,
			},
			fn: "packages/api", wantRoot: ".", workspace: true,
			members: []string{"packages/api", "packages/lib"},
		},
		{
			name: "yarn packages object",
			files: map[string]string{
				"package.json":           `{"private": true, "workspaces": {"packages": ["svc/**"]}}`,
				"svc/a/api/package.json": manifest(`"ms": "2.1.3"`),
				"svc/b/package.json":     `{"name": "b"}`,
				// Installed packages and hidden folders are no members.
				"svc/a/api/node_modules/ms/package.json": `{"name": "ms"}`,
				"svc/.cache/x/package.json":              `{"name": "x"}`,
			},
			fn: "svc/a/api", wantRoot: ".", workspace: true,
			members: []string{"svc/a/api", "svc/b"},
		},
		{
			name: "pnpm workspace leaving the function out",
			files: map[string]string{
				"pnpm-workspace.yaml":       "packages:\n  - 'packages/*'\n  - '!packages/api'\n",
				"package.json":              `{"private": true}`,
				"packages/api/package.json": manifest(`"ms": "2.1.3"`),
			},
			fn: "packages/api",
		},
		{
			name: "not matched by the patterns",
			files: map[string]string{
				"package.json":          `{"private": true, "workspaces": ["packages/*"]}`,
				"apps/api/package.json": manifest(`"ms": "2.1.3"`),
			},
			fn: "apps/api",
		},
		{
			name: "a repository boundary stops the search",
			files: map[string]string{
				"package.json":          `{"private": true, "workspaces": ["repo/*"]}`,
				"repo/.git/HEAD":        "ref: refs/heads/main\n",
				"repo/api/package.json": manifest(`"ms": "2.1.3"`),
			},
			fn: "repo/api",
		},
		{
			name: "file dependency, followed through the local package",
			files: map[string]string{
				"fn/package.json":          manifest(`"local": "file:../deps/local"`),
				"deps/local/package.json":  `{"name": "local", "dependencies": {"deeper": "file:../deeper"}}`,
				"deps/deeper/package.json": `{"name": "deeper"}`,
			},
			fn: "fn", wantRoot: "fn", linked: []string{"deps/local", "deps/deeper"},
			members: []string{"deps/deeper", "deps/local", "fn"},
		},
		{
			name:    "file dependency without a package",
			files:   map[string]string{"fn/package.json": manifest(`"local": "file:../missing"`)},
			fn:      "fn",
			wantErr: []string{"fn/package.json", "local", "missing", "no package.json", "fix the path"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, body := range tt.files {
				writeFile(t, filepath.Join(dir, name), body, 0o644)
			}
			src := filepath.Join(dir, tt.fn)
			pkg, err := readNodeManifest(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			p, err := findNodeProject(context.Background(), src, pkg)
			if errorCase(t, err, tt.wantErr, p) {
				return
			}
			if tt.wantRoot == "" {
				if p != nil {
					t.Errorf("got project rooted at %s, want the function to stand alone", p.root)
				}
				return
			}
			if p == nil {
				t.Fatalf("got no project, want one rooted at %s", tt.wantRoot)
			}
			if want := filepath.Join(dir, tt.wantRoot); p.root != want || p.workspace != tt.workspace {
				t.Errorf("root %s (workspace %v), want %s (workspace %v)", p.root, p.workspace, want, tt.workspace)
			}
			var linked []string
			for _, l := range p.linked {
				rel, _ := filepath.Rel(dir, l)
				linked = append(linked, filepath.ToSlash(rel))
			}
			if !slices.Equal(linked, tt.linked) {
				t.Errorf("linked folders %q, want %q", linked, tt.linked)
			}
			var members []string
			for m := range p.pkgs {
				if rel, _ := filepath.Rel(dir, m); m != p.root || m == src {
					members = append(members, filepath.ToSlash(rel))
				}
			}
			slices.Sort(members)
			if !slices.Equal(members, tt.members) {
				t.Errorf("staged packages %q, want %q", members, tt.members)
			}
		})
	}
}

// TestLayoutClosure lays out installed trees as npm (hoisted, with a nested
// conflict) and pnpm (isolated, linked) leave them: only what the function
// reaches is placed, each package where require() finds the version its
// dependent was installed with.
func TestLayoutClosure(t *testing.T) {
	t.Parallel()
	pj := func(name, version, deps string) string {
		return `{"name": "` + name + `", "version": "` + version + `", "dependencies": {` + deps + `}}`
	}
	tests := []struct {
		name   string
		files  map[string]string // "->target" makes a link
		want   map[string]string // placed package -> version
		locals []localBundle
	}{
		{
			name: "hoisted",
			files: map[string]string{
				"fn/package.json":                            pj("fn", "1.0.0", `"a": "1", "b": "1", "lib": "1"`),
				"node_modules/a/package.json":                pj("a", "1.0.0", ""),
				"node_modules/b/package.json":                pj("b", "1.0.0", `"a": "2", "c": "1"`),
				"node_modules/b/node_modules/a/package.json": pj("a", "2.0.0", ""),
				"node_modules/c/package.json":                pj("c", "1.0.0", ""),
				"node_modules/unused/package.json":           pj("unused", "1.0.0", ""),
				"node_modules/lib":                           "->../packages/lib",
				"packages/lib/package.json":                  pj("lib", "1.0.0", `"d": "1"`),
				"packages/lib/node_modules/d/package.json":   pj("d", "1.0.0", ""),
			},
			want:   map[string]string{"a": "1.0.0", "b": "1.0.0", "b/node_modules/a": "2.0.0", "c": "1.0.0", "d": "1.0.0"},
			locals: []localBundle{{Loc: "lib", Source: "../packages/lib"}},
		},
		{
			name: "isolated",
			files: map[string]string{
				"fn/package.json":   pj("fn", "1.0.0", `"a": "1", "x": "2"`),
				"fn/node_modules/a": "->../../node_modules/.pnpm/a@1/node_modules/a",
				"fn/node_modules/x": "->../../node_modules/.pnpm/x@2/node_modules/x",
				"node_modules/.pnpm/a@1/node_modules/a/package.json": pj("a", "1.0.0", `"x": "1"`),
				"node_modules/.pnpm/a@1/node_modules/x":              "->../../x@1/node_modules/x",
				"node_modules/.pnpm/x@1/node_modules/x/package.json": pj("x", "1.0.0", ""),
				"node_modules/.pnpm/x@2/node_modules/x/package.json": pj("x", "2.0.0", ""),
			},
			want: map[string]string{"a": "1.0.0", "x": "2.0.0", "a/node_modules/x": "1.0.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stage := t.TempDir()
			for name, body := range tt.files {
				p := filepath.Join(stage, filepath.FromSlash(name))
				if target, ok := strings.CutPrefix(body, "->"); ok {
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.Symlink(target, p); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeFile(t, p, body, 0o644)
			}
			user := "/Users/me/repo"
			out := filepath.Join(t.TempDir(), "node_modules")
			locals, err := layoutClosure(context.Background(), stage, user, filepath.Join(stage, "fn"), filepath.Join(user, "fn"), out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(locals, tt.locals) {
				t.Errorf("local packages %+v, want %+v", locals, tt.locals)
			}
			got := map[string]string{}
			for p := range listing(t, out) {
				if rest, ok := strings.CutSuffix(p, "/package.json"); ok {
					var m struct{ Version string }
					raw, _ := os.ReadFile(filepath.Join(out, p))
					if err := json.Unmarshal(raw, &m); err != nil {
						t.Fatal(err)
					}
					got[rest] = m.Version
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("placed %v, want %v", got, tt.want)
			}
		})
	}
}
