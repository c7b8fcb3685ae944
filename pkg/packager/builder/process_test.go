//go:build unix

package builder

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// processAlive reports whether pid names a running process; a zombie (exited,
// not yet reaped by whoever adopted it) counts as gone.
func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// No /proc (macOS): the signal check is all there is.
		return true
	}
	// The state follows the parenthesised command name: "pid (comm) S ...".
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
