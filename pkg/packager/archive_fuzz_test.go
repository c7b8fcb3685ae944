package packager

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzArchive hands arbitrary bytes to the artifact reader, which takes
// them for a zip, a tar or a tar.gz by their content. Whatever they hold,
// it must not panic, must change nothing outside its unpack folder, and
// may leave only links that resolve inside it.
func FuzzArchive(f *testing.F) {
	// One outside folder per fuzzing process keeps each run cheap; every
	// run unpacks into a folder of its own beside it, so "../.." from the
	// unpack folder is base, as in the seeds.
	base, _, _ := hostileSetup(f)
	before := snapshotOutside(f, base, "")
	f.Fuzz(func(t *testing.T, data []byte) {
		work, err := os.MkdirTemp(base, "run-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(work)
		art := filepath.Join(work, "artifact")
		if err := os.WriteFile(art, data, 0o644); err != nil {
			t.Fatal(err)
		}
		dest := filepath.Join(work, "unpacked")
		err = extractArchive(context.Background(), art, dest, unpackLimits{bytes: 1 << 20, entries: 1000})
		assertContained(t, base, work, before)
		if err != nil {
			return
		}
		real, err := filepath.EvalSymlinks(dest)
		if err != nil {
			t.Fatal(err)
		}
		walkErr := filepath.WalkDir(dest, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.Type()&os.ModeSymlink == 0 {
				return nil
			}
			// A dangling link is left for the walk to report.
			if resolved, err := filepath.EvalSymlinks(p); err == nil && !within(real, resolved) {
				target, _ := os.Readlink(p)
				t.Errorf("%s -> %s resolves to %s, outside the unpack folder", p, target, resolved)
			}
			return nil
		})
		noError(t, walkErr)
	})
}
