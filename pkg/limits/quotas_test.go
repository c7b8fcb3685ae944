package limits

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// fakeAccountSettings answers GetAccountSettings once with out or err and
// fails the test on a second call.
type fakeAccountSettings struct {
	t     *testing.T
	out   *lambda.GetAccountSettingsOutput
	err   error
	calls int
}

func (f *fakeAccountSettings) GetAccountSettings(ctx context.Context, in *lambda.GetAccountSettingsInput, _ ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error) {
	f.calls++
	if f.calls > 1 {
		f.t.Fatalf("GetAccountSettings called %d times, want once", f.calls)
	}
	return f.out, f.err
}

func TestDefaultQuotas(t *testing.T) {
	q := DefaultQuotas()
	want := map[string]int64{
		QuotaZippedSize: 52428800, QuotaUnzippedSize: 262144000, QuotaZipEntries: 65535, QuotaEnvironmentSize: 4096,
		QuotaMemoryMin: 128, QuotaMemoryMax: 10240, QuotaTimeoutMin: 1, QuotaTimeoutMax: 900,
		QuotaEphemeralStorageMin: 512, QuotaEphemeralStorageMax: 10240, QuotaDescriptionLength: 256,
		QuotaHandlerLength: 128, QuotaFunctionNameLength: 64, QuotaAliasNameLength: 128,
		QuotaLayersPerFunction: 5, QuotaSecurityGroups: 5, QuotaSubnets: 16,
		QuotaTagKeyLength: 128, QuotaTagValueLength: 256,
	}
	if len(q) != len(want) {
		t.Errorf("table has %d quotas, want %d", len(q), len(want))
	}
	for name, v := range want {
		x, ok := q.Lookup(name)
		if !ok || x.Value != v || x.Source != SourceDefault || x.Unit == "" || x.Description == "" {
			t.Errorf("quota %s = %+v, want value %d from %q with unit and description", name, x, v, SourceDefault)
		}
	}
	// A partial table falls back to the defaults rather than disabling a check.
	if got := (Quotas{}).Value(QuotaMemoryMax); got != 10240 {
		t.Errorf("empty table memoryMax = %d, want the default 10240", got)
	}
}

func TestLoadQuotas(t *testing.T) {
	tests := []struct {
		name             string
		api              AccountSettingsAPI
		wantZip, wantRaw int64
		wantSource       string
		wantNote         string
	}{
		{
			name: "account answers",
			api: &fakeAccountSettings{t: t, out: &lambda.GetAccountSettingsOutput{AccountLimit: &lambdatypes.AccountLimit{
				CodeSizeZipped: 70000000, CodeSizeUnzipped: 300000000, TotalCodeSize: 80530636800, ConcurrentExecutions: 1000,
			}}},
			wantZip: 70000000, wantRaw: 300000000, wantSource: "GetAccountSettings (AccountLimit.CodeSizeZipped)",
		},
		{
			name:    "account answers zeros",
			api:     &fakeAccountSettings{t: t, out: &lambda.GetAccountSettingsOutput{AccountLimit: &lambdatypes.AccountLimit{}}},
			wantZip: 52428800, wantRaw: 262144000, wantSource: SourceDefault,
		},
		{
			name:    "emulator does not route the call",
			api:     &fakeAccountSettings{t: t, err: errors.New("404 page not found")},
			wantZip: 52428800, wantRaw: 262144000, wantSource: SourceDefault,
			wantNote: "account limits not read (GetAccountSettings: 404 page not found); Lambda defaults apply",
		},
		{
			name:    "no AWS access",
			api:     nil,
			wantZip: 52428800, wantRaw: 262144000, wantSource: SourceDefault,
			wantNote: "account limits not read (no AWS access); Lambda defaults apply",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, note, err := LoadQuotas(context.Background(), tt.api)
			if err != nil {
				t.Fatalf("LoadQuotas: %v", err)
			}
			if note != tt.wantNote {
				t.Errorf("note = %q, want %q", note, tt.wantNote)
			}
			z, _ := q.Lookup(QuotaZippedSize)
			if z.Value != tt.wantZip || z.Source != tt.wantSource {
				t.Errorf("zippedSize = %d from %q, want %d from %q", z.Value, z.Source, tt.wantZip, tt.wantSource)
			}
			if got := q.Value(QuotaUnzippedSize); got != tt.wantRaw {
				t.Errorf("unzippedSize = %d, want %d", got, tt.wantRaw)
			}
			if got := q.Value(QuotaEnvironmentSize); got != 4096 {
				t.Errorf("environmentSize = %d, want 4096 (not an account limit)", got)
			}
		})
	}
}

func TestLoadQuotasCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := LoadQuotas(ctx, &fakeAccountSettings{t: t, err: context.Canceled})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestAccountLimitsChangeChecks(t *testing.T) {
	// A raised account limit lets a bundle through that the default refuses.
	q := DefaultQuotas().WithAccountLimits(&lambdatypes.AccountLimit{CodeSizeUnzipped: aws.ToInt64(aws.Int64(300000000))})
	m := manifest(1000, 270000000)
	if fs := findingsOf(Check(Function{Key: "api"}, m, nil, q, today), "unzippedSize"); len(fs) != 0 {
		t.Errorf("with account limit 300000000: %v", fs)
	}
	if fs := findingsOf(Check(Function{Key: "api"}, m, nil, DefaultQuotas(), today), "unzippedSize"); len(fs) != 1 {
		t.Errorf("with default limit: want one finding, got %v", fs)
	}
	if !strings.Contains(DefaultQuotas()[0].Description, "smaller than") {
		t.Errorf("zippedSize description should say the limit is exclusive: %q", DefaultQuotas()[0].Description)
	}
}

func TestBriefAWSError(t *testing.T) {
	notFound := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 404}},
		Err:      errors.New("deserialization failed, failed to decode response body, invalid character '<'"),
	}}
	tests := []struct {
		err  error
		want string
	}{
		{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}, "AccessDeniedException: not authorized"},
		{fmt.Errorf("operation error Lambda: GetAccountSettings, %w", notFound), "HTTP 404"},
		{errors.New("dial tcp: refused"), "dial tcp: refused"},
	}
	for _, tt := range tests {
		if got := briefAWSError(tt.err); got != tt.want {
			t.Errorf("briefAWSError(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
