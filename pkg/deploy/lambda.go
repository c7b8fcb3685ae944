package deploy

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/clock"
)

// LambdaAPI lists the Lambda calls deploy makes.
type LambdaAPI interface {
	GetFunction(ctx context.Context, in *lambda.GetFunctionInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
	CreateFunction(ctx context.Context, in *lambda.CreateFunctionInput, optFns ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error)
	UpdateFunctionConfiguration(ctx context.Context, in *lambda.UpdateFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error)
	UpdateFunctionCode(ctx context.Context, in *lambda.UpdateFunctionCodeInput, optFns ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error)
	PublishVersion(ctx context.Context, in *lambda.PublishVersionInput, optFns ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error)
	TagResource(ctx context.Context, in *lambda.TagResourceInput, optFns ...func(*lambda.Options)) (*lambda.TagResourceOutput, error)
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
	CreateAlias(ctx context.Context, in *lambda.CreateAliasInput, optFns ...func(*lambda.Options)) (*lambda.CreateAliasOutput, error)
	UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, optFns ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error)
	ListVersionsByFunction(ctx context.Context, in *lambda.ListVersionsByFunctionInput, optFns ...func(*lambda.Options)) (*lambda.ListVersionsByFunctionOutput, error)
	ListAliases(ctx context.Context, in *lambda.ListAliasesInput, optFns ...func(*lambda.Options)) (*lambda.ListAliasesOutput, error)
	DeleteFunction(ctx context.Context, in *lambda.DeleteFunctionInput, optFns ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error)
}

var _ LambdaAPI = (*lambda.Client)(nil)

// Deployer drives one Lambda account and region. Its zero timing fields
// take production defaults; tests shorten them and replace Sleep.
type Deployer struct {
	Lambda LambdaAPI
	// PollInterval spaces the reads while waiting for an update (default 1 s,
	// as the SDK's function-updated waiter does).
	PollInterval time.Duration
	// MaxWait bounds each wait for an update or a new function (default 5 min).
	MaxWait time.Duration
	// MaxConflictWait bounds the retries of a call that meets another
	// update in progress (default 2 min).
	MaxConflictWait time.Duration
	// Sleep waits d or until ctx ends; nil sleeps for real. Now is the clock
	// the waits measure against; nil is time.Now. Tests replace both.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	// RetryCreate wraps CreateFunction, e.g. to retry while a new execution
	// role is not yet assumable; nil calls it once.
	RetryCreate func(ctx context.Context, create func(context.Context) error) error
}

func (d *Deployer) pollInterval() time.Duration { return orDefault(d.PollInterval, time.Second) }
func (d *Deployer) maxWait() time.Duration      { return orDefault(d.MaxWait, 5*time.Minute) }
func (d *Deployer) maxConflictWait() time.Duration {
	return orDefault(d.MaxConflictWait, 2*time.Minute)
}

func orDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

func (d *Deployer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deployer) sleep(ctx context.Context, dur time.Duration) error {
	if d.Sleep != nil {
		return d.Sleep(ctx, dur)
	}
	return clock.Sleep(ctx, dur)
}

// jitter returns a random duration in [d/2, d), so that many functions
// retrying at once spread out.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)))
}

func isNotFound(err error) bool {
	var nf *lambdatypes.ResourceNotFoundException
	return errors.As(err, &nf)
}

func isConflict(err error) bool {
	var c *lambdatypes.ResourceConflictException
	return errors.As(err, &c)
}
