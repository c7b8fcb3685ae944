package awsconf

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// stuckServer accepts every request and, after sending what respond
// writes (nothing, or a part of an answer), stays silent until the test ends.
func stuckServer(t *testing.T, respond func(w http.ResponseWriter)) *httptest.Server {
	t.Helper()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if respond != nil {
			respond(w)
			w.(http.Flusher).Flush()
		}
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestEndpointThatNeverAnswers: a call to an endpoint that accepts the
// connection and never answers returns a timeout instead of hanging.
func TestEndpointThatNeverAnswers(t *testing.T) {
	tests := []struct {
		name    string
		respond func(http.ResponseWriter)
		opts    Options
	}{
		{"no answer", nil, Options{ResponseTimeout: 50 * time.Millisecond}},
		{"answer stalls half-way", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`{"AccountLimit":`)) // the client's waiting is under test
		}, Options{RequestTimeout: 100 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateEnv(t)
			setStaticCredentials(t)
			srv := stuckServer(t, tt.respond)
			o := tt.opts
			o.Region, o.EndpointURL, o.MaxAttempts = "us-east-1", srv.URL, 1
			cfg, err := Load(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = newLambda(cfg, o).GetAccountSettings(context.Background(), &lambda.GetAccountSettingsInput{})
			if !isTimeout(err) {
				t.Fatalf("GetAccountSettings error = %v, want a timeout", err)
			}
		})
	}
}

// TestCABundleStillApplies checks the client lamb builds still gets
// AWS_CA_BUNDLE: a call to a TLS endpoint whose certificate only the
// bundle trusts succeeds.
func TestCABundleStillApplies(t *testing.T) {
	isolateEnv(t)
	setStaticCredentials(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"AccountLimit":{"CodeSizeZipped":52428800}}`)) // the client's reading is under test
	}))
	defer srv.Close()
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(bundle, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CA_BUNDLE", bundle)
	o := Options{Region: "us-east-1", EndpointURL: srv.URL, MaxAttempts: 1}
	cfg, err := Load(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	out, err := newLambda(cfg, o).GetAccountSettings(context.Background(), &lambda.GetAccountSettingsInput{})
	if err != nil || out.AccountLimit == nil || out.AccountLimit.CodeSizeZipped != 52428800 {
		t.Fatalf("GetAccountSettings over TLS with the bundle: %+v, %v", out, err)
	}
}

func TestClientTimeouts(t *testing.T) {
	isolateEnv(t)
	setStaticCredentials(t)
	cfg, err := Load(context.Background(), Options{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
	if !ok {
		t.Fatalf("HTTP client is %T, want a BuildableClient (AWS_CA_BUNDLE needs one)", cfg.HTTPClient)
	}
	tr := c.GetTransport()
	if c.GetDialer().Timeout != connectTimeout || tr.TLSHandshakeTimeout != tlsHandshakeTimeout || tr.ResponseHeaderTimeout != DefaultResponseTimeout || c.GetTimeout() != 0 {
		t.Errorf("connect %v, TLS %v, response %v, request %v; want %v, %v, %v and none",
			c.GetDialer().Timeout, tr.TLSHandshakeTimeout, tr.ResponseHeaderTimeout, c.GetTimeout(), connectTimeout, tlsHandshakeTimeout, DefaultResponseTimeout)
	}

	// A synchronous Invoke waits longer for its answer.
	lo := lambda.Options{HTTPClient: c}
	WithResponseTimeout(15 * time.Minute)(&lo)
	if got := lo.HTTPClient.(*awshttp.BuildableClient).GetTransport().ResponseHeaderTimeout; got != 15*time.Minute {
		t.Errorf("WithResponseTimeout: response timeout %v, want 15m", got)
	}
}
