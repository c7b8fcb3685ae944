// Package safefile reads the files lamb takes its settings from (lamb.yaml,
// .lambignore, package manifests and lockfiles) and writes the files lamb
// creates in a project, so that neither can be turned against the user: a
// read only ever takes a regular file, stops after a bound the caller sets
// and ends when its context is cancelled; a write never goes through a
// symbolic link. Parsing what was read is left to the callers.
//
// Every error names the path it is about, so callers return it as it is
// or add what they were doing, without repeating the path.
package safefile

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// NotRegularError is returned for a path that is not a regular file: a
// folder, a named pipe, a device or a socket, whose reads may block or
// never end.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file: lamb reads only regular files", e.Path, KindOf(e.Mode))
}

// TooLargeError is returned for a file or stream longer than the bound its
// reader set.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s, the most lamb reads from it", e.Path, formatSize(e.Limit))
}

// OutsideRootError is returned when a path under a root leads, through
// symbolic links, to a file outside that root.
type OutsideRootError struct {
	Path   string // the path asked for, under Root
	Target string // where its links lead
	Root   string
}

func (e *OutsideRootError) Error() string {
	return fmt.Sprintf("%s links to %s, outside %s: lamb reads it only from inside that folder; replace the link with a copy of the file", e.Path, e.Target, e.Root)
}

// ReadFile reads the regular file at path, which may be at most limit bytes
// long; symbolic links are followed. Anything else (a named pipe, a device,
// a folder) is refused with *NotRegularError before it is opened, a longer
// file with *TooLargeError, and a cancelled ctx stops the read.
func ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: fi.Mode()}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpened(ctx, f, path, limit)
}

// ReadFileIn reads the regular file name (a path relative to root) like
// ReadFile, and only if it lies inside root once its symbolic links are
// resolved: one that leads outside is refused with *OutsideRootError
// before anything of it is read. A missing file, or a link to one, is an
// error that matches fs.ErrNotExist.
func ReadFileIn(ctx context.Context, root, name string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := filepath.Join(root, name)
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(realRoot, real)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, &OutsideRootError{Path: path, Target: real, Root: root}
	}
	// Opening through os.Root keeps the check true if a link is swapped
	// after it: the root refuses any path that leaves it.
	r, err := os.OpenRoot(realRoot)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	fi, err := r.Stat(rel)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: fi.Mode()}
	}
	f, err := r.OpenFile(rel, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpened(ctx, f, path, limit)
}

// ReadAll reads a stream such as standard input to its end, at most limit
// bytes; name is what errors call it. A read from a terminal or a pipe
// cannot be interrupted, so when ctx is cancelled ReadAll returns at once
// and leaves that read behind: use it only for a stream nothing reads
// afterwards.
func ReadAll(ctx context.Context, r io.Reader, name string, limit int64) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := readLimited(ctx, r, name, limit, 0)
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		return res.data, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readOpened checks the open file again, as the path may have been
// replaced since it was looked at, then reads it.
func readOpened(ctx context.Context, f *os.File, path string, limit int64) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Mode: fi.Mode()}
	}
	if fi.Size() > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return readLimited(ctx, f, path, limit, fi.Size())
}

// readChunk is how much is read between two looks at the context.
const readChunk = 256 << 10

// readLimited reads r to its end in chunks, looking at ctx between them,
// and fails as soon as more than limit bytes arrived; a file can grow
// after its size was taken. sizeHint sizes the first buffer.
func readLimited(ctx context.Context, r io.Reader, path string, limit, sizeHint int64) ([]byte, error) {
	// One byte more than expected, so that the end is seen without growing.
	buf := make([]byte, 0, min(max(sizeHint, 512), limit)+1)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n := min(cap(buf)-len(buf), readChunk)
		m, err := r.Read(buf[len(buf) : len(buf)+n])
		buf = buf[:len(buf)+m]
		if int64(len(buf)) > limit {
			return nil, &TooLargeError{Path: path, Limit: limit}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, unwrapPathError(err))
		}
	}
}

// unwrapPathError drops the *fs.PathError around err, whose path the
// caller's message already names.
func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// KindOf names what a file mode stands for, with its article ("a named
// pipe"), for messages that say why lamb will not use a file.
func KindOf(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a file"
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file"
}

// formatSize writes a bound in the largest binary unit that divides it.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
