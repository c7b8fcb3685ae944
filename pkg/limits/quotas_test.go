package limits

import (
	"strings"
	"testing"
)

func TestDefaultQuotas(t *testing.T) {
	t.Parallel()
	q := DefaultQuotas()
	want := map[string]int64{
		QuotaZippedSize: 52428800, QuotaUnzippedSize: 262144000, QuotaZipEntries: 65535, QuotaEnvironmentSize: 4096,
		QuotaMemoryMin: 128, QuotaMemoryMax: 10240, QuotaTimeoutMin: 1, QuotaTimeoutMax: 900,
		QuotaEphemeralStorageMin: 512, QuotaEphemeralStorageMax: 10240, QuotaDescriptionLength: 256,
		QuotaHandlerLength: 128, QuotaFunctionNameLength: 64, QuotaAliasNameLength: 128,
		QuotaLayersPerFunction: 5, QuotaSecurityGroups: 5, QuotaSubnets: 16,
		QuotaTagKeyLength: 128, QuotaTagValueLength: 256,
	}
	if len(q) != len(want) {
		t.Errorf("table has %d quotas, want %d", len(q), len(want))
	}
	for name, v := range want {
		x, ok := q.Lookup(name)
		if !ok || x.Value != v || x.Source != SourceDefault || x.Unit == "" || x.Description == "" {
			t.Errorf("quota %s = %+v, want value %d from %q with unit and description", name, x, v, SourceDefault)
		}
	}
	// A partial table falls back to the defaults rather than disabling a check.
	if got := (Quotas{}).Value(QuotaMemoryMax); got != 10240 {
		t.Errorf("empty table memoryMax = %d, want the default 10240", got)
	}
}

func TestAccountLimitsChangeChecks(t *testing.T) {
	t.Parallel()
	// A raised account limit lets a bundle through that the default refuses.
	q := DefaultQuotas().WithAccountLimits(AccountLimit{CodeSizeUnzipped: 300000000})
	m := manifest(1000, 270000000)
	if fs := findingsOf(Check(Function{Key: "api"}, m, nil, q, today), "unzippedSize"); len(fs) != 0 {
		t.Errorf("with account limit 300000000: %v", fs)
	}
	if fs := findingsOf(Check(Function{Key: "api"}, m, nil, DefaultQuotas(), today), "unzippedSize"); len(fs) != 1 {
		t.Errorf("with default limit: want one finding, got %v", fs)
	}
	if !strings.Contains(DefaultQuotas()[0].Description, "smaller than") {
		t.Errorf("zippedSize description should say the limit is exclusive: %q", DefaultQuotas()[0].Description)
	}
}

func TestWithAccountLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		l                AccountLimit
		wantZip, wantRaw int64
		wantSource       string
	}{
		{"account answers", AccountLimit{CodeSizeZipped: 70000000, CodeSizeUnzipped: 300000000}, 70000000, 300000000, "GetAccountSettings (AccountLimit.CodeSizeZipped)"},
		{"zeros are unanswered", AccountLimit{}, 52428800, 262144000, SourceDefault},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := DefaultQuotas().WithAccountLimits(tt.l)
			z, _ := q.Lookup(QuotaZippedSize)
			if z.Value != tt.wantZip || z.Source != tt.wantSource {
				t.Errorf("zippedSize = %d from %q, want %d from %q", z.Value, z.Source, tt.wantZip, tt.wantSource)
			}
			if got := q.Value(QuotaUnzippedSize); got != tt.wantRaw {
				t.Errorf("unzippedSize = %d, want %d", got, tt.wantRaw)
			}
		})
	}
	// The default table is not changed in place.
	DefaultQuotas().WithAccountLimits(AccountLimit{CodeSizeZipped: 1})
	if got := DefaultQuotas().Value(QuotaZippedSize); got != 52428800 {
		t.Errorf("default zippedSize = %d after WithAccountLimits", got)
	}
}
