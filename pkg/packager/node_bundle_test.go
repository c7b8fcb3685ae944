package packager

import (
	"archive/zip"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// The node-express fixtures are one function (express and ms, a dev
// dependency that must not ship) locked by each package manager.

// copyNodeFixture copies testdata/node-express/<tool> to a new folder under
// a fresh temporary one, so each build reads its source from another path.
func copyNodeFixture(t *testing.T, tool string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "express-fn")
	noError(t, os.CopyFS(src, os.DirFS(filepath.Join("testdata", "node-express", tool))))
	return src
}

// coldToolCaches points npm, yarn and pnpm at empty caches and stores, so
// the next install downloads and unpacks every package afresh.
func coldToolCaches(t *testing.T) {
	base := t.TempDir()
	t.Setenv("npm_config_cache", filepath.Join(base, "npm"))
	t.Setenv("YARN_CACHE_FOLDER", filepath.Join(base, "yarn"))
	t.Setenv("pnpm_config_store_dir", filepath.Join(base, "pnpm-store"))
	t.Setenv("pnpm_config_cache_dir", filepath.Join(base, "pnpm-cache"))
}

// nodeStateEntries lists the zip's entries that are package manager
// records of an install rather than package files.
func nodeStateEntries(t *testing.T, zipPath string) []string {
	t.Helper()
	var out []string
	for _, name := range zipNames(t, zipPath, false) {
		base := path.Base(strings.TrimSuffix(name, "/"))
		switch {
		case base == ".package-lock.json", base == ".modules.yaml", base == ".yarn-integrity",
			base == ".yarn-state.yml", strings.HasPrefix(base, ".pnpm-workspace-state"),
			strings.HasSuffix(name, ".pnpm/lock.yaml"):
			out = append(out, name)
		}
	}
	return out
}

// zipDifferences names the entries whose name, mode or content differ
// between two zips, for a failure message.
func zipDifferences(t *testing.T, a, b string) []string {
	t.Helper()
	index := func(p string) map[string]*zip.File {
		m := map[string]*zip.File{}
		for _, f := range readZip(t, p).File {
			m[f.Name] = f
		}
		return m
	}
	ea, eb := index(a), index(b)
	var out []string
	for name, fa := range ea {
		fb, ok := eb[name]
		switch {
		case !ok:
			out = append(out, "only in the first: "+name)
		case fa.CRC32 != fb.CRC32 || fa.Mode() != fb.Mode() || fa.Method != fb.Method:
			out = append(out, "differs: "+name)
		}
	}
	for name := range eb {
		if _, ok := ea[name]; !ok {
			out = append(out, "only in the second: "+name)
		}
	}
	slices.Sort(out)
	return out
}

// TestNodeBundleSameBytesFromColdCaches installs the same lockfile twice
// with the real tool, each time from empty tool caches into another lamb
// cache (so another staging folder) from another source path: the zips
// must be the same bytes, hold no package manager records, and load.
func TestNodeBundleSameBytesFromColdCaches(t *testing.T) {
	for _, tool := range []string{"npm", "yarn", "pnpm"} {
		t.Run(tool, func(t *testing.T) {
			testenv.NeedTool(t, tool)
			var zips [2]string
			for i := range zips {
				coldToolCaches(t)
				spec := testSpec(t, copyNodeFixture(t, tool))
				spec.Dependencies = "auto"
				if _, err := Package(t.Context(), spec); err != nil {
					t.Fatalf("package: %v", err)
				}
				zips[i] = filepath.Join(spec.OutDir, "fn.zip")
				if state := nodeStateEntries(t, zips[i]); len(state) > 0 {
					t.Errorf("the bundle holds package manager records: %v", state)
				}
			}
			if a, b := sha256File(t, zips[0]), sha256File(t, zips[1]); a != b {
				t.Errorf("two cold builds differ (%s, %s):\n%s", a, b, strings.Join(zipDifferences(t, zips[0], zips[1]), "\n"))
			}
			names := zipNames(t, zips[0], true)
			if !slices.Contains(names, "node_modules/body-parser/package.json") || slices.Contains(names, "node_modules/is-number/package.json") {
				t.Errorf("want express's dependencies hoisted and no dev dependency; got %d files", len(names))
			}
			requireEachDependency(t, zips[0])
		})
	}
}

// TestNodeInstalledNodeModulesLoad ships a node_modules the tool installed
// in the source folder (dependencies: none) with the default symlinks:
// follow. pnpm's isolated layout must keep its links, each package stored
// once, for express to find body-parser.
func TestNodeInstalledNodeModulesLoad(t *testing.T) {
	tests := []struct {
		tool    string
		install []string
	}{
		{"npm", []string{"ci", "--omit=dev", "--no-audit", "--no-fund"}},
		{"yarn", []string{"install", "--frozen-lockfile", "--production=true", "--non-interactive", "--no-progress"}},
		{"pnpm", []string{"install", "--frozen-lockfile", "--prod"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			testenv.NeedTool(t, tt.tool)
			coldToolCaches(t)
			src := copyNodeFixture(t, tt.tool)
			cmd := exec.Command(tt.tool, tt.install...)
			cmd.Dir = src
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s %v: %v\n%s", tt.tool, tt.install, err, out)
			}
			spec := testSpec(t, src)
			if _, err := Package(t.Context(), spec); err != nil {
				t.Fatalf("package: %v", err)
			}
			zipPath := filepath.Join(spec.OutDir, "fn.zip")
			if state := nodeStateEntries(t, zipPath); len(state) > 0 {
				t.Errorf("the bundle holds package manager records: %v", state)
			}
			requireEachDependency(t, zipPath)
			if tt.tool != "pnpm" {
				return
			}
			var copies []string
			links := map[string]bool{}
			for _, f := range readZip(t, zipPath).File {
				if strings.HasSuffix(f.Name, "/express/package.json") {
					copies = append(copies, f.Name)
				}
				if f.Mode()&os.ModeSymlink != 0 {
					links[f.Name] = true
				}
			}
			if len(copies) != 1 {
				t.Errorf("want express stored once, got %v", copies)
			}
			if !links["node_modules/express"] {
				t.Error("node_modules/express is not stored as a link")
			}
		})
	}
}

func TestNodeStateNeverShips(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"index.js":                                      "x",
		"node_modules/.package-lock.json":               "{}",
		"node_modules/.yarn-integrity":                  "{}",
		"node_modules/.yarn-state.yml":                  "x",
		"node_modules/.modules.yaml":                    "prunedAt: now",
		"node_modules/.pnpm-workspace-state-v1.json":    "{}",
		"node_modules/.pnpm/lock.yaml":                  "x",
		"node_modules/.pnpm/node_modules/.modules.yaml": "x",
		"node_modules/.cache/babel/x.json":              "/home/me",
		"node_modules/ms/index.js":                      "ms",
		"node_modules/ms/.modules.yaml.js":              "a package's own file",
		"lib/node_modules/.package-lock.json":           "{}",
		"lock.yaml":                                     "the function's own",
	})
	spec := testSpec(t, src)
	// Not even a negated pattern takes them back.
	spec.Exclude = []string{"!node_modules/.package-lock.json", "!.modules.yaml"}
	packTrees(t, spec)
	got := zipNames(t, filepath.Join(spec.OutDir, "fn.zip"), true)
	want := []string{"index.js", "lock.yaml", "node_modules/ms/.modules.yaml.js", "node_modules/ms/index.js"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestKeepLinksTree(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"index.js":                      "x",
		"link.js":                       "->index.js",
		"node_modules/.pnpm/a/index.js": "a",
		"node_modules/a":                "->.pnpm/a",
	})
	spec := testSpec(t, src)
	packTrees(t, spec,
		tree{Dir: src, Skip: []string{"node_modules"}},
		tree{Dir: filepath.Join(src, "node_modules"), Prefix: "node_modules", KeepLinks: true})
	links := map[string]bool{}
	for _, f := range readZip(t, filepath.Join(spec.OutDir, "fn.zip")).File {
		links[f.Name] = f.Mode()&os.ModeSymlink != 0
	}
	// package.symlinks (follow) still decides for the other tree.
	want := map[string]bool{"index.js": false, "link.js": false, "node_modules/": false,
		"node_modules/.pnpm/": false, "node_modules/.pnpm/a/": false, "node_modules/.pnpm/a/index.js": false, "node_modules/a": true}
	if !maps.Equal(links, want) {
		t.Errorf("entries (true: stored as a link): got %v, want %v", links, want)
	}
}
