package pipeline

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/progress"
)

// someClients are clients no test call reaches.
var someClients = ShiftClients{Lambda: lambda.New(lambda.Options{})}

func shiftFunction(t *testing.T, deploySettings string) *config.Function {
	t.Helper()
	cfg := project(t, "functions:\n  api:\n    name: orders-api\n    deploy: {"+deploySettings+"}\n", nil)
	return cfg.Functions[0]
}

func TestNewEngine(t *testing.T) {
	t.Run("direct", func(t *testing.T) {
		e, err := NewEngine(shiftFunction(t, "engine: direct"), ShiftClients{}, func(d *shift.Direct) { d.PollInterval = time.Second }, nil)
		d, ok := e.(*shift.Direct)
		if err != nil || !ok || d.PollInterval != time.Second {
			t.Errorf("NewEngine = %#v, %v; want the direct engine, tuned", e, err)
		}
	})
	t.Run("codedeploy without a client", func(t *testing.T) {
		_, err := NewEngine(shiftFunction(t, "engine: codedeploy"), ShiftClients{}, nil, nil)
		if !errors.Is(err, ErrEngineUnavailable) || !strings.Contains(err.Error(), "deploy.engine of api: the codedeploy engine is not available: no CodeDeploy client; use engine: direct") {
			t.Errorf("NewEngine = %v, want ErrEngineUnavailable saying what to do", err)
		}
	})
	t.Run("codedeploy", func(t *testing.T) {
		fn := shiftFunction(t, "engine: codedeploy, codedeploy: {application: orders, deploymentGroup: api, serviceRoleArn: \"arn:aws:iam::123456789012:role/cd\"}")
		e, err := NewEngine(fn, ShiftClients{CodeDeploy: codedeploy.New(codedeploy.Options{}), Region: "eu-west-1"}, nil, nil)
		cd, ok := e.(*shift.CodeDeployEngine)
		if err != nil || !ok || cd.Application != "orders" || cd.DeploymentGroup != "api" || cd.ServiceRoleArn != "arn:aws:iam::123456789012:role/cd" || cd.Region != "eu-west-1" {
			t.Errorf("NewEngine = %#v, %v; want the codedeploy engine with lamb.yaml's resources", e, err)
		}
	})
}

// TestWhichAliasesMoveThroughAnEngine: all at once with nothing to run
// around it is one UpdateAlias; anything else is a shift.
func TestWhichAliasesMoveThroughAnEngine(t *testing.T) {
	tests := []struct {
		settings string
		want     bool
	}{
		{"", false},
		{"strategy: all-at-once, alarms: [orders-errors], gate: {}", false},
		{"strategy: LambdaAllAtOnce", false},
		{"strategy: canary:10%:5m", true},
		{"strategy: LambdaLinear10PercentEvery1Minute", true},
		{"hooks: {beforeAllowTraffic: orders-smoke}", true},
		{"hooks: {afterAllowTraffic: orders-verify}", true},
	}
	for _, tt := range tests {
		t.Run(tt.settings, func(t *testing.T) {
			fn := shiftFunction(t, tt.settings)
			engines, err := shiftEngines([]*config.Function{fn}, someClients, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := engines[fn.Key] != nil; got != tt.want {
				t.Errorf("moves through an engine: %v, want %v", got, tt.want)
			}
		})
	}
	// A CodeDeploy deploy without its client cannot start, even all at once,
	// before anything is built.
	if _, err := shiftEngines([]*config.Function{shiftFunction(t, "engine: codedeploy")}, someClients, nil, nil); !errors.Is(err, ErrEngineUnavailable) {
		t.Errorf("shiftEngines with codedeploy = %v, want ErrEngineUnavailable", err)
	}
	// What the codedeploy engine cannot run stops the deploy before
	// anything is built, as lamb.yaml's to fix.
	cd := someClients
	cd.CodeDeploy = codedeploy.New(codedeploy.Options{})
	for _, settings := range []string{"engine: codedeploy, gate: {}", "engine: codedeploy, strategy: canary:2.5%:5m"} {
		var ce *shift.CodeDeployConfigError
		if _, err := shiftEngines([]*config.Function{shiftFunction(t, settings)}, cd, nil, nil); !errors.As(err, &ce) {
			t.Errorf("shiftEngines with %s = %v, want a *shift.CodeDeployConfigError", settings, err)
		}
	}
	// --no-wait reaches the codedeploy engine, after what tests tune.
	engines, err := shiftEngines([]*config.Function{shiftFunction(t, "engine: codedeploy")}, cd, nil,
		codeDeployTuning(true, func(e *shift.CodeDeployEngine) { e.PollInterval = time.Second }))
	if e, ok := engines["api"].(*shift.CodeDeployEngine); err != nil || !ok || !e.NoWait || e.PollInterval != time.Second {
		t.Errorf("shiftEngines with NoWait = %#v, %v; want a tuned codedeploy engine that does not wait", engines["api"], err)
	}
	// A shift without its client is an error, not a crash.
	if _, err := shiftEngines([]*config.Function{shiftFunction(t, "strategy: canary:10%:5m")}, ShiftClients{}, nil, nil); err == nil || !strings.Contains(err.Error(), "no Lambda client") {
		t.Errorf("shiftEngines without a client = %v", err)
	}
}

func TestShiftRequestCarriesLambYAML(t *testing.T) {
	fn := shiftFunction(t, "alias: prod, hooks: {beforeAllowTraffic: pre, afterAllowTraffic: post}, alarms: [a, b], gate: {maxErrorRate: 2.5%, minInvocations: 50}")
	var got []progress.Event
	r := ShiftRequest(fn, "3", "4", mustStrategy(t, "canary:10%:5m"), progress.SinkFunc(func(e progress.Event) { got = append(got, e) }))
	if r.Function != "orders-api" || r.Alias != "prod" || r.Current != "3" || r.Target != "4" || r.Hooks.BeforeAllowTraffic != "pre" || r.Hooks.AfterAllowTraffic != "post" ||
		len(r.Alarms) != 2 || r.Gate == nil || r.Gate.MaxErrorRate != 0.025 || r.Gate.MinInvocations != 50 {
		t.Errorf("request %+v (gate %+v)", r, r.Gate)
	}
	r.Events.Event(progress.Event{Function: "orders-api", Step: "shift"})
	if len(got) != 1 || got[0].Function != "api" || got[0].Step != "shift" {
		t.Errorf("events %+v, want them under the key api", got)
	}
	if r := ShiftRequest(shiftFunction(t, ""), "3", "4", mustStrategy(t, "all-at-once"), nil); r.Gate != nil {
		t.Errorf("a function without gate: has gate %+v", r.Gate)
	}
}

// TestGateDefaultsAreTheEngines keeps lamb.yaml's gate defaults equal to
// the engine's.
func TestGateDefaultsAreTheEngines(t *testing.T) {
	d := shift.DefaultErrorRateGate
	if float64(config.DefaultMaxErrorRate) != d.MaxErrorRate || config.DefaultMinInvocations != d.MinInvocations {
		t.Errorf("lamb.yaml's gate defaults %v/%d, the engine's %v/%d", config.DefaultMaxErrorRate, config.DefaultMinInvocations, d.MaxErrorRate, d.MinInvocations)
	}
}

func mustStrategy(t *testing.T, s string) appspec.Strategy {
	t.Helper()
	st, err := appspec.ParseStrategy(s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
