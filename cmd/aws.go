package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/pkg/awsconf"
)

func init() {
	classifiers = append(classifiers, func(err error) (int, string, bool) {
		if awsconf.IsCredentialError(err) {
			return ExitCredentials, "check the profile and region, or run 'aws sso login' / 'aws configure'", true
		}
		return 0, "", false
	})
}

// awsOptions turns the resolved settings into the AWS wiring's options.
func (f *Factory) awsOptions() awsconf.Options {
	return awsconf.Options{
		Profile:     f.Settings.Profile,
		Region:      f.Settings.Region,
		EndpointURL: f.Settings.EndpointURL,
	}
}

// credentialProbeTimeout bounds how long a read-only command waits to learn
// whether credentials exist before it skips its AWS reads.
const credentialProbeTimeout = 5 * time.Second

// optionalReadTimeout bounds each attempt of an optional read, answer
// included: the calls are small, and a stalled endpoint must not hold up a
// command that can do without them.
const optionalReadTimeout = 15 * time.Second

// readOnlyLambda returns a Lambda client for optional reads (account limits,
// layer sizes). When no region or credentials are available it returns nil
// and a note saying what was skipped: such reads never fail a command.
func (f *Factory) readOnlyLambda(ctx context.Context) (*lambda.Client, string) {
	o := f.awsOptions()
	o.MaxAttempts = 2
	o.RequestTimeout = optionalReadTimeout
	cfg, err := awsconf.Load(ctx, o)
	if err != nil {
		return nil, fmt.Sprintf("account limits and layer sizes not read from AWS: %v", err)
	}
	if err := probeCredentials(ctx, cfg); err != nil {
		return nil, fmt.Sprintf("account limits and layer sizes not read from AWS: %v", err)
	}
	return awsconf.NewLambda(cfg, o), ""
}

func probeCredentials(ctx context.Context, cfg aws.Config) error {
	if cfg.Credentials == nil {
		return errors.New("no credential provider")
	}
	ctx, cancel := context.WithTimeout(ctx, credentialProbeTimeout)
	defer cancel()
	_, err := cfg.Credentials.Retrieve(ctx)
	return err
}
