package packager

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// secretFiles are the function's dotenv files. They never enter the
// bundle, whatever they are named and whatever the patterns say. A file is
// known by its path in the bundle, and by identity so that a link to it, or
// another name for it, is left out too.
type secretFiles struct {
	zipPaths map[string]bool
	infos    []fs.FileInfo

	mu    sync.Mutex
	found map[string]bool // zip paths left out
}

// newSecretFiles places files (absolute paths) in the bundle of source: a
// file inside source has the zip path of its path relative to source,
// taken both as written and with symlinks resolved.
func newSecretFiles(source string, files []string) *secretFiles {
	if len(files) == 0 {
		return nil
	}
	s := &secretFiles{zipPaths: map[string]bool{}, found: map[string]bool{}}
	realSource, srcErr := filepath.EvalSymlinks(source)
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			s.infos = append(s.infos, fi)
		}
		s.addPath(source, f)
		if real, err := filepath.EvalSymlinks(f); err == nil && srcErr == nil {
			s.addPath(realSource, real)
		}
	}
	return s
}

func (s *secretFiles) addPath(root, p string) {
	if p == root || !within(root, p) {
		return
	}
	if rel, err := filepath.Rel(root, p); err == nil {
		s.zipPaths[filepath.ToSlash(rel)] = true
	}
}

// leavesPath reports whether zipPath is a secret file's place in the
// bundle, and records it as left out.
func (s *secretFiles) leavesPath(zipPath string) bool {
	if s == nil || !s.zipPaths[zipPath] {
		return false
	}
	s.record(zipPath)
	return true
}

// leavesFile reports whether the file described by fi, about to be
// bundled at zipPath, is one of the secret files, and records it as left out.
func (s *secretFiles) leavesFile(zipPath string, fi fs.FileInfo) bool {
	if s == nil {
		return false
	}
	for _, info := range s.infos {
		if os.SameFile(fi, info) {
			s.record(zipPath)
			return true
		}
	}
	return false
}

func (s *secretFiles) record(zipPath string) {
	s.mu.Lock()
	s.found[zipPath] = true
	s.mu.Unlock()
}

// leftOut lists the zip paths left out, sorted.
func (s *secretFiles) leftOut() []string {
	if s == nil || len(s.found) == 0 {
		return nil
	}
	out := make([]string, 0, len(s.found))
	for p := range s.found {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
