//go:build !linux && !darwin && !freebsd && !netbsd

package packager

import "io/fs"

// inodeAndCtime returns zeros where the platform's stat has no inode or
// change time: there the cache keys on path, size, mtime and mode only.
func inodeAndCtime(fs.FileInfo) (uint64, int64) { return 0, 0 }
