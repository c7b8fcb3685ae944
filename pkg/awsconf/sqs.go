package awsconf

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQS returns the session's SQS client, which reads the queues of event
// sources.
func (s *Session) SQS(ctx context.Context) (*sqs.Client, error) {
	return client(ctx, s, "sqs", func(c aws.Config, o Options) *sqs.Client { return newSQS(c, o) })
}

func newSQS(cfg aws.Config, o Options, optFns ...func(*sqs.Options)) *sqs.Client {
	return sqs.NewFromConfig(cfg, withLast(optFns, func(so *sqs.Options) {
		so.BaseEndpoint = endpointOverride(o, so.BaseEndpoint)
	})...)
}
