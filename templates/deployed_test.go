package templates

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// described is a deployed function whose strings YAML would read as
// something else if written plainly.
func described() deploy.Description {
	return deploy.Description{
		Settings: deploy.Desired{
			Name:             "orders-api",
			Runtime:          "nodejs22.x",
			Handler:          "src/index.handler",
			Role:             "arn:aws:iam::123456789012:role/orders",
			Description:      "yes: ${env:HOME} is literal # not a comment",
			Architecture:     "arm64",
			Memory:           512,
			Timeout:          30,
			EphemeralStorage: 1024,
			Environment:      map[string]string{},
			KMSKeyArn:        "arn:aws:kms:us-east-1:123456789012:key/abc",
			Tracing:          "Active",
			DeadLetter:       "arn:aws:sqs:us-east-1:123456789012:dlq",
			Layers:           []string{"arn:aws:lambda:us-east-1:123456789012:layer:shared:3"},
			SubnetIDs:        []string{"subnet-1", "subnet-2"},
			SecurityGroupIDs: []string{"sg-1"},
			Tags:             map[string]string{"team": "orders", "cost": "123", "on": "true"},
			// Lambda reports the package type of every function.
			Features: deploy.Features{PackageType: "Zip"},
		},
		EnvironmentNames: []string{"SECRET", "TABLE"},
		Aliases:          []string{"live"},
	}
}

func TestFromDeployedRoundTrips(t *testing.T) {
	t.Parallel()
	d := described()
	doc, err := FromDeployed("api", d)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "deployed.lamb.yaml", doc)

	env := map[string]string{"SECRET": "s3cr3t", "TABLE": "orders", "HOME": "/home/x"}
	cfg, err := config.Parse(t.Context(), doc, "lamb.yaml", config.LoadOptions{LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	if err != nil {
		t.Fatalf("the written lamb.yaml does not load: %v\n%s", err, doc)
	}
	fn := cfg.Functions[0]
	if fn.Key != "api" || fn.Deploy.Alias != "live" {
		t.Errorf("key %q alias %q, want api and live", fn.Key, fn.Deploy.Alias)
	}
	got := deploy.DesiredFrom(fn, fn.Role)
	want := d.Settings
	want.Environment = map[string]string{"SECRET": "s3cr3t", "TABLE": "orders"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings after the round trip:\n got %+v\nwant %+v", got, want)
	}
	if cs := deploy.ConfigChanges(want, got); len(cs) > 0 {
		t.Errorf("configuration changes after the round trip: %v", cs)
	}
}

func TestFromDeployedLeavesOutWhatIsUnset(t *testing.T) {
	t.Parallel()
	doc, err := FromDeployed("worker", deploy.Description{Settings: deploy.Desired{
		Name: "worker", Runtime: "python3.12", Handler: "app.handler", Role: "arn:aws:iam::123456789012:role/w",
		Architecture: "x86_64", Memory: 128, Timeout: 3, EphemeralStorage: 512, Tracing: "PassThrough",
	}, Aliases: []string{"live", "staging"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"environment", "tracing", "layers", "vpc", "tags", "deploy", "description", "kmsKeyArn", "deadLetter"} {
		if strings.Contains(string(doc), absent+":") {
			t.Errorf("%s written although unset (or, for deploy, with two aliases):\n%s", absent, doc)
		}
	}
	cfg, err := config.Parse(t.Context(), doc, "lamb.yaml", config.LoadOptions{})
	if err != nil {
		t.Fatalf("the written lamb.yaml does not load: %v\n%s", err, doc)
	}
	if got := cfg.Functions[0]; got.Name != "worker" || got.Deploy.Alias != config.DefaultAlias || len(got.Environment) != 0 {
		t.Errorf("function %+v", got)
	}
}

func TestFromDeployedRefusesAnUnusableKey(t *testing.T) {
	t.Parallel()
	if _, err := FromDeployed("-x", described()); err == nil || !strings.Contains(err.Error(), `"-x"`) {
		t.Errorf("err = %v, want one naming the key", err)
	}
}

func TestFromDeployedWritesNoEnvironmentValue(t *testing.T) {
	t.Parallel()
	d := described()
	// Describe never returns values; a caller's mistake must not leak them either.
	d.Settings.Environment = maps.Clone(map[string]string{"SECRET": "s3cr3t-value"})
	doc, err := FromDeployed("api", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "s3cr3t-value") {
		t.Errorf("an environment value was written:\n%s", doc)
	}
}

// TestFromDeployedLeavesLambsRoleToLamb: a role lamb made for the function
// stays lamb's to manage, so role is left out (plan then reads it).
func TestFromDeployedLeavesLambsRoleToLamb(t *testing.T) {
	t.Parallel()
	d := described()
	d.Settings.Role = "arn:aws:iam::123456789012:role/" + deploy.RoleName(d.Settings.Name)
	doc, err := FromDeployed("api", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "role: arn") || !strings.Contains(string(doc), "# role: left out: lamb made and manages orders-api-lamb-exec") {
		t.Errorf("lamb's own role is written, or the comment is missing:\n%s", doc)
	}
	cfg, err := config.Parse(t.Context(), doc, "lamb.yaml", config.LoadOptions{LookupEnv: func(string) (string, bool) { return "x", true }})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Functions[0].Role != "" {
		t.Errorf("role = %q, want none", cfg.Functions[0].Role)
	}
}
