package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// RequireToolsEnv makes a missing tool fail the tests that need it instead
// of skipping them; CI sets it so that no end-to-end test is silently skipped.
const RequireToolsEnv = "LAMB_REQUIRE_TOOLS"

// NeedTool skips the test when the program name is not on PATH, or fails
// it when RequireToolsEnv is 1.
func NeedTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv(RequireToolsEnv) == "1" {
			t.Fatalf("%s is not on PATH and %s=1: install it", name, RequireToolsEnv)
			return
		}
		t.Skipf("%s is not on PATH; this end-to-end test needs the real tool", name)
	}
}
