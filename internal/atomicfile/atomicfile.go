// Package atomicfile replaces files so that a reader, and a run that fails
// or is killed part-way, sees either the old content or the new, never half
// a file and never a new file beside a stale companion: new content is
// written to a temporary file in the target's folder and renamed over the
// target, and several targets are replaced together or not at all.
//
// Temporary files are named ".<target>.tmp-<digits>". A process killed
// before its rename leaves such a file behind; Sweep removes the old ones.
// Choosing which folders to sweep, and when, is left to the caller.
//
// Data is not synced to disk before the rename: the files lamb writes can
// always be made again, and the guarantee that matters here is against a
// failed or killed run, not a power cut.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// tmpMarker sits between a temporary file's target name and its random
// digits, as os.CreateTemp fills in "*".
const tmpMarker = ".tmp-"

// TempPattern is the os.CreateTemp or os.MkdirTemp pattern for a temporary
// file or folder standing in for name in the same folder, so that Sweep
// recognises it.
func TempPattern(name string) string { return "." + name + tmpMarker + "*" }

// tempName matches what TempPattern and this package create. It also
// matches ".<function>-tmp-<digits>", the work folders earlier releases
// left in .lamb/build when they were killed.
var tempName = regexp.MustCompile(`^\..+[.-]tmp-[0-9]+$`)

// IsTemp reports whether a file name is one of lamb's temporary names.
func IsTemp(name string) bool { return tempName.MatchString(name) }

// rename is os.Rename; tests replace it to make one step of Replace fail.
var rename = os.Rename

// File is new content for a target, held under a temporary name until
// Replace renames it into place. Discard removes it when it is not wanted.
type File struct {
	f      *os.File // open while written; nil once closed
	tmp    string
	target string
	done   bool // renamed into place, or discarded
}

// Create opens a new temporary file beside target for writing.
func Create(target string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(target), TempPattern(filepath.Base(target)))
	if err != nil {
		return nil, err
	}
	return &File{f: f, tmp: f.Name(), target: target}, nil
}

// Link makes src the new content for target without copying it when the
// file system allows a hard link, and by copying it otherwise.
func Link(src, target string) (*File, error) {
	tmp, err := linkTemp(src, target)
	if err != nil {
		return nil, err
	}
	return &File{tmp: tmp, target: target}, nil
}

// Write writes to the temporary file; callers buffer.
func (f *File) Write(p []byte) (int, error) {
	if f.f == nil {
		return 0, fmt.Errorf("write %s: %w", f.tmp, os.ErrClosed)
	}
	return f.f.Write(p)
}

// Name is the temporary file's path, under which the content can be read
// (or linked) before Replace.
func (f *File) Name() string { return f.tmp }

// Close finishes writing. The file is made 0644 whatever the umask, as the
// files lamb writes are meant to be read by other tools.
func (f *File) Close() error {
	if f.f == nil {
		return nil
	}
	err := f.f.Chmod(0o644)
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	f.f = nil
	return err
}

// Discard removes the temporary file unless Replace has placed it. It is
// safe to defer right after Create.
func (f *File) Discard() {
	if f == nil || f.done {
		return
	}
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	os.Remove(f.tmp)
	f.done = true
}

// WriteFile replaces target with what write produces.
func WriteFile(target string, write func(io.Writer) error) error {
	f, err := Create(target)
	if err != nil {
		return err
	}
	defer f.Discard()
	bw := bufio.NewWriterSize(f, 256<<10)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return Replace(f)
}

// Replace renames each file over its target, in order, and succeeds only if
// every rename does. When one fails, the targets already replaced get their
// previous content back (a target that did not exist is removed again), so
// the set is either all new or all old; the remaining temporary files are
// removed. Put last the file whose presence tells readers the others are
// complete, such as a manifest describing a zip. Nil files are skipped.
func Replace(files ...*File) error {
	var todo []*File
	for _, f := range files {
		if f != nil {
			todo = append(todo, f)
		}
	}
	discardFrom := func(i int) {
		for _, f := range todo[i:] {
			f.Discard()
		}
	}
	for _, f := range todo {
		if err := f.Close(); err != nil {
			discardFrom(0)
			return fmt.Errorf("write %s: %w", f.target, err)
		}
	}
	// Every target but the last keeps its previous content under a
	// temporary name until the last rename has succeeded. A failed rename
	// leaves its own target untouched, so the last one needs no copy.
	backups := make([]string, len(todo))
	removeBackups := true
	defer func() {
		for _, b := range backups {
			if b != "" && removeBackups {
				os.Remove(b)
			}
		}
	}()
	for i, f := range todo[:max(len(todo)-1, 0)] {
		b, err := backup(f.target)
		if err != nil {
			discardFrom(0)
			return fmt.Errorf("keep the previous %s: %w", f.target, err)
		}
		backups[i] = b
	}
	for i, f := range todo {
		if err := rename(f.tmp, f.target); err != nil {
			err = fmt.Errorf("replace %s: %w", f.target, err)
			if rerr := restore(todo[:i], backups[:i]); rerr != nil {
				removeBackups = false // they are the only copies left
				err = errors.Join(err, rerr)
			}
			discardFrom(i)
			return err
		}
		f.done = true
	}
	return nil
}

// backup hard-links (or copies) target to a temporary name and returns it,
// or "" when target does not exist.
func backup(target string) (string, error) {
	if _, err := os.Lstat(target); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return linkTemp(target, target)
}

// restore puts the previous content back under the targets of files, in
// reverse order.
func restore(files []*File, backups []string) error {
	var errs []error
	for i := len(files) - 1; i >= 0; i-- {
		t := files[i].target
		var err error
		if backups[i] == "" {
			err = os.Remove(t)
		} else {
			err = rename(backups[i], t)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restore the previous %s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}

// linkTemp hard-links src to a new temporary name beside target, copying
// when the file system cannot link (another device, no link support).
func linkTemp(src, target string) (string, error) {
	dir, base := filepath.Dir(target), filepath.Base(target)
	for range 100 {
		tmp := filepath.Join(dir, "."+base+tmpMarker+strconv.FormatUint(uint64(rand.Uint32()), 10))
		err := os.Link(src, tmp)
		if err == nil {
			return tmp, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if fi, serr := os.Lstat(src); serr != nil || !fi.Mode().IsRegular() {
			return "", err
		}
		if err := copyNew(src, tmp); err != nil {
			os.Remove(tmp)
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return "", err
		}
		return tmp, nil
	}
	return "", fmt.Errorf("create a temporary file beside %s: too many name collisions", target)
}

// copyNew copies src to dst, which must not exist.
func copyNew(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Sweep removes from dir the temporary files and folders (IsTemp names)
// last modified more than olderThan ago: those a killed run left behind.
// Younger ones may belong to a run still in progress and are kept; a file
// being written is modified as it grows. Symbolic links and other names are
// never touched. Failures are ignored: sweeping only reclaims space.
func Sweep(dir string, olderThan time.Duration) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	cutoff := time.Now().Add(-olderThan)
	for _, de := range des {
		if !IsTemp(de.Name()) || !(de.Type().IsRegular() || de.IsDir()) {
			continue
		}
		fi, err := de.Info()
		if err != nil || !fi.ModTime().Before(cutoff) {
			continue
		}
		os.RemoveAll(filepath.Join(dir, de.Name()))
	}
}
