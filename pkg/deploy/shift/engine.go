// Package shift moves a Lambda alias from one published version to another
// in steps, the way CodeDeploy does for Lambda: hooks before and after the
// traffic moves, bakes between the steps watched by gates (CloudWatch alarms
// and an error-rate gate), and a rollback to the current version when a gate
// or a hook fails or the user interrupts.
//
// Two engines run a shift behind one Engine interface: the direct engine
// moves the alias weights itself and records the shift in progress on the
// alias, so any machine can see it, resume it or undo it; the codedeploy
// engine hands the same shift to CodeDeploy. The strategies and the AppSpec
// come from pkg/appspec. Choosing an engine, reading lamb.yaml and rendering
// progress and results are left to cmd and pkg/pipeline; this package never
// prints.
package shift

import (
	"context"
	"fmt"
	"time"

	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/progress"
)

// Request is one shift: move Alias of Function from Current to Target with
// Strategy.
type Request struct {
	Function string
	Alias    string
	// Current is the version the alias serves now; Target the published
	// version it moves to. Neither may be $LATEST.
	Current, Target string
	Strategy        appspec.Strategy
	// Hooks name the functions invoked before the first weight moves and
	// after the last; empty names no hook.
	Hooks Hooks
	// Alarms are CloudWatch alarm names: any of them in ALARM during a bake
	// rolls the shift back.
	Alarms []string
	// Gate is the built-in error-rate gate; nil means none.
	Gate *ErrorRateGate
	// Events receives the shift's progress; nil discards it.
	Events progress.Sink
}

// Hooks are the BeforeAllowTraffic and AfterAllowTraffic function names.
type Hooks = appspec.Hooks

// ErrorRateGate rolls a shift back when the target version's own error rate
// during a bake is above MaxErrorRate, once it has served at least
// MinInvocations requests in that bake (fewer say too little to judge).
type ErrorRateGate struct {
	// MaxErrorRate is a fraction: 0.01 is 1%.
	MaxErrorRate   float64
	MinInvocations int
}

// DefaultErrorRateGate is the gate lamb uses when one is asked for without
// limits: more than 1% errors over at least 20 invocations rolls back.
var DefaultErrorRateGate = ErrorRateGate{MaxErrorRate: 0.01, MinInvocations: 20}

// Outcomes of a shift.
const (
	// OutcomeShifted: the alias serves Target alone.
	OutcomeShifted = "shifted"
	// OutcomeRolledBack: the alias serves Current alone again (or never moved).
	OutcomeRolledBack = "rolled back"
	// OutcomeStopped: lamb stopped without finishing or undoing the shift, because
	// someone else moved the alias or a call failed; the alias is as lamb
	// found it or as it last set it.
	OutcomeStopped = "stopped"
)

// Result says how a shift ended and what it went through.
type Result struct {
	// Outcome is OutcomeShifted, OutcomeRolledBack or OutcomeStopped.
	Outcome string `json:"outcome"`
	// Cause says why a shift was rolled back or stopped: which alarm, which
	// hook, which error rate, "interrupted".
	Cause string       `json:"cause,omitempty"`
	Steps []StepRecord `json:"steps,omitempty"`
	// DeploymentID is the CodeDeploy deployment of the codedeploy engine.
	DeploymentID string `json:"deploymentId,omitempty"`
}

// StepRecord is one weight the alias was set to, and the last reading of
// each gate during the bake that followed.
type StepRecord struct {
	At time.Time `json:"at"`
	// Weight is the target version's share of traffic, 0..1.
	Weight   float64       `json:"weight"`
	Readings []GateReading `json:"readings,omitempty"`
	// Note says more where an engine knows more, such as CodeDeploy's
	// deployment status.
	Note string `json:"note,omitempty"`
}

// GateReading is one look at one gate.
type GateReading struct {
	At time.Time `json:"at"`
	// Gate is "alarm" or "error-rate".
	Gate string `json:"gate"`
	// Alarm and State are the alarm's name and its state (OK, ALARM,
	// INSUFFICIENT_DATA).
	Alarm string `json:"alarm,omitempty"`
	State string `json:"state,omitempty"`
	// Errors and Invocations are the target version's sums since its step
	// began, for the error-rate gate.
	Errors      float64 `json:"errors,omitempty"`
	Invocations float64 `json:"invocations,omitempty"`
	// Failed is true when this reading rolls the shift back.
	Failed bool `json:"failed"`
}

// Engine runs shifts.
type Engine interface {
	Shift(ctx context.Context, r Request) (Result, error)
}

// RolledBackError is returned (with the Result) when a shift was rolled
// back; cmd maps it to exit 5, or to 130 when it wraps context.Canceled
// (Cause "interrupted").
type RolledBackError struct {
	Function, Alias string
	Cause           string
	// Err is what caused the rollback when it was an error: the hook's,
	// or the context's when interrupted.
	Err error
}

// Error reads: shift of alias live of orders rolled back: alarm orders-errors is in ALARM.
func (e *RolledBackError) Error() string {
	return fmt.Sprintf("shift of alias %s of %s rolled back: %s", e.Alias, e.Function, e.Cause)
}

func (e *RolledBackError) Unwrap() error { return e.Err }

// CauseInterrupted is the Cause of a shift stopped or rolled back because
// its context ended (Ctrl-C, SIGTERM).
const CauseInterrupted = "interrupted"
