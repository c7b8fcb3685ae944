//go:build !unix

package builder

import "os/exec"

// setProcessGroup leaves cmd as it is: outside Unix, cancellation kills only
// the direct child.
func setProcessGroup(cmd *exec.Cmd) {}
