package shift

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/cdsim"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/progress"
	"github.com/lambcli/lamb/templates"
)

const (
	cdFunction = "orders-api"
	cdAlias    = "live"
)

// cdFixture is a function with versions 1 to 3 and alias live on 1 in moto,
// and the CodeDeploy simulator, which moves that alias in moto. The
// engine's Sleep advances the simulator clock by the time slept, then lets
// the test look at the alias, so a shift of minutes runs at once.
type cdFixture struct {
	t       *testing.T
	env     *testenv.Env
	lambda  *lambda.Client
	iam     *countingIAM
	cw      *cloudwatch.Client
	sim     *cdsim.Simulator
	cd      *codedeploy.Client
	simURL  string
	mu      sync.Mutex
	weights []float64 // the alias's weight on the target, read after each sleep
	target  string
	// hookStatus is what a hook reports, by hook name; Succeeded when unset.
	hookStatus map[string]string
	// onHook, when set, replaces the test's own report of a hook status.
	onHook func(cdsim.HookCall)
	// afterSleep runs after each sleep of the engine, with the engine's ctx.
	afterSleep func(ctx context.Context)
	events     []progress.Event
	// breakRestore makes the simulator's UpdateAlias fail when it moves the
	// alias back to version 1, as a rollback does.
	breakRestore bool
	// roleLag is how many more times the simulator finds no service role,
	// as IAM's eventual consistency can make CodeDeploy do.
	roleLag int
}

// simIAM is the simulator's way into moto's IAM, lagging roleLag reads.
type simIAM struct {
	*iam.Client
	f *cdFixture
}

func (i simIAM) GetRole(ctx context.Context, in *iam.GetRoleInput, o ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	i.f.mu.Lock()
	lag := i.f.roleLag > 0
	if lag {
		i.f.roleLag--
	}
	i.f.mu.Unlock()
	if lag {
		return nil, errors.New("role not visible yet")
	}
	return i.Client.GetRole(ctx, in, o...)
}

// simLambda is the simulator's way into moto's Lambda, which a test can
// break for rollbacks.
type simLambda struct {
	*lambda.Client
	f *cdFixture
}

func (l simLambda) UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, o ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error) {
	if l.f.breakRestore && aws.ToString(in.FunctionVersion) == "1" {
		return nil, errors.New("restore refused by the test")
	}
	return l.Client.UpdateAlias(ctx, in, o...)
}

func newCDFixture(t *testing.T) *cdFixture {
	t.Helper()
	env := testenv.MotoWithManagedPolicies(t)
	sess := env.Session(t)
	ctx := t.Context()
	lc, err := sess.Lambda(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ic, err := sess.IAM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cw, err := sess.CloudWatch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := &cdFixture{t: t, env: env, lambda: lc, iam: &countingIAM{ServiceRoleAPI: ic, client: ic}, cw: cw, hookStatus: map[string]string{}}
	f.sim = cdsim.New(cdsim.Options{Lambda: simLambda{Client: lc, f: f}, CloudWatch: cw, IAM: simIAM{Client: ic, f: f}, Region: env.Region, AccountID: testenv.AccountID, OnHook: f.hook})
	srv := httptest.NewServer(f.sim)
	t.Cleanup(srv.Close)
	f.simURL = srv.URL
	f.cd = codedeploy.NewFromConfig(env.AWSConfig(t), func(o *codedeploy.Options) { o.BaseEndpoint = aws.String(srv.URL) })

	for i := 1; i <= 3; i++ {
		code := zipOf(t, "index.mjs", "export const handler = async () => "+string(rune('0'+i))+";")
		if i == 1 {
			_, err = lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
				FunctionName: aws.String(cdFunction), Runtime: lambdatypes.RuntimeNodejs22x, Handler: aws.String("index.handler"),
				Role: aws.String(env.RoleARN), Code: &lambdatypes.FunctionCode{ZipFile: code}, Publish: true,
			})
		} else {
			_, err = lc.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(cdFunction), ZipFile: code, Publish: true})
		}
		if err != nil {
			t.Fatalf("publish version %d of %s: %v", i, cdFunction, err)
		}
	}
	if _, err := lc.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String(cdFunction), Name: aws.String(cdAlias), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	for _, hook := range []string{"orders-smoke", "orders-verify"} {
		_, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(hook), Runtime: lambdatypes.RuntimeNodejs22x, Handler: aws.String("index.handler"),
			Role: aws.String(env.RoleARN), Code: &lambdatypes.FunctionCode{ZipFile: zipOf(t, "index.mjs", "export const handler = async () => ({});")},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func zipOf(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// engine returns a codedeploy engine wired to the simulator and moto.
func (f *cdFixture) engine() *CodeDeployEngine {
	return &CodeDeployEngine{
		CodeDeploy:   f.cd,
		IAM:          f.iam,
		Lambda:       f.lambda,
		Region:       f.env.Region,
		PollInterval: time.Minute,
		Now:          f.sim.Now,
		Sleep: func(ctx context.Context, d time.Duration) error {
			f.sim.Advance(d)
			f.observe()
			if f.afterSleep != nil {
				f.afterSleep(ctx)
			}
			return nil
		},
	}
}

// request shifts live from current to target with strategy s.
func (f *cdFixture) request(current, target, s string) Request {
	f.t.Helper()
	strategy, err := appspec.ParseStrategy(s)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.target, f.weights = target, nil
	f.mu.Unlock()
	return Request{Function: cdFunction, Alias: cdAlias, Current: current, Target: target, Strategy: strategy,
		Events: progress.SinkFunc(func(e progress.Event) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.events = append(f.events, e)
		})}
}

// hook answers a hook invocation as the hook function would: through the
// SDK, with the ids its event carried.
func (f *cdFixture) hook(c cdsim.HookCall) {
	f.observe()
	if f.onHook != nil {
		f.onHook(c)
		return
	}
	status := cdtypes.LifecycleEventStatusSucceeded
	if s := f.hookStatus[c.Hook]; s != "" {
		status = cdtypes.LifecycleEventStatus(s)
	}
	_, err := f.cd.PutLifecycleEventHookExecutionStatus(context.Background(), &codedeploy.PutLifecycleEventHookExecutionStatusInput{
		DeploymentId: aws.String(c.DeploymentID), LifecycleEventHookExecutionId: aws.String(c.LifecycleEventHookExecutionID), Status: status,
	})
	if err != nil {
		f.t.Errorf("report %s of hook %s: %v", status, c.Function, err)
	}
}

// observe records the alias's weight on the target as moto holds it.
func (f *cdFixture) observe() {
	f.mu.Lock()
	target := f.target
	f.mu.Unlock()
	version, weights := f.alias()
	w := weights[target]
	if version == target {
		w = 1
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.weights); n == 0 || f.weights[n-1] != w {
		f.weights = append(f.weights, w)
	}
}

func (f *cdFixture) observed() []float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.weights)
}

// alias reads the alias from moto directly.
func (f *cdFixture) alias() (string, map[string]float64) {
	f.t.Helper()
	a, err := f.lambda.GetAlias(context.Background(), &lambda.GetAliasInput{FunctionName: aws.String(cdFunction), Name: aws.String(cdAlias)})
	if err != nil {
		f.t.Fatalf("read alias %s of %s: %v", cdAlias, cdFunction, err)
	}
	var weights map[string]float64
	if a.RoutingConfig != nil {
		weights = a.RoutingConfig.AdditionalVersionWeights
	}
	return aws.ToString(a.FunctionVersion), weights
}

func (f *cdFixture) wantAlias(version string) {
	f.t.Helper()
	v, weights := f.alias()
	if v != version || len(weights) != 0 {
		f.t.Errorf("alias %s: version %s with weights %v; want version %s alone", cdAlias, v, weights, version)
	}
}

func (f *cdFixture) deployment(id string) *cdtypes.DeploymentInfo {
	f.t.Helper()
	out, err := f.cd.GetDeployment(context.Background(), &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
	if err != nil {
		f.t.Fatalf("get deployment %s: %v", id, err)
	}
	return out.DeploymentInfo
}

func stepWeights(res Result) []float64 {
	var w []float64
	for _, s := range res.Steps {
		w = append(w, s.Weight)
	}
	return w
}

// countingIAM counts the IAM writes of the engine.
type countingIAM struct {
	ServiceRoleAPI
	client *iam.Client
	mu     sync.Mutex
	writes []string
}

func (c *countingIAM) record(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, op)
}

func (c *countingIAM) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, w := range c.writes {
		if w == op {
			n++
		}
	}
	return n
}

func (c *countingIAM) CreateRole(ctx context.Context, in *iam.CreateRoleInput, o ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	c.record("CreateRole")
	return c.ServiceRoleAPI.CreateRole(ctx, in, o...)
}
func (c *countingIAM) AttachRolePolicy(ctx context.Context, in *iam.AttachRolePolicyInput, o ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	c.record("AttachRolePolicy")
	return c.ServiceRoleAPI.AttachRolePolicy(ctx, in, o...)
}
func (c *countingIAM) PutRolePolicy(ctx context.Context, in *iam.PutRolePolicyInput, o ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	c.record("PutRolePolicy")
	return c.ServiceRoleAPI.PutRolePolicy(ctx, in, o...)
}
func (c *countingIAM) DeleteRolePolicy(ctx context.Context, in *iam.DeleteRolePolicyInput, o ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error) {
	c.record("DeleteRolePolicy")
	return c.ServiceRoleAPI.DeleteRolePolicy(ctx, in, o...)
}

func TestCodeDeployPredefinedCanary(t *testing.T) {
	f := newCDFixture(t)
	ctx := t.Context()
	if _, err := f.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("orders-api-errors"), MetricName: aws.String("Errors"), Namespace: aws.String("AWS/Lambda"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	e := f.engine()
	r := f.request("1", "2", "LambdaCanary10Percent5Minutes")
	r.Hooks = Hooks{BeforeAllowTraffic: "orders-smoke"}
	r.Alarms = []string{"orders-api-errors"}

	res, err := e.Shift(ctx, r)
	if err != nil {
		t.Fatalf("Shift: %v", err)
	}
	if res.Outcome != OutcomeShifted || res.DeploymentID == "" {
		t.Errorf("result %+v; want outcome %q with a deployment id", res, OutcomeShifted)
	}
	f.wantAlias("2")
	if got, want := f.observed(), []float64{0, 0.1, 1}; !slices.Equal(got, want) {
		t.Errorf("alias weights on version 2 seen in moto: %v; want %v (10%% for the bake time, then all)", got, want)
	}
	if got, want := stepWeights(res), []float64{0, 0.1, 1}; !slices.Equal(got, want) {
		t.Errorf("result steps %v; want %v", got, want)
	}
	if at := res.Steps[2].At.Sub(res.Steps[1].At); at < 5*time.Minute {
		t.Errorf("all traffic moved %s after the canary; want at least the 5 minute bake", at)
	}

	// What CodeDeploy was asked to run, read back through the SDK.
	info := f.deployment(res.DeploymentID)
	if got := aws.ToString(info.DeploymentConfigName); got != "CodeDeployDefault.LambdaCanary10Percent5Minutes" {
		t.Errorf("deployment config %q; want the predefined canary", got)
	}
	want, err := appspec.AppSpec{Name: cdFunction, Alias: cdAlias, CurrentVersion: "1", TargetVersion: "2",
		Hooks: appspec.Hooks{BeforeAllowTraffic: "orders-smoke"}}.YAML()
	if err != nil {
		t.Fatal(err)
	}
	content := info.Revision.AppSpecContent
	if info.Revision.RevisionType != cdtypes.RevisionLocationTypeAppSpecContent || aws.ToString(content.Content) != string(want) ||
		aws.ToString(content.Sha256) != appspec.ContentSha256(want) {
		t.Errorf("revision %s %q sha256 %s; want the rendered AppSpec %q with its sha256", info.Revision.RevisionType, aws.ToString(content.Content), aws.ToString(content.Sha256), want)
	}
	if calls := f.sim.HookCalls(); len(calls) != 1 || calls[0].Hook != "BeforeAllowTraffic" || calls[0].Function != "orders-smoke" {
		t.Errorf("hooks invoked: %+v; want BeforeAllowTraffic orders-smoke once", calls)
	}

	group, err := f.cd.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{ApplicationName: aws.String("lamb-" + cdFunction), DeploymentGroupName: aws.String(cdAlias)})
	if err != nil {
		t.Fatalf("get the group lamb created: %v", err)
	}
	g := group.DeploymentGroupInfo
	roleName := ServiceRoleName(cdFunction)
	if !strings.HasSuffix(aws.ToString(g.ServiceRoleArn), ":role/"+roleName) {
		t.Errorf("group service role %s; want lamb's %s", aws.ToString(g.ServiceRoleArn), roleName)
	}
	if a := g.AlarmConfiguration; a == nil || !a.Enabled || len(a.Alarms) != 1 || aws.ToString(a.Alarms[0].Name) != "orders-api-errors" {
		t.Errorf("group alarms %+v; want orders-api-errors enabled", a)
	}
	if rb := g.AutoRollbackConfiguration; rb == nil || !rb.Enabled ||
		!slices.Equal(rb.Events, []cdtypes.AutoRollbackEvent{cdtypes.AutoRollbackEventDeploymentFailure, cdtypes.AutoRollbackEventDeploymentStopOnAlarm}) {
		t.Errorf("group auto-rollback %+v; want on failure and on alarm", rb)
	}
	if st := g.DeploymentStyle; st == nil || st.DeploymentType != cdtypes.DeploymentTypeBlueGreen || st.DeploymentOption != cdtypes.DeploymentOptionWithTrafficControl {
		t.Errorf("group deployment style %+v; want BLUE_GREEN with traffic control", st)
	}

	// The service role, read back from IAM.
	role, err := f.iam.client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(roleName)})
	if err != nil {
		t.Fatalf("get service role: %v", err)
	}
	if trust, _ := url.QueryUnescape(aws.ToString(role.Role.AssumeRolePolicyDocument)); !strings.Contains(trust, `"codedeploy.amazonaws.com"`) || strings.Contains(trust, "lambda.amazonaws.com") {
		t.Errorf("service role trusts %s; want codedeploy.amazonaws.com alone", trust)
	}
	attached, err := f.iam.client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil {
		t.Fatal(err)
	}
	if len(attached.AttachedPolicies) != 1 || aws.ToString(attached.AttachedPolicies[0].PolicyArn) != "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda" {
		t.Errorf("service role policies %+v; want AWSCodeDeployRoleForLambda", attached.AttachedPolicies)
	}
	inline, err := f.iam.client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String("lamb-hooks-" + f.env.Region)})
	if err != nil {
		t.Fatalf("get the hook policy: %v", err)
	}
	wantPolicy, _ := HookPolicy([]string{"arn:aws:lambda:us-east-1:123456789012:function:orders-smoke"})
	if !samePolicy(aws.ToString(inline.PolicyDocument), wantPolicy) {
		t.Errorf("hook policy %s; want %s", aws.ToString(inline.PolicyDocument), wantPolicy)
	}

	// A second shift reuses everything: no CodeDeploy or IAM resource is
	// created or changed again.
	r2 := f.request("2", "3", "LambdaCanary10Percent5Minutes")
	r2.Hooks, r2.Alarms = r.Hooks, r.Alarms
	if res, err := e.Shift(ctx, r2); err != nil || res.Outcome != OutcomeShifted {
		t.Fatalf("second Shift: %+v, %v", res, err)
	}
	f.wantAlias("3")
	for op, want := range map[string]int{"CreateApplication": 1, "CreateDeploymentGroup": 1, "UpdateDeploymentGroup": 0, "CreateDeploymentConfig": 0, "CreateDeployment": 2} {
		if got := f.sim.Calls(op); got != want {
			t.Errorf("%s called %d times over two shifts; want %d", op, got, want)
		}
	}
	for op, want := range map[string]int{"CreateRole": 1, "AttachRolePolicy": 1, "PutRolePolicy": 1, "DeleteRolePolicy": 0} {
		if got := f.iam.count(op); got != want {
			t.Errorf("IAM %s called %d times over two shifts; want %d", op, got, want)
		}
	}
}

func TestCodeDeployCustomLinear(t *testing.T) {
	f := newCDFixture(t)
	ctx := t.Context()
	e := f.engine()

	res, err := e.Shift(ctx, f.request("1", "2", "linear:25%:1m"))
	if err != nil {
		t.Fatalf("Shift: %v", err)
	}
	f.wantAlias("2")
	if got, want := f.observed(), []float64{0.25, 0.5, 0.75, 1}; !slices.Equal(got, want) {
		t.Errorf("alias weights seen in moto: %v; want %v", got, want)
	}
	if got := aws.ToString(f.deployment(res.DeploymentID).DeploymentConfigName); got != "lamb-linear-25pct-1m" {
		t.Errorf("deployment config %q; want lamb's custom lamb-linear-25pct-1m", got)
	}
	cfg, err := f.cd.GetDeploymentConfig(ctx, &codedeploy.GetDeploymentConfigInput{DeploymentConfigName: aws.String("lamb-linear-25pct-1m")})
	if err != nil {
		t.Fatalf("get the custom config: %v", err)
	}
	tr := cfg.DeploymentConfigInfo.TrafficRoutingConfig
	if cfg.DeploymentConfigInfo.ComputePlatform != cdtypes.ComputePlatformLambda || tr.Type != cdtypes.TrafficRoutingTypeTimeBasedLinear ||
		tr.TimeBasedLinear == nil || *tr.TimeBasedLinear != (cdtypes.TimeBasedLinear{LinearPercentage: 25, LinearInterval: 1}) {
		t.Errorf("custom config %+v routing %+v; want Lambda TimeBasedLinear 25%% every minute", cfg.DeploymentConfigInfo, tr)
	}

	if _, err := e.Shift(ctx, f.request("2", "3", "linear:25%:1m")); err != nil {
		t.Fatalf("second Shift: %v", err)
	}
	f.wantAlias("3")
	if n := f.sim.Calls("CreateDeploymentConfig"); n != 1 {
		t.Errorf("CreateDeploymentConfig called %d times over two shifts; want 1", n)
	}
}

func TestCodeDeployHookFailure(t *testing.T) {
	for _, tc := range []struct {
		hook string
		// seen is the weight on the target when the failing hook ran.
		seen float64
	}{
		{hook: "BeforeAllowTraffic", seen: 0},
		{hook: "AfterAllowTraffic", seen: 1},
	} {
		t.Run(tc.hook, func(t *testing.T) {
			f := newCDFixture(t)
			f.hookStatus[tc.hook] = "Failed"
			r := f.request("1", "2", "canary:10%:5m")
			r.Hooks = Hooks{BeforeAllowTraffic: "orders-smoke", AfterAllowTraffic: "orders-verify"}

			res, err := f.engine().Shift(t.Context(), r)
			var rb *RolledBackError
			if !errors.As(err, &rb) {
				t.Fatalf("Shift error %v; want a *RolledBackError", err)
			}
			if !strings.HasPrefix(rb.Cause, "HOOK_EXECUTION_FAILURE: ") || !strings.Contains(rb.Cause, tc.hook) || res.Cause != rb.Cause {
				t.Errorf("cause %q (result %q); want CodeDeploy's HOOK_EXECUTION_FAILURE and its message naming %s", rb.Cause, res.Cause, tc.hook)
			}
			info := f.deployment(res.DeploymentID)
			if ei := info.ErrorInformation; ei == nil || !strings.Contains(rb.Cause, aws.ToString(ei.Message)) {
				t.Errorf("cause %q does not carry CodeDeploy's errorInformation %+v", rb.Cause, ei)
			}
			if res.Outcome != OutcomeRolledBack {
				t.Errorf("outcome %q; want %q", res.Outcome, OutcomeRolledBack)
			}
			if w := f.observed(); !slices.Contains(w, tc.seen) {
				t.Errorf("weights seen %v; want %v while the %s hook ran", w, tc.seen, tc.hook)
			}
			f.wantAlias("1")
		})
	}
}

// TestCodeDeployRollbackFails: when CodeDeploy cannot put the alias back,
// the shift is not reported as rolled back, and the error says what to do.
func TestCodeDeployRollbackFails(t *testing.T) {
	f := newCDFixture(t)
	f.breakRestore = true
	f.hookStatus["AfterAllowTraffic"] = "Failed"
	r := f.request("1", "2", "all-at-once")
	r.Hooks = Hooks{AfterAllowTraffic: "orders-verify"}
	res, err := f.engine().Shift(t.Context(), r)
	var rb *RolledBackError
	if err == nil || errors.As(err, &rb) || !strings.Contains(err.Error(), "lamb rollback") || !strings.Contains(err.Error(), "HOOK_EXECUTION_FAILURE") {
		t.Fatalf("Shift error %v; want an error that is no *RolledBackError, gives the cause and says to run lamb rollback", err)
	}
	if res.Outcome == OutcomeRolledBack || res.Outcome == OutcomeShifted {
		t.Errorf("outcome %q; want neither shifted nor rolled back", res.Outcome)
	}
	f.wantAlias("2")
}

func TestCodeDeployWaitsForNewRole(t *testing.T) {
	f := newCDFixture(t)
	f.roleLag = 2
	if res, err := f.engine().Shift(t.Context(), f.request("1", "2", "all-at-once")); err != nil || res.Outcome != OutcomeShifted {
		t.Fatalf("Shift with a service role CodeDeploy sees late: %+v, %v", res, err)
	}
	if n := f.sim.Calls("CreateDeploymentGroup"); n != 3 {
		t.Errorf("CreateDeploymentGroup called %d times; want 3 (two refusals while the new role propagates)", n)
	}
	f.wantAlias("2")
}

func TestServiceRoleName(t *testing.T) {
	long := strings.Repeat("a", 60)
	for _, tc := range []struct{ function, want string }{
		{"orders-api", "orders-api-lamb-codedeploy"},
		{strings.Repeat("f", 48), strings.Repeat("f", 48) + "-lamb-codedeploy"},
	} {
		if got := ServiceRoleName(tc.function); got != tc.want {
			t.Errorf("ServiceRoleName(%q) = %q; want %q", tc.function, got, tc.want)
		}
	}
	a, b := ServiceRoleName(long+"-one"), ServiceRoleName(long+"-two")
	if len(a) > 64 || len(b) > 64 || a == b || !strings.HasSuffix(a, "-lamb-codedeploy") {
		t.Errorf("long names %q and %q: want distinct names of at most 64 characters ending -lamb-codedeploy", a, b)
	}
}

func TestCodeDeployInterrupted(t *testing.T) {
	f := newCDFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// Ctrl-C while 10% of the traffic is on the new version.
	f.afterSleep = func(context.Context) {
		if w := f.observed(); w[len(w)-1] == 0.1 {
			cancel()
		}
	}
	res, err := f.engine().Shift(ctx, f.request("1", "2", "LambdaCanary10Percent30Minutes"))

	var rb *RolledBackError
	if !errors.As(err, &rb) || rb.Cause != CauseInterrupted || !errors.Is(err, context.Canceled) {
		t.Fatalf("Shift error %v; want a *RolledBackError %q that is also context.Canceled", err, CauseInterrupted)
	}
	if res.Outcome != OutcomeRolledBack || res.Cause != CauseInterrupted {
		t.Errorf("result %q %q; want %q %q", res.Outcome, res.Cause, OutcomeRolledBack, CauseInterrupted)
	}
	if stops := f.sim.Stops(); len(stops) != 1 || stops[0] != (cdsim.StopCall{DeploymentID: res.DeploymentID, AutoRollbackEnabled: true}) {
		t.Errorf("StopDeployment calls %+v; want one for %s with autoRollbackEnabled", stops, res.DeploymentID)
	}
	if st := f.deployment(res.DeploymentID).Status; st != cdtypes.DeploymentStatusStopped {
		t.Errorf("deployment status %s; want Stopped", st)
	}
	if got := f.observed(); !slices.Equal(got, []float64{0.1, 0}) {
		t.Errorf("weights seen %v; want 10%% then back to 0", got)
	}
	f.wantAlias("1")
}

func TestCodeDeployAlarmStops(t *testing.T) {
	f := newCDFixture(t)
	ctx := t.Context()
	const alarm = "orders-api-errors"
	if _, err := f.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(alarm), MetricName: aws.String("Errors"), Namespace: aws.String("AWS/Lambda"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	f.afterSleep = func(context.Context) {
		if w := f.observed(); w[len(w)-1] == 0.1 {
			if _, err := f.cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String(alarm), StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("test")}); err != nil {
				t.Error(err)
			}
		}
	}
	r := f.request("1", "2", "canary:10%:10m")
	r.Alarms = []string{alarm}
	_, err := f.engine().Shift(ctx, r)
	var rb *RolledBackError
	if !errors.As(err, &rb) || !strings.HasPrefix(rb.Cause, "ALARM_ACTIVE: ") || !strings.Contains(rb.Cause, alarm) {
		t.Fatalf("Shift error %v; want a *RolledBackError with CodeDeploy's ALARM_ACTIVE naming %s", err, alarm)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("an alarm rollback reads as an interruption: %v", err)
	}
	f.wantAlias("1")
}

func TestCodeDeployNoWait(t *testing.T) {
	f := newCDFixture(t)
	e := f.engine()
	e.NoWait = true
	res, err := e.Shift(t.Context(), f.request("1", "2", "LambdaCanary10Percent5Minutes"))
	if err != nil {
		t.Fatalf("Shift: %v", err)
	}
	if res.Outcome != OutcomeStarted || !strings.HasPrefix(res.DeploymentID, "d-") {
		t.Errorf("result %+v; want outcome %q and the deployment id", res, OutcomeStarted)
	}
	if n := f.sim.Calls("GetDeployment"); n != 0 {
		t.Errorf("GetDeployment called %d times; NoWait returns without following the deployment", n)
	}
	f.wantAlias("1")
	// The deployment goes on in CodeDeploy without lamb.
	f.sim.Advance(0)
	f.sim.Advance(5 * time.Minute)
	if st := f.deployment(res.DeploymentID).Status; st != cdtypes.DeploymentStatusSucceeded {
		t.Errorf("deployment status %s after its bake time; want Succeeded", st)
	}
	f.wantAlias("2")
}

func TestCodeDeployConfiguredResources(t *testing.T) {
	f := newCDFixture(t)
	ctx := t.Context()
	role, err := f.iam.client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("team-codedeploy"), AssumeRolePolicyDocument: aws.String(codeDeployTrustPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	roleARN := aws.ToString(role.Role.Arn)
	e := f.engine()
	e.IAM = nil // a configured role needs no IAM access
	e.Application, e.DeploymentGroup, e.ServiceRoleArn = "orders", "api", roleARN
	r := f.request("1", "2", "all-at-once")
	r.Hooks = Hooks{BeforeAllowTraffic: "orders-smoke"}

	if res, err := e.Shift(ctx, r); err != nil || res.Outcome != OutcomeShifted {
		t.Fatalf("Shift: %+v, %v", res, err)
	}
	f.wantAlias("2")
	g, err := f.cd.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{ApplicationName: aws.String("orders"), DeploymentGroupName: aws.String("api")})
	if err != nil {
		t.Fatalf("get the configured group: %v", err)
	}
	if got := aws.ToString(g.DeploymentGroupInfo.ServiceRoleArn); got != roleARN {
		t.Errorf("group service role %s; want the configured %s", got, roleARN)
	}
	if _, err := f.iam.client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(ServiceRoleName(cdFunction))}); err == nil {
		t.Errorf("lamb created its own service role although one was configured")
	}
}

// TestCodeDeployExistingGroup: a group made elsewhere without alarms or
// auto-rollback gets lamb.yaml's alarms, and a failed deployment still
// rolls back, because every deployment asks for it.
func TestCodeDeployExistingGroup(t *testing.T) {
	f := newCDFixture(t)
	ctx := t.Context()
	role, err := f.iam.client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("team-codedeploy"), AssumeRolePolicyDocument: aws.String(codeDeployTrustPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cd.CreateApplication(ctx, &codedeploy.CreateApplicationInput{ApplicationName: aws.String("orders"), ComputePlatform: cdtypes.ComputePlatformLambda}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cd.CreateDeploymentGroup(ctx, &codedeploy.CreateDeploymentGroupInput{
		ApplicationName: aws.String("orders"), DeploymentGroupName: aws.String("api"), ServiceRoleArn: role.Role.Arn,
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("orders-api-errors"), MetricName: aws.String("Errors"), Namespace: aws.String("AWS/Lambda"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	e := f.engine()
	e.Application, e.DeploymentGroup = "orders", "api"
	f.hookStatus["AfterAllowTraffic"] = "Failed"
	r := f.request("1", "2", "all-at-once")
	r.Hooks = Hooks{AfterAllowTraffic: "orders-verify"}
	r.Alarms = []string{"orders-api-errors"}

	_, err = e.Shift(ctx, r)
	var rb *RolledBackError
	if !errors.As(err, &rb) {
		t.Fatalf("Shift error %v; want a *RolledBackError", err)
	}
	f.wantAlias("1")
	g, err := f.cd.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{ApplicationName: aws.String("orders"), DeploymentGroupName: aws.String("api")})
	if err != nil {
		t.Fatal(err)
	}
	if a := g.DeploymentGroupInfo.AlarmConfiguration; a == nil || !a.Enabled || len(a.Alarms) != 1 || aws.ToString(a.Alarms[0].Name) != "orders-api-errors" {
		t.Errorf("group alarms %+v; want lamb.yaml's orders-api-errors", a)
	}
	if n := f.sim.Calls("CreateDeploymentGroup"); n != 1 {
		t.Errorf("CreateDeploymentGroup called %d times; want only the test's own", n)
	}
	if n := f.iam.count("CreateRole") + f.iam.count("PutRolePolicy"); n != 0 {
		t.Errorf("%d IAM writes to a group's role lamb did not create; want none", n)
	}
}

func TestCodeDeployRefusesBeforeAnyCall(t *testing.T) {
	canary := func(s string) appspec.Strategy {
		st, err := appspec.ParseStrategy(s)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	// A strategy CodeDeploy cannot express is lamb.yaml's to change.
	unsupportedStrategy := func(err error) bool {
		var ce *CodeDeployConfigError
		return errors.Is(err, appspec.ErrCodeDeployUnsupported) && errors.As(err, &ce) && ce.Field == "deploy.strategy"
	}
	for _, tc := range []struct {
		name  string
		req   Request
		check func(error) bool
	}{
		{"fractional percent", Request{Strategy: canary("canary:2.5%:5m")}, unsupportedStrategy},
		{"seconds", Request{Strategy: canary("linear:10%:90s")}, unsupportedStrategy},
		{"error-rate gate", Request{Strategy: canary("canary:10%:5m"), Gate: &ErrorRateGate{MaxErrorRate: 0.01}}, func(err error) bool {
			var ce *CodeDeployConfigError
			return errors.As(err, &ce) && ce.Field == "deploy.engine"
		}},
		{"same version", Request{Strategy: canary("all-at-once"), Current: "2", Target: "2"}, func(err error) bool {
			var ve *appspec.ValidationError
			return errors.As(err, &ve)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Function, tc.req.Alias = cdFunction, cdAlias
			if tc.req.Current == "" {
				tc.req.Current, tc.req.Target = "1", "2"
			}
			sim := cdsim.New(cdsim.Options{})
			srv := httptest.NewServer(sim)
			defer srv.Close()
			e := &CodeDeployEngine{CodeDeploy: codedeploy.New(codedeploy.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL)})}
			_, err := e.Shift(t.Context(), tc.req)
			if !tc.check(err) {
				t.Errorf("Shift error %v; not the expected kind", err)
			}
			if n := sim.TotalCalls(); n != 0 {
				t.Errorf("%d CodeDeploy calls made; want none before the request is known to be usable", n)
			}
		})
	}
}

// TestCodeDeployExampleHook runs the example hook lamb init offers under
// Node.js, with a stand-in for the AWS SDK module that sends its command to
// the simulator: the hook must report Succeeded with the ids it was given.
func TestCodeDeployExampleHook(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: cannot run the example hook")
	}
	f := newCDFixture(t)
	dir := t.TempDir()
	sdk := filepath.Join(dir, "node_modules", "@aws-sdk", "client-codedeploy")
	files := map[string]string{
		filepath.Join(dir, "hook.mjs"):     string(templates.CodeDeployHook()),
		filepath.Join(dir, "run.mjs"):      runHookJS,
		filepath.Join(sdk, "package.json"): `{"name":"@aws-sdk/client-codedeploy","type":"module","exports":"./index.mjs"}`,
		filepath.Join(sdk, "index.mjs"):    sdkStandInJS,
	}
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f.onHook = func(c cdsim.HookCall) {
		event := `{"DeploymentId":"` + c.DeploymentID + `","LifecycleEventHookExecutionId":"` + c.LifecycleEventHookExecutionID + `"}`
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "run.mjs"), event)
		cmd.Env = append(os.Environ(), "CODEDEPLOY_ENDPOINT="+f.simURL)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("run the example hook: %v\n%s", err, out)
		}
	}
	r := f.request("1", "2", "all-at-once")
	r.Hooks = Hooks{BeforeAllowTraffic: "orders-smoke", AfterAllowTraffic: "orders-verify"}
	if res, err := f.engine().Shift(t.Context(), r); err != nil || res.Outcome != OutcomeShifted {
		t.Fatalf("Shift with the example hook: %+v, %v", res, err)
	}
	if n := f.sim.Calls("PutLifecycleEventHookExecutionStatus"); n != 2 {
		t.Errorf("the example hook reported %d statuses; want one per hook (2)", n)
	}
	f.wantAlias("2")
}

// runHookJS calls the hook's handler with the event in argv[2].
const runHookJS = `import { handler } from "./hook.mjs";
const out = await handler(JSON.parse(process.argv[2]));
if (out?.status !== "Succeeded") { console.error("hook answered", out); process.exit(1); }
`

// sdkStandInJS stands in for @aws-sdk/client-codedeploy: it sends the
// command as CodeDeploy's JSON protocol to CODEDEPLOY_ENDPOINT, unsigned.
const sdkStandInJS = `export class CodeDeployClient {
  async send(command) {
    const res = await fetch(process.env.CODEDEPLOY_ENDPOINT, {
      method: "POST",
      headers: { "X-Amz-Target": "CodeDeploy_20141006." + command.operation, "Content-Type": "application/x-amz-json-1.1" },
      body: JSON.stringify(command.input),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.__type + ": " + body.message);
    return body;
  }
}
export class PutLifecycleEventHookExecutionStatusCommand {
  constructor(input) { this.input = input; this.operation = "PutLifecycleEventHookExecutionStatus"; }
}
`
