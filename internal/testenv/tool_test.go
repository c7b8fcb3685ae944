package testenv

import (
	"testing"
)

// toolT records how NeedTool ended a test.
type toolT struct {
	testing.TB
	skipped, failed bool
}

func (t *toolT) Helper()               {}
func (t *toolT) Skipf(string, ...any)  { t.skipped = true }
func (t *toolT) Fatalf(string, ...any) { t.failed = true }

func TestNeedTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	tests := []struct {
		require             string
		wantSkip, wantFatal bool
	}{
		{"", true, false},
		{"1", false, true},
	}
	for _, tt := range tests {
		t.Setenv(RequireToolsEnv, tt.require)
		rec := &toolT{TB: t}
		NeedTool(rec, "lamb-no-such-tool")
		if rec.skipped != tt.wantSkip || rec.failed != tt.wantFatal {
			t.Errorf("%s=%q: skipped %v, failed %v; want %v, %v", RequireToolsEnv, tt.require, rec.skipped, rec.failed, tt.wantSkip, tt.wantFatal)
		}
	}
}
