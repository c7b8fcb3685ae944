package awsconf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Setup says which region, endpoint and credentials the options resolve
// to, and where each comes from, without calling any AWS service.
type Setup struct {
	Region string
	// RegionSource is where Region came from: "options" (the caller's own
	// setting), "AWS_REGION" or `profile "NAME"`.
	RegionSource string
	// RegionErr is set when no region is configured (wrapping ErrNoRegion).
	RegionErr error

	// Profile is the shared-config profile in use, "" when none was named.
	Profile string

	// Endpoint is the custom endpoint every service is sent to, "" for AWS's own.
	Endpoint string
	// EndpointSource is where Endpoint came from: "options",
	// "AWS_ENDPOINT_URL" or `profile "NAME"`.
	EndpointSource string

	// CredentialSource names the provider that supplied the credentials,
	// in words: "environment variables", `shared credentials file ...`,
	// "SSO", "EC2 instance metadata (IMDS)".
	CredentialSource string
	// CredentialsExpire is when the credentials expire; zero when they do not.
	CredentialsExpire time.Time
	// CredentialsErr is set when no credentials could be resolved (a
	// *CredentialError) or the configuration could not be loaded.
	CredentialsErr error
}

// placeholderRegion lets credentials be resolved when no region is set, so
// both problems are reported at once.
const placeholderRegion = "us-east-1"

// Describe resolves o the way every session does and reports what it found.
// Credentials are resolved (within a few seconds) but never sent anywhere;
// their values are not part of the result.
func Describe(ctx context.Context, o Options) Setup {
	s := Setup{Profile: profileName(o)}
	cfg, err := Load(ctx, o)
	if errors.Is(err, ErrNoRegion) {
		s.RegionErr = err
		withRegion := o
		withRegion.Region = placeholderRegion
		cfg, err = Load(ctx, withRegion)
	} else if err == nil {
		s.Region = cfg.Region
		s.RegionSource = regionSource(o, cfg)
	}
	s.Endpoint, s.EndpointSource = endpointSource(o, cfg)
	if err != nil {
		s.CredentialsErr = err
		return s
	}
	if cfg.Credentials == nil {
		s.CredentialsErr = &CredentialError{Profile: s.Profile, Region: s.Region, Err: errors.New("no credential provider")}
		return s
	}
	pctx, cancel := context.WithTimeout(ctx, credentialProbeTimeout)
	defer cancel()
	creds, err := cfg.Credentials.Retrieve(pctx)
	if err != nil {
		var ce *CredentialError
		if errors.As(err, &ce) && s.RegionErr != nil {
			// The placeholder is no region of the user's.
			ce.Region = ""
		}
		s.CredentialsErr = err
		return s
	}
	s.CredentialSource = describeCredentialSource(creds.Source, s.Profile)
	if creds.CanExpire {
		s.CredentialsExpire = creds.Expires
	}
	return s
}

// regionSource says which of the SDK's sources set cfg.Region.
func regionSource(o Options, cfg aws.Config) string {
	if o.Region != "" {
		return "options"
	}
	for _, src := range cfg.ConfigSources {
		switch c := src.(type) {
		case config.EnvConfig:
			if c.Region != "" {
				return "AWS_REGION"
			}
		case config.SharedConfig:
			if c.Region != "" {
				return fmt.Sprintf("profile %q", c.Profile)
			}
		}
	}
	return ""
}

// endpointSource says which custom endpoint the clients use and where it
// was set; empty when AWS's own endpoints are used.
func endpointSource(o Options, cfg aws.Config) (endpoint, source string) {
	if o.EndpointURL != "" {
		return o.EndpointURL, "options"
	}
	if v := os.Getenv("AWS_ENDPOINT_URL"); v != "" {
		return v, "AWS_ENDPOINT_URL"
	}
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		return *cfg.BaseEndpoint, fmt.Sprintf("profile %q", profileOrDefault(profileName(o)))
	}
	return "", ""
}

func profileOrDefault(p string) string {
	if p == "" {
		return "default"
	}
	return p
}

// describeCredentialSource turns the SDK's provider name into words a user
// recognises from their own setup.
func describeCredentialSource(source, profile string) string {
	p := fmt.Sprintf("profile %q", profileOrDefault(profile))
	name, detail, _ := strings.Cut(source, ":")
	switch name {
	case config.CredentialsSourceName:
		return "environment variables (AWS_ACCESS_KEY_ID)"
	case "SharedConfigCredentials":
		return fmt.Sprintf("%s in %s", p, strings.TrimSpace(detail))
	case "SSOProvider":
		return "SSO, " + p
	case "AssumeRoleProvider":
		return "assumed role, " + p
	case "WebIdentityCredentials":
		return "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)"
	case "ProcessProvider":
		return "credential_process, " + p
	case "LoginProvider":
		return "console login (aws login), " + p
	case "EC2RoleProvider":
		return "EC2 instance metadata (IMDS)"
	case "CredentialsEndpointProvider":
		return "container credentials endpoint"
	case "":
		return "unnamed provider"
	}
	return source
}
