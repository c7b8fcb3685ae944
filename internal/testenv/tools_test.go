package testenv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// TestNeedTool checks the contract CI relies on: a missing tool skips the
// test, unless LAMB_REQUIRE_TOOLS is set, when it fails it.
func TestNeedTool(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "lamb-test-tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	if got := testenv.NeedTool(t, "lamb-test-tool"); got != tool {
		t.Errorf("NeedTool = %q, want %q", got, tool)
	}
	tests := []struct {
		require  string
		wantFail bool
	}{
		{"", false},
		{"0", false},
		{"1", true},
	}
	for _, tt := range tests {
		t.Run("require="+tt.require, func(t *testing.T) {
			t.Setenv(testenv.RequireToolsEnv, tt.require)
			rec := &recordingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				testenv.NeedTool(rec, "lamb-missing-tool")
				rec.returned = true
			}()
			<-done
			if rec.returned {
				t.Fatal("NeedTool returned for a missing tool")
			}
			if got := rec.failed != ""; got != tt.wantFail {
				t.Errorf("failed = %v (%q), want %v; skipped with %q", got, rec.failed, tt.wantFail, rec.skipped)
			}
			if msg := rec.failed + rec.skipped; !strings.Contains(msg, "lamb-missing-tool") || !strings.Contains(msg, testenv.RequireToolsEnv) {
				t.Errorf("message %q names neither the tool nor %s", msg, testenv.RequireToolsEnv)
			}
		})
	}
}
