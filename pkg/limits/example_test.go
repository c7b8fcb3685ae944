package limits_test

import (
	"context"
	"os"
	"time"

	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
)

// The sequence `lamb check` follows: quotas (account values where AWS
// answers), layer sizes, checks per function, one report.
func Example() {
	ctx := context.Background()
	quotas, note, _ := limits.LoadQuotas(ctx, nil) // nil: no AWS access, defaults stand
	fn := limits.Function{
		Key: "api", Name: "orders-api", Runtime: "nodejs22.x", Architecture: "arm64",
		Handler: "index.handler", Memory: 10241,
	}
	m := &packager.Manifest{
		Function: "api", Runtime: "nodejs22.x", Architecture: "arm64",
		ZippedBytes: 1200, UnzippedBytes: 4800,
		Files: []packager.FileEntry{{Path: "index.js", Size: 4800, Mode: 0o644}},
	}
	layers, skipped, _ := limits.MeasureLayers(ctx, fn.Layers, nil, nil, "")
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	report := limits.NewReport(
		[]limits.FunctionReport{limits.CheckFunction(fn, m, layers, quotas, now)},
		append(skipped, note),
	)
	limits.WriteText(os.Stdout, report)
	// Output:
	// api (orders-api): nodejs22.x, arm64, zipped 1.2 KiB, unzipped 4.7 KiB
	//   error    memory: 10241 MB is above Lambda's maximum of 10240 MB; set memory to 10240 or less
	//
	// 1 error, 0 warnings, 0 notes in 1 function
	// skipped: account limits not read (no AWS access); Lambda defaults apply
}
