package packager

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// TestArtifactBackslashNames: a zip written by PowerShell 5's
// Compress-Archive names entries lib\win.txt; the bundle stores them in
// folders with /, and the manifest lists the names as they were.
func TestArtifactBackslashNames(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	art := filepath.Join(src, "windows.zip")
	writeTestZip(t, art, []archiveEntry{
		{name: "index.js", body: "exports.handler = async () => 1", mode: 0o644},
		{name: `lib\win.txt`, body: "made on Windows", mode: 0o644},
		{name: `lib\sub\deep.js`, body: "deep", mode: 0o644},
	})
	spec := testSpec(t, src)
	spec.Artifact = art
	m, err := Package(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := zipNames(t, m.ZipPath, true), []string{"index.js", "lib/sub/deep.js", "lib/win.txt"}; !slices.Equal(got, want) {
		t.Errorf("zip files = %q, want %q", got, want)
	}
	if want := []string{`lib\win.txt`, `lib\sub\deep.js`}; !slices.Equal(m.BackslashNames, want) {
		t.Errorf("BackslashNames = %q, want %q", m.BackslashNames, want)
	}
	for _, f := range readZip(t, m.ZipPath).File {
		if f.Name == "lib/win.txt" && f.UncompressedSize64 != uint64(len("made on Windows")) {
			t.Errorf("lib/win.txt holds %d bytes, want the entry's content", f.UncompressedSize64)
		}
	}
}
