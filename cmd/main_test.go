package cmd

import (
	"os"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// TestMain stops the AWS emulator the deploy commands' tests start. The
// tests run outside any CI system even in CI: lamb would add annotations
// and job summaries to what they check.
func TestMain(m *testing.M) {
	for _, k := range []string{"GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_WORKSPACE", "CI_PROJECT_DIR"} {
		_ = os.Unsetenv(k)
	}
	testenv.Main(m)
}
