package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Status is a function's state in Lambda as `lamb status` shows it: how
// $LATEST stands and where each alias routes.
//
// JSON fields (stable): name, state, stateReason, lastUpdateStatus,
// lastUpdateStatusReason, codeSha256, codeSize, lastModified, alias (the
// deploy alias's name), aliases (each: name, version, weights,
// description, previousVersion).
type Status struct {
	Name                   string `json:"name"`
	State                  string `json:"state"`
	StateReason            string `json:"stateReason,omitempty"`
	LastUpdateStatus       string `json:"lastUpdateStatus"`
	LastUpdateStatusReason string `json:"lastUpdateStatusReason,omitempty"`
	CodeSha256             string `json:"codeSha256"`
	CodeSize               int64  `json:"codeSize"`
	LastModified           string `json:"lastModified"`
	// Alias names the deploy alias; it is among Aliases once deployed.
	Alias   string        `json:"alias"`
	Aliases []AliasStatus `json:"aliases"`
	// Shift is the traffic shift recorded in progress on the deploy alias,
	// nil when there is none. The record's format belongs to the shift
	// engine (pkg/deploy/shift), so the caller fills this in.
	Shift *ShiftStatus `json:"shift,omitempty"`
}

// ShiftStatus is a traffic shift recorded in progress on an alias: running
// now, or left by a lamb that died, to be resumed or undone.
//
// JSON fields (stable): current, target (the versions), strategy, step,
// steps (step is the one last applied, 1-based), weight (the target's share
// at that step, 0–1), since (when that step was applied), previousVersion
// (where the alias was before the shift), mismatch (what the alias serves
// when someone else moved it since; lamb then neither resumes nor undoes
// the shift), problem (why the record cannot be read).
type ShiftStatus struct {
	Current         string    `json:"current,omitempty"`
	Target          string    `json:"target,omitempty"`
	Strategy        string    `json:"strategy,omitempty"`
	Step            int       `json:"step,omitempty"`
	Steps           int       `json:"steps,omitempty"`
	Weight          float64   `json:"weight,omitempty"`
	Since           time.Time `json:"since,omitzero"`
	PreviousVersion string    `json:"previousVersion,omitempty"`
	Mismatch        string    `json:"mismatch,omitempty"`
	Problem         string    `json:"problem,omitempty"`
}

// AliasStatus is an alias with the version lamb recorded it left.
type AliasStatus struct {
	Alias
	// PreviousVersion is where `lamb rollback` takes the alias by default;
	// "" when lamb recorded none.
	PreviousVersion string `json:"previousVersion,omitempty"`
}

// Status reads the function's $LATEST state and all its aliases; alias
// names the deploy alias. A function that does not exist is an error that
// matches *lambdatypes.ResourceNotFoundException.
func (d *Deployer) Status(ctx context.Context, function, alias string) (Status, error) {
	out, err := d.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(function)})
	if err != nil {
		return Status{}, fmt.Errorf("read function %s: %w", function, err)
	}
	c := out.Configuration
	if c == nil {
		return Status{}, fmt.Errorf("read function %s: Lambda returned no configuration", function)
	}
	s := Status{
		Name:                   function,
		State:                  string(c.State),
		StateReason:            aws.ToString(c.StateReason),
		LastUpdateStatus:       string(c.LastUpdateStatus),
		LastUpdateStatusReason: aws.ToString(c.LastUpdateStatusReason),
		CodeSha256:             aws.ToString(c.CodeSha256),
		CodeSize:               c.CodeSize,
		LastModified:           aws.ToString(c.LastModified),
		Alias:                  alias,
		Aliases:                []AliasStatus{},
	}
	aliases, err := d.aliases(ctx, function)
	if err != nil {
		return Status{}, err
	}
	for _, a := range aliases {
		s.Aliases = append(s.Aliases, AliasStatus{Alias: a, PreviousVersion: PreviousVersion(&a)})
	}
	slices.SortFunc(s.Aliases, func(a, b AliasStatus) int { return strings.Compare(a.Name, b.Name) })
	return s, nil
}
