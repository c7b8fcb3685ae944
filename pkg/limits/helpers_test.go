package limits

import (
	"time"

	"github.com/lambcli/lamb/pkg/packager"
)

// today is the clock the tests use: after nodejs20.x's deprecation
// (2026-04-30), before any create block lamb knows for it.
var today = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func manifest(zipped, unzipped int64) *packager.Manifest {
	return &packager.Manifest{Function: "api", Runtime: "nodejs22.x", Architecture: "arm64",
		ZippedBytes: zipped, UnzippedBytes: unzipped}
}

// findingsOf returns the findings of one check.
func findingsOf(fs []Finding, check string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}
