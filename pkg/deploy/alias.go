package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// aliasRecordPrefix starts the part of an alias description in which lamb
// records the version the alias left, so rollback knows where to go back
// without guessing "version − 1".
const aliasRecordPrefix = "lamb: previous="

// PreviousVersion returns the version an alias left, as lamb recorded it
// in the alias description, or "".
func PreviousVersion(a *Alias) string {
	if a == nil {
		return ""
	}
	i := strings.Index(a.Description, aliasRecordPrefix)
	if i < 0 {
		return ""
	}
	v := a.Description[i+len(aliasRecordPrefix):]
	if j := strings.IndexAny(v, " ;"); j >= 0 {
		v = v[:j]
	}
	return v
}

func aliasRecord(previous string) string {
	if previous == "" {
		return "lamb: created"
	}
	return aliasRecordPrefix + previous
}

// AliasMove is how an alias gets to a new version. The default moves it all
// at once; traffic-shifting engines plug in here.
type AliasMove interface {
	Move(ctx context.Context, function string, from *Alias, to string) error
}

// AllAtOnce moves the alias in one UpdateAlias call.
type AllAtOnce struct{ Deployer *Deployer }

// Move implements AliasMove.
func (m AllAtOnce) Move(ctx context.Context, function string, from *Alias, to string) error {
	return m.Deployer.PointAlias(ctx, function, from, to)
}

// EnsureAlias creates the alias at version when it is missing, leaves it
// when it already serves version alone, and otherwise moves it with move.
// It returns the version the alias left ("" when it was created or did not
// move).
func (d *Deployer) EnsureAlias(ctx context.Context, function, alias string, current *Alias, version string, move AliasMove) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if current == nil {
		_, err := d.Lambda.CreateAlias(ctx, &lambda.CreateAliasInput{
			FunctionName:    aws.String(function),
			Name:            aws.String(alias),
			FunctionVersion: aws.String(version),
			Description:     aws.String(aliasRecord("")),
		})
		if err != nil {
			return "", fmt.Errorf("create alias %s of %s at version %s: %w", alias, function, version, err)
		}
		return "", nil
	}
	if current.Version == version && len(current.Weights) == 0 {
		return "", nil
	}
	if move == nil {
		move = AllAtOnce{Deployer: d}
	}
	if err := move.Move(ctx, function, current, version); err != nil {
		return "", err
	}
	return current.Version, nil
}

// PointAlias sets the alias on version with no additional weights,
// recording the version it left. Lambda's RevisionId, where it reports one,
// makes the update fail rather than overwrite someone else's change.
func (d *Deployer) PointAlias(ctx context.Context, function string, from *Alias, version string) error {
	in := &lambda.UpdateAliasInput{
		FunctionName:    aws.String(function),
		Name:            aws.String(from.Name),
		FunctionVersion: aws.String(version),
		Description:     aws.String(aliasRecord(from.Version)),
		RoutingConfig:   &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
	}
	if from.RevisionID != "" {
		in.RevisionId = aws.String(from.RevisionID)
	}
	if _, err := d.Lambda.UpdateAlias(ctx, in); err != nil {
		return fmt.Errorf("move alias %s of %s from version %s to %s: %w", from.Name, function, from.Version, version, err)
	}
	return nil
}

// ReadAlias returns the alias, or nil when it does not exist.
func (d *Deployer) ReadAlias(ctx context.Context, function, alias string) (*Alias, error) {
	a, err := d.Lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(function), Name: aws.String(alias)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read alias %s of %s: %w", alias, function, err)
	}
	return aliasFrom(a.Name, a.FunctionVersion, a.Description, a.RevisionId, a.RoutingConfig), nil
}
