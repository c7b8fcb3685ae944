package awsconf

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// CredentialError says that lamb has no usable AWS credentials: none could be
// resolved, or AWS rejected the ones found. The CLI maps it to exit code 4 and
// prints it as the one line a user needs to fix their setup.
type CredentialError struct {
	// Profile is the shared config profile the user named (--profile,
	// lamb.yaml, AWS_PROFILE), "" when none was.
	Profile string
	// Region is the resolved region, empty when it was not known yet.
	Region string
	// Err is what the SDK or AWS reported.
	Err error
}

// Error says what is wrong and what to do, in one line fit for the terminal.
func (e *CredentialError) Error() string {
	where := forProfile(e.Profile)
	if e.Region != "" {
		where += fmt.Sprintf(" in region %q", e.Region)
	}
	return fmt.Sprintf("no valid AWS credentials%s: %v; set AWS_PROFILE or run aws configure/sso login", where, e.Err)
}

// Unwrap exposes the SDK error, so callers can still inspect API error codes.
func (e *CredentialError) Unwrap() error { return e.Err }

// credentialErrorCodes are API error codes meaning the caller's credentials are
// missing, invalid, expired or not allowed to do the call. They come from every
// service lamb talks to (STS, IAM and S3 use the short forms, JSON services the
// ...Exception forms; S3 HEAD answers carry no body and surface as Forbidden).
var credentialErrorCodes = map[string]bool{
	"InvalidClientTokenId":        true,
	"SignatureDoesNotMatch":       true,
	"ExpiredToken":                true,
	"ExpiredTokenException":       true,
	"UnrecognizedClientException": true,
	"InvalidSignatureException":   true,
	"IncompleteSignature":         true,
	"MissingAuthenticationToken":  true,
	"InvalidAccessKeyId":          true,
	"InvalidToken":                true,
	"AuthFailure":                 true,
	"AccessDenied":                true,
	"AccessDeniedException":       true,
	"Forbidden":                   true,
}

// IsCredentialError reports whether err means "fix your AWS credentials or
// permissions": a *CredentialError anywhere in the chain, or an API error whose
// code says the request was not authenticated or not authorised, from any service.
func IsCredentialError(err error) bool {
	if err == nil {
		return false
	}
	var ce *CredentialError
	if errors.As(err, &ce) {
		return true
	}
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && credentialErrorCodes[apiErr.ErrorCode()]
}

// Caller is who AWS says the credentials belong to.
type Caller struct {
	Account string
	ARN     string
	UserID  string
}

// Identity asks STS who the session's credentials belong to: the cheapest call
// that proves the credentials work, with a *CredentialError when they do not.
// The test harness uses it to prove the emulator's wiring; commands rely on
// the session's own credential check before their first client is built.
func (s *Session) Identity(ctx context.Context) (*Caller, error) {
	cfg, err := s.Config(ctx)
	if err != nil {
		return nil, err
	}
	profile := profileName(s.opts)
	if cfg.Credentials == nil {
		return nil, &CredentialError{Profile: profile, Region: cfg.Region, Err: errors.New("no credentials provider is configured")}
	}
	// Resolving first separates "no credentials found" from a rejected call even
	// for a cfg that did not come from Load; the SDK caches the result.
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		if interrupted(ctx, err) {
			return nil, fmt.Errorf("resolve AWS credentials: %w", err)
		}
		var ce *CredentialError
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, &CredentialError{Profile: profile, Region: cfg.Region, Err: err}
	}
	stsClient, err := s.STS(ctx)
	if err != nil {
		return nil, err
	}
	out, err := stsClient.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		var ce *CredentialError
		if errors.As(err, &ce) {
			return nil, ce
		}
		if IsCredentialError(err) {
			return nil, &CredentialError{Profile: profile, Region: cfg.Region, Err: err}
		}
		return nil, fmt.Errorf("get caller identity: %w", err)
	}
	return &Caller{
		Account: aws.ToString(out.Account),
		ARN:     aws.ToString(out.Arn),
		UserID:  aws.ToString(out.UserId),
	}, nil
}

// classifyingProvider wraps the SDK's credential chain so that a failure to find
// or refresh credentials reaches the caller as a *CredentialError whatever the
// service, instead of as text inside an operation error.
type classifyingProvider struct {
	next    aws.CredentialsProvider
	profile string
	region  string
}

// Retrieve delegates to the wrapped chain; the SDK's cache sits inside it, so
// repeated calls stay cheap.
func (p *classifyingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := p.next.Retrieve(ctx)
	if err != nil && !interrupted(ctx, err) {
		return aws.Credentials{}, &CredentialError{Profile: p.profile, Region: p.region, Err: err}
	}
	return creds, err
}

// IsCredentialsProvider lets the SDK see through the wrapper when it checks
// which provider (for instance a cache) is in use.
func (p *classifyingProvider) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(p.next, target)
}

// ProviderSources keeps the SDK's user-agent credential source metrics intact.
func (p *classifyingProvider) ProviderSources() []aws.CredentialSource {
	if s, ok := p.next.(aws.CredentialProviderSource); ok {
		return s.ProviderSources()
	}
	return nil
}

// interrupted tells a cancelled or timed-out lookup apart from missing
// credentials, so an interrupt is not reported as a setup problem.
func interrupted(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
