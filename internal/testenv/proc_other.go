//go:build !linux

package testenv

import "os/exec"

// configureProcess leaves the process as it is: process groups and parent-death
// signals are Linux features here, and moto_server is a single process.
func configureProcess(cmd *exec.Cmd) {}

// killProcess kills moto_server.
func killProcess(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
