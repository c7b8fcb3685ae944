package limits

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/pkg/packager"
)

// sampleReport covers every kind of finding lamb check prints.
func sampleReport() Report {
	api := Function{
		Key: "api", Name: "orders-api", Runtime: "nodejs20.x", Architecture: "arm64",
		Handler: "src/index.handler", Memory: 10241, Timeout: 30, Alias: "live", S3Bucket: "artifacts",
		Environment: map[string]string{
			"AWS_REGION":  "eu-west-1",
			"CERT_BUNDLE": strings.Repeat("c", 3000),
			"TABLE":       "orders",
			"API_TOKEN":   strings.Repeat("t", 1200),
		},
		Layers: []string{"arn:aws:lambda:us-east-1:123456789012:layer:shared:3"},
	}
	m := &packager.Manifest{
		Function: "api", Runtime: "nodejs20.x", Architecture: "arm64",
		ZippedBytes: 60000000, UnzippedBytes: 200000000,
		LargestFolders: []packager.PathSize{{Path: "node_modules/", Bytes: 180000000}, {Path: "node_modules/@aws-sdk/", Bytes: 90000000}, {Path: "dist/", Bytes: 20000000}},
		LargestFiles:   []packager.PathSize{{Path: "node_modules/sharp/vendor/libvips.so", Bytes: 40000000}, {Path: "dist/index.js", Bytes: 2000000}},
		NativeBinaries: []packager.NativeBinary{
			{Path: "node_modules/fsevents/fsevents.node", Format: "macho", Machine: "arm64"},
			{Path: "node_modules/sharp/vendor/libvips.so", Format: "elf", Machine: "arm64", GlibcVersion: "GLIBC_2.28"},
		},
		Files:           files("dist/index.js", "src/helpers.js", "node_modules/sharp/package.json"),
		PermissionFixes: []string{"dist/index.js"},
	}
	layers := []Layer{{Ref: "arn:aws:lambda:us-east-1:123456789012:layer:shared:3", UnzippedBytes: 70000000, ZippedBytes: 20000000}}

	worker := Function{Key: "worker", Name: "orders-worker", Runtime: "python3.13", Architecture: "x86_64", Handler: "worker.handler"}
	wm := &packager.Manifest{Function: "worker", Runtime: "python3.13", Architecture: "x86_64",
		ZippedBytes: 12345, UnzippedBytes: 45678, Files: files("worker.py")}

	q := DefaultQuotas()
	return NewReport([]FunctionReport{
		CheckFunction(api, m, layers, q, today),
		CheckFunction(worker, wm, nil, q, today),
	}, []string{"account limits not read (no AWS access); Lambda defaults apply"})
}

func TestReportGolden(t *testing.T) {
	t.Parallel()
	r := sampleReport()
	var text bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "report.txt.golden", text.Bytes())

	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "report.json.golden", append(js, '\n'))

	if !r.Failed() || r.Errors == 0 || r.Warnings == 0 || r.Infos == 0 {
		t.Errorf("counts: %d errors, %d warnings, %d infos", r.Errors, r.Warnings, r.Infos)
	}
	for _, secret := range []string{"eu-west-1", "cccccccccc", "tttttttttt"} {
		if bytes.Contains(text.Bytes(), []byte(secret)) || bytes.Contains(js, []byte(secret)) {
			t.Errorf("the report shows an environment value (%s)", secret)
		}
	}
}

func TestReportClean(t *testing.T) {
	t.Parallel()
	r := NewReport(nil, nil)
	var text bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	if got := text.String(); got != "0 errors, 0 warnings, 0 notes in 0 functions\n" {
		t.Errorf("empty report text = %q", got)
	}
	js, _ := json.Marshal(r)
	if string(js) != `{"functions":[],"skipped":[],"errors":0,"warnings":0,"infos":0}` {
		t.Errorf("empty report JSON = %s", js)
	}
	if r.Failed() {
		t.Error("an empty report must not fail")
	}
}

func TestQuotasGolden(t *testing.T) {
	t.Parallel()
	var text bytes.Buffer
	if err := WriteQuotas(&text, DefaultQuotas()); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "quotas.txt.golden", text.Bytes())
	js, err := json.MarshalIndent(DefaultQuotas(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "quotas.json.golden", append(js, '\n'))
}

func TestRuntimesJSONGolden(t *testing.T) {
	t.Parallel()
	js, err := json.MarshalIndent(Runtimes(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "runtimes.json.golden", append(js, '\n'))
}
