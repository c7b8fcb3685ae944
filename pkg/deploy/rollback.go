package deploy

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// RollbackRefusedError is a rollback lamb will not make; the alias is left
// as it was.
type RollbackRefusedError struct {
	Function string
	Alias    string
	// Reason says why, as a clause: "version 7 does not exist".
	Reason string
}

func (e *RollbackRefusedError) Error() string {
	return fmt.Sprintf("roll back alias %s of %s: %s", e.Alias, e.Function, e.Reason)
}

// RollbackResult says where a rollback took an alias.
//
// JSON fields (stable): alias, from (the version the alias served),
// fromWeights (its additional versions' shares, when it was split), to,
// moved (false when the alias already served only that version).
type RollbackResult struct {
	Alias       string             `json:"alias"`
	From        string             `json:"from"`
	FromWeights map[string]float64 `json:"fromWeights,omitempty"`
	To          string             `json:"to"`
	Moved       bool               `json:"moved"`
}

// RollbackAlias moves the alias back to version to, or when to is "" to
// the version lamb recorded that it left, but only to a
// published version that still exists: $LATEST, anything that is not a
// version number, and a version Lambda does not know (pruned, or never
// published) are refused with *RollbackRefusedError before the alias is
// touched. The move itself is PointAlias, so the version the alias leaves
// is recorded in turn and a second rollback undoes the first.
func (d *Deployer) RollbackAlias(ctx context.Context, function, alias, to string) (RollbackResult, error) {
	refuse := func(format string, args ...any) error {
		return &RollbackRefusedError{Function: function, Alias: alias, Reason: fmt.Sprintf(format, args...)}
	}
	a, err := d.ReadAlias(ctx, function, alias)
	if err != nil {
		return RollbackResult{}, err
	}
	if a == nil {
		return RollbackResult{}, refuse("the alias does not exist; deploy the function first")
	}
	res := RollbackResult{Alias: alias, From: a.Version, FromWeights: a.Weights}
	if to == "" {
		if to = PreviousVersion(a); to == "" {
			return res, refuse("lamb recorded no version the alias left (it serves version %s); name the version to go back to", a.Version)
		}
	}
	if to == "$LATEST" {
		return res, refuse("$LATEST is not a published version, and an alias on it would change with every deploy")
	}
	if n, err := strconv.Atoi(to); err != nil || n < 1 || strconv.Itoa(n) != to {
		return res, refuse("%q is not a version number", to)
	}
	res.To = to
	if to == a.Version && len(a.Weights) == 0 {
		return res, nil
	}
	// The qualifier is a number, so Lambda reads a version, never an alias.
	_, err = d.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(function), Qualifier: aws.String(to)})
	if isNotFound(err) {
		return res, refuse("version %s does not exist (pruned, or never published)", to)
	}
	if err != nil {
		return res, fmt.Errorf("read version %s of %s: %w", to, function, err)
	}
	if err := d.PointAlias(ctx, function, a, to); err != nil {
		return res, err
	}
	res.Moved = true
	return res, nil
}
