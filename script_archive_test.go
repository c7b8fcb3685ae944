package main

import (
	"archive/tar"
	"archive/zip"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/rogpeppe/go-internal/testscript"
)

// mkarchive writes an archive for a script, so that no hostile or huge
// fixture is committed:
//
//	mkarchive OUT ENTRY...
//
// OUT ends in .zip or .tar.gz. Each ENTRY is file:NAME:TEXT, dir:NAME,
// symlink:NAME:TARGET, hardlink:NAME:TARGET (tar only) or zeros:NAME:SIZE,
// a file of SIZE zero bytes that is streamed, so a size bomb costs no memory.
func mkarchive(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mkarchive OUT ENTRY...")
	}
	f, err := os.Create(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	var add func(kind, name, arg string) error
	var finish func() error
	if strings.HasSuffix(args[0], ".zip") {
		zw := zip.NewWriter(f)
		add = func(kind, name, arg string) error { return addZipEntry(zw, kind, name, arg) }
		finish = zw.Close
	} else {
		gz, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
		ts.Check(err)
		tw := tar.NewWriter(gz)
		add = func(kind, name, arg string) error { return addTarEntry(tw, kind, name, arg) }
		finish = func() error {
			if err := tw.Close(); err != nil {
				return err
			}
			return gz.Close()
		}
	}
	for _, spec := range args[1:] {
		kind, rest, _ := strings.Cut(spec, ":")
		name, arg, _ := strings.Cut(rest, ":")
		if err := add(kind, name, arg); err != nil {
			ts.Fatalf("mkarchive %s: %v", spec, err)
		}
	}
	ts.Check(finish())
}

func addZipEntry(zw *zip.Writer, kind, name, arg string) error {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate}
	body, size, err := entryBody(kind, arg)
	if err != nil {
		return err
	}
	switch kind {
	case "dir":
		h.Name = strings.TrimSuffix(name, "/") + "/"
		h.SetMode(os.ModeDir | 0o755)
	case "symlink":
		h.SetMode(os.ModeSymlink | 0o777)
	case "file", "zeros":
		h.SetMode(0o644)
	default:
		return errUsage
	}
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.CopyN(w, body, size)
	return err
}

func addTarEntry(tw *tar.Writer, kind, name, arg string) error {
	h := &tar.Header{Name: name, Mode: 0o644}
	body, size, err := entryBody(kind, arg)
	if err != nil {
		return err
	}
	switch kind {
	case "dir":
		h.Typeflag, h.Mode = tar.TypeDir, 0o755
	case "symlink":
		h.Typeflag, h.Linkname, size = tar.TypeSymlink, arg, 0
	case "hardlink":
		h.Typeflag, h.Linkname = tar.TypeLink, arg
	case "file", "zeros":
		h.Typeflag, h.Size = tar.TypeReg, size
	default:
		return errUsage
	}
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err = io.CopyN(tw, body, h.Size)
	return err
}

var errUsage = errors.New("unknown entry kind: use file, dir, symlink, hardlink or zeros")

// entryBody is what a file, zeros or zip symlink entry holds.
func entryBody(kind, arg string) (io.Reader, int64, error) {
	switch kind {
	case "zeros":
		n, err := strconv.ParseInt(arg, 10, 64)
		return zeroReader{}, n, err
	case "file", "symlink":
		return strings.NewReader(arg), int64(len(arg)), nil
	}
	return strings.NewReader(""), 0, nil
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
