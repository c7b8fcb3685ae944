package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// project writes a lamb.yaml with the given functions (each a Node.js
// handler returning its name and body) and loads it.
func project(t *testing.T, yaml string, handlers map[string]string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lamb.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, body := range handlers {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(t.Context(), filepath.Join(dir, "lamb.yaml"), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func deployOptions(t *testing.T, env *testenv.Env, log *callLog) DeployOptions {
	clients := motoClients(t, env, log)
	return DeployOptions{
		CheckOptions: CheckOptions{Options: Options{CacheDir: t.TempDir()}, Now: time.Now()},
		Clients:      func(context.Context) (DeployClients, error) { return clients, nil },
		LambVersion:  "test",
		Tune:         func(d *deploy.Deployer) { d.PollInterval = 10 * time.Millisecond },
	}
}

// TestRedeployOfAnUnchangedProjectWritesNothing deploys two functions with
// a role lamb manages, then deploys again: zero writes, no IAM call, and at
// most three Lambda reads per function (the account-limits read of the
// pre-flight aside).
func TestRedeployOfAnUnchangedProjectWritesNothing(t *testing.T) {
	env := testenv.MotoWithManagedPolicies(t)
	cfg := project(t, "functions:\n  api:\n    runtime: nodejs22.x\n    handler: index.handler\n    package: {dependencies: none}\n  worker:\n    runtime: nodejs22.x\n    handler: index.handler\n    package: {dependencies: none}\n",
		map[string]string{"index.js": "exports.handler = async () => 1;\n"})
	log := &callLog{}
	o := deployOptions(t, env, log)

	rep, err := Deploy(t.Context(), cfg, cfg.Functions, o)
	if err != nil {
		t.Fatalf("first deploy: %v (%+v)", err, rep)
	}
	for _, f := range rep.Functions {
		if f.Outcome != OutcomeDeployed || f.Version != "1" || !f.RoleCreated {
			t.Errorf("first deploy of %s: %+v", f.Function, f)
		}
	}
	log.reset()

	rep, err = Deploy(t.Context(), cfg, cfg.Functions, o)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := log.writes()
	if len(w) != 0 {
		t.Errorf("an unchanged redeploy wrote %q", w)
	}
	var functionReads []string
	for _, c := range log.calls {
		switch {
		case strings.HasPrefix(c, "IAM:"):
			t.Errorf("an unchanged redeploy called IAM: %s", c)
		case c == "Lambda:GetAccountSettings":
			// The pre-flight's one read of the account's limits.
		default:
			functionReads = append(functionReads, c)
		}
	}
	if n := len(functionReads); n > 3*len(cfg.Functions) {
		t.Errorf("an unchanged redeploy made %d reads for %d functions (%q), want at most 3 each", n, len(cfg.Functions), functionReads)
	}
	for _, f := range rep.Functions {
		if f.Outcome != OutcomeUpToDate {
			t.Errorf("redeploy of %s: outcome %q", f.Function, f.Outcome)
		}
	}
}

// TestOneFailingFunctionLeavesTheOthersDeployed gives one of three
// functions a role that does not exist: it fails with a clear error, the
// two others are deployed (read back with a plain client), and the report
// says which.
func TestOneFailingFunctionLeavesTheOthersDeployed(t *testing.T) {
	env := testenv.Moto(t)
	yaml := "defaults:\n  runtime: nodejs22.x\n  handler: index.handler\n  role: " + env.RoleARN + "\n  package: {dependencies: none}\nfunctions:\n  a: {}\n  b: {role: \"arn:aws:iam::123456789012:role/missing\"}\n  c: {}\n"
	cfg := project(t, yaml, map[string]string{"index.js": "exports.handler = async () => 1;\n"})
	rep, err := Deploy(t.Context(), cfg, cfg.Functions, deployOptions(t, env, &callLog{}))
	if err == nil || !strings.Contains(err.Error(), "b") {
		t.Fatalf("error = %v, want b's failure", err)
	}
	if rep.Failed != 1 {
		t.Errorf("failed = %d, want 1 (%+v)", rep.Failed, rep.Functions)
	}
	raw, err := env.Session(t).Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "c"} {
		a, err := raw.GetAlias(t.Context(), &lambda.GetAliasInput{FunctionName: aws.String(name), Name: aws.String("live")})
		if err != nil || aws.ToString(a.FunctionVersion) != "1" {
			t.Errorf("%s: alias live = %v (%v), want version 1", name, a, err)
		}
	}
	for _, f := range rep.Functions {
		want := OutcomeDeployed
		if f.Function == "b" {
			want = OutcomeFailed
		}
		if f.Outcome != want {
			t.Errorf("%s: outcome %q, want %q (%s)", f.Function, f.Outcome, want, f.Error)
		}
	}
}
