package cmd

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// shiftClock is the shift engine's clock in these tests: it moves only
// when the engine sleeps, and onSleep runs during each bake.
type shiftClock struct {
	mu      sync.Mutex
	now     time.Time
	onSleep func()
}

// shiftEpoch starts the clock at a fixed time, so outputs are golden.
var shiftEpoch = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *shiftClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	if c.onSleep != nil {
		c.onSleep()
	}
	return ctx.Err()
}

func (c *shiftClock) tune(d *shift.Direct) { d.Now, d.Sleep = c.Now, c.Sleep }

// shiftProject is a project with one function, api (orders-api), on the
// emulator's role, with the deploy settings given (the inside of a flow
// mapping), and its first code.
func shiftProject(t *testing.T, env *testenv.Env, deploySettings string) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("LAMB_CACHE_DIR", t.TempDir())
	yaml := "functions:\n  api:\n    name: orders-api\n    runtime: nodejs22.x\n    handler: index.handler\n    role: " + env.RoleARN +
		"\n    package: {dependencies: none}\n    deploy: {" + deploySettings + "}\n"
	write(t, filepath.Join(dir, "lamb.yaml"), []byte(yaml))
	write(t, filepath.Join(dir, "index.js"), []byte("exports.handler = async () => 1;\n"))
	return dir
}

// deployedOnce deploys api through lamb deploy: version 1, alias live.
func deployedOnce(t *testing.T, deploySettings string) (dir string, env *testenv.Env, raw *lambda.Client) {
	t.Helper()
	env = testenv.Moto(t)
	dir = shiftProject(t, env, deploySettings)
	if code, _, stderr := lambMoto(t, env, dir, "deploy"); code != 0 {
		t.Fatalf("first deploy: exit %d\n%s", code, stderr)
	}
	raw, err := env.Session(t).Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return dir, env, raw
}

// deployedWithTwoVersions is deployedOnce with version 2 published beside
// version 1 with the SDK.
func deployedWithTwoVersions(t *testing.T, deploySettings string) (dir string, env *testenv.Env, raw *lambda.Client) {
	t.Helper()
	dir, env, raw = deployedOnce(t, deploySettings)
	publish(t, raw, "2")
	return dir, env, raw
}

// publish publishes new code as version, the next one, with the SDK.
func publish(t *testing.T, raw *lambda.Client, version string) {
	t.Helper()
	err := setupCall(func() error {
		// A call whose answer was lost may have published the version.
		if _, err := raw.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("orders-api"), Qualifier: aws.String(version)}); err == nil {
			return nil
		}
		_, err := raw.UpdateFunctionCode(t.Context(), &lambda.UpdateFunctionCodeInput{
			FunctionName: aws.String("orders-api"), ZipFile: zipOf(t, "index.js", "exports.handler = async () => "+version+";\n"), Publish: true,
		})
		return err
	})
	if err != nil {
		t.Fatalf("publish version %s: %v", version, err)
	}
}

// setupCall makes one of the tests' own setup calls, once more when the
// emulator dropped the connection (it does, now and then, under load): the
// code under test is not at fault then.
func setupCall(call func() error) error {
	err := call()
	if err != nil && (strings.Contains(err.Error(), "closed network connection") || strings.Contains(err.Error(), "connection reset")) {
		err = call()
	}
	return err
}

// wantLive fails the test unless live serves version alone and, when
// description is not "", records it; mustLive stops the test.
func wantLive(t *testing.T, raw *lambda.Client, version, description string) {
	t.Helper()
	if !liveIs(t, raw, version, description) {
		t.Fail()
	}
}

func mustLive(t *testing.T, raw *lambda.Client, version, description string) {
	t.Helper()
	if !liveIs(t, raw, version, description) {
		t.FailNow()
	}
}

func liveIs(t *testing.T, raw *lambda.Client, version, description string) bool {
	t.Helper()
	if v, w := aliasOn(t, raw, "live"); v != version || len(w) != 0 {
		t.Logf("live is on %s %v, want %s alone", v, w, version)
		return false
	}
	if d := aliasDescription(t, raw); description != "" && d != description {
		t.Logf("live records %q, want %q", d, description)
		return false
	}
	return true
}

// aliasDescription reads the live alias's description with the SDK.
func aliasDescription(t *testing.T, raw *lambda.Client) string {
	t.Helper()
	a, err := raw.GetAlias(t.Context(), &lambda.GetAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(a.Description)
}

// recordShift puts live where a direct shift from version from to version
// to by canary:10%:5m leaves it at its first step, record and weights
// alike, as a lamb that died there would (the record's format is
// documented).
func recordShift(t *testing.T, raw *lambda.Client, from, to string) {
	t.Helper()
	err := setupCall(func() error {
		_, err := raw.UpdateAlias(t.Context(), &lambda.UpdateAliasInput{
			FunctionName: aws.String("orders-api"), Name: aws.String("live"), FunctionVersion: aws.String(from),
			Description:   aws.String(fmt.Sprintf("lamb: shifting %s->%s canary:10%%:5m step 1/2 since 2026-03-02T09:30:00Z", from, to)),
			RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{to: 0.1}},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// projectConfig loads dir's lamb.yaml.
func projectConfig(t *testing.T, dir string) func() (*config.Config, error) {
	return func() (*config.Config, error) {
		return config.Load(t.Context(), filepath.Join(dir, "lamb.yaml"), config.LoadOptions{})
	}
}

// motoFactory is a factory whose AWS session is the emulator's.
func motoFactory(t *testing.T, env *testenv.Env, io *ui.IOStreams) *Factory {
	t.Helper()
	f := NewFactory(io)
	sess := env.Session(t)
	f.AWS = func() *awsconf.Session { return sess }
	return f
}

// TestDeployShiftsThroughTheWeights deploys twice with a canary: the
// second deploy moves live from 1 to 2 through half the traffic, read back
// during the bake with the SDK.
func TestDeployShiftsThroughTheWeights(t *testing.T) {
	dir, env, raw := deployedOnce(t, "strategy: canary:50%:5m")
	write(t, filepath.Join(dir, "index.js"), []byte("exports.handler = async () => 2;\n"))

	type seen struct {
		version string
		weights map[string]float64
	}
	var during []seen
	clock := &shiftClock{now: shiftEpoch}
	clock.onSleep = func() {
		v, w := aliasOn(t, raw, "live")
		during = append(during, seen{v, w})
	}
	io, out, errOut := ui.Test()
	opts := &DeployOptions{IO: io, Config: projectConfig(t, dir), Clients: motoFactory(t, env, io).deployClients, Now: time.Now,
		TuneShift: clock.tune, CacheDir: t.TempDir(), JSON: true}
	if err := deployRun(t.Context(), opts); err != nil {
		t.Fatalf("deploy: %v\n%s", err, errOut)
	}
	doc := decode[pipeline.DeployReport](t, out.String())
	f := doc.Functions[0]
	if f.Outcome != pipeline.OutcomeDeployed || f.Version != "2" || f.PreviousVersion != "1" || f.Shift == nil {
		t.Fatalf("deploy result %+v, want 1 → 2 deployed through a shift", f)
	}
	sh := f.Shift
	if sh.Outcome != shift.OutcomeShifted || sh.Strategy != "canary:50%:5m" || sh.Engine != "direct" || sh.Current != "1" || sh.Target != "2" ||
		len(sh.Steps) != 2 || sh.Steps[0].Weight != 0.5 || sh.Steps[1].Weight != 1 || !sh.Steps[0].At.Equal(shiftEpoch) || !sh.Steps[1].At.Equal(shiftEpoch.Add(5*time.Minute)) {
		t.Errorf("shift %+v, want 50%% at %s then 100%% five minutes later", sh, shiftEpoch)
	}
	if len(during) == 0 || during[0].version != "1" || len(during[0].weights) != 1 || during[0].weights["2"] != 0.5 {
		t.Errorf("during the bake live was %+v, want 1 with half on 2", during)
	}
	wantLive(t, raw, "2", "lamb: previous=1")
}

// TestDeployWithAFailingHookExits5 deploys with an afterAllowTraffic hook
// that fails: the alias goes back, the summary says why, the exit is 5.
func TestDeployWithAFailingHookExits5(t *testing.T) {
	dir, env, raw := deployedOnce(t, "hooks: {afterAllowTraffic: orders-verify}")
	write(t, filepath.Join(dir, "index.js"), []byte("exports.handler = async () => 2;\n"))
	env.QueueInvokeResults(t, `{"status":"Failed"}`)

	code, stdout, stderr := lambMoto(t, env, dir, "deploy")
	cause := `AfterAllowTraffic hook orders-verify failed: it returned {"status":"Failed"}`
	if code != ExitRolledBack || !strings.Contains(stdout, "rolled back") || !strings.Contains(stdout, cause) ||
		!strings.Contains(stdout, "live 1 → 2 by all-at-once (100%): rolled back, live serves 1 again") {
		t.Fatalf("deploy: exit %d\nstdout %s\nstderr %s\nwant exit 5 and a summary naming the hook", code, stdout, stderr)
	}
	wantLive(t, raw, "1", "lamb: rolled back from 2")
}

// TestShiftCommand runs lamb shift --to: the steps and the outcome, as
// text and as JSON, with the alias read back.
func TestShiftCommand(t *testing.T) {
	dir, env, raw := deployedWithTwoVersions(t, "strategy: linear:50%:1m")
	run := func(o *ShiftOptions) (string, error) {
		io, out, _ := ui.Test()
		o.IO, o.Config, o.Clients, o.Function = io, projectConfig(t, dir), motoFactory(t, env, io).shiftClients, "api"
		o.Tune = (&shiftClock{now: shiftEpoch}).tune
		err := shiftRun(t.Context(), o)
		return out.String(), err
	}

	out, err := run(&ShiftOptions{To: "2"})
	if err != nil {
		t.Fatalf("shift --to 2: %v", err)
	}
	golden.Assert(t, filepath.Join("shift", "linear.txt"), []byte(out))
	mustLive(t, raw, "2", "")

	// And back, by a strategy of the command line.
	out, err = run(&ShiftOptions{To: "1", Strategy: "canary:10%:5m", JSON: true})
	if err != nil {
		t.Fatalf("shift --to 1: %v", err)
	}
	golden.Assert(t, filepath.Join("shift", "canary.json"), []byte(out))
	mustLive(t, raw, "1", "lamb: previous=2")
}

// TestShiftInterruptedExits130 interrupts lamb shift during its bake: the
// alias goes back, and the exit status is 130.
func TestShiftInterruptedExits130(t *testing.T) {
	dir, env, raw := deployedWithTwoVersions(t, "strategy: canary:10%:5m")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	clock := &shiftClock{now: shiftEpoch, onSleep: cancel}
	io, out, _ := ui.Test()
	err := shiftRun(ctx, &ShiftOptions{IO: io, Config: projectConfig(t, dir), Clients: motoFactory(t, env, io).shiftClients,
		Tune: clock.tune, Function: "api", To: "2"})
	if code, _ := classify(err); code != ExitInterrupted || !strings.Contains(out.String(), "api: live 1 → 2 by canary:10%:5m (10%): rolled back, live serves 1 again") {
		t.Errorf("interrupted shift: exit %d (%v), stdout %s", code, err, out)
	}
	wantLive(t, raw, "1", "")
}

// TestShiftCommandRefusals are the shifts lamb shift refuses before
// anything moves, with their exit statuses.
func TestShiftCommandRefusals(t *testing.T) {
	dir, env, raw := deployedWithTwoVersions(t, "")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"a misspelt strategy", []string{"--to", "2", "--strategy", "canery:10%:5m"}, ExitUsage, `--strategy: strategy "canery:10%:5m": unknown kind "canery"`},
		{"no target", []string{}, ExitUsage, "at least one of the flags in the group [to appspec resume] is required"},
		{"two targets", []string{"--to", "2", "--resume"}, ExitUsage, "none of the others can be"},
		{"a missing version", []string{"--to", "7"}, ExitFailure, "orders-api has no published version 7"},
		{"nothing to resume", []string{"--resume"}, ExitFailure, "no shift in progress"},
		{"a missing AppSpec", []string{"--appspec", "nothere.yaml"}, ExitUsage, "--appspec nothere.yaml: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := lambMoto(t, env, dir, append([]string{"shift", "api"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d saying %q", code, stderr, tt.code, tt.want)
			}
		})
	}
	wantLive(t, raw, "1", "")

	// What the codedeploy engine cannot run is refused before it calls
	// CodeDeploy.
	write(t, filepath.Join(dir, "lamb.yaml"), []byte(strings.Replace(readFile(t, filepath.Join(dir, "lamb.yaml")), "deploy: {}", "deploy: {engine: codedeploy, gate: {}}", 1)))
	code, _, stderr := lambMoto(t, env, dir, "shift", "api", "--to", "2")
	if code != ExitUsage || !strings.Contains(stderr, "deploy.engine: the codedeploy engine cannot gate on the error rate") || !strings.Contains(stderr, "change deploy.engine in lamb.yaml") {
		t.Errorf("shift with engine codedeploy and a gate: exit %d, stderr %q; want 2 naming deploy.engine", code, stderr)
	}
	wantLive(t, raw, "1", "")
}

// TestShiftRunsAnAppSpec runs an AppSpec whose hook fails after the
// traffic moved: exit 5, the alias back on 1.
func TestShiftRunsAnAppSpec(t *testing.T) {
	dir, env, raw := deployedWithTwoVersions(t, "strategy: all-at-once")
	spec := "version: 0.0\nResources:\n  - api:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: orders-api\n        Alias: live\n        CurrentVersion: 1\n        TargetVersion: 2\nHooks:\n  - AfterAllowTraffic: orders-verify\n"
	write(t, filepath.Join(dir, "appspec.yaml"), []byte(spec))
	env.QueueInvokeResults(t, `{"status":"Failed"}`)
	code, stdout, stderr := lambMoto(t, env, dir, "shift", "api", "--appspec", filepath.Join(dir, "appspec.yaml"))
	if code != ExitRolledBack || !strings.Contains(stderr, "shift of alias live of orders-api rolled back: AfterAllowTraffic hook orders-verify failed") ||
		!strings.Contains(stdout, "api: live 1 → 2 by all-at-once (100%): rolled back, live serves 1 again") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s\nwant 5, the hook named", code, stdout, stderr)
	}
	wantLive(t, raw, "1", "")

	write(t, filepath.Join(dir, "other.yaml"), []byte(strings.Replace(spec, "Name: orders-api", "Name: payments", 1)))
	code, _, stderr = lambMoto(t, env, dir, "shift", "api", "--appspec", filepath.Join(dir, "other.yaml"))
	if code != ExitUsage || !strings.Contains(stderr, "the AppSpec deploys function payments, not orders-api") {
		t.Errorf("an AppSpec of another function: exit %d, stderr %q", code, stderr)
	}
}

// TestShiftInProgress leaves a shift recorded on live as a lamb that died
// would: status shows it, deploy refuses it, rollback undoes it, resume
// finishes it, deploy --force deploys over it.
func TestShiftInProgress(t *testing.T) {
	dir, env, raw := deployedWithTwoVersions(t, "")
	recordShift(t, raw, "1", "2")

	code, stdout, stderr := lambMoto(t, env, dir, "status", "api")
	if code != 0 || !strings.Contains(stdout, "shift                1 → 2 by canary:10%:5m, step 1/2 (10% on 2) since 2026-03-02T09:30:00Z\n") ||
		!strings.Contains(stdout, "'lamb shift api --resume' finishes it, 'lamb rollback api' undoes it") {
		t.Errorf("status: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = lambMoto(t, env, dir, "status", "api", "-o", "json")
	doc := decode[statusDocument](t, stdout)
	if sh := doc.Shift; code != 0 || sh == nil || sh.Current != "1" || sh.Target != "2" || sh.Strategy != "canary:10%:5m" || sh.Step != 1 || sh.Steps != 2 || sh.Weight != 0.1 || !sh.Since.Equal(shiftEpoch) {
		t.Errorf("status -o json: exit %d, shift %+v", code, doc.Shift)
	}

	write(t, filepath.Join(dir, "index.js"), []byte("exports.handler = async () => 3;\n"))
	code, _, stderr = lambMoto(t, env, dir, "deploy")
	if code != ExitFailure || !strings.Contains(stderr, "a traffic shift is in progress (shifting 1->2 (canary:10%:5m) step 1/2") || !strings.Contains(stderr, "--force") {
		t.Errorf("deploy over a shift: exit %d, stderr %s; want 1, refused", code, stderr)
	}
	if v, w := aliasOn(t, raw, "live"); v != "1" || w["2"] != 0.1 {
		t.Fatalf("the refused deploy moved live to %s %v", v, w)
	}

	code, stdout, stderr = lambMoto(t, env, dir, "rollback", "api")
	if code != 0 || stdout != "api: live 1 (90%), 2 (10%) → 1: undid the shift to 2 (canary:10%:5m, step 1/2)\n" {
		t.Fatalf("rollback: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	mustLive(t, raw, "1", "lamb: rolled back from 2")

	// Its bake started long ago, so the resume goes straight on.
	recordShift(t, raw, "1", "2")
	code, stdout, stderr = lambMoto(t, env, dir, "shift", "api", "--resume", "-o", "json")
	res := decode[shiftDocument](t, stdout)
	if code != 0 || res.Outcome != shift.OutcomeShifted || res.Current != "1" || res.Target != "2" || res.Strategy != "canary:10%:5m" {
		t.Fatalf("shift --resume: exit %d, %+v, stderr %s", code, res, stderr)
	}
	mustLive(t, raw, "2", "")

	// --force undoes the shift and deploys over it.
	publish(t, raw, "3")
	recordShift(t, raw, "2", "3")
	code, stdout, stderr = lambMoto(t, env, dir, "deploy", "--force")
	if code != 0 {
		t.Fatalf("deploy --force: exit %d\n%s%s", code, stdout, stderr)
	}
	wantLive(t, raw, "4", "lamb: previous=2")
}

func TestRollbackRefusesAShiftSomeoneMoved(t *testing.T) {
	dir, env, raw := deployedWithTwoVersions(t, "")
	recordShift(t, raw, "1", "2")
	// Someone sets the weights by hand, leaving the record.
	if _, err := raw.UpdateAlias(t.Context(), &lambda.UpdateAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String("live"),
		RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.5}}}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := lambMoto(t, env, dir, "rollback", "api")
	if code != ExitFailure || !strings.Contains(stderr, "was changed by someone else") || !strings.Contains(stderr, "lamb rollback api --to VERSION") {
		t.Errorf("rollback: exit %d, stderr %s", code, stderr)
	}
	if _, w := aliasOn(t, raw, "live"); w["2"] != 0.5 {
		t.Errorf("the refused rollback moved live: %v", w)
	}
	// --to sets the alias whatever it records.
	if code, _, stderr := lambMoto(t, env, dir, "rollback", "api", "--to", "1"); code != 0 {
		t.Errorf("rollback --to 1: exit %d, %s", code, stderr)
	}
	wantLive(t, raw, "1", "")
}

// bothErrors is an error that is each of its errors.
type bothErrors []error

func (e bothErrors) Error() string   { return errors.Join(e...).Error() }
func (e bothErrors) Unwrap() []error { return e }

func TestClassifyShiftErrors(t *testing.T) {
	rb := &shift.RolledBackError{Function: "orders-api", Alias: "live", Cause: "alarm x is in ALARM"}
	interrupted := &shift.RolledBackError{Function: "orders-api", Alias: "live", Cause: shift.CauseInterrupted, Err: context.Canceled}
	for _, tt := range []struct {
		err  error
		want int
	}{
		{rb, ExitRolledBack},
		{fmt.Errorf("alias api: %w", rb), ExitRolledBack},
		{interrupted, ExitInterrupted},
		{&shift.AliasChangedError{Function: "orders-api", Alias: "live"}, ExitFailure},
		{fmt.Errorf("deploy.engine: %w", pipeline.ErrEngineUnavailable), ExitUsage},
		{fmt.Errorf("deploy api: %w", &shift.CodeDeployConfigError{Field: "deploy.engine", Message: "no gate"}), ExitUsage},
		// The codedeploy engine's interrupted shift is a rollback and the
		// context's error at once.
		{bothErrors{rb, context.Canceled}, ExitInterrupted},
	} {
		if got, _ := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	if got := failureCode(errors.Join(fmt.Errorf("alias a: %w", rb), fmt.Errorf("alias b: %w", rb))); got != ExitRolledBack {
		t.Errorf("failureCode of two rollbacks = %d, want 5", got)
	}
	if got := failureCode(errors.Join(rb, errors.New("boom"))); got != ExitFailure {
		t.Errorf("failureCode of a rollback and a failure = %d, want 1", got)
	}
}

// shiftingLambda is routedLambda with live recording a shift from 3 to 2
// at its first step.
type shiftingLambda struct{ routedLambda }

func (s shiftingLambda) ListAliases(ctx context.Context, in *lambda.ListAliasesInput, o ...func(*lambda.Options)) (*lambda.ListAliasesOutput, error) {
	out, _ := s.routedLambda.ListAliases(ctx, in, o...)
	out.Aliases[0].Description = aws.String("lamb: shifting 3->2 canary:10%:5m step 1/2 since 2026-03-02T09:31:00Z (previous=1)")
	return out, nil
}

func TestStatusOfAShiftGolden(t *testing.T) {
	for _, name := range []string{"shift.txt", "shift.json"} {
		t.Run(name, func(t *testing.T) {
			io, out, _ := ui.Test()
			opts := &StatusOptions{IO: io, Config: fixedConfig(t), Function: "api", JSON: strings.HasSuffix(name, ".json"),
				Lambda: func(context.Context) (deploy.LambdaAPI, error) {
					return shiftingLambda{routedLambda{strictLambda{t}}}, nil
				}}
			if err := statusRun(t.Context(), opts); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("status", name), out.Bytes())
		})
	}
}

func TestAppSpecGolden(t *testing.T) {
	cfg, err := config.Parse(t.Context(), []byte("functions:\n  api:\n    name: orders-api\n    runtime: nodejs22.x\n    handler: index.handler\n"+
		"    deploy: {alias: beta, hooks: {beforeAllowTraffic: orders-smoke, afterAllowTraffic: orders-verify}}\n"), filepath.Join(t.TempDir(), "lamb.yaml"), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(target string, json bool) (string, error) {
		io, out, _ := ui.Test()
		opts := &AppSpecOptions{IO: io, Config: func() (*config.Config, error) { return cfg, nil }, Function: "api", Target: target, JSON: json,
			Lambda: func(context.Context) (deploy.LambdaAPI, error) { return routedLambda{strictLambda{t}}, nil }}
		err := appSpecRun(t.Context(), opts)
		return out.String(), err
	}
	for _, tt := range []struct {
		name, target string
		json         bool
	}{{"next.yaml", "", false}, {"next.json", "", true}, {"target.yaml", "2", false}} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(tt.target, tt.json)
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("appspec", tt.name), []byte(out))
		})
	}
	for target, want := range map[string]string{
		"7": "--target 7: orders-api has no published version 7",
		"1": "equals CurrentVersion 1: there is no traffic to move",
	} {
		if _, err := run(target, false); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--target %s: %v, want %q", target, err, want)
		} else if code, _ := classify(err); code != ExitUsage {
			t.Errorf("--target %s: exit %d, want 2", target, code)
		}
	}

	// live serves 3, the newest version: nothing comes next.
	io, _, _ := ui.Test()
	err = appSpecRun(t.Context(), &AppSpecOptions{IO: io, Config: fixedConfig(t), Function: "api",
		Lambda: func(context.Context) (deploy.LambdaAPI, error) { return routedLambda{strictLambda{t}}, nil }})
	if code, _ := classify(err); code != ExitUsage || !strings.Contains(err.Error(), "no version of orders-api above 3, the one alias live serves, is published") {
		t.Errorf("appspec with nothing newer: exit %d, %v", code, err)
	}
}

// zipOf is a zip holding one file.
func zipOf(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err == nil {
		_, err = w.Write([]byte(content))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
