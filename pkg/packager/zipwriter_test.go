package packager

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lambcli/lamb/internal/golden"
)

// compressible returns n bytes of source-like text.
func compressible(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	words := []string{"const ", "function ", "return ", "module.exports", " = ", "require(", ");\n", "if (", "{\n", "}\n", "lambda", "handler", "event", "context"}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		if r.IntN(3) == 0 { // an identifier or number, as real code has
			for range 3 + r.IntN(8) {
				b.WriteByte("abcdefghijklmnopqrstuvwxyz0123456789_"[r.IntN(37)])
			}
		}
	}
	return b.String()[:n]
}

// logText returns n bytes of log lines: compressible, and quick to compress.
func logText(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "2026-01-02T03:04:%02d.%06dZ INFO request %d handled in %d ms\n", i%60, i, i*7919, i%997)
	}
	return b.String()[:n]
}

// random returns n incompressible bytes.
func random(n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

// fixtureFiles is a small bundle with every kind of file the writer treats
// differently: compressible, incompressible, empty, executable by bit, by
// ELF magic, by shebang and by name, and files big enough to stream
// (with testSpec's limit) and to get the thorough compression level.
func fixtureFiles() map[string]string {
	elf := "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 9) + "\x02\x00\x3e\x00" + strings.Repeat("\x00", 100)
	return map[string]string{
		"index.js":              compressible(20_000, 1),
		"lib/util.js":           compressible(3_000, 2),
		"lib/deep/er/x.js":      "x",
		"assets/photo.jpg":      random(10_000, 3),
		"empty.txt":             "",
		"bin/tool":              elf,
		"scripts/run.sh":        "#!/bin/sh\necho hi\n",
		"bootstrap":             "not really a binary",
		"ünïcode/naïve.txt":     "utf-8 names",
		"big/text.log":          logText(1<<20 + 123_456),
		"big/noise.bin":         random(testMemLimit+1000, 5),
		"node_modules/a/b/c.js": compressible(700, 6),
	}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	sum := sha256.Sum256(fileBytes(t, path))
	return hex.EncodeToString(sum[:])
}

func TestZipFormat(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, fixtureFiles())
	if err := os.Chmod(filepath.Join(src, "lib/util.js"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(src, "empty.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := packTrees(t, testSpec(t, src))
	raw := fileBytes(t, m.ZipPath)
	r := readZip(t, m.ZipPath)
	if r.Comment != "" {
		t.Errorf("zip comment = %q, want none", r.Comment)
	}

	var names []string
	for _, f := range r.File {
		names = append(names, f.Name)
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("entries are not sorted by path: %q", names)
	}
	for _, want := range []string{"lib/", "lib/deep/", "lib/deep/er/", "big/", "ünïcode/"} {
		if !slices.Contains(names, want) {
			t.Errorf("missing folder entry %q in %q", want, names)
		}
	}

	wantMode := map[string]fs.FileMode{
		"index.js":          0o644,
		"lib/util.js":       0o755, // owner exec bit
		"empty.txt":         0o644, // 0600 on disk: made world-readable
		"bin/tool":          0o755, // ELF
		"scripts/run.sh":    0o755, // shebang
		"bootstrap":         0o755, // by name
		"assets/photo.jpg":  0o644,
		"lib/":              fs.ModeDir | 0o755,
		"ünïcode/naïve.txt": 0o644,
	}
	wantMethod := map[string]uint16{
		"index.js":         zip.Deflate,
		"assets/photo.jpg": zip.Store, // deflate does not shrink it
		"empty.txt":        zip.Store,
		"big/text.log":     zip.Deflate,
		"big/noise.bin":    zip.Store,
		"lib/":             zip.Store,
	}
	epoch := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	files := fixtureFiles()
	for _, f := range r.File {
		if f.CreatorVersion != 3<<8|20 {
			t.Errorf("%s: creator version %#x, want Unix 3.0 (0x314)", f.Name, f.CreatorVersion)
		}
		if f.ModifiedDate != 0x21 || f.ModifiedTime != 0 || !f.Modified.Equal(epoch) {
			t.Errorf("%s: time %v (date %#x time %#x), want 1980-01-01 00:00", f.Name, f.Modified, f.ModifiedDate, f.ModifiedTime)
		}
		if len(f.Extra) != 0 {
			t.Errorf("%s: central directory extra field %x, want none", f.Name, f.Extra)
		}
		if f.Comment != "" {
			t.Errorf("%s: entry comment %q", f.Name, f.Comment)
		}
		if want, ok := wantMode[f.Name]; ok && f.Mode() != want {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), want)
		}
		if want, ok := wantMethod[f.Name]; ok && f.Method != want {
			t.Errorf("%s: method %d, want %d", f.Name, f.Method, want)
		}
		if f.Name == "ünïcode/naïve.txt" && f.Flags&0x800 == 0 {
			t.Errorf("%s: UTF-8 flag not set", f.Name)
		}
		// The local header must carry no extra field either.
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		h := off - int64(len(f.Name)) - localHeaderLen
		if binary.LittleEndian.Uint32(raw[h:]) != 0x04034b50 || binary.LittleEndian.Uint16(raw[h+28:]) != 0 {
			t.Errorf("%s: local header at %d has an extra field or is misplaced", f.Name, h)
		}
		if want, ok := files[f.Name]; ok {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(got) != want {
				t.Errorf("%s: content differs from the source (err %v)", f.Name, err)
			}
		}
	}
	if !slices.Equal(m.PermissionFixes, []string{"empty.txt", "lib/util.js"}) {
		t.Errorf("PermissionFixes = %q, want the two files without world read", m.PermissionFixes)
	}
}

// TestZipGolden pins the bytes of a small bundle: a change to the writer,
// the compressor or its level shows up here. Run with -update after an
// intended change.
func TestZipGolden(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"index.js":        compressible(5_000, 7),
		"lib/a.js":        "module.exports = 1\n",
		"bin/run":         "#!/bin/sh\n",
		"data/blob.bin":   random(2_000, 8),
		"node_modules/x/": "",
	})
	m := packTrees(t, testSpec(t, src))
	golden.Assert(t, "golden-zip.sha256", []byte(m.Sha256+"\n"))
}

// TestDeterminism proves that the zip bytes depend only on paths, contents
// and modes: not on worker count, cache state, mtimes, creation order or
// umask.
func TestDeterminism(t *testing.T) {
	base := t.TempDir()
	// Reference: one worker, cold, files created in sorted order.
	ref := filepath.Join(base, "ref")
	writeFiles(t, ref, fixtureFiles())
	refSpec := testSpec(t, ref)
	refSpec.Workers, refSpec.NoCache = 1, true
	want := packTrees(t, refSpec).Sha256

	check := func(t *testing.T, spec Spec) {
		t.Helper()
		m := packTrees(t, spec)
		if m.Sha256 != want {
			t.Errorf("zip sha256 = %s, want %s", m.Sha256, want)
		}
	}
	t.Run("many workers", func(t *testing.T) {
		s := refSpec
		s.Workers = 16
		check(t, s)
	})
	t.Run("warm cache", func(t *testing.T) {
		s := testSpec(t, ref)
		s.Workers = 3
		first := packTrees(t, s)
		if first.Cache.Reused != 0 {
			t.Fatalf("first run reused %d entries from an empty cache", first.Cache.Reused)
		}
		m := packTrees(t, s)
		if m.Cache.Compressed != 0 {
			t.Errorf("warm run compressed %d entries, want 0", m.Cache.Compressed)
		}
		if m.Sha256 != want || first.Sha256 != want {
			t.Errorf("cold %s, warm %s, want %s", first.Sha256, m.Sha256, want)
		}
	})
	t.Run("touched files", func(t *testing.T) {
		dir := filepath.Join(base, "touched")
		writeFiles(t, dir, fixtureFiles())
		when := time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.UTC)
		noError(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			when = when.Add(time.Hour)
			return os.Chtimes(p, when, when)
		}))
		s := testSpec(t, dir)
		check(t, s)
	})
	t.Run("creation order", func(t *testing.T) {
		dir := filepath.Join(base, "reversed")
		files := fixtureFiles()
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(names)))
		for _, n := range names {
			writeFiles(t, dir, map[string]string{n: files[n]})
		}
		check(t, testSpec(t, dir))
	})
	t.Run("umask", func(t *testing.T) {
		old := syscall.Umask(0o077)
		dir := filepath.Join(base, "umask")
		writeFiles(t, dir, fixtureFiles())
		syscall.Umask(old)
		fi, err := os.Stat(filepath.Join(dir, "index.js"))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("fixture not created under umask 077: %v %v", fi.Mode(), err)
		}
		check(t, testSpec(t, dir))
	})
}

// TestManyEntries checks the writer does not refuse a bundle of more
// entries than a zip without zip64 holds: that is a Lambda limit, which
// pkg/limits reports like the others.
func TestManyEntries(t *testing.T) {
	t.Parallel()
	const n = 1<<16 + 1
	src := make([]*sourceEntry, n)
	for i := range src {
		name := fmt.Sprintf("d%06d/", i)
		src[i] = &sourceEntry{zipPath: name[:len(name)-1], name: name, kind: kindDir}
	}
	job := &zipJob{entries: newZipEntries(src), cache: &zipCache{}, workers: 2}
	var buf bytes.Buffer
	if _, err := job.writeZip(context.Background(), &buf); err != nil {
		t.Fatalf("writeZip with %d entries: %v", n, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || len(zr.File) != n {
		t.Fatalf("read back: %v, %d entries, want %d", err, len(zr.File), n)
	}
}

func TestInterruptedRunKeepsPreviousZip(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, fixtureFiles())
	spec := testSpec(t, src)
	m := packTrees(t, spec)
	before := fileBytes(t, m.ZipPath)

	writeFiles(t, src, map[string]string{"new.js": "changed"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := spec.normalize(); err != nil {
		t.Fatal(err)
	}
	if _, err := packageBundle(ctx, &spec, &bundle{trees: []tree{{Dir: src}}}); err == nil {
		t.Fatal("cancelled run succeeded")
	}
	if !bytes.Equal(fileBytes(t, m.ZipPath), before) {
		t.Error("cancelled run changed the previous zip")
	}
	if left := dirNames(t, spec.OutDir); !slices.Equal(left, []string{"fn.json", "fn.zip"}) {
		t.Errorf("output folder holds %q, want only fn.json and fn.zip", left)
	}
}

// TestManifestFailureKeepsPreviousPair makes the manifest impossible to
// put in place after the new zip is written: the run must fail and leave
// the previous zip as it was, not a zip its manifest does not describe.
func TestManifestFailureKeepsPreviousPair(t *testing.T) {
	t.Parallel()
	for _, warm := range []bool{false, true} {
		t.Run(fmt.Sprintf("cache reused %v", warm), func(t *testing.T) {
			src := t.TempDir()
			writeFiles(t, src, fixtureFiles())
			spec := testSpec(t, src)
			m := packTrees(t, spec)
			before := fileBytes(t, m.ZipPath)
			jsonPath := filepath.Join(spec.OutDir, "fn.json")

			if warm {
				// Same tree, zip gone: the cached pack is linked in.
				noError(t, os.Remove(m.ZipPath))
				noError(t, os.WriteFile(m.ZipPath, []byte("previous zip"), 0o644))
				before = []byte("previous zip")
			} else {
				writeFiles(t, src, map[string]string{"new.js": "changed"})
			}
			// A folder where the manifest goes fails the last rename.
			os.Remove(jsonPath)
			writeFiles(t, spec.OutDir, map[string]string{"fn.json/keep.txt": "in the way"})

			if _, err := packTreesErr(spec); err == nil || !strings.Contains(err.Error(), "fn.json") {
				t.Fatalf("err = %v, want a failure naming the manifest", err)
			}
			if !bytes.Equal(fileBytes(t, m.ZipPath), before) {
				t.Error("the failed run replaced the previous zip")
			}
			if got := fileBytes(t, filepath.Join(jsonPath, "keep.txt")); string(got) != "in the way" {
				t.Errorf("the folder in the manifest's place was changed: %q", got)
			}
			if left := dirNames(t, spec.OutDir); !slices.Equal(left, []string{"fn.json", "fn.zip"}) {
				t.Errorf("output folder holds %q, want only fn.json and fn.zip", left)
			}
		})
	}
}

// TestStaleTempFilesAreSwept plants what a killed run leaves behind and
// checks the next run removes exactly that.
func TestStaleTempFilesAreSwept(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, fixtureFiles())
	spec := testSpec(t, src)
	zipCacheDir := filepath.Join(spec.CacheDir, "zip")
	stale := map[string]string{
		".fn.zip.tmp-1234":             "half a zip",
		".fn.json.tmp-99":              "half a manifest",
		".other.zip.tmp-5":             "another function's",
		".fn.tmp-77/artifact/index.js": "work folder",
		".fn-tmp-78/spill-1":           "an earlier release's work folder",
	}
	kept := map[string]string{
		"notes.txt":        "not lamb's",
		".fn.zip.tmp-keep": "",
		"other.zip":        "another function's zip",
	}
	writeFiles(t, spec.OutDir, stale)
	writeFiles(t, spec.OutDir, kept)
	writeFiles(t, zipCacheDir, map[string]string{".k.idx.tmp-3": "half an index"})
	old := time.Now().Add(-2 * staleTempAge)
	for _, n := range []string{".fn.zip.tmp-1234", ".fn.json.tmp-99", ".other.zip.tmp-5", ".fn.tmp-77", ".fn-tmp-78", "notes.txt", "other.zip", ".fn.zip.tmp-keep"} {
		if err := os.Chtimes(filepath.Join(spec.OutDir, n), old, old); err != nil {
			t.Fatal(err)
		}
	}
	noError(t, os.Chtimes(filepath.Join(zipCacheDir, ".k.idx.tmp-3"), old, old))
	// A temporary file of a run still going is young and stays.
	young := filepath.Join(spec.OutDir, ".fn.zip.tmp-4321")
	noError(t, os.WriteFile(young, []byte("being written"), 0o644))

	packTrees(t, spec)
	want := []string{".fn.zip.tmp-4321", ".fn.zip.tmp-keep", "fn.json", "fn.zip", "notes.txt", "other.zip"}
	if got := dirNames(t, spec.OutDir); !slices.Equal(got, want) {
		t.Errorf("output folder holds %q, want %q", got, want)
	}
	for _, n := range dirNames(t, zipCacheDir) {
		if strings.Contains(n, ".tmp-") {
			t.Errorf("cache folder still holds %s", n)
		}
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

func TestUnreadableFileIsNamed(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("f%03d.js", i)] = compressible(2000, uint64(i))
	}
	writeFiles(t, src, files)
	spec := testSpec(t, src)
	if err := spec.normalize(); err != nil {
		t.Fatal(err)
	}
	sel, _ := newSelector(nil, nil, nil)
	entries, err := selectFiles(context.Background(), []tree{{Dir: src}}, sel, "follow", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The file disappears between the walk and its compression.
	os.Remove(filepath.Join(src, "f100.js"))
	zentries := newZipEntries(entries)
	job := &zipJob{entries: zentries, cache: &zipCache{}, workers: 4, tmpDir: t.TempDir()}
	_, err = job.writeZip(context.Background(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "f100.js") {
		t.Fatalf("error = %v, want one naming f100.js", err)
	}
}
