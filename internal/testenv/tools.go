package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// NeedTool skips t when the program name is not on PATH, since a
// developer's machine may lack a build tool an end-to-end test runs. With
// LAMB_REQUIRE_TOOLS=1 (as CI sets it) a missing tool fails the test, so
// CI never passes by skipping.
func NeedTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("LAMB_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is not on PATH and LAMB_REQUIRE_TOOLS=1: install it to run this end-to-end test", name)
		}
		t.Skipf("%s is not on PATH; this end-to-end test needs the real tool (set LAMB_REQUIRE_TOOLS=1 to fail instead)", name)
	}
}
