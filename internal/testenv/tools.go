package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RequireToolsEnv makes a missing build tool (uv, poetry, pnpm, python3.12,
// ...) fail the end-to-end tests that need it instead of skipping them;
// .ci/run sets it so that CI never silently skips them.
const RequireToolsEnv = "LAMB_REQUIRE_TOOLS"

// ToolsRequired reports whether RequireToolsEnv is set.
func ToolsRequired() bool {
	v := os.Getenv(RequireToolsEnv)
	return v != "" && v != "0"
}

// NeedTool returns the path of the executable name on PATH. It skips the
// test when there is none, unless LAMB_REQUIRE_TOOLS is set, when it fails
// it. A pythonX.Y must also run: a version manager's shim may be on PATH
// for a version it has not activated.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil && strings.HasPrefix(name, "python") {
		err = exec.CommandContext(t.Context(), p, "--version").Run()
	}
	if err != nil {
		ToolMissing(t, "%s: %v; this end-to-end test needs the real tool", name, err)
	}
	return p
}

// ToolMissing skips the test with the message, or fails it when
// LAMB_REQUIRE_TOOLS is set: for a tool on PATH that does not run (a
// version manager's shim for a version it has not activated).
func ToolMissing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if ToolsRequired() {
		t.Fatalf("%s, and %s=%s: install it", msg, RequireToolsEnv, os.Getenv(RequireToolsEnv))
	}
	t.Skipf("%s (set %s=1 to make this a failure)", msg, RequireToolsEnv)
}
