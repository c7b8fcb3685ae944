package awsconf

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// credentialProbeTimeout bounds how long a session waits to learn whether
// credentials exist, so a machine without them (and without a metadata
// service) answers in seconds rather than after the SDK's own long waits.
const credentialProbeTimeout = 5 * time.Second

// Session is the AWS access of one lamb invocation: the options are given
// once, the configuration is loaded on first use, credentials are checked
// once, and each service's client is built once, when first asked for.
// It is safe for concurrent use.
type Session struct {
	opts Options

	mu       sync.Mutex
	loaded   bool
	cfg      aws.Config
	cfgErr   error
	probed   bool
	probeErr error
	clients  map[string]any
}

// NewSession returns a session for o; nothing is loaded until a client is asked for.
func NewSession(o Options) *Session {
	return &Session{opts: o, clients: map[string]any{}}
}

// NewSessionFromConfig returns a session over an already loaded
// configuration, for callers (such as test harnesses) that build their own.
func NewSessionFromConfig(cfg aws.Config, o Options) *Session {
	return &Session{opts: o, loaded: true, cfg: cfg, clients: map[string]any{}}
}

// Options returns the options the session was made with.
func (s *Session) Options() Options { return s.opts }

// Config loads the AWS configuration once and returns it (or the load error).
func (s *Session) Config(ctx context.Context) (aws.Config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.configLocked(ctx)
}

func (s *Session) configLocked(ctx context.Context) (aws.Config, error) {
	if !s.loaded {
		s.cfg, s.cfgErr = Load(ctx, s.opts)
		// A cancelled load is not remembered: the next call may succeed.
		s.loaded = ctx.Err() == nil
	}
	return s.cfg, s.cfgErr
}

// checkCredentialsLocked resolves the credentials once, within a few
// seconds, and returns a *CredentialError when there are none.
func (s *Session) checkCredentialsLocked(ctx context.Context) error {
	cfg, err := s.configLocked(ctx)
	if err != nil {
		return err
	}
	if s.probed {
		return s.probeErr
	}
	if cfg.Credentials == nil {
		s.probed, s.probeErr = true, &CredentialError{Profile: profileName(s.opts), Region: cfg.Region, Err: errors.New("no credential provider")}
		return s.probeErr
	}
	pctx, cancel := context.WithTimeout(ctx, credentialProbeTimeout)
	defer cancel()
	_, err = cfg.Credentials.Retrieve(pctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.probed, s.probeErr = true, err
	return err
}

// client returns the session's client called name, building it with build
// on first use, after the configuration and credentials are known good.
func client[T any](ctx context.Context, s *Session, name string, build func(aws.Config, Options) *T) (*T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[name]; ok {
		return c.(*T), nil
	}
	if err := s.checkCredentialsLocked(ctx); err != nil {
		return nil, err
	}
	c := build(s.cfg, s.opts)
	s.clients[name] = c
	return c, nil
}

// Lambda returns the session's Lambda client.
func (s *Session) Lambda(ctx context.Context) (*lambda.Client, error) {
	return client(ctx, s, "lambda", func(c aws.Config, o Options) *lambda.Client { return newLambda(c, o) })
}

// S3 returns the session's S3 client (path-style addressing on a custom endpoint).
func (s *Session) S3(ctx context.Context) (*s3.Client, error) {
	return client(ctx, s, "s3", func(c aws.Config, o Options) *s3.Client { return newS3(c, o) })
}

// STS returns the session's STS client.
func (s *Session) STS(ctx context.Context) (*sts.Client, error) {
	return client(ctx, s, "sts", func(c aws.Config, o Options) *sts.Client { return newSTS(c, o) })
}

// IAM returns the session's IAM client.
func (s *Session) IAM(ctx context.Context) (*iam.Client, error) {
	return client(ctx, s, "iam", func(c aws.Config, o Options) *iam.Client { return newIAM(c, o) })
}

// CloudWatch returns the session's CloudWatch client (awsJson 1.0 on a custom endpoint).
func (s *Session) CloudWatch(ctx context.Context) (*cloudwatch.Client, error) {
	return client(ctx, s, "cloudwatch", func(c aws.Config, o Options) *cloudwatch.Client { return newCloudWatch(c, o) })
}

// Logs returns the session's CloudWatch Logs client.
func (s *Session) Logs(ctx context.Context) (*cloudwatchlogs.Client, error) {
	return client(ctx, s, "logs", func(c aws.Config, o Options) *cloudwatchlogs.Client { return newLogs(c, o) })
}

// CodeDeploy returns the session's CodeDeploy client.
func (s *Session) CodeDeploy(ctx context.Context) (*codedeploy.Client, error) {
	return client(ctx, s, "codedeploy", func(c aws.Config, o Options) *codedeploy.Client { return newCodeDeploy(c, o) })
}

// ECR returns the session's ECR client, which reads the container images
// of image functions.
func (s *Session) ECR(ctx context.Context) (*ecr.Client, error) {
	return client(ctx, s, "ecr", func(c aws.Config, o Options) *ecr.Client { return newECR(c, o) })
}

// SQS returns the session's SQS client, which reads the queues of event
// sources.
func (s *Session) SQS(ctx context.Context) (*sqs.Client, error) {
	return client(ctx, s, "sqs", func(c aws.Config, o Options) *sqs.Client { return newSQS(c, o) })
}
