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
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
func newLambda(cfg aws.Config, o Options, optFns ...func(*lambda.Options)) *lambda.Client {
	return lambda.NewFromConfig(cfg, withLast(optFns, func(lo *lambda.Options) {
		lo.BaseEndpoint = endpointOverride(o, lo.BaseEndpoint)
	})...)
}

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
func newSTS(cfg aws.Config, o Options, optFns ...func(*sts.Options)) *sts.Client {
	return sts.NewFromConfig(cfg, withLast(optFns, func(so *sts.Options) {
		so.BaseEndpoint = endpointOverride(o, so.BaseEndpoint)
	})...)
}

// newIAM returns the IAM client used for execution roles.
func newIAM(cfg aws.Config, o Options, optFns ...func(*iam.Options)) *iam.Client {
	return iam.NewFromConfig(cfg, withLast(optFns, func(io *iam.Options) {
		io.BaseEndpoint = endpointOverride(o, io.BaseEndpoint)
	})...)
}

// newCodeDeploy returns the CodeDeploy client for the codedeploy shift engine.
func newCodeDeploy(cfg aws.Config, o Options, optFns ...func(*codedeploy.Options)) *codedeploy.Client {
	return codedeploy.NewFromConfig(cfg, withLast(optFns, func(co *codedeploy.Options) {
		co.BaseEndpoint = endpointOverride(o, co.BaseEndpoint)
	})...)
}

// newLogs returns the CloudWatch Logs client that reads function logs and
// sets their retention.
func newLogs(cfg aws.Config, o Options, optFns ...func(*cloudwatchlogs.Options)) *cloudwatchlogs.Client {
	return cloudwatchlogs.NewFromConfig(cfg, withLast(optFns, func(lo *cloudwatchlogs.Options) {
		lo.BaseEndpoint = endpointOverride(o, lo.BaseEndpoint)
	})...)
}
