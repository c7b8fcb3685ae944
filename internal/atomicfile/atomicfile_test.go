package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func assertContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if string(got) != want {
		t.Errorf("%s = %q, want %q", filepath.Base(path), got, want)
	}
}

// assertNames checks the folder holds exactly names: no temporary file or
// backup is left behind.
func assertNames(t *testing.T, dir string, names ...string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, de := range des {
		got = append(got, de.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("folder holds %q, want %q", got, names)
	}
}

// pending creates a File for target holding content.
func pending(t *testing.T, target, content string) *File {
	t.Helper()
	f, err := Create(target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, content); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "a.json")
	writeFile(t, target, "old")
	if err := WriteFile(target, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	assertContent(t, target, "new")
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}

	boom := errors.New("boom")
	err := WriteFile(target, func(w io.Writer) error {
		if _, err := io.WriteString(w, "half"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	assertContent(t, target, "new")
	assertNames(t, dir, "a.json")
}

func TestReplacePair(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	zip, manifest := filepath.Join(dir, "fn.zip"), filepath.Join(dir, "fn.json")
	writeFile(t, zip, "zip v1")
	writeFile(t, manifest, "manifest v1")
	if err := Replace(pending(t, zip, "zip v2"), pending(t, manifest, "manifest v2")); err != nil {
		t.Fatal(err)
	}
	assertContent(t, zip, "zip v2")
	assertContent(t, manifest, "manifest v2")
	assertNames(t, dir, "fn.zip", "fn.json")
}

// TestReplaceRestoresOnFailure makes the last rename fail and checks the
// files already renamed get their previous content back.
// It replaces the package's rename, so it does not run in parallel.
func TestReplaceRestoresOnFailure(t *testing.T) {
	for _, tt := range []struct {
		name     string
		existing bool // the targets existed before
	}{{"previous pair", true}, {"no previous pair", false}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			zip, manifest := filepath.Join(dir, "fn.zip"), filepath.Join(dir, "fn.json")
			if tt.existing {
				writeFile(t, zip, "zip v1")
				writeFile(t, manifest, "manifest v1")
			}
			boom := errors.New("disk on fire")
			rename = func(from, to string) error {
				if to == manifest {
					return boom
				}
				return os.Rename(from, to)
			}
			t.Cleanup(func() { rename = os.Rename })

			err := Replace(pending(t, zip, "zip v2"), pending(t, manifest, "manifest v2"))
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want the rename failure", err)
			}
			if tt.existing {
				assertContent(t, zip, "zip v1")
				assertContent(t, manifest, "manifest v1")
				assertNames(t, dir, "fn.zip", "fn.json")
			} else {
				assertNames(t, dir)
			}
		})
	}
}

// TestReplaceOverFolder is a real failure: a folder where the last file goes.
func TestReplaceOverFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	zip, manifest := filepath.Join(dir, "fn.zip"), filepath.Join(dir, "fn.json")
	writeFile(t, zip, "zip v1")
	if err := os.MkdirAll(filepath.Join(manifest, "inside"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Replace(pending(t, zip, "zip v2"), pending(t, manifest, "manifest v2")); err == nil {
		t.Fatal("Replace over a folder succeeded")
	}
	assertContent(t, zip, "zip v1")
	if fi, err := os.Stat(filepath.Join(manifest, "inside")); err != nil || !fi.IsDir() {
		t.Errorf("the folder in the way was changed: %v", err)
	}
	assertNames(t, dir, "fn.zip", "fn.json")
}

func TestLinkAndDiscard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, target := filepath.Join(dir, "pack.zip"), filepath.Join(dir, "fn.zip")
	writeFile(t, src, "packed")
	f, err := Link(src, target)
	if err != nil {
		t.Fatal(err)
	}
	if err := Replace(f); err != nil {
		t.Fatal(err)
	}
	assertContent(t, target, "packed")

	g := pending(t, target, "unwanted")
	g.Discard()
	g.Discard()
	assertContent(t, target, "packed")
	assertNames(t, dir, "pack.zip", "fn.zip")
}

func TestIsTemp(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		".api.zip.tmp-123456":   true,
		".api.json.tmp-9":       true,
		".api.tmp-42":           true,
		".api-tmp-42":           true, // work folders of earlier releases
		"api.zip":               false,
		".api.zip":              false,
		"api.zip.tmp-123":       false, // not hidden: not ours
		".api.zip.tmp-":         false,
		".api.zip.tmp-12x":      false,
		".api.zip.tmp-link":     false,
		".tmp-123":              false,
		".lambignore":           false,
		".api.zip.tmp-123/evil": false,
	} {
		if got := IsTemp(name); got != want {
			t.Errorf("IsTemp(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := time.Now().Add(-2 * time.Hour)
	stale := []string{".api.zip.tmp-111", ".api.json.tmp-222", ".api-tmp-333"}
	for _, n := range stale[:2] {
		writeFile(t, filepath.Join(dir, n), "left by a killed run")
	}
	if err := os.MkdirAll(filepath.Join(dir, stale[2], "artifact"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, stale[2], "artifact", "spill-1"), "x")
	keepOld := []string{"api.zip", "api.json", ".api.zip.tmp-link", "notes.tmp-1"}
	for _, n := range keepOld {
		writeFile(t, filepath.Join(dir, n), "mine")
	}
	// A link with a temporary name is not something lamb creates.
	outside := filepath.Join(t.TempDir(), "target")
	writeFile(t, outside, "not lamb's")
	if err := os.Symlink(outside, filepath.Join(dir, ".evil.zip.tmp-1")); err != nil {
		t.Fatal(err)
	}
	for _, n := range append(stale, keepOld...) {
		if err := os.Chtimes(filepath.Join(dir, n), old, old); err != nil {
			t.Fatal(err)
		}
	}
	// A young temporary file may belong to a run in progress.
	writeFile(t, filepath.Join(dir, ".api.zip.tmp-444"), "being written")

	Sweep(dir, time.Hour)
	assertNames(t, dir, append(keepOld, ".evil.zip.tmp-1", ".api.zip.tmp-444")...)

	// Whatever the age, only lamb's own temporary files and folders go.
	Sweep(dir, -time.Hour)
	assertNames(t, dir, append(keepOld, ".evil.zip.tmp-1")...)
	assertContent(t, outside, "not lamb's")
}
