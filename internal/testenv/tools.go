package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// NeedTool skips the test when the named tool is not on PATH, so a
// developer without it still runs the rest; with LAMB_REQUIRE_TOOLS=1 (as
// CI sets it) a missing tool fails the test instead, so no end-to-end test
// passes by not running.
func NeedTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	if os.Getenv("LAMB_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is not on PATH and LAMB_REQUIRE_TOOLS=1: install it to run this end-to-end test", name)
	}
	t.Skipf("%s is not on PATH; this end-to-end test needs the real tool (LAMB_REQUIRE_TOOLS=1 makes this a failure)", name)
}
