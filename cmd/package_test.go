package cmd

import (
	"fmt"
	"testing"

	"github.com/lambcli/lamb/pkg/packager"
)

// An artifact that unpacks past Lambda's size limit is a limit violation,
// however deep the packager wrapped it.
func TestArtifactLimitErrorsExit3(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("package api: unpack artifact app.zip: %w", &packager.LimitError{Entry: "big.bin", Limit: packager.MaxArtifactBytes})
	if code, hint := classify(err); code != ExitLimit || hint == "" {
		t.Errorf("classify = %d %q, want %d with a hint", code, hint, ExitLimit)
	}
}
