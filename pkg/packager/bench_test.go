package packager

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchTree writes a node_modules-like tree: many small source files and
// a few large ones, about 24 MB in 3,000 files.
func benchTree(b *testing.B) string {
	b.Helper()
	src := b.TempDir()
	files := map[string]string{}
	for i := range 3000 {
		name := fmt.Sprintf("node_modules/pkg%03d/lib/file%04d.js", i%120, i)
		files[name] = compressible(500+(i*7919)%12000, uint64(i))
		if i%500 == 0 {
			files[name] = logText(2 << 20)
		}
	}
	writeFilesB(b, src, files)
	return src
}

func writeFilesB(b *testing.B, dir string, files map[string]string) {
	t := &testing.T{}
	writeFiles(t, dir, files)
	if t.Failed() {
		b.Fatal("could not write the benchmark tree")
	}
}

func benchSpec(b *testing.B, src string) Spec {
	base := b.TempDir()
	return Spec{Function: "bench", Source: src, Dependencies: "none",
		OutDir: filepath.Join(base, "out"), CacheDir: filepath.Join(base, "cache")}
}

// BenchmarkZipWriterCold packages the tree compressing every file.
func BenchmarkZipWriterCold(b *testing.B) {
	src := benchTree(b)
	spec := benchSpec(b, src)
	spec.NoCache = true
	b.ResetTimer()
	for b.Loop() {
		if _, err := packTreesErr(spec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZipWriterWarm re-packages the unchanged tree from the cache.
func BenchmarkZipWriterWarm(b *testing.B) {
	src := benchTree(b)
	spec := benchSpec(b, src)
	if _, err := packTreesErr(spec); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		m, err := packTreesErr(spec)
		if err != nil {
			b.Fatal(err)
		}
		if m.Cache.Compressed != 0 {
			b.Fatalf("warm run compressed %d files", m.Cache.Compressed)
		}
	}
}

// BenchmarkZipWriterTouched re-packages after every file's mtime changed
// (a fresh checkout): contents are hashed and reused, not recompressed.
func BenchmarkZipWriterTouched(b *testing.B) {
	src := benchTree(b)
	spec := benchSpec(b, src)
	if _, err := packTreesErr(spec); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		touchAll(b, src, i)
		b.StartTimer()
		m, err := packTreesErr(spec)
		if err != nil {
			b.Fatal(err)
		}
		if m.Cache.Compressed != 0 {
			b.Fatalf("touched run compressed %d files", m.Cache.Compressed)
		}
	}
}

func touchAll(b *testing.B, dir string, i int) {
	when := time.Date(2030, 1, 1, 0, 0, i, 0, time.UTC)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, when, when)
	})
	if err != nil {
		b.Fatal(err)
	}
}
