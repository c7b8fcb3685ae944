//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openFlags never block in open: should a FIFO be swapped in after the
// stat, the open returns at once and the second check refuses it.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
