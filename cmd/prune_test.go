package cmd

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// publishedVersions lists the function's versions with the SDK directly.
func publishedVersions(t *testing.T, raw *lambda.Client) []string {
	t.Helper()
	out, err := raw.ListVersionsByFunction(t.Context(), &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("orders-api")})
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range out.Versions {
		if n := aws.ToString(v.Version); n != "$LATEST" {
			vs = append(vs, n)
		}
	}
	slices.Sort(vs)
	return vs
}

func TestPruneOnMoto(t *testing.T) {
	dir, env, raw := deployedThrice(t)
	ctx := t.Context()
	if _, err := raw.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String("beta"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	setLive := func(weights map[string]float64) {
		t.Helper()
		_, err := raw.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String("live"),
			FunctionVersion: aws.String("3"), RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: weights}})
		if err != nil {
			t.Fatal(err)
		}
	}
	prune := func(args ...string) pruneDocument {
		t.Helper()
		code, stdout, stderr := lambMoto(t, env, dir, append([]string{"prune", "api", "-o", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("prune %v: exit %d, %s", args, code, stderr)
		}
		return decode[pruneDocument](t, stdout)
	}

	// A dry run names what would go, and deletes nothing.
	doc := prune("--keep", "1", "--dry-run")
	if !doc.DryRun || doc.Keep != 1 || !slices.Equal(doc.Deleted, []string{"2"}) || !slices.Equal(doc.Protected, []string{"1"}) {
		t.Errorf("dry run = %+v; want 2 deleted, 1 protected (beta)", doc)
	}
	if got := publishedVersions(t, raw); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Fatalf("a dry run left versions %v, want 1 2 3", got)
	}

	// A version in live's routing config is as protected as beta's.
	setLive(map[string]float64{"2": 0.1})
	doc = prune("--keep", "1")
	if len(doc.Deleted) != 0 || !slices.Equal(doc.Protected, []string{"2", "1"}) {
		t.Errorf("prune with live split over 3 and 2 = %+v; want nothing deleted, 2 and 1 protected", doc)
	}
	if got := publishedVersions(t, raw); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Fatalf("versions %v, want 1 2 3", got)
	}

	// --keep defaults to deploy.keepVersions (1 in the stage "small").
	setLive(map[string]float64{})
	doc = prune("--stage", "small")
	if doc.DryRun || doc.Keep != 1 || !slices.Equal(doc.Deleted, []string{"2"}) || !slices.Equal(doc.Protected, []string{"1"}) {
		t.Errorf("prune = %+v; want keep 1, 2 deleted, 1 protected", doc)
	}
	if got := publishedVersions(t, raw); !slices.Equal(got, []string{"1", "3"}) {
		t.Errorf("after prune versions are %v, want 1 3", got)
	}

	code, stdout, stderr := lambMoto(t, env, dir, "prune", "api", "--keep", "1")
	want := "api (orders-api): keeping the newest 1\n  deleted    none\n  protected  1 (an alias routes to each)\n"
	if code != 0 || stdout != want {
		t.Errorf("prune text: exit %d, stderr %q, stdout\n%s\nwant\n%s", code, stderr, stdout, want)
	}
}
