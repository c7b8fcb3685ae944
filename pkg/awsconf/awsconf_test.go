package awsconf

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// isolateEnv removes every AWS_* variable for the test and points the shared
// config files at an empty directory, so the host's setup cannot leak in. It
// returns that directory for tests that want to write a config file.
func isolateEnv(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") {
			t.Setenv(name, "") // registers the restore
			if err := os.Unsetenv(name); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

func setStaticCredentials(t *testing.T) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
}

// profileEnv isolates the environment with static credentials, sets env,
// and makes profile, when given, the text of the shared config file.
func profileEnv(t *testing.T, profile string, env map[string]string) {
	t.Helper()
	dir := isolateEnv(t)
	setStaticCredentials(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	if profile != "" {
		if err := os.WriteFile(filepath.Join(dir, "config"), []byte(profile), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// recordingHTTP answers every request with the same canned response and keeps
// the requests, so tests can see where and how the SDK would have sent them.
type recordingHTTP struct {
	mu     sync.Mutex
	status int
	body   string
	reqs   []*http.Request
}

func (r *recordingHTTP) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	status := r.status
	if status == 0 {
		status = http.StatusOK
	}
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": []string{"text/xml"}},
		Body:       io.NopCloser(strings.NewReader(r.body)),
		Request:    req,
	}, nil
}

func (r *recordingHTTP) last(t *testing.T) *http.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request was sent")
	}
	return r.reqs[len(r.reqs)-1]
}

func TestLoadRegion(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		env     map[string]string
		profile string // contents of the shared config file
		want    string
		wantErr bool
	}{
		{name: "option wins over environment", opts: Options{Region: "eu-west-1"}, env: map[string]string{"AWS_REGION": "us-west-2"}, want: "eu-west-1"},
		{name: "AWS_REGION", env: map[string]string{"AWS_REGION": "us-west-2"}, want: "us-west-2"},
		{name: "named profile region", opts: Options{Profile: "dev"}, profile: "[profile dev]\nregion = ap-south-1\n", want: "ap-south-1"},
		{name: "AWS_PROFILE region", env: map[string]string{"AWS_PROFILE": "dev"}, profile: "[profile dev]\nregion = ca-central-1\n", want: "ca-central-1"},
		{name: "none anywhere", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profileEnv(t, tt.profile, tt.env)
			cfg, err := Load(context.Background(), tt.opts)
			if tt.wantErr {
				if !errors.Is(err, ErrNoRegion) {
					t.Fatalf("Load error = %v, want ErrNoRegion", err)
				}
				for _, hint := range []string{"--region", "AWS_REGION"} {
					if !strings.Contains(err.Error(), hint) {
						t.Errorf("error %q does not tell the user about %s", err, hint)
					}
				}
				if strings.Contains(err.Error(), "profile") {
					t.Errorf("error %q names a profile, but none was configured", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.Region != tt.want {
				t.Errorf("region = %q, want %q", cfg.Region, tt.want)
			}
		})
	}
}

func TestLoadRejectsBadEndpointURL(t *testing.T) {
	for _, raw := range []string{"127.0.0.1:5000", "ftp://host", "http://", "::nonsense"} {
		t.Run(raw, func(t *testing.T) {
			isolateEnv(t)
			setStaticCredentials(t)
			_, err := Load(context.Background(), Options{Region: "us-east-1", EndpointURL: raw})
			if err == nil {
				t.Fatalf("Load accepted endpoint %q", raw)
			}
			if !strings.Contains(err.Error(), "--endpoint-url") || !strings.Contains(err.Error(), raw) {
				t.Errorf("error %q does not name the flag and the value", err)
			}
		})
	}
}

func TestLoadUnknownProfileIsCredentialError(t *testing.T) {
	isolateEnv(t)
	_, err := Load(context.Background(), Options{Profile: "nope", Region: "eu-west-1"})
	var ce *CredentialError
	if !errors.As(err, &ce) {
		t.Fatalf("Load error = %v, want *CredentialError", err)
	}
	if ce.Profile != "nope" || ce.Region != "eu-west-1" {
		t.Errorf("CredentialError profile/region = %q/%q, want nope/eu-west-1", ce.Profile, ce.Region)
	}
}

func TestLoadRetryer(t *testing.T) {
	tests := []struct {
		name string
		max  int
		want int
	}{
		{name: "explicit", max: 7, want: 7},
		{name: "single attempt", max: 1, want: 1},
		{name: "sdk default", max: 0, want: retry.DefaultMaxAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			setStaticCredentials(t)
			cfg, err := Load(context.Background(), Options{Region: "us-east-1", MaxAttempts: tt.max})
			if err != nil {
				t.Fatal(err)
			}
			r := cfg.Retryer()
			if _, ok := r.(*retry.AdaptiveMode); !ok {
				t.Errorf("retryer is %T, want adaptive mode", r)
			}
			if got := r.MaxAttempts(); got != tt.want {
				t.Errorf("MaxAttempts = %d, want %d", got, tt.want)
			}
		})
	}
}

// The attempt budget must bound the requests actually sent: tests against the
// emulator rely on a single attempt to fail fast on calls it does not implement.
func TestMaxAttemptsBoundsRequests(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		envMax  string
		profile string
		wantReq int
	}{
		{name: "option", max: 2, wantReq: 2},
		{name: "option wins over AWS_MAX_ATTEMPTS", max: 1, envMax: "4", wantReq: 1},
		{name: "AWS_MAX_ATTEMPTS when no option", envMax: "2", wantReq: 2},
		{name: "profile max_attempts", profile: "[default]\nmax_attempts = 2\n", wantReq: 2},
		{name: "sdk default", wantReq: retry.DefaultMaxAttempts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profileEnv(t, tt.profile, nil)
			if tt.envMax != "" {
				t.Setenv("AWS_MAX_ATTEMPTS", tt.envMax)
			}
			o := Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:9", MaxAttempts: tt.max}
			cfg, err := Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recordingHTTP{status: http.StatusServiceUnavailable, body: "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>"}
			cfg.HTTPClient = rec
			_, err = newSTS(cfg, o, func(so *sts.Options) {
				so.Retryer = retry.AddWithMaxBackoffDelay(so.Retryer, time.Millisecond)
			}).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err == nil {
				t.Fatal("GetCallerIdentity succeeded against a 503")
			}
			if len(rec.reqs) != tt.wantReq {
				t.Errorf("sent %d requests, want %d", len(rec.reqs), tt.wantReq)
			}
		})
	}
}

func TestLoadWithCABundle(t *testing.T) {
	isolateEnv(t)
	setStaticCredentials(t)
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	if _, err := Load(context.Background(), Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:9"}); err != nil {
		t.Fatalf("Load with AWS_CA_BUNDLE set: %v", err)
	}
}

func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "lamb test CA"},
		NotBefore:             time.Unix(0, 0),
		NotAfter:              time.Unix(0, 0).AddDate(100, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestClientEndpoints sends one request per service through the constructors and
// checks where it went and how it was encoded, for every way a user can point
// lamb at an emulator.
func TestClientEndpoints(t *testing.T) {
	const (
		flag  = "http://127.0.0.1:4566"
		other = "http://127.0.0.1:5000"
		aws3  = "https://bkt.s3.us-east-1.amazonaws.com/k"
	)
	tests := []struct {
		name    string
		opts    Options
		env     map[string]string
		profile string
		s3URL   string // full URL of PutObject bucket "bkt" key "k"
		lambda  string // scheme://host of ListFunctions
		cwJSON  bool   // CloudWatch spoke awsJson 1.0 rather than CBOR
	}{
		{name: "real AWS", s3URL: aws3, lambda: "https://lambda.us-east-1.amazonaws.com"},
		{name: "--endpoint-url", opts: Options{EndpointURL: flag}, s3URL: flag + "/bkt/k", lambda: flag, cwJSON: true},
		{name: "AWS_ENDPOINT_URL", env: map[string]string{"AWS_ENDPOINT_URL": other}, s3URL: other + "/bkt/k", lambda: other, cwJSON: true},
		{name: "AWS_ENDPOINT_URL_S3 only", env: map[string]string{"AWS_ENDPOINT_URL_S3": other}, s3URL: other + "/bkt/k", lambda: "https://lambda.us-east-1.amazonaws.com"},
		{name: "AWS_ENDPOINT_URL_CLOUDWATCH only", env: map[string]string{"AWS_ENDPOINT_URL_CLOUDWATCH": other}, s3URL: aws3, lambda: "https://lambda.us-east-1.amazonaws.com", cwJSON: true},
		{name: "flag wins over service variable", opts: Options{EndpointURL: flag}, env: map[string]string{"AWS_ENDPOINT_URL_S3": other, "AWS_ENDPOINT_URL_LAMBDA": other}, s3URL: flag + "/bkt/k", lambda: flag, cwJSON: true},
		{name: "service variable wins over global", env: map[string]string{"AWS_ENDPOINT_URL": flag, "AWS_ENDPOINT_URL_LAMBDA": other}, s3URL: flag + "/bkt/k", lambda: other, cwJSON: true},
		{name: "profile endpoint_url", opts: Options{Profile: "local"}, profile: "[profile local]\naws_access_key_id = AKIDLOCAL\naws_secret_access_key = s\nendpoint_url = " + other + "\n", s3URL: other + "/bkt/k", lambda: other, cwJSON: true},
		{name: "configured endpoints ignored", env: map[string]string{"AWS_ENDPOINT_URL": other, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, s3URL: aws3, lambda: "https://lambda.us-east-1.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			profileEnv(t, tt.profile, tt.env)
			o := tt.opts
			o.Region = "us-east-1"
			o.MaxAttempts = 1
			cfg, err := Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recordingHTTP{}
			cfg.HTTPClient = rec
			ctx := context.Background()

			_, _ = newS3(cfg, o).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x"))})
			if got := rec.last(t).URL; got.Scheme+"://"+got.Host+got.Path != tt.s3URL {
				t.Errorf("S3 PutObject went to %s, want %s", got, tt.s3URL)
			}

			_, _ = newLambda(cfg, o).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			if got := rec.last(t).URL; got.Scheme+"://"+got.Host != tt.lambda {
				t.Errorf("Lambda ListFunctions went to %s, want host %s", got, tt.lambda)
			}

			_, _ = newCloudWatch(cfg, o).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
			req := rec.last(t)
			gotJSON := req.Header.Get("Content-Type") == "application/x-amz-json-1.0" &&
				req.Header.Get("X-Amz-Target") == "GraniteServiceVersion20100801.DescribeAlarms"
			if gotJSON != tt.cwJSON {
				t.Errorf("CloudWatch spoke JSON 1.0 = %v, want %v (Content-Type %q, URL %s)", gotJSON, tt.cwJSON, req.Header.Get("Content-Type"), req.URL)
			}
		})
	}
}

// TestClientsKeepCallerOptions checks that a caller's option functions still
// apply, and that the emulator adjustments are applied after them.
func TestClientsKeepCallerOptions(t *testing.T) {
	isolateEnv(t)
	setStaticCredentials(t)
	o := Options{Region: "us-east-1", EndpointURL: "http://127.0.0.1:4566"}
	cfg, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	fns := make([]func(*s3.Options), 0, 4)
	fns = append(fns, func(so *s3.Options) {
		so.UsePathStyle = false
		so.AppID = "caller"
	})
	c := newS3(cfg, o, fns...)
	if got := c.Options(); !got.UsePathStyle || got.AppID != "caller" {
		t.Errorf("UsePathStyle = %v, AppID = %q; want true and caller", got.UsePathStyle, got.AppID)
	}
	if fns[:cap(fns)][1] != nil {
		t.Error("NewS3 wrote into the caller's option slice")
	}
}
