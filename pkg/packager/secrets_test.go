package packager

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// assertNoSecrets reads the zip back and fails on any entry named in
// names or holding marker in its content.
func assertNoSecrets(t *testing.T, zipPath string, names []string, marker string) {
	t.Helper()
	for _, f := range readZip(t, zipPath).File {
		if slices.Contains(names, strings.TrimSuffix(f.Name, "/")) {
			t.Errorf("the zip holds %s", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(body), marker) {
			t.Errorf("zip entry %s holds a secret value", f.Name)
		}
	}
}

func TestEnvironmentFilesNeverShip(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the tree uses symlinks")
	}
	const secret = "sk_live_51Hsecret"
	tree := map[string]string{
		"index.js":           "exports.handler = async () => 1\n",
		"config/prod.env":    "STRIPE_KEY=" + secret + "\n",
		"config/current.env": "->prod.env", // another name for a listed file
		"big.env":            "TOKEN=" + secret + "\n",
		"settings.txt":       "PASSWORD=" + secret + "\n",
		".env":               "A=" + secret + "\n",
		"notes.env":          "not listed, so shipped\n",
	}
	listed := []string{"config/prod.env", "big.env", "settings.txt", ".env"}
	wantLeftOut := []string{".env", "big.env", "config/current.env", "config/prod.env", "settings.txt"}
	tests := []struct {
		name       string
		lambignore string
		include    []string
		exclude    []string
		viaLink    bool // package the source through a symlink to it
		wantFiles  []string
	}{
		{name: "any name at any depth", wantFiles: []string{"index.js", "notes.env"}},
		{name: "negations do not take them back", lambignore: "!big.env\n", exclude: []string{"!config/prod.env", "!settings.txt"},
			wantFiles: []string{"index.js", "notes.env"}},
		{name: "include does not take them back", include: []string{"**"}, wantFiles: []string{"index.js", "notes.env"}},
		{name: "source reached through a link", viaLink: true, wantFiles: []string{"index.js", "notes.env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			project := t.TempDir()
			src := filepath.Join(project, "fn")
			writeFiles(t, src, tree)
			if tt.lambignore != "" {
				writeFiles(t, src, map[string]string{".lambignore": tt.lambignore})
			}
			spec := testSpec(t, src)
			for _, l := range listed {
				spec.EnvironmentFiles = append(spec.EnvironmentFiles, filepath.Join(src, filepath.FromSlash(l)))
			}
			if tt.viaLink {
				spec.Source = filepath.Join(project, "fn-link")
				if err := os.Symlink(src, spec.Source); err != nil {
					t.Fatal(err)
				}
			}
			spec.Include, spec.Exclude = tt.include, tt.exclude
			m := packTrees(t, spec)

			if got := zipNames(t, m.ZipPath, true); !slices.Equal(got, tt.wantFiles) {
				t.Errorf("zip files = %q, want %q", got, tt.wantFiles)
			}
			assertNoSecrets(t, m.ZipPath, wantLeftOut, secret)
			if !slices.Equal(m.ExcludedEnvironmentFiles, wantLeftOut) {
				t.Errorf("ExcludedEnvironmentFiles = %q, want %q", m.ExcludedEnvironmentFiles, wantLeftOut)
			}
			var doc map[string]any
			if err := json.Unmarshal(fileBytes(t, filepath.Join(spec.OutDir, "fn.json")), &doc); err != nil {
				t.Fatal(err)
			}
			if got, ok := doc["excludedEnvironmentFiles"].([]any); !ok || len(got) != len(wantLeftOut) {
				t.Errorf("manifest excludedEnvironmentFiles = %v, want %q", doc["excludedEnvironmentFiles"], wantLeftOut)
			}
		})
	}
}

func TestEnvironmentFilesKeptAsLinks(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the tree uses symlinks")
	}
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"index.js": "x", "prod.env": "K=secret_value\n", "alias.env": "->prod.env"})
	spec := testSpec(t, src)
	spec.Symlinks = "keep"
	spec.EnvironmentFiles = []string{filepath.Join(src, "prod.env"), filepath.Join(src, "alias.env")}
	m := packTrees(t, spec)
	if got := zipNames(t, m.ZipPath, true); !slices.Equal(got, []string{"index.js"}) {
		t.Errorf("zip files = %q, want only index.js", got)
	}
}

func TestDefaultIgnores(t *testing.T) {
	t.Parallel()
	src, deps := t.TempDir(), t.TempDir()
	writeFiles(t, src, map[string]string{
		"index.py":                          "def handler(e, c): pass\n",
		".npmrc":                            "//registry/:_authToken=npm_secret\n",
		"sub/.npmrc":                        "//registry/:_authToken=npm_secret\n",
		".pypirc":                           "[pypi]\npassword = pypi_secret\n",
		".netrc":                            "machine host login u password netrc_secret\n",
		".aws-sam/build/template.yaml":      "sam",
		".tox/py312/log":                    "tox",
		".nox/tests/log":                    "nox",
		"htmlcov/index.html":                "coverage",
		".pytest_cache/v/cache/lastfailed":  "{}",
		"__pycache__/index.cpython-312.pyc": "pyc",
		"pkg/__pycache__/m.cpython-312.pyc": "pyc",
		"pkg/m.py":                          "x = 1\n",
		".venv/lib/site.py":                 "venv",
	})
	// A staged dependency tree, as the Node.js builder returns it.
	writeFiles(t, deps, map[string]string{"dep/index.js": "module.exports = 1\n", "dep/.npmrc": "_authToken=npm_secret\n"})
	trees := []tree{{Dir: src}, {Dir: deps, Prefix: "node_modules"}}
	all := []string{"index.py", "node_modules/dep/index.js", "pkg/m.py"}

	tests := []struct {
		name       string
		lambignore string
		exclude    []string
		want       []string
	}{
		{name: "left out by default", want: all},
		{name: "lambignore negation takes one back", lambignore: "!/.npmrc\n",
			want: []string{".npmrc", "index.py", "node_modules/dep/index.js", "pkg/m.py"}},
		{name: "package.exclude negation takes a folder back", exclude: []string{"!__pycache__/"},
			want: []string{"__pycache__/index.cpython-312.pyc", "index.py", "node_modules/dep/index.js", "pkg/__pycache__/m.cpython-312.pyc", "pkg/m.py"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.lambignore != "" {
				writeFiles(t, src, map[string]string{".lambignore": tt.lambignore})
				defer os.Remove(filepath.Join(src, ".lambignore"))
			}
			spec := testSpec(t, src)
			spec.Exclude = tt.exclude
			m := packTrees(t, spec, trees...)
			if got := zipNames(t, m.ZipPath, true); !slices.Equal(got, tt.want) {
				t.Errorf("zip files:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}
