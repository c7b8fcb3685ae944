package packager

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/klauspost/compress/gzip"

	"github.com/lambcli/lamb/internal/safefile"
)

// LambdaUnzippedLimit is the most bytes a function's code may take unzipped:
// Lambda rejects larger code with "Unzipped size must be smaller than
// 262144000 bytes" (the 250 MB deployment package quota). pkg/limits carries
// the same value in its quota table; this package cannot import that table
// because pkg/limits reads packager manifests.
const LambdaUnzippedLimit = 262_144_000

// MaxArtifactBytes is how far a package.artifact may expand while it is
// unpacked: Lambda's limit, plus a quarter for the files .lambignore and
// package.exclude drop afterwards, which still have to be unpacked first.
const MaxArtifactBytes = LambdaUnzippedLimit + LambdaUnzippedLimit/4

const (
	// maxEntries is what a zip holds without zip64, which lamb check
	// reports as a limit.
	maxEntries = 65535
	// maxArtifactEntries bounds the files, folders (implied ones too) and
	// links of an artifact: a bundle holds at most maxEntries, and an
	// artifact may carry some that are dropped.
	maxArtifactEntries = 4 * maxEntries
	// maxLinkHops is how many symlinks one target may pass through, as on
	// Linux; more means a loop.
	maxLinkHops = 40
	// maxPathLen bounds entry names and symlink targets, as PATH_MAX does
	// on Linux: the unpacked function could not use longer ones.
	maxPathLen = 4096
)

// LimitError reports an artifact that unpacks to more bytes than a Lambda
// function can hold. Reading stops at Entry, before its data is written.
type LimitError struct {
	Entry string // the entry, as named in the archive
	Limit int64  // the bytes the artifact may unpack to
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("entry %q takes the unpacked artifact past %d bytes, while Lambda runs at most %d bytes unzipped: leave files out of the artifact or move them to a layer",
		e.Entry, e.Limit, LambdaUnzippedLimit)
}

// unpackLimits bound what an artifact may unpack to.
type unpackLimits struct {
	bytes   int64 // file data, hard links counting as copies
	entries int   // files, folders (implied ones too) and links
}

// artifactLimits are the limits for a package.artifact.
func artifactLimits() unpackLimits {
	return unpackLimits{bytes: MaxArtifactBytes, entries: maxArtifactEntries}
}

// errOutside is the reason for names and links that leave the archive.
var errOutside = errors.New("points outside the archive")

// extractArchive unpacks a ready .zip, .jar or .tar(.gz) into dest, so that
// it is packaged like any folder: same selection, modes, symlink rules and
// deterministic rewrite. Artifacts come from pull requests as often as from
// trusted builds, so entries are read as data and never followed: every
// path is resolved beneath dest without following links, links are made
// last and only when their targets stay inside the archive, and the
// unpacked size stops at lim.bytes with a *LimitError.
func extractArchive(ctx context.Context, archivePath, dest string, lim unpackLimits) error {
	_, err := extractArtifact(ctx, archivePath, dest, lim)
	return err
}

// extractArtifact is extractArchive that also returns the zip entry names
// written with Windows backslashes, which were unpacked with / instead.
func extractArtifact(ctx context.Context, archivePath, dest string, lim unpackLimits) (backslashed []string, err error) {
	f, err := os.Open(archivePath)
	if err != nil {
		return nil, fmt.Errorf("open artifact %s: %w", archivePath, err)
	}
	defer f.Close()
	backslashed, err = unpack(ctx, f, dest, lim)
	if err != nil {
		return nil, fmt.Errorf("unpack artifact %s: %w", archivePath, err)
	}
	return backslashed, nil
}

func unpack(ctx context.Context, f *os.File, dest string, lim unpackLimits) ([]string, error) {
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	u := &unpacker{ctx: ctx, root: root, limits: lim, entries: map[string]*unpacked{}, top: &unpacked{kind: kindDir}}
	if err := u.read(f); err != nil {
		return nil, err
	}
	return u.backslashed, u.makeLinks()
}

// unpacker writes one archive's entries beneath root.
type unpacker struct {
	ctx     context.Context
	root    *os.Root
	limits  unpackLimits
	size    int64                // bytes the entries so far unpack to
	entries map[string]*unpacked // by clean name, folders implied by other entries included
	top     *unpacked            // the archive's root folder
	links   []*unpacked          // made once every entry is known
	buf     []byte
	// backslashed are the zip entry names, as stored, that used \ as the
	// folder separator and were unpacked with / instead.
	backslashed []string
}

// unpacked is one entry of the archive, a node of its tree.
type unpacked struct {
	name     string // as in the archive, for messages
	clean    string // slash separated, relative, no trailing slash
	kind     entryKind
	implied  bool   // a folder only known as the parent of other entries
	link     string // a symlink's target as stored
	hardLink string // a hard link's file, by clean name
	size     int64

	parent   *unpacked
	children map[string]*unpacked // folders: entries by base name
	target   *resolved            // symlinks: where the target leads, once followed
}

// resolved is where a symlink's target leads inside the archive: a folder,
// then virtual more parts that name nothing in it.
type resolved struct {
	at      *unpacked
	virtual int
	err     error
}

// header is what the unpacker needs from a zip or tar entry header.
type header struct {
	name     string
	mode     fs.FileMode
	size     uint64
	link     string // symlink target
	hardLink string // tar hard link: the name of an earlier entry
}

// read takes the archive for a tar.gz, a tar or a zip by its content.
func (u *unpacker) read(f *os.File) error {
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			return err
		}
		return u.readTar(tar.NewReader(gz))
	case len(head) > 262 && string(head[257:262]) == "ustar":
		return u.readTar(tar.NewReader(bufio.NewReaderSize(f, 1<<16)))
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, st.Size())
	switch {
	case errors.Is(err, zip.ErrFormat):
		return errors.New("not a .zip, .jar or .tar.gz archive; point package.artifact at one")
	case err != nil && !errors.Is(err, zip.ErrInsecurePath): // names are checked here
		return err
	}
	return u.readZip(zr)
}

func (u *unpacker) readZip(zr *zip.Reader) error {
	// The central directory declares every size up front: a zip bomb is
	// refused before anything is written.
	var declared uint64
	for _, f := range zr.File {
		if f.Mode().IsDir() {
			continue
		}
		declared += min(f.UncompressedSize64, math.MaxInt64)
		if declared > uint64(u.limits.bytes) {
			return &LimitError{Entry: f.Name, Limit: u.limits.bytes}
		}
	}
	for _, f := range zr.File {
		h := header{name: f.Name, mode: f.Mode(), size: f.UncompressedSize64}
		// The zip format's separator is /, but PowerShell 5's
		// Compress-Archive writes \: kept, lib\win.txt would be one file
		// named so at the root on Lambda. The turned name goes through the
		// same checks as any other, so ..\x is refused like ../x.
		if strings.Contains(h.name, `\`) {
			u.backslashed = append(u.backslashed, h.name)
			h.name = strings.ReplaceAll(h.name, `\`, "/")
		}
		if h.mode.Type() == fs.ModeSymlink {
			target, err := readZipLink(f)
			if err != nil {
				return err
			}
			h.link = target
		}
		err := u.entry(h, func() (io.ReadCloser, error) { return f.Open() })
		if err != nil {
			return err
		}
	}
	return nil
}

// readZipLink reads a zip symlink's target, which is its data.
func readZipLink(f *zip.File) (string, error) {
	if f.UncompressedSize64 > maxPathLen {
		return "", fmt.Errorf("symlink entry %q has a target longer than %d bytes; rebuild the artifact without it", f.Name, maxPathLen)
	}
	r, err := f.Open()
	if err != nil {
		return "", fmt.Errorf("read entry %q: %w", f.Name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxPathLen))
	if err != nil {
		return "", fmt.Errorf("read entry %q: %w", f.Name, err)
	}
	return string(b), nil
}

func (u *unpacker) readTar(tr *tar.Reader) error {
	for {
		if err := u.ctx.Err(); err != nil {
			return err
		}
		th, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return fmt.Errorf("read the tar stream: %w", err)
		}
		if th.Typeflag == tar.TypeXGlobalHeader {
			continue // archive-wide metadata, e.g. git archive's commit id
		}
		// The kind comes from the type flag alone: the mode field's type
		// bits may say otherwise in a hostile archive.
		h := header{name: th.Name, mode: fs.FileMode(th.Mode).Perm(), size: uint64(max(th.Size, 0))}
		switch th.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse, tar.TypeCont:
		case tar.TypeDir:
			h.mode |= fs.ModeDir
		case tar.TypeSymlink:
			h.mode, h.size, h.link = h.mode|fs.ModeSymlink, 0, th.Linkname
		case tar.TypeLink:
			h.size, h.hardLink = 0, th.Linkname
		case tar.TypeChar:
			h.mode |= fs.ModeDevice | fs.ModeCharDevice
		case tar.TypeBlock:
			h.mode |= fs.ModeDevice
		case tar.TypeFifo:
			h.mode |= fs.ModeNamedPipe
		default:
			h.mode |= fs.ModeIrregular
		}
		if err := u.entry(h, func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }); err != nil {
			return err
		}
	}
}

// entry writes one entry, or records it when it is a link.
func (u *unpacker) entry(h header, open func() (io.ReadCloser, error)) error {
	if err := u.ctx.Err(); err != nil {
		return err
	}
	clean, err := cleanEntryName(h.name)
	if err != nil {
		return fmt.Errorf("entry %q %w; rebuild the artifact with plain relative names", h.name, err)
	}
	e := &unpacked{name: h.name, clean: clean}
	switch {
	case h.hardLink != "":
		e.kind = kindFile
	case h.mode.Type() == fs.ModeDir:
		e.kind = kindDir
	case h.mode.Type() == fs.ModeSymlink:
		e.kind = kindSymlink
	case h.mode.Type() == 0:
		e.kind = kindFile
	default:
		return fmt.Errorf("entry %q is %s, not a file, folder or symlink; rebuild the artifact without it", h.name, safefile.KindOf(h.mode))
	}
	if clean == "" {
		if e.kind == kindDir {
			return nil // the archive's own root
		}
		return fmt.Errorf("entry %q has no name; rebuild the artifact without it", h.name)
	}
	if done, err := u.claim(e); done || err != nil {
		return err
	}
	switch {
	case e.kind == kindDir:
		return u.root.MkdirAll(clean, 0o755)
	case e.kind == kindSymlink:
		if err := checkLinkTarget(h.link); err != nil {
			return fmt.Errorf("symlink entry %q -> %q %w; rebuild the artifact without it", h.name, h.link, err)
		}
		e.link = h.link
		u.links = append(u.links, e)
		return u.charge(e, uint64(len(h.link)))
	case h.hardLink != "":
		return u.hardLink(e, h.hardLink)
	}
	if err := u.charge(e, h.size); err != nil {
		return err
	}
	if err := u.writeFile(e, h, open); err != nil {
		return fmt.Errorf("unpack entry %q: %w", h.name, err)
	}
	return nil
}

// cleanEntryName turns an entry's name into a clean relative slash path;
// "" is the archive's root. Absolute names, ".." parts and NUL bytes are
// errors: no tool that builds a bundle writes them.
func cleanEntryName(name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", errors.New("has a NUL byte in its name")
	}
	if len(name) > maxPathLen {
		return "", fmt.Errorf("has a name longer than %d bytes", maxPathLen)
	}
	if strings.HasPrefix(name, "/") || filepath.IsAbs(name) {
		return "", errOutside
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", errOutside
		}
	}
	clean := path.Clean(name)
	if clean == "." {
		return "", nil
	}
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", errOutside
	}
	return clean, nil
}

// checkLinkTarget rejects symlink targets that leave the archive whatever
// else it holds; makeLinks checks the rest once every entry is known.
func checkLinkTarget(target string) error {
	switch {
	case target == "":
		return errors.New("has no target")
	case strings.IndexByte(target, 0) >= 0:
		return errors.New("has a NUL byte in its target")
	case len(target) > maxPathLen:
		return fmt.Errorf("has a target longer than %d bytes", maxPathLen)
	case strings.HasPrefix(target, "/") || filepath.IsAbs(target) || filepath.VolumeName(target) != "":
		return fmt.Errorf("is absolute, so it %w", errOutside)
	}
	return nil
}

// claim records e under its clean name. No entry may lie inside a file or
// symlink entry, and no name may come twice (folders aside): that is how a
// hostile archive writes through a link, or swaps a checked entry for
// another. done reports a folder already known.
func (u *unpacker) claim(e *unpacked) (done bool, err error) {
	parent, err := u.folder(path.Dir(e.clean), e)
	if err != nil {
		return false, err
	}
	old := u.entries[e.clean]
	switch {
	case old == nil:
		return false, u.adopt(parent, e)
	case old.kind == kindDir && e.kind == kindDir:
		return true, nil
	case old.implied:
		return false, fmt.Errorf("entry %q is a %s, but earlier entries lie inside it; rebuild the artifact without one of them", e.name, kindWord(e))
	}
	return false, fmt.Errorf("entry %q comes twice in the artifact (a %s, then a %s); rebuild the artifact with one of them", e.name, kindWord(old), kindWord(e))
}

// folder returns the folder dir ("." is the root) that e lies in, adding
// the folders only implied by e's name.
func (u *unpacker) folder(dir string, e *unpacked) (*unpacked, error) {
	if dir == "." {
		return u.top, nil
	}
	if d := u.entries[dir]; d != nil {
		if d.kind != kindDir {
			return nil, fmt.Errorf("entry %q lies inside %q, which is a %s in the artifact; rebuild the artifact without one of them", e.name, d.name, kindWord(d))
		}
		return d, nil
	}
	parent, err := u.folder(path.Dir(dir), e)
	if err != nil {
		return nil, err
	}
	d := &unpacked{name: dir, clean: dir, kind: kindDir, implied: true}
	return d, u.adopt(parent, d)
}

// adopt adds e to the tree under parent.
func (u *unpacker) adopt(parent, e *unpacked) error {
	if len(u.entries) >= u.limits.entries {
		return fmt.Errorf("the artifact has more than %d files, folders and links; a bundle holds at most %d: leave files out of the artifact", u.limits.entries, maxEntries)
	}
	u.entries[e.clean] = e
	e.parent = parent
	if parent.children == nil {
		parent.children = map[string]*unpacked{}
	}
	parent.children[path.Base(e.clean)] = e
	return nil
}

func kindWord(e *unpacked) string {
	switch {
	case e.kind == kindDir:
		return "folder"
	case e.kind == kindSymlink:
		return "symlink"
	case e.hardLink != "":
		return "hard link"
	}
	return "file"
}

// charge adds n bytes to the unpacked size before they are written. Every
// entry's data is then held to its declared size while it is copied, so
// the bytes actually written never pass the limit either.
func (u *unpacker) charge(e *unpacked, n uint64) error {
	if n > uint64(u.limits.bytes-u.size) {
		return &LimitError{Entry: e.name, Limit: u.limits.bytes}
	}
	u.size += int64(n)
	e.size = int64(n)
	return nil
}

// hardLink records a tar hard link to an earlier file of the archive; the
// bundle holds the file's bytes twice, so they count twice.
func (u *unpacker) hardLink(e *unpacked, target string) error {
	clean, err := cleanEntryName(target)
	if err == nil && clean == "" {
		err = errOutside
	}
	if err != nil {
		return fmt.Errorf("hard link entry %q -> %q %w; rebuild the artifact without it", e.name, target, err)
	}
	t := u.entries[clean]
	if t == nil || t == e || t.kind != kindFile {
		return fmt.Errorf("hard link entry %q -> %q does not point to a file earlier in the artifact; rebuild the artifact without it", e.name, target)
	}
	e.hardLink = clean
	if t.hardLink != "" {
		e.hardLink = t.hardLink
	}
	u.links = append(u.links, e)
	return u.charge(e, uint64(t.size))
}

func (u *unpacker) writeFile(e *unpacked, h header, open func() (io.ReadCloser, error)) error {
	if dir := path.Dir(e.clean); dir != "." {
		if err := u.root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	r, err := open()
	if err != nil {
		return err
	}
	defer r.Close()
	out, err := u.root.OpenFile(e.clean, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if u.buf == nil {
		u.buf = make([]byte, streamChunk)
	}
	err = copyEntry(u.ctx, out, r, e.size, u.buf)
	// Keep the archive's permission bits (they decide the stored mode);
	// lamb itself must still be able to read the file.
	if err == nil {
		err = out.Chmod(h.mode.Perm() | 0o400)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// copyEntry copies exactly size bytes from r to w, checking ctx between
// chunks. Data beyond the declared size is an error, not a longer file.
func copyEntry(ctx context.Context, w io.Writer, r io.Reader, size int64, buf []byte) error {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, rerr := r.Read(buf)
		if m > 0 {
			if n += int64(m); n > size {
				return fmt.Errorf("it holds more than the %d bytes its header declares", size)
			}
			if _, err := w.Write(buf[:m]); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if n != size {
		return fmt.Errorf("it holds %d bytes, not the %d its header declares", n, size)
	}
	return nil
}

// makeLinks creates the hard links, then the symlinks, once every entry is
// known: a symlink's target may come later in the archive, and no link
// exists on disk while entries are written.
func (u *unpacker) makeLinks() error {
	for _, e := range u.links {
		if e.kind != kindSymlink {
			continue
		}
		if err := u.follow(e, 0).err; err != nil {
			return fmt.Errorf("symlink entry %q -> %q %w; rebuild the artifact without it", e.name, e.link, err)
		}
	}
	for _, symlinks := range []bool{false, true} {
		for _, e := range u.links {
			if (e.kind == kindSymlink) != symlinks {
				continue
			}
			if err := u.ctx.Err(); err != nil {
				return err
			}
			if dir := path.Dir(e.clean); dir != "." {
				if err := u.root.MkdirAll(dir, 0o755); err != nil {
					return fmt.Errorf("unpack entry %q: %w", e.name, err)
				}
			}
			var err error
			if symlinks {
				err = u.root.Symlink(e.link, e.clean)
			} else {
				err = u.root.Link(e.hardLink, e.clean)
			}
			if err != nil {
				return fmt.Errorf("unpack entry %q: %w", e.name, err)
			}
		}
	}
	// The file system has the last word (on a case-insensitive one, "LIB"
	// is "lib"): a link it resolves outside the folder is refused too.
	for _, e := range u.links {
		if e.kind == kindSymlink {
			if _, err := u.root.Stat(e.clean); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
				return fmt.Errorf("symlink entry %q -> %q does not resolve inside the archive (%w); rebuild the artifact without it", e.name, e.link, err)
			}
		}
	}
	return nil
}

// follow resolves a symlink entry's target through the archive's tree the
// way the kernel will through the unpacked links: ".." after a link climbs
// from where the link points, not from where it is. A target that climbs
// above the archive's root, or passes too many links, is an error. A target
// that does not exist is left to the walk, which reports it unless the link
// is excluded. Each link is followed once; hops counts the links passed on
// the way to this one.
func (u *unpacker) follow(l *unpacked, hops int) *resolved {
	if l.target != nil {
		return l.target
	}
	if hops > maxLinkHops {
		return &resolved{err: fmt.Errorf("passes more than %d links (a loop)", maxLinkHops)}
	}
	// Marks the link while its target is followed: meeting it again is a loop.
	l.target = &resolved{err: errors.New("leads back to itself (a loop)")}
	r := resolved{at: l.parent}
	for part := range strings.SplitSeq(l.link, "/") {
		switch {
		case part == "" || part == ".":
		case part == ".." && r.virtual > 0:
			r.virtual--
		case part == "..":
			if r.at == u.top {
				r.err = errOutside
			}
			r.at = r.at.parent
		case r.virtual > 0:
			r.virtual++
		default:
			switch c := r.at.children[part]; {
			case c == nil || c.kind == kindFile:
				r.virtual++
			case c.kind == kindSymlink:
				r = *u.follow(c, hops+1)
			default:
				r.at = c
			}
		}
		if r.err != nil {
			break
		}
	}
	l.target = &r
	return &r
}
