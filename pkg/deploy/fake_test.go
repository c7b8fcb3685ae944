package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// scriptedLambda answers each call from the queue of answers a test gave
// for that operation, and fails the test on any call it was not told to
// expect. It shows what moto cannot: conflicts, InProgress and Failed
// states, and RevisionId preconditions.
type scriptedLambda struct {
	LambdaAPI // nil: any method not overridden below panics, which fails the test
	t         *testing.T
	answers   map[string][]answer
	calls     []string
}

type answer struct {
	cfg *lambdatypes.FunctionConfiguration
	err error
}

func (s *scriptedLambda) next(op string) answer {
	s.calls = append(s.calls, op)
	q := s.answers[op]
	if len(q) == 0 {
		s.t.Errorf("unexpected call %s (calls so far %q)", op, s.calls)
		return answer{err: errors.New("unexpected call " + op)}
	}
	s.answers[op] = q[1:]
	return q[0]
}

func (s *scriptedLambda) GetFunction(context.Context, *lambda.GetFunctionInput, ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	a := s.next("GetFunction")
	return &lambda.GetFunctionOutput{Configuration: a.cfg}, a.err
}
func (s *scriptedLambda) UpdateFunctionConfiguration(context.Context, *lambda.UpdateFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	a := s.next("UpdateFunctionConfiguration")
	return &lambda.UpdateFunctionConfigurationOutput{}, a.err
}
func (s *scriptedLambda) UpdateFunctionCode(context.Context, *lambda.UpdateFunctionCodeInput, ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	a := s.next("UpdateFunctionCode")
	return &lambda.UpdateFunctionCodeOutput{}, a.err
}
func (s *scriptedLambda) PublishVersion(_ context.Context, in *lambda.PublishVersionInput, _ ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error) {
	a := s.next("PublishVersion")
	if a.err != nil {
		return nil, a.err
	}
	return &lambda.PublishVersionOutput{Version: aws.String("7")}, nil
}

func settled(sha string) *lambdatypes.FunctionConfiguration {
	return &lambdatypes.FunctionConfiguration{
		FunctionName: aws.String("fn"), State: lambdatypes.StateActive, LastUpdateStatus: lambdatypes.LastUpdateStatusSuccessful,
		CodeSha256: aws.String(sha), Runtime: "nodejs22.x", Handler: aws.String("index.handler"), Role: aws.String("arn:aws:iam::123456789012:role/r"),
		MemorySize: aws.Int32(128), Timeout: aws.Int32(3), RevisionId: aws.String("rev-1"),
	}
}

func inProgress() *lambdatypes.FunctionConfiguration {
	c := settled("old")
	c.LastUpdateStatus = lambdatypes.LastUpdateStatusInProgress
	return c
}

func fakeWant() Desired {
	return Desired{Name: "fn", Runtime: "nodejs22.x", Handler: "index.handler", Role: "arn:aws:iam::123456789012:role/r"}.withDefaults()
}

// fakeClock advances only when the deployer sleeps, so waits and backoffs
// take no real time.
type fakeClock struct {
	now    time.Time
	slept  time.Duration
	sleeps int
}

func (c *fakeClock) deployer(api LambdaAPI) *Deployer {
	c.now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &Deployer{
		Lambda: api, PollInterval: time.Second, MaxWait: time.Minute, MaxConflictWait: 2 * time.Minute,
		Now: func() time.Time { return c.now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			c.now, c.slept, c.sleeps = c.now.Add(d), c.slept+d, c.sleeps+1
			return ctx.Err()
		},
	}
}

func conflict() error {
	return &lambdatypes.ResourceConflictException{Message: aws.String("The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:fn")}
}

func TestSyncWaitsForAnUpdateInProgressAndRetriesConflicts(t *testing.T) {
	t.Parallel()
	api := &scriptedLambda{t: t, answers: map[string][]answer{
		// Before the update: one InProgress read, then settled.
		// The update meets a conflict once; deploy waits and retries.
		// After the update: InProgress, then settled.
		"GetFunction":                 {{cfg: inProgress()}, {cfg: settled("old")}, {cfg: settled("old")}, {cfg: inProgress()}, {cfg: settled("old")}},
		"UpdateFunctionConfiguration": {{err: conflict()}, {}},
	}}
	clock := &fakeClock{}
	d := clock.deployer(api)
	want := fakeWant()
	want.Memory = 512
	r := Remote{Exists: true, Latest: settled("old")}
	p := PlanFunction(r, want, "old", "live")
	if _, err := d.Sync(t.Context(), r, p, want, CodeLocation{ZipFile: true}, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(api.calls, " "); got != "GetFunction GetFunction UpdateFunctionConfiguration GetFunction UpdateFunctionConfiguration GetFunction GetFunction" {
		t.Errorf("calls = %s", got)
	}
}

func TestConflictRetriesEndInAnExplicitError(t *testing.T) {
	t.Parallel()
	var gets, updates []answer
	for range 200 {
		gets = append(gets, answer{cfg: settled("old")})
		updates = append(updates, answer{err: conflict()})
	}
	api := &scriptedLambda{t: t, answers: map[string][]answer{"GetFunction": gets, "UpdateFunctionConfiguration": updates}}
	clock := &fakeClock{}
	d := clock.deployer(api)
	want := fakeWant()
	want.Memory = 512
	r := Remote{Exists: true, Latest: settled("old")}
	_, err := d.Sync(t.Context(), r, PlanFunction(r, want, "old", "live"), want, CodeLocation{ZipFile: true}, nil)
	if err == nil || !strings.Contains(err.Error(), "UpdateFunctionConfiguration fn: another update was still in progress") || !isConflict(err) {
		t.Fatalf("error = %v, want the explicit conflict error naming the call and function", err)
	}
	if clock.slept < 2*time.Minute {
		t.Errorf("gave up after %s of backoff, want the 2m budget used", clock.slept)
	}
}

func TestFailedUpdateSurfacesTheReason(t *testing.T) {
	t.Parallel()
	failed := settled("old")
	failed.LastUpdateStatus = lambdatypes.LastUpdateStatusFailed
	failed.LastUpdateStatusReason = aws.String("The provided execution role does not have permissions to call CreateNetworkInterface on EC2")
	failed.LastUpdateStatusReasonCode = lambdatypes.LastUpdateStatusReasonCodeEniLimitExceeded
	api := &scriptedLambda{t: t, answers: map[string][]answer{
		"GetFunction":        {{cfg: failed}},
		"UpdateFunctionCode": {{}},
	}}
	d := (&fakeClock{}).deployer(api)
	r := Remote{Exists: true, Latest: settled("old")}
	want := fakeWant()
	_, err := d.Sync(t.Context(), r, PlanFunction(r, want, "new", "live"), want, CodeLocation{ZipFile: true}, []byte("zip"))
	if err == nil || !strings.Contains(err.Error(), "update of fn failed: The provided execution role does not have permissions") {
		t.Fatalf("error = %v, want Lambda's LastUpdateStatusReason", err)
	}
}

func TestWaitGivesUpAfterMaxWait(t *testing.T) {
	t.Parallel()
	var gets []answer
	for range 100 {
		gets = append(gets, answer{cfg: inProgress()})
	}
	api := &scriptedLambda{t: t, answers: map[string][]answer{"GetFunction": gets}}
	clock := &fakeClock{}
	d := clock.deployer(api)
	_, err := d.waitSettled(t.Context(), "fn", "")
	if err == nil || !strings.Contains(err.Error(), "still Active/InProgress after 1m0s") {
		t.Fatalf("error = %v, want a timeout naming the state", err)
	}
}

func TestWaitIsNotCutShortByAnInterruption(t *testing.T) {
	t.Parallel()
	api := &scriptedLambda{t: t, answers: map[string][]answer{"GetFunction": {{cfg: inProgress()}, {cfg: settled("new")}}}}
	d := (&fakeClock{}).deployer(api)
	d.Sleep = func(context.Context, time.Duration) error { return nil }
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	// The update was sent before Ctrl-C: its wait still runs to the end.
	if _, err := d.waitSettled(ctx, "fn", ""); err != nil {
		t.Fatalf("wait after an interruption = %v, want it to finish", err)
	}
}

func TestPublishWithAStaleRevisionIsRefused(t *testing.T) {
	t.Parallel()
	api := &scriptedLambda{t: t, answers: map[string][]answer{
		"PublishVersion": {{err: &lambdatypes.PreconditionFailedException{Message: aws.String("The Revision Id provided does not match the latest Revision Id.")}}},
	}}
	d := (&fakeClock{}).deployer(api)
	_, err := d.Publish(t.Context(), settled("new"), fakeWant(), "new", "lamb test")
	if err == nil || !strings.Contains(err.Error(), "the function changed while lamb deployed it") {
		t.Fatalf("error = %v, want the concurrent-change error", err)
	}
}

func TestPublishVerifiesTheVersion(t *testing.T) {
	t.Parallel()
	changed := settled("someone-elses")
	api := &scriptedLambda{t: t, answers: map[string][]answer{
		"PublishVersion": {{}},
		"GetFunction":    {{cfg: changed}},
	}}
	d := (&fakeClock{}).deployer(api)
	_, err := d.Publish(t.Context(), settled("new"), fakeWant(), "new", "lamb test")
	if err == nil || !strings.Contains(err.Error(), "verify version 7 of fn") || !strings.Contains(err.Error(), "the alias was not moved") {
		t.Fatalf("error = %v, want a verification failure", err)
	}
}
