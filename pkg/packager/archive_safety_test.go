package packager

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// archiveForm is one way of writing test entries into an artifact.
type archiveForm struct {
	ext   string
	write func(t *testing.T, path string, entries []archiveEntry)
}

var archiveForms = []archiveForm{{"zip", writeTestZip}, {"tar.gz", writeTestTarGz}}

const (
	outsideImportant = "original contents"
	outsideSecret    = "top secret"
)

// hostileSetup lays out base/outside, the files an artifact must neither
// change nor read, next to base/scratch, where the artifact is unpacked
// (base/scratch/unpacked: "../.." from there is base).
func hostileSetup(t testing.TB) (base, outside, scratch string) {
	t.Helper()
	base = t.TempDir()
	outside = filepath.Join(base, "outside")
	scratch = filepath.Join(base, "scratch")
	for _, dir := range []string{outside, scratch} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range map[string]string{"important.txt": outsideImportant, "secret.txt": outsideSecret} {
		if err := os.WriteFile(filepath.Join(outside, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return base, outside, scratch
}

// snapshotOutside records every path under base except scratch: its type,
// permissions and content or link target.
func snapshotOutside(t testing.TB, base, scratch string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == scratch {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += " " + string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + target
		}
		out[p] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertContained fails when anything outside scratch changed, or when a
// file unpacked into scratch holds the outside files' bytes.
func assertContained(t *testing.T, base, scratch string, before map[string]string) {
	t.Helper()
	after := snapshotOutside(t, base, scratch)
	for p, was := range before {
		if after[p] != was {
			t.Errorf("%s changed: %q, was %q", p, after[p], was)
		}
	}
	for p, is := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared outside the scratch folder: %q", p, is)
		}
	}
	noError(t, filepath.WalkDir(scratch, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(outsideSecret)) || bytes.Contains(b, []byte(outsideImportant)) {
			t.Errorf("%s holds the bytes of a file outside the artifact", p)
		}
		return nil
	}))
}

func TestHostileArchivesStayInside(t *testing.T) {
	t.Parallel()
	link := os.ModeSymlink | 0o777
	tests := []struct {
		name    string
		entries func(outside string) []archiveEntry
		tarOnly bool     // zip has no hard links; Go's tar writer refuses NUL
		zipOnly bool     // names Go's tar writer refuses
		want    []string // the error names the first entry, quoted, and says why
	}{
		{name: "file through an absolute symlink", entries: func(o string) []archiveEntry {
			return []archiveEntry{{name: "evil", link: o, mode: link}, {name: "evil/important.txt", body: "pwned", mode: 0o644}}
		}, want: []string{`"evil"`, "absolute"}},
		{name: "plain file replaces a symlink", entries: func(o string) []archiveEntry {
			return []archiveEntry{{name: "evil", link: "../../outside/important.txt", mode: link}, {name: "evil", body: "pwned", mode: 0o644}}
		}, want: []string{`"evil"`, "twice"}},
		{name: "folder through a symlink", entries: func(o string) []archiveEntry {
			return []archiveEntry{{name: "evil", link: "../../outside", mode: link}, {name: "evil/sub/", mode: os.ModeDir | 0o755}}
		}, want: []string{`"evil/sub/"`, "symlink"}},
		{name: "absolute symlink", entries: func(o string) []archiveEntry {
			return []archiveEntry{{name: "index.js", body: "x", mode: 0o644}, {name: "evil", link: filepath.Join(o, "secret.txt"), mode: link}}
		}, want: []string{`"evil"`, "absolute", "outside"}},
		{name: "relative symlink climbing out", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "up", link: "../../..", mode: link}}
		}, want: []string{`"up"`, "outside"}},
		{name: "file through a relative symlink", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "up", link: "../..", mode: link}, {name: "up/outside/important.txt", body: "pwned", mode: 0o644}}
		}, want: []string{`"up/outside/important.txt"`, "symlink"}},
		{name: "chained symlinks", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "a", link: "b", mode: link}, {name: "b", link: "../../outside", mode: link}}
		}, want: []string{`"a"`, "outside"}},
		{name: "chain that climbs from where a link points", entries: func(string) []archiveEntry {
			// Read as text, x stays inside (d1/d2/ln/../../.. is the root);
			// but ln lands in t, one level deep, so x climbs to base.
			return []archiveEntry{
				{name: "t/", mode: os.ModeDir | 0o755},
				{name: "d1/d2/ln", link: "../../t", mode: link},
				{name: "x", link: "d1/d2/ln/../../..", mode: link},
			}
		}, want: []string{`"x"`, "outside"}},
		{name: "link through a link already followed", entries: func(string) []archiveEntry {
			// b is followed for x first; y must still climb from lib.
			return []archiveEntry{
				{name: "lib/sub/", mode: os.ModeDir | 0o755},
				{name: "b", link: "lib", mode: link},
				{name: "x", link: "b/sub", mode: link},
				{name: "y", link: "b/../..", mode: link},
			}
		}, want: []string{`"y"`, "outside"}},
		{name: "symlink loop", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "a", link: "b", mode: link}, {name: "b", link: "a", mode: link}}
		}, want: []string{`"a"`, "loop"}},
		{name: "hard link to a symlink", tarOnly: true, entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "s", link: "../../outside/secret.txt", mode: link}, {name: "h", hard: "s", mode: 0o644}}
		}, want: []string{`"h"`, "not point to a file"}},
		{name: "hard link through a symlink", tarOnly: true, entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "s", link: "../../outside", mode: link}, {name: "h", hard: "s/secret.txt", mode: 0o644}}
		}, want: []string{`"h"`, "not point to a file"}},
		{name: "hard link through an absolute symlink", tarOnly: true, entries: func(o string) []archiveEntry {
			return []archiveEntry{{name: "s", link: o, mode: link}, {name: "h", hard: "s/secret.txt", mode: 0o644}}
		}, want: []string{`"s"`, "absolute"}},
		{name: "hard link to an absolute path", tarOnly: true, entries: func(o string) []archiveEntry {
			return []archiveEntry{{name: "h", hard: filepath.Join(o, "secret.txt"), mode: 0o644}}
		}, want: []string{`"h"`, "outside"}},
		{name: "hard link climbing out", tarOnly: true, entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "h", hard: "../../outside/secret.txt", mode: 0o644}}
		}, want: []string{`"h"`, "outside"}},
		{name: "hard link to a later entry", tarOnly: true, entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "h", hard: "a.js", mode: 0o644}, {name: "a.js", body: "a", mode: 0o644}}
		}, want: []string{`"h"`, "earlier"}},
		{name: "hard link to itself", tarOnly: true, entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "h", hard: "./h", mode: 0o644}}
		}, want: []string{`"h"`, "earlier"}},
		{name: "absolute file name", entries: func(o string) []archiveEntry {
			return []archiveEntry{{name: filepath.ToSlash(filepath.Join(o, "important.txt")), body: "pwned", mode: 0o644}}
		}, want: []string{"important.txt", "outside"}},
		{name: "file name climbing out", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "../../outside/important.txt", body: "pwned", mode: 0o644}}
		}, want: []string{`"../../outside/important.txt"`, "outside"}},
		{name: "backslash name climbing out", zipOnly: true, entries: func(string) []archiveEntry {
			return []archiveEntry{{name: `..\..\outside\important.txt`, body: "pwned", mode: 0o644}}
		}, want: []string{"important.txt", "outside"}},
		{name: "NUL in a name", zipOnly: true, entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "a\x00/../../../outside/important.txt", body: "pwned", mode: 0o644}}
		}, want: []string{strconv.Quote("a\x00/../../../outside/important.txt"), "NUL"}},
		{name: "name longer than a path may be", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: strings.Repeat("a/", 2100) + "f", body: "x", mode: 0o644}}
		}, want: []string{"a/a/a/", "longer than 4096 bytes"}},
		{name: "symlink target longer than a path may be", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "l", link: strings.Repeat("./", 2100) + "f", mode: link}}
		}, want: []string{`"l"`, "longer than 4096 bytes"}},
		{name: "same file twice", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "a.js", body: "1", mode: 0o644}, {name: "./a.js", body: "2", mode: 0o644}}
		}, want: []string{`"./a.js"`, "twice"}},
		{name: "file inside a file", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "lib", body: "x", mode: 0o644}, {name: "lib/a.js", body: "a", mode: 0o644}}
		}, want: []string{`"lib/a.js"`, `inside "lib"`}},
		{name: "file named like a folder before it", entries: func(string) []archiveEntry {
			return []archiveEntry{{name: "lib/a.js", body: "a", mode: 0o644}, {name: "lib", link: ".", mode: link}}
		}, want: []string{`"lib"`, "inside it"}},
	}
	for _, form := range archiveForms {
		for _, tt := range tests {
			if (tt.tarOnly && form.ext == "zip") || (tt.zipOnly && form.ext != "zip") {
				continue
			}
			t.Run(form.ext+"/"+tt.name, func(t *testing.T) {
				base, outside, scratch := hostileSetup(t)
				art := filepath.Join(scratch, "artifact."+form.ext)
				form.write(t, art, tt.entries(outside))
				before := snapshotOutside(t, base, scratch)

				err := extractArchive(context.Background(), art, filepath.Join(scratch, "unpacked"), artifactLimits())
				assertContained(t, base, scratch, before)
				if err == nil {
					t.Fatal("unpacking succeeded, want an error naming the entry")
				}
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %s", err, w)
					}
				}
				if !strings.Contains(err.Error(), art) {
					t.Errorf("error %q does not name the artifact", err)
				}
				var le *LimitError
				if errors.As(err, &le) {
					t.Errorf("error %v is a limit error", err)
				}
			})
		}
	}
}

// Links that stay inside the artifact, however they get there, are valid.
func TestArchiveLinksInside(t *testing.T) {
	t.Parallel()
	link := os.ModeSymlink | 0o777
	entries := []archiveEntry{
		{name: "first", link: "zz/late.js", mode: link}, // its target comes later
		{name: "lib/a.js", body: "a", mode: 0o644},
		{name: "node_modules/typescript/bin/tsc", body: "#!/usr/bin/env node\n", mode: 0o755},
		{name: "node_modules/.bin/tsc", link: "../typescript/bin/tsc", mode: link},
		{name: "current", link: "lib", mode: link},
		{name: "alias", link: "./current/", mode: link},
		{name: "up/down.js", link: "../alias/a.js", mode: link},
		{name: "t/", mode: os.ModeDir | 0o755},
		{name: "d1/d2/ln", link: "../../t", mode: link},
		{name: "x", link: "d1/d2/ln/../lib/a.js", mode: link}, // ln/.. is the root
		{name: "zz/late.js", body: "z", mode: 0o644},
	}
	want := map[string]string{
		"first": "z", "lib/a.js": "a", "node_modules/.bin/tsc": "#!/usr/bin/env node\n", "current/a.js": "a",
		"alias/a.js": "a", "up/down.js": "a", "x": "a", "zz/late.js": "z",
	}
	tarEntries := append(entries[:len(entries):len(entries)], archiveEntry{name: "copy.js", hard: "lib/a.js", mode: 0o644}, archiveEntry{name: "copy2.js", hard: "copy.js", mode: 0o600})
	for _, form := range archiveForms {
		t.Run(form.ext, func(t *testing.T) {
			dir := t.TempDir()
			art := filepath.Join(dir, "app."+form.ext)
			wantHere := maps.Clone(want)
			if form.ext == "zip" {
				form.write(t, art, entries)
			} else {
				form.write(t, art, tarEntries)
				wantHere["copy.js"], wantHere["copy2.js"] = "a", "a"
			}
			m, err := packArchive(t, testSpec(t, t.TempDir()), art)
			if err != nil {
				t.Fatal(err)
			}
			for name, body := range wantHere {
				if got := zipContent(t, m.ZipPath, name); got != body {
					t.Errorf("%s = %q, want %q", name, got, body)
				}
			}
		})
	}
}

// unpackedBytes sums the sizes of the regular files under dir.
func unpackedBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	noError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			fi, err := d.Info()
			if err == nil {
				n += fi.Size()
			}
		}
		return nil
	}))
	return n
}

func TestArchiveSizeLimit(t *testing.T) {
	t.Parallel()
	const limit = 1000
	body := strings.Repeat("0", 400)
	three := []archiveEntry{
		{name: "a.bin", body: body, mode: 0o644},
		{name: "b.bin", body: body, mode: 0o644},
		{name: "c.bin", body: body, mode: 0o644},
	}
	hardLinks := []archiveEntry{
		{name: "a.bin", body: body, mode: 0o644},
		{name: "h1", hard: "a.bin", mode: 0o644},
		{name: "h2", hard: "h1", mode: 0o644},
	}
	tests := []struct {
		name      string
		form      archiveForm
		entries   []archiveEntry
		wantEntry string // "" when within the limit
		wantMax   int64  // most bytes written before stopping
	}{
		// The zip's central directory declares all sizes: nothing is written.
		{"zip", archiveForms[0], three, "c.bin", 0},
		{"tar.gz", archiveForms[1], three, "c.bin", 800},
		{"hard links count", archiveForms[1], hardLinks, "h2", 400},
		{"within the limit", archiveForms[1], three[:2], "", 800},
		{"up to the limit", archiveForms[0], []archiveEntry{{name: "a.bin", body: strings.Repeat("0", limit), mode: 0o644}}, "", limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			art := filepath.Join(dir, "bomb."+tt.form.ext)
			tt.form.write(t, art, tt.entries)
			dest := filepath.Join(dir, "unpacked")
			err := extractArchive(context.Background(), art, dest, unpackLimits{bytes: limit, entries: maxArtifactEntries})
			if n := unpackedBytes(t, dest); n > tt.wantMax {
				t.Errorf("%d bytes written, want at most %d", n, tt.wantMax)
			}
			if tt.wantEntry == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is not a *LimitError", err)
			}
			if le.Entry != tt.wantEntry || le.Limit != limit {
				t.Errorf("limit error at %q of %d bytes, want %q of %d", le.Entry, le.Limit, tt.wantEntry, limit)
			}
			for _, w := range []string{art, strconv.Quote(tt.wantEntry), "262144000"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}

// Folders only implied by names count as entries: a few names must not
// make millions of folders.
func TestArchiveEntryLimit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		wantErr bool
	}{{"a/b/c/d/e.js", false}, {"a/b/c/d/e/f.js", true}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			art := filepath.Join(dir, "deep.tar.gz")
			writeTestTarGz(t, art, []archiveEntry{{name: tt.name, body: "x", mode: 0o644}})
			err := extractArchive(context.Background(), art, filepath.Join(dir, "unpacked"), unpackLimits{bytes: 1000, entries: 5})
			if tt.wantErr != (err != nil) || (err != nil && !strings.Contains(err.Error(), "more than 5 files, folders and links")) {
				t.Errorf("error = %v, want one: %v", err, tt.wantErr)
			}
		})
	}
}

// A zip entry whose header declares fewer bytes than it holds is cut off
// at the declared size, not unpacked in full.
func TestArchiveEntryLargerThanDeclared(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	art := filepath.Join(dir, "liar.zip")
	f, err := os.Create(art)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	body := strings.Repeat("x", 5000)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "liar.bin", Method: zip.Store, CompressedSize64: uint64(len(body)), UncompressedSize64: 10})
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.WriteString(w, body)
	noError(t, err)
	noError(t, zw.Close())
	noError(t, f.Close())

	dest := filepath.Join(dir, "unpacked")
	err = extractArchive(context.Background(), art, dest, artifactLimits())
	if err == nil || !strings.Contains(err.Error(), `"liar.bin"`) {
		t.Fatalf("error = %v, want one naming liar.bin", err)
	}
	if n := unpackedBytes(t, dest); n > 10 {
		t.Errorf("%d bytes written, more than the 10 declared", n)
	}
}

func TestArchiveReadingIsCancellable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	art := filepath.Join(dir, "app.tar.gz")
	writeTestTarGz(t, art, archiveEntries)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dest := filepath.Join(dir, "unpacked")
	if err := extractArchive(ctx, art, dest, artifactLimits()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before reading: error %v, want context.Canceled", err)
	}
	if n := unpackedBytes(t, dest); n != 0 {
		t.Errorf("%d bytes written after cancellation", n)
	}

	// A long copy stops at the next chunk once the context is cancelled.
	ctx, cancel = context.WithCancel(context.Background())
	r := &cancellingReader{cancel: cancel}
	var out bytes.Buffer
	err := copyEntry(ctx, &out, r, 1<<30, make([]byte, 100))
	if !errors.Is(err, context.Canceled) || out.Len() != 100 {
		t.Errorf("copy returned %v after %d bytes, want context.Canceled after one chunk", err, out.Len())
	}
}

// cancellingReader returns endless data and cancels its context on the
// first read.
type cancellingReader struct{ cancel func() }

func (r *cancellingReader) Read(p []byte) (int, error) {
	r.cancel()
	return len(p), nil
}
