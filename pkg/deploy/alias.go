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
	return ReadAlias(ctx, d.Lambda, function, alias)
}

// AliasGetter is the one Lambda call ReadAlias makes.
type AliasGetter interface {
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
}

// ReadAlias returns a function's alias with its routing, or nil when it
// does not exist. It is the one reader of aliases: deploy, rollback and the
// shift engines all see an alias the same way.
func ReadAlias(ctx context.Context, api AliasGetter, function, alias string) (*Alias, error) {
	a, err := api.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(function), Name: aws.String(alias)})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read alias %s of %s: %w", alias, function, err)
	}
	return AliasOf(a.Name, a.FunctionVersion, a.Description, a.RevisionId, a.RoutingConfig), nil
}

// AliasRecorder lists the Lambda calls RecordPrevious makes.
type AliasRecorder interface {
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
	UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, optFns ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error)
}

var _ AliasRecorder = (*lambda.Client)(nil)

// RecordPrevious records in the alias description that the alias left
// version previous, for an alias something other than lamb moved to
// version (CodeDeploy): the update names the description alone, so the
// alias keeps its version and routing, and Lambda's RevisionId, where it
// reports one, makes it fail rather than overwrite a move made since the
// read. An alias that no longer serves version alone is left as it is.
func RecordPrevious(ctx context.Context, api AliasRecorder, function, alias, version, previous string) error {
	a, err := api.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(function), Name: aws.String(alias)})
	if err != nil {
		return fmt.Errorf("read alias %s of %s to record version %s it left: %w", alias, function, previous, err)
	}
	got := AliasOf(a.Name, a.FunctionVersion, a.Description, a.RevisionId, a.RoutingConfig)
	if got.Version != version || len(got.Weights) > 0 {
		return fmt.Errorf("record the version alias %s of %s left: the alias serves %s %v, not version %s alone; set it with 'lamb rollback --to VERSION'", alias, function, got.Version, got.Weights, version)
	}
	record := aliasRecord(previous)
	if got.Description == record {
		return nil
	}
	in := &lambda.UpdateAliasInput{FunctionName: aws.String(function), Name: aws.String(alias), Description: aws.String(record)}
	if got.RevisionID != "" {
		in.RevisionId = aws.String(got.RevisionID)
	}
	if _, err := api.UpdateAlias(ctx, in); err != nil {
		return fmt.Errorf("record in alias %s of %s that it left version %s: %w", alias, function, previous, err)
	}
	return nil
}
