//go:build !unix

package safefile

// openNonblock is only needed where named pipes live in the file system.
const openNonblock = 0
