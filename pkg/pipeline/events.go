package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
)

// eventsStep keeps the function's event source mappings on the deploy
// alias, after the alias step (the alias must exist). Before it maps a
// source it gives the execution role lamb manages the permissions the
// sources need, which Lambda checks when it creates a mapping; it removes
// them once no source is left. Like extrasStep it runs on an up-to-date
// function: a new batch size publishes nothing but must still be applied.
type eventsStep struct {
	d   *deploy.Deployer
	iam deploy.IAMAPI
}

func (eventsStep) Name() string { return "events" }
func (eventsStep) Skip(u *Unit) string {
	if eventsSpec(u).None() {
		return "no event sources"
	}
	return ""
}
func (s eventsStep) Run(ctx context.Context, u *Unit) error {
	fn := u.Function
	policies, managed := s.iam.(deploy.RolePolicyAPI)
	if fn.Role == "" && !managed {
		return errors.New("the IAM client cannot set the execution role's event source policy")
	}
	if fn.Role == "" && len(fn.Events) > 0 {
		cs, err := deploy.SyncEventPolicy(ctx, policies, fn.Name, fn.Events)
		if err != nil {
			return err
		}
		applied(u, cs)
	}
	cs, err := s.d.SyncEvents(ctx, eventsSpec(u))
	applied(u, cs)
	if err != nil {
		return err
	}
	if fn.Role == "" && len(fn.Events) == 0 {
		cs, err := deploy.SyncEventPolicy(ctx, policies, fn.Name, nil)
		if err != nil {
			return err
		}
		applied(u, cs)
	}
	return nil
}

// eventsSpec is what the unit's event sources should be, with the function
// as the read step found it and as the sync step left it.
func eventsSpec(u *Unit) deploy.EventsSpec {
	return deploy.EventsFrom(u.Function, current(u))
}

// planEventsStep says what the events step would change.
type planEventsStep struct {
	lambda  deploy.FunctionReader
	iam     deploy.RoleReader
	results map[*Unit]*PlanResult
}

func (planEventsStep) Name() string { return "events" }
func (planEventsStep) Skip(u *Unit) string {
	return eventsStep{}.Skip(u)
}
func (s planEventsStep) Run(ctx context.Context, u *Unit) error {
	api, ok := s.lambda.(deploy.EventsReader)
	if !ok {
		return errors.New("the Lambda client cannot list event source mappings")
	}
	changes, err := deploy.PlanEvents(ctx, api, eventsSpec(u))
	if err != nil {
		return err
	}
	if fn := u.Function; fn.Role == "" {
		r, ok := s.iam.(deploy.RolePolicyReader)
		if !ok {
			return errors.New("no IAM client to read the execution role's event source policy; set role in lamb.yaml")
		}
		var cs []deploy.Change
		if res := s.results[u]; res.Role == nil || !res.Role.Create {
			if cs, err = deploy.PlanEventPolicy(ctx, r, fn.Name, fn.Events); err != nil {
				return err
			}
		} else if deploy.EventPolicy(fn.Events) != "" {
			cs = []deploy.Change{{Field: "role.policy." + deploy.EventPolicyName, New: "(set)"}}
		}
		changes = append(cs, changes...)
	}
	s.results[u].EventChanges = changes
	return nil
}

// queueTimeouts reads the visibility timeout of every queue the functions
// read, when the pre-flight may call AWS; what it cannot read is noted.
func queueTimeouts(ctx context.Context, fns []*config.Function, o CheckOptions) (map[string]int, []string, error) {
	var arns []string
	for _, fn := range fns {
		for _, e := range fn.Events {
			if e.SQS != nil {
				arns = append(arns, e.SQS.Queue)
			}
		}
	}
	if len(arns) == 0 || o.Offline || o.Queues == nil {
		return nil, nil, nil
	}
	api, err := o.Queues(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, []string{fmt.Sprintf("visibility timeouts of event source queues not read from AWS: %v", err)}, nil
	}
	return deploy.VisibilityTimeouts(ctx, api, arns)
}

// LimitsEvents maps a lamb.yaml function onto what the event source checks
// read; visibility holds the queues' visibility timeouts as read (nil when
// not read).
func LimitsEvents(fn *config.Function, visibility map[string]int) limits.Events {
	e := limits.Events{Timeout: fn.Timeout, DeadLetter: fn.DeadLetter, OnSuccess: fn.Destinations.OnSuccess, OnFailure: fn.Destinations.OnFailure}
	for i, src := range fn.Events {
		s := limits.EventSource{Field: fmt.Sprintf("events[%d].%s", i, src.Kind()), Kind: src.Kind(), ARN: src.ARN()}
		if q := src.SQS; q != nil {
			s.BatchSize, s.Window, s.MaximumConcurrency, s.Filters = q.BatchSize, q.Window, q.MaximumConcurrency, len(q.Filters)
			if v, ok := visibility[q.Queue]; ok {
				s.VisibilityTimeout = &v
			}
		}
		if st := src.Stream(); st != nil {
			s.BatchSize, s.Window, s.Parallelization, s.Filters = st.BatchSize, st.Window, st.Parallelization, len(st.Filters)
			s.MaximumRetries, s.MaximumRecordAge, s.TumblingWindow = st.MaximumRetries, st.MaximumRecordAge, st.TumblingWindow
			s.StartingPosition, s.StartingTimestamp, s.OnFailure = st.StartingPosition, st.StartingTimestamp, st.OnFailure
		}
		e.Sources = append(e.Sources, s)
	}
	return e
}
