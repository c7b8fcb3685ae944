package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/lambcli/lamb/internal/atomicfile"
)

// SymlinkError is returned when lamb would write to or through a symbolic
// link: it refuses rather than follow the link somewhere else, or replace
// a link the user made on purpose.
type SymlinkError struct {
	Path string
}

func (e *SymlinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link, and lamb never writes through one: remove the link and run again", e.Path)
}

// NoSymlink returns a *SymlinkError when path is a symbolic link, and nil
// when it is anything else or does not exist. It lets a caller refuse
// before it writes the first of several files.
func NoSymlink(path string) error {
	fi, err := os.Lstat(path)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return &SymlinkError{Path: path}
	}
	return nil
}

// ReplaceFile writes data to path through a new temporary file in the same
// folder and a rename, so a reader never sees half a file and an existing
// file is replaced, not written into. A symbolic link at path is refused
// with *SymlinkError; a rename would replace the link itself even if one
// appeared after that check, never its target.
func ReplaceFile(path string, data []byte, perm fs.FileMode) error {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&fs.ModeSymlink != 0 {
			return &SymlinkError{Path: path}
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is %s, not a file lamb can replace: move it away and run again", path, KindOf(fi.Mode()))
		}
	}
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// CreateFile writes data to a new file at path, whole or not at all. When
// anything is at path already, a dangling symbolic link included, it
// returns an error matching fs.ErrExist and leaves it alone.
func CreateFile(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// link(2) puts the complete file in place only if the name is free,
	// and never follows a link found there.
	err = os.Link(tmp, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	// A file system without hard links: O_EXCL is as strict about the
	// name, at the cost of a partial file if the write fails.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeTemp writes data to a new file beside path and returns its name.
func writeTemp(path string, data []byte, perm fs.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), atomicfile.TempPattern(filepath.Base(path)))
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// MkdirIn makes the folder rel (a relative path) under root, with any
// missing folders between them, and returns its path. None of those
// folders may be a symbolic link, so that what is written into the result
// stays under root: a link is refused with *SymlinkError.
func MkdirIn(root, rel string, perm fs.FileMode) (string, error) {
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%s is not a path inside %s", rel, root)
	}
	dir := root
	for _, part := range splitPath(rel) {
		dir = filepath.Join(dir, part)
		// Mkdir never follows a link at dir: it fails, and Lstat says why.
		if err := os.Mkdir(dir, perm); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return "", &SymlinkError{Path: dir}
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("%s is %s, not a folder: move it away and run again", dir, KindOf(fi.Mode()))
		}
	}
	return dir, nil
}

// splitPath returns the names in a clean relative path.
func splitPath(rel string) []string {
	var parts []string
	for p := filepath.Clean(rel); p != "." && p != ""; p = filepath.Dir(p) {
		parts = append([]string{filepath.Base(p)}, parts...)
	}
	return parts
}
