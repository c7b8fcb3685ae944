package appspec

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/golden"
)

var renderCases = []struct {
	name string
	spec AppSpec
}{
	{"both-hooks", AppSpec{Name: "orders-api", Alias: "live", CurrentVersion: "41", TargetVersion: "42",
		Hooks: Hooks{BeforeAllowTraffic: "orders-smoke", AfterAllowTraffic: "orders-verify"}}},
	{"no-hooks", AppSpec{Name: "orders-api", Alias: "live", CurrentVersion: "1", TargetVersion: "2"}},
	{"after-only", AppSpec{Resource: "myLambdaFunction", Name: "my-function", Alias: "prod_2", CurrentVersion: "9", TargetVersion: "10",
		Hooks: Hooks{AfterAllowTraffic: "my-function-post"}}},
	{"arn", AppSpec{Name: "arn:aws:lambda:us-east-1:123456789012:function:orders-api", Alias: "live", CurrentVersion: "3", TargetVersion: "4",
		Hooks: Hooks{BeforeAllowTraffic: "arn:aws:lambda:us-east-1:123456789012:function:orders-smoke"}}},
	// Values YAML would read as other types stay strings.
	{"quoted", AppSpec{Resource: "true", Name: "1234", Alias: "live", CurrentVersion: "1", TargetVersion: "2",
		Hooks: Hooks{BeforeAllowTraffic: "null"}}},
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range renderCases {
		t.Run(tt.name, func(t *testing.T) {
			y, err := tt.spec.YAML()
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("render", tt.name+".yaml"), y)
			j, err := tt.spec.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("render", tt.name+".json"), j)
		})
	}
}

// TestRenderRoundTrip parses both renderings back into the same AppSpec,
// with the logical name the rendering chose.
func TestRenderRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tt := range renderCases {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.spec
			want.Resource = tt.spec.ResourceName()
			for _, render := range []func() ([]byte, error){tt.spec.YAML, tt.spec.JSON} {
				data, err := render()
				if err != nil {
					t.Fatal(err)
				}
				got, err := Parse(data, "appspec")
				if err != nil {
					t.Fatalf("parse %s: %v", data, err)
				}
				if got != want {
					t.Errorf("got  %+v\nwant %+v", got, want)
				}
			}
		})
	}
}

func TestResourceName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec AppSpec
		want string
	}{
		{AppSpec{Name: "orders-api"}, "orders-api"},
		{AppSpec{Name: "arn:aws:lambda:eu-west-1:123456789012:function:orders-api"}, "orders-api"},
		{AppSpec{Name: "arn:aws:lambda:eu-west-1:123456789012:function:orders-api:live"}, "orders-api"},
		{AppSpec{Name: "123456789012:function:orders-api"}, "123456789012:function:orders-api"},
		{AppSpec{Resource: "myLambdaFunction", Name: "orders-api"}, "myLambdaFunction"},
	}
	for _, tt := range tests {
		if got := tt.spec.ResourceName(); got != tt.want {
			t.Errorf("ResourceName() of %+v = %q, want %q", tt.spec, got, tt.want)
		}
	}
}

// TestParseHandwritten reads AppSpecs written the way CodeDeploy users
// write them and renders each in lamb's layout.
func TestParseHandwritten(t *testing.T) {
	t.Parallel()
	tests := map[string]AppSpec{
		"docs-example.yaml": {Resource: "myLambdaFunction", Name: "myLambdaFunction", Alias: "myLambdaFunctionAlias", CurrentVersion: "1", TargetVersion: "2",
			Hooks: Hooks{BeforeAllowTraffic: "LambdaFunctionToValidateBeforeTrafficShift", AfterAllowTraffic: "LambdaFunctionToValidateAfterTrafficShift"}},
		"docs-example.json": {Resource: "myLambdaFunction", Name: "myLambdaFunction", Alias: "myLambdaFunctionAlias", CurrentVersion: "1", TargetVersion: "2",
			Hooks: Hooks{BeforeAllowTraffic: "LambdaFunctionToValidateBeforeTrafficShift", AfterAllowTraffic: "LambdaFunctionToValidateAfterTrafficShift"}},
		"unquoted.yaml": {Resource: "orders-api", Name: "orders-api", Alias: "live", CurrentVersion: "41", TargetVersion: "42",
			Hooks: Hooks{BeforeAllowTraffic: "orders-smoke", AfterAllowTraffic: "orders-verify"}},
		"flow.yaml": {Resource: "myFunction", Name: "my-function", Alias: "live", CurrentVersion: "1", TargetVersion: "2",
			Hooks: Hooks{BeforeAllowTraffic: "my-function-pre"}},
		"no-hooks.yaml":    {Resource: "api", Name: "arn:aws:lambda:us-east-1:123456789012:function:orders-api", Alias: "prod_2", CurrentVersion: "7", TargetVersion: "10"},
		"empty-hooks.yaml": {Resource: "api", Name: "orders-api", Alias: "live", CurrentVersion: "1", TargetVersion: "2"},
		"compact.json": {Resource: "api", Name: "orders-api", Alias: "live", CurrentVersion: "3", TargetVersion: "4",
			Hooks: Hooks{AfterAllowTraffic: "orders-verify"}},
		"anchors.yaml": {Resource: "api", Name: "orders-api", Alias: "live", CurrentVersion: "1", TargetVersion: "2",
			Hooks: Hooks{BeforeAllowTraffic: "orders-api"}},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "handwritten", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Fatalf("%d files in testdata/handwritten, %d expected AppSpecs: keep them in step", len(files), len(tests))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			want, ok := tests[name]
			if !ok {
				t.Fatalf("no expected AppSpec for %s", name)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data, name)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
			y, err := got.YAML()
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("handwritten-rendered", name+".yaml"), y)
			if name == "docs-example.yaml" && string(y) != string(data) {
				t.Errorf("the rendering differs from CodeDeploy's own example:\n%s", y)
			}
			// CRLF line endings, as saved by editors on Windows, read the same.
			if crlf, err := Parse([]byte(strings.ReplaceAll(string(data), "\n", "\r\n")), name); err != nil || crlf != want {
				t.Errorf("with CRLF line endings: got %+v, %v", crlf, err)
			}
		})
	}
}

func TestSha256(t *testing.T) {
	t.Parallel()
	// A known vector: CodeDeploy compares the hex SHA-256 of the content.
	if got := ContentSha256([]byte("abc")); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("ContentSha256(abc) = %s", got)
	}
	spec := renderCases[0].spec
	got, err := spec.Sha256()
	if err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(filepath.Join("testdata", "render", "both-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Sha256() = %s, want %s, the hash of the YAML rendering", got, want)
	}
	other := spec
	other.TargetVersion = "43"
	if h, _ := other.Sha256(); h == got {
		t.Error("a different TargetVersion gave the same hash")
	}
	if _, err := (AppSpec{}).Sha256(); err == nil {
		t.Error("Sha256 of an invalid AppSpec succeeded")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := AppSpec{Name: "orders-api", Alias: "live", CurrentVersion: "1", TargetVersion: "2"}
	tests := []struct {
		name string
		edit func(*AppSpec)
		want string
	}{
		{"valid", func(*AppSpec) {}, ""},
		{"empty", func(a *AppSpec) { *a = AppSpec{} },
			`Resources[0].Properties.Name: missing: name the Lambda function to deploy
Resources[0].Properties.Alias: missing: name the alias whose traffic moves, such as live
Resources[0].Properties.CurrentVersion: missing: give the current (the alias's) version number, such as "3"
Resources[0].Properties.TargetVersion: missing: give the target version number, such as "3"`},
		{"same versions", func(a *AppSpec) { a.TargetVersion = "1" },
			"Resources[0].orders-api.Properties.TargetVersion: equals CurrentVersion 1: there is no traffic to move; give the new version"},
		{"latest target", func(a *AppSpec) { a.TargetVersion = "$LATEST" },
			"Resources[0].orders-api.Properties.TargetVersion: $LATEST cannot take part in a traffic shift: publish a version and give its number"},
		{"latest alias", func(a *AppSpec) { a.Alias = "$LATEST" },
			"Resources[0].orders-api.Properties.Alias: $LATEST is a version, not an alias: name the alias whose traffic moves, such as live"},
		{"numeric alias", func(a *AppSpec) { a.Alias = "2024" },
			`Resources[0].orders-api.Properties.Alias: "2024" is not an alias name: use 1 to 128 letters, digits, - and _, not only digits`},
		{"leading zero", func(a *AppSpec) { a.CurrentVersion = "01" },
			`Resources[0].orders-api.Properties.CurrentVersion: "01" is not a published version number: give a number such as "3"`},
		{"space in name", func(a *AppSpec) { a.Name = "orders api"; a.Resource = "api" },
			`Resources[0].api.Properties.Name: "orders api" is not a function name or ARN: remove the spaces`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := ok
			tt.edit(&spec)
			err := spec.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || err.Error() != tt.want {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
			if _, err := spec.YAML(); err == nil {
				t.Error("YAML() rendered an invalid AppSpec")
			}
			if _, err := spec.JSON(); err == nil {
				t.Error("JSON() rendered an invalid AppSpec")
			}
		})
	}
}
