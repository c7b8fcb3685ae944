package packager

import (
	"io/fs"
	"syscall"
)

// inodeAndCtime returns the inode number and change time (ns) of a file.
func inodeAndCtime(fi fs.FileInfo) (uint64, int64) {
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Ino), sys.Ctim.Sec*1e9 + sys.Ctim.Nsec
	}
	return 0, 0
}
