// Package safefile reads the small files a project names — dotenv files,
// ignore files, configuration — as untrusted input: only a regular file, only
// up to a size bound, only inside the project folder, and only while the
// context allows. In CI these files come from pull requests, so a named pipe
// must not hang lamb, /dev/zero must not fill memory and a symlink must not
// read a file elsewhere on the machine. Parsing and the wording a user sees
// are left to the callers.
package safefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Sentinel errors let callers tell why a file was refused with errors.Is.
var (
	// ErrNotRegular means the path names a folder, named pipe, socket or
	// device rather than a regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge means the file is bigger than the bound it was read with.
	ErrTooLarge = errors.New("file too large")
	// ErrOutsideRoot means the path, symlinks followed, leaves the root folder.
	ErrOutsideRoot = errors.New("file outside the root folder")
)

// refusal carries a sentence for the user while matching its sentinel.
type refusal struct {
	msg  string
	kind error
}

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Is(target error) bool { return target == r.kind }

// readChunk bounds each read, so a cancelled context is noticed between
// chunks of a large file.
const readChunk = 64 << 10

// ReadFile returns the content of the file at name. The file must be a
// regular file of at most limit bytes and, unless root is "", must resolve
// with every symlink followed to a path inside root. A refused file gives an
// error matching ErrNotRegular, ErrTooLarge or ErrOutsideRoot whose text
// says why without naming the file (callers name it as the user wrote it);
// a missing file gives an error matching fs.ErrNotExist. Neither ever holds
// any of the file's content.
func ReadFile(ctx context.Context, root, name string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resolved, err := filepath.EvalSymlinks(name)
	if err != nil {
		return nil, err
	}
	if root != "" {
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil {
			return nil, err
		}
		if !within(realRoot, resolved) {
			return nil, &refusal{fmt.Sprintf("it resolves to %s, outside %s", resolved, root), ErrOutsideRoot}
		}
	}
	// Stat before opening: opening a FIFO blocks until a writer comes, and
	// opening a device can have effects of its own.
	fi, err := os.Stat(resolved)
	if err != nil {
		return nil, err
	}
	if err := check(fi, limit); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(resolved, openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The path may have been replaced between the stat and the open.
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := check(fi, limit); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(&ctxReader{ctx: ctx, r: io.LimitReader(f, limit+1)})
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(limit)
	}
	return data, nil
}

func check(fi fs.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return &refusal{fmt.Sprintf("it is a %s, not a regular file", kindOf(fi.Mode())), ErrNotRegular}
	}
	if fi.Size() > limit {
		return tooLarge(limit)
	}
	return nil
}

func tooLarge(limit int64) error {
	return &refusal{fmt.Sprintf("it is larger than the %s limit", Size(limit)), ErrTooLarge}
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// Size writes a byte count the way limits are stated: "1 MiB", "64 KiB",
// or plain bytes when it is not a whole number of either.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// within reports whether p is root or inside it; both are resolved paths.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// ctxReader stops a read once the context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) > readChunk {
		p = p[:readChunk]
	}
	return c.r.Read(p)
}
