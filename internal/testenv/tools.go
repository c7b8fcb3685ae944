package testenv

import (
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
	if err == nil {
		return p
	}
	if v := os.Getenv(RequireToolsEnv); v != "" && v != "0" {
		t.Fatalf("%s is not on PATH and %s=%s: install it; this end-to-end test needs the real tool", name, RequireToolsEnv, v)
	}
	t.Skipf("%s is not on PATH; this end-to-end test needs the real tool (set %s=1 to make this a failure)", name, RequireToolsEnv)
	return ""
}
