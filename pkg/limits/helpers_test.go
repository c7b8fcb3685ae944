package limits

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lambcli/lamb/pkg/packager"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

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

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (run go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
