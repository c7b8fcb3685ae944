package config_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
)

// The ranges lamb.yaml names for a value it cannot hold must be the ones
// 'lamb check' enforces.
func TestOutOfRangeProblemsNameTheQuotas(t *testing.T) {
	t.Parallel()
	q := limits.DefaultQuotas()
	tests := []struct {
		field    string
		min, max string
		unit     string
	}{
		{"memory", limits.QuotaMemoryMin, limits.QuotaMemoryMax, "MB"},
		{"ephemeralStorage", limits.QuotaEphemeralStorageMin, limits.QuotaEphemeralStorageMax, "MB"},
		{"timeout", limits.QuotaTimeoutMin, limits.QuotaTimeoutMax, "seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			doc := "functions:\n  api:\n    " + tt.field + ": 2147483648\n"
			_, err := config.Parse(context.Background(), []byte(doc), "lamb.yaml", config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
			want := fmt.Sprintf("%s must be %d–%d %s", tt.field, q.Value(tt.min), q.Value(tt.max), tt.unit)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("got %v, want a problem saying %q", err, want)
			}
		})
	}
	long := strings.Repeat("f", int(q.Value(limits.QuotaFunctionNameLength)))
	for key, ok := range map[string]bool{long: true, long + "f": false} {
		_, err := config.Parse(context.Background(), []byte("functions:\n  "+key+": {}\n"), "lamb.yaml", config.LoadOptions{})
		if (err == nil) != ok {
			t.Errorf("a function key of %d characters: err = %v, want accepted = %v", len(key), err, ok)
		}
	}
}
