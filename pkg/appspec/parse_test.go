package appspec

import (
	"errors"
	"strings"
	"testing"
)

// valid is an AppSpec whose lines the error cases below change one at a time.
const valid = `version: 0.0
Resources:
  - api:
      Type: AWS::Lambda::Function
      Properties:
        Name: orders-api
        Alias: live
        CurrentVersion: "1"
        TargetVersion: "2"
Hooks:
  - BeforeAllowTraffic: orders-smoke
  - AfterAllowTraffic: orders-verify
`

func TestParseErrors(t *testing.T) {
	t.Parallel()
	edit := func(old, new string) string {
		if !strings.Contains(valid, old) {
			panic("test edits a line that is not there: " + old)
		}
		return strings.Replace(valid, old, new, 1)
	}
	const props = "Resources[0].api.Properties"
	tests := []struct {
		name, input, want string
	}{
		{"current equals target", edit(`TargetVersion: "2"`, `TargetVersion: 1`),
			"appspec.yml:9:24: " + props + ".TargetVersion: equals CurrentVersion 1: there is no traffic to move; give the new version"},
		{"latest target", edit(`TargetVersion: "2"`, `TargetVersion: $LATEST`),
			"appspec.yml:9:24: " + props + ".TargetVersion: $LATEST cannot take part in a traffic shift: publish a version and give its number"},
		{"latest current", edit(`CurrentVersion: "1"`, `CurrentVersion: "$LATEST"`),
			"appspec.yml:8:25: " + props + ".CurrentVersion: $LATEST cannot take part in a traffic shift: publish a version and give its number"},
		{"non-numeric version", edit(`CurrentVersion: "1"`, `CurrentVersion: v1`),
			`appspec.yml:8:25: ` + props + `.CurrentVersion: "v1" is not a published version number: give a number such as "3"`},
		{"float version", edit(`TargetVersion: "2"`, `TargetVersion: 2.0`),
			`appspec.yml:9:24: ` + props + `.TargetVersion: "2.0" is not a published version number: give a number such as "3"`},
		{"missing alias", edit("        Alias: live\n", ""),
			"appspec.yml:5:7: " + props + ".Alias: missing: name the alias whose traffic moves, such as live"},
		{"empty alias", edit("Alias: live", "Alias:"),
			"appspec.yml:7:15: " + props + ".Alias: missing: name the alias whose traffic moves, such as live"},
		{"list as a name", edit("Name: orders-api", "Name: [orders-api]"),
			"appspec.yml:6:15: " + props + ".Name: must be a string, not a list"},
		{"unknown hook", edit("BeforeAllowTraffic:", "BeforeAllowTrafic:"),
			`appspec.yml:11:5: Hooks[0].BeforeAllowTrafic: unknown hook (did you mean "BeforeAllowTraffic"?)`},
		{"hook in other case", edit("BeforeAllowTraffic:", "beforeAllowTraffic:"),
			`appspec.yml:11:5: Hooks[0].beforeAllowTraffic: unknown hook: AppSpec keys are case-sensitive; write BeforeAllowTraffic`},
		{"far-off hook", edit("BeforeAllowTraffic:", "Smoke:"),
			`appspec.yml:11:5: Hooks[0].Smoke: unknown hook: expected BeforeAllowTraffic or AfterAllowTraffic`},
		{"ECS hook", edit("BeforeAllowTraffic:", "BeforeInstall:"),
			`appspec.yml:11:5: Hooks[0].BeforeInstall: BeforeInstall is not a Lambda hook: Lambda deployments run only BeforeAllowTraffic and AfterAllowTraffic`},
		{"hook twice", edit("AfterAllowTraffic:", "BeforeAllowTraffic:"),
			`appspec.yml:12:5: Hooks[1].BeforeAllowTraffic: given twice (first at line 11): keep one`},
		{"hook without function", edit("AfterAllowTraffic: orders-verify", "AfterAllowTraffic:"),
			`appspec.yml:12:23: Hooks[1].AfterAllowTraffic: missing: name the Lambda function to invoke, or remove the hook`},
		{"hooks as a mapping", edit("  - BeforeAllowTraffic: orders-smoke\n  - AfterAllowTraffic: orders-verify\n", "  BeforeAllowTraffic: orders-smoke\n"),
			`appspec.yml:11:3: Hooks: must be a list of single-key maps, as in - BeforeAllowTraffic: my-check`},
		{"two keys in one hook", edit("  - AfterAllowTraffic: orders-verify\n", "    AfterAllowTraffic: orders-verify\n"),
			`appspec.yml:11:5: Hooks[0]: each hook is a single-key map, as in - BeforeAllowTraffic: my-check`},
		{"several resources", edit("Hooks:", "  - web:\n      Type: AWS::Lambda::Function\nHooks:"),
			`appspec.yml:10:5: Resources[1]: a second resource: a Lambda AppSpec deploys one function (2 resources given); write one AppSpec per function`},
		{"wrong type", edit("Type: AWS::Lambda::Function", "Type: AWS::ECS::Service"),
			`appspec.yml:4:13: Resources[0].api.Type: "AWS::ECS::Service" is not a Lambda function: lamb deploys Lambda functions; use Type: AWS::Lambda::Function`},
		{"missing type", edit("      Type: AWS::Lambda::Function\n", ""),
			`appspec.yml:3:5: Resources[0].api.Type: missing: add Type: AWS::Lambda::Function`},
		{"unknown property", edit("Alias: live", "Alais: live"),
			`appspec.yml:7:9: ` + props + `.Alais: unknown key (did you mean "Alias"?)`},
		{"property twice", edit("Alias: live", "Alias: live\n        Alias: prod"),
			`appspec.yml:8:9: ` + props + `.Alias: given twice (first at line 7): keep one`},
		{"resources as a mapping", edit("  - api:\n      Type: AWS::Lambda::Function\n      Properties:\n        Name: orders-api\n        Alias: live\n        CurrentVersion: \"1\"\n        TargetVersion: \"2\"\n",
			"  api:\n    Type: AWS::Lambda::Function\n"),
			`appspec.yml:3:3: Resources: must be a list: write the resource as an item, - myFunction:, under Resources`},
		{"no resources", "version: 0.0\nResources: []\n",
			`appspec.yml:2:12: Resources: needs one item: the AWS::Lambda::Function to deploy`},
		{"version 1.0", edit("version: 0.0", "version: 1.0"),
			`appspec.yml:1:10: version: "1.0" is not supported: Lambda AppSpecs use version: 0.0`},
		{"version 0", edit("version: 0.0", "version: 0"),
			`appspec.yml:1:10: version: "0" is not supported: Lambda AppSpecs use version: 0.0`},
		{"empty version", edit("version: 0.0", "version:"),
			`appspec.yml:1:9: version: empty: write version: 0.0`},
		{"missing version", edit("version: 0.0\n", ""),
			`appspec.yml:1:1: version: missing: add version: 0.0 at the top`},
		{"key in other case", edit("Resources:", "resources:"),
			`appspec.yml:2:1: resources: unknown key: AppSpec keys are case-sensitive; write Resources`},
		{"unknown top-level key", valid + "files:\n  - source: /\n",
			`appspec.yml:13:1: files: unknown key: expected version, Resources or Hooks`},
		{"every problem at once", edit(`CurrentVersion: "1"`, `CurrentVersion: "$LATEST"`) + "os: linux\n",
			"appspec.yml:8:25: " + props + ".CurrentVersion: $LATEST cannot take part in a traffic shift: publish a version and give its number\n" +
				"appspec.yml:13:1: os: unknown key: expected version, Resources or Hooks"},
		{"syntax error", edit("Alias: live", "Alias: [live"),
			`appspec.yml:7:1: invalid YAML: did not find expected ',' or ']' (in the block or brackets that start on this line)`},
		{"tab indentation", edit("        Alias: live", "\tAlias: live"),
			`appspec.yml:7:1: invalid YAML: a tab indents this line: indent with spaces`},
		{"empty", "", `appspec.yml:1:1: the AppSpec is empty: start with version: 0.0, then Resources and Hooks`},
		{"comment only", "# nothing yet\n", `appspec.yml:1:1: the AppSpec is empty: start with version: 0.0, then Resources and Hooks`},
		{"a list", "- version: 0.0\n", `appspec.yml:1:1: an AppSpec is a mapping with version, Resources and Hooks`},
		{"second document", valid + "---\nversion: 0.0\n",
			`appspec.yml:13:1: a second YAML document starts here: an AppSpec is one document; remove the --- line and what follows`},
		{"JSON with a bad version", `{
  "version": 0.0,
  "Resources": [{"api": {"Type": "AWS::Lambda::Function",
    "Properties": {"Name": "orders-api", "Alias": "live",
      "CurrentVersion": "1",
      "TargetVersion": "two"}}}]
}`, `appspec.yml:6:24: ` + props + `.TargetVersion: "two" is not a published version number: give a number such as "3"`},
		{"JSON with a byte order mark and tabs", "\ufeff{\n\t\"version\": 0.0,\n\t\"Resources\": []\n}",
			`appspec.yml:3:15: Resources: needs one item: the AWS::Lambda::Function to deploy`},
		{"JSON with tabs and a bad hook", "{\n\t\"version\": \"0.0\",\n\t\"Resources\": [{\"api\": {\"Type\": \"AWS::Lambda::Function\",\n\t\t\"Properties\": {\"Name\": \"orders-api\", \"Alias\": \"live\", \"CurrentVersion\": \"1\", \"TargetVersion\": \"2\"}}}],\n\t\"Hooks\": [{\"AfterAllowTraffc\": \"orders-verify\"}]\n}\n",
			`appspec.yml:5:13: Hooks[0].AfterAllowTraffc: unknown hook (did you mean "AfterAllowTraffic"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := Parse([]byte(tt.input), "appspec.yml")
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %+v, %v; want a *ValidationError", spec, err)
			}
			if err.Error() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", err, tt.want)
			}
			if spec != (AppSpec{}) {
				t.Errorf("a failed parse returned %+v", spec)
			}
		})
	}
}

func TestParseValidBase(t *testing.T) {
	t.Parallel()
	// The error cases above are edits of this AppSpec: it must itself be valid.
	if _, err := Parse([]byte(valid), "appspec.yml"); err != nil {
		t.Fatal(err)
	}
}
