package cmd

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/cdsim"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// cdProject is a project whose api function moves its alias with the
// codedeploy engine: Lambda is moto, CodeDeploy the simulator, which moves
// the alias in moto. Each reaches lamb the way a user points lamb at a
// local CodeDeploy: AWS_ENDPOINT_URL for every service, and
// AWS_ENDPOINT_URL_CODEDEPLOY for CodeDeploy alone.
type cdProject struct {
	t   *testing.T
	dir string
	env *testenv.Env
	raw *lambda.Client
	sim *cdsim.Simulator

	mu sync.Mutex
	// seen holds the target's share of traffic after each engine sleep.
	seen []float64
}

func newCDProject(t *testing.T, deploySettings string) *cdProject {
	t.Helper()
	env := testenv.Moto(t)
	raw, err := env.Session(t).Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sim := cdsim.New(cdsim.Options{Lambda: raw, Region: env.Region, AccountID: testenv.AccountID})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL", env.Endpoint)
	t.Setenv("AWS_ENDPOINT_URL_CODEDEPLOY", srv.URL)
	settings := `engine: codedeploy, codedeploy: {serviceRoleArn: "` + env.RoleARN + `"}`
	if deploySettings != "" {
		settings += ", " + deploySettings
	}
	return &cdProject{t: t, dir: shiftProject(t, env, settings), env: env, raw: raw, sim: sim}
}

// factory is a factory whose session has no --endpoint-url, which would
// send CodeDeploy to moto too.
func (p *cdProject) factory(io *ui.IOStreams) *Factory {
	f := NewFactory(io)
	sess := awsconf.NewSession(awsconf.Options{Region: p.env.Region, MaxAttempts: 1})
	f.AWS = func() *awsconf.Session { return sess }
	return f
}

// tune runs the engine on the simulator's clock: each sleep advances it,
// then records where the alias is.
func (p *cdProject) tune(target string) func(*shift.CodeDeployEngine) {
	return func(e *shift.CodeDeployEngine) {
		e.PollInterval, e.Now = time.Minute, p.sim.Now
		e.Sleep = func(ctx context.Context, d time.Duration) error {
			p.sim.Advance(d)
			version, weights := aliasOn(p.t, p.raw, "live")
			w := weights[target]
			if version == target {
				w = 1
			}
			p.mu.Lock()
			p.seen = append(p.seen, w)
			p.mu.Unlock()
			return ctx.Err()
		}
	}
}

func (p *cdProject) deploy(noWait, jsonOut bool, target string) (string, error) {
	p.t.Helper()
	io, out, _ := ui.Test()
	opts := &DeployOptions{IO: io, Config: projectConfig(p.t, p.dir), Clients: p.factory(io).deployClients, Now: time.Now,
		TuneCodeDeploy: p.tune(target), NoWait: noWait, CacheDir: p.t.TempDir(), JSON: jsonOut}
	err := deployRun(p.t.Context(), opts)
	return out.String(), err
}

func (p *cdProject) shift(to string, noWait, jsonOut bool) (string, error) {
	p.t.Helper()
	io, out, _ := ui.Test()
	opts := &ShiftOptions{IO: io, Config: projectConfig(p.t, p.dir), Clients: p.factory(io).shiftClients,
		TuneCodeDeploy: p.tune(to), Function: "api", To: to, NoWait: noWait, JSON: jsonOut}
	err := shiftRun(p.t.Context(), opts)
	return out.String(), err
}

// finish runs the deployment a --no-wait left to CodeDeploy: it advances
// the simulator a minute at a time until the alias serves target alone.
func (p *cdProject) finish(target string) {
	p.t.Helper()
	for range 60 {
		p.sim.Advance(time.Minute)
		if v, w := aliasOn(p.t, p.raw, "live"); v == target && len(w) == 0 {
			return
		}
	}
	p.t.Fatalf("the CodeDeploy deployment did not bring live to %s within an hour", target)
}

// newCode changes the function's code, so the next deploy publishes.
func (p *cdProject) newCode(n string) {
	write(p.t, filepath.Join(p.dir, "index.js"), []byte("exports.handler = async () => "+n+";\n"))
}

// TestCodeDeployThroughTheCommands deploys and shifts with the codedeploy
// engine: CodeDeploy moves the alias in steps, lamb records the version it
// left so that lamb rollback goes back, and --no-wait hands over the
// deployment id.
func TestCodeDeployThroughTheCommands(t *testing.T) {
	p := newCDProject(t, "strategy: canary:50%:5m")
	if _, err := p.deploy(false, false, "1"); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	mustLive(t, p.raw, "1", "lamb: created")

	p.newCode("2")
	out, err := p.deploy(false, true, "2")
	if err != nil {
		t.Fatalf("second deploy: %v\n%s", err, out)
	}
	f := decode[pipeline.DeployReport](t, out).Functions[0]
	if f.Outcome != pipeline.OutcomeDeployed || f.Version != "2" || f.PreviousVersion != "1" || f.Shift == nil ||
		f.Shift.Engine != pipeline.EngineCodeDeploy || f.Shift.Outcome != shift.OutcomeShifted || f.Shift.DeploymentID == "" {
		t.Fatalf("deploy result %+v (shift %+v), want 1 → 2 shifted by a CodeDeploy deployment", f, f.Shift)
	}
	if n := p.sim.Calls("CreateDeployment"); n != 1 {
		t.Errorf("%d CodeDeploy deployments created, want 1", n)
	}
	p.mu.Lock()
	seen := p.seen
	p.mu.Unlock()
	if len(seen) == 0 || seen[0] != 0.5 || seen[len(seen)-1] != 1 {
		t.Errorf("the target's share after each poll: %v; want half, then all", seen)
	}
	mustLive(t, p.raw, "2", "lamb: previous=1")

	if code, _, stderr := lambMoto(t, p.env, p.dir, "rollback", "api"); code != 0 {
		t.Fatalf("rollback: exit %d\n%s", code, stderr)
	}
	mustLive(t, p.raw, "1", "lamb: previous=2")

	// --no-wait: the deployment is CodeDeploy's to run; the alias has not
	// moved yet.
	out, err = p.shift("2", true, false)
	if err != nil {
		t.Fatalf("shift --no-wait: %v\n%s", err, out)
	}
	if !strings.Contains(out, "api: live 1 → 2 by canary:50%:5m") || !strings.Contains(out, ": started; CodeDeploy deployment d-") {
		t.Errorf("shift --no-wait printed %q, want the outcome started and the deployment id", out)
	}
	wantLive(t, p.raw, "1", "")
	p.finish("2")

	p.newCode("3")
	out, err = p.deploy(true, true, "3")
	if err != nil {
		t.Fatalf("deploy --no-wait: %v\n%s", err, out)
	}
	f = decode[pipeline.DeployReport](t, out).Functions[0]
	if f.Outcome != pipeline.OutcomeStarted || f.Version != "3" || f.Shift == nil || f.Shift.Outcome != shift.OutcomeStarted || !strings.HasPrefix(f.Shift.DeploymentID, "d-") {
		t.Errorf("deploy --no-wait result %+v (shift %+v), want started with the deployment id", f, f.Shift)
	}
	p.finish("3")

	// lamb shift waits for its deployment and records the version left.
	out, err = p.shift("2", false, true)
	if err != nil {
		t.Fatalf("shift --to 2: %v\n%s", err, out)
	}
	if doc := decode[shiftDocument](t, out); doc.Outcome != shift.OutcomeShifted || doc.Engine != pipeline.EngineCodeDeploy || doc.Current != "3" || doc.DeploymentID == "" {
		t.Errorf("shift --to 2: %+v, want 3 → 2 shifted by CodeDeploy", doc)
	}
	wantLive(t, p.raw, "2", "lamb: previous=3")
	if n := p.sim.Calls("CreateDeployment"); n != 4 {
		t.Errorf("%d CodeDeploy deployments created, want 4", n)
	}
}

// TestCodeDeployRefusals: what the codedeploy engine cannot run, and
// --no-wait where lamb moves the alias itself, exit 2 before anything
// changes.
func TestCodeDeployRefusals(t *testing.T) {
	p := newCDProject(t, "gate: {}")
	code, _, stderr := lambMoto(t, p.env, p.dir, "deploy")
	if code != ExitUsage || !strings.Contains(stderr, "deploy.engine: the codedeploy engine cannot gate on the error rate") {
		t.Errorf("deploy with a gate: exit %d, stderr %s; want 2 naming deploy.engine", code, stderr)
	}
	_, err := p.raw.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("orders-api")})
	if err == nil || p.sim.TotalCalls() != 0 {
		t.Errorf("a refused deploy created the function (%v) or called CodeDeploy (%d calls)", err, p.sim.TotalCalls())
	}

	direct := shiftProject(t, p.env, "strategy: canary:10%:5m")
	for _, args := range [][]string{{"deploy", "--no-wait"}, {"shift", "api", "--to", "2", "--no-wait"}} {
		code, _, stderr := lambMoto(t, p.env, direct, args...)
		if code != ExitUsage || !strings.Contains(stderr, "--no-wait: api moves its alias with the direct engine") {
			t.Errorf("%s with the direct engine: exit %d, stderr %s; want 2", strings.Join(args, " "), code, stderr)
		}
	}
	if _, err := p.raw.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("orders-api")}); err == nil {
		t.Error("a refused --no-wait deploy created the function")
	}
}

// TestCodeDeployShiftInterruptedExits130 interrupts lamb shift while
// CodeDeploy bakes: the deployment is stopped and rolled back, and the
// exit status is 130, not the 5 of a rollback.
func TestCodeDeployShiftInterruptedExits130(t *testing.T) {
	p := newCDProject(t, "strategy: canary:50%:5m")
	if _, err := p.deploy(false, false, "1"); err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	publish(t, p.raw, "2")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	io, out, _ := ui.Test()
	tune := p.tune("2")
	opts := &ShiftOptions{IO: io, Config: projectConfig(t, p.dir), Clients: p.factory(io).shiftClients, Function: "api", To: "2",
		TuneCodeDeploy: func(e *shift.CodeDeployEngine) {
			tune(e)
			sleep := e.Sleep
			e.Sleep = func(ctx context.Context, d time.Duration) error {
				err := sleep(ctx, d)
				cancel()
				return err
			}
		}}
	err := shiftRun(ctx, opts)
	if code, _ := classify(err); code != ExitInterrupted || len(p.sim.Stops()) != 1 {
		t.Errorf("interrupted shift: exit %d (%v), %d deployments stopped, stdout %s; want 130 and one stop", code, err, len(p.sim.Stops()), out)
	}
	wantLive(t, p.raw, "1", "")
}
