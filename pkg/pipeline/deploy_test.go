package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// callLog records every AWS call a deploy makes, by service and operation.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(op string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, op)
}

func (l *callLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.calls
	l.calls = nil
	return c
}

func writes(calls []string) []string {
	var w []string
	for _, c := range calls {
		op := c[strings.Index(c, ".")+1:]
		if !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") && !strings.HasPrefix(op, "Head") {
			w = append(w, c)
		}
	}
	return w
}

// loggedLambda and loggedIAM pass every call on, logging it.
type loggedLambda struct {
	deploy.LambdaAPI
	log *callLog
}

func (l loggedLambda) GetFunction(ctx context.Context, in *lambda.GetFunctionInput, o ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	l.log.add("lambda.GetFunction")
	return l.LambdaAPI.GetFunction(ctx, in, o...)
}
func (l loggedLambda) GetAlias(ctx context.Context, in *lambda.GetAliasInput, o ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	l.log.add("lambda.GetAlias")
	return l.LambdaAPI.GetAlias(ctx, in, o...)
}
func (l loggedLambda) CreateFunction(ctx context.Context, in *lambda.CreateFunctionInput, o ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error) {
	l.log.add("lambda.CreateFunction")
	return l.LambdaAPI.CreateFunction(ctx, in, o...)
}
func (l loggedLambda) UpdateFunctionConfiguration(ctx context.Context, in *lambda.UpdateFunctionConfigurationInput, o ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	l.log.add("lambda.UpdateFunctionConfiguration")
	return l.LambdaAPI.UpdateFunctionConfiguration(ctx, in, o...)
}
func (l loggedLambda) UpdateFunctionCode(ctx context.Context, in *lambda.UpdateFunctionCodeInput, o ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	l.log.add("lambda.UpdateFunctionCode")
	return l.LambdaAPI.UpdateFunctionCode(ctx, in, o...)
}
func (l loggedLambda) PublishVersion(ctx context.Context, in *lambda.PublishVersionInput, o ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error) {
	l.log.add("lambda.PublishVersion")
	return l.LambdaAPI.PublishVersion(ctx, in, o...)
}
func (l loggedLambda) CreateAlias(ctx context.Context, in *lambda.CreateAliasInput, o ...func(*lambda.Options)) (*lambda.CreateAliasOutput, error) {
	l.log.add("lambda.CreateAlias")
	return l.LambdaAPI.CreateAlias(ctx, in, o...)
}
func (l loggedLambda) UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, o ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error) {
	l.log.add("lambda.UpdateAlias")
	return l.LambdaAPI.UpdateAlias(ctx, in, o...)
}
func (l loggedLambda) ListVersionsByFunction(ctx context.Context, in *lambda.ListVersionsByFunctionInput, o ...func(*lambda.Options)) (*lambda.ListVersionsByFunctionOutput, error) {
	l.log.add("lambda.ListVersionsByFunction")
	return l.LambdaAPI.ListVersionsByFunction(ctx, in, o...)
}
func (l loggedLambda) ListAliases(ctx context.Context, in *lambda.ListAliasesInput, o ...func(*lambda.Options)) (*lambda.ListAliasesOutput, error) {
	l.log.add("lambda.ListAliases")
	return l.LambdaAPI.ListAliases(ctx, in, o...)
}
func (l loggedLambda) DeleteFunction(ctx context.Context, in *lambda.DeleteFunctionInput, o ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error) {
	l.log.add("lambda.DeleteFunction")
	return l.LambdaAPI.DeleteFunction(ctx, in, o...)
}
func (l loggedLambda) TagResource(ctx context.Context, in *lambda.TagResourceInput, o ...func(*lambda.Options)) (*lambda.TagResourceOutput, error) {
	l.log.add("lambda.TagResource")
	return l.LambdaAPI.TagResource(ctx, in, o...)
}

type loggedIAM struct {
	deploy.IAMAPI
	log *callLog
}

func (l loggedIAM) GetRole(ctx context.Context, in *iam.GetRoleInput, o ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	l.log.add("iam.GetRole")
	return l.IAMAPI.GetRole(ctx, in, o...)
}
func (l loggedIAM) CreateRole(ctx context.Context, in *iam.CreateRoleInput, o ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	l.log.add("iam.CreateRole")
	return l.IAMAPI.CreateRole(ctx, in, o...)
}
func (l loggedIAM) ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, o ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	l.log.add("iam.ListAttachedRolePolicies")
	return l.IAMAPI.ListAttachedRolePolicies(ctx, in, o...)
}
func (l loggedIAM) AttachRolePolicy(ctx context.Context, in *iam.AttachRolePolicyInput, o ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	l.log.add("iam.AttachRolePolicy")
	return l.IAMAPI.AttachRolePolicy(ctx, in, o...)
}

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
	sess := env.Session(t)
	return DeployOptions{
		CheckOptions: CheckOptions{Options: Options{CacheDir: t.TempDir()}, Now: time.Now()},
		Clients: func(ctx context.Context) (DeployClients, error) {
			lam, err := sess.Lambda(ctx)
			if err != nil {
				return DeployClients{}, err
			}
			s3c, err := sess.S3(ctx)
			if err != nil {
				return DeployClients{}, err
			}
			iamc, err := sess.IAM(ctx)
			if err != nil {
				return DeployClients{}, err
			}
			return DeployClients{Lambda: loggedLambda{lam, log}, S3: s3c, IAM: loggedIAM{iamc, log}, Region: env.Region}, nil
		},
		LambVersion: "test",
		Tune:        func(d *deploy.Deployer) { d.PollInterval = 10 * time.Millisecond },
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
	log.take()

	rep, err = Deploy(t.Context(), cfg, cfg.Functions, o)
	if err != nil {
		t.Fatal(err)
	}
	calls := log.take()
	if w := writes(calls); len(w) != 0 {
		t.Errorf("an unchanged redeploy wrote %q", w)
	}
	perFunction := map[string]int{}
	for _, c := range calls {
		if strings.HasPrefix(c, "iam.") {
			t.Errorf("an unchanged redeploy called IAM: %s", c)
		}
		perFunction[c]++
	}
	if n := len(calls); n > 3*len(cfg.Functions) {
		t.Errorf("an unchanged redeploy made %d reads for %d functions (%q), want at most 3 each", n, len(cfg.Functions), calls)
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
