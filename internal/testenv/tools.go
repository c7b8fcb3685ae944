package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv makes a missing build tool (uv, poetry, pnpm, ...) fail
// the end-to-end tests that need it instead of skipping them; .ci/run sets
// it so that CI never silently skips them.
const RequireToolsEnv = "LAMB_REQUIRE_TOOLS"

// NeedTool returns the path of the executable name on PATH. It skips the
// test when there is none, unless LAMB_REQUIRE_TOOLS is set, when it fails it.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		ToolMissing(t, "%s is not on PATH; this end-to-end test needs the real tool", name)
	}
	return p
}

// ToolMissing skips the test with the message, or fails it when
// LAMB_REQUIRE_TOOLS is set: for a tool on PATH that does not run (a
// version manager's shim for a version it has not activated).
func ToolMissing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if v := os.Getenv(RequireToolsEnv); v != "" && v != "0" {
		t.Fatalf("%s, and %s=%s: install it", msg, RequireToolsEnv, v)
	}
	t.Skipf("%s (set %s=1 to make this a failure)", msg, RequireToolsEnv)
}
