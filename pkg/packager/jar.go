package packager

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxInflatedJar bounds how much of a compressed nested jar is inflated in
// memory to read its directory; larger ones are not searched.
const maxInflatedJar = 256 << 20

// JarHasClass reports whether a jar inside the bundle zip at zipPath holds
// class, a class file path such as "com/example/Handler.class". A Java
// handler may live in lib/*.jar, and a manifest's file list does not look
// inside jars. Each jar's central directory is read from the bundle in
// place when stored, or inflated in memory up to maxInflatedJar when
// deflated (a larger one is skipped). A bundle without jars holds no class
// in one: false, nil.
func JarHasClass(zipPath, class string) (bool, error) {
	if zipPath == "" {
		return false, errors.New("the manifest names no zip")
	}
	file, err := os.Open(zipPath)
	if err != nil {
		return false, fmt.Errorf("open bundle: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return false, fmt.Errorf("open bundle: %w", err)
	}
	outer, err := zip.NewReader(file, st.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return false, fmt.Errorf("read bundle %s: %w", zipPath, err)
	}
	for _, e := range outer.File {
		if !strings.HasSuffix(e.Name, ".jar") {
			continue
		}
		inner, err := openNestedZip(file, e)
		if err != nil {
			return false, fmt.Errorf("read %s: %w", e.Name, err)
		}
		if inner == nil {
			continue
		}
		for _, ie := range inner.File {
			if ie.Name == class {
				return true, nil
			}
		}
	}
	return false, nil
}

// openNestedZip reads the directory of a zip stored inside another: a stored
// entry is read in place; a deflated one is inflated in memory up to
// maxInflatedJar (nil, nil beyond that).
func openNestedZip(outer io.ReaderAt, e *zip.File) (*zip.Reader, error) {
	size := int64(e.UncompressedSize64)
	if e.Method == zip.Store {
		off, err := e.DataOffset()
		if err != nil {
			return nil, err
		}
		r, err := zip.NewReader(io.NewSectionReader(outer, off, size), size)
		if errors.Is(err, zip.ErrInsecurePath) {
			err = nil
		}
		return r, err
	}
	if size > maxInflatedJar {
		return nil, nil
	}
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxInflatedJar+1))
	if err != nil {
		return nil, err
	}
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil
	}
	return r, err
}
