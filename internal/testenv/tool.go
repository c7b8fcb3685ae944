package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv names the variable that, set to 1, makes NeedTool fail
// the test rather than skip it; CI sets it so that no end-to-end test is
// silently skipped there.
const RequireToolsEnv = "LAMB_REQUIRE_TOOLS"

// NeedTool returns the path of the named program on PATH for a test that
// runs the real tool. When it is missing the test is skipped, or fails
// when LAMB_REQUIRE_TOOLS=1.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv(RequireToolsEnv) == "1" {
		t.Fatalf("%s is not on PATH, and %s=1 requires every tool: install it", name, RequireToolsEnv)
	}
	t.Skipf("%s is not on PATH; this end-to-end test needs the real tool (set %s=1 to fail instead)", name, RequireToolsEnv)
	return ""
}
