package cmd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestInitFromRoundTrip deploys a function, writes a lamb.yaml from it into
// a fresh folder, and plans that folder: no configuration change, and no
// environment value in the file.
func TestInitFromRoundTrip(t *testing.T) {
	p := newAWSProject(t)
	const table, token = "orders-table-v1", "tok-8c1d-s3cr3t"
	t.Setenv("RT_TABLE", table)
	t.Setenv("RT_TOKEN", token)
	p.yaml(`functions:
  orders:
    name: rt-orders
    runtime: nodejs22.x
    handler: index.handler
    architecture: arm64
    role: ROLE
    description: "Orders API: $${env:RT_TABLE} is not a reference"
    memory: 384
    timeout: 20s
    environment:
      vars: {TABLE: "${env:RT_TABLE}", TOKEN: "${env:RT_TOKEN}"}
    tags: {team: orders, cost-center: "42"}
    package: {dependencies: none}
    deploy: {alias: prod}
`)
	p.deploy()

	fresh := filepath.Join(t.TempDir(), "copy")
	if err := os.Mkdir(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "init", "--from", "rt-orders", "--dir", fresh, "--endpoint-url", p.env.Endpoint)
	if code != ExitOK || !strings.Contains(stderr, "set TABLE, TOKEN where lamb runs") {
		t.Fatalf("init --from: exit %d\n%s%s", code, stdout, stderr)
	}
	written, err := os.ReadFile(filepath.Join(fresh, "lamb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{table, token} {
		if strings.Contains(string(written), secret) || strings.Contains(stdout+stderr, secret) {
			t.Errorf("an environment value was written:\n%s", written)
		}
	}
	for _, want := range []string{"  rt-orders:\n", "TOKEN: ${env:TOKEN}", "alias: prod", "memory: 384"} {
		if !strings.Contains(string(written), want) {
			t.Errorf("lamb.yaml lacks %q:\n%s", want, written)
		}
	}

	// The code is the user's to bring; the settings are all there.
	code2, err := os.ReadFile(filepath.Join(p.dir, "index.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(fresh, "index.mjs"), code2)
	t.Setenv("TABLE", table)
	t.Setenv("TOKEN", token)
	p.dir = fresh
	// With the same code too, the deploy would change nothing at all.
	code, stdout, stderr = p.plan("--exit-code", "-o", "json")
	if code != ExitOK && code != ExitChanges {
		t.Fatalf("plan of the written lamb.yaml: exit %d\n%s%s", code, stdout, stderr)
	}
	f := planJSON(t, stdout).Functions[0]
	if f.Function != "rt-orders" || len(f.ConfigChanges) != 0 || len(f.TagChanges) != 0 {
		t.Errorf("plan after init --from: function %s, config changes %v, tag changes %v; want none", f.Function, f.ConfigChanges, f.TagChanges)
	}
	if code != ExitOK || f.Action != "up to date" {
		t.Errorf("plan --exit-code after init --from: exit %d, %s; want 0, up to date", code, f.Action)
	}

	// A changed value shows as a change: the references are live.
	t.Setenv("TOKEN", "another")
	_, f = p.planFunction()
	if got := fields(f.ConfigChanges); !slices.Equal(got, []string{"environment.TOKEN"}) {
		t.Errorf("config changes with another TOKEN = %v, want environment.TOKEN", got)
	}
}

func TestInitFromErrors(t *testing.T) {
	p := newAWSProject(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--from", "no-such-function"}, "function no-such-function not found in region us-east-1"},
		{[]string{"--from", "x", "--runtime", "go"}, "[from runtime]"},
	} {
		code, stdout, stderr := run(t, append([]string{"init", "--dir", dir, "--endpoint-url", p.env.Endpoint}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("init %v: exit %d, want %d with %q\n%s%s", tt.args, code, ExitUsage, tt.want, stdout, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "lamb.yaml")); err == nil {
			t.Fatalf("init %v wrote lamb.yaml", tt.args)
		}
	}
}
