package limits_test

import (
	"fmt"
	"os"
	"time"

	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
)

// The sequence `lamb check` follows, every input a plain value: the quota
// table (deploy.LoadQuotas applies the account's own limits where AWS
// answers), the measured layers (deploy.MeasureLayers), checks per
// function, one report with what could not be read.
func Example() {
	quotas := limits.DefaultQuotas() // no AWS access: the defaults stand
	fn := limits.Function{
		Key: "api", Name: "orders-api", Runtime: "nodejs22.x", Architecture: "arm64",
		Handler: "index.handler", Memory: 10241,
	}
	m := &packager.Manifest{
		Function: "api", Runtime: "nodejs22.x", Architecture: "arm64",
		ZippedBytes: 1200, UnzippedBytes: 4800,
		Files: []packager.FileEntry{{Path: "index.js", Size: 4800, Mode: 0o644}},
	}
	var layers []limits.Layer // the function has none
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	report := limits.NewReport(
		[]limits.FunctionReport{limits.CheckFunction(fn, m, layers, quotas, now)},
		[]string{"account limits not read (no AWS access); Lambda defaults apply"},
	)
	if err := limits.WriteText(os.Stdout, report); err != nil {
		fmt.Println(err)
	}
	// Output:
	// api (orders-api): nodejs22.x, arm64, zipped 1.2 KiB, unzipped 4.7 KiB
	//   error    memory: 10241 MB is above Lambda's maximum of 10240 MB; set memory to 10240 or less
	//
	// 1 error, 0 warnings, 0 notes in 1 function
	// skipped: account limits not read (no AWS access); Lambda defaults apply
}
