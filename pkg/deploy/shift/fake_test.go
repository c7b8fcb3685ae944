package shift

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// fakeLambda answers each call from the queue a test gave for it, records
// the writes and invocations, and fails the test on any call it was not
// told to expect. It shows what moto cannot: function errors, revision ids
// and their preconditions, dead-letter queues.
type fakeLambda struct {
	t       *testing.T
	aliases []result[*lambda.GetAliasOutput]
	configs []result[*lambda.GetFunctionConfigurationOutput]
	updates []result[*lambda.UpdateAliasOutput]
	invokes []result[*lambda.InvokeOutput]

	updated []*lambda.UpdateAliasInput
	invoked []*lambda.InvokeInput
	// onUpdate, when set, runs before each UpdateAlias is answered; its
	// error, when not nil, answers it instead.
	onUpdate func(ctx context.Context, in *lambda.UpdateAliasInput) error
}

type result[T any] struct {
	out T
	err error
}

func answer[T any](t *testing.T, op string, q *[]result[T]) (T, error) {
	t.Helper()
	if len(*q) == 0 {
		t.Errorf("unexpected call %s", op)
		var zero T
		return zero, errors.New("unexpected call " + op)
	}
	a := (*q)[0]
	*q = (*q)[1:]
	return a.out, a.err
}

func (f *fakeLambda) GetAlias(context.Context, *lambda.GetAliasInput, ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	return answer(f.t, "GetAlias", &f.aliases)
}

func (f *fakeLambda) GetFunctionConfiguration(context.Context, *lambda.GetFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	return answer(f.t, "GetFunctionConfiguration", &f.configs)
}

func (f *fakeLambda) UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, _ ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error) {
	f.updated = append(f.updated, in)
	if f.onUpdate != nil {
		if err := f.onUpdate(ctx, in); err != nil {
			return nil, err
		}
	}
	return answer(f.t, "UpdateAlias", &f.updates)
}

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.invoked = append(f.invoked, in)
	return answer(f.t, "Invoke", &f.invokes)
}

// leftover fails the test when answers were not used.
func (f *fakeLambda) leftover() {
	f.t.Helper()
	if n := len(f.aliases) + len(f.configs) + len(f.updates) + len(f.invokes); n > 0 {
		f.t.Errorf("%d expected calls were not made", n)
	}
}

func version(v, role, dlq string) result[*lambda.GetFunctionConfigurationOutput] {
	out := &lambda.GetFunctionConfigurationOutput{Version: aws.String(v), Role: aws.String(role)}
	if dlq != "" {
		out.DeadLetterConfig = &lambdatypes.DeadLetterConfig{TargetArn: aws.String(dlq)}
	}
	return result[*lambda.GetFunctionConfigurationOutput]{out: out}
}

const role = "arn:aws:iam::123456789012:role/orders"

func aliasAt(v, desc, rev string, weights map[string]float64) result[*lambda.GetAliasOutput] {
	return result[*lambda.GetAliasOutput]{out: &lambda.GetAliasOutput{
		Name: aws.String(alias), FunctionVersion: aws.String(v), Description: aws.String(desc), RevisionId: aws.String(rev),
		RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: weights},
	}}
}

func TestHookFunctionErrorRollsBackBeforeTrafficMoves(t *testing.T) {
	f := &fakeLambda{t: t,
		configs: []result[*lambda.GetFunctionConfigurationOutput]{version("1", role, ""), version("2", role, "")},
		aliases: []result[*lambda.GetAliasOutput]{aliasAt("1", "lamb: previous=0", "r0", nil)},
		invokes: []result[*lambda.InvokeOutput]{{out: &lambda.InvokeOutput{
			StatusCode: 200, FunctionError: aws.String("Unhandled"),
			Payload: []byte(`{"errorType":"Error","errorMessage":"smoke test failed: 502 from /health"}`),
		}}},
	}
	r := request(t, "canary:10%:5m")
	r.Hooks = Hooks{BeforeAllowTraffic: "orders-pre"}
	res, err := (&Direct{Lambda: f}).Shift(t.Context(), r)
	f.leftover()
	var rb *RolledBackError
	if !errors.As(err, &rb) {
		t.Fatalf("err = %v, want *RolledBackError", err)
	}
	want := "BeforeAllowTraffic hook orders-pre failed: function error Unhandled (Error: smoke test failed: 502 from /health)"
	if res.Cause != want {
		t.Errorf("cause = %q, want %q", res.Cause, want)
	}
	if res.Outcome != OutcomeRolledBack || len(res.Steps) != 0 || len(f.updated) != 0 {
		t.Errorf("outcome %q, %d steps, %d alias updates: want rolled back with the alias untouched", res.Outcome, len(res.Steps), len(f.updated))
	}
	in := f.invoked[0]
	if aws.ToString(in.FunctionName) != "orders-pre" || in.InvocationType != lambdatypes.InvocationTypeRequestResponse {
		t.Errorf("invoked %s as %s, want orders-pre synchronously", aws.ToString(in.FunctionName), in.InvocationType)
	}
	var ev map[string]string
	if err := json.Unmarshal(in.Payload, &ev); err != nil {
		t.Fatal(err)
	}
	wantEvent := map[string]string{"LifecycleEvent": "BeforeAllowTraffic", "FunctionName": fn, "Alias": alias, "CurrentVersion": "1", "TargetVersion": "2"}
	if !reflect.DeepEqual(ev, wantEvent) {
		t.Errorf("hook event = %v, want %v", ev, wantEvent)
	}
}

func TestHookVerdict(t *testing.T) {
	tests := []struct {
		name    string
		fnError string
		payload string
		want    string
	}{
		{"passes", "", `{"status":"Succeeded"}`, ""},
		{"empty answer passes", "", ``, ""},
		{"null passes", "", `null`, ""},
		{"a string passes", "", `"Failed"`, ""},
		{"other fields pass", "", `{"checked":12}`, ""},
		{"status Failed", "", `{"status":"Failed"}`, `it returned {"status":"Failed"}`},
		{"status failed, any case", "", ` {"status": "failed", "why": "x"} `, `it returned {"status":"Failed"}`},
		{"function error", "Unhandled", `{"errorType":"TypeError","errorMessage":"x is undefined"}`, "function error Unhandled (TypeError: x is undefined)"},
		{"function error without a body", "Handled", ``, "function error Handled"},
		{"long message is cut", "Unhandled", `{"errorMessage":"` + strings.Repeat("é", 300) + `"}`, "function error Unhandled (" + strings.Repeat("é", 87) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &lambda.InvokeOutput{Payload: []byte(tt.payload)}
			if tt.fnError != "" {
				out.FunctionError = aws.String(tt.fnError)
			}
			if got := hookVerdict(out); got != tt.want {
				t.Errorf("hookVerdict = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestShiftUsesRevisionIDs checks what moto cannot: the alias update names
// the revision lamb read, and a revision that changed behind an unchanged
// alias, or an update Lambda refuses on its revision, stops the shift.
func TestShiftUsesRevisionIDs(t *testing.T) {
	const desc = "lamb: previous=0"
	tests := []struct {
		name string
		// aliases and updates are what GetAlias and UpdateAlias answer
		// after step 1; the first alias is filled in from what lamb wrote.
		aliases []result[*lambda.GetAliasOutput]
		updates []result[*lambda.UpdateAliasOutput]
	}{
		{"revision changed", []result[*lambda.GetAliasOutput]{{}}, nil},
		{"update refused", []result[*lambda.GetAliasOutput]{{}, aliasAt("2", "manual", "r5", nil)},
			[]result[*lambda.UpdateAliasOutput]{{err: &lambdatypes.PreconditionFailedException{Message: aws.String("revision changed")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLambda{t: t,
				configs: []result[*lambda.GetFunctionConfigurationOutput]{version("1", role, ""), version("2", role, "")},
				aliases: []result[*lambda.GetAliasOutput]{aliasAt("1", desc, "r0", nil), aliasAt("1", desc, "r0", nil)},
				updates: []result[*lambda.UpdateAliasOutput]{{out: &lambda.UpdateAliasOutput{RevisionId: aws.String("r1")}}},
			}
			clock := newClock()
			clock.onSleep = func(n int) {
				if n > 1 {
					return
				}
				// The alias as lamb set it at step 1, with the revision
				// either changed (first case) or still r1 (second case).
				written := f.updated[0]
				rev := "r9"
				if tt.updates != nil {
					rev = "r1"
				}
				tt.aliases[0] = aliasAt("1", aws.ToString(written.Description), rev, written.RoutingConfig.AdditionalVersionWeights)
				f.aliases = append(f.aliases, tt.aliases...)
				f.updates = append(f.updates, tt.updates...)
			}
			res, err := (&Direct{Lambda: f, Sleep: clock.Sleep, Now: clock.Now}).Shift(t.Context(), request(t, "canary:10%:1m"))
			f.leftover()
			var changed *AliasChangedError
			if !errors.As(err, &changed) {
				t.Fatalf("err = %v, want *AliasChangedError", err)
			}
			if res.Outcome != OutcomeStopped {
				t.Errorf("Outcome = %q, want %q", res.Outcome, OutcomeStopped)
			}
			if got := aws.ToString(f.updated[0].RevisionId); got != "r0" {
				t.Errorf("step 1 updated the alias with RevisionId %q, want the r0 it read", got)
			}
			if tt.updates != nil {
				if got := aws.ToString(f.updated[1].RevisionId); got != "r1" {
					t.Errorf("step 2 updated the alias with RevisionId %q, want the r1 it read", got)
				}
				if !strings.Contains(err.Error(), "version 2 alone") {
					t.Errorf("err = %v, want it to say what was found", err)
				}
			}
		})
	}
}

func TestShiftRefusesDifferentDeadLetterQueues(t *testing.T) {
	f := &fakeLambda{t: t,
		configs: []result[*lambda.GetFunctionConfigurationOutput]{version("1", role, "arn:aws:sqs:us-east-1:123456789012:dlq"), version("2", role, "")},
	}
	_, err := (&Direct{Lambda: f}).Shift(t.Context(), request(t, "canary:10%:5m"))
	f.leftover()
	if err == nil || !strings.Contains(err.Error(), "different dead-letter queues (arn:aws:sqs:us-east-1:123456789012:dlq, none)") {
		t.Fatalf("err = %v, want the dead-letter queues named", err)
	}
}

// TestInterruptedUpdateThatLanded checks a Ctrl-C during an alias update
// that Lambda applied anyway: the rollback recognises lamb's own write,
// and runs on a context that is still alive.
func TestInterruptedUpdateThatLanded(t *testing.T) {
	const desc = "lamb: previous=0"
	f := &fakeLambda{t: t,
		configs: []result[*lambda.GetFunctionConfigurationOutput]{version("1", role, ""), version("2", role, "")},
		aliases: []result[*lambda.GetAliasOutput]{aliasAt("1", desc, "", nil), aliasAt("1", desc, "", nil)},
		updates: []result[*lambda.UpdateAliasOutput]{{out: &lambda.UpdateAliasOutput{}}, {out: &lambda.UpdateAliasOutput{}}},
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.onUpdate = func(uctx context.Context, in *lambda.UpdateAliasInput) error {
		switch len(f.updated) {
		case 1:
			// Step 1 lands; the process reads it back before step 2.
			f.aliases = append(f.aliases, aliasAt("1", aws.ToString(in.Description), "", in.RoutingConfig.AdditionalVersionWeights))
		case 2:
			// Step 2 lands too, but the answer is lost to Ctrl-C.
			f.aliases = append(f.aliases, aliasAt(aws.ToString(in.FunctionVersion), aws.ToString(in.Description), "", nil))
			cancel()
			return context.Canceled
		case 3:
			if err := uctx.Err(); err != nil {
				t.Errorf("the rollback ran on an ended context: %v", err)
			}
		}
		return nil
	}
	clock := newClock()
	res, err := (&Direct{Lambda: f, Sleep: clock.Sleep, Now: clock.Now}).Shift(ctx, request(t, "canary:10%:1m"))
	f.leftover()
	if !errors.Is(err, context.Canceled) || res.Outcome != OutcomeRolledBack || res.Cause != CauseInterrupted {
		t.Fatalf("Shift = %+v, %v; want rolled back, interrupted", res, err)
	}
	if len(f.updated) != 3 {
		t.Fatalf("%d alias updates, want step 1, step 2 and the rollback", len(f.updated))
	}
	rb := f.updated[2]
	if aws.ToString(rb.FunctionVersion) != "1" || len(rb.RoutingConfig.AdditionalVersionWeights) != 0 {
		t.Errorf("the rollback set version %s with weights %v, want version 1 alone", aws.ToString(rb.FunctionVersion), rb.RoutingConfig.AdditionalVersionWeights)
	}
}
