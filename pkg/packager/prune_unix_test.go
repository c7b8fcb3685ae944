//go:build unix

package packager

import (
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestSelectionPrunesExcludedFolders(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"index.js": "x", "secret/key.pem": "k"})
	// A named pipe fails packaging when walked, so the walk must skip the
	// excluded folder without reading it.
	if err := syscall.Mkfifo(filepath.Join(src, "secret", "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := packTreesErr(testSpec(t, src)); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Fatalf("packaging a named pipe: error = %v, want one naming it", err)
	}
	spec := testSpec(t, src)
	spec.Exclude = []string{"secret/"}
	m := packTrees(t, spec)
	if got := zipNames(t, m.ZipPath, false); !slices.Equal(got, []string{"index.js"}) {
		t.Errorf("entries = %q, want only index.js", got)
	}
}
