package faultproxy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lambcli/lamb/internal/faultproxy"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/awsconf"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func startProxy(t *testing.T, target string, opts faultproxy.Options) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(target, opts)
	if err != nil {
		t.Fatalf("New(%s): %v", target, err)
	}
	t.Cleanup(p.Close)
	return p
}

// clients are the CLI's AWS clients, built by awsconf, sent through the proxy.
type clients struct {
	lambda     *lambda.Client
	s3         *s3.Client
	iam        *iam.Client
	sts        *sts.Client
	codedeploy *codedeploy.Client
	cloudwatch *cloudwatch.Client
}

func through(t *testing.T, env *testenv.Env, p *faultproxy.Proxy, maxAttempts int) clients {
	t.Helper()
	opts := awsconf.Options{EndpointURL: p.URL(), Region: env.Region, MaxAttempts: maxAttempts}
	cfg, err := awsconf.Load(t.Context(), opts)
	if err != nil {
		t.Fatalf("load AWS config for the proxy at %s: %v", p.URL(), err)
	}
	// Keep awsconf's retryer and its decisions, but not its real backoff
	// waits of up to seconds.
	retryer := cfg.Retryer
	cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxBackoffDelay(retryer(), time.Millisecond) }
	return sessionClients(t, awsconf.NewSessionFromConfig(cfg, opts))
}

// direct are clients that bypass the proxy, to read back what moto holds.
func direct(t *testing.T, env *testenv.Env) clients {
	t.Helper()
	return sessionClients(t, env.Session(t))
}

func sessionClients(t *testing.T, sess *awsconf.Session) clients {
	t.Helper()
	ctx := t.Context()
	var c clients
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	var err error
	c.lambda, err = sess.Lambda(ctx)
	add(err)
	c.s3, err = sess.S3(ctx)
	add(err)
	c.iam, err = sess.IAM(ctx)
	add(err)
	c.sts, err = sess.STS(ctx)
	add(err)
	c.codedeploy, err = sess.CodeDeploy(ctx)
	add(err)
	c.cloudwatch, err = sess.CloudWatch(ctx)
	add(err)
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("build AWS clients: %v", err)
	}
	return c
}

// zipBytes is a one-file zip; writing to memory cannot fail.
func zipBytes(name, content string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(name)
	_, _ = io.WriteString(w, content)
	_ = zw.Close()
	return buf.Bytes()
}

func createFunctionInput(env *testenv.Env, name string) *lambda.CreateFunctionInput {
	return &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      lambdatypes.RuntimeNodejs20x,
		Handler:      aws.String("index.handler"),
		Role:         aws.String(env.RoleARN),
		Code:         &lambdatypes.FunctionCode{ZipFile: zipBytes("index.js", "exports.handler = async () => 1;\n")},
	}
}

func names(calls []faultproxy.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Name()
	}
	return out
}

// TestRecognizesOperations sends real SDK calls of every protocol lamb uses
// through the proxy to moto: each must arrive intact (moto answers it) and be
// named by its AWS operation.
func TestRecognizesOperations(t *testing.T) {
	env := testenv.Moto(t)
	p := startProxy(t, env.Endpoint, faultproxy.Options{})
	c := through(t, env, p, 1)
	ctx := t.Context()
	fn, bucket := aws.String("fn"), aws.String(env.Bucket)
	body := func(s string) io.Reader { return strings.NewReader(s) }
	var uploadID *string
	var etag *string

	steps := []struct {
		want string
		call func() error
		// unsupported marks calls moto does not serve: only the name matters.
		unsupported bool
	}{
		{"sts:GetCallerIdentity", func() error { _, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); return err }, false},
		{"iam:CreateRole", func() error {
			_, err := c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("other"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
			return err
		}, false},
		{"iam:GetRole", func() error {
			_, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("other")})
			return err
		}, false},
		{"s3:PutObject", func() error {
			_, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("fn/app.zip"), Body: body("zip")})
			return err
		}, false},
		{"s3:HeadObject", func() error {
			_, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("fn/app.zip")})
			return err
		}, false},
		{"s3:GetObject", func() error {
			out, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("fn/app.zip")})
			if err == nil {
				_, err = io.ReadAll(out.Body)
				out.Body.Close()
			}
			return err
		}, false},
		{"s3:ListObjectsV2", func() error { _, err := c.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: bucket}); return err }, false},
		{"s3:GetBucketVersioning", func() error {
			_, err := c.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
			return err
		}, false},
		{"s3:CopyObject", func() error {
			_, err := c.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: bucket, Key: aws.String("fn/copy.zip"), CopySource: aws.String(env.Bucket + "/fn/app.zip")})
			return err
		}, false},
		{"s3:CreateMultipartUpload", func() error {
			out, err := c.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("fn/big.zip")})
			if err == nil {
				uploadID = out.UploadId
			}
			return err
		}, false},
		{"s3:UploadPart", func() error {
			out, err := c.s3.UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: aws.String("fn/big.zip"), UploadId: uploadID, PartNumber: aws.Int32(1), Body: body("part one")})
			if err == nil {
				etag = out.ETag
			}
			return err
		}, false},
		{"s3:CompleteMultipartUpload", func() error {
			_, err := c.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String("fn/big.zip"), UploadId: uploadID,
				MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: etag, PartNumber: aws.Int32(1)}}}})
			return err
		}, false},
		{"s3:CreateMultipartUpload", func() error {
			out, err := c.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String("fn/gone.zip")})
			if err == nil {
				uploadID = out.UploadId
			}
			return err
		}, false},
		{"s3:AbortMultipartUpload", func() error {
			_, err := c.s3.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: bucket, Key: aws.String("fn/gone.zip"), UploadId: uploadID})
			return err
		}, false},
		{"s3:DeleteObject", func() error {
			_, err := c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String("fn/copy.zip")})
			return err
		}, false},
		{"lambda:CreateFunction", func() error { _, err := c.lambda.CreateFunction(ctx, createFunctionInput(env, "fn")); return err }, false},
		{"lambda:GetFunction", func() error {
			_, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: fn})
			return err
		}, false},
		{"lambda:GetFunctionConfiguration", func() error {
			_, err := c.lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: fn})
			return err
		}, false},
		{"lambda:UpdateFunctionConfiguration", func() error {
			_, err := c.lambda.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: fn, Description: aws.String("v2")})
			return err
		}, false},
		{"lambda:UpdateFunctionCode", func() error {
			_, err := c.lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: fn, ZipFile: zipBytes("index.js", "exports.handler = async () => 2;\n")})
			return err
		}, false},
		{"lambda:PublishVersion", func() error {
			_, err := c.lambda.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: fn})
			return err
		}, false},
		{"lambda:ListVersionsByFunction", func() error {
			_, err := c.lambda.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: fn})
			return err
		}, false},
		{"lambda:CreateAlias", func() error {
			_, err := c.lambda.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: fn, Name: aws.String("live"), FunctionVersion: aws.String("1")})
			return err
		}, false},
		{"lambda:UpdateAlias", func() error {
			_, err := c.lambda.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: fn, Name: aws.String("live"), Description: aws.String("now")})
			return err
		}, false},
		{"lambda:GetAlias", func() error {
			_, err := c.lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: fn, Name: aws.String("live")})
			return err
		}, false},
		{"lambda:ListAliases", func() error {
			_, err := c.lambda.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: fn})
			return err
		}, false},
		{"lambda:Invoke", func() error {
			_, err := c.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: fn, Payload: []byte(`{}`)})
			return err
		}, false},
		{"lambda:PutFunctionConcurrency", func() error {
			_, err := c.lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: fn, ReservedConcurrentExecutions: aws.Int32(2)})
			return err
		}, false},
		{"lambda:ListFunctions", func() error { _, err := c.lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{}); return err }, false},
		{"lambda:PublishLayerVersion", func() error {
			_, err := c.lambda.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("deps"),
				Content: &lambdatypes.LayerVersionContentInput{ZipFile: zipBytes("nodejs/x.js", "")}})
			return err
		}, false},
		{"lambda:GetLayerVersion", func() error {
			_, err := c.lambda.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String("deps"), VersionNumber: aws.Int64(1)})
			return err
		}, false},
		{"lambda:GetAccountSettings", func() error {
			_, err := c.lambda.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
			return err
		}, true},
		{"lambda:ListProvisionedConcurrencyConfigs", func() error {
			_, err := c.lambda.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: fn})
			return err
		}, true},
		{"lambda:DeleteAlias", func() error {
			_, err := c.lambda.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: fn, Name: aws.String("live")})
			return err
		}, false},
		{"lambda:DeleteFunction", func() error {
			_, err := c.lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: fn})
			return err
		}, false},
		{"codedeploy:CreateApplication", func() error {
			_, err := c.codedeploy.CreateApplication(ctx, &codedeploy.CreateApplicationInput{ApplicationName: aws.String("fn")})
			return err
		}, false},
		{"monitoring:DescribeAlarms", func() error {
			_, err := c.cloudwatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
			return err
		}, false},
	}

	var want []string
	for _, s := range steps {
		want = append(want, s.want)
		if err := s.call(); err != nil && !s.unsupported {
			t.Fatalf("%s through the proxy: %v", s.want, err)
		}
	}
	calls := p.Calls()
	if got := names(calls); !slices.Equal(got, want) {
		t.Fatalf("recorded operations:\n got %q\nwant %q", got, want)
	}
	for i, call := range calls {
		if !steps[i].unsupported && (call.Status < 200 || call.Status > 299) {
			t.Errorf("%s recorded status %d, want moto's 2xx", call.Name(), call.Status)
		}
		if !call.Fault.IsZero() {
			t.Errorf("%s recorded fault %v with none configured", call.Name(), call.Fault)
		}
	}
}

// TestForwardsRequestsUnchanged checks that what the SDK signed reaches the
// target as it was signed: the Host the client used, the headers, the query
// and the body, also when the proxy read the body to find a query Action.
func TestForwardsRequestsUnchanged(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, uri, host, auth, contentType, body string
	}
	got := make(chan seen, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, r.Host, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), string(body)}
	}))
	t.Cleanup(target.Close)
	p := startProxy(t, target.URL, faultproxy.Options{})

	const auth = "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/iam/aws4_request, SignedHeaders=content-type;host, Signature=00"
	form := "Action=GetRole&RoleName=a%2Bb&Version=2010-05-08"
	req, err := http.NewRequestWithContext(t.Context(), "POST", p.URL()+"/?x=1%2F2", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	resp, err := oneShot.Do(req)
	if err != nil {
		t.Fatalf("POST through the proxy: %v", err)
	}
	resp.Body.Close()

	want := seen{"POST", "/?x=1%2F2", strings.TrimPrefix(p.URL(), "http://"), auth, "application/x-www-form-urlencoded; charset=utf-8", form}
	if g := <-got; g != want {
		t.Errorf("target saw\n%+v\nwant\n%+v", g, want)
	}
	if calls := p.Calls(); len(calls) != 1 || calls[0].Name() != "iam:GetRole" {
		t.Errorf("recorded %q, want [iam:GetRole]", names(calls))
	}
}

// TestUnknownCallsAreNamedByMethodAndPath covers calls outside the proxy's
// tables, and unsigned ones.
func TestUnknownCallsAreNamedByMethodAndPath(t *testing.T) {
	t.Parallel()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(target.Close)
	p := startProxy(t, target.URL, faultproxy.Options{})

	tests := []struct {
		method, path, service string
		want                  string
	}{
		{"GET", "/2099-01-01/gadgets/x", "lambda", "lambda:GET /2099-01-01/gadgets/x"},
		{"GET", "/2015-03-31/functions/fn/configuration", "", ":GET /2015-03-31/functions/fn/configuration"},
		{"PATCH", "/bucket/key", "s3", "s3:PATCH /bucket/key"},
		{"GET", "/2015-03-31/functions/", "lambda", "lambda:ListFunctions"},
		{"GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afn/aliases/live", "lambda", "lambda:GetAlias"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			p.Reset()
			send(t, p, tt.method, tt.path, tt.service)
			calls := p.Calls()
			if len(calls) != 1 || calls[0].Name() != tt.want {
				t.Fatalf("recorded %q, want [%q]", names(calls), tt.want)
			}
		})
	}
}

// oneShot is an HTTP client that opens a connection per request: Go's client
// resends a GET cut on a reused connection by itself, which would add calls
// to sequences that must be exact.
var oneShot = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// send makes a raw request through the proxy, signed (by header only) for
// service when it is set, and returns the status, or 0 for a cut connection.
func send(t *testing.T, p *faultproxy.Proxy, method, path, service string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, p.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if service != "" {
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/"+service+"/aws4_request, SignedHeaders=host, Signature=00")
	}
	resp, err := oneShot.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func wantAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want an API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Errorf("error code = %q, want %q (%v)", apiErr.ErrorCode(), code, err)
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != status {
		t.Errorf("error = %v, want HTTP status %d", err, status)
	}
}

// TestFaultsSurfaceInTheSDK checks that each fault reaches the SDK as AWS's
// own error would, with one attempt per call so nothing is retried away.
func TestFaultsSurfaceInTheSDK(t *testing.T) {
	const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
	tests := []struct {
		name       string
		service    string
		operation  string
		fault      faultproxy.Fault
		call       func(ctx context.Context, c clients, env *testenv.Env) error
		wantStatus int // recorded by the proxy
		check      func(t *testing.T, err error, moto clients)
	}{
		{
			name: "lambda throttle", service: "lambda", operation: "GetFunction", fault: faultproxy.Throttle,
			call:       getFunction,
			wantStatus: http.StatusTooManyRequests,
			check: func(t *testing.T, err error, _ clients) {
				var tooMany *lambdatypes.TooManyRequestsException
				if !errors.As(err, &tooMany) || tooMany.ErrorMessage() != "Rate exceeded" {
					t.Errorf("error = %v, want a TooManyRequestsException saying Rate exceeded", err)
				}
				wantAPIError(t, err, "TooManyRequestsException", http.StatusTooManyRequests)
			},
		},
		{
			name: "lambda server error", service: "lambda", operation: "GetFunction", fault: faultproxy.ServerError,
			call:       getFunction,
			wantStatus: http.StatusInternalServerError,
			check: func(t *testing.T, err error, _ clients) {
				var svcErr *lambdatypes.ServiceException
				if !errors.As(err, &svcErr) {
					t.Errorf("error = %v, want a ServiceException", err)
				}
				wantAPIError(t, err, "ServiceException", http.StatusInternalServerError)
			},
		},
		{
			name: "lambda unavailable", service: "lambda", operation: "GetFunction", fault: faultproxy.Unavailable,
			call:       getFunction,
			wantStatus: http.StatusServiceUnavailable,
			check: func(t *testing.T, err error, _ clients) {
				wantAPIError(t, err, "ServiceUnavailableException", http.StatusServiceUnavailable)
			},
		},
		{
			name: "lambda conflict", service: "lambda", operation: "UpdateFunctionConfiguration", fault: faultproxy.Conflict,
			call: func(ctx context.Context, c clients, _ *testenv.Env) error {
				_, err := c.lambda.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Description: aws.String("x")})
				return err
			},
			wantStatus: http.StatusConflict,
			check: func(t *testing.T, err error, _ clients) {
				var conflict *lambdatypes.ResourceConflictException
				want := "The operation cannot be performed at this time. An update is in progress for resource: " + fnARN
				if !errors.As(err, &conflict) || conflict.ErrorMessage() != want {
					t.Errorf("error = %v, want a ResourceConflictException saying %q", err, want)
				}
				wantAPIError(t, err, "ResourceConflictException", http.StatusConflict)
			},
		},
		{
			name: "lambda conflict names the function ARN from a partial ARN", service: "lambda", operation: "UpdateFunctionCode", fault: faultproxy.Conflict,
			call: func(ctx context.Context, c clients, _ *testenv.Env) error {
				_, err := c.lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("123456789012:function:fn"), ZipFile: zipBytes("index.js", "")})
				return err
			},
			wantStatus: http.StatusConflict,
			check: func(t *testing.T, err error, _ clients) {
				want := "The operation cannot be performed at this time. An update is in progress for resource: " + fnARN
				var conflict *lambdatypes.ResourceConflictException
				if !errors.As(err, &conflict) || conflict.ErrorMessage() != want {
					t.Errorf("error = %v, want a ResourceConflictException saying %q", err, want)
				}
			},
		},
		{
			name: "s3 throttle", service: "s3", operation: "PutObject", fault: faultproxy.Throttle,
			call:       putObject,
			wantStatus: http.StatusServiceUnavailable,
			check: func(t *testing.T, err error, _ clients) {
				wantAPIError(t, err, "SlowDown", http.StatusServiceUnavailable)
			},
		},
		{
			name: "s3 server error", service: "s3", operation: "PutObject", fault: faultproxy.ServerError,
			call:       putObject,
			wantStatus: http.StatusInternalServerError,
			check: func(t *testing.T, err error, _ clients) {
				wantAPIError(t, err, "InternalError", http.StatusInternalServerError)
			},
		},
		{
			name: "iam throttle", service: "iam", operation: "GetRole", fault: faultproxy.Throttle,
			call: func(ctx context.Context, c clients, env *testenv.Env) error {
				_, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(testenv.RoleName)})
				return err
			},
			wantStatus: http.StatusBadRequest,
			check: func(t *testing.T, err error, _ clients) {
				wantAPIError(t, err, "Throttling", http.StatusBadRequest)
			},
		},
		{
			name: "sts unavailable", service: "sts", operation: "GetCallerIdentity", fault: faultproxy.Unavailable,
			call: func(ctx context.Context, c clients, env *testenv.Env) error {
				_, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				return err
			},
			wantStatus: http.StatusServiceUnavailable,
			check: func(t *testing.T, err error, _ clients) {
				wantAPIError(t, err, "ServiceUnavailable", http.StatusServiceUnavailable)
			},
		},
		{
			name: "codedeploy throttle", service: "codedeploy", operation: "CreateApplication", fault: faultproxy.Throttle,
			call: func(ctx context.Context, c clients, env *testenv.Env) error {
				_, err := c.codedeploy.CreateApplication(ctx, &codedeploy.CreateApplicationInput{ApplicationName: aws.String("fn")})
				return err
			},
			wantStatus: http.StatusBadRequest,
			check: func(t *testing.T, err error, _ clients) {
				wantAPIError(t, err, "ThrottlingException", http.StatusBadRequest)
			},
		},
		{
			name: "cut request never reaches moto", service: "lambda", operation: "CreateFunction", fault: faultproxy.CutRequest,
			call: func(ctx context.Context, c clients, env *testenv.Env) error {
				_, err := c.lambda.CreateFunction(ctx, createFunctionInput(env, "cut"))
				return err
			},
			wantStatus: 0,
			check: func(t *testing.T, err error, moto clients) {
				var sendErr *smithyhttp.RequestSendError
				if !errors.As(err, &sendErr) {
					t.Errorf("error = %v, want a RequestSendError", err)
				}
				wantTransportError(t, err)
				var notFound *lambdatypes.ResourceNotFoundException
				if _, err := moto.lambda.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("cut")}); !errors.As(err, &notFound) {
					t.Errorf("moto GetFunction after a cut request = %v, want ResourceNotFoundException", err)
				}
			},
		},
		{
			name: "cut mid body after moto applied the call", service: "lambda", operation: "CreateFunction", fault: faultproxy.CutMidBody,
			call: func(ctx context.Context, c clients, env *testenv.Env) error {
				_, err := c.lambda.CreateFunction(ctx, createFunctionInput(env, "cut"))
				return err
			},
			wantStatus: http.StatusCreated,
			check: func(t *testing.T, err error, moto clients) {
				wantTransportError(t, err)
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("error = %v, want an unexpected EOF in the body", err)
				}
				if _, err := moto.lambda.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("cut")}); err != nil {
					t.Errorf("moto GetFunction after a cut response = %v, want the function created", err)
				}
			},
		},
		{
			name: "cut inside the headers of a response without body", service: "s3", operation: "HeadObject", fault: faultproxy.CutMidBody,
			call: func(ctx context.Context, c clients, env *testenv.Env) error {
				_, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String("there.zip")})
				return err
			},
			wantStatus: http.StatusOK,
			check: func(t *testing.T, err error, _ clients) {
				wantTransportError(t, err)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.Moto(t)
			moto := direct(t, env)
			ctx := t.Context()
			if _, err := moto.lambda.CreateFunction(ctx, createFunctionInput(env, "fn")); err != nil {
				t.Fatalf("create fn in moto: %v", err)
			}
			if _, err := moto.lambda.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("fn"), Name: aws.String("live"), FunctionVersion: aws.String("$LATEST")}); err != nil {
				t.Fatalf("create alias in moto: %v", err)
			}
			if _, err := moto.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String("there.zip"), Body: strings.NewReader("zip")}); err != nil {
				t.Fatalf("put object in moto: %v", err)
			}

			p := startProxy(t, env.Endpoint, faultproxy.Options{})
			p.Inject(faultproxy.Rule{Service: tt.service, Operation: tt.operation, Nth: 1, Fault: tt.fault})
			err := tt.call(ctx, through(t, env, p, 1), env)
			if err == nil {
				t.Fatalf("call with %v injected succeeded", tt.fault)
			}
			tt.check(t, err, moto)

			var faulted []faultproxy.Call
			for _, c := range p.Calls() {
				if !c.Fault.IsZero() {
					faulted = append(faulted, c)
				}
			}
			want := tt.service + ":" + tt.operation
			if len(faulted) != 1 || faulted[0].Name() != want || faulted[0].Fault != tt.fault || faulted[0].Status != tt.wantStatus {
				t.Errorf("faulted calls = %+v, want one %s with %v and status %d", faulted, want, tt.fault, tt.wantStatus)
			}
		})
	}
}

func getFunction(ctx context.Context, c clients, _ *testenv.Env) error {
	_, err := c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")})
	return err
}

func putObject(ctx context.Context, c clients, env *testenv.Env) error {
	_, err := c.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String("fn/app.zip"), Body: strings.NewReader("zip")})
	return err
}

// wantTransportError checks that err is a broken connection, not an answer.
func wantTransportError(t *testing.T, err error) {
	t.Helper()
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		t.Errorf("error = %v, want a transport error, not the API error %s", err, apiErr.ErrorCode())
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() != 0 && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error = %v, want no complete HTTP response", err)
	}
}

// TestRetryerRecoversFromOneFault checks that a single retryable fault is
// absorbed by the retryer awsconf configures: the call succeeds and the proxy
// saw the failed attempt and the retry.
func TestRetryerRecoversFromOneFault(t *testing.T) {
	tests := []struct {
		fault             faultproxy.Fault
		service, op       string
		call              func(ctx context.Context, c clients, env *testenv.Env) error
		wantFaultedStatus int
	}{
		{faultproxy.Throttle, "lambda", "GetFunction", getFunction, http.StatusTooManyRequests},
		{faultproxy.ServerError, "s3", "PutObject", putObject, http.StatusInternalServerError},
		{faultproxy.Unavailable, "iam", "GetRole", func(ctx context.Context, c clients, env *testenv.Env) error {
			_, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(testenv.RoleName)})
			return err
		}, http.StatusServiceUnavailable},
		{faultproxy.CutRequest, "lambda", "GetFunction", getFunction, 0},
	}
	for _, tt := range tests {
		t.Run(tt.fault.String(), func(t *testing.T) {
			env := testenv.Moto(t)
			if _, err := direct(t, env).lambda.CreateFunction(t.Context(), createFunctionInput(env, "fn")); err != nil {
				t.Fatalf("create fn in moto: %v", err)
			}
			p := startProxy(t, env.Endpoint, faultproxy.Options{})
			p.Inject(faultproxy.Rule{Service: tt.service, Operation: tt.op, Nth: 1, Fault: tt.fault})
			if err := tt.call(t.Context(), through(t, env, p, 3), env); err != nil {
				t.Fatalf("%s with one %v and 3 attempts: %v", tt.op, tt.fault, err)
			}
			calls := p.Calls()
			if len(calls) != 2 {
				t.Fatalf("recorded %q, want the faulted attempt and one retry", names(calls))
			}
			if calls[0].Fault != tt.fault || calls[0].Status != tt.wantFaultedStatus {
				t.Errorf("first attempt = %+v, want %v with status %d", calls[0], tt.fault, tt.wantFaultedStatus)
			}
			if !calls[1].Fault.IsZero() || calls[1].Status != http.StatusOK || calls[1].Name() != calls[0].Name() {
				t.Errorf("retry = %+v, want the same call forwarded with status 200", calls[1])
			}
		})
	}
}

// okTarget stands in for moto where only the proxy's own behaviour matters.
func okTarget(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRuleWindows checks which matching calls a rule fires on.
func TestRuleWindows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		rule faultproxy.Rule
		want []int // 1-based GetFunction calls that are faulted
	}{
		{"every call", faultproxy.Rule{}, []int{1, 2, 3, 4, 5}},
		{"the third only", faultproxy.Rule{Nth: 3}, []int{3}},
		{"two from the second", faultproxy.Rule{Nth: 2, Times: 2}, []int{2, 3}},
		{"the first two", faultproxy.Rule{Times: 2}, []int{1, 2}},
		{"by service", faultproxy.Rule{Service: "lambda", Nth: 5}, []int{5}},
		{"other operation", faultproxy.Rule{Operation: "DeleteFunction"}, nil},
		{"other service", faultproxy.Rule{Service: "s3"}, nil},
	}
	p := startProxy(t, okTarget(t), faultproxy.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.Reset()
			rule := tt.rule
			if rule.Operation == "" {
				rule.Operation = "GetFunction"
			}
			rule.Fault = faultproxy.ServerError
			p.Inject(rule)
			var got []int
			for i := 1; i <= 5; i++ {
				// Calls of another operation in between must not count.
				send(t, p, "GET", "/2015-03-31/functions/fn/configuration", "lambda")
				if send(t, p, "GET", "/2015-03-31/functions/fn", "lambda") == http.StatusInternalServerError {
					got = append(got, i)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("faulted calls %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("first rule wins and later rules still count", func(t *testing.T) {
		p.Reset()
		p.Inject(faultproxy.Rule{Nth: 1, Fault: faultproxy.Throttle})
		p.Inject(faultproxy.Rule{Nth: 2, Fault: faultproxy.Conflict})
		for range 3 {
			send(t, p, "GET", "/2015-03-31/functions/fn", "lambda")
		}
		var got []faultproxy.Fault
		for _, c := range p.Calls() {
			got = append(got, c.Fault)
		}
		want := []faultproxy.Fault{faultproxy.Throttle, faultproxy.Conflict, {}}
		if !slices.Equal(got, want) {
			t.Errorf("faults %v, want %v", got, want)
		}
	})
}

// callSequence is a fixed sequence of calls of several operations.
func callSequence(t *testing.T, p *faultproxy.Proxy) []faultproxy.Call {
	t.Helper()
	p.Reset()
	for i := range 40 {
		switch i % 3 {
		case 0:
			send(t, p, "GET", "/2015-03-31/functions/fn", "lambda")
		case 1:
			send(t, p, "PUT", "/2015-03-31/functions/fn/configuration", "lambda")
		case 2:
			send(t, p, "POST", "/2015-03-31/functions/fn/versions", "lambda")
		}
	}
	return p.Calls()
}

// TestRandomFaultsRepeatForASeed checks that random mode is a function of the
// seed and the call sequence, and honours the exclusions.
func TestRandomFaultsRepeatForASeed(t *testing.T) {
	t.Parallel()
	target := okTarget(t)
	opts := func(seed int64) faultproxy.Options {
		return faultproxy.Options{
			Seed: seed, Rate: 0.4,
			Faults:            []faultproxy.Fault{faultproxy.Throttle, faultproxy.ServerError, faultproxy.Conflict, faultproxy.CutRequest},
			ExcludeOperations: []string{"lambda:PublishVersion"},
		}
	}
	p := startProxy(t, target, opts(7))
	first := callSequence(t, p)
	if again := callSequence(t, p); !slices.Equal(first, again) {
		t.Errorf("after Reset the same seed gave\n%v\nthen\n%v", first, again)
	}
	if other := callSequence(t, startProxy(t, target, opts(7))); !slices.Equal(first, other) {
		t.Errorf("two proxies with seed 7 gave\n%v\nand\n%v", first, other)
	}
	if other := callSequence(t, startProxy(t, target, opts(8))); slices.Equal(first, other) {
		t.Errorf("seeds 7 and 8 gave the same faults %v", first)
	}

	if len(first) != 40 {
		t.Fatalf("recorded %d calls, want the 40 sent", len(first))
	}
	faulted, eligible, kinds := 0, 0, map[faultproxy.Fault]bool{}
	for i, c := range first {
		if c.Operation == "PublishVersion" {
			if !c.Fault.IsZero() {
				t.Errorf("call %d, excluded PublishVersion, got %v", i+1, c.Fault)
			}
			continue
		}
		eligible++
		if !c.Fault.IsZero() {
			faulted++
			kinds[c.Fault] = true
		}
	}
	if faulted == 0 || faulted == eligible || len(kinds) < 2 {
		t.Errorf("%d of %d eligible calls faulted, with %d kinds, at rate 0.4", faulted, eligible, len(kinds))
	}
}

// sleepRecorder stands in for the proxy's sleep: it records and returns at once.
type sleepRecorder struct {
	mu    sync.Mutex
	slept []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slept = append(s.slept, d)
	return nil
}

// TestLatencyAndDelay checks that every call waits the configured latency and
// a Delay fault waits on top of it, through the injected sleep.
func TestLatencyAndDelay(t *testing.T) {
	env := testenv.Moto(t)
	rec := &sleepRecorder{}
	p := startProxy(t, env.Endpoint, faultproxy.Options{Latency: 50 * time.Millisecond, Sleep: rec.sleep})
	p.Inject(faultproxy.Rule{Service: "sts", Nth: 2, Fault: faultproxy.Delay(2 * time.Second)})
	c := through(t, env, p, 1)
	for i := range 3 {
		if _, err := c.sts.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("GetCallerIdentity %d: %v", i+1, err)
		}
	}
	want := []time.Duration{50 * time.Millisecond, 2050 * time.Millisecond, 50 * time.Millisecond}
	if !slices.Equal(rec.slept, want) {
		t.Errorf("slept %v, want %v", rec.slept, want)
	}
	var recorded []time.Duration
	for _, call := range p.Calls() {
		recorded = append(recorded, call.Slept)
		if call.Status != http.StatusOK {
			t.Errorf("%s status %d, want 200: a delay still forwards", call.Name(), call.Status)
		}
	}
	if !slices.Equal(recorded, want) {
		t.Errorf("recorded Slept %v, want %v", recorded, want)
	}
}

// TestCloseEndsWaitingCalls checks that Close does not hang on a call that is
// waiting out a long delay.
func TestCloseEndsWaitingCalls(t *testing.T) {
	t.Parallel()
	waiting := make(chan struct{})
	p, err := faultproxy.New(okTarget(t), faultproxy.Options{
		Latency: time.Hour,
		Sleep: func(ctx context.Context, d time.Duration) error {
			close(waiting)
			<-ctx.Done()
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	status := make(chan int)
	go func() { status <- send(t, p, "GET", "/2015-03-31/functions/fn", "lambda") }()
	<-waiting
	p.Close()
	if got := <-status; got != 0 {
		t.Errorf("client got status %d from a closed proxy, want a cut connection", got)
	}
}

// TestConcurrentCalls is for the race detector: records and counters stay
// consistent under concurrent calls with random faults.
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	p := startProxy(t, okTarget(t), faultproxy.Options{Seed: 1, Rate: 0.5, Faults: []faultproxy.Fault{faultproxy.Throttle, faultproxy.Delay(0)}})
	p.Inject(faultproxy.Rule{Operation: "PublishVersion", Times: 3, Fault: faultproxy.Conflict})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				send(t, p, "POST", "/2015-03-31/functions/fn/versions", "lambda")
			}
		})
	}
	wg.Wait()
	s := p.Stats()
	if s.Calls != 40 || s.ByOperation["lambda:PublishVersion"] != 40 {
		t.Errorf("stats = %+v, want 40 PublishVersion calls", s)
	}
	if s.ByFault[faultproxy.Conflict] != 3 {
		t.Errorf("%d conflicts, want the rule's 3", s.ByFault[faultproxy.Conflict])
	}
	sum := 0
	for _, n := range s.ByFault {
		sum += n
	}
	if sum != s.Faults || s.Faults < 3 {
		t.Errorf("faults by kind %v add up to %d, want Faults %d (at least 3)", s.ByFault, sum, s.Faults)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		target string
		opts   faultproxy.Options
		want   string
	}{
		{"relative target", "127.0.0.1:5000", faultproxy.Options{}, "not an absolute http URL"},
		{"rate above 1", "http://127.0.0.1:5000", faultproxy.Options{Rate: 1.5, Faults: []faultproxy.Fault{faultproxy.Throttle}}, "outside 0..1"},
		{"rate without faults", "http://127.0.0.1:5000", faultproxy.Options{Rate: 0.1}, "needs Options.Faults"},
		{"zero fault", "http://127.0.0.1:5000", faultproxy.Options{Rate: 0.1, Faults: []faultproxy.Fault{{}}}, "zero Fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := faultproxy.New(tt.target, tt.opts)
			if err == nil {
				p.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to say %q", err, tt.want)
			}
		})
	}
}
