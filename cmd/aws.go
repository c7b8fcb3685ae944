package cmd

import (
	"context"

	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// classifyCredentialError: missing or rejected AWS credentials exit 4.
func classifyCredentialError(err error) (int, string, bool) {
	if awsconf.IsCredentialError(err) {
		return ExitCredentials, "check the profile and region, or run 'aws sso login' / 'aws configure'", true
	}
	return 0, "", false
}

// awsOptions turns the resolved settings into the AWS wiring's options.
func (f *Factory) awsOptions() awsconf.Options {
	return awsconf.Options{
		Profile:     f.Settings.Profile,
		Region:      f.Settings.Region,
		EndpointURL: f.Settings.EndpointURL,
	}
}

// session returns the AWS session for the resolved settings, made once.
func (f *Factory) session() *awsconf.Session {
	f.sessionOnce.Do(func() { f.sess = awsconf.NewSession(f.awsOptions()) })
	return f.sess
}

// lambdaReader returns the Lambda client for the pre-flight's optional
// reads, or why there is none (no region, no credentials).
func (f *Factory) lambdaReader(ctx context.Context) (pipeline.LambdaReader, error) {
	c, err := f.AWS().Lambda(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}
