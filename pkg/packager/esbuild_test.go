package packager

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// esbuildFixture copies the builder's TypeScript API fixture (a handler
// importing ms, a local module and, dynamically, the AWS SDK) into a fresh
// folder; module sets package.json's type.
func esbuildFixture(t *testing.T, module bool) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "api")
	noError(t, os.CopyFS(src, os.DirFS(filepath.Join("builder", "testdata", "esbuild"))))
	if module {
		p := filepath.Join(src, "package.json")
		raw := fileBytes(t, p)
		noError(t, os.WriteFile(p, bytes.Replace(raw, []byte(`"private": true,`), []byte(`"private": true, "type": "module",`), 1), 0o644))
	}
	return src
}

// runHandler loads the unzipped bundle with node, calls its handler and
// returns what it printed: the handler's result as JSON. The script runs as
// a module of its own kind: node -e alone would lend the bundle a global
// require that Lambda does not.
func runHandler(t *testing.T, dir, file string, module bool) string {
	t.Helper()
	load, kind := "require('./"+file+"')", "commonjs"
	if module {
		load, kind = "import('./"+file+"')", "module"
	}
	script := "Promise.resolve(" + load + ").then(m => m.handler({})).then(r => console.log(JSON.stringify(r)))"
	cmd := exec.Command("node", "--input-type="+kind, "-e", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node -e %q in the unzipped bundle: %v\n%s", script, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestEsbuildBundleRunsAfterUnzip(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "npm")
	testenv.NeedTool(t, "node")
	tests := []struct {
		name   string
		module bool
		file   string
	}{
		{"commonjs", false, "src/app.js"},
		{"esm", true, "src/app.mjs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := esbuildFixture(t, tt.module)
			pack := func(src string) (*Manifest, Spec) {
				spec := testSpec(t, src) // a cold cache each time
				spec.Runtime, spec.Handler, spec.Dependencies = "nodejs20.x", "src/app.handler", "auto"
				spec.Bundle, spec.Esbuild = "esbuild", BundleOptions{Sourcemap: true}
				m, err := Package(context.Background(), spec)
				if err != nil {
					t.Fatal(err)
				}
				return m, spec
			}
			m, spec := pack(src)
			if got, want := zipNames(t, m.ZipPath, true), []string{tt.file, tt.file + ".map"}; !slices.Equal(got, want) {
				t.Errorf("zip entries = %q, want only the bundle and its map %q", got, want)
			}
			dir := unzipBundle(t, m.ZipPath)
			if got, want := runHandler(t, dir, tt.file, tt.module), `{"statusCode":200,"body":"hello lamb 1m /"}`; got != want {
				t.Errorf("handler returned %s, want %s", got, want)
			}

			bundle := string(fileBytes(t, filepath.Join(dir, tt.file)))
			if !strings.Contains(bundle, `"@aws-sdk/client-s3"`) {
				t.Errorf("the bundle does not import the AWS SDK from the runtime")
			}
			if !strings.Contains(bundle, "function fmtShort") {
				t.Errorf("ms is not bundled")
			}
			sourcemap := string(fileBytes(t, filepath.Join(dir, tt.file+".map")))
			if !strings.Contains(sourcemap, `"app.ts"`) || !strings.Contains(sourcemap, `"../node_modules/ms/index.js"`) {
				t.Errorf("source map sources are not relative to the bundle: %.300s", sourcemap)
			}
			for _, abs := range []string{src, spec.CacheDir, os.TempDir()} {
				if strings.Contains(bundle, abs) || strings.Contains(sourcemap, abs) {
					t.Errorf("the bundle or its map holds the absolute path %s", abs)
				}
			}

			// Another folder and another cold cache: the same bytes.
			again, _ := pack(esbuildFixture(t, tt.module))
			if !bytes.Equal(fileBytes(t, m.ZipPath), fileBytes(t, again.ZipPath)) {
				t.Errorf("two builds from cold caches in different folders differ: %s and %s", m.ZipPath, again.ZipPath)
			}
		})
	}
}

// An external package ships in node_modules and the bundle loads it there.
func TestEsbuildExternalShipsInNodeModules(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "npm")
	testenv.NeedTool(t, "node")
	src := esbuildFixture(t, false)
	spec := testSpec(t, src)
	spec.Runtime, spec.Handler, spec.Dependencies = "nodejs22.x", "src/app.handler", "auto"
	spec.Bundle, spec.Esbuild = "esbuild", BundleOptions{External: []string{"ms"}, Minify: true}
	m, err := Package(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, m.ZipPath, true)
	if !slices.Contains(names, "node_modules/ms/index.js") || !slices.Contains(names, "src/app.js") {
		t.Errorf("zip entries = %q, want src/app.js and node_modules/ms", names)
	}
	dir := unzipBundle(t, m.ZipPath)
	if strings.Contains(string(fileBytes(t, filepath.Join(dir, "src", "app.js"))), "fmtShort") {
		t.Errorf("the external ms was bundled")
	}
	if got, want := runHandler(t, dir, "src/app.js", false), `{"statusCode":200,"body":"hello lamb 1m /"}`; got != want {
		t.Errorf("handler returned %s, want %s", got, want)
	}
}
