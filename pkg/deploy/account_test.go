package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lambcli/lamb/pkg/limits"
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

func TestLoadQuotas(t *testing.T) {
	t.Parallel()
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
			wantZip: 52428800, wantRaw: 262144000, wantSource: limits.SourceDefault,
		},
		{
			name:    "emulator does not route the call",
			api:     &fakeAccountSettings{t: t, err: errors.New("404 page not found")},
			wantZip: 52428800, wantRaw: 262144000, wantSource: limits.SourceDefault,
			wantNote: "account limits not read (GetAccountSettings: 404 page not found); Lambda defaults apply",
		},
		{
			name:    "no AWS access",
			api:     nil,
			wantZip: 52428800, wantRaw: 262144000, wantSource: limits.SourceDefault,
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
			z, _ := q.Lookup(limits.QuotaZippedSize)
			if z.Value != tt.wantZip || z.Source != tt.wantSource {
				t.Errorf("zippedSize = %d from %q, want %d from %q", z.Value, z.Source, tt.wantZip, tt.wantSource)
			}
			if got := q.Value(limits.QuotaUnzippedSize); got != tt.wantRaw {
				t.Errorf("unzippedSize = %d, want %d", got, tt.wantRaw)
			}
			if got := q.Value(limits.QuotaEnvironmentSize); got != 4096 {
				t.Errorf("environmentSize = %d, want 4096 (not an account limit)", got)
			}
		})
	}
}

func TestLoadQuotasCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := LoadQuotas(ctx, &fakeAccountSettings{t: t, err: context.Canceled})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestBriefAWSError(t *testing.T) {
	t.Parallel()
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
