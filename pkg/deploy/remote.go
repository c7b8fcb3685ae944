package deploy

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Remote is a function's state in Lambda, as far as a deploy needs it.
type Remote struct {
	// Exists is false when the function is not there yet.
	Exists bool
	// Latest is the configuration of $LATEST.
	Latest *lambdatypes.FunctionConfiguration
	// Tags are the function's tags.
	Tags map[string]string
	// Alias is the deploy alias, nil when missing.
	Alias *Alias
	// AliasTarget is the configuration of the version the alias points at.
	AliasTarget *lambdatypes.FunctionConfiguration
	// ImageURI is the image $LATEST was deployed from, as it was named;
	// "" for a zip function.
	ImageURI string
}

// Alias is an alias and its routing.
type Alias struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Weights are the additional versions' shares of traffic (0–1).
	Weights     map[string]float64 `json:"weights,omitempty"`
	Description string             `json:"description,omitempty"`
	RevisionID  string             `json:"-"`
}

// AliasOf builds an Alias from the fields Lambda's alias answers carry.
func AliasOf(name, version, description, revision *string, rc *lambdatypes.AliasRoutingConfiguration) *Alias {
	a := &Alias{Name: aws.ToString(name), Version: aws.ToString(version), Description: aws.ToString(description), RevisionID: aws.ToString(revision)}
	if rc != nil && len(rc.AdditionalVersionWeights) > 0 {
		a.Weights = maps.Clone(rc.AdditionalVersionWeights)
	}
	return a
}

// Read returns the function's state: $LATEST with its tags, the alias, and
// the configuration of the version the alias points at — three reads at
// most, none for a function that does not exist yet beyond the first.
func (d *Deployer) Read(ctx context.Context, name, alias string) (Remote, error) {
	return ReadFunction(ctx, d.Lambda, name, alias)
}

// FunctionReader lists the Lambda reads ReadFunction makes.
type FunctionReader interface {
	GetFunction(ctx context.Context, in *lambda.GetFunctionInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
}

var _ FunctionReader = (*lambda.Client)(nil)

// ReadFunction is Read through a client that can only read, for callers
// that must not write (lamb plan).
func ReadFunction(ctx context.Context, api FunctionReader, name, alias string) (Remote, error) {
	out, err := api.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if isNotFound(err) {
		return Remote{}, nil
	}
	if err != nil {
		return Remote{}, fmt.Errorf("read function %s: %w", name, err)
	}
	r := Remote{Exists: true, Latest: out.Configuration, Tags: out.Tags}
	if out.Code != nil {
		r.ImageURI = aws.ToString(out.Code.ImageUri)
	}
	if alias == "" {
		return r, nil
	}
	a, err := api.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(name), Name: aws.String(alias)})
	if isNotFound(err) {
		return r, nil
	}
	if err != nil {
		return Remote{}, fmt.Errorf("read alias %s of %s: %w", alias, name, err)
	}
	r.Alias = AliasOf(a.Name, a.FunctionVersion, a.Description, a.RevisionId, a.RoutingConfig)
	if r.Alias.Version == "$LATEST" {
		r.AliasTarget = r.Latest
		return r, nil
	}
	v, err := api.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name), Qualifier: aws.String(r.Alias.Version)})
	if err != nil {
		return Remote{}, fmt.Errorf("read version %s of %s (alias %s): %w", r.Alias.Version, name, alias, err)
	}
	r.AliasTarget = v.Configuration
	return r, nil
}
