package packager

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type archiveEntry struct {
	name, body, link string
	hard             string // tar only: a hard link to this earlier entry
	mode             os.FileMode
}

// archiveEntries is a small bundle in a deliberately unsorted order with
// odd modes, as build tools produce them.
var archiveEntries = []archiveEntry{
	{name: "lib/", mode: os.ModeDir | 0o700},
	{name: "lib/b.js", body: "b", mode: 0o600},
	{name: "index.js", body: compressible(4000, 9), mode: 0o644},
	{name: "bootstrap", body: "#!/bin/sh\n", mode: 0o755},
	{name: "lib/a.js", body: "a", mode: 0o640},
	{name: "current", link: "lib", mode: os.ModeSymlink | 0o777},
}

func writeTestZip(t *testing.T, path string, entries []archiveEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.Modified = time.Date(2020+i, 3, 4, 5, 6, 7, 0, time.Local)
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		body := e.body
		if e.link != "" {
			body = e.link
		}
		_, err = w.Write([]byte(body))
		noError(t, err)
	}
	noError(t, zw.SetComment("built by a tool"))
	noError(t, zw.Close())
	noError(t, f.Close())
}

func writeTestTarGz(t *testing.T, path string, entries []archiveEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	writeTestTarTo(t, gz, entries)
	noError(t, gz.Close())
	noError(t, f.Close())
}

func writeTestTar(t *testing.T, path string, entries []archiveEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	writeTestTarTo(t, f, entries)
	noError(t, f.Close())
}

func writeTestTarTo(t *testing.T, w io.Writer, entries []archiveEntry) {
	t.Helper()
	tw := tar.NewWriter(w)
	for i, e := range entries {
		h := &tar.Header{Name: e.name, Mode: int64(e.mode.Perm()), ModTime: time.Unix(int64(1e9+i), 0), Size: int64(len(e.body))}
		switch {
		case e.mode.IsDir():
			h.Typeflag = tar.TypeDir
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		case e.hard != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, e.hard, 0
		default:
			h.Typeflag = tar.TypeReg
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		_, err := tw.Write([]byte(e.body))
		noError(t, err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func packArchive(t *testing.T, spec Spec, archive string) (*Manifest, error) {
	t.Helper()
	if err := spec.normalize(); err != nil {
		t.Fatal(err)
	}
	return packageBundle(context.Background(), &spec, &bundle{archive: archive})
}

func TestArchivesAreRewrittenDeterministically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := t.TempDir() // the function's source: only its .lambignore matters here
	zipIn := filepath.Join(dir, "app.zip")
	jarIn := filepath.Join(dir, "app.jar")
	tgzIn := filepath.Join(dir, "app.tar.gz")
	tarIn := filepath.Join(dir, "app.tar")
	writeTestZip(t, zipIn, archiveEntries)
	writeTestZip(t, jarIn, archiveEntries)
	writeTestTarGz(t, tgzIn, archiveEntries)
	writeTestTar(t, tarIn, archiveEntries)

	var first *Manifest
	for _, in := range []string{zipIn, jarIn, tgzIn, tarIn} {
		for _, links := range []string{"keep", "follow"} {
			t.Run(filepath.Base(in)+" "+links, func(t *testing.T) {
				spec := testSpec(t, src)
				spec.Symlinks = links
				m, err := packArchive(t, spec, in)
				if err != nil {
					t.Fatal(err)
				}
				r := readZip(t, m.ZipPath)
				if r.Comment != "" {
					t.Errorf("comment %q kept from the artifact", r.Comment)
				}
				modes := map[string]os.FileMode{}
				for _, f := range r.File {
					modes[f.Name] = f.Mode()
					if !f.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) || len(f.Extra) != 0 {
						t.Errorf("%s: time %v extra %x, want the fixed time and no extra field", f.Name, f.Modified, f.Extra)
					}
				}
				wantModes := map[string]os.FileMode{
					"lib/": os.ModeDir | 0o755, "lib/b.js": 0o644, "lib/a.js": 0o644, "index.js": 0o644, "bootstrap": 0o755,
				}
				if links == "keep" {
					wantModes["current"] = os.ModeSymlink | 0o777
				} else {
					wantModes["current/"] = os.ModeDir | 0o755
					wantModes["current/a.js"] = 0o644
				}
				for n, w := range wantModes {
					if modes[n] != w {
						t.Errorf("%s: mode %v, want %v (all entries: %v)", n, modes[n], w, modes)
					}
				}
				if links == "keep" {
					if first == nil {
						first = m
					} else if m.Sha256 != first.Sha256 {
						t.Errorf("%s rewrites to %s, %s to %s: same entries must give the same zip", filepath.Base(in), m.Sha256, filepath.Base(first.ZipPath), first.Sha256)
					}
					// Re-packaging lamb's own zip gives the same bytes.
					againSpec := testSpec(t, src)
					againSpec.Symlinks = "keep"
					again, err := packArchive(t, againSpec, m.ZipPath)
					if err != nil {
						t.Fatal(err)
					}
					if again.Sha256 != m.Sha256 {
						t.Errorf("re-packaging the written zip changed it: %s -> %s", m.Sha256, again.Sha256)
					}
				}
			})
		}
	}
}

func TestArchiveErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	slip := filepath.Join(dir, "slip.zip")
	writeTestZip(t, slip, []archiveEntry{{name: "../evil.js", body: "x", mode: 0o644}})
	notArchive := filepath.Join(dir, "notes.txt")
	noError(t, os.WriteFile(notArchive, []byte("just text"), 0o644))
	tests := []struct {
		name, path string
		want       []string
	}{
		{"entry outside the archive", slip, []string{"../evil.js", "outside"}},
		{"not an archive", notArchive, []string{"notes.txt", ".zip"}},
		{"missing", filepath.Join(dir, "missing.zip"), []string{"missing.zip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := packArchive(t, testSpec(t, t.TempDir()), tt.path)
			if err == nil {
				t.Fatal("packaging succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
