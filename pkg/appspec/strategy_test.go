package appspec

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// steps builds the expected steps from weights in percent: every step but
// the last waits wait.
func steps(wait time.Duration, percents ...float64) []Step {
	out := make([]Step, len(percents))
	for i, p := range percents {
		out[i] = Step{Weight: p / 100, Wait: wait}
	}
	out[len(out)-1].Wait = 0
	return out
}

func TestParseStrategyPredefined(t *testing.T) {
	t.Parallel()
	linear := func(wait time.Duration) []Step {
		return steps(wait, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
	}
	tests := []struct {
		name  string
		kind  Kind
		steps []Step
	}{
		{"LambdaAllAtOnce", AllAtOnce, []Step{{Weight: 1}}},
		{"LambdaCanary10Percent5Minutes", Canary, steps(5*time.Minute, 10, 100)},
		{"LambdaCanary10Percent10Minutes", Canary, steps(10*time.Minute, 10, 100)},
		{"LambdaCanary10Percent15Minutes", Canary, steps(15*time.Minute, 10, 100)},
		{"LambdaCanary10Percent30Minutes", Canary, steps(30*time.Minute, 10, 100)},
		{"LambdaLinear10PercentEvery1Minute", Linear, linear(time.Minute)},
		{"LambdaLinear10PercentEvery2Minutes", Linear, linear(2 * time.Minute)},
		{"LambdaLinear10PercentEvery3Minutes", Linear, linear(3 * time.Minute)},
		{"LambdaLinear10PercentEvery10Minutes", Linear, linear(10 * time.Minute)},
	}
	if len(tests) != len(PredefinedNames()) {
		t.Fatalf("test covers %d predefined configurations, package defines %d", len(tests), len(PredefinedNames()))
	}
	for _, tt := range tests {
		full := CodeDeployPrefix + tt.name
		for _, input := range []string{tt.name, full, strings.ToLower(full), " " + tt.name + " "} {
			t.Run(input, func(t *testing.T) {
				s, err := ParseStrategy(input)
				if err != nil {
					t.Fatal(err)
				}
				if s.Kind != tt.kind || s.PredefinedName != full {
					t.Errorf("got kind %v, predefined %q; want %v, %q", s.Kind, s.PredefinedName, tt.kind, full)
				}
				if got := s.Steps(); !reflect.DeepEqual(got, tt.steps) {
					t.Errorf("steps:\n got %v\nwant %v", got, tt.steps)
				}
				if s.String() != full {
					t.Errorf("String() = %q, want %q", s.String(), full)
				}
				cfg, err := s.CodeDeployConfig()
				if err != nil || cfg.Name != full || !cfg.Predefined {
					t.Errorf("CodeDeployConfig() = %+v, %v; want predefined %s", cfg, err, full)
				}
			})
		}
	}
}

func TestParseStrategyCustom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input, canonical string
		steps            []Step
	}{
		{"all-at-once", "all-at-once", []Step{{Weight: 1}}},
		{"ALL-AT-ONCE", "all-at-once", []Step{{Weight: 1}}},
		{"canary:10%:5m", "canary:10%:5m", steps(5*time.Minute, 10, 100)},
		{"canary:10%:30s", "canary:10%:30s", steps(30*time.Second, 10, 100)},
		{"Canary:1%:1m", "canary:1%:1m", steps(time.Minute, 1, 100)},
		{"canary:0001%:1m", "canary:1%:1m", steps(time.Minute, 1, 100)},
		{"canary:99%:2m", "canary:99%:2m", steps(2*time.Minute, 99, 100)},
		{"canary:33%:90s", "canary:33%:1m30s", steps(90*time.Second, 33, 100)},
		{"canary:2.5%:5m", "canary:2.5%:5m", steps(5*time.Minute, 2.5, 100)},
		{"canary:0.25%:1h30m", "canary:0.25%:1h30m", steps(90*time.Minute, 0.25, 100)},
		{"canary:10:5m", "canary:10%:5m", steps(5*time.Minute, 10, 100)},
		{" canary : 10% : 5m ", "canary:10%:5m", steps(5*time.Minute, 10, 100)},
		{"linear:25%:1m", "linear:25%:1m", steps(time.Minute, 25, 50, 75, 100)},
		{"linear:30%:1m", "linear:30%:1m", steps(time.Minute, 30, 60, 90, 100)},
		{"linear:33%:2m", "linear:33%:2m", steps(2*time.Minute, 33, 66, 99, 100)},
		{"linear:99%:10s", "linear:99%:10s", steps(10*time.Second, 99, 100)},
		{"linear:50%:1m", "linear:50%:1m", steps(time.Minute, 50, 100)},
		{"linear:40.5%:1m", "linear:40.5%:1m", steps(time.Minute, 40.5, 81, 100)},
		{"linear:12.5%:1m", "linear:12.5%:1m", steps(time.Minute, 12.5, 25, 37.5, 50, 62.5, 75, 87.5, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			s, err := ParseStrategy(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != tt.canonical {
				t.Errorf("String() = %q, want %q", s.String(), tt.canonical)
			}
			if got := s.Steps(); !reflect.DeepEqual(got, tt.steps) {
				t.Errorf("steps:\n got %v\nwant %v", got, tt.steps)
			}
			again, err := ParseStrategy(s.String())
			if err != nil || again != s {
				t.Errorf("ParseStrategy(%q) = %+v, %v; want %+v", s.String(), again, err, s)
			}
		})
	}
}

// TestStepWeightsAreExactDecimals checks every weight Lambda receives is
// written with at most four decimals: adding P/100 repeatedly in floats
// gives weights such as 0.30000000000000004.
func TestStepWeightsAreExactDecimals(t *testing.T) {
	t.Parallel()
	for _, input := range []string{"linear:0.01%:1s", "linear:0.07%:1s", "linear:0.1%:1s", "linear:2.5%:1s", "linear:3.33%:1s", "linear:10%:1s", "linear:33%:1s", "canary:0.29%:1s", "canary:56.7%:1s"} {
		t.Run(input, func(t *testing.T) {
			s, err := ParseStrategy(input)
			if err != nil {
				t.Fatal(err)
			}
			got := s.Steps()
			last := 0.0
			for i, step := range got {
				text := strconv.FormatFloat(step.Weight, 'f', -1, 64)
				if _, frac, _ := strings.Cut(text, "."); len(frac) > 4 {
					t.Fatalf("step %d weight %s has more than four decimals", i, text)
				}
				if step.Weight <= last || step.Weight > 1 {
					t.Fatalf("step %d weight %s does not rise above %v within 0..1", i, text, last)
				}
				last = step.Weight
			}
			if last != 1 || got[len(got)-1].Wait != 0 {
				t.Errorf("last step = %+v, want weight 1 and no wait", got[len(got)-1])
			}
		})
	}
}

func TestParseStrategyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input, reason, suggestion string
	}{
		{"", "empty: " + syntaxHelp, ""},
		{"canary:0%:5m", "percentage 0% must be above 0%", ""},
		{"canary:0.00%:5m", "percentage 0.00% must be above 0%", ""},
		{"canary:100%:5m", "percentage 100% moves all traffic at once: write all-at-once", ""},
		{"linear:150%:1m", "percentage 150% must be below 100%", ""},
		{"linear:1000000%:1m", "percentage 1000000% must be below 100%", ""},
		{"canary:2.555%:5m", "percentage 2.555% has more than two decimals: lamb shifts traffic in steps of 0.01%", ""},
		{"canary:-5%:5m", `percentage "-5%" is not a number: write it as 10% or 2.5%`, ""},
		{"canary:ten%:5m", `percentage "ten%" is not a number: write it as 10% or 2.5%`, ""},
		{"canary", "canary needs a percentage and an interval, as in canary:10%:5m", ""},
		{"linear:10%", "linear needs a percentage and an interval, as in linear:10%:5m", ""},
		{"canary:10%:5m:1m", "canary needs a percentage and an interval, as in canary:10%:5m", ""},
		{"canary:10%:", "the interval is missing: write it as 30s, 5m or 1h", ""},
		{"canary:10%:5", `interval "5" has no unit: write 5m for minutes or 5s for seconds`, ""},
		{"canary:10%:5x", `interval "5x" is not a duration: write it as 30s, 5m or 1h30m`, ""},
		{"canary:10%:0s", "interval 0s must be longer than 0s", ""},
		{"canary:10%:-5m", "interval -5m must be longer than 0s", ""},
		{"canary:10%:1500ms", "interval 1500ms is not a whole number of seconds", ""},
		{"all-at-once:100%", "all-at-once takes no percentage or interval", "all-at-once"},
		{"canery:10%:5m", `unknown kind "canery": ` + syntaxHelp, "canary:10%:5m"},
		{"liner:10%:1m", `unknown kind "liner": ` + syntaxHelp, "linear:10%:1m"},
		{"blue-green:10%:1m", `unknown kind "blue-green": ` + syntaxHelp, ""},
		{"LambdaCanary10Percent5Minute", "CodeDeploy defines no configuration of that name for Lambda", "LambdaCanary10Percent5Minutes"},
		{"LambdaLinear10PercentEvery1Minutes", "CodeDeploy defines no configuration of that name for Lambda", "LambdaLinear10PercentEvery1Minute"},
		{"CodeDeployDefault.LambdaLinear10PercentEvery1Minutes", "CodeDeploy defines no configuration of that name for Lambda", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"},
		{"CodeDeployDefault.ECSCanary10Percent15Minutes", "CodeDeploy defines no configuration of that name for Lambda", "CodeDeployDefault.LambdaCanary10Percent15Minutes"},
		{"LambdaCanary20Percent5Minutes", "CodeDeploy defines no configuration of that name for Lambda; lamb runs the same shift as a custom strategy", "canary:20%:5m"},
		{"LambdaLinear25PercentEvery4Minutes", "CodeDeploy defines no configuration of that name for Lambda; lamb runs the same shift as a custom strategy", "linear:25%:4m"},
		{"CodeDeployDefault.ECSAllAtOnce", "unknown strategy: " + syntaxHelp, "CodeDeployDefault.LambdaAllAtOnce"},
		{"LambdaAlAtOnce", "unknown strategy: " + syntaxHelp, "LambdaAllAtOnce"},
		{"CodeDeployDefault.LambdaCanary10Percent5Minuets", "unknown strategy: " + syntaxHelp, "CodeDeployDefault.LambdaCanary10Percent5Minutes"},
		{"all-at-onec", "unknown strategy: " + syntaxHelp, "all-at-once"},
		{"allatonce", "unknown strategy: " + syntaxHelp, "all-at-once"},
		{"canry", "unknown strategy: " + syntaxHelp, "canary:10%:5m"},
		{"CodeDeployDefault.OneAtATime", "unknown strategy: " + syntaxHelp, ""},
		{"blue-green", "unknown strategy: " + syntaxHelp, ""},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			_, err := ParseStrategy(tt.input)
			var se *StrategyError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *StrategyError", err)
			}
			if se.Input != tt.input || se.Reason != tt.reason || se.Suggestion != tt.suggestion {
				t.Errorf("got input %q, reason %q, suggestion %q\nwant input %q, reason %q, suggestion %q",
					se.Input, se.Reason, se.Suggestion, tt.input, tt.reason, tt.suggestion)
			}
			if errors.Is(err, ErrCodeDeployUnsupported) {
				t.Error("a parse error must not claim the codedeploy engine is the problem")
			}
		})
	}
}

func TestStrategyErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := ParseStrategy("LambdaLinear10PercentEvery1Minutes")
	want := `strategy "LambdaLinear10PercentEvery1Minutes": CodeDeploy defines no configuration of that name for Lambda (did you mean "LambdaLinear10PercentEvery1Minute"?)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestCodeDeployConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input string
		want  DeploymentConfig
	}{
		{"all-at-once", DeploymentConfig{Name: "CodeDeployDefault.LambdaAllAtOnce", Predefined: true, Kind: AllAtOnce, Percent: 100}},
		{"canary:10%:5m", DeploymentConfig{Name: "CodeDeployDefault.LambdaCanary10Percent5Minutes", Predefined: true, Kind: Canary, Percent: 10, IntervalMinutes: 5}},
		{"linear:10%:60s", DeploymentConfig{Name: "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", Predefined: true, Kind: Linear, Percent: 10, IntervalMinutes: 1}},
		{"canary:15%:10m", DeploymentConfig{Name: "lamb-canary-15pct-10m", Kind: Canary, Percent: 15, IntervalMinutes: 10}},
		{"canary:10%:1h", DeploymentConfig{Name: "lamb-canary-10pct-60m", Kind: Canary, Percent: 10, IntervalMinutes: 60}},
		{"linear:25%:1m", DeploymentConfig{Name: "lamb-linear-25pct-1m", Kind: Linear, Percent: 25, IntervalMinutes: 1}},
		{"linear:10%:5m", DeploymentConfig{Name: "lamb-linear-10pct-5m", Kind: Linear, Percent: 10, IntervalMinutes: 5}},
		{"canary:1.00%:1m", DeploymentConfig{Name: "lamb-canary-1pct-1m", Kind: Canary, Percent: 1, IntervalMinutes: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			s, err := ParseStrategy(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.CodeDeployConfig()
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCodeDeployConfigUnsupported(t *testing.T) {
	t.Parallel()
	tests := []struct{ input, want string }{
		{"canary:10%:30s", `strategy "canary:10%:30s": CodeDeploy deployment configurations take whole minutes: use engine: direct, or a strategy CodeDeploy can run (did you mean "canary:10%:1m"?)`},
		{"canary:2.5%:5m", `strategy "canary:2.5%:5m": CodeDeploy deployment configurations take whole percentages: use engine: direct, or a strategy CodeDeploy can run (did you mean "canary:3%:5m"?)`},
		{"linear:0.5%:90s", `strategy "linear:0.5%:1m30s": CodeDeploy deployment configurations take whole percentages and whole minutes: use engine: direct, or a strategy CodeDeploy can run (did you mean "linear:1%:2m"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			s, err := ParseStrategy(tt.input)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.CodeDeployConfig()
			if !errors.Is(err, ErrCodeDeployUnsupported) {
				t.Fatalf("got %v, want ErrCodeDeployUnsupported", err)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestStrategyValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    Strategy
		ok   bool
	}{
		{"zero value is all at once", Strategy{}, true},
		{"built canary", Strategy{Kind: Canary, Percent: 10, Interval: time.Minute}, true},
		{"two decimals", Strategy{Kind: Linear, Percent: 0.29, Interval: time.Second}, true},
		{"no percentage", Strategy{Kind: Canary, Interval: time.Minute}, false},
		{"whole traffic", Strategy{Kind: Linear, Percent: 100, Interval: time.Minute}, false},
		{"three decimals", Strategy{Kind: Linear, Percent: 33.333, Interval: time.Minute}, false},
		{"no interval", Strategy{Kind: Canary, Percent: 10}, false},
		{"fraction of a second", Strategy{Kind: Canary, Percent: 10, Interval: 1500 * time.Millisecond}, false},
		{"unknown kind", Strategy{Kind: Kind(7), Percent: 10, Interval: time.Minute}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
			if steps := tt.s.Steps(); (steps != nil) != tt.ok {
				t.Errorf("Steps() = %v for a strategy that is valid: %v", steps, tt.ok)
			}
			if _, err := tt.s.CodeDeployConfig(); !tt.ok && err == nil {
				t.Error("CodeDeployConfig() accepted an invalid strategy")
			}
		})
	}
}
