//go:build unix

package safefile

import "syscall"

// openNonblock keeps open(2) from waiting for a writer when a named pipe
// takes a file's place between the check and the open.
const openNonblock = syscall.O_NONBLOCK
