package builder

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// TestNpmPackListMatchesNpm checks lamb's reading of "files" against npm's
// own list (`npm pack --dry-run --json`) on one tree and many lists.
func TestNpmPackListMatchesNpm(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "npm")
	tree := map[string]string{
		"index.js": "", "a.ts": "", "notes.txt": "", "x.orig": "", ".npmrc": "fund=false\n",
		"package-lock.json": "{}", "README.md": "", "LICENSE.txt": "", "CHANGELOG.md": "", "Readme.md~": "",
		"lib/a.js": "", "lib/a.test.js": "", "lib/.DS_Store": "", "lib/.gitignore": "", "lib/.npmignore": "sub\n",
		"lib/sub/b.js": "", "lib/readme.md": "", "other/c.js": "", "docs/guide.md": "", "docs/Intro.MD": "",
		"src/x.js": "", "src/.gitignore": "gen\n", "src/gen/g.js": "", "bin/cli.js": "",
		".gitignore": "lib\n", ".npmignore": "docs\n",
	}
	tests := []struct {
		name  string
		files string
	}{
		{"folder", `["lib"]`},
		{"folder with slash and a negation", `["lib/", "!*.test.js"]`},
		{"root glob", `["*.js"]`},
		{"folder star", `["lib/*"]`},
		{"glob in folder", `["lib/*.js", "docs/*.md"]`},
		{"dot slash into an ignored folder", `["./lib/sub", "docs/*.md"]`},
		{"negated folder", `["lib", "!lib/sub"]`},
		{"single files, some never published", `["notes.txt", "x.orig", "package-lock.json", ".npmrc"]`},
		{"nested ignore file without .npmignore", `["src"]`},
		{"double star", `["**/*.js"]`},
		{"empty list", `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, body := range tree {
				writeFile(t, filepath.Join(dir, name), body, 0o644)
			}
			manifest := `{"name": "x", "version": "1.0.0", "main": "other/c.js", "bin": {"x": "./bin/cli.js"}, "files": ` + tt.files + `}`
			writeFile(t, filepath.Join(dir, "package.json"), manifest, 0o644)
			out, err := execRunner(context.Background(), command{Dir: dir, Name: "npm", Args: []string{"pack", "--dry-run", "--json", "--ignore-scripts"}})
			if err != nil {
				t.Fatalf("npm pack: %v\n%s", err, out)
			}
			var packed []struct {
				Files []struct {
					Path string `json:"path"`
				} `json:"files"`
			}
			if err := json.Unmarshal(out, &packed); err != nil || len(packed) != 1 {
				t.Fatalf("read npm pack output: %v\n%s", err, out)
			}
			var want []string
			for _, f := range packed[0].Files {
				want = append(want, f.Path)
			}
			slices.Sort(want)
			var pkg map[string]json.RawMessage
			if err := json.Unmarshal([]byte(manifest), &pkg); err != nil {
				t.Fatal(err)
			}
			got, ok, err := npmPackList(t.Context(), dir, pkg, "")
			if err != nil || !ok {
				t.Fatalf("npmPackList: ok %v, %v", ok, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("files %s:\nlamb takes %q\nnpm takes  %q", tt.files, got, want)
			}
		})
	}
}

func TestNpmPackListWithoutFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.js"), "", 0o644)
	for _, manifest := range []string{`{}`, `{"files": null}`} {
		var pkg map[string]json.RawMessage
		if err := json.Unmarshal([]byte(manifest), &pkg); err != nil {
			t.Fatal(err)
		}
		if list, ok, err := npmPackList(t.Context(), dir, pkg, "index.js"); ok || err != nil || list != nil {
			t.Errorf("%s: got %q, %v, %v; want no selection", manifest, list, ok, err)
		}
	}
	var pkg map[string]json.RawMessage
	_ = json.Unmarshal([]byte(`{"files": "lib"}`), &pkg)
	if _, _, err := npmPackList(t.Context(), dir, pkg, ""); err == nil {
		t.Errorf("a files string is accepted, want an error naming the field")
	}
}
