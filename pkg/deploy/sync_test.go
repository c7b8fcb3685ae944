package deploy

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// deployOnce runs read → plan → sync → publish → alias as lamb deploy does
// and returns the plan and the version the alias is on.
func deployOnce(t *testing.T, d *Deployer, want Desired, zipBytes []byte, sha string) (Plan, string) {
	t.Helper()
	ctx := t.Context()
	r, err := d.Read(ctx, want.Name, "live")
	if err != nil {
		t.Fatal(err)
	}
	p := PlanFunction(r, want, sha, "live")
	if p.UpToDate {
		return p, r.Alias.Version
	}
	latest, err := d.Sync(ctx, r, p, want, CodeLocation{ZipFile: true}, zipBytes)
	if err != nil {
		t.Fatal(err)
	}
	v, err := d.Publish(ctx, latest, want, sha, VersionDescription("test", "sha256:abc", "", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.EnsureAlias(ctx, want.Name, "live", r.Alias, v, nil); err != nil {
		t.Fatal(err)
	}
	return p, v
}

func TestDeployCreateUpdateNoOpAndConfigChange(t *testing.T) {
	d, counted, raw, env := motoDeployer(t)
	want := desired(env, "orders-api")
	zip1, sha1 := bundle(t, "exports.handler = async () => 1;\n")

	p, v := deployOnce(t, d, want, zip1, sha1)
	if !p.Create || v != "1" {
		t.Fatalf("first deploy: create=%v version=%s, want a created function on version 1", p.Create, v)
	}
	got, err := raw.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("orders-api"), Qualifier: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Configuration.CodeSha256) != sha1 || aws.ToString(got.Configuration.Version) != "1" {
		t.Errorf("alias live serves %s at version %s, want %s at 1", aws.ToString(got.Configuration.CodeSha256), aws.ToString(got.Configuration.Version), sha1)
	}

	// Unchanged: up to date, three reads, zero writes.
	counted.reset()
	p, v = deployOnce(t, d, want, zip1, sha1)
	if !p.UpToDate || v != "1" {
		t.Fatalf("redeploy: upToDate=%v version=%s, want up to date on 1", p.UpToDate, v)
	}
	if w := counted.writes(); len(w) != 0 {
		t.Errorf("an unchanged redeploy wrote %q, want no writes", w)
	}
	if n := len(counted.calls); n > 3 {
		t.Errorf("an unchanged redeploy made %d reads (%q), want at most 3", n, counted.calls)
	}

	// A configuration change alone publishes a new version.
	counted.reset()
	want.Memory = 512
	p, v = deployOnce(t, d, want, zip1, sha1)
	if p.CodeChanged || len(p.ConfigChanges) != 1 || p.ConfigChanges[0].Field != "memory" || v != "2" {
		t.Fatalf("config change: plan %+v, version %s; want only memory changed and version 2", p, v)
	}
	if w := counted.writes(); !slices.Equal(w, []string{"UpdateFunctionConfiguration", "PublishVersion", "UpdateAlias"}) {
		t.Errorf("config change wrote %q", w)
	}

	// New code: version 3, the alias records it left 2.
	zip2, sha2 := bundle(t, "exports.handler = async () => 2;\n")
	p, v = deployOnce(t, d, want, zip2, sha2)
	if !p.CodeChanged || v != "3" {
		t.Fatalf("code change: plan %+v version %s", p, v)
	}
	a, err := raw.GetAlias(t.Context(), &lambda.GetAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String("live")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(a.FunctionVersion) != "3" || PreviousVersion(AliasOf(a.Name, a.FunctionVersion, a.Description, a.RevisionId, a.RoutingConfig)) != "2" {
		t.Errorf("alias = version %s, description %q; want 3 recording 2", aws.ToString(a.FunctionVersion), aws.ToString(a.Description))
	}

	// Rollback goes to the recorded version, read back independently.
	rb, err := d.RollbackAlias(t.Context(), "orders-api", "live", "")
	if err != nil || rb.To != "2" {
		t.Fatalf("rollback = %+v, %v; want 2", rb, err)
	}
	a, err = raw.GetAlias(t.Context(), &lambda.GetAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String("live")})
	if err != nil || aws.ToString(a.FunctionVersion) != "2" {
		t.Fatalf("after rollback alias is on %s (%v), want 2", aws.ToString(a.FunctionVersion), err)
	}
}

func TestEnvironmentValuesNeverInThePlan(t *testing.T) {
	t.Parallel()
	old := Desired{Environment: map[string]string{"A": "secret-1", "B": "secret-2"}}.withDefaults()
	new := Desired{Environment: map[string]string{"A": "secret-3", "C": "secret-4"}}.withDefaults()
	for _, c := range ConfigChanges(old, new) {
		for _, s := range []string{"secret-1", "secret-2", "secret-3", "secret-4"} {
			if c.Old == s || c.New == s || strings.Contains(c.String(), s) {
				t.Errorf("change %q shows a value", c)
			}
		}
	}
	got := EnvironmentChanges(old.Environment, new.Environment)
	want := []Change{{Field: "environment.A", Old: "(set)", New: "(changed)"}, {Field: "environment.B", Old: "(set)"}, {Field: "environment.C", New: "(set)"}}
	if !slices.Equal(got, want) {
		t.Errorf("environment changes = %+v, want %+v", got, want)
	}
}

func TestPruneNeverDeletesAnAliasedVersion(t *testing.T) {
	d, _, raw, env := motoDeployer(t)
	want := desired(env, "pruned")
	for i := range 5 {
		z, sha := bundle(t, "exports.handler = async () => "+string(rune('a'+i))+";\n")
		deployOnce(t, d, want, z, sha)
	}
	// A second alias keeps version 1 in use.
	if _, err := raw.CreateAlias(t.Context(), &lambda.CreateAliasInput{FunctionName: aws.String("pruned"), Name: aws.String("old"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	res, err := d.Prune(t.Context(), "pruned", 2, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Deleted, []string{"3", "2"}) || !slices.Equal(res.Protected, []string{"1"}) {
		t.Fatalf("dry run = %+v, want 3 and 2 deleted, 1 protected", res)
	}
	if _, err := d.Prune(t.Context(), "pruned", 2, false); err != nil {
		t.Fatal(err)
	}
	out, err := raw.ListVersionsByFunction(t.Context(), &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("pruned")})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, v := range out.Versions {
		left = append(left, aws.ToString(v.Version))
	}
	slices.Sort(left)
	if !slices.Equal(left, []string{"$LATEST", "1", "4", "5"}) {
		t.Errorf("versions left = %q, want $LATEST 1 4 5", left)
	}
}
