package builder

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/lambcli/lamb/internal/testenv"
)

func TestPlanEsbuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   []string
		handler string
		runtime string
		pkgType string
		opts    BundleOptions
		entry   string
		ext     string
		format  api.Format
		node    string
		wantErr []string
	}{
		{name: "typescript without type is CommonJS", files: []string{"src/app.ts"}, handler: "src/app.handler", runtime: "nodejs20.x",
			entry: "src/app.ts", ext: ".js", format: api.FormatCommonJS, node: "20"},
		{name: "type module is an ES module", files: []string{"src/app.ts"}, handler: "src/app.handler", runtime: "nodejs22.x", pkgType: "module",
			entry: "src/app.ts", ext: ".mjs", format: api.FormatESModule, node: "22"},
		{name: "type commonjs", files: []string{"index.js"}, handler: "index.handler", runtime: "nodejs24.x", pkgType: "commonjs",
			entry: "index.js", ext: ".js", format: api.FormatCommonJS, node: "24"},
		{name: "mts decides for itself", files: []string{"app.mts"}, handler: "app.main", runtime: "nodejs22.x",
			entry: "app.mts", ext: ".mjs", format: api.FormatESModule, node: "22"},
		{name: "cts decides for itself", files: []string{"app.cts"}, handler: "app.main", runtime: "nodejs22.x", pkgType: "module",
			entry: "app.cts", ext: ".js", format: api.FormatCommonJS, node: "22"},
		{name: "mjs decides for itself", files: []string{"app.mjs"}, handler: "app.main", runtime: "nodejs22.x",
			entry: "app.mjs", ext: ".mjs", format: api.FormatESModule, node: "22"},
		{name: "typescript wins over compiled javascript", files: []string{"app.js", "app.ts"}, handler: "app.handler", runtime: "nodejs22.x",
			entry: "app.ts", ext: ".js", format: api.FormatCommonJS, node: "22"},
		{name: "the last dot separates the export", files: []string{"lib/v1.2/app.ts"}, handler: "lib/v1.2/app.handler", runtime: "nodejs22.x",
			entry: "lib/v1.2/app.ts", ext: ".js", format: api.FormatCommonJS, node: "22"},
		{name: "no entry file names the tried paths", files: []string{"other.ts"}, handler: "src/app.handler", runtime: "nodejs22.x",
			wantErr: []string{"src/app.ts, src/app.mts, src/app.cts, src/app.js, src/app.mjs, src/app.cjs", "fix handler"}},
		{name: "handler without export", files: []string{"app.ts"}, handler: "app", runtime: "nodejs22.x",
			wantErr: []string{`handler "app"`, "src/app.handler"}},
		{name: "handler outside the source", files: []string{"app.ts"}, handler: "../app.handler", runtime: "nodejs22.x",
			wantErr: []string{`handler "../app.handler"`}},
		{name: "not a node runtime", files: []string{"app.ts"}, handler: "app.handler", runtime: "python3.12",
			wantErr: []string{"nodejs runtimes", `"python3.12"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := t.TempDir()
			for _, f := range tt.files {
				writeFile(t, filepath.Join(src, f), "export const handler = 1;\n", 0o644)
			}
			p, err := planEsbuild(src, tt.handler, tt.runtime, tt.pkgType, tt.opts)
			if errorCase(t, err, tt.wantErr, p) {
				return
			}
			if p.entry != tt.entry || p.outputExtension() != tt.ext || p.format != tt.format || p.engine.Version != tt.node {
				t.Errorf("plan = entry %s ext %s format %v node %s, want %s %s %v %s", p.entry, p.outputExtension(), p.format, p.engine.Version, tt.entry, tt.ext, tt.format, tt.node)
			}
		})
	}
}

func TestEsbuildOptions(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "src", "app.ts"), "export const handler = 1;\n", 0o644)
	opts := BundleOptions{External: []string{"sharp"}, Minify: true, Sourcemap: true}
	p, err := planEsbuild(src, "src/app.handler", "nodejs22.x", "module", opts)
	if err != nil {
		t.Fatal(err)
	}
	o := p.buildOptions("/scratch", opts)
	if want := []string{"@aws-sdk/*", "@smithy/*", "sharp"}; !slices.Equal(o.External, want) {
		t.Errorf("external = %q, want %q", o.External, want)
	}
	if !o.MinifyWhitespace || !o.MinifyIdentifiers || !o.MinifySyntax {
		t.Errorf("minify: true did not minify: %+v", o)
	}
	if o.Sourcemap != api.SourceMapLinked || o.SourceRoot != "" {
		t.Errorf("sourcemap = %v with root %q, want a linked map with relative sources", o.Sourcemap, o.SourceRoot)
	}
	if o.Platform != api.PlatformNode || o.Format != api.FormatESModule || o.AbsWorkingDir != "/scratch" || !o.PreserveSymlinks || !o.Bundle || o.Write {
		t.Errorf("options = %+v", o)
	}
	if got := o.EntryPointsAdvanced; len(got) != 1 || got[0].InputPath != "./src/app.ts" || got[0].OutputPath != "src/app" || o.OutExtension[".js"] != ".mjs" {
		t.Errorf("entry = %+v with extension %q, want ./src/app.ts to src/app.mjs", got, o.OutExtension[".js"])
	}
	if !strings.Contains(o.Banner["js"], "createRequire") {
		t.Errorf("an ES module bundle has no require for its CommonJS parts: banner %q", o.Banner["js"])
	}
	plain := p.buildOptions("/scratch", BundleOptions{})
	if plain.MinifyWhitespace || plain.Sourcemap != api.SourceMapNone {
		t.Errorf("options without minify and sourcemap = %+v", plain)
	}
}

func TestBundleSettingIsChecked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bundle, runtime string
		wantErr         []string
	}{
		{"esbulid", "nodejs22.x", []string{`package.bundle is "esbulid"`, `did you mean "esbuild"`}},
		{"webpack", "nodejs22.x", []string{`"webpack"`, "none or esbuild"}},
		{"esbuild", "python3.12", []string{"nodejs runtimes", `"python3.12"`}},
	}
	for _, tt := range tests {
		t.Run(tt.bundle+" "+tt.runtime, func(t *testing.T) {
			t.Parallel()
			b, _ := newTestBuilder()
			_, err := b.build(context.Background(), Spec{Source: t.TempDir(), Runtime: tt.runtime, Bundle: tt.bundle, CacheDir: t.TempDir()})
			if err == nil {
				t.Fatal("want an error")
			}
			mentions(t, err, tt.wantErr...)
		})
	}
}

// A package found only in the user's own node_modules (a devDependency) is
// not bundled: imports resolve from the production install alone, and the
// error names the importing file, line and column.
func TestEsbuildResolvesFromTheProductionInstall(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "npm")
	src := fixture(t, "esbuild")
	writeFile(t, filepath.Join(src, "node_modules", "left-pad", "index.js"), "module.exports = () => 'dev copy';\n", 0o644)
	writeFile(t, filepath.Join(src, "node_modules", "left-pad", "package.json"), `{"name":"left-pad","main":"index.js"}`, 0o644)
	writeFile(t, filepath.Join(src, "src", "pad.ts"), "import leftPad from \"left-pad\";\nexport const handler = () => leftPad();\n", 0o644)
	b, _ := newTestBuilder()
	cache := t.TempDir()
	_, err := b.build(context.Background(), Spec{Source: src, Runtime: "nodejs22.x", Handler: "src/pad.handler", Bundle: "esbuild", CacheDir: cache})
	if err == nil {
		t.Fatal("a devDependency was bundled")
	}
	mentions(t, err, "bundle src/pad.ts with esbuild", `src/pad.ts:1:21: "left-pad" is in `+filepath.Join(src, "node_modules")+" but not among the production dependencies", "move it to dependencies")
	if strings.Contains(err.Error(), cache) {
		t.Errorf("error %q names lamb's scratch folder", err)
	}

	// The AWS SDK as a devDependency is fine: it stays external.
	writeFile(t, filepath.Join(src, "node_modules", "@aws-sdk", "client-s3", "package.json"), `{"name":"@aws-sdk/client-s3"}`, 0o644)
	res, err := b.build(context.Background(), Spec{Source: src, Runtime: "nodejs22.x", Handler: "src/app.handler", Bundle: "esbuild", CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trees) != 1 || !fileExists(filepath.Join(res.Trees[0].Dir, "src", "app.js")) {
		t.Errorf("trees = %+v, want one holding src/app.js", res.Trees)
	}
}

func TestIsExternal(t *testing.T) {
	t.Parallel()
	patterns := []string{"@aws-sdk/*", "sharp", "*.node", "pg-*"}
	for path, want := range map[string]bool{
		"@aws-sdk/client-s3": true, "@aws-sdk/client-s3/dist/x.js": true, "@aws-sdk": false,
		"sharp": true, "sharp/lib/index.js": true, "sharpen": false,
		"./build/addon.node": true, "pg-native": true, "pg": false,
	} {
		if got := isExternal(path, patterns); got != want {
			t.Errorf("isExternal(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestExternalPackages(t *testing.T) {
	t.Parallel()
	nm := t.TempDir()
	pkgs := map[string]string{
		"sharp":                         `{"dependencies":{"color":"1","detect-libc":"2"},"optionalDependencies":{"@img/sharp-linux-x64":"1"}}`,
		"color":                         `{"dependencies":{"color-name":"1"}}`,
		"color/node_modules/color-name": `{"dependencies":{"hoisted-helper":"1"}}`,
		"color-name":                    `{}`,
		"hoisted-helper":                `{"dependencies":{"sharp":"1"}}`,
		"detect-libc":                   `{}`,
		"@img/sharp-linux-x64":          `{}`,
		"ms":                            `{}`,
		"@aws-sdk/client-s3":            `{}`,
	}
	for dir, manifest := range pkgs {
		writeFile(t, filepath.Join(nm, filepath.FromSlash(dir), "package.json"), manifest, 0o644)
	}
	got, err := externalPackages(context.Background(), nm, []string{"sharp/lib/*", "@aws-sdk/client-s3", "@smithy/*"})
	if err != nil {
		t.Fatal(err)
	}
	// color-name is nested under color and ships with it; the hoisted
	// helper it needs ships on its own; the cycle back to sharp ends.
	want := []string{"@img/sharp-linux-x64", "color", "detect-libc", "hoisted-helper", "sharp"}
	if !slices.Equal(got, want) {
		t.Errorf("shipped %q, want %q", got, want)
	}
	_, err = externalPackages(context.Background(), nm, []string{"pg"})
	if err == nil || !strings.Contains(err.Error(), `"pg"`) || !strings.Contains(err.Error(), "add it to dependencies") {
		t.Errorf("a missing external gave %v, want an error naming pg", err)
	}
}

// A node_modules folder above lamb's cache is outside what the bundle may
// depend on: the build fails rather than bundle from it.
func TestEsbuildRefusesPackagesAboveTheCache(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "app.js"), "const pad = require(\"left-pad\");\nexports.handler = async () => pad();\n", 0o644)
	above := t.TempDir()
	writeFile(t, filepath.Join(above, "node_modules", "left-pad", "index.js"), "module.exports = () => 'stray';\n", 0o644)
	b, _ := newTestBuilder()
	_, err := b.build(context.Background(), Spec{Source: src, Runtime: "nodejs22.x", Handler: "app.handler", Bundle: "esbuild", CacheDir: filepath.Join(above, "cache")})
	if err == nil {
		t.Fatal("bundled a package from a node_modules folder above the cache")
	}
	mentions(t, err, "bundle app.js with esbuild", "node_modules/left-pad/index.js", "outside the source folder", "add the package to dependencies")
}

// Every edit makes a new bundle entry in the cache; entries unused for a
// week are removed, the one in use and recent ones stay.
func TestEsbuildPrunesOldBundles(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "app.js"), "exports.handler = async () => 1;\n", 0o644)
	cache := t.TempDir()
	parent := filepath.Join(cache, "deps", "esbuild")
	old, recent := filepath.Join(parent, "0ld"), filepath.Join(parent, "recent")
	writeFile(t, filepath.Join(old, "app.js"), "x", 0o644)
	writeFile(t, filepath.Join(recent, "app.js"), "x", 0o644)
	long := time.Now().Add(-8 * 24 * time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	b, _ := newTestBuilder()
	spec := Spec{Source: src, Runtime: "nodejs22.x", Handler: "app.handler", Bundle: "esbuild", CacheDir: cache}
	res, err := b.build(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if dirExists(old) || !dirExists(recent) || !fileExists(filepath.Join(res.Trees[0].Dir, "app.js")) {
		t.Errorf("after the build: old entry kept %v, recent entry kept %v, bundle %s", dirExists(old), dirExists(recent), res.Trees[0].Dir)
	}
	// The entry in use is marked used, so an old bundle that is built
	// again is not pruned by the next build.
	long = time.Now().Add(-30 * 24 * time.Hour)
	if err := os.Chtimes(res.Trees[0].Dir, long, long); err != nil {
		t.Fatal(err)
	}
	again, err := b.build(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(again.Trees[0].Dir); err != nil || time.Since(fi.ModTime()) > time.Hour {
		t.Errorf("the reused entry was not marked used: %v", err)
	}
}
