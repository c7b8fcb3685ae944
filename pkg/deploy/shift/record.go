package shift

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/deploy"
)

// The direct engine writes the shift in progress into the alias's
// description with every weight it sets, in the same UpdateAlias call, so
// the record and the weights never disagree and any machine can read both:
//
//	lamb: shifting 3->4 canary:10%:5m step 1/2 since 2025-01-02T15:04:05Z (previous=2)
//
// "previous" is the version the alias had left before the shift (lamb's
// "lamb: previous=N" record), restored by a rollback. It is written so that
// deploy.PreviousVersion does not find it: during a shift there is no
// version to go back to but Current.
const shiftRecordPrefix = "lamb: shifting "

// maxAliasDescription is Lambda's limit on an alias description.
const maxAliasDescription = 256

var shiftRecordSyntax = regexp.MustCompile(`^lamb: shifting (\S+)->(\S+) (\S+) step ([0-9]+)/([0-9]+) since (\S+)(?: \(previous=([^\s)]+)\))?$`)

// record is what the alias description says about a shift.
type record struct {
	current, target string
	strategy        appspec.Strategy
	step, steps     int // step is 1-based
	since           time.Time
	previous        string
}

func (r record) String() string {
	s := fmt.Sprintf("%s%s->%s %s step %d/%d since %s", shiftRecordPrefix, r.current, r.target,
		r.strategy, r.step, r.steps, r.since.UTC().Format(time.RFC3339))
	if r.previous != "" {
		s += " (previous=" + r.previous + ")"
	}
	return s
}

// parseRecord reads a shift record; ok is false for a description that is
// not one.
func parseRecord(desc string) (rec record, ok bool, err error) {
	if !strings.HasPrefix(desc, shiftRecordPrefix) {
		return record{}, false, nil
	}
	m := shiftRecordSyntax.FindStringSubmatch(desc)
	if m == nil {
		return record{}, true, fmt.Errorf("the alias description %q starts like a lamb shift record but does not parse", desc)
	}
	rec = record{current: m[1], target: m[2], previous: m[7]}
	if rec.strategy, err = appspec.ParseStrategy(m[3]); err != nil {
		return record{}, true, fmt.Errorf("the shift record %q: %w", desc, err)
	}
	rec.step, _ = strconv.Atoi(m[4])
	rec.steps, _ = strconv.Atoi(m[5])
	if rec.steps != len(rec.strategy.Steps()) || rec.step < 1 || rec.step > rec.steps {
		return record{}, true, fmt.Errorf("the shift record %q: step %d/%d does not fit strategy %s", desc, rec.step, rec.steps, rec.strategy)
	}
	if rec.since, err = time.Parse(time.RFC3339, m[6]); err != nil {
		return record{}, true, fmt.Errorf("the shift record %q: bad time %q", desc, m[6])
	}
	return rec, true, nil
}

// doneRecord is the description of an alias a shift left: like
// deploy.PointAlias's, it records the version the alias left.
func doneRecord(current string) string {
	return "lamb: previous=" + current
}

// undoneRecord is the description of an alias a shift was rolled back
// from: the version it had left before the shift stays its previous one
// (so that a later lamb rollback goes there, not to the failed target).
func undoneRecord(previous, target string) string {
	if previous == "" {
		return "lamb: rolled back from " + target
	}
	return "lamb: previous=" + previous + "; rolled back from " + target
}

// InProgress is a shift recorded on an alias: the one a lamb process is
// running, or one whose process died, to be resumed or rolled back.
type InProgress struct {
	Function, Alias string
	Current, Target string
	Strategy        appspec.Strategy
	// Step is the step last applied, 1-based, of Steps. Step == Steps means
	// the alias serves Target alone and the AfterAllowTraffic hook is due.
	Step, Steps int
	// Weight is the target's share of traffic at Step.
	Weight float64
	// Since is when Step was applied.
	Since time.Time
	// Previous is the version the alias had left before the shift, or "".
	Previous string
	// Found is the alias as read.
	Found *deploy.Alias
	// Mismatch is "" when the alias's version and weights are the ones the
	// record says, and otherwise what was found instead: someone else moved
	// the alias, and lamb will neither resume nor undo over it.
	Mismatch string
	// expected is the routing the record says lamb set.
	expected *deploy.Alias
}

// String reads: shifting 3->4 (canary:10%:5m) step 1/2, 10% on version 4, since 2025-01-02T15:04:05Z.
func (p *InProgress) String() string {
	return fmt.Sprintf("shifting %s->%s (%s) step %d/%d, %s on version %s, since %s",
		p.Current, p.Target, p.Strategy, p.Step, p.Steps, weightPercent(p.Weight), p.Target, p.Since.UTC().Format(time.RFC3339))
}

// AliasReader is the one Lambda call ReadShift makes.
type AliasReader interface {
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
}

var _ AliasReader = (*lambda.Client)(nil)

// ErrNoShift means an alias records no shift in progress.
var ErrNoShift = errors.New("no shift in progress")

// ReadShift returns the shift recorded on the alias, or nil when there is
// none. It fails when the alias does not exist.
func ReadShift(ctx context.Context, api AliasReader, function, alias string) (*InProgress, error) {
	a, err := deploy.ReadAlias(ctx, api, function, alias)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, fmt.Errorf("read alias %s of %s: it does not exist", alias, function)
	}
	return InProgressOn(function, a)
}

// InProgressOn returns the shift recorded on a, an alias of function as
// already read, or nil when there is none.
func InProgressOn(function string, a *deploy.Alias) (*InProgress, error) {
	alias := a.Name
	rec, ok, err := parseRecord(a.Description)
	if err != nil {
		return nil, fmt.Errorf("read the shift on alias %s of %s: %w", alias, function, err)
	}
	if !ok {
		return nil, nil
	}
	step := rec.strategy.Steps()[rec.step-1]
	p := &InProgress{
		Function: function, Alias: alias, Current: rec.current, Target: rec.target,
		Strategy: rec.strategy, Step: rec.step, Steps: rec.steps, Weight: step.Weight,
		Since: rec.since, Previous: rec.previous, Found: a,
	}
	p.expected = &deploy.Alias{Name: alias, Version: rec.current, Weights: map[string]float64{rec.target: step.Weight}}
	if rec.step == rec.steps {
		p.expected = &deploy.Alias{Name: alias, Version: rec.target}
	}
	if !sameTraffic(a, p.expected) {
		p.Mismatch = describeAlias(a)
	}
	return p, nil
}

// sameTraffic reports whether two aliases send the same traffic to the same
// versions. Weights are doubles that Lambda hands back as written; the
// tolerance only absorbs a decimal round trip.
func sameTraffic(a, b *deploy.Alias) bool {
	if a.Version != b.Version || len(a.Weights) != len(b.Weights) {
		return false
	}
	for v, w := range a.Weights {
		bw, ok := b.Weights[v]
		if !ok || math.Abs(w-bw) > 1e-9 {
			return false
		}
	}
	return true
}

// describeAlias reads: version 3 with 10% on version 4.
func describeAlias(a *deploy.Alias) string {
	if a == nil {
		return "no alias (it was deleted)"
	}
	if len(a.Weights) == 0 {
		return "version " + a.Version + " alone"
	}
	parts := make([]string, 0, len(a.Weights))
	for v, w := range a.Weights {
		parts = append(parts, weightPercent(w)+" on version "+v)
	}
	return "version " + a.Version + " with " + strings.Join(parts, ", ")
}

// weightPercent renders a weight as a percentage with up to two decimals: 10%, 2.5%.
func weightPercent(w float64) string {
	return strconv.FormatFloat(math.Round(w*10000)/100, 'f', -1, 64) + "%"
}
