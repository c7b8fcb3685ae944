package packager_test

import (
	"testing"

	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
)

// The packager cannot import the quota table (pkg/limits reads its
// manifests), so its copy of the unzipped limit is checked against it here.
func TestUnzippedLimitMatchesTheQuotaTable(t *testing.T) {
	t.Parallel()
	if got := limits.DefaultQuotas().Value(limits.QuotaUnzippedSize); got != packager.LambdaUnzippedLimit {
		t.Errorf("quota table says %d bytes, packager.LambdaUnzippedLimit is %d", got, packager.LambdaUnzippedLimit)
	}
}
