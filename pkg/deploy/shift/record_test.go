package shift

import (
	"strings"
	"testing"
	"time"
)

func TestRecordRoundTrip(t *testing.T) {
	since := time.Date(2025, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		rec  record
		want string
	}{
		{"canary", record{current: "3", target: "4", strategy: strategy(t, "canary:10%:5m"), step: 1, steps: 2, since: since, previous: "2"},
			"lamb: shifting 3->4 canary:10%:5m step 1/2 since 2025-01-02T15:04:05Z (previous=2)"},
		{"no previous", record{current: "1", target: "2", strategy: strategy(t, "linear:2.5%:30s"), step: 40, steps: 40, since: since},
			"lamb: shifting 1->2 linear:2.5%:30s step 40/40 since 2025-01-02T15:04:05Z"},
		{"predefined", record{current: "9", target: "10", strategy: strategy(t, "LambdaLinear10PercentEvery1Minute"), step: 3, steps: 10, since: since, previous: "8"},
			"lamb: shifting 9->10 CodeDeployDefault.LambdaLinear10PercentEvery1Minute step 3/10 since 2025-01-02T15:04:05Z (previous=8)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rec.String()
			if got != tt.want {
				t.Fatalf("String = %q, want %q", got, tt.want)
			}
			back, ok, err := parseRecord(got)
			if err != nil || !ok {
				t.Fatalf("parseRecord = %v, %v", ok, err)
			}
			if back.String() != got {
				t.Errorf("round trip gave %q", back.String())
			}
		})
	}
}

// TestRecordFitsTheDescription checks the longest record lamb can write
// against Lambda's 256-character limit on alias descriptions.
func TestRecordFitsTheDescription(t *testing.T) {
	long := strings.Repeat("9", 10)
	rec := record{current: long, target: long, strategy: strategy(t, "linear:0.01%:1000h"), step: 10000, steps: 10000,
		since: time.Now(), previous: long}
	if n := len(rec.String()); n > maxAliasDescription {
		t.Errorf("record is %d characters, over Lambda's %d: %s", n, maxAliasDescription, rec)
	}
	if n := len(undoneRecord(long, long)); n > maxAliasDescription {
		t.Errorf("rolled-back record is %d characters", n)
	}
}

func TestParseRecord(t *testing.T) {
	tests := []struct {
		desc    string
		ok      bool
		wantErr string
	}{
		{"lamb: previous=3", false, ""},
		{"", false, ""},
		{"orders live alias", false, ""},
		{"lamb: shifting 1->2", true, "does not parse"},
		{"lamb: shifting 1->2 canary:0%:5m step 1/2 since 2025-01-02T15:04:05Z", true, "must be above 0%"},
		{"lamb: shifting 1->2 canary:10%:5m step 3/2 since 2025-01-02T15:04:05Z", true, "step 3/2 does not fit"},
		{"lamb: shifting 1->2 canary:10%:5m step 1/3 since 2025-01-02T15:04:05Z", true, "step 1/3 does not fit"},
		{"lamb: shifting 1->2 canary:10%:5m step 1/2 since yesterday", true, `bad time "yesterday"`},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, ok, err := parseRecord(tt.desc)
			if ok != tt.ok {
				t.Errorf("ok = %v, want %v", ok, tt.ok)
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
