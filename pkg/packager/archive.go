package packager

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mholt/archives"
)

// extractArchive unpacks a ready .zip, .jar or .tar.gz into dest, so that it
// is packaged like any folder: same selection, modes, symlink rules and
// deterministic rewrite. Entry names that would land outside dest are an
// error.
func extractArchive(ctx context.Context, archivePath, dest string) error {
	f, err := os.Open(archivePath)
	if err != nil {
		return fmt.Errorf("open artifact %s: %w", archivePath, err)
	}
	defer f.Close()
	format, stream, err := archives.Identify(ctx, archivePath, f)
	if err != nil {
		if errors.Is(err, archives.NoMatch) {
			return fmt.Errorf("read artifact %s: not a .zip, .jar or .tar.gz archive; point package.artifact at one", archivePath)
		}
		return fmt.Errorf("read artifact %s: %w", archivePath, err)
	}
	ex, ok := format.(archives.Extractor)
	if !ok {
		return fmt.Errorf("read artifact %s: %s files cannot be unpacked; use a .zip, .jar or .tar.gz", archivePath, format.Extension())
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return fmt.Errorf("unpack artifact %s: %w", archivePath, err)
	}
	err = ex.Extract(ctx, stream, func(ctx context.Context, fi archives.FileInfo) error {
		return extractEntry(archivePath, dest, fi)
	})
	if err != nil {
		return fmt.Errorf("unpack artifact %s: %w", archivePath, err)
	}
	return nil
}

func extractEntry(archivePath, dest string, fi archives.FileInfo) error {
	name := strings.TrimPrefix(filepath.ToSlash(fi.NameInArchive), "./")
	clean := path.Clean("/" + name)
	if strings.HasPrefix(name, "/") || strings.Contains("/"+name+"/", "/../") {
		return fmt.Errorf("entry %q points outside the archive; rebuild %s without absolute or .. paths", fi.NameInArchive, archivePath)
	}
	rel := strings.TrimPrefix(clean, "/")
	if rel == "" {
		return nil
	}
	target := filepath.Join(dest, filepath.FromSlash(rel))
	mode := fi.Mode()
	if mode.IsDir() {
		return os.MkdirAll(target, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	os.Remove(target) // a later entry with the same name wins
	if h, ok := fi.Header.(*tar.Header); ok && h.Typeflag == tar.TypeLink {
		linked := path.Clean("/" + strings.TrimPrefix(filepath.ToSlash(h.Linkname), "./"))
		if strings.Contains("/"+h.Linkname+"/", "/../") {
			return fmt.Errorf("hard link %q -> %q points outside the archive; rebuild %s without it", fi.NameInArchive, h.Linkname, archivePath)
		}
		return os.Link(filepath.Join(dest, filepath.FromSlash(strings.TrimPrefix(linked, "/"))), target)
	}
	switch {
	case mode&fs.ModeSymlink != 0:
		if fi.LinkTarget == "" {
			return fmt.Errorf("symlink %q has no target; rebuild %s without it", fi.NameInArchive, archivePath)
		}
		return os.Symlink(fi.LinkTarget, target)
	case mode.IsRegular():
		r, err := fi.Open()
		if err != nil {
			return err
		}
		defer r.Close()
		out, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, r); err != nil {
			out.Close()
			return err
		}
		// Keep the archive's permission bits (they decide the stored
		// mode); lamb itself must still be able to read the file.
		if err := out.Chmod(mode.Perm() | 0o400); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	return fmt.Errorf("entry %q is a %s, not a file, folder or symlink; rebuild %s without it", fi.NameInArchive, typeName(mode), archivePath)
}
