package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/progress"
)

// permissionsStep keeps the statements of the function's resource-based
// policies that let other services and accounts invoke it, after the
// alias step (the statements of qualifier alias live on the alias). Like
// extrasStep it runs on an up-to-date function, reads only when lamb.yaml
// lists permissions or lamb added some, and writes only what differs.
type permissionsStep struct{ api deploy.LambdaAPI }

func (permissionsStep) Name() string { return "permissions" }
func (permissionsStep) Skip(u *Unit) string {
	if permissionsSpec(u).None() {
		return "no invoke permissions"
	}
	return ""
}
func (s permissionsStep) Run(ctx context.Context, u *Unit) error {
	api, ok := s.api.(deploy.PermissionsAPI)
	if !ok {
		return fmt.Errorf("keep the invoke permissions of %s: the Lambda client lacks the calls", u.Function.Name)
	}
	changes, err := deploy.SyncPermissions(ctx, api, permissionsSpec(u))
	applied(u, changes)
	return err
}

// logsStep sets the retention of the function's log group, creating the
// group when it is missing, after the sync step (the function's logging
// configuration names the group).
type logsStep struct {
	logs   deploy.LogsAPI
	lambda deploy.LambdaAPI
}

func (logsStep) Name() string { return "logs" }
func (logsStep) Skip(u *Unit) string {
	if logsSpec(u).None() {
		return "no log retention"
	}
	return ""
}
func (s logsStep) Run(ctx context.Context, u *Unit) error {
	tags, ok := s.lambda.(deploy.OwnershipAPI)
	if s.logs == nil || !ok {
		return fmt.Errorf("set the log retention of %s: no CloudWatch Logs client", u.Function.Name)
	}
	changes, err := deploy.SyncLogs(ctx, s.logs, tags, logsSpec(u))
	applied(u, changes)
	return err
}

// applied reports changes made beside the function's configuration: the
// deploy report lists them with the configuration changes, and the
// function is no longer "up to date" once they are made.
func applied(u *Unit, changes []deploy.Change) {
	for _, c := range changes {
		u.Emit(progress.Event{Kind: progress.Advanced, Message: c.String()})
	}
	if len(changes) > 0 {
		u.Deploy.Plan.ConfigChanges = append(u.Deploy.Plan.ConfigChanges, changes...)
		u.Deploy.Plan.UpToDate = false
	}
}

// current is the function as the read step found it (its tags hold
// lamb's ownership record), with $LATEST as the sync step left it.
func current(u *Unit) deploy.Remote {
	r := u.Deploy.Remote
	if u.Deploy.Latest != nil {
		r.Latest = u.Deploy.Latest
	}
	return r
}

func permissionsSpec(u *Unit) deploy.PermissionsSpec {
	return deploy.PermissionsFrom(u.Function, current(u))
}

func logsSpec(u *Unit) deploy.LogsSpec {
	return deploy.LogsFrom(u.Function, current(u))
}

// planPermissionsStep says what the permissions step would change.
type planPermissionsStep struct {
	api     deploy.FunctionReader
	results map[*Unit]*PlanResult
}

func (planPermissionsStep) Name() string { return "permissions" }
func (planPermissionsStep) Skip(u *Unit) string {
	return permissionsStep{}.Skip(u)
}
func (s planPermissionsStep) Run(ctx context.Context, u *Unit) error {
	api, ok := s.api.(deploy.PolicyReader)
	if !ok {
		return errors.New("the Lambda client cannot read resource policies")
	}
	changes, err := deploy.PlanPermissions(ctx, api, permissionsSpec(u))
	s.results[u].ResourceChanges = append(s.results[u].ResourceChanges, changes...)
	return err
}

// planLogsStep says what the logs step would change.
type planLogsStep struct {
	api     deploy.LogGroupReader
	results map[*Unit]*PlanResult
}

func (planLogsStep) Name() string { return "logs" }
func (planLogsStep) Skip(u *Unit) string {
	return logsStep{}.Skip(u)
}
func (s planLogsStep) Run(ctx context.Context, u *Unit) error {
	if s.api == nil {
		return errors.New("no CloudWatch Logs client to read the log group")
	}
	changes, err := deploy.PlanLogs(ctx, s.api, logsSpec(u))
	s.results[u].ResourceChanges = append(s.results[u].ResourceChanges, changes...)
	return err
}

// LimitsInvokePermissions maps a lamb.yaml function's permissions onto
// what the checks read, with the statement IDs lamb would give them.
func LimitsInvokePermissions(fn *config.Function) []limits.InvokePermission {
	out := make([]limits.InvokePermission, len(fn.Permissions))
	for i, p := range fn.Permissions {
		out[i] = limits.InvokePermission{
			Field:     fmt.Sprintf("permissions[%d]", i),
			Principal: p.Principal, SourceArn: p.SourceArn, SourceAccount: p.SourceAccount, Action: p.Action,
			PrincipalOrgID: p.PrincipalOrgID, FunctionURLAuthType: p.FunctionURLAuthType, Qualifier: p.Qualifier,
			StatementID: deploy.StatementID(p),
		}
	}
	return out
}
