package shift

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/progress"
)

// LambdaAPI lists the Lambda calls the direct engine makes.
type LambdaAPI interface {
	AliasReader
	UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, optFns ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error)
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ LambdaAPI = (*lambda.Client)(nil)

// Direct is the engine that moves the alias weights itself. Its zero timing
// fields take production defaults; tests replace Sleep and Now.
type Direct struct {
	Lambda LambdaAPI
	// CloudWatch reads the gates; it may be nil for shifts without alarms
	// or an error-rate gate.
	CloudWatch CloudWatchAPI
	// PollInterval spaces the gate readings during a bake (default 30 s).
	PollInterval time.Duration
	// RollbackTimeout bounds a rollback, which runs on a fresh context when
	// the shift's own was cancelled (default 1 min).
	RollbackTimeout time.Duration
	// Sleep waits d or until ctx ends; nil sleeps for real. Now is the
	// clock bakes are measured against; nil is time.Now.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

var _ Engine = (*Direct)(nil)

func (e *Direct) pollInterval() time.Duration {
	if e.PollInterval > 0 {
		return e.PollInterval
	}
	return 30 * time.Second
}

func (e *Direct) rollbackTimeout() time.Duration {
	if e.RollbackTimeout > 0 {
		return e.RollbackTimeout
	}
	return time.Minute
}

func (e *Direct) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Direct) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		return e.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// AliasChangedError means someone else moved the alias while lamb was
// shifting it. lamb stops and leaves the alias as it found it.
type AliasChangedError struct {
	Function, Alias string
	// Found is the alias as read; Expected what lamb had set.
	Found, Expected string
}

// Error reads: alias live of orders was changed by someone else during the shift: ...
func (e *AliasChangedError) Error() string {
	return fmt.Sprintf("alias %s of %s was changed by someone else during the shift: it serves %s where lamb had set %s; lamb stopped and left it as it is (see lamb status, then lamb rollback or deploy again)",
		e.Alias, e.Function, e.Found, e.Expected)
}

// progressStep names the shift in progress events.
const progressStep = "shift"

// Shift runs r: the BeforeAllowTraffic hook, the strategy's weight steps
// with a bake watched by the gates after each but the last, the last step
// that moves the alias's version, and the AfterAllowTraffic hook. A failing
// hook or gate, or the end of ctx, rolls the alias back to r.Current and
// returns a *RolledBackError with the Result. Nothing moves when the
// pre-checks fail.
func (e *Direct) Shift(ctx context.Context, r Request) (Result, error) {
	if err := r.validate(); err != nil {
		return Result{}, err
	}
	found, err := e.precheck(ctx, r)
	if err != nil {
		return Result{}, err
	}
	s := e.newRun(r, found, deploy.PreviousVersion(found))
	s.event(progress.Event{Kind: progress.Started, Message: fmt.Sprintf("shifting alias %s from version %s to %s (%s)", r.Alias, r.Current, r.Target, r.Strategy)})
	if err := s.hook(ctx, appspec.BeforeAllowTraffic, r.Hooks.BeforeAllowTraffic); err != nil {
		return s.rollback(ctx, err)
	}
	return s.advance(ctx, 0)
}

// Resume finishes the shift recorded on r.Alias of r.Function, from the
// step it reached: the rest of that step's bake, the later steps and the
// AfterAllowTraffic hook. The versions and the strategy come from the
// record; r gives the hooks, gates and events (its BeforeAllowTraffic hook
// already ran). It fails with ErrNoShift when nothing is recorded and with
// *AliasChangedError when the alias no longer matches the record.
func (e *Direct) Resume(ctx context.Context, r Request) (Result, error) {
	p, err := e.inProgress(ctx, r.Function, r.Alias, "resume")
	if err != nil {
		return Result{}, err
	}
	r.Current, r.Target, r.Strategy = p.Current, p.Target, p.Strategy
	if err := r.validate(); err != nil {
		return Result{}, err
	}
	if err := e.checkGatesExist(ctx, r); err != nil {
		return Result{}, err
	}
	s := e.newRun(r, p.Found, p.Previous)
	s.touched, s.since = true, p.Since
	s.event(progress.Event{Kind: progress.Started, Message: fmt.Sprintf("resuming the shift of alias %s from version %s to %s (%s) at step %d/%d", r.Alias, r.Current, r.Target, r.Strategy, p.Step, p.Steps)})
	if p.Step == p.Steps {
		return s.finish(ctx)
	}
	s.result.Steps = append(s.result.Steps, StepRecord{At: p.Since, Weight: p.Weight})
	if err := s.bake(ctx, p.Step-1); err != nil {
		return s.rollback(ctx, err)
	}
	return s.advance(ctx, p.Step)
}

// Rollback undoes the shift recorded on the alias: it serves the shift's
// current version alone again. It returns the shift it undid, and fails
// with ErrNoShift when nothing is recorded and with *AliasChangedError when
// the alias no longer matches the record.
func (e *Direct) Rollback(ctx context.Context, function, alias string) (*InProgress, error) {
	p, err := e.inProgress(ctx, function, alias, "roll back")
	if err != nil {
		return nil, err
	}
	s := e.newRun(Request{Function: function, Alias: alias, Current: p.Current, Target: p.Target, Strategy: p.Strategy}, p.Found, p.Previous)
	if err := s.restore(ctx, p.Found); err != nil {
		return nil, err
	}
	return p, nil
}

func (e *Direct) inProgress(ctx context.Context, function, alias, verb string) (*InProgress, error) {
	if function == "" || alias == "" {
		return nil, fmt.Errorf("%s a shift: name the function and the alias", verb)
	}
	p, err := ReadShift(ctx, e.Lambda, function, alias)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("%s the shift of alias %s of %s: %w", verb, alias, function, ErrNoShift)
	}
	if p.Mismatch != "" {
		return nil, &AliasChangedError{Function: function, Alias: alias, Found: p.Mismatch, Expected: describeAlias(p.expected)}
	}
	return p, nil
}

func (r Request) validate() error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("shift alias %s of %s: "+format, append([]any{r.Alias, r.Function}, a...)...)
	}
	switch {
	case r.Function == "" || r.Alias == "":
		return fmt.Errorf("shift: name the function and the alias")
	case r.Current == "" || r.Target == "":
		return fail("name the current and the target version")
	case strings.EqualFold(r.Current, "$LATEST") || strings.EqualFold(r.Target, "$LATEST"):
		return fail("$LATEST cannot take part in a traffic shift: publish a version and shift to its number")
	case r.Current == r.Target:
		return fail("the target version %s is the current one: there is no traffic to move", r.Target)
	}
	if err := r.Strategy.Validate(); err != nil {
		return fail("%w", err)
	}
	if r.Gate != nil {
		if err := r.Gate.validate(); err != nil {
			return fail("%w", err)
		}
	}
	return nil
}

// precheck checks, before any weight moves, what Lambda would refuse or
// what would make the shift wrong: both versions published with the same
// execution role and dead-letter queue (weighted routing requires it), the
// alias on the current version alone, the alarms in place.
func (e *Direct) precheck(ctx context.Context, r Request) (*deploy.Alias, error) {
	current, err := e.version(ctx, r.Function, r.Current)
	if err != nil {
		return nil, err
	}
	target, err := e.version(ctx, r.Function, r.Target)
	if err != nil {
		return nil, err
	}
	if cr, tr := aws.ToString(current.Role), aws.ToString(target.Role); cr != tr {
		return nil, fmt.Errorf("shift alias %s of %s: versions %s and %s have different execution roles (%s, %s), and Lambda routes an alias between two versions only when they share one; deploy the target with the current role or move the alias all at once",
			r.Alias, r.Function, r.Current, r.Target, cr, tr)
	}
	if cd, td := dlq(current), dlq(target); cd != td {
		return nil, fmt.Errorf("shift alias %s of %s: versions %s and %s have different dead-letter queues (%s, %s), and Lambda routes an alias between two versions only when they share one; deploy the target with the current dead-letter queue or move the alias all at once",
			r.Alias, r.Function, r.Current, r.Target, orNone(cd), orNone(td))
	}
	a, err := deploy.ReadAlias(ctx, e.Lambda, r.Function, r.Alias)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, fmt.Errorf("shift alias %s of %s: the alias does not exist; deploy the function first", r.Alias, r.Function)
	}
	rec, ok, err := parseRecord(a.Description)
	if err != nil {
		return nil, fmt.Errorf("shift alias %s of %s: %w; set the alias with lamb rollback --to VERSION first", r.Alias, r.Function, err)
	}
	if ok {
		return nil, fmt.Errorf("shift alias %s of %s: a shift from %s to %s is already in progress (step %d/%d since %s); finish it with lamb shift --resume or undo it with lamb rollback",
			r.Alias, r.Function, rec.current, rec.target, rec.step, rec.steps, rec.since.Format(time.RFC3339))
	}
	if a.Version != r.Current || len(a.Weights) > 0 {
		return nil, fmt.Errorf("shift alias %s of %s: the alias serves %s, not version %s alone; shift from the version it serves",
			r.Alias, r.Function, describeAlias(a), r.Current)
	}
	if err := e.checkGatesExist(ctx, r); err != nil {
		return nil, err
	}
	return a, nil
}

// version reads a published version's configuration.
func (e *Direct) version(ctx context.Context, function, version string) (*lambda.GetFunctionConfigurationOutput, error) {
	out, err := e.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function), Qualifier: aws.String(version)})
	var nf *lambdatypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return nil, fmt.Errorf("shift %s to version %s: %s has no published version %s; publish it first (lamb deploy publishes one)", function, version, function, version)
	}
	if err != nil {
		return nil, fmt.Errorf("read version %s of %s: %w", version, function, err)
	}
	// A qualifier may name an alias, which answers with its version.
	if got := aws.ToString(out.Version); got != version {
		return nil, fmt.Errorf("shift %s to version %s: %s names version %s, not a published version; give a version number", function, version, version, got)
	}
	return out, nil
}

func dlq(c *lambda.GetFunctionConfigurationOutput) string {
	if c.DeadLetterConfig == nil {
		return ""
	}
	return aws.ToString(c.DeadLetterConfig.TargetArn)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (e *Direct) checkGatesExist(ctx context.Context, r Request) error {
	if len(r.Alarms) == 0 && r.Gate == nil {
		return nil
	}
	if e.CloudWatch == nil {
		return fmt.Errorf("shift alias %s of %s: alarms and the error-rate gate need a CloudWatch client", r.Alias, r.Function)
	}
	if len(r.Alarms) == 0 {
		return nil
	}
	states, err := alarmStates(ctx, e.CloudWatch, r.Alarms)
	if err != nil {
		return fmt.Errorf("shift alias %s of %s: %w", r.Alias, r.Function, err)
	}
	if missing := missingAlarms(r.Alarms, states); len(missing) > 0 {
		return fmt.Errorf("shift alias %s of %s: no CloudWatch alarm named %s in this account and region; create it or remove it from the shift's alarms",
			r.Alias, r.Function, strings.Join(missing, ", "))
	}
	return nil
}

// run is one shift under way.
type run struct {
	e      *Direct
	r      Request
	events progress.Sink
	steps  []appspec.Step
	// previous is the version the alias had left before the shift.
	previous string
	// last is the alias as lamb last set it (or found it, before it set
	// anything); touched says lamb may have set it.
	last    *deploy.Alias
	touched bool
	// sending is the alias lamb asked for in an update not yet answered.
	sending *deploy.Alias
	// since is when the step last applied was applied.
	since   time.Time
	started time.Time
	result  Result
}

func (e *Direct) newRun(r Request, found *deploy.Alias, previous string) *run {
	return &run{e: e, r: r, events: progress.OrDiscard(r.Events), steps: r.Strategy.Steps(),
		previous: previous, last: found, started: e.now()}
}

func (s *run) event(ev progress.Event) {
	ev.Function, ev.Step = s.r.Function, progressStep
	if ev.Kind == progress.Finished || ev.Kind == progress.Failed {
		ev.Elapsed = s.e.now().Sub(s.started)
	}
	s.events.Event(ev)
}

func (s *run) note(format string, a ...any) {
	s.event(progress.Event{Kind: progress.Note, Message: fmt.Sprintf(format, a...)})
}

// advance applies the steps from index next on, baking after each but the
// last, then finishes the shift.
func (s *run) advance(ctx context.Context, next int) (Result, error) {
	for k := next; k < len(s.steps); k++ {
		if err := ctx.Err(); err != nil {
			return s.rollback(ctx, err)
		}
		if err := s.apply(ctx, k); err != nil {
			return s.rollback(ctx, err)
		}
		if k < len(s.steps)-1 {
			if err := s.bake(ctx, k); err != nil {
				return s.rollback(ctx, err)
			}
		}
	}
	return s.finish(ctx)
}

// apply sets the alias to step k, recording the shift in the same call.
// The last step moves the alias's version and clears the weights; its
// record stays until the AfterAllowTraffic hook has passed.
func (s *run) apply(ctx context.Context, k int) error {
	step := s.steps[k]
	now := s.e.now().UTC().Truncate(time.Second)
	to := &deploy.Alias{Name: s.r.Alias, Version: s.r.Current, Weights: map[string]float64{s.r.Target: step.Weight}}
	if k == len(s.steps)-1 {
		to = &deploy.Alias{Name: s.r.Alias, Version: s.r.Target}
	}
	to.Description = record{current: s.r.Current, target: s.r.Target, strategy: s.r.Strategy,
		step: k + 1, steps: len(s.steps), since: now, previous: s.previous}.String()
	if k == len(s.steps)-1 && s.r.Hooks.AfterAllowTraffic == "" {
		to.Description = doneRecord(s.r.Current)
	}
	if err := s.set(ctx, to); err != nil {
		return err
	}
	s.since = now
	s.result.Steps = append(s.result.Steps, StepRecord{At: now, Weight: step.Weight})
	s.event(progress.Event{Kind: progress.Advanced, Done: int64(k + 1), Total: int64(len(s.steps)), Unit: progress.Items,
		Message: fmt.Sprintf("%s of traffic on version %s", weightPercent(step.Weight), s.r.Target)})
	return nil
}

// set re-reads the alias and, when it is as lamb last set it, updates it
// to to. Someone else's change stops the shift with *AliasChangedError.
func (s *run) set(ctx context.Context, to *deploy.Alias) error {
	found, err := deploy.ReadAlias(ctx, s.e.Lambda, s.r.Function, s.r.Alias)
	if err != nil {
		return err
	}
	// A write lamb sent but did not see answered (the shift was interrupted
	// during it) may have landed: that alias is lamb's own, not a change.
	if changed(found, s.last) && (s.sending == nil || changed(found, s.sending)) {
		return s.changedError(found)
	}
	in := &lambda.UpdateAliasInput{
		FunctionName:    aws.String(s.r.Function),
		Name:            aws.String(s.r.Alias),
		FunctionVersion: aws.String(to.Version),
		Description:     aws.String(to.Description),
		RoutingConfig:   &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: to.Weights},
	}
	if in.RoutingConfig.AdditionalVersionWeights == nil {
		in.RoutingConfig.AdditionalVersionWeights = map[string]float64{}
	}
	if found.RevisionID != "" {
		in.RevisionId = aws.String(found.RevisionID)
	}
	s.sending, s.touched = to, true
	out, err := s.e.Lambda.UpdateAlias(ctx, in)
	if isPreconditionFailed(err) {
		if again, rerr := deploy.ReadAlias(ctx, s.e.Lambda, s.r.Function, s.r.Alias); rerr == nil {
			found = again
		}
		return s.changedError(found)
	}
	if err != nil {
		return fmt.Errorf("set alias %s of %s to %s: %w", s.r.Alias, s.r.Function, describeAlias(to), err)
	}
	set := *to
	set.RevisionID = aws.ToString(out.RevisionId)
	s.last, s.sending = &set, nil
	return nil
}

// changed reports whether the alias found differs from the one lamb last
// set: its routing, its record, or its revision when Lambda reports one.
func changed(found, last *deploy.Alias) bool {
	if found == nil {
		return true
	}
	if found.RevisionID != "" && last.RevisionID != "" && found.RevisionID != last.RevisionID {
		return true
	}
	return !sameTraffic(found, last) || found.Description != last.Description
}

func (s *run) changedError(found *deploy.Alias) error {
	desc := describeAlias(found)
	if found != nil && sameTraffic(found, s.last) {
		desc += fmt.Sprintf(" (described %q)", found.Description)
	}
	return &AliasChangedError{Function: s.r.Function, Alias: s.r.Alias, Found: desc, Expected: describeAlias(s.last)}
}

func isPreconditionFailed(err error) bool {
	var pf *lambdatypes.PreconditionFailedException
	if errors.As(err, &pf) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "PreconditionFailedException"
}

// bake waits out step k's interval from s.since, reading the gates every
// poll interval and once at its end (once at least, even when a resumed
// bake is already over). It returns why the shift must roll back, or nil.
func (s *run) bake(ctx context.Context, k int) error {
	deadline := s.since.Add(s.steps[k].Wait)
	for {
		if left := deadline.Sub(s.e.now()); left > 0 {
			if err := s.e.sleep(ctx, min(left, s.e.pollInterval())); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("bake step %d/%d: %w", k+1, len(s.steps), err)
			}
		}
		if err := s.checkGates(ctx); err != nil {
			return err
		}
		if !s.e.now().Before(deadline) {
			return nil
		}
	}
}

// gateError is a gate reading that rolls the shift back.
type gateError struct{ cause string }

func (e *gateError) Error() string { return e.cause }

// checkGates reads every gate once, records the readings on the current
// step, and returns a *gateError when one fails.
func (s *run) checkGates(ctx context.Context) error {
	if len(s.r.Alarms) == 0 && s.r.Gate == nil {
		return nil
	}
	now := s.e.now()
	var failed []string
	if len(s.r.Alarms) > 0 {
		states, err := alarmStates(ctx, s.e.CloudWatch, s.r.Alarms)
		if err != nil {
			return s.gateReadError(ctx, err)
		}
		for _, name := range s.r.Alarms {
			state, ok := states[name]
			r := GateReading{At: now, Gate: "alarm", Alarm: name, State: string(state)}
			switch {
			case !ok:
				r.State, r.Failed = "MISSING", true
				failed = append(failed, fmt.Sprintf("alarm %s no longer exists", name))
			case state == "ALARM":
				r.Failed = true
				failed = append(failed, fmt.Sprintf("alarm %s is in ALARM", name))
			}
			s.reading(r)
			s.note("alarm %s: %s", name, r.State)
		}
	}
	if g := s.r.Gate; g != nil {
		errs, inv, err := versionSums(ctx, s.e.CloudWatch, s.r.Function, s.r.Alias, s.r.Target, s.since, now)
		if err != nil {
			return s.gateReadError(ctx, err)
		}
		r := GateReading{At: now, Gate: "error-rate", Errors: errs, Invocations: inv, Failed: g.over(errs, inv)}
		s.reading(r)
		rate := "no invocations"
		if inv > 0 {
			rate = fmt.Sprintf("%s (%g errors in %g invocations)", weightPercent(errs/inv), errs, inv)
		}
		s.note("error rate of version %s since %s: %s; limit %s from %d invocations", s.r.Target, s.since.Format(time.RFC3339), rate, weightPercent(g.MaxErrorRate), g.MinInvocations)
		if r.Failed {
			failed = append(failed, fmt.Sprintf("error rate of version %s is %s (%g errors in %g invocations), above the %s limit", s.r.Target, weightPercent(errs/inv), errs, inv, weightPercent(g.MaxErrorRate)))
		}
	}
	if len(failed) > 0 {
		return &gateError{cause: strings.Join(failed, "; ")}
	}
	return nil
}

// gateReadError turns a failed gate read into a rollback: a gate that
// cannot be read cannot vouch for the target (CodeDeploy does the same
// unless told to ignore alarm poll failures). The SDK has already retried.
func (s *run) gateReadError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &gateError{cause: "cannot read the gates: " + err.Error()}
}

// reading records r on the current step, replacing the previous reading of
// the same gate, so a step keeps the last look at each.
func (s *run) reading(r GateReading) {
	if len(s.result.Steps) == 0 {
		return
	}
	step := &s.result.Steps[len(s.result.Steps)-1]
	for i, old := range step.Readings {
		if old.Gate == r.Gate && old.Alarm == r.Alarm {
			step.Readings[i] = r
			return
		}
	}
	step.Readings = append(step.Readings, r)
}

func (s *run) hook(ctx context.Context, lifecycle, fn string) error {
	if fn == "" {
		return nil
	}
	err := runHook(ctx, s.e.Lambda, fn, HookEvent{LifecycleEvent: lifecycle, FunctionName: s.r.Function, Alias: s.r.Alias,
		CurrentVersion: s.r.Current, TargetVersion: s.r.Target})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return err
	}
	s.note("%s hook %s passed", lifecycle, fn)
	return nil
}

// finish runs the AfterAllowTraffic hook and, when it passes, replaces the
// shift record with the version the alias left (the last step already did
// when there is no hook).
func (s *run) finish(ctx context.Context) (Result, error) {
	if fn := s.r.Hooks.AfterAllowTraffic; fn != "" {
		if err := s.hook(ctx, appspec.AfterAllowTraffic, fn); err != nil {
			return s.rollback(ctx, err)
		}
	}
	if done := doneRecord(s.r.Current); s.last.Description != done {
		if err := s.set(ctx, &deploy.Alias{Name: s.r.Alias, Version: s.r.Target, Description: done}); err != nil {
			return s.stop(err)
		}
	}
	s.result.Outcome = OutcomeShifted
	s.event(progress.Event{Kind: progress.Finished, Message: fmt.Sprintf("alias %s serves version %s", s.r.Alias, s.r.Target)})
	return s.result, nil
}

// rollback puts the alias back on the current version alone because of
// cause, on a context of its own so that an interrupted shift is still
// undone. An alias lamb has not moved yet is left alone.
func (s *run) rollback(ctx context.Context, cause error) (Result, error) {
	var changed *AliasChangedError
	if errors.As(cause, &changed) {
		return s.stop(cause)
	}
	rb := &RolledBackError{Function: s.r.Function, Alias: s.r.Alias, Cause: causeText(cause), Err: cause}
	var ge *gateError
	if errors.As(cause, &ge) {
		rb.Err = nil
	}
	s.result.Cause = rb.Cause
	if s.touched {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.e.rollbackTimeout())
		defer cancel()
		if err := s.restore(rctx, s.last); err != nil {
			s.result.Outcome = OutcomeStopped
			err = fmt.Errorf("roll back after %s: %w", rb.Cause, err)
			s.event(progress.Event{Kind: progress.Failed, Err: err})
			return s.result, err
		}
	}
	s.result.Outcome = OutcomeRolledBack
	s.event(progress.Event{Kind: progress.Failed, Message: fmt.Sprintf("alias %s serves version %s again", s.r.Alias, s.r.Current), Err: rb})
	return s.result, rb
}

// restore sets the alias on the current version alone, provided it is as
// last, and gives it back the previous version it had before the shift.
func (s *run) restore(ctx context.Context, last *deploy.Alias) error {
	s.last = last
	err := s.set(ctx, &deploy.Alias{Name: s.r.Alias, Version: s.r.Current, Description: undoneRecord(s.previous, s.r.Target)})
	var changed *AliasChangedError
	if err != nil && !errors.As(err, &changed) {
		return fmt.Errorf("%w; the shift is still recorded on the alias: run lamb rollback to undo it", err)
	}
	return err
}

// stop ends the shift without touching the alias again.
func (s *run) stop(err error) (Result, error) {
	s.result.Outcome = OutcomeStopped
	if s.result.Cause == "" {
		s.result.Cause = err.Error()
	}
	s.event(progress.Event{Kind: progress.Failed, Err: err})
	return s.result, err
}

func causeText(err error) string {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return CauseInterrupted
	}
	return err.Error()
}
