package cdsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

// aliasStore is an in-memory Lambda holding one alias, so the protocol
// tests run without the emulator; the engine's tests run the simulator
// against moto. It records every alias state it is set to and every invoke.
type aliasStore struct {
	t       *testing.T
	mu      sync.Mutex
	version string
	weights map[string]float64
	history []string
	invokes []map[string]string
}

func (a *aliasStore) GetAlias(_ context.Context, in *lambda.GetAliasInput, _ ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if aws.ToString(in.FunctionName) != "fn" || aws.ToString(in.Name) != "live" {
		a.t.Errorf("GetAlias of %s:%s; only fn:live exists", aws.ToString(in.FunctionName), aws.ToString(in.Name))
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("no such alias")}
	}
	return &lambda.GetAliasOutput{FunctionVersion: aws.String(a.version), RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: a.weights}}, nil
}

func (a *aliasStore) UpdateAlias(_ context.Context, in *lambda.UpdateAliasInput, _ ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.version = aws.ToString(in.FunctionVersion)
	a.weights = in.RoutingConfig.AdditionalVersionWeights
	state := a.version
	for v, w := range a.weights {
		state += " " + v + "@" + strings.TrimRight(strings.TrimRight(jsonNumber(w), "0"), ".")
	}
	a.history = append(a.history, state)
	return &lambda.UpdateAliasOutput{}, nil
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	s := string(b)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func (a *aliasStore) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if in.InvocationType != lambdatypes.InvocationTypeEvent {
		a.t.Errorf("hook invoked as %s; CodeDeploy invokes hooks as events", in.InvocationType)
	}
	var event map[string]string
	if err := json.Unmarshal(in.Payload, &event); err != nil {
		a.t.Errorf("hook payload %s: %v", in.Payload, err)
	}
	event["function"] = aws.ToString(in.FunctionName)
	a.invokes = append(a.invokes, event)
	return &lambda.InvokeOutput{StatusCode: 202}, nil
}

func (a *aliasStore) History() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.history...)
}

type harness struct {
	sim   *Simulator
	cd    *codedeploy.Client
	alias *aliasStore
}

var start = time.Date(2025, 3, 4, 5, 6, 7, 250*int(time.Millisecond), time.UTC)

func newHarness(t *testing.T, o Options) *harness {
	t.Helper()
	store := &aliasStore{t: t, version: "1"}
	o.Lambda, o.Start = store, start
	sim := New(o)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cd := codedeploy.New(codedeploy.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
	return &harness{sim: sim, cd: cd, alias: store}
}

// group creates application app with a Lambda deployment group g that
// rolls back on failure.
func (h *harness) group(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	if _, err := h.cd.CreateApplication(ctx, &codedeploy.CreateApplicationInput{ApplicationName: aws.String("app"), ComputePlatform: types.ComputePlatformLambda}); err != nil {
		t.Fatal(err)
	}
	in := &codedeploy.CreateDeploymentGroupInput{
		ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("g"), ServiceRoleArn: aws.String("arn:aws:iam::123456789012:role/cd"),
		AutoRollbackConfiguration: &types.AutoRollbackConfiguration{Enabled: true, Events: []types.AutoRollbackEvent{types.AutoRollbackEventDeploymentFailure}},
	}
	if _, err := h.cd.CreateDeploymentGroup(ctx, in); err != nil {
		t.Fatal(err)
	}
}

const spec = `version: 0.0
Resources:
  - fn:
      Type: AWS::Lambda::Function
      Properties:
        Name: "fn"
        Alias: "live"
        CurrentVersion: "1"
        TargetVersion: "2"
`

func (h *harness) deploy(t *testing.T, config, content string) string {
	t.Helper()
	out, err := h.cd.CreateDeployment(t.Context(), &codedeploy.CreateDeploymentInput{
		ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("g"), DeploymentConfigName: aws.String(config),
		Revision: &types.RevisionLocation{RevisionType: types.RevisionLocationTypeAppSpecContent, AppSpecContent: &types.AppSpecContent{Content: aws.String(content)}},
	})
	if err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	return aws.ToString(out.DeploymentId)
}

func (h *harness) get(t *testing.T, id string) *types.DeploymentInfo {
	t.Helper()
	out, err := h.cd.GetDeployment(t.Context(), &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetDeployment: %v", err)
	}
	return out.DeploymentInfo
}

func TestSDKParsesEveryAnswer(t *testing.T) {
	h := newHarness(t, Options{})
	h.group(t)
	ctx := t.Context()
	app, err := h.cd.GetApplication(ctx, &codedeploy.GetApplicationInput{ApplicationName: aws.String("app")})
	if err != nil {
		t.Fatalf("GetApplication: %v", err)
	}
	if got := aws.ToTime(app.Application.CreateTime); !got.Equal(start) || app.Application.ComputePlatform != types.ComputePlatformLambda {
		t.Errorf("application created %s on %s; want %s on Lambda", got, app.Application.ComputePlatform, start)
	}
	g, err := h.cd.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("g")})
	if err != nil {
		t.Fatalf("GetDeploymentGroup: %v", err)
	}
	if st := g.DeploymentGroupInfo.DeploymentStyle; st == nil || st.DeploymentOption != types.DeploymentOptionWithTrafficControl {
		t.Errorf("a Lambda group's default style %+v; want BLUE_GREEN with traffic control", st)
	}
	cfg, err := h.cd.GetDeploymentConfig(ctx, &codedeploy.GetDeploymentConfigInput{DeploymentConfigName: aws.String("CodeDeployDefault.LambdaLinear10PercentEvery1Minute")})
	if err != nil {
		t.Fatalf("GetDeploymentConfig: %v", err)
	}
	if l := cfg.DeploymentConfigInfo.TrafficRoutingConfig.TimeBasedLinear; l == nil || l.LinearPercentage != 10 || l.LinearInterval != 1 {
		t.Errorf("predefined linear config %+v", l)
	}

	id := h.deploy(t, "CodeDeployDefault.LambdaAllAtOnce", spec)
	h.sim.Advance(1500 * time.Millisecond)
	info := h.get(t, id)
	if info.Status != types.DeploymentStatusSucceeded || aws.ToTime(info.CreateTime) != start ||
		!aws.ToTime(info.CompleteTime).Equal(start.Add(1500*time.Millisecond)) {
		t.Errorf("deployment %s created %s completed %s; want Succeeded, %s and 1.5s later", info.Status, aws.ToTime(info.CreateTime), aws.ToTime(info.CompleteTime), start)
	}
	if got := h.alias.History(); len(got) != 1 || got[0] != "2" {
		t.Errorf("alias states %q; want straight to version 2", got)
	}
}

func TestTypedErrors(t *testing.T) {
	h := newHarness(t, Options{})
	h.group(t)
	ctx := t.Context()
	active := h.deploy(t, "CodeDeployDefault.LambdaCanary10Percent5Minutes", spec)
	revision := &types.RevisionLocation{RevisionType: types.RevisionLocationTypeAppSpecContent, AppSpecContent: &types.AppSpecContent{Content: aws.String(spec)}}
	canary := &types.TrafficRoutingConfig{Type: types.TrafficRoutingTypeTimeBasedCanary, TimeBasedCanary: &types.TimeBasedCanary{CanaryPercentage: 5, CanaryInterval: 2}}
	for _, tc := range []struct {
		want string
		call func() error
	}{
		{"ApplicationDoesNotExistException", func() error {
			_, err := h.cd.GetApplication(ctx, &codedeploy.GetApplicationInput{ApplicationName: aws.String("nope")})
			return err
		}},
		{"ApplicationAlreadyExistsException", func() error {
			_, err := h.cd.CreateApplication(ctx, &codedeploy.CreateApplicationInput{ApplicationName: aws.String("app"), ComputePlatform: types.ComputePlatformLambda})
			return err
		}},
		{"DeploymentGroupDoesNotExistException", func() error {
			_, err := h.cd.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("nope")})
			return err
		}},
		{"InvalidDeploymentStyleException", func() error {
			_, err := h.cd.CreateDeploymentGroup(ctx, &codedeploy.CreateDeploymentGroupInput{
				ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("g2"), ServiceRoleArn: aws.String("arn:aws:iam::123456789012:role/cd"),
				DeploymentStyle: &types.DeploymentStyle{DeploymentType: types.DeploymentTypeInPlace, DeploymentOption: types.DeploymentOptionWithoutTrafficControl},
			})
			return err
		}},
		{"InvalidDeploymentConfigNameException", func() error {
			_, err := h.cd.CreateDeploymentConfig(ctx, &codedeploy.CreateDeploymentConfigInput{
				DeploymentConfigName: aws.String("CodeDeployDefault.Mine"), ComputePlatform: types.ComputePlatformLambda, TrafficRoutingConfig: canary,
			})
			return err
		}},
		{"DeploymentConfigAlreadyExistsException", func() error {
			in := &codedeploy.CreateDeploymentConfigInput{DeploymentConfigName: aws.String("mine"), ComputePlatform: types.ComputePlatformLambda, TrafficRoutingConfig: canary}
			if _, err := h.cd.CreateDeploymentConfig(ctx, in); err != nil {
				return err
			}
			_, err := h.cd.CreateDeploymentConfig(ctx, in)
			return err
		}},
		{"DeploymentConfigDoesNotExistException", func() error {
			_, err := h.cd.GetDeploymentConfig(ctx, &codedeploy.GetDeploymentConfigInput{DeploymentConfigName: aws.String("nope")})
			return err
		}},
		{"DeploymentLimitExceededException", func() error {
			_, err := h.cd.CreateDeployment(ctx, &codedeploy.CreateDeploymentInput{ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("g"), Revision: revision})
			return err
		}},
		{"DeploymentDoesNotExistException", func() error {
			_, err := h.cd.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String("d-NOPE")})
			return err
		}},
		{"InvalidLifecycleEventHookExecutionIdException", func() error {
			_, err := h.cd.PutLifecycleEventHookExecutionStatus(ctx, &codedeploy.PutLifecycleEventHookExecutionStatusInput{
				DeploymentId: aws.String(active), LifecycleEventHookExecutionId: aws.String("guess"), Status: types.LifecycleEventStatusSucceeded,
			})
			return err
		}},
	} {
		t.Run(tc.want, func(t *testing.T) {
			wantTyped(t, tc.call(), tc.want)
		})
	}
}

// wantTyped checks that the SDK read err as its own type for CodeDeploy's
// error code, not as a generic error.
func wantTyped(t *testing.T, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != code || fmt.Sprintf("%T", apiErr) != "*types."+code {
		t.Errorf("error %v (%T); want the SDK's *types.%s", err, apiErr, code)
	}
}

func TestStepsFollowTheClock(t *testing.T) {
	h := newHarness(t, Options{})
	h.group(t)
	id := h.deploy(t, "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", spec)
	if got := h.alias.History(); len(got) != 0 {
		t.Fatalf("alias moved to %q before the clock did", got)
	}
	h.sim.Advance(0)
	h.sim.Advance(59 * time.Second)
	if got := h.alias.History(); !slices.Equal(got, []string{"1 2@0.1"}) {
		t.Errorf("alias states %q within the first minute; want 10%% only", got)
	}
	h.sim.Advance(time.Second)
	if got := h.alias.History(); !slices.Equal(got, []string{"1 2@0.1", "1 2@0.2"}) {
		t.Errorf("alias states %q after a minute; want 10%% then 20%%", got)
	}
	// A long jump applies every step that has come due.
	h.sim.Advance(time.Hour)
	want := []string{"1 2@0.1", "1 2@0.2", "1 2@0.3", "1 2@0.4", "1 2@0.5", "1 2@0.6", "1 2@0.7", "1 2@0.8", "1 2@0.9", "2"}
	if got := h.alias.History(); !slices.Equal(got, want) {
		t.Errorf("alias states %q; want %q", got, want)
	}
	if st := h.get(t, id).Status; st != types.DeploymentStatusSucceeded {
		t.Errorf("status %s; want Succeeded", st)
	}
}

const hooked = spec + `Hooks:
  - BeforeAllowTraffic: "pre"
  - AfterAllowTraffic: "post"
`

func TestHooksWaitForTheirStatus(t *testing.T) {
	h := newHarness(t, Options{})
	h.group(t)
	ctx := t.Context()
	id := h.deploy(t, "CodeDeployDefault.LambdaAllAtOnce", hooked)
	h.sim.Advance(0)
	h.sim.Advance(30 * time.Minute)
	calls := h.sim.HookCalls()
	if len(calls) != 1 || calls[0].Hook != "BeforeAllowTraffic" || calls[0].Function != "pre" {
		t.Fatalf("hooks invoked %+v; want BeforeAllowTraffic pre", calls)
	}
	if got := h.alias.invokes; len(got) != 1 || got[0]["DeploymentId"] != id || got[0]["LifecycleEventHookExecutionId"] != calls[0].LifecycleEventHookExecutionID || got[0]["function"] != "pre" {
		t.Errorf("hook events %v; want pre invoked with the deployment and execution ids", got)
	}
	if got := h.alias.History(); len(got) != 0 || h.get(t, id).Status != types.DeploymentStatusInProgress {
		t.Fatalf("alias moved to %q before the hook reported", got)
	}
	report := func(c HookCall, status types.LifecycleEventStatus) error {
		_, err := h.cd.PutLifecycleEventHookExecutionStatus(ctx, &codedeploy.PutLifecycleEventHookExecutionStatusInput{
			DeploymentId: aws.String(c.DeploymentID), LifecycleEventHookExecutionId: aws.String(c.LifecycleEventHookExecutionID), Status: status,
		})
		return err
	}
	if err := report(calls[0], types.LifecycleEventStatusSucceeded); err != nil {
		t.Fatal(err)
	}
	wantTyped(t, report(calls[0], types.LifecycleEventStatusFailed), "LifecycleEventAlreadyCompletedException")
	h.sim.Advance(0)
	if got := h.alias.History(); !slices.Equal(got, []string{"2"}) {
		t.Errorf("alias states %q after BeforeAllowTraffic succeeded; want version 2", got)
	}
	// AfterAllowTraffic never answers: CodeDeploy gives up after the hook
	// timeout and rolls back.
	h.sim.Advance(DefaultHookTimeout)
	info := h.get(t, id)
	if info.Status != types.DeploymentStatusFailed || info.ErrorInformation == nil || info.ErrorInformation.Code != types.ErrorCodeHookExecutionFailure {
		t.Fatalf("deployment %s %+v; want Failed with HOOK_EXECUTION_FAILURE", info.Status, info.ErrorInformation)
	}
	rb := aws.ToString(info.RollbackInfo.RollbackDeploymentId)
	rollback := h.get(t, rb)
	if rollback.Status != types.DeploymentStatusSucceeded || rollback.Creator != types.DeploymentCreatorCodeDeployRollback ||
		aws.ToString(rollback.RollbackInfo.RollbackTriggeringDeploymentId) != id {
		t.Errorf("rollback deployment %s: %s by %s; want Succeeded by codeDeployRollback, triggered by %s", rb, rollback.Status, rollback.Creator, id)
	}
	if got := h.alias.History(); !slices.Equal(got, []string{"2", "1"}) {
		t.Errorf("alias states %q; want version 2, then back to 1", got)
	}
}

func TestStopDeployment(t *testing.T) {
	for _, tc := range []struct {
		rollback bool
		want     []string
	}{
		{rollback: true, want: []string{"1 2@0.1", "1"}},
		{rollback: false, want: []string{"1 2@0.1"}},
	} {
		t.Run(fmt.Sprint("rollback=", tc.rollback), func(t *testing.T) {
			h := newHarness(t, Options{})
			h.group(t)
			id := h.deploy(t, "CodeDeployDefault.LambdaCanary10Percent5Minutes", spec)
			h.sim.Advance(time.Minute)
			stop := func() error {
				_, err := h.cd.StopDeployment(t.Context(), &codedeploy.StopDeploymentInput{DeploymentId: aws.String(id), AutoRollbackEnabled: aws.Bool(tc.rollback)})
				return err
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if st := h.get(t, id).Status; st != types.DeploymentStatusInProgress {
				t.Errorf("status %s right after StopDeployment; want InProgress until the simulator runs", st)
			}
			h.sim.Advance(0)
			if st := h.get(t, id).Status; st != types.DeploymentStatusStopped {
				t.Errorf("status %s; want Stopped", st)
			}
			if got := h.alias.History(); !slices.Equal(got, tc.want) {
				t.Errorf("alias states %q; want %q", got, tc.want)
			}
			wantTyped(t, stop(), "DeploymentAlreadyCompletedException")
			if got := h.sim.Stops(); len(got) != 1 || got[0] != (StopCall{DeploymentID: id, AutoRollbackEnabled: tc.rollback}) {
				t.Errorf("stops recorded %+v", got)
			}
		})
	}
}

func TestDeploymentChecksItsInput(t *testing.T) {
	jsonSpec := `{"version": 0.0, "Resources": [{"fn": {"Type": "AWS::Lambda::Function",
	  "Properties": {"Name": "fn", "Alias": "live", "CurrentVersion": 1, "TargetVersion": 2}}}]}`
	for _, tc := range []struct {
		name         string
		content, sum string
		aliasAt      string
		wantCode     types.ErrorCode
	}{
		{name: "JSON AppSpec", content: jsonSpec, aliasAt: "1"},
		{name: "sha256 mismatch", content: spec, sum: "3a8d6b0c9f52c4c3c0f09d1c69fb49e3b2bca3c87a0e3e7f2d79ad4b9e3b6c53", aliasAt: "1", wantCode: types.ErrorCodeInvalidRevision},
		{name: "not an AppSpec", content: "version: 0.0\nResources: []\n", aliasAt: "1", wantCode: types.ErrorCodeInvalidRevision},
		{name: "alias elsewhere", content: spec, aliasAt: "3", wantCode: types.ErrorCodeInvalidLambdaConfiguration},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.group(t)
			h.alias.version = tc.aliasAt
			out, err := h.cd.CreateDeployment(t.Context(), &codedeploy.CreateDeploymentInput{
				ApplicationName: aws.String("app"), DeploymentGroupName: aws.String("g"),
				Revision: &types.RevisionLocation{RevisionType: types.RevisionLocationTypeAppSpecContent,
					AppSpecContent: &types.AppSpecContent{Content: aws.String(tc.content), Sha256: aws.String(tc.sum)}},
			})
			if err != nil {
				t.Fatal(err)
			}
			h.sim.Advance(0)
			info := h.get(t, aws.ToString(out.DeploymentId))
			if tc.wantCode == "" {
				if info.Status != types.DeploymentStatusSucceeded {
					t.Errorf("status %s %+v; want Succeeded", info.Status, info.ErrorInformation)
				}
				return
			}
			if info.Status != types.DeploymentStatusFailed || info.ErrorInformation == nil || info.ErrorInformation.Code != tc.wantCode {
				t.Errorf("deployment %s %+v; want Failed with %s", info.Status, info.ErrorInformation, tc.wantCode)
			}
			if got := h.alias.History(); len(got) != 0 {
				t.Errorf("alias moved to %q by a deployment that could not start", got)
			}
		})
	}
}
