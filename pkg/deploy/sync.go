package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Sync makes $LATEST match the plan, with the code at loc (zip holds the
// bytes on the direct route): it creates the function (with its code,
// waiting until it is Active), or updates its configuration and then its
// code, each only when it differs, waiting for each update to settle. It
// returns $LATEST's configuration afterwards.
//
// An interruption (ctx) stops it between calls, never between an update and
// its wait: the function is always left settled.
func (d *Deployer) Sync(ctx context.Context, r Remote, p Plan, want Desired, loc CodeLocation, zip []byte) (*lambdatypes.FunctionConfiguration, error) {
	if !r.Exists {
		return d.create(ctx, want, loc.FunctionCode(zip))
	}
	name := want.Name
	cfg := r.Latest
	if len(p.ConfigChanges) > 0 {
		if _, err := d.waitSettled(ctx, name, ""); err != nil {
			return nil, err
		}
		err := d.retryConflict(ctx, name, "UpdateFunctionConfiguration", func(ctx context.Context) error {
			_, err := d.Lambda.UpdateFunctionConfiguration(ctx, updateConfigInput(want, p.ConfigChanges))
			return err
		})
		if err != nil {
			return nil, err
		}
		if cfg, err = d.waitSettled(ctx, name, ""); err != nil {
			return nil, err
		}
	}
	if p.CodeChanged || p.ArchitectureChanged {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		in := loc.UpdateFunctionCodeInput(name, zip)
		in.Architectures = want.architectures()
		err := d.retryConflict(ctx, name, "UpdateFunctionCode", func(ctx context.Context) error {
			_, err := d.Lambda.UpdateFunctionCode(ctx, in)
			return err
		})
		if err != nil {
			return nil, err
		}
		if cfg, err = d.waitSettled(ctx, name, ""); err != nil {
			return nil, err
		}
	}
	if len(p.TagChanges) > 0 {
		if err := d.tag(ctx, aws.ToString(cfg.FunctionArn), want.Tags); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

func (d *Deployer) create(ctx context.Context, want Desired, code *lambdatypes.FunctionCode) (*lambdatypes.FunctionConfiguration, error) {
	in := &lambda.CreateFunctionInput{
		FunctionName:     aws.String(want.Name),
		Runtime:          lambdatypes.Runtime(want.Runtime),
		Handler:          aws.String(want.Handler),
		Role:             aws.String(want.Role),
		Description:      aws.String(want.Description),
		MemorySize:       aws.Int32(want.Memory),
		Timeout:          aws.Int32(want.Timeout),
		EphemeralStorage: &lambdatypes.EphemeralStorage{Size: aws.Int32(want.EphemeralStorage)},
		Environment:      &lambdatypes.Environment{Variables: want.Environment},
		Architectures:    want.architectures(),
		TracingConfig:    &lambdatypes.TracingConfig{Mode: lambdatypes.TracingMode(want.Tracing)},
		Layers:           nonNil(want.Layers),
		VpcConfig:        want.vpcConfig(),
		Code:             code,
		Tags:             want.Tags,
	}
	if want.KMSKeyArn != "" {
		in.KMSKeyArn = aws.String(want.KMSKeyArn)
	}
	if want.DeadLetter != "" {
		in.DeadLetterConfig = want.deadLetterConfig()
	}
	want.Features.create(in)
	create := func(ctx context.Context) error {
		_, err := d.Lambda.CreateFunction(context.WithoutCancel(ctx), in)
		return err
	}
	var err error
	if d.RetryCreate != nil {
		err = d.RetryCreate(ctx, create)
	} else {
		err = create(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("create function %s: %w", want.Name, err)
	}
	return d.waitSettled(ctx, want.Name, "")
}

// updateConfigInput is the update of want's configuration; changed are the
// settings that differ, which decide whether the optional ones are sent.
func updateConfigInput(want Desired, changed []Change) *lambda.UpdateFunctionConfigurationInput {
	in := &lambda.UpdateFunctionConfigurationInput{
		FunctionName:     aws.String(want.Name),
		Runtime:          lambdatypes.Runtime(want.Runtime),
		Handler:          aws.String(want.Handler),
		Role:             aws.String(want.Role),
		Description:      aws.String(want.Description),
		MemorySize:       aws.Int32(want.Memory),
		Timeout:          aws.Int32(want.Timeout),
		EphemeralStorage: &lambdatypes.EphemeralStorage{Size: aws.Int32(want.EphemeralStorage)},
		// The whole map is replaced: a variable left out is removed.
		Environment:      &lambdatypes.Environment{Variables: want.Environment},
		TracingConfig:    &lambdatypes.TracingConfig{Mode: lambdatypes.TracingMode(want.Tracing)},
		Layers:           nonNil(want.Layers),
		VpcConfig:        want.vpcConfig(),
		KMSKeyArn:        aws.String(want.KMSKeyArn),
		DeadLetterConfig: want.deadLetterConfig(),
	}
	want.Features.update(in, changed)
	return in
}

func (d *Deployer) tag(ctx context.Context, arn string, tags map[string]string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := d.Lambda.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: tags}); err != nil {
		return fmt.Errorf("tag function %s: %w", arn, err)
	}
	return nil
}

// waitSettled polls the function (or a version of it) until it is Active
// with no update in progress, and returns its configuration. A Failed state
// or update is an error carrying Lambda's reason. The wait is not cut short
// by ctx: a started update is always waited for, within MaxWait.
func (d *Deployer) waitSettled(ctx context.Context, name, qualifier string) (*lambdatypes.FunctionConfiguration, error) {
	wctx := context.WithoutCancel(ctx)
	deadline := d.now().Add(d.maxWait())
	in := &lambda.GetFunctionInput{FunctionName: aws.String(name)}
	what := name
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
		what = name + ":" + qualifier
	}
	for {
		out, err := d.Lambda.GetFunction(wctx, in)
		if err != nil {
			return nil, fmt.Errorf("wait for %s to settle: GetFunction: %w", what, err)
		}
		c := out.Configuration
		switch {
		case c.State == lambdatypes.StateFailed:
			return nil, fmt.Errorf("function %s failed: %s (%s)", what, aws.ToString(c.StateReason), c.StateReasonCode)
		case c.LastUpdateStatus == lambdatypes.LastUpdateStatusFailed:
			return nil, fmt.Errorf("update of %s failed: %s (%s)", what, aws.ToString(c.LastUpdateStatusReason), c.LastUpdateStatusReasonCode)
		case c.State != lambdatypes.StatePending && c.LastUpdateStatus != lambdatypes.LastUpdateStatusInProgress:
			return c, nil
		}
		if d.now().After(deadline) {
			return nil, fmt.Errorf("wait for %s to settle: still %s/%s after %s", what, c.State, c.LastUpdateStatus, d.maxWait())
		}
		if err := d.sleep(wctx, d.pollInterval()); err != nil {
			return nil, fmt.Errorf("wait for %s to settle: %w", what, err)
		}
	}
}

// retryConflict runs call until it does not meet another update in
// progress (ResourceConflictException), waiting for the function to settle
// and backing off with jitter in between, for at most MaxConflictWait.
// ctx is checked before each attempt; an attempt once sent is not cut short
// by it, since Lambda may apply an update whose answer lamb then never
// reads, and lamb would stop between the update and its wait.
func (d *Deployer) retryConflict(ctx context.Context, name, op string, call func(context.Context) error) error {
	deadline := d.now().Add(d.maxConflictWait())
	backoff := d.pollInterval()
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := call(context.WithoutCancel(ctx))
		if err == nil {
			return nil
		}
		if !isConflict(err) {
			return fmt.Errorf("%s %s: %w", op, name, err)
		}
		if d.now().After(deadline) {
			return fmt.Errorf("%s %s: another update was still in progress after %d attempts over %s: %w", op, name, attempt, d.maxConflictWait(), err)
		}
		if _, werr := d.waitSettled(ctx, name, ""); werr != nil {
			return errors.Join(fmt.Errorf("%s %s: %w", op, name, err), werr)
		}
		if err := d.sleep(ctx, jitter(backoff)); err != nil {
			return err
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}
