//go:build !unix

package packager

import (
	"io"
	"os"
)

// readSmallFile reads up to size bytes of path into buf; a file that shrank
// since the walk gives what is left.
func readSmallFile(path string, buf []byte, size int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n, err := io.ReadFull(f, buf[:size])
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:n], err
}
