package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// NeedTool returns the path of the named program on PATH. When it is
// missing the test is skipped, so a developer without the tool can still run
// the rest, unless LAMB_REQUIRE_TOOLS=1 (as CI sets it): then it fails.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("LAMB_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s is not on PATH and LAMB_REQUIRE_TOOLS=1: install it to run this end-to-end test", name)
	}
	t.Skipf("%s is not on PATH; this end-to-end test needs the real tool (set LAMB_REQUIRE_TOOLS=1 to fail instead)", name)
	return ""
}
