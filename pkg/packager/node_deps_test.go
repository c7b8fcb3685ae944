package packager

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// requireAll unzips the bundle and loads each module with node from the
// bundle's root, as the Lambda runtime would.
func requireAll(t *testing.T, zipPath string, modules ...string) {
	t.Helper()
	dir := unzipBundle(t, zipPath)
	var script strings.Builder
	for _, m := range modules {
		script.WriteString("require(" + strconv.Quote(m) + ");")
	}
	cmd := exec.Command("node", "-e", script.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_PATH=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("node -e %q in the unzipped bundle: %v\n%s", script.String(), err, out)
	}
}

// bundledPackages lists the packages under node_modules in the zip, at any
// depth, by name.
func bundledPackages(names []string) []string {
	set := map[string]bool{}
	for _, n := range names {
		parts := strings.Split(n, "node_modules/")
		for _, p := range parts[1:] {
			segs := strings.SplitN(p, "/", 3)
			name := segs[0]
			if strings.HasPrefix(name, "@") && len(segs) > 1 {
				name += "/" + segs[1]
			}
			if name != "" {
				set[name] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func runTool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
}

func TestNodeWorkspaceBundlesTheFunctionsClosureOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tool    string
		install []string
		local   string // how the function names its workspace sibling
	}{
		{"npm", []string{"install", "--no-audit", "--no-fund", "--ignore-scripts"}, "1.0.0"},
		{"yarn", []string{"install", "--non-interactive", "--no-progress", "--ignore-scripts"}, "1.0.0"},
		{"pnpm", []string{"install", "--ignore-scripts"}, "workspace:*"},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			t.Parallel()
			testenv.NeedTool(t, tt.tool)
			testenv.NeedTool(t, "node")
			root := t.TempDir()
			files := map[string]string{
				".git/HEAD":    "ref: refs/heads/main\n",
				"package.json": `{"name": "repo", "private": true, "workspaces": ["packages/*"]}`,
				"packages/api/package.json": `{"name": "api", "version": "1.0.0", "main": "index.js",
					"dependencies": {"ms": "2.1.3", "@repo/shared": "` + tt.local + `"},
					"devDependencies": {"left-pad": "1.3.0"}}`,
				"packages/api/index.js": "const ms = require('ms');\nconst shared = require('@repo/shared');\nexports.handler = async () => shared.double(ms('1s'));\n",
				"packages/shared/package.json": `{"name": "@repo/shared", "version": "1.0.0", "main": "index.js", "files": ["index.js"],
					"dependencies": {"is-number": "7.0.0"}}`,
				"packages/shared/index.js":             "const isNumber = require('is-number');\nexports.double = (n) => (isNumber(n) ? 2 * n : 0);\n",
				"packages/shared/test/shared.test.js":  "throw new Error('tests are not shipped');\n",
				"packages/other/package.json":          `{"name": "other", "version": "1.0.0", "dependencies": {"escape-html": "1.0.3"}}`,
				"packages/other/index.js":              "module.exports = require('escape-html');\n",
				"packages/api/test/handler.test.js":    "test\n",
				"packages/api/node_modules/.keep-user": "the user's own node_modules is never shipped\n",
			}
			if tt.tool == "pnpm" {
				files["pnpm-workspace.yaml"] = "packages:\n  - 'packages/*'\n"
			}
			writeFiles(t, root, files)
			runTool(t, root, tt.tool, tt.install...)

			spec := testSpec(t, filepath.Join(root, "packages", "api"))
			spec.Dependencies = "auto"
			m, err := Package(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			names := zipNames(t, m.ZipPath, true)
			if got, want := bundledPackages(names), []string{"@repo/shared", "is-number", "ms"}; !slices.Equal(got, want) {
				t.Errorf("bundled packages = %q, want exactly the function's production closure %q\nzip: %q", got, want, names)
			}
			var shared []string
			for _, n := range names {
				if rest, ok := strings.CutPrefix(n, "node_modules/@repo/shared/"); ok {
					shared = append(shared, rest)
				}
			}
			if want := []string{"index.js", "package.json"}; !slices.Equal(shared, want) {
				t.Errorf("@repo/shared ships %q, want %q (its \"files\" list)", shared, want)
			}
			for _, n := range names {
				if !strings.HasPrefix(n, "node_modules/") && !slices.Contains([]string{"index.js", "package.json", "test/handler.test.js"}, n) {
					t.Errorf("zip holds %s from outside the function's folder", n)
				}
				if path.Base(n) == ".package-lock.json" || strings.Contains(n, ".bin/") {
					t.Errorf("zip holds package manager data %s", n)
				}
			}
			requireAll(t, m.ZipPath, "ms", "@repo/shared", "is-number", "./index.js")

			// A second build from a cold cache gives the same bytes.
			again := testSpec(t, spec.Source)
			again.Dependencies = "auto"
			m2, err := Package(context.Background(), again)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := fileBytes(t, m.ZipPath), fileBytes(t, m2.ZipPath); !bytes.Equal(a, b) {
				t.Errorf("two builds from cold caches differ: %s and %s", m.ZipPath, m2.ZipPath)
			}
		})
	}
}

func TestNodeFileDependencyIsCopiedIn(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "npm")
	testenv.NeedTool(t, "node")
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fn/package.json": `{"name": "fn", "version": "1.0.0",
			"dependencies": {"local-dependency": "file:../npm-deps"}}`,
		"fn/index.js": "exports.handler = async () => require('local-dependency')(4);\n",
		"npm-deps/package.json": `{"name": "local-dependency", "version": "1.0.0", "main": "index.js",
			"dependencies": {"is-number": "7.0.0"}, "devDependencies": {"left-pad": "1.3.0"}}`,
		"npm-deps/index.js": "const isNumber = require('is-number');\nmodule.exports = (n) => isNumber(n);\n",
	})
	runTool(t, filepath.Join(root, "fn"), "npm", "install", "--no-audit", "--no-fund", "--ignore-scripts")
	spec := testSpec(t, filepath.Join(root, "fn"))
	spec.Dependencies = "auto"
	m, err := Package(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, m.ZipPath, true)
	if got, want := bundledPackages(names), []string{"is-number", "local-dependency"}; !slices.Equal(got, want) {
		t.Errorf("bundled packages = %q, want %q\nzip: %q", got, want, names)
	}
	if !slices.Contains(names, "node_modules/local-dependency/index.js") {
		t.Errorf("zip %q lacks the local dependency's own file", names)
	}
	requireAll(t, m.ZipPath, "local-dependency", "./index.js")
}

func TestNodePackageFilesSelectTheSource(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "npm")
	testenv.NeedTool(t, "node")
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"package.json": `{"name": "fn", "version": "1.0.0", "main": "lib/index.js", "files": ["lib", "!*.test.js"],
			"dependencies": {"is-number": "7.0.0"}}`,
		"lib/index.js":      "module.exports = require('is-number');\n",
		"lib/index.test.js": "test\n",
		"handler.js":        "exports.handler = async () => require('./lib')(1);\n",
		"README.md":         "readme\n",
		"docs/guide.md":     "not published\n",
		"scripts/seed.js":   "not published\n",
	})
	runTool(t, src, "npm", "install", "--no-audit", "--no-fund", "--ignore-scripts")
	spec := testSpec(t, src)
	spec.Dependencies, spec.Handler = "auto", "handler.handler"
	m, err := Package(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	var own []string
	for _, n := range zipNames(t, m.ZipPath, true) {
		if !strings.HasPrefix(n, "node_modules/") {
			own = append(own, n)
		}
	}
	// What "files" publishes, and the handler's file, which lamb adds.
	if want := []string{"README.md", "handler.js", "lib/index.js", "package.json"}; !slices.Equal(own, want) {
		t.Errorf("the function's own files = %q, want %q", own, want)
	}
	requireAll(t, m.ZipPath, "./handler.js", "is-number")
}
