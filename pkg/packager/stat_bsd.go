//go:build darwin || freebsd || netbsd

package packager

import (
	"io/fs"
	"syscall"
)

// inodeAndCtime returns the inode number and change time (ns) of a file.
func inodeAndCtime(fi fs.FileInfo) (uint64, int64) {
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Ino), int64(sys.Ctimespec.Sec)*1e9 + int64(sys.Ctimespec.Nsec)
	}
	return 0, 0
}
