package cmd

import (
	"context"
	"time"

	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/deploy"
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

// optionalReadTimeout bounds each attempt of an optional read, answer
// included: the calls are small, and a stalled endpoint must not hold up a
// command that can do without them.
const optionalReadTimeout = 15 * time.Second

// lambdaReader returns the Lambda client for the pre-flight's optional
// reads (account limits, layer sizes), or why there is none (no region, no
// credentials). Its calls are few and short: two attempts, each bounded.
func (f *Factory) lambdaReader(ctx context.Context) (pipeline.LambdaReader, error) {
	o := f.awsOptions()
	o.MaxAttempts = 2
	o.RequestTimeout = optionalReadTimeout
	c, err := awsconf.NewSession(o).Lambda(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// queueReader returns the SQS client for the pre-flight's optional reads
// of event source queues, bounded as lambdaReader's are.
func (f *Factory) queueReader(ctx context.Context) (deploy.QueueReader, error) {
	o := f.awsOptions()
	o.MaxAttempts = 2
	o.RequestTimeout = optionalReadTimeout
	c, err := awsconf.NewSession(o).SQS(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// imageReader returns the ECR client for the pre-flight's reads of
// container images, bounded as lambdaReader's are.
func (f *Factory) imageReader(ctx context.Context) (deploy.ImageReader, error) {
	o := f.awsOptions()
	o.MaxAttempts = 2
	o.RequestTimeout = optionalReadTimeout
	c, err := awsconf.NewSession(o).ECR(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// region is the AWS region the commands work in, "" when none is set.
func (f *Factory) region(ctx context.Context) string {
	cfg, err := f.session().Config(ctx)
	if err != nil {
		return ""
	}
	return cfg.Region
}

// deployClients returns the AWS clients a deploy writes with. Missing
// credentials are an error here (exit 4), before anything is packaged.
func (f *Factory) deployClients(ctx context.Context) (pipeline.DeployClients, error) {
	s := f.AWS()
	lam, err := s.Lambda(ctx)
	if err != nil {
		return pipeline.DeployClients{}, err
	}
	s3c, err := s.S3(ctx)
	if err != nil {
		return pipeline.DeployClients{}, err
	}
	iamc, err := s.IAM(ctx)
	if err != nil {
		return pipeline.DeployClients{}, err
	}
	cfg, err := s.Config(ctx)
	if err != nil {
		return pipeline.DeployClients{}, err
	}
	sc, err := f.shiftClients(ctx)
	if err != nil {
		return pipeline.DeployClients{}, err
	}
	sqsc, err := s.SQS(ctx)
	if err != nil {
		return pipeline.DeployClients{}, err
	}
	logs, err := s.Logs(ctx)
	if err != nil {
		return pipeline.DeployClients{}, err
	}
	ecrc, err := s.ECR(ctx)
	if err != nil {
		return pipeline.DeployClients{}, err
	}
	return pipeline.DeployClients{Lambda: lam, S3: s3c, IAM: iamc, Layers: lam, Region: cfg.Region, SQS: sqsc, Logs: logs, ECR: ecrc, Shift: sc}, nil
}

// shiftClients returns the AWS clients a traffic shift uses.
func (f *Factory) shiftClients(ctx context.Context) (pipeline.ShiftClients, error) {
	s := f.AWS()
	lam, err := s.Lambda(ctx)
	if err != nil {
		return pipeline.ShiftClients{}, err
	}
	cw, err := s.CloudWatch(ctx)
	if err != nil {
		return pipeline.ShiftClients{}, err
	}
	cd, err := s.CodeDeploy(ctx)
	if err != nil {
		return pipeline.ShiftClients{}, err
	}
	iamc, err := s.IAM(ctx)
	if err != nil {
		return pipeline.ShiftClients{}, err
	}
	cfg, err := s.Config(ctx)
	if err != nil {
		return pipeline.ShiftClients{}, err
	}
	return pipeline.ShiftClients{Lambda: lam, CloudWatch: cw, CodeDeploy: cd, IAM: iamc, Region: cfg.Region}, nil
}
