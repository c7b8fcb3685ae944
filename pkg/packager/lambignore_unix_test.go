//go:build unix

package packager

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lambcli/lamb/internal/safefile"
)

// A .lambignore is read only when it is a regular file inside the source:
// a named pipe would block the read forever, and a link out of the source
// would echo a line of some other file in the pattern error.
func TestLambignoreMustBeARegularFileInsideTheSource(t *testing.T) {
	t.Parallel()
	outside := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(outside, []byte("SECRET-LINE[\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, lambignore string)
		want    any
	}{
		{"named pipe", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Skipf("cannot make a named pipe here: %v", err)
			}
		}, new(*safefile.NotRegularError)},
		{"link outside the source", func(t *testing.T, p string) {
			if err := os.Symlink(outside, p); err != nil {
				t.Fatal(err)
			}
		}, new(*safefile.OutsideRootError)},
		{"larger than the bound", func(t *testing.T, p string) {
			if err := os.WriteFile(p, []byte(strings.Repeat("#\n", maxIgnoreBytes)), 0o644); err != nil {
				t.Fatal(err)
			}
		}, new(*safefile.TooLargeError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			writeFiles(t, src, map[string]string{"index.js": "x"})
			lambignore := filepath.Join(src, ".lambignore")
			tt.prepare(t, lambignore)
			spec := testSpec(t, src)
			_, err := packTreesErr(spec)
			if !errors.As(err, tt.want) {
				t.Fatalf("err = %v (%T), want %T", err, err, tt.want)
			}
			if !strings.Contains(err.Error(), lambignore) || strings.Contains(err.Error(), "SECRET-LINE") {
				t.Errorf("err = %q, want it to name %s and nothing of another file", err, lambignore)
			}
			if _, err := os.Stat(filepath.Join(spec.OutDir, "fn.zip")); err == nil {
				t.Error("a zip was written")
			}
		})
	}
}

// A link inside the source is followed as before.
func TestLambignoreLinkInsideTheSource(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"index.js": "x", "docs/a.md": "a", "config/ignore": "docs/\n", ".lambignore": "->config/ignore"})
	m := packTrees(t, testSpec(t, src))
	if got := zipNames(t, m.ZipPath, true); strings.Contains(strings.Join(got, ","), "docs") {
		t.Errorf("zip files = %q, want docs/ left out by the linked .lambignore", got)
	}
}

// .lamb and .lamb/build are lamb's own folders: a link there would send
// the zip, and everything written beside it, out of the project.
func TestOutputFoldersMustNotBeLinks(t *testing.T) {
	t.Parallel()
	for _, link := range []string{".lamb", ".lamb/build"} {
		t.Run(link, func(t *testing.T) {
			outside := t.TempDir()
			project := t.TempDir()
			writeFiles(t, project, map[string]string{"index.js": "x", ".lamb/": ""})
			at := filepath.Join(project, filepath.FromSlash(link))
			os.Remove(at)
			if err := os.Symlink(outside, at); err != nil {
				t.Fatal(err)
			}
			spec := testSpec(t, project)
			spec.Project, spec.OutDir = project, filepath.Join(project, ".lamb", "build")
			_, err := packTreesErr(spec)
			var se *safefile.SymlinkError
			if !errors.As(err, &se) || se.Path != at {
				t.Fatalf("err = %v, want a *safefile.SymlinkError naming %s", err, at)
			}
			if des, _ := os.ReadDir(outside); len(des) != 0 {
				t.Errorf("lamb wrote %d entries outside the project", len(des))
			}
		})
	}
}
