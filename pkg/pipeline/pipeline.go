// Package pipeline runs lamb's work on each function as one unit flowing
// through named steps: package → measure layers → check today, and upload →
// sync → publish → alias → prune once deploy lands. Each step has a name, a
// skip condition and a run function; several functions run at once, up to a
// bound, and every step reports through the progress event stream.
//
// It maps lamb.yaml onto what the packager and the checks take, in one
// place. It leaves flags and rendering to cmd, and the work of each step to
// the packages it calls (packager, limits, deploy).
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
	"github.com/lambcli/lamb/pkg/progress"
)

// DefaultConcurrency is how many functions run at once when the caller
// does not say: packaging already uses every core per function, so a few
// at a time keep the machine busy without thrashing it.
const DefaultConcurrency = 4

// Unit is one function's work as it moves through the steps. Each step
// reads what earlier steps left and adds its own result.
type Unit struct {
	// Project is the whole lamb.yaml (its folder, defaults, other functions).
	Project *config.Config
	// Function is the function's resolved configuration (stage, defaults
	// and dotenv files applied).
	Function *config.Function

	// Manifest is the packaged bundle (step package); nil for a container
	// image, which Image describes instead (step image).
	Manifest *packager.Manifest
	Image    *limits.Image
	// Layers are the function's measured layers (step measure layers).
	Layers []limits.Layer
	// Report holds the pre-flight findings (step check).
	Report limits.FunctionReport
	// Notes say what a step could not do and why (a layer not measured).
	Notes []string

	// Deploy is the unit's AWS side (the deploy steps fill it).
	Deploy DeployState
	// Err is why the unit failed, when the runner keeps going past failures.
	Err error
	// Took is the time the unit's steps took in the last run.
	Took time.Duration

	events progress.Sink
	step   string
	// layers are the local layers of the run, packaged before the units.
	layers *layerSet
}

// Key is the function's key in lamb.yaml.
func (u *Unit) Key() string { return u.Function.Key }

// Emit reports an event of the step running now on this unit; the function
// and step are filled in.
func (u *Unit) Emit(e progress.Event) {
	e.Function, e.Step = u.Key(), u.step
	progress.OrDiscard(u.events).Event(e)
}

// Step is one named piece of a function's work.
type Step interface {
	// Name names the step in progress events and errors ("package").
	Name() string
	// Skip returns why the step does not apply to u, or "" to run it.
	Skip(u *Unit) string
	// Run does the step's work on u; it must stop when ctx is done.
	Run(ctx context.Context, u *Unit) error
}

// describer is a step that says what it is about to do to a unit, for the
// step's Started event ("packaging services/api").
type describer interface {
	Describe(u *Unit) string
}

// Runner runs steps over units.
type Runner struct {
	Steps []Step
	// Concurrency bounds how many units run at once; 0 means DefaultConcurrency.
	Concurrency int
	// Events receives every step's events; nil discards them.
	Events progress.Sink
	// Now is the clock for elapsed times; nil means time.Now.
	Now func() time.Time
	// KeepGoing lets the other units run on when one fails: each failure is
	// kept in its unit's Err and all are returned together. Without it the
	// first failure stops the others.
	KeepGoing bool
}

// Run takes every unit through the steps in order, several units at once.
// The first failure stops the other units (through ctx) and is returned as
// "<step> <function>: <cause>".
func (r *Runner) Run(ctx context.Context, units []*Unit) error {
	// The group's context ends when Wait returns, so the caller's is kept
	// to tell an interruption from a finished run.
	parent := ctx
	var g *errgroup.Group
	if r.KeepGoing {
		g = &errgroup.Group{}
	} else {
		g, ctx = errgroup.WithContext(ctx)
	}
	n := r.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	g.SetLimit(n)
	for _, u := range units {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			err := r.runUnit(ctx, u)
			if r.KeepGoing {
				u.Err = err
				return nil
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if r.KeepGoing {
		var errs []error
		for _, u := range units {
			if u.Err != nil {
				errs = append(errs, u.Err)
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	return parent.Err()
}

func (r *Runner) runUnit(ctx context.Context, u *Unit) error {
	now := r.Now
	if now == nil {
		now = time.Now
	}
	u.events = progress.OrDiscard(r.Events)
	runStart := now()
	defer func() { u.Took = now().Sub(runStart) }()
	for _, s := range r.Steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		u.step = s.Name()
		if why := s.Skip(u); why != "" {
			u.Emit(progress.Event{Kind: progress.Skipped, Message: why})
			continue
		}
		start := now()
		started := progress.Event{Kind: progress.Started}
		if d, ok := s.(describer); ok {
			started.Message = d.Describe(u)
		}
		u.Emit(started)
		if err := s.Run(ctx, u); err != nil {
			u.Emit(progress.Event{Kind: progress.Failed, Err: err, Elapsed: now().Sub(start)})
			return fmt.Errorf("%s %s: %w", s.Name(), u.Key(), err)
		}
		u.Emit(progress.Event{Kind: progress.Finished, Elapsed: now().Sub(start)})
	}
	return nil
}

// NewUnits returns one unit per function, in order.
func NewUnits(cfg *config.Config, fns []*config.Function) []*Unit {
	units := make([]*Unit, len(fns))
	for i, fn := range fns {
		units[i] = &Unit{Project: cfg, Function: fn}
	}
	return units
}
