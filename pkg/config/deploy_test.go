package config

import (
	"strings"
	"testing"
)

func TestStrategyIsValidated(t *testing.T) {
	tests := []struct {
		name, strategy string
		vars           map[string]string
		// want is the problem, "" when the strategy is fine.
		want string
	}{
		{"custom", "canary:2.5%:30s", nil, ""},
		{"predefined", "LambdaLinear10PercentEvery1Minute", nil, ""},
		{"misspelt kind", "canery:10%:5m", nil,
			`lamb.yaml:3:37: functions.api.deploy.strategy: strategy "canery:10%:5m": unknown kind "canery": write all-at-once, canary:P%:D, linear:P%:D (for example canary:10%:5m) or a CodeDeploy Lambda configuration name such as LambdaCanary10Percent5Minutes (did you mean "canary:10%:5m"?)`},
		{"misspelt name", "LambdaCanary10Percent5Minute", nil, `(did you mean "LambdaCanary10Percent5Minutes"?)`},
		{"no interval", "linear:10%", nil, "linear needs a percentage and an interval, as in linear:10%:5m"},
		{"from the environment", "${env:STRATEGY}", map[string]string{"STRATEGY": "canary:10%:5m"}, ""},
		// A value read from the environment is named by its reference.
		{"bad from the environment", "${env:STRATEGY}", map[string]string{"STRATEGY": "secret-canary"},
			"functions.api.deploy.strategy: ${env:STRATEGY} is not a strategy: write all-at-once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "functions:\n  api:\n    deploy: {alias: live, strategy: \"" + tt.strategy + "\"}\n"
			_, err := load(t, doc, LoadOptions{LookupEnv: env(tt.vars)})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("load: %v", err)
				}
				return
			}
			ps := problems(t, err)
			if len(ps) != 1 || !strings.Contains(ps[0].String(), tt.want) {
				t.Fatalf("problems = %v, want one saying %s", ps, tt.want)
			}
			if strings.Contains(err.Error(), "secret-canary") {
				t.Errorf("the problem shows the environment's value: %v", err)
			}
		})
	}
}

func TestGate(t *testing.T) {
	tests := []struct {
		name, gate string
		want       *Gate
	}{
		{"none", "", nil},
		{"defaults", "gate: {}", &Gate{MaxErrorRate: 0.01, MinInvocations: 20}},
		{"percentage", "gate: {maxErrorRate: 2.5%, minInvocations: 100}", &Gate{MaxErrorRate: 0.025, MinInvocations: 100}},
		{"fraction", "gate: {maxErrorRate: 0.05}", &Gate{MaxErrorRate: 0.05, MinInvocations: 20}},
		{"zero", "gate: {maxErrorRate: 0%, minInvocations: 0}", &Gate{MaxErrorRate: 0, MinInvocations: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fn(t, mustLoad(t, "functions:\n  api:\n    deploy: {"+tt.gate+"}\n", LoadOptions{}), "api")
			got := f.Deploy.Gate
			if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Errorf("gate = %+v, want %+v", got, tt.want)
			}
		})
	}

	for _, bad := range []string{"100%", "1", "1.5", "-1%", "05%", "ten", "[1]"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			_, err := load(t, "functions:\n  api:\n    deploy:\n      gate: {maxErrorRate: "+bad+"}\n", LoadOptions{})
			ps := problems(t, err)
			if len(ps) != 1 || ps[0].Path != "functions.api.deploy.gate.maxErrorRate" || ps[0].Line != 4 ||
				!strings.Contains(ps[0].Message, "expected a percentage such as 1% or 0.5%, or a fraction such as 0.01") {
				t.Errorf("problems = %v", ps)
			}
		})
	}
}

func TestPercentString(t *testing.T) {
	for p, want := range map[Percent]string{0.01: "1%", 0.005: "0.5%", 0.025: "2.5%", 0: "0%", 0.3: "30%"} {
		if got := p.String(); got != want {
			t.Errorf("Percent(%v) = %q, want %q", float64(p), got, want)
		}
	}
}
