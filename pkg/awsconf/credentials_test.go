package awsconf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
)

func stsError(code, message string) string {
	return fmt.Sprintf(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>
  <RequestId>00000000-0000-0000-0000-000000000000</RequestId>
</ErrorResponse>`, code, message)
}

const stsIdentity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/alice</Arn>
    <UserId>AIDAEXAMPLEALICE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`

func TestIdentity(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantCred bool
		wantErr  string
	}{
		{name: "rejected key", status: 403, body: stsError("InvalidClientTokenId", "The security token included in the request is invalid."), wantCred: true},
		{name: "wrong secret", status: 403, body: stsError("SignatureDoesNotMatch", "The request signature we calculated does not match"), wantCred: true},
		{name: "expired session", status: 403, body: stsError("ExpiredToken", "The security token included in the request is expired"), wantCred: true},
		{name: "denied", status: 403, body: stsError("AccessDenied", "not authorized to perform: sts:GetCallerIdentity"), wantCred: true},
		{name: "server fault is not a credential problem", status: 400, body: stsError("InvalidAction", "Could not find operation"), wantErr: "get caller identity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			setStaticCredentials(t)
			t.Setenv("AWS_PROFILE", "ci")
			t.Setenv("AWS_CONFIG_FILE", writeConfig(t, "[profile ci]\n"))
			o := Options{Region: "eu-central-1", MaxAttempts: 1}
			cfg, err := Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			cfg.HTTPClient = &recordingHTTP{status: tt.status, body: tt.body}

			caller, err := NewSessionFromConfig(cfg, o).Identity(context.Background())
			if caller != nil {
				t.Fatalf("Identity returned caller %+v for a failed call", caller)
			}
			var ce *CredentialError
			if got := errors.As(err, &ce); got != tt.wantCred {
				t.Fatalf("Identity error %v: *CredentialError = %v, want %v", err, got, tt.wantCred)
			}
			if IsCredentialError(err) != tt.wantCred {
				t.Errorf("IsCredentialError(%v) = %v, want %v", err, !tt.wantCred, tt.wantCred)
			}
			if tt.wantCred {
				if ce.Profile != "ci" || ce.Region != "eu-central-1" {
					t.Errorf("profile/region = %q/%q, want ci/eu-central-1", ce.Profile, ce.Region)
				}
				return
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestIdentitySuccess(t *testing.T) {
	isolateEnv(t)
	setStaticCredentials(t)
	o := Options{Region: "us-east-1", MaxAttempts: 1}
	cfg, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPClient = &recordingHTTP{body: stsIdentity}
	caller, err := NewSessionFromConfig(cfg, o).Identity(context.Background())
	if err != nil {
		t.Fatalf("Identity: %v", err)
	}
	want := Caller{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice", UserID: "AIDAEXAMPLEALICE"}
	if *caller != want {
		t.Errorf("caller = %+v, want %+v", *caller, want)
	}
}

// With nothing configured, any service call must come back as a credential
// error naming the region (and no profile, since none was named), so the CLI can exit 4 with
// advice instead of printing an SDK chain.
func TestNoCredentialsAnywhere(t *testing.T) {
	isolateEnv(t)
	o := Options{Region: "eu-west-1", MaxAttempts: 1}
	cfg, err := Load(context.Background(), o)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	rec := &recordingHTTP{}
	cfg.HTTPClient = rec

	_, err = newLambda(cfg, o).ListFunctions(context.Background(), &lambda.ListFunctionsInput{})
	if !IsCredentialError(err) {
		t.Fatalf("ListFunctions error %v is not a credential error", err)
	}
	if len(rec.reqs) != 0 {
		t.Errorf("sent %d requests without credentials", len(rec.reqs))
	}

	_, err = NewSessionFromConfig(cfg, o).Identity(context.Background())
	var ce *CredentialError
	if !errors.As(err, &ce) {
		t.Fatalf("Identity error = %v, want *CredentialError", err)
	}
	msg := ce.Error()
	for _, want := range []string{`no valid AWS credentials in region "eu-west-1": `, "; set AWS_PROFILE or run aws configure/sso login"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	// No profile was named, so none is blamed.
	if strings.Contains(msg, `profile "`) {
		t.Errorf("message %q names a profile nobody configured", msg)
	}
}

func TestIdentityNoProvider(t *testing.T) {
	t.Parallel()
	_, err := NewSessionFromConfig(aws.Config{Region: "us-east-1"}, Options{Profile: "p"}).Identity(context.Background())
	var ce *CredentialError
	if !errors.As(err, &ce) || ce.Profile != "p" {
		t.Fatalf("Identity without provider = %v, want *CredentialError for profile p", err)
	}
}

func TestIdentityInterruptedIsNotCredentialError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, ctx.Err()
	})}
	_, err := NewSessionFromConfig(cfg, Options{}).Identity(ctx)
	if err == nil || IsCredentialError(err) {
		t.Fatalf("Identity with a cancelled context = %v, want a plain error", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v does not wrap context.Canceled", err)
	}
}

func TestIsCredentialError(t *testing.T) {
	t.Parallel()
	opErr := func(service, code string) error {
		return &smithy.OperationError{ServiceID: service, OperationName: "Op", Err: &smithy.GenericAPIError{Code: code, Message: "m"}}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "nil", err: nil, want: false},
		{name: "plain error", err: errors.New("dial tcp: connection refused"), want: false},
		{name: "credential error", err: &CredentialError{Profile: "default", Err: errors.New("x")}, want: true},
		{name: "wrapped credential error", err: fmt.Errorf("deploy api: %w", &CredentialError{Profile: "default", Err: errors.New("x")}), want: true},
		{name: "lambda unrecognized client", err: opErr("Lambda", "UnrecognizedClientException"), want: true},
		{name: "lambda denied", err: fmt.Errorf("update function: %w", opErr("Lambda", "AccessDeniedException")), want: true},
		{name: "s3 denied", err: opErr("S3", "AccessDenied"), want: true},
		{name: "s3 head forbidden", err: opErr("S3", "Forbidden"), want: true},
		{name: "s3 bad key id", err: opErr("S3", "InvalidAccessKeyId"), want: true},
		{name: "cloudwatch expired", err: opErr("CloudWatch", "ExpiredTokenException"), want: true},
		{name: "codedeploy bad signature", err: opErr("CodeDeploy", "InvalidSignatureException"), want: true},
		{name: "throttled", err: opErr("Lambda", "TooManyRequestsException"), want: false},
		{name: "missing function", err: opErr("Lambda", "ResourceNotFoundException"), want: false},
		{name: "conflict", err: opErr("Lambda", "ResourceConflictException"), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsCredentialError(tt.err); got != tt.want {
				t.Errorf("IsCredentialError(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestCredentialErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  CredentialError
		want string
	}{
		{
			err:  CredentialError{Profile: "default", Region: "us-east-1", Err: errors.New("token expired")},
			want: `no valid AWS credentials for profile "default" in region "us-east-1": token expired; set AWS_PROFILE or run aws configure/sso login`,
		},
		{
			err:  CredentialError{Region: "us-east-1", Err: errors.New("no EC2 IMDS role found")},
			want: `no valid AWS credentials in region "us-east-1": no EC2 IMDS role found; set AWS_PROFILE or run aws configure/sso login`,
		},
		{
			err:  CredentialError{Profile: "prod", Err: errors.New("failed to get shared config profile, prod")},
			want: `no valid AWS credentials for profile "prod": failed to get shared config profile, prod; set AWS_PROFILE or run aws configure/sso login`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.err.Profile, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
