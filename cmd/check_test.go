package cmd

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/limits"
)

// checkProject writes lamb.yaml (one function "fn", dependencies none) and
// returns the folder; the cache goes to a temp folder of its own.
func checkProject(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("LAMB_CACHE_DIR", t.TempDir())
	yaml := "functions:\n  fn:\n    runtime: nodejs22.x\n    handler: index.handler\n    package: {dependencies: none}\n" + extra
	write(t, filepath.Join(dir, "lamb.yaml"), []byte(yaml))
	write(t, filepath.Join(dir, "index.mjs"), []byte("export const handler = async () => 1;\n"))
	return dir
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkJSON runs `lamb check --offline -o json` in dir and returns the exit
// status and the report.
func checkJSON(t *testing.T, dir string) (int, limits.Report) {
	t.Helper()
	io, out, errOut := ui.Test()
	code := Run(context.Background(), io, []string{"check", "--offline", "-o", "json", "-c", filepath.Join(dir, "lamb.yaml")})
	var r limits.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("check output is not a report (exit %d): %v\n%s\n%s", code, err, out, errOut)
	}
	return code, r
}

func findings(r limits.Report, check string) []limits.Finding {
	var out []limits.Finding
	for _, f := range r.Functions[0].Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// TestCheckUnzippedSizeBoundary packages real (sparse) files whose sizes add
// up to one byte under Lambda's unzipped limit, then exactly to it.
func TestCheckUnzippedSizeBoundary(t *testing.T) {
	const limit = 262_144_000
	dir := checkProject(t, "")
	index, err := os.Stat(filepath.Join(dir, "index.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.bin")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(262_000_000); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	pad := filepath.Join(dir, "pad.bin")
	for _, tt := range []struct {
		total    int64
		wantExit int
	}{
		{limit - 1, ExitOK},
		{limit, ExitLimit},
	} {
		write(t, pad, make([]byte, tt.total-262_000_000-index.Size()))
		code, r := checkJSON(t, dir)
		if got := r.Functions[0].UnzippedBytes; got != tt.total {
			t.Fatalf("unzipped bytes = %d, want %d", got, tt.total)
		}
		if code != tt.wantExit {
			t.Errorf("unzipped %d bytes: exit %d, want %d; findings %+v", tt.total, code, tt.wantExit, r.Functions[0].Findings)
		}
		if fs := findings(r, "unzippedSize"); (len(fs) > 0) != (tt.wantExit == ExitLimit) {
			t.Errorf("unzipped %d bytes: unzippedSize findings %+v", tt.total, fs)
		}
	}
}

// TestCheckZippedSizeBoundary sizes an incompressible file so that the zip
// lamb writes is exactly one byte under the direct-upload limit, then
// exactly at it; at the limit an S3 bucket turns the error into a note.
func TestCheckZippedSizeBoundary(t *testing.T) {
	const limit = 52_428_800
	dir := checkProject(t, "")
	blob := filepath.Join(dir, "blob.bin")
	random := make([]byte, limit)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	// The zip's overhead over the stored random bytes is fixed for fixed
	// names; measure it once, then size the file to hit each boundary.
	write(t, blob, random[:limit-4096])
	_, r := checkJSON(t, dir)
	overhead := r.Functions[0].ZippedBytes - (limit - 4096)
	for _, tt := range []struct {
		zipped   int64
		wantExit int
	}{
		{limit - 1, ExitOK},
		{limit, ExitLimit},
	} {
		write(t, blob, random[:tt.zipped-overhead])
		code, r := checkJSON(t, dir)
		if got := r.Functions[0].ZippedBytes; got != tt.zipped {
			t.Fatalf("zipped bytes = %d, want %d", got, tt.zipped)
		}
		if code != tt.wantExit {
			t.Errorf("zip of %d bytes: exit %d, want %d; findings %+v", tt.zipped, code, tt.wantExit, r.Functions[0].Findings)
		}
	}
	write(t, filepath.Join(dir, "lamb.yaml"), []byte("functions:\n  fn:\n    runtime: nodejs22.x\n    handler: index.handler\n    package: {dependencies: none}\n    deploy: {s3: {bucket: artifacts}}\n"))
	code, r := checkJSON(t, dir)
	fs := findings(r, "zippedSize")
	if code != ExitOK || len(fs) != 1 || fs[0].Severity != limits.SeverityInfo {
		t.Errorf("with a bucket: exit %d, zippedSize findings %+v; want exit 0 and one note", code, fs)
	}
}

// TestCheckEnvironmentBoundary sends the environment through lamb.yaml and a
// dotenv file, as a user would, at 4,096 and 4,097 bytes of compact JSON.
func TestCheckEnvironmentBoundary(t *testing.T) {
	// {"A1":"<&>é","BIG":"xxx…"} — 3 bytes for <&>, 2 for é.
	const fixed = len(`{"A1":"<&>é","BIG":""}`)
	for _, tt := range []struct {
		size     int
		wantExit int
	}{
		{4096, ExitOK},
		{4097, ExitLimit},
	} {
		dir := checkProject(t, "    environment:\n      files: [.env]\n      vars: {A1: \"<&>é\"}\n")
		write(t, filepath.Join(dir, ".env"), []byte("BIG="+strings.Repeat("x", tt.size-fixed)+"\n"))
		code, r := checkJSON(t, dir)
		if code != tt.wantExit {
			t.Errorf("environment of %d bytes: exit %d, want %d; findings %+v", tt.size, code, tt.wantExit, r.Functions[0].Findings)
		}
		for _, f := range findings(r, "environment") {
			if f.Measured == nil || *f.Measured != int64(tt.size) {
				t.Errorf("environment finding measured %v, want %d", f.Measured, tt.size)
			}
			if strings.Contains(f.Message+f.Hint, "xxxx") {
				t.Errorf("finding leaks a value: %+v", f)
			}
		}
	}
}

func TestCredentialErrorsExit4(t *testing.T) {
	t.Parallel()
	err := &awsconf.CredentialError{Profile: "ci", Region: "eu-west-1", Err: errors.New("no EC2 IMDS role found")}
	code, hint := classify(err)
	if code != ExitCredentials || hint == "" {
		t.Errorf("classify = %d %q, want %d with a hint", code, hint, ExitCredentials)
	}
	if msg := err.Error(); !strings.Contains(msg, `"ci"`) || !strings.Contains(msg, `"eu-west-1"`) {
		t.Errorf("message %q must name the profile and region", msg)
	}
}
