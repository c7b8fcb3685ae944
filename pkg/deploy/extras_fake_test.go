package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/config"
)

// scriptedExtras answers the extras calls in the order a test scripted
// them and fails the test on any other call. It shows what moto does not
// route or does not keep: provisioned concurrency, resource policies on an
// alias, and a changed asynchronous configuration.
type scriptedExtras struct {
	LambdaAPI // nil: deploy's other calls are not expected
	t         *testing.T
	script    []scripted
	inputs    []any
}

type scripted struct {
	op  string
	out any
	err error
}

func (s *scriptedExtras) next(op string, in any) (any, error) {
	s.t.Helper()
	if len(s.script) == 0 || s.script[0].op != op {
		want := "nothing"
		if len(s.script) > 0 {
			want = s.script[0].op
		}
		s.t.Errorf("unexpected call %s, want %s", op, want)
		return nil, errors.New("unexpected call " + op)
	}
	a := s.script[0]
	s.script = s.script[1:]
	s.inputs = append(s.inputs, in)
	return a.out, a.err
}

// done stops the test when scripted calls were not made.
func (s *scriptedExtras) done() {
	s.t.Helper()
	if len(s.script) > 0 {
		s.t.Fatalf("expected call %s was not made (calls made: %s)", s.script[0].op, ops(s))
	}
}

func scriptedAnswer[O any](s *scriptedExtras, op string, in any) (*O, error) {
	out, err := s.next(op, in)
	if o, ok := out.(*O); ok {
		return o, err
	}
	return new(O), err
}

func (s *scriptedExtras) GetFunctionUrlConfig(_ context.Context, in *lambda.GetFunctionUrlConfigInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionUrlConfigOutput, error) {
	return scriptedAnswer[lambda.GetFunctionUrlConfigOutput](s, "GetFunctionUrlConfig", in)
}
func (s *scriptedExtras) CreateFunctionUrlConfig(_ context.Context, in *lambda.CreateFunctionUrlConfigInput, _ ...func(*lambda.Options)) (*lambda.CreateFunctionUrlConfigOutput, error) {
	return scriptedAnswer[lambda.CreateFunctionUrlConfigOutput](s, "CreateFunctionUrlConfig", in)
}
func (s *scriptedExtras) UpdateFunctionUrlConfig(_ context.Context, in *lambda.UpdateFunctionUrlConfigInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionUrlConfigOutput, error) {
	return scriptedAnswer[lambda.UpdateFunctionUrlConfigOutput](s, "UpdateFunctionUrlConfig", in)
}
func (s *scriptedExtras) DeleteFunctionUrlConfig(_ context.Context, in *lambda.DeleteFunctionUrlConfigInput, _ ...func(*lambda.Options)) (*lambda.DeleteFunctionUrlConfigOutput, error) {
	return scriptedAnswer[lambda.DeleteFunctionUrlConfigOutput](s, "DeleteFunctionUrlConfig", in)
}
func (s *scriptedExtras) GetPolicy(_ context.Context, in *lambda.GetPolicyInput, _ ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	return scriptedAnswer[lambda.GetPolicyOutput](s, "GetPolicy", in)
}
func (s *scriptedExtras) AddPermission(_ context.Context, in *lambda.AddPermissionInput, _ ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error) {
	return scriptedAnswer[lambda.AddPermissionOutput](s, "AddPermission", in)
}
func (s *scriptedExtras) RemovePermission(_ context.Context, in *lambda.RemovePermissionInput, _ ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error) {
	return scriptedAnswer[lambda.RemovePermissionOutput](s, "RemovePermission", in)
}
func (s *scriptedExtras) GetFunctionConcurrency(_ context.Context, in *lambda.GetFunctionConcurrencyInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionConcurrencyOutput, error) {
	return scriptedAnswer[lambda.GetFunctionConcurrencyOutput](s, "GetFunctionConcurrency", in)
}
func (s *scriptedExtras) PutFunctionConcurrency(_ context.Context, in *lambda.PutFunctionConcurrencyInput, _ ...func(*lambda.Options)) (*lambda.PutFunctionConcurrencyOutput, error) {
	return scriptedAnswer[lambda.PutFunctionConcurrencyOutput](s, "PutFunctionConcurrency", in)
}
func (s *scriptedExtras) DeleteFunctionConcurrency(_ context.Context, in *lambda.DeleteFunctionConcurrencyInput, _ ...func(*lambda.Options)) (*lambda.DeleteFunctionConcurrencyOutput, error) {
	return scriptedAnswer[lambda.DeleteFunctionConcurrencyOutput](s, "DeleteFunctionConcurrency", in)
}
func (s *scriptedExtras) GetProvisionedConcurrencyConfig(_ context.Context, in *lambda.GetProvisionedConcurrencyConfigInput, _ ...func(*lambda.Options)) (*lambda.GetProvisionedConcurrencyConfigOutput, error) {
	return scriptedAnswer[lambda.GetProvisionedConcurrencyConfigOutput](s, "GetProvisionedConcurrencyConfig", in)
}
func (s *scriptedExtras) PutProvisionedConcurrencyConfig(_ context.Context, in *lambda.PutProvisionedConcurrencyConfigInput, _ ...func(*lambda.Options)) (*lambda.PutProvisionedConcurrencyConfigOutput, error) {
	return scriptedAnswer[lambda.PutProvisionedConcurrencyConfigOutput](s, "PutProvisionedConcurrencyConfig", in)
}
func (s *scriptedExtras) DeleteProvisionedConcurrencyConfig(_ context.Context, in *lambda.DeleteProvisionedConcurrencyConfigInput, _ ...func(*lambda.Options)) (*lambda.DeleteProvisionedConcurrencyConfigOutput, error) {
	return scriptedAnswer[lambda.DeleteProvisionedConcurrencyConfigOutput](s, "DeleteProvisionedConcurrencyConfig", in)
}
func (s *scriptedExtras) GetFunctionEventInvokeConfig(_ context.Context, in *lambda.GetFunctionEventInvokeConfigInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionEventInvokeConfigOutput, error) {
	return scriptedAnswer[lambda.GetFunctionEventInvokeConfigOutput](s, "GetFunctionEventInvokeConfig", in)
}
func (s *scriptedExtras) PutFunctionEventInvokeConfig(_ context.Context, in *lambda.PutFunctionEventInvokeConfigInput, _ ...func(*lambda.Options)) (*lambda.PutFunctionEventInvokeConfigOutput, error) {
	return scriptedAnswer[lambda.PutFunctionEventInvokeConfigOutput](s, "PutFunctionEventInvokeConfig", in)
}
func (s *scriptedExtras) DeleteFunctionEventInvokeConfig(_ context.Context, in *lambda.DeleteFunctionEventInvokeConfigInput, _ ...func(*lambda.Options)) (*lambda.DeleteFunctionEventInvokeConfigOutput, error) {
	return scriptedAnswer[lambda.DeleteFunctionEventInvokeConfigOutput](s, "DeleteFunctionEventInvokeConfig", in)
}
func (s *scriptedExtras) TagResource(_ context.Context, in *lambda.TagResourceInput, _ ...func(*lambda.Options)) (*lambda.TagResourceOutput, error) {
	return scriptedAnswer[lambda.TagResourceOutput](s, "TagResource", in)
}
func (s *scriptedExtras) UntagResource(_ context.Context, in *lambda.UntagResourceInput, _ ...func(*lambda.Options)) (*lambda.UntagResourceOutput, error) {
	return scriptedAnswer[lambda.UntagResourceOutput](s, "UntagResource", in)
}

var _ ExtrasAPI = (*scriptedExtras)(nil)

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"

func fakeSpec() ExtrasSpec {
	return ExtrasSpec{Function: "fn", FunctionARN: fnARN, Alias: "live", Tags: map[string]string{}}
}

func provisioned(status lambdatypes.ProvisionedConcurrencyStatusEnum, requested, allocated int32) *lambda.GetProvisionedConcurrencyConfigOutput {
	return &lambda.GetProvisionedConcurrencyConfigOutput{
		Status: status, RequestedProvisionedConcurrentExecutions: aws.Int32(requested), AllocatedProvisionedConcurrentExecutions: aws.Int32(allocated),
	}
}

func notFound() error {
	return &lambdatypes.ResourceNotFoundException{Message: aws.String("The resource you requested does not exist.")}
}

func pcNotFound() error {
	return &lambdatypes.ProvisionedConcurrencyConfigNotFoundException{Message: aws.String("No Provisioned Concurrency Config found for this function")}
}

func ops(s *scriptedExtras) string {
	var names []string
	for _, in := range s.inputs {
		names = append(names, strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", in), "*lambda."), "Input"))
	}
	return strings.Join(names, " ")
}

func TestProvisionedConcurrencyWaitsUntilReady(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetProvisionedConcurrencyConfig", err: pcNotFound()},
		{op: "PutProvisionedConcurrencyConfig", out: &lambda.PutProvisionedConcurrencyConfigOutput{Status: lambdatypes.ProvisionedConcurrencyStatusEnumInProgress}},
		{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumInProgress, 5, 0)},
		{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumInProgress, 5, 3)},
		{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumReady, 5, 5)},
		{op: "TagResource"},
	}}
	clock := &fakeClock{}
	d := clock.deployer(api)
	spec := fakeSpec()
	spec.Concurrency.Provisioned = 5
	changes, err := d.SyncExtras(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	if got := fields(changes); got != "concurrency.provisioned: 5" {
		t.Errorf("changes = %s", got)
	}
	put := api.inputs[1].(*lambda.PutProvisionedConcurrencyConfigInput)
	if aws.ToString(put.Qualifier) != "live" || aws.ToInt32(put.ProvisionedConcurrentExecutions) != 5 {
		t.Errorf("put %+v, want 5 on the alias live", put)
	}
	if clock.sleeps != 2 {
		t.Errorf("slept %d times, want once after each IN_PROGRESS read", clock.sleeps)
	}
	tag := api.inputs[5].(*lambda.TagResourceInput)
	if aws.ToString(tag.Resource) != fnARN || tag.Tags[OwnershipTag] != "provisioned" {
		t.Errorf("ownership record = %+v", tag)
	}
}

func TestProvisionedConcurrencyFailureSaysWhy(t *testing.T) {
	t.Parallel()
	failed := provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumFailed, 5, 0)
	failed.StatusReason = aws.String("FUNCTION_ERROR_INIT_FAILURE: the function failed to initialize")
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetProvisionedConcurrencyConfig", err: pcNotFound()},
		{op: "PutProvisionedConcurrencyConfig"},
		{op: "GetProvisionedConcurrencyConfig", out: failed},
		// Lamb created the configuration: its record says so, failed or not.
		{op: "TagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	spec := fakeSpec()
	spec.Concurrency.Provisioned = 5
	_, err := d.SyncExtras(t.Context(), spec)
	api.done()
	if err == nil || !strings.Contains(err.Error(), "provisioned concurrency of fn:live failed: FUNCTION_ERROR_INIT_FAILURE: the function failed to initialize") {
		t.Fatalf("error = %v, want the status reason", err)
	}
}

func TestProvisionedConcurrencyWaitEndsInAnExplicitError(t *testing.T) {
	t.Parallel()
	script := []scripted{{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumReady, 2, 2)}, {op: "PutProvisionedConcurrencyConfig"}}
	for range 200 {
		script = append(script, scripted{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumInProgress, 5, 1)})
	}
	api := &scriptedExtras{t: t, script: script}
	clock := &fakeClock{}
	d := clock.deployer(api)
	spec := fakeSpec()
	spec.Concurrency.Provisioned = 5
	_, err := d.SyncExtras(t.Context(), spec)
	if err == nil || !strings.Contains(err.Error(), "wait for provisioned concurrency of fn:live: still IN_PROGRESS (1 of 5 environments ready) after 3m0s") {
		t.Fatalf("error = %v, want a bounded wait naming the state", err)
	}
	if clock.slept < 3*time.Minute {
		t.Errorf("gave up after %s, want the 3m bound (3 × MaxWait) used", clock.slept)
	}
}

func TestProvisionedConcurrencyStillAllocatingIsWaitedForWithoutWrites(t *testing.T) {
	t.Parallel()
	// The alias has just moved to a new version: Lambda reallocates.
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumInProgress, 5, 2)},
		{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumReady, 5, 5)},
	}}
	d := (&fakeClock{}).deployer(api)
	spec := fakeSpec()
	spec.Concurrency.Provisioned = 5
	spec.Tags[OwnershipTag] = "provisioned"
	changes, err := d.SyncExtras(t.Context(), spec)
	if err != nil || len(changes) != 0 {
		t.Fatalf("sync = %s, %v; want no change", fields(changes), err)
	}
	api.done()
}

func TestLoweringConcurrencyLowersProvisionedFirst(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetFunctionConcurrency", out: &lambda.GetFunctionConcurrencyOutput{ReservedConcurrentExecutions: aws.Int32(10)}},
		{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumReady, 10, 10)},
		{op: "PutProvisionedConcurrencyConfig"},
		{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumReady, 2, 2)},
		{op: "PutFunctionConcurrency"},
	}}
	d := (&fakeClock{}).deployer(api)
	two, three := 2, 3
	spec := fakeSpec()
	spec.Concurrency = config.Concurrency{Reserved: &three, Provisioned: two}
	spec.Tags[OwnershipTag] = "provisioned reserved"
	changes, err := d.SyncExtras(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	if got := fields(changes); got != "concurrency.provisioned: 10 → 2; concurrency.reserved: 10 → 3" {
		t.Errorf("changes = %s", got)
	}
}

func TestRemovingOwnedProvisionedConcurrency(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetProvisionedConcurrencyConfig", out: provisioned(lambdatypes.ProvisionedConcurrencyStatusEnumReady, 3, 3)},
		{op: "DeleteProvisionedConcurrencyConfig"},
		{op: "UntagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	spec := fakeSpec()
	spec.Tags[OwnershipTag] = "provisioned"
	changes, err := d.SyncExtras(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	if got := fields(changes); got != "concurrency.provisioned: 3 → (unset)" {
		t.Errorf("changes = %s", got)
	}
	del := api.inputs[1].(*lambda.DeleteProvisionedConcurrencyConfigInput)
	untag := api.inputs[2].(*lambda.UntagResourceInput)
	if aws.ToString(del.Qualifier) != "live" || untag.TagKeys[0] != OwnershipTag {
		t.Errorf("delete %+v, untag %+v", del, untag)
	}
}

func TestOwnedSettingAlreadyGoneIsDroppedFromTheRecord(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetFunctionUrlConfig", out: &lambda.GetFunctionUrlConfigOutput{AuthType: lambdatypes.FunctionUrlAuthTypeAwsIam}},
		// Reserved concurrency left lamb.yaml, and someone removed it already.
		{op: "GetFunctionConcurrency", out: &lambda.GetFunctionConcurrencyOutput{}},
		{op: "TagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	spec := fakeSpec()
	spec.Tags[OwnershipTag] = "reserved url"
	spec.URL = &config.FunctionURL{AuthType: "AWS_IAM"}
	if _, err := d.SyncExtras(t.Context(), spec); err != nil {
		t.Fatal(err)
	}
	api.done()
	if tag := api.inputs[2].(*lambda.TagResourceInput); tag.Tags[OwnershipTag] != "url" {
		t.Errorf("record = %q, want url alone", tag.Tags[OwnershipTag])
	}
}

func TestPublicURLGetsItsResourcePolicy(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetFunctionUrlConfig", err: notFound()},
		{op: "CreateFunctionUrlConfig"},
		{op: "AddPermission"},
		// Already there from an earlier, interrupted run: kept.
		{op: "AddPermission", err: &lambdatypes.ResourceConflictException{Message: aws.String("The statement id (lamb-function-url-invoke) provided already exists.")}},
		{op: "TagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	spec := fakeSpec()
	spec.URL = &config.FunctionURL{AuthType: "NONE", Public: true}
	changes, err := d.SyncExtras(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	if got := fields(changes); got != "functionUrl.authType: NONE; functionUrl.public: true" {
		t.Errorf("changes = %s", got)
	}
	create := api.inputs[1].(*lambda.CreateFunctionUrlConfigInput)
	url, invoke := api.inputs[2].(*lambda.AddPermissionInput), api.inputs[3].(*lambda.AddPermissionInput)
	if create.AuthType != lambdatypes.FunctionUrlAuthTypeNone || aws.ToString(create.Qualifier) != "live" {
		t.Errorf("create %+v", create)
	}
	if aws.ToString(url.Action) != "lambda:InvokeFunctionUrl" || url.FunctionUrlAuthType != lambdatypes.FunctionUrlAuthTypeNone || aws.ToString(url.Principal) != "*" || aws.ToString(url.Qualifier) != "live" {
		t.Errorf("URL statement %+v", url)
	}
	if aws.ToString(invoke.Action) != "lambda:InvokeFunction" || !aws.ToBool(invoke.InvokedViaFunctionUrl) || aws.ToString(invoke.Principal) != "*" {
		t.Errorf("invoke statement %+v", invoke)
	}
}

func TestPublicURLWithItsPolicyIsUpToDate(t *testing.T) {
	t.Parallel()
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"lamb-function-url-public"},{"Sid":"other"},{"Sid":"lamb-function-url-invoke"}]}`
	for _, tt := range []struct {
		name   string
		policy *lambda.GetPolicyOutput
		err    error
		then   []scripted
	}{
		{"granted", &lambda.GetPolicyOutput{Policy: aws.String(policy)}, nil, nil},
		{"grant removed by hand", nil, notFound(), []scripted{{op: "AddPermission"}, {op: "AddPermission"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := &scriptedExtras{t: t, script: append([]scripted{
				{op: "GetFunctionUrlConfig", out: &lambda.GetFunctionUrlConfigOutput{AuthType: lambdatypes.FunctionUrlAuthTypeNone}},
				{op: "GetPolicy", out: tt.policy, err: tt.err},
			}, tt.then...)}
			d := (&fakeClock{}).deployer(api)
			spec := fakeSpec()
			spec.URL = &config.FunctionURL{AuthType: "NONE", Public: true}
			spec.Tags[OwnershipTag] = "url"
			if _, err := d.SyncExtras(t.Context(), spec); err != nil {
				t.Fatal(err)
			}
			api.done()
		})
	}
}

func TestURLMadePrivateOrRemovedLosesItsPublicGrant(t *testing.T) {
	t.Parallel()
	public := &lambda.GetFunctionUrlConfigOutput{AuthType: lambdatypes.FunctionUrlAuthTypeNone, FunctionUrl: aws.String("https://abc.lambda-url.us-east-1.on.aws/")}
	gone := &lambdatypes.ResourceNotFoundException{Message: aws.String("The statement id is not found")}
	tests := []struct {
		name   string
		url    *config.FunctionURL
		script []scripted
	}{
		{"private", &config.FunctionURL{AuthType: "AWS_IAM"}, []scripted{
			{op: "GetFunctionUrlConfig", out: public}, {op: "UpdateFunctionUrlConfig"}, {op: "RemovePermission"}, {op: "RemovePermission", err: gone},
		}},
		{"removed", nil, []scripted{
			{op: "GetFunctionUrlConfig", out: public}, {op: "DeleteFunctionUrlConfig"}, {op: "RemovePermission"}, {op: "RemovePermission"}, {op: "UntagResource"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &scriptedExtras{t: t, script: tt.script}
			d := (&fakeClock{}).deployer(api)
			spec := fakeSpec()
			spec.URL = tt.url
			spec.Tags[OwnershipTag] = "url"
			if _, err := d.SyncExtras(t.Context(), spec); err != nil {
				t.Fatal(err)
			}
			api.done()
			for _, in := range api.inputs {
				if rm, ok := in.(*lambda.RemovePermissionInput); ok && (aws.ToString(rm.Qualifier) != "live" || !strings.HasPrefix(aws.ToString(rm.StatementId), "lamb-")) {
					t.Errorf("removed %+v, want only lamb's statements on the alias", rm)
				}
			}
		})
	}
}

func TestAsyncChangeReplacesTheWholeConfiguration(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetFunctionEventInvokeConfig", out: &lambda.GetFunctionEventInvokeConfigOutput{
			MaximumRetryAttempts: aws.Int32(0), MaximumEventAgeInSeconds: aws.Int32(600),
			DestinationConfig: &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String("arn:aws:sqs:us-east-1:123456789012:old")}},
		}},
		{op: "PutFunctionEventInvokeConfig"},
	}}
	d := (&fakeClock{}).deployer(api)
	spec := fakeSpec()
	spec.Destinations.OnSuccess = "arn:aws:sqs:us-east-1:123456789012:ok"
	changes, err := d.SyncExtras(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	want := "async.retries: 0 → 2; async.maxEventAge: 600 → 21600; destinations.onSuccess: arn:aws:sqs:us-east-1:123456789012:ok; destinations.onFailure: arn:aws:sqs:us-east-1:123456789012:old → (unset)"
	if got := fields(changes); got != want {
		t.Errorf("changes = %s\nwant %s", got, want)
	}
	put := api.inputs[1].(*lambda.PutFunctionEventInvokeConfigInput)
	if put.MaximumRetryAttempts != nil || put.MaximumEventAgeInSeconds != nil || put.DestinationConfig.OnFailure != nil || aws.ToString(put.Qualifier) != "live" {
		t.Errorf("put %+v, want only onSuccess set, on the alias", put)
	}
}

func TestPlanExtrasOnlyReads(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetFunctionUrlConfig", err: notFound()},
		{op: "GetFunctionConcurrency", out: &lambda.GetFunctionConcurrencyOutput{ReservedConcurrentExecutions: aws.Int32(5)}},
		{op: "GetProvisionedConcurrencyConfig", err: pcNotFound()},
		{op: "GetFunctionEventInvokeConfig", err: notFound()},
	}}
	d := (&fakeClock{}).deployer(api)
	five := 5
	spec := fakeSpec()
	spec.URL = &config.FunctionURL{AuthType: "AWS_IAM"}
	spec.Concurrency = config.Concurrency{Reserved: &five, Provisioned: 1}
	spec.Async.Retries = aws.Int(0)
	changes, err := d.PlanExtras(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	if got, want := fields(changes), "functionUrl.authType: AWS_IAM; concurrency.provisioned: 1; async.retries: 0; async.maxEventAge: 21600"; got != want {
		t.Errorf("plan = %s, want %s", got, want)
	}
	if got := ops(api); got != "GetFunctionUrlConfig GetFunctionConcurrency GetProvisionedConcurrencyConfig GetFunctionEventInvokeConfig" {
		t.Errorf("calls = %s", got)
	}
}

func TestNewFunctionIsPlannedWithoutReads(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t}
	d := (&fakeClock{}).deployer(api)
	spec := fakeSpec()
	spec.New = true
	spec.URL = &config.FunctionURL{AuthType: "AWS_IAM"}
	spec.Concurrency.Provisioned = 2
	changes, err := d.PlanExtras(t.Context(), spec)
	if err != nil || fields(changes) != "functionUrl.authType: AWS_IAM; concurrency.provisioned: 2" {
		t.Fatalf("plan = %s, %v", fields(changes), err)
	}
}

func TestFailureStillRecordsWhatWasCreated(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "GetFunctionUrlConfig", err: notFound()},
		{op: "GetFunctionConcurrency", out: &lambda.GetFunctionConcurrencyOutput{}},
		{op: "CreateFunctionUrlConfig"},
		{op: "PutFunctionConcurrency", err: &lambdatypes.InvalidParameterValueException{Message: aws.String("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].")}},
		{op: "TagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	spec := fakeSpec()
	spec.URL = &config.FunctionURL{AuthType: "AWS_IAM"}
	spec.Concurrency.Reserved = aws.Int(900)
	_, err := d.SyncExtras(t.Context(), spec)
	api.done()
	if err == nil || !strings.Contains(err.Error(), "reserve 900 concurrent executions for fn: ") || !strings.Contains(err.Error(), "below its minimum value") {
		t.Fatalf("error = %v", err)
	}
	if tag := api.inputs[4].(*lambda.TagResourceInput); tag.Tags[OwnershipTag] != "url" {
		t.Errorf("record = %q, want url", tag.Tags[OwnershipTag])
	}
}
