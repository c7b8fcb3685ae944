// Package awsconf builds the aws.Config and the service clients lamb uses, so that
// profile, region, endpoint, retry, timeout and credential handling are decided in one place
// and behave the same against AWS, an emulator on loopback, and in tests.
//
// It leaves flag parsing to cmd and the use of the clients to pkg/deploy; it only
// turns Options into configured clients and classifies credential failures.
package awsconf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Options are the user's choices that shape every AWS client: the global flags
// --profile, --region and --endpoint-url, and the retry budget.
type Options struct {
	// Profile names a shared config profile; empty means AWS_PROFILE or "default".
	Profile string
	// Region overrides AWS_REGION and the profile's region when set.
	Region string
	// EndpointURL sends every service to one base URL (an emulator such as moto);
	// when empty, AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> still apply.
	EndpointURL string
	// MaxAttempts bounds the attempts of each call, retries included; zero or less
	// keeps AWS_MAX_ATTEMPTS or the profile's max_attempts, else the SDK default (3).
	MaxAttempts int
	// ResponseTimeout bounds the wait for each answer once its request is sent;
	// zero means DefaultResponseTimeout.
	ResponseTimeout time.Duration
	// RequestTimeout bounds each attempt from its start to the end of the
	// answer's body. Zero means no such bound, because an upload or a
	// synchronous Invoke can rightly take long; commands that make only small
	// calls set it, so that an answer that stalls half-way cannot hang them.
	RequestTimeout time.Duration
}

// Timeouts every AWS client applies to its connections, so that an endpoint that
// accepts a connection and never answers fails the call instead of hanging it.
const (
	connectTimeout      = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	// DefaultResponseTimeout is how long a client waits for an answer once its
	// request is sent. Lambda's control-plane calls answer within seconds; a
	// synchronous Invoke answers only after the function ran, and needs
	// WithResponseTimeout.
	DefaultResponseTimeout = 2 * time.Minute
)

// ErrNoRegion is returned (wrapped) by Load when neither the options, the
// environment nor the profile name a region, because every Lambda call needs one.
var ErrNoRegion = errors.New("no AWS region: pass --region or set AWS_REGION")

// Load resolves the shared AWS configuration for o: credentials and region through
// the SDK's usual chain, the endpoint override, and adaptive retries. Credential
// failures surface later, at the first call, as errors carrying a *CredentialError.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	if o.EndpointURL != "" {
		if err := checkEndpointURL(o.EndpointURL); err != nil {
			return aws.Config{}, err
		}
	}

	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return newRetryer(o.MaxAttempts) }),
		config.WithHTTPClient(newHTTPClient(o)),
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.EndpointURL != "" {
		// LoadOptions also answers the per-service endpoint lookup, so the flag
		// wins over AWS_ENDPOINT_URL_<SERVICE> as it does in the AWS CLI.
		opts = append(opts, config.WithBaseEndpoint(o.EndpointURL))
	}

	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var notExist config.SharedConfigProfileNotExistError
		if errors.As(err, &notExist) {
			return aws.Config{}, &CredentialError{Profile: profileName(o), Region: regionHint(o), Err: err}
		}
		return aws.Config{}, fmt.Errorf("load AWS config%s: %w", forProfile(profileName(o)), err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("resolve region%s: %w", forProfile(profileName(o)), ErrNoRegion)
	}
	// Clients apply RetryMaxAttempts on top of the retryer. The SDK only feeds
	// AWS_MAX_ATTEMPTS and the profile's max_attempts into a retryer it builds
	// itself, so carry them over here, and let the explicit option win.
	cfg.RetryMaxAttempts = o.MaxAttempts
	if cfg.RetryMaxAttempts <= 0 {
		cfg.RetryMaxAttempts = configuredMaxAttempts(ctx, cfg.ConfigSources)
	}
	if cfg.Credentials != nil {
		cfg.Credentials = &classifyingProvider{
			next:    cfg.Credentials,
			profile: profileName(o),
			region:  cfg.Region,
		}
	}
	return cfg, nil
}

// newHTTPClient returns the HTTP client of every AWS client. It is a
// BuildableClient because with AWS_CA_BUNDLE set the SDK adds the bundle to
// it, and refuses a plain *http.Client.
func newHTTPClient(o Options) *awshttp.BuildableClient {
	c := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = connectTimeout }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = tlsHandshakeTimeout
			tr.ResponseHeaderTimeout = cmp.Or(o.ResponseTimeout, DefaultResponseTimeout)
		})
	if o.RequestTimeout > 0 {
		c = c.WithTimeout(o.RequestTimeout)
	}
	return c
}

// newRetryer returns the adaptive retryer: it backs off and rate-limits the
// client itself after throttling, which matters when many functions deploy at once.
func newRetryer(maxAttempts int) aws.Retryer {
	return retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
		if maxAttempts > 0 {
			ao.StandardOptions = append(ao.StandardOptions, func(so *retry.StandardOptions) {
				so.MaxAttempts = maxAttempts
			})
		}
	})
}

// configuredMaxAttempts is the first max-attempts setting among the SDK's config
// sources (environment, then shared config), or 0.
func configuredMaxAttempts(ctx context.Context, sources []any) int {
	for _, src := range sources {
		if p, ok := src.(interface {
			GetRetryMaxAttempts(context.Context) (int, bool, error)
		}); ok {
			if n, found, err := p.GetRetryMaxAttempts(ctx); err == nil && found && n > 0 {
				return n
			}
		}
	}
	return 0
}

// checkEndpointURL rejects endpoint values the SDK would otherwise accept and then
// fail on with an obscure resolver error at the first call.
func checkEndpointURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("check --endpoint-url %q: want an absolute http or https URL such as http://127.0.0.1:5000", raw)
	}
	return nil
}

// profileName is the profile the user named, for messages: the option, then
// the environment; "" when none was named (the SDK then reads its default
// profile, if there is one, which messages need not blame).
func profileName(o Options) string {
	for _, p := range []string{o.Profile, os.Getenv("AWS_PROFILE"), os.Getenv("AWS_DEFAULT_PROFILE")} {
		if p != "" {
			return p
		}
	}
	return ""
}

// forProfile is ` for profile "NAME"` when the user named a profile, and ""
// otherwise: a message never blames a profile nobody configured.
func forProfile(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" for profile %q", name)
}

// regionHint is the region the SDK would have used, for messages written before
// the configuration could be loaded.
func regionHint(o Options) string {
	for _, r := range []string{o.Region, os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION")} {
		if r != "" {
			return r
		}
	}
	return ""
}
