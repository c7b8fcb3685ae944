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
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/templates"
)

// callLog records the operation of every call made by the clients built
// from a config, whatever interface the code holds them by.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) record(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("lamb-test-call-log",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				l.mu.Lock()
				l.calls = append(l.calls, awsmiddleware.GetServiceID(ctx)+":"+awsmiddleware.GetOperationName(ctx))
				l.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}

// reset forgets the calls seen so far.
func (l *callLog) reset() {
	l.mu.Lock()
	l.calls = nil
	l.mu.Unlock()
}

// writes returns the calls whose operation does not start with Get, List
// or Head, and how many calls there were.
func (l *callLog) writes() ([]string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var w []string
	for _, c := range l.calls {
		_, op, _ := strings.Cut(c, ":")
		if !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") && !strings.HasPrefix(op, "Head") {
			w = append(w, c)
		}
	}
	return w, len(l.calls)
}

// motoClients returns deploy clients on the emulator whose calls go to log
// (when not nil).
func motoClients(t *testing.T, env *testenv.Env, log *callLog) DeployClients {
	t.Helper()
	cfg := env.AWSConfig(t)
	if log != nil {
		log.record(&cfg)
	}
	sess := awsconf.NewSessionFromConfig(cfg, env.Options())
	lam, err := sess.Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	s3c, err := sess.S3(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	iamc, err := sess.IAM(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return DeployClients{Lambda: lam, S3: s3c, IAM: iamc, Region: env.Region}
}

func loadProject(t *testing.T, dir, yaml string, env map[string]string) (*config.Config, []*config.Function) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "lamb.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.mjs"), []byte("export const handler = async () => 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(t.Context(), filepath.Join(dir, "lamb.yaml"), config.LoadOptions{LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, cfg.Functions
}

func checkOptions(t *testing.T) CheckOptions {
	return CheckOptions{Options: Options{CacheDir: t.TempDir()}, Now: time.Now()}
}

// planOnly plans with clients that record every call, and fails the test
// on any write.
func planOnly(t *testing.T, env *testenv.Env, cfg *config.Config, fns []*config.Function) PlanReport {
	t.Helper()
	log := &callLog{}
	clients := motoClients(t, env, log)
	r, err := Plan(t.Context(), cfg, fns, PlanOptions{
		CheckOptions: checkOptions(t),
		Clients: func(context.Context) (PlanClients, error) {
			return PlanClients{Lambda: clients.Lambda, S3: clients.S3, IAM: clients.IAM, Region: clients.Region}, nil
		},
	})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	writes, n := log.writes()
	if len(writes) > 0 || n == 0 {
		t.Errorf("plan made %d calls, writes among them: %v", n, writes)
	}
	return r
}

// TestPlanWithTheRoleLambManages deploys a function whose execution role
// lamb creates, then plans it, and plans the lamb.yaml written from it:
// both are up to date, and neither plan writes.
func TestPlanWithTheRoleLambManages(t *testing.T) {
	env := testenv.MotoWithManagedPolicies(t)
	secrets := map[string]string{"TABLE": "orders-s3cr3t"}
	cfg, fns := loadProject(t, t.TempDir(), `functions:
  api:
    name: pl-api
    runtime: nodejs22.x
    handler: index.handler
    environment: {vars: {TABLE: "${env:TABLE}"}}
    package: {dependencies: none}
`, secrets)

	before := planOnly(t, env, cfg, fns)
	if f := before.Functions[0]; f.Action != ActionCreate || f.Role == nil || !f.Role.Create || f.Role.Name != "pl-api-lamb-exec" {
		t.Fatalf("plan of a new function: %+v", f)
	}

	deployClients := motoClients(t, env, nil)
	if _, err := Deploy(t.Context(), cfg, fns, DeployOptions{
		CheckOptions: checkOptions(t),
		Clients:      func(context.Context) (DeployClients, error) { return deployClients, nil },
		Tune:         func(d *deploy.Deployer) { d.PollInterval = 10 * time.Millisecond },
	}); err != nil {
		t.Fatalf("deploy: %v", err)
	}

	after := planOnly(t, env, cfg, fns)
	f := after.Functions[0]
	if f.Action != ActionUpToDate || after.Changes != 0 || f.Role == nil || f.Role.Create || !strings.HasSuffix(f.Role.ARN, ":role/pl-api-lamb-exec") {
		t.Errorf("plan after deploy: action %s, role %+v, config changes %v", f.Action, f.Role, f.ConfigChanges)
	}

	// The lamb.yaml init --from writes leaves the role to lamb as well.
	d, err := deploy.Describe(t.Context(), deployClients.Lambda, "pl-api", env.Region)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := templates.FromDeployed("api", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), secrets["TABLE"]) {
		t.Errorf("written lamb.yaml holds an environment value:\n%s", doc)
	}
	cfg, fns = loadProject(t, t.TempDir(), string(doc), secrets)
	if fns[0].Role != "" {
		t.Errorf("role %q written, want it left to lamb", fns[0].Role)
	}
	if f := planOnly(t, env, cfg, fns).Functions[0]; f.Action != ActionUpToDate {
		t.Errorf("plan of the lamb.yaml written from the function: %s, config changes %v", f.Action, f.ConfigChanges)
	}
}
