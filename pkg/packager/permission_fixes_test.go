package packager

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestPermissionFixesNameOnlyTheUsersFiles: files lamb staged itself (a
// dependency install in its cache, even a cache inside the source) are
// stored world-readable without a word; only the user's own source files
// that chmod can fix are listed.
func TestPermissionFixesNameOnlyTheUsersFiles(t *testing.T) {
	t.Parallel()
	for _, cacheInSource := range []bool{false, true} {
		name := "cache elsewhere"
		if cacheInSource {
			name = "cache inside the source"
		}
		t.Run(name, func(t *testing.T) {
			src := t.TempDir()
			spec := testSpec(t, src)
			if cacheInSource {
				spec.CacheDir = filepath.Join(src, ".cache", "lamb")
				spec.Exclude = []string{".cache/"}
			}
			deps := filepath.Join(spec.CacheDir, "deps", "node", "k", "node_modules")
			writeFiles(t, src, map[string]string{"index.js": "handler", "lib/open.js": "ok"})
			writeFiles(t, deps, map[string]string{"dep/index.js": "dep", "dep/package.json": "{}"})
			for _, p := range []string{filepath.Join(src, "index.js"), filepath.Join(deps, "dep", "index.js"), filepath.Join(deps, "dep", "package.json")} {
				noError(t, os.Chmod(p, 0o600))
			}
			m := packTrees(t, spec, tree{Dir: src}, tree{Dir: deps, Prefix: "node_modules"})
			if !slices.Equal(m.PermissionFixes, []string{"index.js"}) {
				t.Errorf("PermissionFixes = %q, want only the source's index.js", m.PermissionFixes)
			}
		})
	}
}
