package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// outsideFile makes a file in another folder, to be pointed at by links,
// and returns a check that it is unchanged.
func outsideFile(t *testing.T) (path string, unchanged func()) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(path, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, func() {
		t.Helper()
		got, err := os.ReadFile(path)
		if err != nil || string(got) != "precious\n" {
			t.Errorf("the file outside was changed: %q, %v", got, err)
		}
	}
}

func TestReplaceFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "lamb.yaml")
	if err := ReplaceFile(p, []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReplaceFile(p, []byte("two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "two\n" {
		t.Errorf("got %q, want the second write", got)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v; want 0644", fi.Mode(), err)
	}
	assertOnly(t, dir, "lamb.yaml")
}

func TestReplaceFileRefusesLink(t *testing.T) {
	t.Parallel()
	target, unchanged := outsideFile(t)
	dir := t.TempDir()
	link := filepath.Join(dir, "lamb.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	err := ReplaceFile(link, []byte("overwritten\n"), 0o644)
	var se *SymlinkError
	if !errors.As(err, &se) || se.Path != link {
		t.Fatalf("err = %v, want a *SymlinkError naming %s", err, link)
	}
	unchanged()
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link itself was replaced")
	}
	assertOnly(t, dir, "lamb.yaml")
}

func TestCreateFile(t *testing.T) {
	t.Parallel()
	target, unchanged := outsideFile(t)
	dir := t.TempDir()
	p := filepath.Join(dir, ".lambignore")
	if err := CreateFile(p, []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CreateFile(p, []byte("two\n"), 0o644); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second create: err = %v, want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "one\n" {
		t.Errorf("got %q, want the first write kept", got)
	}

	// A link, even a dangling one, is something that exists: creating
	// through it would write wherever it points.
	for name, to := range map[string]string{"link": target, "dangling": filepath.Join(filepath.Dir(target), "new")} {
		link := filepath.Join(dir, name)
		if err := os.Symlink(to, link); err != nil {
			t.Fatal(err)
		}
		if err := CreateFile(link, []byte("written\n"), 0o644); !errors.Is(err, fs.ErrExist) {
			t.Errorf("%s: err = %v, want fs.ErrExist", name, err)
		}
	}
	unchanged()
	if _, err := os.Lstat(filepath.Join(filepath.Dir(target), "new")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was created through the dangling link")
	}
	assertOnly(t, dir, ".lambignore", "dangling", "link")
}

func TestNoSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	link := filepath.Join(dir, "link")
	if err := os.Symlink("anywhere", link); err != nil {
		t.Fatal(err)
	}
	var se *SymlinkError
	if err := NoSymlink(link); !errors.As(err, &se) {
		t.Errorf("link: err = %v, want *SymlinkError", err)
	}
	if err := NoSymlink(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing: err = %v, want nil", err)
	}
	if err := NoSymlink(dir); err != nil {
		t.Errorf("folder: err = %v, want nil", err)
	}
}

func TestMkdirIn(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	got, err := MkdirIn(root, filepath.Join(".lamb", "build"), 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(got); err != nil || !fi.IsDir() || got != filepath.Join(root, ".lamb", "build") {
		t.Fatalf("MkdirIn = %s, %v", got, err)
	}
	if _, err := MkdirIn(root, filepath.Join(".lamb", "build"), 0o755); err != nil {
		t.Errorf("again: %v", err)
	}
	if _, err := MkdirIn(root, "../elsewhere", 0o755); err == nil {
		t.Errorf("a path leaving root was accepted")
	}
}

func TestMkdirInRefusesLinks(t *testing.T) {
	t.Parallel()
	for _, link := range []string{".lamb", ".lamb/build"} {
		t.Run(link, func(t *testing.T) {
			outside := t.TempDir()
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, ".lamb"), 0o755); err != nil {
				t.Fatal(err)
			}
			at := filepath.Join(root, filepath.FromSlash(link))
			if err := os.Remove(at); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, at); err != nil {
				t.Fatal(err)
			}
			_, err := MkdirIn(root, filepath.Join(".lamb", "build"), 0o755)
			var se *SymlinkError
			if !errors.As(err, &se) || se.Path != at {
				t.Fatalf("err = %v, want a *SymlinkError naming %s", err, at)
			}
			assertOnly(t, outside)
		})
	}
}

// assertOnly fails unless dir holds exactly the names given: no temporary
// file may be left behind.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, de := range des {
		got = append(got, de.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}
