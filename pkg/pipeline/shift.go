package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/progress"
)

// The engines deploy.engine names.
const (
	EngineDirect     = "direct"
	EngineCodeDeploy = "codedeploy"
)

// ShiftClients are the AWS clients a traffic shift uses.
type ShiftClients struct {
	Lambda shift.LambdaAPI
	// CloudWatch reads the alarms and the error-rate gate.
	CloudWatch shift.CloudWatchAPI
	// CodeDeploy and IAM serve the codedeploy engine (IAM keeps its service
	// role); Region names where the hook functions live.
	CodeDeploy shift.CodeDeployAPI
	IAM        shift.ServiceRoleAPI
	Region     string
}

// ErrEngineUnavailable means deploy.engine names an engine lamb cannot run
// here (its AWS client is missing).
var ErrEngineUnavailable = errors.New("is not available")

// NewEngine returns the engine deploy.engine names for fn's shifts. tune
// and tuneCD, when set, adjust the direct and the codedeploy engine before
// use (tests give them a clock; --no-wait sets NoWait).
func NewEngine(fn *config.Function, c ShiftClients, tune func(*shift.Direct), tuneCD func(*shift.CodeDeployEngine)) (shift.Engine, error) {
	switch fn.Deploy.Engine {
	case EngineDirect, "":
		return DirectEngine(c, tune), nil
	case EngineCodeDeploy:
		if c.CodeDeploy == nil {
			return nil, fmt.Errorf("deploy.engine of %s: the %s engine %w: no CodeDeploy client; use engine: %s", fn.Key, EngineCodeDeploy, ErrEngineUnavailable, EngineDirect)
		}
		cd := fn.Deploy.CodeDeploy
		e := &shift.CodeDeployEngine{
			CodeDeploy: c.CodeDeploy, IAM: c.IAM, Lambda: c.Lambda, Region: c.Region,
			Application: cd.Application, DeploymentGroup: cd.DeploymentGroup, ServiceRoleArn: cd.ServiceRoleArn,
		}
		if tuneCD != nil {
			tuneCD(e)
		}
		return e, nil
	}
	return nil, fmt.Errorf("deploy.engine of %s: unknown engine %q; use %s or %s", fn.Key, fn.Deploy.Engine, EngineDirect, EngineCodeDeploy)
}

// DirectEngine returns the direct engine on c. The shifts recorded in
// progress on aliases are the direct engine's, so it resumes and undoes
// them whatever deploy.engine says.
func DirectEngine(c ShiftClients, tune func(*shift.Direct)) *shift.Direct {
	e := &shift.Direct{Lambda: c.Lambda, CloudWatch: c.CloudWatch}
	if tune != nil {
		tune(e)
	}
	return e
}

// StrategyOf returns fn's deploy.strategy, which loading lamb.yaml checked.
func StrategyOf(fn *config.Function) (appspec.Strategy, error) {
	s, err := appspec.ParseStrategy(fn.Deploy.Strategy)
	if err != nil {
		return appspec.Strategy{}, fmt.Errorf("deploy.strategy of %s: %w", fn.Key, err)
	}
	return s, nil
}

// ShiftRequest is the shift of fn's deploy alias from current to target by
// strategy, with the hooks, alarms and error-rate gate of lamb.yaml; events
// receives its progress under fn's key.
func ShiftRequest(fn *config.Function, current, target string, strategy appspec.Strategy, events progress.Sink) shift.Request {
	sink := progress.OrDiscard(events)
	r := shift.Request{
		Function: fn.Name, Alias: fn.Deploy.Alias, Current: current, Target: target, Strategy: strategy,
		Hooks:  shift.Hooks{BeforeAllowTraffic: fn.Deploy.Hooks.BeforeAllowTraffic, AfterAllowTraffic: fn.Deploy.Hooks.AfterAllowTraffic},
		Alarms: fn.Deploy.Alarms,
		// The engine names the AWS function; progress names lamb.yaml's key.
		Events: progress.SinkFunc(func(e progress.Event) {
			e.Function = fn.Key
			sink.Event(e)
		}),
	}
	if g := fn.Deploy.Gate; g != nil {
		r.Gate = &shift.ErrorRateGate{MaxErrorRate: float64(g.MaxErrorRate), MinInvocations: g.MinInvocations}
	}
	return r
}

// ShiftReport says how an alias moved through a traffic shift: the document
// of lamb shift, and the shift in lamb deploy's report.
//
// JSON fields: alias, current, target (the versions), strategy, engine,
// outcome ("shifted", "rolled back", "stopped", or "started": a codedeploy
// shift with --no-wait, whose deploymentId goes on in CodeDeploy), cause, steps (each: at,
// weight 0–1, readings (each: at, gate "alarm" or "error-rate", alarm,
// state, errors, invocations, failed), note), deploymentId.
type ShiftReport struct {
	Alias    string `json:"alias"`
	Current  string `json:"current"`
	Target   string `json:"target"`
	Strategy string `json:"strategy"`
	Engine   string `json:"engine"`
	shift.Result
}

func reportOf(r shift.Request, engine string, res shift.Result) ShiftReport {
	return ShiftReport{Alias: r.Alias, Current: r.Current, Target: r.Target, Strategy: r.Strategy.String(), Engine: engine, Result: res}
}

// ShiftInput is what lamb shift moves.
type ShiftInput struct {
	// Target is the published version the alias moves to.
	Target   string
	Strategy appspec.Strategy
	// AppSpec, when set, gives the alias, both versions and the hooks in
	// place of lamb.yaml's and the alias as read.
	AppSpec *appspec.AppSpec
	Events  progress.Sink
	// Tune adjusts the direct engine before use; tests set it.
	Tune func(*shift.Direct)
	// TuneCodeDeploy adjusts the codedeploy engine before use; tests set it.
	TuneCodeDeploy func(*shift.CodeDeployEngine)
	// NoWait makes the codedeploy engine return once its deployment is
	// created (outcome "started").
	NoWait bool
}

// Shift moves fn's deploy alias from the version it serves to in.Target,
// or runs in.AppSpec, with the engine deploy.engine names. A rolled-back
// shift returns its report with a *shift.RolledBackError.
func Shift(ctx context.Context, fn *config.Function, c ShiftClients, in ShiftInput) (ShiftReport, error) {
	engine, err := NewEngine(fn, c, in.Tune, codeDeployTuning(in.NoWait, in.TuneCodeDeploy))
	if err != nil {
		return ShiftReport{}, err
	}
	r := ShiftRequest(fn, "", in.Target, in.Strategy, in.Events)
	if spec := in.AppSpec; spec != nil {
		r.Alias, r.Current, r.Target, r.Hooks = spec.Alias, spec.CurrentVersion, spec.TargetVersion, spec.Hooks
	} else if r.Current, err = aliasVersion(ctx, c.Lambda, fn, r.Alias); err != nil {
		return ShiftReport{}, err
	}
	res, err := engine.Shift(ctx, r)
	if err == nil {
		err = recordShifted(ctx, c.Lambda, fn, r, res)
	}
	return reportOf(r, engineName(fn), res), err
}

// codeDeployTuning is tune with NoWait set as noWait says.
func codeDeployTuning(noWait bool, tune func(*shift.CodeDeployEngine)) func(*shift.CodeDeployEngine) {
	return func(e *shift.CodeDeployEngine) {
		e.NoWait = noWait
		if tune != nil {
			tune(e)
		}
	}
}

// recordShifted writes lamb's record of the version the alias left after
// a codedeploy shift, so that lamb rollback knows where to go back: the
// direct engine writes it with its last step, but CodeDeploy moves the
// alias without it.
func recordShifted(ctx context.Context, api deploy.AliasRecorder, fn *config.Function, r shift.Request, res shift.Result) error {
	if engineName(fn) != EngineCodeDeploy || res.Outcome != shift.OutcomeShifted {
		return nil
	}
	return deploy.RecordPrevious(ctx, api, r.Function, r.Alias, r.Target, r.Current)
}

// Resume finishes the shift recorded in progress on fn's deploy alias, with
// lamb.yaml's hooks and gates. It fails wrapping shift.ErrNoShift when no
// shift is recorded.
func Resume(ctx context.Context, fn *config.Function, c ShiftClients, events progress.Sink, tune func(*shift.Direct)) (ShiftReport, error) {
	p, err := shift.ReadShift(ctx, c.Lambda, fn.Name, fn.Deploy.Alias)
	if err != nil {
		return ShiftReport{}, err
	}
	if p == nil {
		return ShiftReport{}, fmt.Errorf("resume the shift of alias %s of %s: %w; 'lamb shift %s --to VERSION' starts one", fn.Deploy.Alias, fn.Name, shift.ErrNoShift, fn.Key)
	}
	r := ShiftRequest(fn, p.Current, p.Target, p.Strategy, events)
	res, err := DirectEngine(c, tune).Resume(ctx, r)
	return reportOf(r, EngineDirect, res), err
}

// ShiftStatusOf is how lamb status and lamb rollback show a shift in
// progress; nil for none.
func ShiftStatusOf(p *shift.InProgress) *deploy.ShiftStatus {
	if p == nil {
		return nil
	}
	return &deploy.ShiftStatus{Current: p.Current, Target: p.Target, Strategy: p.Strategy.String(), Step: p.Step, Steps: p.Steps,
		Weight: p.Weight, Since: p.Since.UTC(), PreviousVersion: p.Previous, Mismatch: p.Mismatch}
}

func engineName(fn *config.Function) string {
	if fn.Deploy.Engine == "" {
		return EngineDirect
	}
	return fn.Deploy.Engine
}

// aliasVersion returns the version the alias serves.
func aliasVersion(ctx context.Context, api shift.AliasReader, fn *config.Function, alias string) (string, error) {
	out, err := api.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(fn.Name), Name: aws.String(alias)})
	var nf *lambdatypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return "", fmt.Errorf("shift alias %s of %s: the alias does not exist; 'lamb deploy %s' creates it", alias, fn.Name, fn.Key)
	}
	if err != nil {
		return "", fmt.Errorf("read alias %s of %s: %w", alias, fn.Name, err)
	}
	return aws.ToString(out.FunctionVersion), nil
}

// movesThroughEngine reports whether fn's alias moves through a shift engine rather
// than in one UpdateAlias call: with a strategy that shifts in steps, with
// hooks to run, or with an engine other than the direct one.
func movesThroughEngine(fn *config.Function, s appspec.Strategy) bool {
	h := fn.Deploy.Hooks
	return s.Kind != appspec.AllAtOnce || h.BeforeAllowTraffic != "" || h.AfterAllowTraffic != "" || engineName(fn) != EngineDirect
}

// shiftMove moves a deploy's alias through a shift engine and keeps the
// shift's report on the unit.
type shiftMove struct {
	d        *deploy.Deployer
	engine   shift.Engine
	strategy appspec.Strategy
	u        *Unit
}

// Move implements deploy.AliasMove.
func (m shiftMove) Move(ctx context.Context, function string, from *deploy.Alias, to string) error {
	if from.Version == to {
		// Only the weights go: there is no version to shift to.
		return deploy.AllAtOnce{Deployer: m.d}.Move(ctx, function, from, to)
	}
	fn := m.u.Function
	r := ShiftRequest(fn, from.Version, to, m.strategy, m.u.events)
	r.Function, r.Alias = function, from.Name
	res, err := m.engine.Shift(ctx, r)
	if err == nil {
		err = recordShifted(ctx, m.d.Lambda, fn, r, res)
	}
	rep := reportOf(r, engineName(fn), res)
	m.u.Deploy.Shift = &rep
	return err
}
