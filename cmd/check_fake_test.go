package cmd

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// fakeLambda answers only the calls a test told it to expect, and fails the
// test on any other.
type fakeLambda struct {
	t               *testing.T
	accountSettings *lambda.GetAccountSettingsOutput
	calls           []string
}

func (f *fakeLambda) GetAccountSettings(context.Context, *lambda.GetAccountSettingsInput, ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error) {
	f.calls = append(f.calls, "GetAccountSettings")
	if f.accountSettings == nil {
		f.t.Errorf("unexpected call GetAccountSettings")
		return nil, context.Canceled
	}
	return f.accountSettings, nil
}

func (f *fakeLambda) GetLayerVersionByArn(_ context.Context, in *lambda.GetLayerVersionByArnInput, _ ...func(*lambda.Options)) (*lambda.GetLayerVersionByArnOutput, error) {
	f.calls = append(f.calls, "GetLayerVersionByArn")
	f.t.Errorf("unexpected call GetLayerVersionByArn(%s)", aws.ToString(in.Arn))
	return nil, context.Canceled
}

// TestCheckReadsAccountLimitsThroughTheLambdaClient runs `lamb check` as the
// command line builds it, with the Lambda client replaced through runF: the
// account's smaller zipped-size limit must fail the check.
func TestCheckReadsAccountLimitsThroughTheLambdaClient(t *testing.T) {
	dir := checkProject(t, "")
	fake := &fakeLambda{t: t, accountSettings: &lambda.GetAccountSettingsOutput{
		AccountLimit: &lambdatypes.AccountLimit{CodeSizeZipped: 10},
	}}
	io, out, errOut := ui.Test()
	f := NewFactory(io)
	root := NewRootCmd(f)
	var ran bool
	for _, c := range root.Commands() {
		if c.Name() == "check" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(newCheckCmd(f, func(ctx context.Context, opts *CheckOptions) error {
		ran = true
		if opts.Offline || opts.JSON != true {
			t.Errorf("flags not bound: offline=%v json=%v", opts.Offline, opts.JSON)
		}
		opts.Lambda = func(context.Context) (pipeline.LambdaReader, error) { return fake, nil }
		opts.Now = func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
		// This test is about the AWS reads; its note on the local node
		// would depend on the machine.
		opts.NoLoad = true
		return checkRun(ctx, opts)
	}))
	root.SetArgs([]string{"check", "-o", "json", "-c", dir + "/lamb.yaml"})
	err := root.ExecuteContext(context.Background())
	if !ran {
		t.Fatal("runF was not called")
	}
	if code, _ := classify(err); code != ExitLimit {
		t.Fatalf("exit = %d (%v), want %d; stderr %s", code, err, ExitLimit, errOut)
	}
	var r limits.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	fs := findings(r, "zippedSize")
	if len(fs) != 1 || fs[0].Severity != limits.SeverityError {
		t.Fatalf("zippedSize findings = %+v, want one error against the account's 10-byte limit", fs)
	}
	if len(fake.calls) != 1 {
		t.Errorf("Lambda calls = %q, want just GetAccountSettings", fake.calls)
	}
	if len(r.Skipped) != 0 {
		t.Errorf("skipped = %q, want nothing skipped with a working client", r.Skipped)
	}
}
