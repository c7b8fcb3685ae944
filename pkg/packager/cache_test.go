package packager

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// zipContent returns the uncompressed content of one entry.
func zipContent(t *testing.T, zipPath, name string) string {
	t.Helper()
	for _, f := range readZip(t, zipPath).File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatalf("read %s from the zip: %v", name, err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s is not in the zip", name)
	return ""
}

// cacheFixture is fixtureFiles without its slowest file to compress.
func cacheFixture() map[string]string {
	f := fixtureFiles()
	delete(f, "big/noise.bin")
	return f
}

func TestCacheDetectsChanges(t *testing.T) {
	t.Parallel()
	files := cacheFixture()
	total := len(files)
	tests := []struct {
		name           string
		change         func(t *testing.T, src string)
		wantCompressed int
		wantContent    string // of index.js after the change; "" = unchanged
		wantMode       os.FileMode
	}{
		{name: "nothing changed", change: func(*testing.T, string) {}},
		{name: "content and size", wantCompressed: 1, wantContent: "exports.handler = 2\n",
			change: func(t *testing.T, src string) {
				noError(t, os.WriteFile(filepath.Join(src, "index.js"), []byte("exports.handler = 2\n"), 0o644))
			}},
		{name: "same size, mtime restored", wantCompressed: 1,
			wantContent: "X" + files["index.js"][1:],
			change: func(t *testing.T, src string) {
				p := filepath.Join(src, "index.js")
				fi, err := os.Stat(p)
				noError(t, err)
				noError(t, os.WriteFile(p, []byte("X"+files["index.js"][1:]), 0o644))
				noError(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
			}},
		{name: "touched only: content reused, not recompressed",
			change: func(t *testing.T, src string) {
				later := time.Now().Add(time.Hour)
				noError(t, os.Chtimes(filepath.Join(src, "index.js"), later, later))
				noError(t, os.Chtimes(filepath.Join(src, "big/text.log"), later, later))
			}},
		{name: "replaced by a copy (new inode)",
			change: func(t *testing.T, src string) {
				p := filepath.Join(src, "index.js")
				noError(t, os.WriteFile(p+".new", []byte(files["index.js"]), 0o644))
				noError(t, os.Rename(p+".new", p))
			}},
		{name: "mode", wantMode: 0o755,
			change: func(t *testing.T, src string) {
				noError(t, os.Chmod(filepath.Join(src, "index.js"), 0o755))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			writeFiles(t, src, files)
			spec := testSpec(t, src)
			first := packTrees(t, spec)
			if first.Cache.Compressed != total {
				t.Fatalf("first run compressed %d, want %d", first.Cache.Compressed, total)
			}
			tt.change(t, src)
			m := packTrees(t, spec)
			if m.Cache.Compressed != tt.wantCompressed || m.Cache.Reused != total-tt.wantCompressed {
				t.Errorf("cache = %+v, want %d compressed and %d reused", m.Cache, tt.wantCompressed, total-tt.wantCompressed)
			}
			want := tt.wantContent
			if want == "" {
				want = files["index.js"]
			}
			if got := zipContent(t, m.ZipPath, "index.js"); got != want {
				t.Errorf("index.js in the zip is stale: %.20q, want %.20q", got, want)
			}
			if tt.wantMode != 0 {
				if f := findEntry(t, m.ZipPath, "index.js"); f.Mode() != tt.wantMode {
					t.Errorf("index.js mode = %v, want %v", f.Mode(), tt.wantMode)
				}
			}
			// Whatever the cache did, the bytes equal a cold build's.
			cold := spec
			cold.NoCache = true
			cold.OutDir = filepath.Join(t.TempDir(), "cold")
			if c := packTrees(t, cold); c.Sha256 != m.Sha256 {
				t.Errorf("cached build %s differs from cold build %s", m.Sha256, c.Sha256)
			}
		})
	}
}

func findEntry(t *testing.T, zipPath, name string) *zipFile {
	t.Helper()
	for _, f := range readZip(t, zipPath).File {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("%s is not in the zip", name)
	return nil
}

func TestNoCacheCompressesEverything(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, cacheFixture())
	spec := testSpec(t, src)
	packTrees(t, spec)
	spec.NoCache = true
	m := packTrees(t, spec)
	if m.Cache.Reused != 0 || m.Cache.Compressed != len(cacheFixture()) {
		t.Errorf("--no-cache run: cache = %+v, want everything compressed", m.Cache)
	}
	// A cold run still refreshes the cache for the next run.
	spec.NoCache = false
	if m := packTrees(t, spec); m.Cache.Compressed != 0 {
		t.Errorf("run after a cold build compressed %d entries, want 0", m.Cache.Compressed)
	}
}

func TestCacheSurvivesDamage(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, cacheFixture())
	spec := testSpec(t, src)
	want := packTrees(t, spec).Sha256
	c := openCache(spec.CacheDir, src, spec.Function, false)
	tests := []struct {
		name   string
		damage func(t *testing.T)
	}{
		{"pack rewritten in place", func(t *testing.T) {
			f, err := os.OpenFile(c.packPath(), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.WriteAt([]byte("garbage!"), 100)
			noError(t, err)
			noError(t, f.Close())
		}},
		{"pack deleted", func(t *testing.T) { noError(t, os.Remove(c.packPath())) }},
		{"index truncated", func(t *testing.T) { noError(t, os.WriteFile(c.indexPath(), []byte("not gob"), 0o644)) }},
		{"output zip deleted", func(t *testing.T) { noError(t, os.Remove(filepath.Join(spec.OutDir, "fn.zip"))) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.damage(t)
			m := packTrees(t, spec)
			if m.Sha256 != want || sha256File(t, m.ZipPath) != want {
				t.Errorf("after damage the zip is %s, want %s", m.Sha256, want)
			}
		})
	}
}

func TestCachePrunesOldPacks(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"index.js": "x"})
	spec := testSpec(t, src)
	other := spec
	other.Function = "old"
	packTrees(t, other)
	old := openCache(spec.CacheDir, src, "old", false)
	long := time.Now().Add(-cacheMaxAge - time.Hour)
	noError(t, os.Chtimes(old.indexPath(), long, long))
	packTrees(t, spec)
	for _, p := range []string{old.indexPath(), old.packPath()} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s of a function unused for a month was kept (err %v)", filepath.Base(p), err)
		}
	}
	if _, err := os.Stat(openCache(spec.CacheDir, src, "fn", false).packPath()); err != nil {
		t.Errorf("the current function's pack is missing: %v", err)
	}
}
