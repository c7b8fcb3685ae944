package shift

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/progress"
)

func strategy(t *testing.T, s string) appspec.Strategy {
	t.Helper()
	st, err := appspec.ParseStrategy(s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func request(t *testing.T, s string) Request {
	return Request{Function: fn, Alias: alias, Current: "1", Target: "2", Strategy: strategy(t, s)}
}

// TestShiftMovesWeights runs whole shifts and reads the alias back from
// the emulator during every bake.
func TestShiftMovesWeights(t *testing.T) {
	tests := []struct {
		strategy string
		// seen is the target's weight read back at each sleep.
		seen        []float64
		wantWeights []float64
	}{
		{"canary:10%:1m", []float64{0.1, 0.1}, []float64{0.1, 1}},
		{"linear:25%:30s", []float64{0.25, 0.5, 0.75}, []float64{0.25, 0.5, 0.75, 1}},
		{"all-at-once", nil, []float64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			m := newMoto(t)
			m.function(t)
			clock := newClock()
			var seen []float64
			clock.onSleep = func(int) {
				a := m.alias(t)
				if a.Version != "1" || len(a.Weights) != 1 {
					t.Errorf("during the bake the alias is %+v, want version 1 with weight on 2", a)
				}
				if !strings.HasPrefix(a.Description, "lamb: shifting 1->2 ") {
					t.Errorf("during the bake the alias description is %q, want the shift record", a.Description)
				}
				seen = append(seen, a.Weights["2"])
			}
			ev := &events{}
			r := request(t, tt.strategy)
			r.Events = ev
			res, err := m.engine(clock).Shift(t.Context(), r)
			if err != nil {
				t.Fatalf("Shift: %v", err)
			}
			if !reflect.DeepEqual(seen, tt.seen) {
				t.Errorf("weights read back during the bakes = %v, want %v", seen, tt.seen)
			}
			if got := m.alias(t); got.Version != "2" || got.Weights != nil || got.Description != "lamb: previous=1" {
				t.Errorf("after the shift the alias is %+v, want version 2 alone recording previous=1", got)
			}
			if res.Outcome != OutcomeShifted {
				t.Errorf("Outcome = %q, want %q", res.Outcome, OutcomeShifted)
			}
			var weights []float64
			for _, s := range res.Steps {
				weights = append(weights, s.Weight)
			}
			if !reflect.DeepEqual(weights, tt.wantWeights) {
				t.Errorf("Result steps weights = %v, want %v", weights, tt.wantWeights)
			}
			if n := len(ev.of(progress.Advanced)); n != len(tt.wantWeights) {
				t.Errorf("%d Advanced events, want one per step (%d)", n, len(tt.wantWeights))
			}
			if n := len(ev.of(progress.Finished)); n != 1 {
				t.Errorf("%d Finished events, want 1", n)
			}
		})
	}
}

// wantRolledBack checks that err is a rollback naming cause and that the
// alias serves version 1 alone again, its previous version kept.
func wantRolledBack(t *testing.T, m *moto, res Result, err error, cause string) {
	t.Helper()
	var rb *RolledBackError
	if !errors.As(err, &rb) {
		t.Fatalf("err = %v, want a *RolledBackError", err)
	}
	if !strings.Contains(rb.Cause, cause) || !strings.Contains(res.Cause, cause) {
		t.Errorf("cause = %q (result %q), want it to name %q", rb.Cause, res.Cause, cause)
	}
	if res.Outcome != OutcomeRolledBack {
		t.Errorf("Outcome = %q, want %q", res.Outcome, OutcomeRolledBack)
	}
	got := m.alias(t)
	if got.Version != "1" || got.Weights != nil {
		t.Errorf("after the rollback the alias is %+v, want version 1 alone", got)
	}
	if !strings.HasPrefix(got.Description, "lamb: previous=0") {
		t.Errorf("after the rollback the alias description is %q, want the previous version from before the shift", got.Description)
	}
}

func TestShiftAlarmRollsBack(t *testing.T) {
	m := newMoto(t)
	m.function(t)
	m.alarm(t, "orders-errors", cwtypes.StateValueOk)
	m.alarm(t, "orders-latency", cwtypes.StateValueOk)
	clock := newClock()
	clock.onSleep = func(n int) {
		if n == 2 {
			m.setAlarm(t, "orders-errors", cwtypes.StateValueAlarm)
		}
	}
	r := request(t, "linear:25%:1m")
	r.Alarms = []string{"orders-latency", "orders-errors"}
	res, err := m.engine(clock).Shift(t.Context(), r)
	wantRolledBack(t, m, res, err, "alarm orders-errors is in ALARM")
	if strings.Contains(res.Cause, "orders-latency") {
		t.Errorf("cause %q names the alarm that stayed OK", res.Cause)
	}
	if clock.sleeps != 2 {
		t.Errorf("slept %d times, want the rollback right after the alarm (2)", clock.sleeps)
	}
	last := res.Steps[len(res.Steps)-1]
	if len(last.Readings) != 2 || !last.Readings[1].Failed || last.Readings[1].State != "ALARM" {
		t.Errorf("last step readings = %+v, want orders-errors failed in ALARM", last.Readings)
	}
}

func TestShiftErrorRateGate(t *testing.T) {
	tests := []struct {
		name string
		// version, errs and invocations are put during the first bake.
		version           string
		errs, invocations float64
		wantCause         string
	}{
		{"over the limit", "2", 3, 60, "error rate of version 2 is 5% (3 errors in 60 invocations), above the 1% limit"},
		{"under the limit", "2", 0, 500, ""},
		{"too few invocations to judge", "2", 5, 10, ""},
		{"errors of the current version do not count", "1", 30, 60, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMoto(t)
			m.function(t)
			clock := newClock()
			start := clock.now
			clock.onSleep = func(n int) {
				if n == 1 {
					m.metrics(t, tt.version, start.Add(10*time.Second), tt.errs, tt.invocations)
				}
			}
			r := request(t, "canary:10%:1m")
			r.Gate = &ErrorRateGate{MaxErrorRate: 0.01, MinInvocations: 20}
			res, err := m.engine(clock).Shift(t.Context(), r)
			if tt.wantCause != "" {
				wantRolledBack(t, m, res, err, tt.wantCause)
				return
			}
			if err != nil {
				t.Fatalf("Shift: %v", err)
			}
			if got := m.alias(t); got.Version != "2" || got.Weights != nil {
				t.Errorf("after the shift the alias is %+v, want version 2 alone", got)
			}
			rd := res.Steps[0].Readings
			if len(rd) != 1 || rd[0].Gate != "error-rate" || rd[0].Failed {
				t.Errorf("first step readings = %+v, want one passing error-rate reading", rd)
			}
		})
	}
}

func TestShiftHooks(t *testing.T) {
	tests := []struct {
		name      string
		hooks     Hooks
		queued    []string
		wantCause string
		// moved is whether the alias moved before the failing hook.
		moved bool
	}{
		{"both pass", Hooks{BeforeAllowTraffic: "orders-pre", AfterAllowTraffic: "orders-post"}, []string{`{"status":"Succeeded"}`, `{}`}, "", true},
		{"before fails", Hooks{BeforeAllowTraffic: "orders-pre", AfterAllowTraffic: "orders-post"}, []string{`{"status":"Failed"}`},
			`BeforeAllowTraffic hook orders-pre failed: it returned {"status":"Failed"}`, false},
		{"after fails", Hooks{AfterAllowTraffic: "orders-post"}, []string{`{"status":"Failed"}`},
			`AfterAllowTraffic hook orders-post failed: it returned {"status":"Failed"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMoto(t)
			m.function(t)
			m.env.QueueInvokeResults(t, tt.queued...)
			clock := newClock()
			r := request(t, "canary:10%:1m")
			r.Hooks = tt.hooks
			var final aliasState
			// Read the alias as the AfterAllowTraffic hook sees it, before
			// the record is replaced.
			lc := &observingLambda{LambdaAPI: m.lambda, onInvoke: func(in *lambda.InvokeInput) {
				if aws.ToString(in.FunctionName) == "orders-post" {
					final = m.alias(t)
				}
			}}
			e := m.engine(clock)
			e.Lambda = lc
			res, err := e.Shift(t.Context(), r)
			if tt.wantCause == "" {
				if err != nil {
					t.Fatalf("Shift: %v", err)
				}
				if got := m.alias(t); got.Version != "2" || got.Description != "lamb: previous=1" {
					t.Errorf("after the shift the alias is %+v, want version 2 recording previous=1", got)
				}
				if final.Version != "2" || final.Weights != nil || !strings.HasPrefix(final.Description, "lamb: shifting 1->2 canary:10%:1m step 2/2 ") {
					t.Errorf("while AfterAllowTraffic ran the alias was %+v, want version 2 alone still recording the shift", final)
				}
				return
			}
			wantRolledBack(t, m, res, err, tt.wantCause)
			var he *HookError
			if !errors.As(err, &he) {
				t.Errorf("err = %v, want it to wrap the *HookError", err)
			}
			if moved := len(res.Steps) > 0; moved != tt.moved {
				t.Errorf("steps applied = %v, want moved=%v", res.Steps, tt.moved)
			}
			if !tt.moved && m.alias(t).Description != "lamb: previous=0" {
				t.Errorf("a failing BeforeAllowTraffic hook touched the alias: %+v", m.alias(t))
			}
		})
	}
}

// observingLambda passes every call on, calling onInvoke before Invoke.
type observingLambda struct {
	LambdaAPI
	onInvoke func(*lambda.InvokeInput)
}

func (o *observingLambda) Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	o.onInvoke(in)
	return o.LambdaAPI.Invoke(ctx, in, opts...)
}

func TestShiftInterruptedRollsBack(t *testing.T) {
	m := newMoto(t)
	m.function(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	clock := newClock()
	clock.onSleep = func(n int) {
		if n == 3 {
			cancel()
		}
	}
	res, err := m.engine(clock).Shift(ctx, request(t, "linear:10%:1m"))
	wantRolledBack(t, m, res, err, CauseInterrupted)
	if res.Cause != CauseInterrupted {
		t.Errorf("cause = %q, want %q", res.Cause, CauseInterrupted)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want it to wrap context.Canceled so the command exits 130", err)
	}
}

// crash runs a shift whose process dies during its first bake.
func crash(t *testing.T, m *moto, r Request) {
	t.Helper()
	clock := newClock()
	clock.onSleep = func(int) { runtime.Goexit() }
	die(t, m.engine(clock), r)
}

// die runs a shift that e makes die (by runtime.Goexit from a fake): its
// goroutine ends without running another line of the engine.
func die(t *testing.T, e *Direct, r Request) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := e.Shift(t.Context(), r)
		t.Errorf("the shift returned (%v) instead of dying", err)
	}()
	<-done
}

func TestShiftSurvivesACrash(t *testing.T) {
	r := request(t, "canary:10%:5m")
	r.Alarms = []string{"orders-errors"}
	setup := func(t *testing.T) *moto {
		m := newMoto(t)
		m.function(t)
		m.alarm(t, "orders-errors", cwtypes.StateValueOk)
		crash(t, m, r)
		return m
	}

	t.Run("read", func(t *testing.T) {
		m := setup(t)
		p, err := ReadShift(t.Context(), m.lambda, fn, alias)
		if err != nil {
			t.Fatal(err)
		}
		if p == nil {
			t.Fatal("ReadShift found no shift after the crash")
		}
		if p.Current != "1" || p.Target != "2" || p.Step != 1 || p.Steps != 2 || p.Weight != 0.1 || p.Strategy.String() != "canary:10%:5m" || p.Previous != "0" || p.Mismatch != "" {
			t.Errorf("ReadShift = %+v, want 1->2 canary:10%%:5m at step 1/2 (10%%), previous 0, matching the alias", p)
		}
	})

	t.Run("resume", func(t *testing.T) {
		m := setup(t)
		p, err := ReadShift(t.Context(), m.lambda, fn, alias)
		if err != nil || p == nil {
			t.Fatalf("ReadShift = %v, %v", p, err)
		}
		clock := newClock()
		clock.now = p.Since.Add(2 * time.Minute)
		res, err := m.engine(clock).Resume(t.Context(), Request{Function: fn, Alias: alias, Alarms: r.Alarms})
		if err != nil {
			t.Fatalf("Resume: %v", err)
		}
		if res.Outcome != OutcomeShifted {
			t.Errorf("Outcome = %q", res.Outcome)
		}
		var baked time.Duration
		for _, d := range clock.slept {
			baked += d
		}
		if baked != 3*time.Minute {
			t.Errorf("the resumed bake waited %s, want the 3m left of the 5m", baked)
		}
		if got := m.alias(t); got.Version != "2" || got.Weights != nil || got.Description != "lamb: previous=1" {
			t.Errorf("after the resume the alias is %+v, want version 2 alone recording previous=1", got)
		}
		if p, _ := ReadShift(t.Context(), m.lambda, fn, alias); p != nil {
			t.Errorf("after the resume ReadShift still finds %v", p)
		}
	})

	t.Run("resume rolls back on an alarm", func(t *testing.T) {
		m := setup(t)
		m.setAlarm(t, "orders-errors", cwtypes.StateValueAlarm)
		clock := newClock()
		res, err := m.engine(clock).Resume(t.Context(), Request{Function: fn, Alias: alias, Alarms: r.Alarms})
		wantRolledBack(t, m, res, err, "alarm orders-errors is in ALARM")
	})

	t.Run("rollback", func(t *testing.T) {
		m := setup(t)
		p, err := m.engine(newClock()).Rollback(t.Context(), fn, alias)
		if err != nil {
			t.Fatalf("Rollback: %v", err)
		}
		if p.Target != "2" {
			t.Errorf("Rollback undid %+v", p)
		}
		got := m.alias(t)
		if got.Version != "1" || got.Weights != nil || got.Description != "lamb: previous=0; rolled back from 2" {
			t.Errorf("after the rollback the alias is %+v, want version 1 alone recording previous=0", got)
		}
		if _, err := m.engine(newClock()).Rollback(t.Context(), fn, alias); !errors.Is(err, ErrNoShift) {
			t.Errorf("a second Rollback = %v, want ErrNoShift", err)
		}
	})

	t.Run("moved after the crash", func(t *testing.T) {
		m := setup(t)
		if _, err := m.lambda.UpdateAlias(t.Context(), &lambda.UpdateAliasInput{FunctionName: aws.String(fn), Name: aws.String(alias),
			RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.5}}}); err != nil {
			t.Fatal(err)
		}
		moved := m.alias(t)
		p, err := ReadShift(t.Context(), m.lambda, fn, alias)
		if err != nil || p == nil {
			t.Fatalf("ReadShift = %v, %v", p, err)
		}
		if p.Mismatch != "version 1 with 50% on version 2" {
			t.Errorf("Mismatch = %q, want what was found", p.Mismatch)
		}
		var changed *AliasChangedError
		if _, err := m.engine(newClock()).Resume(t.Context(), Request{Function: fn, Alias: alias}); !errors.As(err, &changed) {
			t.Errorf("Resume = %v, want *AliasChangedError", err)
		}
		if _, err := m.engine(newClock()).Rollback(t.Context(), fn, alias); !errors.As(err, &changed) {
			t.Errorf("Rollback = %v, want *AliasChangedError", err)
		}
		if got := m.alias(t); !reflect.DeepEqual(got, moved) {
			t.Errorf("the alias moved from %+v to %+v", moved, got)
		}
	})

	t.Run("a new shift refuses", func(t *testing.T) {
		m := setup(t)
		_, err := m.engine(newClock()).Shift(t.Context(), r)
		if err == nil || !strings.Contains(err.Error(), "already in progress") {
			t.Fatalf("Shift over a recorded shift = %v, want it refused", err)
		}
		if got := m.alias(t); got.Weights["2"] != 0.1 {
			t.Errorf("the refused shift moved the alias: %+v", got)
		}
	})
}

func TestShiftStopsWhenTheAliasMoves(t *testing.T) {
	tests := []struct {
		name  string
		other lambda.UpdateAliasInput
		want  aliasState
	}{
		{"another version", lambda.UpdateAliasInput{FunctionVersion: aws.String("2"), Description: aws.String("hotfix"),
			RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}}},
			aliasState{Version: "2", Description: "hotfix"}},
		{"another weight", lambda.UpdateAliasInput{RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.5}}},
			aliasState{Version: "1", Weights: map[string]float64{"2": 0.5}}},
		{"another shift record", lambda.UpdateAliasInput{Description: aws.String("lamb: shifting 1->2 canary:50%:1m step 1/2 since 2025-01-01T00:00:00Z")},
			aliasState{Version: "1", Weights: map[string]float64{"2": 0.1}, Description: "lamb: shifting 1->2 canary:50%:1m step 1/2 since 2025-01-01T00:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMoto(t)
			m.function(t)
			clock := newClock()
			clock.onSleep = func(n int) {
				if n == 1 {
					in := tt.other
					in.FunctionName, in.Name = aws.String(fn), aws.String(alias)
					if _, err := m.lambda.UpdateAlias(context.Background(), &in); err != nil {
						t.Fatalf("the other client's UpdateAlias: %v", err)
					}
				}
			}
			res, err := m.engine(clock).Shift(t.Context(), request(t, "canary:10%:1m"))
			var changed *AliasChangedError
			if !errors.As(err, &changed) {
				t.Fatalf("err = %v, want *AliasChangedError", err)
			}
			var rb *RolledBackError
			if errors.As(err, &rb) {
				t.Errorf("err = %v, a stop, not a rollback", err)
			}
			if res.Outcome != OutcomeStopped {
				t.Errorf("Outcome = %q, want %q", res.Outcome, OutcomeStopped)
			}
			got := m.alias(t)
			if tt.want.Description == "" {
				tt.want.Description = got.Description
				if !strings.HasPrefix(got.Description, "lamb: shifting 1->2 canary:10%:1m step 1/2") {
					t.Errorf("alias description = %q, want lamb's step 1 record left alone", got.Description)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("alias = %+v, want the other client's %+v left standing", got, tt.want)
			}
		})
	}
}

func TestShiftPrechecks(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, m *moto, r *Request)
		want   string
	}{
		{"target is $LATEST", func(t *testing.T, m *moto, r *Request) { r.Target = "$LATEST" }, "$LATEST cannot take part"},
		{"target not published", func(t *testing.T, m *moto, r *Request) { r.Target = "7" }, "has no published version 7"},
		{"target names an alias", func(t *testing.T, m *moto, r *Request) { r.Target = alias }, "not a published version"},
		{"alias not on current", func(t *testing.T, m *moto, r *Request) { r.Current, r.Target = "2", "1" }, "the alias serves version 1 alone, not version 2"},
		{"missing alarm", func(t *testing.T, m *moto, r *Request) { r.Alarms = []string{"nope"} }, "no CloudWatch alarm named nope"},
		{"different roles", func(t *testing.T, m *moto, r *Request) {
			ic, err := m.env.Session(t).IAM(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			role, err := ic.CreateRole(t.Context(), &iam.CreateRoleInput{RoleName: aws.String("other"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.lambda.UpdateFunctionConfiguration(t.Context(), &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(fn), Role: role.Role.Arn}); err != nil {
				t.Fatal(err)
			}
			m.publish(t, "3")
			r.Target = "3"
		}, "different execution roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMoto(t)
			m.function(t)
			r := request(t, "canary:10%:1m")
			tt.change(t, m, &r)
			before := m.alias(t)
			clock := newClock()
			_, err := m.engine(clock).Shift(t.Context(), r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Shift = %v, want an error saying %q", err, tt.want)
			}
			if got := m.alias(t); !reflect.DeepEqual(got, before) {
				t.Errorf("the refused shift moved the alias from %+v to %+v", before, got)
			}
		})
	}
}

// TestResumeAfterTheLastStep resumes a shift whose process died while the
// AfterAllowTraffic hook ran: the alias already serves the target alone.
func TestResumeAfterTheLastStep(t *testing.T) {
	for _, hook := range []string{"orders-post", ""} {
		t.Run("resumed with hook "+hook, func(t *testing.T) {
			m := newMoto(t)
			m.function(t)
			r := request(t, "canary:10%:1m")
			r.Hooks.AfterAllowTraffic = "orders-post"
			e := m.engine(newClock())
			e.Lambda = &observingLambda{LambdaAPI: m.lambda, onInvoke: func(*lambda.InvokeInput) { runtime.Goexit() }}
			die(t, e, r)
			p, err := ReadShift(t.Context(), m.lambda, fn, alias)
			if err != nil || p == nil || p.Step != 2 || p.Mismatch != "" {
				t.Fatalf("ReadShift = %+v, %v; want step 2/2 matching the alias", p, err)
			}
			invoked := 0
			e = m.engine(newClock())
			e.Lambda = &observingLambda{LambdaAPI: m.lambda, onInvoke: func(*lambda.InvokeInput) { invoked++ }}
			if _, err := e.Resume(t.Context(), Request{Function: fn, Alias: alias, Hooks: Hooks{AfterAllowTraffic: hook}}); err != nil {
				t.Fatalf("Resume: %v", err)
			}
			if want := min(len(hook), 1); invoked != want {
				t.Errorf("invoked %d hooks, want %d", invoked, want)
			}
			if got := m.alias(t); got.Version != "2" || got.Weights != nil || got.Description != "lamb: previous=1" {
				t.Errorf("after the resume the alias is %+v, want version 2 alone recording previous=1", got)
			}
		})
	}
}
