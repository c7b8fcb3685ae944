package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv makes a missing tool fail the tests that need it instead
// of skipping them; CI sets it.
const RequireToolsEnv = "LAMB_REQUIRE_TOOLS"

// ToolsRequired reports whether RequireToolsEnv is set.
func ToolsRequired() bool {
	v := os.Getenv(RequireToolsEnv)
	return v != "" && v != "0"
}

// NeedTool returns the path of the named tool on PATH, once `NAME
// --version` runs (a version manager's shim may be on PATH for a version it
// does not have). When it is missing the test skips, or fails under
// LAMB_REQUIRE_TOOLS=1.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		if err = exec.CommandContext(t.Context(), path, "--version").Run(); err == nil {
			return path
		}
	}
	if ToolsRequired() {
		t.Fatalf("%s: %v, and %s=1: install it", name, err, RequireToolsEnv)
	}
	t.Skipf("%s: %v; this test needs the real tool (set %s=1 to make this a failure)", name, err, RequireToolsEnv)
	return ""
}
