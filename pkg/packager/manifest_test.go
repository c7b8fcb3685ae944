package packager

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestManifest(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	files := map[string]string{
		"index.js":        strings.Repeat("i", 50),
		"a/b/c.js":        strings.Repeat("c", 300),
		"a/d.js":          strings.Repeat("d", 200),
		"e/f.js":          strings.Repeat("f", 1000),
		"e/link.js":       "->f.js",
		"lamb.yaml":       "left out",
		"node_modules/x/": "",
	}
	for i := range 12 {
		files[fmt.Sprintf("many/%02d.txt", i)] = strings.Repeat("m", 10+i)
	}
	writeFiles(t, src, files)
	spec := testSpec(t, src)
	spec.Symlinks = "keep"
	m := packTrees(t, spec)

	zipBytes := fileBytes(t, m.ZipPath)
	sum := sha256.Sum256(zipBytes)
	if m.CodeSha256 != base64.StdEncoding.EncodeToString(sum[:]) || m.Sha256 != hex.EncodeToString(sum[:]) {
		t.Errorf("CodeSha256 %s / Sha256 %s do not match the zip bytes", m.CodeSha256, m.Sha256)
	}
	if m.ZippedBytes != int64(len(zipBytes)) {
		t.Errorf("ZippedBytes = %d, zip is %d bytes", m.ZippedBytes, len(zipBytes))
	}
	if m.ZipPath != filepath.Join(spec.OutDir, "fn.zip") || m.Function != "fn" || m.Runtime != "nodejs22.x" || m.Architecture != "x86_64" || m.Handler != "index.handler" {
		t.Errorf("identity fields = %q %q %q %q %q", m.ZipPath, m.Function, m.Runtime, m.Architecture, m.Handler)
	}
	// 16 files and one kept symlink (body "f.js", 4 bytes); folders and
	// lamb.yaml are not counted.
	var wantUnzipped int64 = 50 + 300 + 200 + 1000 + 4
	for i := range 12 {
		wantUnzipped += int64(10 + i)
	}
	if m.FileCount != 17 || m.UnzippedBytes != wantUnzipped {
		t.Errorf("FileCount %d UnzippedBytes %d, want 17 and %d", m.FileCount, m.UnzippedBytes, wantUnzipped)
	}
	wantFiles := []PathSize{{"e/f.js", 1000}, {"a/b/c.js", 300}, {"a/d.js", 200}, {"index.js", 50},
		{"many/11.txt", 21}, {"many/10.txt", 20}, {"many/09.txt", 19}, {"many/08.txt", 18}, {"many/07.txt", 17}, {"many/06.txt", 16}}
	if !slices.Equal(m.LargestFiles, wantFiles) {
		t.Errorf("LargestFiles = %v\nwant %v", m.LargestFiles, wantFiles)
	}
	var many int64
	for i := range 12 {
		many += int64(10 + i)
	}
	wantFolders := []PathSize{{"e", 1004}, {"a", 500}, {"a/b", 300}, {"many", many}}
	if !slices.Equal(m.LargestFolders, wantFolders) {
		t.Errorf("LargestFolders = %v\nwant %v", m.LargestFolders, wantFolders)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	zipOrder := zipNames(t, m.ZipPath, false)
	for i := range zipOrder {
		zipOrder[i] = strings.TrimSuffix(zipOrder[i], "/")
	}
	if !slices.Equal(paths, zipOrder) {
		t.Errorf("Files are not in zip order:\n got %q\nwant %q", paths, zipOrder)
	}
	for _, f := range m.Files {
		switch f.Path {
		case "a":
			if fs.FileMode(f.Mode) != fs.ModeDir|0o755 {
				t.Errorf("folder a: mode %v", fs.FileMode(f.Mode))
			}
		case "e/link.js":
			if !f.Symlink || f.Size != 4 {
				t.Errorf("e/link.js = %+v, want a 4-byte symlink", f)
			}
		}
	}

	// The JSON document beside the zip is the manifest, indented.
	doc := fileBytes(t, filepath.Join(spec.OutDir, "fn.json"))
	want, _ := json.MarshalIndent(m, "", "  ")
	if !bytes.Equal(bytes.TrimSpace(doc), want) {
		t.Errorf("fn.json differs from the returned manifest:\n%s", doc)
	}
	var generic map[string]any
	if err := json.Unmarshal(doc, &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"codeSha256", "contentHash", "largestFiles", "largestFolders", "nativeBinaries", "cache"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("fn.json has no %q field", k)
		}
	}
	if _, ok := generic["files"]; ok {
		t.Error("fn.json lists every file; it must not")
	}
}

func TestContentHash(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"index.js": "x", "lib/a.js": "a"})
	spec := testSpec(t, src)
	base := packTrees(t, spec).ContentHash

	later := time.Now().Add(time.Hour)
	noError(t, os.Chtimes(filepath.Join(src, "index.js"), later, later))
	if got := packTrees(t, spec).ContentHash; got != base {
		t.Errorf("touching a file changed the content hash")
	}
	noError(t, os.Chmod(filepath.Join(src, "index.js"), 0o755))
	chmodded := packTrees(t, spec).ContentHash
	if chmodded == base {
		t.Errorf("making a file executable did not change the content hash")
	}
	noError(t, os.WriteFile(filepath.Join(src, "lib/a.js"), []byte("b"), 0o644))
	if got := packTrees(t, spec).ContentHash; got == chmodded {
		t.Errorf("changing a file's content did not change the content hash")
	}
}

func TestSpecErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"no function", func(s *Spec) { s.Function = "" }, "function name is empty"},
		{"slash in function", func(s *Spec) { s.Function = "a/b" }, "contains a slash"},
		{"bad symlinks", func(s *Spec) { s.Symlinks = "copy" }, `symlinks is "copy"; use follow or keep`},
		{"no output folder", func(s *Spec) { s.OutDir = "" }, "output folder"},
		{"no cache folder", func(s *Spec) { s.CacheDir = "" }, "no cache folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testSpec(t, t.TempDir())
			tt.edit(&s)
			if err := s.normalize(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}
