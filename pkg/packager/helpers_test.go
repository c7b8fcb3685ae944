package packager

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// writeFiles creates files under dir; a value starting with "->" makes a
// symlink to the rest, a key ending in "/" an empty folder.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		body := files[n]
		p := filepath.Join(dir, filepath.FromSlash(n))
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(body, "->"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// noError fails the test when a step that sets up a case fails, so a case
// never passes on a setup that did not happen.
func noError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const testMemLimit = 64 << 10

// testSpec is a spec packaging src into a private output and cache folder.
func testSpec(t *testing.T, src string) Spec {
	t.Helper()
	base := t.TempDir()
	return Spec{
		Function:     "fn",
		Source:       src,
		Runtime:      "nodejs22.x",
		Architecture: "x86_64",
		Handler:      "index.handler",
		Dependencies: "none",
		OutDir:       filepath.Join(base, "out"),
		CacheDir:     filepath.Join(base, "cache"),
		// Stream files from 64 KiB up, so that path is tested cheaply.
		memFileLimit: testMemLimit,
	}
}

// packTrees packages trees (as a builder would return them) and returns
// the manifest.
func packTrees(t *testing.T, spec Spec, trees ...tree) *Manifest {
	t.Helper()
	m, err := packTreesErr(spec, trees...)
	if err != nil {
		t.Fatalf("package: %v", err)
	}
	return m
}

func packTreesErr(spec Spec, trees ...tree) (*Manifest, error) {
	if err := spec.normalize(); err != nil {
		return nil, err
	}
	if len(trees) == 0 {
		trees = []tree{{Dir: spec.Source}}
	}
	return packageBundle(context.Background(), &spec, &bundle{trees: trees})
}

// readZip opens a written zip for inspection.
func readZip(t *testing.T, path string) *zip.ReadCloser {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("open written zip: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// zipNames lists the entry names of the zip, files only when filesOnly.
func zipNames(t *testing.T, path string, filesOnly bool) []string {
	t.Helper()
	var out []string
	for _, f := range readZip(t, path).File {
		if filesOnly && strings.HasSuffix(f.Name, "/") {
			continue
		}
		out = append(out, f.Name)
	}
	return out
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unzipBundle extracts a written zip into a fresh folder with the standard
// library's reader, independent of lamb's own extraction: folders, files
// with their stored mode, and symlink entries as links, as Lambda unpacks
// them.
func unzipBundle(t *testing.T, zipPath string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range readZip(t, zipPath).File {
		if !filepath.IsLocal(f.Name) {
			t.Fatalf("zip entry %q leaves the folder it is unpacked in", f.Name)
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		mode := f.Mode()
		if mode.IsDir() {
			noError(t, os.MkdirAll(p, 0o755))
			continue
		}
		noError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		rc, err := f.Open()
		noError(t, err)
		body, err := io.ReadAll(rc)
		rc.Close()
		noError(t, err)
		if mode&fs.ModeSymlink != 0 {
			noError(t, os.Symlink(string(body), p))
			continue
		}
		noError(t, os.WriteFile(p, body, mode.Perm()))
	}
	return dir
}

// requireEachDependency unzips a Node.js bundle and has node require each
// dependency its package.json lists, from the bundle's root as the
// function would, with nothing outside the bundle to fall back on.
func requireEachDependency(t *testing.T, zipPath string) {
	t.Helper()
	node := testenv.NeedTool(t, "node")
	dir := unzipBundle(t, zipPath)
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	noError(t, json.Unmarshal(fileBytes(t, filepath.Join(dir, "package.json")), &pkg))
	if len(pkg.Dependencies) == 0 {
		t.Fatal("the bundle's package.json lists no dependencies to require")
	}
	for name := range pkg.Dependencies {
		cmd := exec.Command(node, "-e", fmt.Sprintf("require(%q)", name))
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "NODE_PATH=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("require(%q) in the unzipped bundle: %v\n%s", name, err, out)
		}
	}
}
