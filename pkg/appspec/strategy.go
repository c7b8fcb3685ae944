package appspec

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is how a strategy moves traffic to the target version.
type Kind int

// The zero Kind is AllAtOnce, so a zero Strategy is the default strategy.
const (
	AllAtOnce Kind = iota
	Canary
	Linear
)

// String returns the kind as written in a strategy: all-at-once, canary or linear.
func (k Kind) String() string {
	switch k {
	case AllAtOnce:
		return "all-at-once"
	case Canary:
		return "canary"
	case Linear:
		return "linear"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Strategy says how an alias moves from CurrentVersion to TargetVersion.
type Strategy struct {
	Kind Kind
	// Percent is the share of traffic moved by the first step (Canary) or by
	// every step (Linear), above 0 and below 100, with at most two decimals.
	// AllAtOnce ignores it (ParseStrategy sets 100).
	Percent float64
	// Interval is the bake time after each step but the last; 0 for AllAtOnce.
	Interval time.Duration
	// PredefinedName is the full CodeDeploy name when the strategy was given
	// as one of CodeDeploy's predefined Lambda configurations, so that String
	// gives back the name the user chose.
	PredefinedName string
}

// Step is one traffic weight the alias is set to.
type Step struct {
	// Weight is the share of traffic the target version receives, 0..1: the
	// AdditionalVersionWeights value. The last step has weight 1, where the
	// alias's FunctionVersion moves to the target and the weights are cleared.
	Weight float64
	// Wait is the bake time after this step; 0 after the last.
	Wait time.Duration
}

// CodeDeployPrefix starts the name of every configuration CodeDeploy defines.
const CodeDeployPrefix = "CodeDeployDefault."

// predefined lists CodeDeploy's Lambda deployment configurations. Note the
// singular "Minute" in LambdaLinear10PercentEvery1Minute.
var predefined = []struct {
	name     string
	kind     Kind
	percent  int
	interval time.Duration
}{
	{"LambdaAllAtOnce", AllAtOnce, 100, 0},
	{"LambdaCanary10Percent5Minutes", Canary, 10, 5 * time.Minute},
	{"LambdaCanary10Percent10Minutes", Canary, 10, 10 * time.Minute},
	{"LambdaCanary10Percent15Minutes", Canary, 10, 15 * time.Minute},
	{"LambdaCanary10Percent30Minutes", Canary, 10, 30 * time.Minute},
	{"LambdaLinear10PercentEvery1Minute", Linear, 10, 1 * time.Minute},
	{"LambdaLinear10PercentEvery2Minutes", Linear, 10, 2 * time.Minute},
	{"LambdaLinear10PercentEvery3Minutes", Linear, 10, 3 * time.Minute},
	{"LambdaLinear10PercentEvery10Minutes", Linear, 10, 10 * time.Minute},
}

// PredefinedNames returns the full names of CodeDeploy's predefined Lambda
// deployment configurations.
func PredefinedNames() []string {
	names := make([]string, len(predefined))
	for i, p := range predefined {
		names[i] = CodeDeployPrefix + p.name
	}
	return names
}

// StrategyError says why a strategy cannot be used, with the nearest one
// that can when there is one.
type StrategyError struct {
	Input      string
	Reason     string
	Suggestion string
	// Err is ErrCodeDeployUnsupported when the strategy is valid but
	// CodeDeploy cannot run it; nil for a strategy that does not parse.
	Err error
}

// Error reads: strategy "canary:0%:5m": the percentage must be above 0%.
func (e *StrategyError) Error() string {
	msg := fmt.Sprintf("strategy %q: %s", e.Input, e.Reason)
	if e.Suggestion != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Suggestion)
	}
	return msg
}

func (e *StrategyError) Unwrap() error { return e.Err }

// ErrCodeDeployUnsupported means a strategy is valid for the direct engine
// but cannot be written as a CodeDeploy deployment configuration.
var ErrCodeDeployUnsupported = errors.New("strategy not expressible as a CodeDeploy deployment configuration")

const syntaxHelp = "write all-at-once, canary:P%:D, linear:P%:D (for example canary:10%:5m) or a CodeDeploy Lambda configuration name such as LambdaCanary10Percent5Minutes"

// ParseStrategy reads a strategy: a CodeDeploy predefined Lambda
// configuration name (with or without the CodeDeployDefault. prefix),
// all-at-once, canary:P%:D or linear:P%:D, where P is a percentage above 0
// and below 100 with at most two decimals and D a Go duration of whole
// seconds (30s, 5m, 1h30m).
func ParseStrategy(s string) (Strategy, error) {
	in := strings.TrimSpace(s)
	fail := func(reason, suggestion string) (Strategy, error) {
		return Strategy{}, &StrategyError{Input: s, Reason: reason, Suggestion: suggestion}
	}
	if in == "" {
		return fail("empty: "+syntaxHelp, "")
	}
	kindText, rest, hasParams := strings.Cut(in, ":")
	kindText = strings.TrimSpace(kindText)
	switch strings.ToLower(kindText) {
	case "all-at-once":
		if hasParams {
			return fail("all-at-once takes no percentage or interval", "all-at-once")
		}
		return Strategy{Kind: AllAtOnce, Percent: 100}, nil
	case "canary", "linear":
		kind := Canary
		if strings.EqualFold(kindText, "linear") {
			kind = Linear
		}
		return parseCustom(s, kind, rest, hasParams)
	}
	if !hasParams {
		return parsePredefined(s, in)
	}
	if k := suggest(kindText, []string{"canary", "linear", "all-at-once"}); k != "" {
		if k == "all-at-once" {
			return fail(fmt.Sprintf("unknown kind %q: %s", kindText, syntaxHelp), k)
		}
		return fail(fmt.Sprintf("unknown kind %q: %s", kindText, syntaxHelp), k+":"+rest)
	}
	return fail(fmt.Sprintf("unknown kind %q: %s", kindText, syntaxHelp), "")
}

func parseCustom(input string, kind Kind, rest string, hasParams bool) (Strategy, error) {
	example := kind.String() + ":10%:5m"
	fail := func(reason string) (Strategy, error) {
		return Strategy{}, &StrategyError{Input: input, Reason: reason}
	}
	parts := strings.Split(rest, ":")
	if !hasParams || len(parts) != 2 {
		return fail(fmt.Sprintf("%s needs a percentage and an interval, as in %s", kind, example))
	}
	bp, err := parsePercent(strings.TrimSpace(parts[0]))
	if err != nil {
		return fail(err.Error())
	}
	interval, err := parseInterval(strings.TrimSpace(parts[1]))
	if err != nil {
		return fail(err.Error())
	}
	return Strategy{Kind: kind, Percent: float64(bp) / 100, Interval: interval}, nil
}

var percentSyntax = regexp.MustCompile(`^([0-9]+)(?:\.([0-9]+))?%?$`)

// parsePercent returns the percentage in hundredths of a percent, so that
// weights are computed in integers and come out as exact decimals.
func parsePercent(p string) (int, error) {
	m := percentSyntax.FindStringSubmatch(p)
	if m == nil {
		return 0, fmt.Errorf("percentage %q is not a number: write it as 10%% or 2.5%%", p)
	}
	if len(m[2]) > 2 {
		return 0, fmt.Errorf("percentage %s has more than two decimals: lamb shifts traffic in steps of 0.01%%", p)
	}
	if len(strings.TrimLeft(m[1], "0")) > 3 {
		return 0, fmt.Errorf("percentage %s must be below 100%%", p)
	}
	whole, _ := strconv.Atoi(m[1])
	frac, _ := strconv.Atoi((m[2] + "00")[:2])
	bp := whole*100 + frac
	switch {
	case bp == 0:
		return 0, fmt.Errorf("percentage %s must be above 0%%", p)
	case bp == 10000:
		return 0, fmt.Errorf("percentage %s moves all traffic at once: write all-at-once", p)
	case bp > 10000:
		return 0, fmt.Errorf("percentage %s must be below 100%%", p)
	}
	return bp, nil
}

func parseInterval(d string) (time.Duration, error) {
	if d == "" {
		return 0, errors.New("the interval is missing: write it as 30s, 5m or 1h")
	}
	if _, err := strconv.ParseFloat(d, 64); err == nil {
		return 0, fmt.Errorf("interval %q has no unit: write %sm for minutes or %ss for seconds", d, d, d)
	}
	v, err := time.ParseDuration(d)
	if err != nil {
		return 0, fmt.Errorf("interval %q is not a duration: write it as 30s, 5m or 1h30m", d)
	}
	if v <= 0 {
		return 0, fmt.Errorf("interval %s must be longer than 0s", d)
	}
	if v%time.Second != 0 {
		return 0, fmt.Errorf("interval %s is not a whole number of seconds", d)
	}
	return v, nil
}

// legacyName matches names shaped like CodeDeploy's Lambda and ECS
// configurations, so that one CodeDeploy does not define can be answered
// with the custom strategy it describes.
var legacyName = regexp.MustCompile(`(?i)^(?:lambda|ecs)?(canary|linear)([0-9]+)percent(?:every)?([0-9]+)minutes?$`)

func parsePredefined(input, name string) (Strategy, error) {
	short, prefixed := cutPrefixFold(name, CodeDeployPrefix)
	for _, p := range predefined {
		if strings.EqualFold(short, p.name) {
			return Strategy{Kind: p.kind, Percent: float64(p.percent), Interval: p.interval,
				PredefinedName: CodeDeployPrefix + p.name}, nil
		}
	}
	err := &StrategyError{Input: input, Reason: "unknown strategy: " + syntaxHelp}
	withPrefix := func(n string) string {
		if prefixed {
			return CodeDeployPrefix + n
		}
		return n
	}
	if m := legacyName.FindStringSubmatch(short); m != nil {
		kind := Canary
		if strings.EqualFold(m[1], "linear") {
			kind = Linear
		}
		pct, _ := strconv.Atoi(m[2])
		minutes, _ := strconv.Atoi(m[3])
		for _, p := range predefined {
			if p.kind == kind && p.percent == pct && p.interval == time.Duration(minutes)*time.Minute {
				err.Reason = "CodeDeploy defines no configuration of that name for Lambda"
				err.Suggestion = withPrefix(p.name)
				return Strategy{}, err
			}
		}
		if pct > 0 && pct < 100 && minutes > 0 {
			err.Reason = "CodeDeploy defines no configuration of that name for Lambda; lamb runs the same shift as a custom strategy"
			err.Suggestion = fmt.Sprintf("%s:%d%%:%dm", kind, pct, minutes)
			return Strategy{}, err
		}
	}
	if strings.EqualFold(short, "ECSAllAtOnce") {
		err.Suggestion = withPrefix("LambdaAllAtOnce")
		return Strategy{}, err
	}
	candidates := []string{"all-at-once", "canary", "linear"}
	for _, p := range predefined {
		candidates = append(candidates, p.name)
	}
	switch s := suggest(short, candidates); s {
	case "":
	case "canary", "linear":
		err.Suggestion = s + ":10%:5m"
	case "all-at-once":
		err.Suggestion = s
	default:
		err.Suggestion = withPrefix(s)
	}
	return Strategy{}, err
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// basisPoints is the percentage in hundredths of a percent.
func (s Strategy) basisPoints() int {
	return int(math.Round(s.Percent * 100))
}

// Validate reports whether ParseStrategy would accept the strategy, for
// strategies built in code.
func (s Strategy) Validate() error {
	fail := func(reason string) error {
		return &StrategyError{Input: s.String(), Reason: reason}
	}
	switch s.Kind {
	case AllAtOnce:
		return nil
	case Canary, Linear:
	default:
		return fail("unknown kind: " + syntaxHelp)
	}
	bp := s.basisPoints()
	switch {
	case bp <= 0 || bp >= 10000:
		return fail(fmt.Sprintf("percentage %s%% must be above 0%% and below 100%%", formatPercent(s.Percent)))
	case math.Abs(s.Percent*100-float64(bp)) > 1e-6:
		return fail(fmt.Sprintf("percentage %s%% has more than two decimals: lamb shifts traffic in steps of 0.01%%", formatPercent(s.Percent)))
	case s.Interval <= 0 || s.Interval%time.Second != 0:
		return fail(fmt.Sprintf("interval %s must be a positive whole number of seconds", s.Interval))
	}
	return nil
}

// Steps returns the weights the alias goes through, the same ones CodeDeploy
// uses for the same configuration: canary P% then 100%; linear P%, 2P%, ...
// up to 100% (the last increment may be smaller); all-at-once 100%. Each
// weight is an exact decimal of at most four places (0.01% resolution:
// AdditionalVersionWeights takes any double from 0.0 to 1.0), computed in
// integers so no float drift such as 0.30000000000000004 reaches Lambda.
// A strategy that Validate rejects has no steps.
func (s Strategy) Steps() []Step {
	if s.Kind == AllAtOnce {
		return []Step{{Weight: 1}}
	}
	if s.Validate() != nil {
		return nil
	}
	bp := s.basisPoints()
	var steps []Step
	switch s.Kind {
	case Canary:
		steps = []Step{{Weight: float64(bp) / 10000, Wait: s.Interval}}
	case Linear:
		for w := bp; w < 10000; w += bp {
			steps = append(steps, Step{Weight: float64(w) / 10000, Wait: s.Interval})
		}
	}
	return append(steps, Step{Weight: 1})
}

// String renders the canonical form: the full CodeDeploy name for a
// predefined configuration, otherwise all-at-once, canary:P%:D or linear:P%:D.
func (s Strategy) String() string {
	if s.PredefinedName != "" {
		return s.PredefinedName
	}
	if s.Kind == AllAtOnce {
		return s.Kind.String()
	}
	return fmt.Sprintf("%s:%s%%:%s", s.Kind, formatPercent(s.Percent), formatDuration(s.Interval))
}

func formatPercent(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// formatDuration writes 5m, 30s, 1h30m rather than time.Duration's 5m0s.
func formatDuration(d time.Duration) string {
	if d <= 0 || d%time.Second != 0 {
		return d.String()
	}
	var b strings.Builder
	for _, u := range []struct {
		unit   time.Duration
		suffix string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10) + u.suffix)
			d -= n * u.unit
		}
	}
	return b.String()
}

// DeploymentConfig is how CodeDeploy names and describes a strategy.
type DeploymentConfig struct {
	// Name is CodeDeployDefault.<name> for a predefined configuration, or a
	// name derived from the strategy (lamb-canary-10pct-5m) for a custom
	// one, so that equal strategies share one configuration.
	Name       string
	Predefined bool
	// Kind, Percent and IntervalMinutes are the TimeBasedCanary or
	// TimeBasedLinear parameters of a custom configuration.
	Kind            Kind
	Percent         int32
	IntervalMinutes int32
}

// CodeDeployConfig returns the CodeDeploy deployment configuration that
// shifts traffic like s. A strategy equal to a predefined configuration uses
// it, whatever it was written as. CodeDeploy configurations take whole
// percentages and whole minutes, so any other strategy fails with a
// StrategyError wrapping ErrCodeDeployUnsupported.
func (s Strategy) CodeDeployConfig() (DeploymentConfig, error) {
	if err := s.Validate(); err != nil {
		return DeploymentConfig{}, err
	}
	if s.Kind == AllAtOnce {
		return DeploymentConfig{Name: CodeDeployPrefix + "LambdaAllAtOnce", Predefined: true, Kind: AllAtOnce, Percent: 100}, nil
	}
	bp := s.basisPoints()
	var reasons []string
	if bp%100 != 0 {
		reasons = append(reasons, "whole percentages")
	}
	if s.Interval%time.Minute != 0 {
		reasons = append(reasons, "whole minutes")
	}
	if len(reasons) > 0 {
		near := s
		near.Percent = float64(min(max((bp+50)/100, 1), 99))
		near.Interval = max((s.Interval+time.Minute-1)/time.Minute*time.Minute, time.Minute)
		return DeploymentConfig{}, &StrategyError{Input: s.String(),
			Reason:     fmt.Sprintf("CodeDeploy deployment configurations take %s: use engine: direct, or a strategy CodeDeploy can run", strings.Join(reasons, " and ")),
			Suggestion: near.String(), Err: ErrCodeDeployUnsupported}
	}
	pct, minutes := bp/100, s.Interval/time.Minute
	if minutes > 1<<31-1 {
		return DeploymentConfig{}, &StrategyError{Input: s.String(), Reason: "the interval is too long for CodeDeploy", Err: ErrCodeDeployUnsupported}
	}
	cfg := DeploymentConfig{Kind: s.Kind, Percent: int32(pct), IntervalMinutes: int32(minutes)}
	for _, p := range predefined {
		if p.kind == s.Kind && p.percent == pct && p.interval == s.Interval {
			cfg.Name, cfg.Predefined = CodeDeployPrefix+p.name, true
			return cfg, nil
		}
	}
	cfg.Name = fmt.Sprintf("lamb-%s-%dpct-%dm", s.Kind, pct, minutes)
	return cfg, nil
}

// suggest returns the candidate closest to word when it is close enough to
// be a typo, or "". pkg/config keeps its own, unexported; importing config
// here would keep config from ever checking strategies with this package.
func suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	w := strings.ToLower(word)
	for _, c := range candidates {
		d := levenshtein(w, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist >= 0 && bestDist <= min(4, (utf8.RuneCountInString(word)+2)/3) {
		return best
	}
	return ""
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	row := make([]int, len(rb)+1)
	for j := range row {
		row[j] = j
	}
	for i := range ra {
		diag := row[0]
		row[0] = i + 1
		for j := range rb {
			above := row[j+1]
			cost := 1
			if ra[i] == rb[j] {
				cost = 0
			}
			row[j+1] = min(above+1, row[j]+1, diag+cost)
			diag = above
		}
	}
	return row[len(rb)]
}
