package pipeline

import (
	"context"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/progress"
)

// extrasStep keeps the function URL, reserved and provisioned concurrency
// and the asynchronous invocation settings in sync, after the alias step
// (the URL, provisioned concurrency and asynchronous settings live on the
// alias). Unlike the steps before it, it runs when the function is up to
// date: a change to these settings alone, such as a CORS origin, publishes
// nothing but must still be applied. It reads only what lamb.yaml sets or
// lamb created, and writes only what differs.
type extrasStep struct{ d *deploy.Deployer }

func (extrasStep) Name() string { return "extras" }
func (extrasStep) Skip(u *Unit) string {
	if extrasSpec(u).None() {
		return "no function URL, concurrency or asynchronous settings"
	}
	return ""
}
func (s extrasStep) Run(ctx context.Context, u *Unit) error {
	if url := u.Function.FunctionURL; url != nil && url.Public {
		u.Emit(progress.Event{Kind: progress.Advanced, Message: "the function URL is public (authType NONE): anyone may invoke " + u.Function.Name})
	}
	changes, err := s.d.SyncExtras(ctx, extrasSpec(u))
	applied(u, changes)
	return err
}

// extrasSpec is what the unit's extras should be, with the function as the
// read step found it (its tags hold lamb's ownership record) and as the
// sync step left it.
func extrasSpec(u *Unit) deploy.ExtrasSpec {
	return deploy.ExtrasFrom(u.Function, current(u))
}

// LimitsExtras maps a lamb.yaml function onto what the extras checks read.
func LimitsExtras(fn *config.Function) limits.Extras {
	return limits.Extras{
		PublicURL:   fn.FunctionURL != nil && fn.FunctionURL.AuthType == "NONE",
		Reserved:    fn.Concurrency.Reserved,
		Provisioned: fn.Concurrency.Provisioned,
		Retries:     fn.Async.Retries,
		MaxEventAge: fn.Async.MaxEventAge,
	}
}
