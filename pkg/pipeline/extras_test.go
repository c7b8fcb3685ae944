package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// project writes a one-file Node.js function and its lamb.yaml (body is
// the function's settings) into a fresh folder and loads it.
func extrasProject(t *testing.T, dir, body string) *config.Config {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte("exports.handler = async () => 'hi';\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc := "functions:\n  api:\n    name: orders-api\n    runtime: nodejs22.x\n    handler: index.handler\n    package: {dependencies: none, include: [index.js]}\n" + body
	path := filepath.Join(dir, "lamb.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(t.Context(), path, config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestCheckReportsTheExtras(t *testing.T) {
	t.Parallel()
	cfg := extrasProject(t, t.TempDir(), "    functionUrl: {authType: NONE, public: true}\n    async: {retries: 3}\n    concurrency: {reserved: 1, provisioned: 2}\n")
	report, err := Check(t.Context(), cfg, cfg.Functions, CheckOptions{Options: Options{CacheDir: t.TempDir()}, Offline: true, Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range report.Functions[0].Findings {
		if f.Check == "async" || f.Check == "concurrency" || f.Check == "functionUrl" {
			got = append(got, string(f.Severity)+" "+f.Field)
		}
	}
	if want := []string{"error async.retries", "error concurrency.provisioned", "warning functionUrl.authType"}; !slices.Equal(got, want) {
		t.Errorf("findings = %q, want %q", got, want)
	}
	if !report.Failed() {
		t.Error("out-of-range extras must stop a deploy (exit 3)")
	}
}

// motoDeploy returns a function that runs lamb deploy's pipeline on the
// emulator with the function's settings body, the record of its calls,
// and the raw client to read state back with.
func motoDeploy(t *testing.T) (func(body string) (DeployResult, *recorder), *testenv.Calls, *lambda.Client) {
	t.Helper()
	env := testenv.Moto(t)
	raw, err := env.Session(t).Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	calls := &testenv.Calls{}
	counted := lambda.New(raw.Options(), func(o *lambda.Options) { o.APIOptions = append(o.APIOptions, calls.Record) })
	dir, cache := t.TempDir(), t.TempDir()
	role := "    role: " + env.RoleARN + "\n"
	return func(body string) (DeployResult, *recorder) {
		t.Helper()
		cfg := extrasProject(t, dir, role+body)
		calls.Reset()
		events := &recorder{}
		report, err := Deploy(t.Context(), cfg, cfg.Functions, DeployOptions{
			CheckOptions: CheckOptions{Options: Options{CacheDir: cache, Events: events}, Offline: true, Now: time.Now()},
			Clients:      func(context.Context) (DeployClients, error) { return DeployClients{Lambda: counted}, nil },
			Tune:         func(d *deploy.Deployer) { d.PollInterval = time.Millisecond },
		})
		if err != nil {
			t.Fatal(err)
		}
		return report.Functions[0], events
	}, calls, raw
}

// TestDeployKeepsTheExtrasInSync runs lamb deploy's pipeline against the
// emulator: the extras are set with the function, a change to them alone
// is applied although code and configuration are up to date, an unchanged
// redeploy writes nothing, and what lamb created leaves with lamb.yaml.
func TestDeployKeepsTheExtrasInSync(t *testing.T) {
	deployBody, calls, raw := motoDeploy(t)
	run := func(body string) DeployResult {
		t.Helper()
		res, _ := deployBody(body)
		return res
	}
	url := func() *lambda.GetFunctionUrlConfigOutput {
		out, err := raw.GetFunctionUrlConfig(t.Context(), &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("orders-api"), Qualifier: aws.String("live")})
		if err != nil {
			return nil
		}
		return out
	}

	res := run("    functionUrl: {cors: {allowOrigins: [\"https://a.example\"]}}\n")
	if res.Outcome != OutcomeDeployed || res.Version != "1" || url() == nil {
		t.Fatalf("first deploy: %+v, URL %+v", res, url())
	}

	// Only the CORS policy changes: nothing is published, the URL is updated.
	res = run("    functionUrl: {cors: {allowOrigins: [\"https://b.example\"]}}\n")
	if w := calls.Writes(); !slices.Equal(w, []string{"UpdateFunctionUrlConfig"}) {
		t.Errorf("a CORS change wrote %q, want the URL update alone", w)
	}
	if u := url(); u == nil || !slices.Equal(u.Cors.AllowOrigins, []string{"https://b.example"}) {
		t.Errorf("URL after the CORS change: %+v", u)
	}
	if res.Outcome != OutcomeDeployed || res.Version != "" || len(res.ConfigChanges) != 1 || res.ConfigChanges[0].Field != "functionUrl.cors.allowOrigins" {
		t.Errorf("CORS change reported as %+v", res)
	}

	// Unchanged: no write; the function's three reads and the URL's one.
	res = run("    functionUrl: {cors: {allowOrigins: [\"https://b.example\"]}}\n")
	if w := calls.Writes(); len(w) != 0 || res.Outcome != OutcomeUpToDate {
		t.Errorf("unchanged redeploy: outcome %s, writes %q", res.Outcome, w)
	}
	if got := strings.Join(calls.All(), " "); got != "GetFunction GetAlias GetFunction GetFunctionUrlConfig" {
		t.Errorf("unchanged redeploy made calls %s", got)
	}

	// functionUrl leaves lamb.yaml: lamb created it, lamb deletes it.
	res = run("")
	if url() != nil || res.Outcome != OutcomeDeployed {
		t.Errorf("after functionUrl left lamb.yaml: outcome %s, URL %+v", res.Outcome, url())
	}

	// Nothing set, nothing owned: only the function's reads.
	res = run("")
	if got := strings.Join(calls.All(), " "); got != "GetFunction GetAlias GetFunction" || res.Outcome != OutcomeUpToDate {
		t.Errorf("a function without extras: outcome %s, calls %s", res.Outcome, got)
	}
}

func TestDeployOfAPublicURLWarnsAndGrantsAccess(t *testing.T) {
	run, calls, raw := motoDeploy(t)
	const body = "    functionUrl: {authType: NONE, public: true}\n"
	_, events := run(body)
	if !slices.Contains(events.events, "api extras advanced: the function URL is public (authType NONE): anyone may invoke orders-api") {
		t.Errorf("no warning among the events %q", events.events)
	}
	if w := calls.Writes(); !slices.Contains(w, "AddPermission") {
		t.Errorf("writes %q grant no access", w)
	}
	policy, err := raw.GetPolicy(t.Context(), &lambda.GetPolicyInput{FunctionName: aws.String("orders-api"), Qualifier: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	for _, sid := range []string{"lamb-function-url-public", "lamb-function-url-invoke"} {
		if !strings.Contains(aws.ToString(policy.Policy), sid) {
			t.Errorf("resource policy %s lacks %s", aws.ToString(policy.Policy), sid)
		}
	}

	run(body)
	if w := calls.Writes(); len(w) != 0 {
		t.Errorf("unchanged public URL wrote %q", w)
	}
}
