package awsconf

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// ECR returns the session's ECR client, which reads the container images
// of image functions.
func (s *Session) ECR(ctx context.Context) (*ecr.Client, error) {
	return client(ctx, s, "ecr", func(c aws.Config, o Options) *ecr.Client { return newECR(c, o) })
}

func newECR(cfg aws.Config, o Options, optFns ...func(*ecr.Options)) *ecr.Client {
	return ecr.NewFromConfig(cfg, withLast(optFns, func(eo *ecr.Options) {
		eo.BaseEndpoint = endpointOverride(o, eo.BaseEndpoint)
	})...)
}
