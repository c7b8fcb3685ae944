package testenv

import (
	"os/exec"
	"syscall"
)

// configureProcess puts moto in its own process group, so that stopping it also
// stops anything it started, and has the kernel kill it if the test binary dies
// without reaching Main's cleanup (a panic or a -timeout).
func configureProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killProcess kills moto's whole process group.
func killProcess(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
