package awsconf

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// The constructors below run their adjustments as the last option function, after
// the SDK has resolved the client's BaseEndpoint from the config, AWS_ENDPOINT_URL
// and AWS_ENDPOINT_URL_<SERVICE>. A non-nil BaseEndpoint therefore means "a custom
// endpoint is in effect for this service", which is when emulator settings apply.
// Caller option functions run before them, so a caller cannot undo what an
// emulator needs by accident, and can still set everything else.

// withLast appends last to a copy of fns, leaving the caller's slice untouched.
func withLast[T any](fns []func(*T), last func(*T)) []func(*T) {
	return append(fns[:len(fns):len(fns)], last)
}

// endpointOverride returns the explicit --endpoint-url as a pointer, or nil.
func endpointOverride(o Options, current *string) *string {
	if o.EndpointURL != "" {
		return aws.String(o.EndpointURL)
	}
	return current
}

// endpointOnly makes the constructor of a client whose only emulator
// setting is the endpoint: newFromConfig is the service's NewFromConfig,
// and endpoint reaches the BaseEndpoint of its options.
func endpointOnly[O, C any](newFromConfig func(aws.Config, ...func(*O)) *C, endpoint func(*O) **string) func(aws.Config, Options, ...func(*O)) *C {
	return func(cfg aws.Config, o Options, optFns ...func(*O)) *C {
		return newFromConfig(cfg, withLast(optFns, func(opts *O) {
			e := endpoint(opts)
			*e = endpointOverride(o, *e)
		})...)
	}
}

// newS3 returns the S3 client for artifact uploads. With a custom endpoint it
// addresses buckets by path, because emulators on loopback have no wildcard DNS
// for bucket-name host names.
func newS3(cfg aws.Config, o Options, optFns ...func(*s3.Options)) *s3.Client {
	return s3.NewFromConfig(cfg, withLast(optFns, func(so *s3.Options) {
		so.BaseEndpoint = endpointOverride(o, so.BaseEndpoint)
		if so.BaseEndpoint != nil {
			so.UsePathStyle = true
		}
	})...)
}

// newCloudWatch returns the CloudWatch client for alarm gates. With a custom
// endpoint it speaks awsJson 1.0 instead of the client's default CBOR, which
// emulators such as moto do not understand.
func newCloudWatch(cfg aws.Config, o Options, optFns ...func(*cloudwatch.Options)) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(cfg, withLast(optFns, func(co *cloudwatch.Options) {
		co.BaseEndpoint = endpointOverride(o, co.BaseEndpoint)
		if co.BaseEndpoint != nil {
			co.Protocol = awsjson.New10(cwschemas.GraniteServiceVersion20100801)
		}
	})...)
}

// newLambda returns the Lambda client, sent to the custom endpoint when one is set.
var newLambda = endpointOnly(lambda.NewFromConfig, func(o *lambda.Options) **string { return &o.BaseEndpoint })

// WithResponseTimeout is a per-call option that waits up to d for Lambda's
// answer instead of DefaultResponseTimeout: a synchronous Invoke answers only
// once the function has run, which may take up to its timeout (900 s at most).
func WithResponseTimeout(d time.Duration) func(*lambda.Options) {
	return func(lo *lambda.Options) {
		if c, ok := lo.HTTPClient.(*awshttp.BuildableClient); ok {
			lo.HTTPClient = c.WithTransportOptions(func(tr *http.Transport) { tr.ResponseHeaderTimeout = d })
		}
	}
}

// newSTS returns the STS client used to identify the caller.
var newSTS = endpointOnly(sts.NewFromConfig, func(o *sts.Options) **string { return &o.BaseEndpoint })

// newIAM returns the IAM client used for execution roles.
var newIAM = endpointOnly(iam.NewFromConfig, func(o *iam.Options) **string { return &o.BaseEndpoint })

// newCodeDeploy returns the CodeDeploy client for the codedeploy shift engine.
var newCodeDeploy = endpointOnly(codedeploy.NewFromConfig, func(o *codedeploy.Options) **string { return &o.BaseEndpoint })

// newLogs returns the CloudWatch Logs client that reads function logs and
// sets their retention.
var newLogs = endpointOnly(cloudwatchlogs.NewFromConfig, func(o *cloudwatchlogs.Options) **string { return &o.BaseEndpoint })

// newECR returns the ECR client, which reads the container images of
// image functions.
var newECR = endpointOnly(ecr.NewFromConfig, func(o *ecr.Options) **string { return &o.BaseEndpoint })

// newSQS returns the SQS client, which reads the queues of event sources.
var newSQS = endpointOnly(sqs.NewFromConfig, func(o *sqs.Options) **string { return &o.BaseEndpoint })
