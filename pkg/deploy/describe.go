package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// DescribeAPI lists the Lambda reads Describe makes.
type DescribeAPI interface {
	GetFunction(ctx context.Context, in *lambda.GetFunctionInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
	ListAliases(ctx context.Context, in *lambda.ListAliasesInput, optFns ...func(*lambda.Options)) (*lambda.ListAliasesOutput, error)
}

var _ DescribeAPI = (*lambda.Client)(nil)

// Description is a deployed function's settings, as lamb.yaml would hold
// them, without its environment values.
type Description struct {
	// Settings are $LATEST's settings that lamb owns, with Environment
	// left empty: its values are secrets, and only their names are kept.
	Settings Desired
	// EnvironmentNames are the names of its environment variables, sorted.
	EnvironmentNames []string
	// Aliases are the names of its aliases, sorted.
	Aliases []string
}

// FunctionNotFoundError says the function to describe does not exist in
// the region asked.
type FunctionNotFoundError struct {
	Name, Region string
}

func (e *FunctionNotFoundError) Error() string {
	return fmt.Sprintf("function %s not found in region %s: check the name, --region and --profile", e.Name, e.Region)
}

// Describe reads a deployed function's settings (GetFunction) and aliases
// (ListAliases). It makes no write. Tags under the reserved aws: prefix are
// left out, since lamb.yaml may not set them. region only names the region
// in a *FunctionNotFoundError.
func Describe(ctx context.Context, api DescribeAPI, name, region string) (Description, error) {
	out, err := api.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if isNotFound(err) {
		return Description{}, &FunctionNotFoundError{Name: name, Region: region}
	}
	if err != nil {
		return Description{}, fmt.Errorf("read function %s: %w", name, err)
	}
	c := out.Configuration
	if c == nil {
		return Description{}, fmt.Errorf("read function %s: Lambda returned no configuration", name)
	}
	if c.PackageType == lambdatypes.PackageTypeImage {
		return Description{}, fmt.Errorf("function %s is a container image (package type Image): lamb deploys zip functions only", name)
	}
	s := Deployed(c)
	names := slices.Sorted(maps.Keys(s.Environment))
	s.Environment = map[string]string{}
	s.Tags = map[string]string{}
	for k, v := range out.Tags {
		// lamb's own records are not settings to copy into lamb.yaml.
		if !strings.HasPrefix(k, "aws:") && k != OwnershipTag && k != EventsTag {
			s.Tags[k] = v
		}
	}
	d := Description{Settings: s, EnvironmentNames: names}
	pages := lambda.NewListAliasesPaginator(api, &lambda.ListAliasesInput{FunctionName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return Description{}, fmt.Errorf("list aliases of %s: %w", name, err)
		}
		for _, a := range page.Aliases {
			d.Aliases = append(d.Aliases, aws.ToString(a.Name))
		}
	}
	slices.Sort(d.Aliases)
	return d, nil
}
