package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueReader lists the SQS reads the pre-flight makes of a queue source.
type QueueReader interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

var _ QueueReader = (*sqs.Client)(nil)

// VisibilityTimeouts reads the visibility timeout, in seconds, of each
// queue (by ARN). A queue that cannot be read is left out and a note says
// why; only a cancelled ctx is an error.
func VisibilityTimeouts(ctx context.Context, api QueueReader, arns []string) (map[string]int, []string, error) {
	out := map[string]int{}
	var notes []string
	for _, arn := range arns {
		if _, done := out[arn]; done {
			continue
		}
		v, err := visibilityTimeout(ctx, api, arn)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("visibility timeout of queue %s not read: %v", arn, err))
			continue
		}
		out[arn] = v
	}
	return out, notes, nil
}

func visibilityTimeout(ctx context.Context, api QueueReader, arn string) (int, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 {
		return 0, fmt.Errorf("%s is not a queue ARN", arn)
	}
	u, err := api.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(parts[5]), QueueOwnerAWSAccountId: aws.String(parts[4])})
	if err != nil {
		return 0, err
	}
	a, err := api.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameVisibilityTimeout}})
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(a.Attributes[string(sqstypes.QueueAttributeNameVisibilityTimeout)])
	if err != nil {
		return 0, fmt.Errorf("read VisibilityTimeout of %s: %w", arn, err)
	}
	return v, nil
}
