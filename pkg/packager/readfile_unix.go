//go:build unix

package packager

import (
	"io/fs"
	"syscall"
)

// readSmallFile reads up to size bytes of path into buf with plain system
// calls: os.Open would also query and register the descriptor with the
// network poller, which for thousands of small files costs more than the
// read itself.
func readSmallFile(path string, buf []byte, size int64) ([]byte, error) {
	fd, err := openNoEINTR(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	buf = buf[:size]
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break // the file shrank since the walk
		}
		n += m
	}
	return buf[:n], nil
}

func openNoEINTR(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}
