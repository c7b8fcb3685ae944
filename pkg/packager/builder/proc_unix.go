//go:build unix

package builder

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts cmd in its own process group and has cancellation
// kill the group, so that sh -c's children stop with it.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
