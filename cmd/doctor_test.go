package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/config"
)

// onlyNode has node on PATH and nothing else.
type onlyNode struct{}

func (onlyNode) LookPath(name string) (string, error) {
	if name == "node" {
		return "/opt/node/bin/node", nil
	}
	return "", errors.New("not found")
}

func (onlyNode) Output(context.Context, string, ...string) ([]byte, error) {
	return []byte("v22.11.0\n"), nil
}

type envCredentials struct{}

func (envCredentials) Describe(context.Context) awsconf.Setup {
	return awsconf.Setup{Region: "eu-west-1", RegionSource: "AWS_REGION", CredentialSource: "environment variables (AWS_ACCESS_KEY_ID)"}
}

func (envCredentials) Identity(context.Context) (*awsconf.Caller, error) {
	return &awsconf.Caller{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/ci"}, nil
}

func doctorProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"lamb.yaml":         "functions:\n  api:\n    runtime: nodejs22.x\n    handler: index.handler\n",
		"package.json":      `{"dependencies":{"is-number":"7.0.0"}}`,
		"package-lock.json": "{}",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "lamb.yaml")
}

// doctorOptions runs lamb doctor on the project at path, with the
// credentials of the environment and only node on this machine.
func doctorOptions(t *testing.T, io *ui.IOStreams, path string) *DoctorOptions {
	return &DoctorOptions{
		IO:       io,
		Config:   func() (*config.Config, error) { return config.Load(context.Background(), path, config.LoadOptions{}) },
		AWS:      envCredentials{},
		Runner:   onlyNode{},
		CacheDir: t.TempDir(),
	}
}

func TestDoctorJSON(t *testing.T) {
	path := doctorProject(t)
	io, stdout, stderr := ui.Test()
	opts := doctorOptions(t, io, path)
	opts.JSON = true
	err := doctorRun(context.Background(), opts)
	var se *silentError
	if !errors.As(err, &se) || se.code != ExitFailure {
		t.Fatalf("err = %v, want exit 1 after the report", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q, want nothing with --output json", stderr)
	}
	var doc struct {
		Checks                    []map[string]any `json:"checks"`
		Ready                     *bool            `json:"ready"`
		Missing, Failed, Warnings *int
	}
	dec := json.NewDecoder(strings.NewReader(stdout.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode %s: %v", stdout, err)
	}
	if doc.Ready == nil || *doc.Ready || doc.Missing == nil || *doc.Missing != 1 || doc.Failed == nil || *doc.Failed != 0 || doc.Warnings == nil {
		t.Errorf("ready %v, missing %v, failed %v, warnings %v: want not ready, 1 missing, 0 failed", doc.Ready, doc.Missing, doc.Failed, doc.Warnings)
	}
	var names []string
	for _, c := range doc.Checks {
		names = append(names, c["name"].(string))
		for key := range c {
			if !slices.Contains([]string{"name", "status", "detail", "hint", "required", "version", "path", "functions"}, key) {
				t.Errorf("check %v has unexpected field %q", c["name"], key)
			}
		}
		if _, ok := c["status"].(string); !ok {
			t.Errorf("check %v has no status", c["name"])
		}
		if _, ok := c["required"].(bool); !ok {
			t.Errorf("check %v has no required", c["name"])
		}
	}
	want := []string{"lamb.yaml", "node", "npm", "cache folder", "region", "endpoint", "credentials", "account"}
	if !slices.Equal(names, want) {
		t.Errorf("checks = %q, want %q", names, want)
	}
	npm := doc.Checks[2]
	if npm["status"] != "missing" || npm["required"] != true || !strings.Contains(npm["hint"].(string), "https://nodejs.org") ||
		!slices.Equal(npm["functions"].([]any), []any{"api"}) {
		t.Errorf("npm = %v, want missing and required, with the install hint, for api", npm)
	}
	node := doc.Checks[1]
	if node["status"] != "ok" || node["version"] != "22.11.0" || node["path"] != "/opt/node/bin/node" {
		t.Errorf("node = %v, want ok 22.11.0 at /opt/node/bin/node", node)
	}
	creds := doc.Checks[6]
	if creds["status"] != "ok" || creds["detail"] != "environment variables (AWS_ACCESS_KEY_ID)" {
		t.Errorf("credentials = %v, want ok from the environment", creds)
	}
	if account := doc.Checks[7]; account["status"] != "ok" || account["detail"] != "123456789012 as arn:aws:iam::123456789012:user/ci" {
		t.Errorf("account = %v", account)
	}
}

// Named functions narrow the checks; an unknown one is a usage error.
func TestDoctorFunctions(t *testing.T) {
	path := doctorProject(t)
	io, _, _ := ui.Test()
	opts := doctorOptions(t, io, path)
	opts.Functions = []string{"nope"}
	err := doctorRun(context.Background(), opts)
	if code, _ := classify(err); code != ExitUsage || !strings.Contains(err.Error(), `"nope" is not in lamb.yaml`) {
		t.Errorf("err = %v (exit %d), want a usage error naming the function", err, code)
	}
}
