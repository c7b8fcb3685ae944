package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
)

// EventsReader lists the Lambda read that plans a function's event source
// mappings.
type EventsReader interface {
	ListEventSourceMappings(ctx context.Context, in *lambda.ListEventSourceMappingsInput, optFns ...func(*lambda.Options)) (*lambda.ListEventSourceMappingsOutput, error)
}

// EventsAPI lists the Lambda calls that keep a function's event source
// mappings in sync with lamb.yaml and record which ones lamb created.
type EventsAPI interface {
	EventsReader
	CreateEventSourceMapping(ctx context.Context, in *lambda.CreateEventSourceMappingInput, optFns ...func(*lambda.Options)) (*lambda.CreateEventSourceMappingOutput, error)
	UpdateEventSourceMapping(ctx context.Context, in *lambda.UpdateEventSourceMappingInput, optFns ...func(*lambda.Options)) (*lambda.UpdateEventSourceMappingOutput, error)
	DeleteEventSourceMapping(ctx context.Context, in *lambda.DeleteEventSourceMappingInput, optFns ...func(*lambda.Options)) (*lambda.DeleteEventSourceMappingOutput, error)
	TagWriter
}

var _ EventsAPI = (*lambda.Client)(nil)

// EventsTag is the function tag in which lamb records the event source
// mappings it created: the first group (8 hex digits) of each mapping's
// UUID, space-separated, which keeps 28 of them within a tag value's 256
// characters. A mapping on the deploy alias that this tag does not name was
// made by someone else: lamb leaves it alone unless lamb.yaml lists its
// source, and then adopts it.
const EventsTag = "lamb:events"

// Lambda's defaults for the mapping settings lamb.yaml leaves out: an unset
// setting is put back to its default.
const (
	defaultSQSBatchSize    = 10
	defaultStreamBatchSize = 100
	defaultParallelization = 1
	defaultRetries         = -1
	defaultRecordAge       = -1
)

// EventsSpec is what lamb.yaml asks of a function's event sources. The
// mappings are made on the deploy alias (its ARN is the mapping's
// FunctionName), so that they follow the alias from version to version and
// a deploy's traffic shift moves them too.
type EventsSpec struct {
	// Function is the AWS function name; FunctionARN its unqualified ARN
	// (the ownership record is a tag on it), "" while it does not exist.
	Function    string
	FunctionARN string
	Alias       string
	// New says the function does not exist yet or was just created.
	New bool
	// Tags are the function's tags as read; EventsTag among them says what
	// lamb created earlier.
	Tags    map[string]string
	Sources []config.EventSource
}

// EventsFrom maps a lamb.yaml function and its state as read onto the
// event sources to keep.
func EventsFrom(fn *config.Function, r Remote) EventsSpec {
	s := EventsSpec{Function: fn.Name, Alias: fn.Deploy.Alias, New: !r.Exists, Tags: r.Tags, Sources: fn.Events}
	if r.Latest != nil {
		s.FunctionARN = unqualified(aws.ToString(r.Latest.FunctionArn))
	}
	return s
}

// unqualified drops a version or alias from a function ARN.
func unqualified(arn string) string {
	if parts := strings.Split(arn, ":"); len(parts) == 8 {
		return strings.Join(parts[:7], ":")
	}
	return arn
}

// aliasARN is what the mappings are made on.
func (s EventsSpec) aliasARN() string { return s.FunctionARN + ":" + s.Alias }

func (s EventsSpec) where() string { return s.Function + ":" + s.Alias }

// owned returns the UUID prefixes lamb's record holds.
func (s EventsSpec) owned() map[string]bool {
	return tagSet(s.Tags, EventsTag)
}

// None reports whether there is nothing to keep: lamb.yaml lists no event
// source and lamb's record owns no mapping. Then nothing is read.
func (s EventsSpec) None() bool {
	return len(s.Sources) == 0 && len(s.owned()) == 0
}

// ownID is how EventsTag names a mapping.
func ownID(uuid string) string {
	id, _, _ := strings.Cut(uuid, "-")
	return id
}

// mappingOp is one write of an events plan.
type mappingOp struct {
	changes []Change
	// create, update and remove are the calls; one or two are set (a
	// replaced mapping is removed, then created).
	remove *lambda.DeleteEventSourceMappingInput
	update *lambda.UpdateEventSourceMappingInput
	create *lambda.CreateEventSourceMappingInput
	// adopt records an existing mapping as lamb's.
	adopt string
}

// eventsPlan is what SyncEvents would do.
type eventsPlan struct {
	ops []mappingOp
	// forget lists recorded mappings that are gone already.
	forget []string
}

func (p eventsPlan) changes() []Change {
	cs := []Change{}
	for _, op := range p.ops {
		cs = append(cs, op.changes...)
	}
	return cs
}

// PlanEvents returns what SyncEvents would change, from one listing of the
// alias's mappings (none for a new function).
func PlanEvents(ctx context.Context, api EventsReader, spec EventsSpec) ([]Change, error) {
	if spec.None() {
		return []Change{}, nil
	}
	p, err := planEvents(ctx, api, spec)
	if err != nil {
		return nil, err
	}
	return p.changes(), nil
}

// listMappings returns the mappings on the deploy alias.
func listMappings(ctx context.Context, api EventsReader, spec EventsSpec) ([]lambdatypes.EventSourceMappingConfiguration, error) {
	if spec.New || spec.FunctionARN == "" {
		return nil, nil
	}
	var out []lambdatypes.EventSourceMappingConfiguration
	pages := lambda.NewListEventSourceMappingsPaginator(api, &lambda.ListEventSourceMappingsInput{FunctionName: aws.String(spec.aliasARN())})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if isNotFound(err) {
			// The alias does not exist yet: nothing is mapped to it.
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list event source mappings of %s: %w", spec.where(), err)
		}
		out = append(out, page.EventSourceMappings...)
	}
	return out, nil
}

func planEvents(ctx context.Context, api EventsReader, spec EventsSpec) (eventsPlan, error) {
	have, err := listMappings(ctx, api, spec)
	if err != nil {
		return eventsPlan{}, err
	}
	owned := spec.owned()
	var p eventsPlan
	matched := map[string]bool{}
	for i, src := range spec.Sources {
		at := slices.IndexFunc(have, func(m lambdatypes.EventSourceMappingConfiguration) bool {
			return aws.ToString(m.EventSourceArn) == src.ARN() && !matched[aws.ToString(m.UUID)]
		})
		prefix := fmt.Sprintf("events[%d].%s", i, src.Kind())
		if at < 0 {
			p.ops = append(p.ops, mappingOp{
				changes: []Change{{Field: prefix, New: src.ARN()}},
				create:  createInput(spec.aliasARN(), src),
			})
			continue
		}
		m := have[at]
		uuid := aws.ToString(m.UUID)
		matched[uuid] = true
		op := mappingOp{}
		if !owned[ownID(uuid)] {
			op.adopt = uuid
		}
		changes := diffFields(mappingFields(prefix, src.Kind(), &m), wantedFields(prefix, src))
		if len(changes) == 0 {
			if op.adopt != "" {
				p.ops = append(p.ops, op)
			}
			continue
		}
		op.changes = changes
		if slices.ContainsFunc(changes, func(c Change) bool {
			return strings.HasSuffix(c.Field, ".startingPosition") || strings.HasSuffix(c.Field, ".startingTimestamp")
		}) {
			// Where a stream is read from is fixed when the mapping is
			// made: a new one replaces it.
			op.adopt = ""
			op.remove = &lambda.DeleteEventSourceMappingInput{UUID: aws.String(uuid)}
			op.create = createInput(spec.aliasARN(), src)
		} else {
			op.update = updateInput(uuid, src, changes)
		}
		p.ops = append(p.ops, op)
	}
	for _, m := range have {
		uuid := aws.ToString(m.UUID)
		if matched[uuid] || !owned[ownID(uuid)] {
			continue
		}
		matched[uuid] = true
		p.ops = append(p.ops, mappingOp{
			changes: []Change{{Field: "events." + limits.ARNService(aws.ToString(m.EventSourceArn)), Old: aws.ToString(m.EventSourceArn), New: "(removed)"}},
			remove:  &lambda.DeleteEventSourceMappingInput{UUID: aws.String(uuid)},
		})
	}
	for id := range owned {
		if !slices.ContainsFunc(have, func(m lambdatypes.EventSourceMappingConfiguration) bool { return ownID(aws.ToString(m.UUID)) == id }) {
			p.forget = append(p.forget, id)
		}
	}
	return p, nil
}

// SyncEvents makes the event source mappings on the deploy alias match
// lamb.yaml, writing only what differs, and returns the changes made. A
// mapping of a listed source is created, updated, or replaced when its
// starting position changes; a mapping lamb created whose source left
// lamb.yaml is deleted; any other mapping is left alone. The ownership
// record (EventsTag) is updated after each create and delete, even when a
// later call fails.
func (d *Deployer) SyncEvents(ctx context.Context, spec EventsSpec) ([]Change, error) {
	if spec.None() {
		return []Change{}, nil
	}
	api, ok := d.Lambda.(EventsAPI)
	if !ok {
		return nil, fmt.Errorf("keep the event sources of %s: the Lambda client lacks the calls", spec.Function)
	}
	p, err := planEvents(ctx, api, spec)
	if err != nil {
		return nil, err
	}
	before := spec.owned()
	owned := maps.Clone(before)
	for _, id := range p.forget {
		delete(owned, id)
	}
	changes := []Change{}
	var failed error
	for _, op := range p.ops {
		if failed = ctx.Err(); failed != nil {
			break
		}
		if failed = d.applyMapping(ctx, api, spec, op, owned); failed != nil {
			break
		}
		changes = append(changes, op.changes...)
	}
	if !maps.Equal(before, owned) {
		failed = errors.Join(failed, recordEvents(ctx, api, spec, owned))
	}
	return changes, failed
}

func (d *Deployer) applyMapping(ctx context.Context, api EventsAPI, spec EventsSpec, op mappingOp, owned map[string]bool) error {
	if op.adopt != "" {
		owned[ownID(op.adopt)] = true
	}
	if in := op.remove; in != nil {
		err := d.retryInUse(ctx, spec, "DeleteEventSourceMapping", func(ctx context.Context) error {
			_, err := api.DeleteEventSourceMapping(ctx, in)
			return err
		})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("delete event source mapping %s of %s: %w", aws.ToString(in.UUID), spec.where(), err)
		}
		delete(owned, ownID(aws.ToString(in.UUID)))
	}
	if in := op.update; in != nil {
		err := d.retryInUse(ctx, spec, "UpdateEventSourceMapping", func(ctx context.Context) error {
			_, err := api.UpdateEventSourceMapping(ctx, in)
			return err
		})
		if err != nil {
			return fmt.Errorf("update event source mapping %s of %s: %w", aws.ToString(in.UUID), spec.where(), err)
		}
	}
	if in := op.create; in != nil {
		var out *lambda.CreateEventSourceMappingOutput
		err := d.retryInUse(ctx, spec, "CreateEventSourceMapping", func(ctx context.Context) error {
			var err error
			out, err = api.CreateEventSourceMapping(ctx, in)
			return err
		})
		if err != nil {
			return fmt.Errorf("map %s to %s: %w", aws.ToString(in.EventSourceArn), spec.where(), err)
		}
		owned[ownID(aws.ToString(out.UUID))] = true
	}
	return nil
}

// retryInUse runs call until it no longer meets a mapping that is being
// created, updated or deleted (ResourceInUseException) or an execution
// role whose new permissions have not reached Lambda yet, for at most
// MaxConflictWait.
func (d *Deployer) retryInUse(ctx context.Context, spec EventsSpec, name string, call func(context.Context) error) error {
	limit := d.maxConflictWait()
	deadline := d.now().Add(limit)
	backoff := d.pollInterval()
	for {
		err := call(ctx)
		if err == nil || !(isInUse(err) || isInvalidParameter(err, "does not have permission")) {
			return err
		}
		if d.now().After(deadline) {
			return fmt.Errorf("%s on %s still failed after %s: %w", name, spec.where(), limit, err)
		}
		if err := d.sleep(ctx, jitter(backoff)); err != nil {
			return err
		}
		backoff = min(backoff*2, 15*time.Second)
	}
}

func isInUse(err error) bool {
	var e *lambdatypes.ResourceInUseException
	return errors.As(err, &e)
}

// recordEvents writes the mappings lamb owns into EventsTag, or removes the
// tag when it owns none.
func recordEvents(ctx context.Context, api EventsAPI, spec EventsSpec, owned map[string]bool) error {
	return recordTag(ctx, api, spec.Function, spec.FunctionARN, EventsTag, "the event source mappings lamb created", owned)
}

// --- compared values ---

// wantedFields are the values lamb.yaml asks of a source, with Lambda's
// defaults for what it leaves out; mappingFields reads the same fields from
// a mapping.
func wantedFields(prefix string, src config.EventSource) []field {
	if q := src.SQS; q != nil {
		return namedFields(prefix, sqsFieldNames, []string{
			intOr(q.BatchSize, defaultSQSBatchSize), intOr(q.Window, 0), intOr(q.MaximumConcurrency, 0),
			boolText(q.ReportBatchItemFailures), filterText(q.Filters), boolText(q.Enabled == nil || *q.Enabled),
		})
	}
	s := src.Stream()
	return namedFields(prefix, streamFieldNames, []string{
		s.StartingPosition, timestampText(s.StartingTimestamp),
		intOr(s.BatchSize, defaultStreamBatchSize), intOr(s.Window, 0), intOr(s.Parallelization, defaultParallelization),
		boolText(s.BisectOnError), intOr(s.MaximumRetries, defaultRetries), intOr(s.MaximumRecordAge, defaultRecordAge),
		s.OnFailure, intOr(s.TumblingWindow, 0), filterText(s.Filters), boolText(s.Enabled == nil || *s.Enabled),
	})
}

var (
	sqsFieldNames    = []string{"batchSize", "window", "maximumConcurrency", "reportBatchItemFailures", "filters", "enabled"}
	streamFieldNames = []string{"startingPosition", "startingTimestamp", "batchSize", "window", "parallelization", "bisectOnError",
		"maximumRetries", "maximumRecordAge", "onFailure", "tumblingWindow", "filters", "enabled"}
)

func mappingFields(prefix, kind string, m *lambdatypes.EventSourceMappingConfiguration) []field {
	var filters []string
	if m.FilterCriteria != nil {
		for _, f := range m.FilterCriteria.Filters {
			filters = append(filters, aws.ToString(f.Pattern))
		}
	}
	enabled := m.State == nil || (*m.State != "Disabled" && *m.State != "Disabling")
	if kind == "sqs" {
		maxConc := "0"
		if m.ScalingConfig != nil {
			maxConc = int32Or(m.ScalingConfig.MaximumConcurrency, 0)
		}
		return namedFields(prefix, sqsFieldNames, []string{
			int32Or(m.BatchSize, defaultSQSBatchSize), int32Or(m.MaximumBatchingWindowInSeconds, 0), maxConc,
			boolText(slices.Contains(m.FunctionResponseTypes, lambdatypes.FunctionResponseTypeReportBatchItemFailures)),
			filterText(filters), boolText(enabled),
		})
	}
	onFailure := ""
	if dc := m.DestinationConfig; dc != nil && dc.OnFailure != nil {
		onFailure = aws.ToString(dc.OnFailure.Destination)
	}
	ts := ""
	if t := m.StartingPositionTimestamp; t != nil {
		ts = t.UTC().Format(time.RFC3339)
	}
	return namedFields(prefix, streamFieldNames, []string{
		string(m.StartingPosition), ts,
		int32Or(m.BatchSize, defaultStreamBatchSize), int32Or(m.MaximumBatchingWindowInSeconds, 0), int32Or(m.ParallelizationFactor, defaultParallelization),
		boolText(aws.ToBool(m.BisectBatchOnFunctionError)), int32Or(m.MaximumRetryAttempts, defaultRetries), int32Or(m.MaximumRecordAgeInSeconds, defaultRecordAge),
		onFailure, int32Or(m.TumblingWindowInSeconds, 0), filterText(filters), boolText(enabled),
	})
}

func namedFields(prefix string, names, values []string) []field {
	fs := make([]field, len(names))
	for i, n := range names {
		fs[i] = field{prefix + "." + n, values[i]}
	}
	return fs
}

func intOr(v *int, def int) string {
	if v == nil {
		return strconv.Itoa(def)
	}
	return strconv.Itoa(*v)
}

func int32Or(v *int32, def int) string {
	if v == nil {
		return strconv.Itoa(def)
	}
	return strconv.Itoa(int(*v))
}

func boolText(b bool) string { return strconv.FormatBool(b) }

// timestampText is an RFC 3339 time in UTC, as mappingFields renders the
// mapping's; text that is not a time stays as it is (the pre-flight
// reports it).
func timestampText(s string) string {
	if s == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339)
}

// filterText renders patterns in a form that compares equal when they
// mean the same: compact JSON with sorted keys, in sorted order.
func filterText(patterns []string) string {
	out := make([]string, len(patterns))
	for i, p := range patterns {
		out[i] = canonicalJSON(p)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func canonicalJSON(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return s
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// --- requests ---

func filterCriteria(patterns []string) *lambdatypes.FilterCriteria {
	fc := &lambdatypes.FilterCriteria{Filters: []lambdatypes.Filter{}}
	for _, p := range patterns {
		fc.Filters = append(fc.Filters, lambdatypes.Filter{Pattern: aws.String(p)})
	}
	return fc
}

func int32p(v *int) *int32 {
	if v == nil {
		return nil
	}
	return aws.Int32(int32(*v))
}

// createInput asks for what lamb.yaml sets and leaves the rest to Lambda's
// defaults.
func createInput(aliasARN string, src config.EventSource) *lambda.CreateEventSourceMappingInput {
	in := &lambda.CreateEventSourceMappingInput{FunctionName: aws.String(aliasARN), EventSourceArn: aws.String(src.ARN())}
	if q := src.SQS; q != nil {
		in.BatchSize, in.MaximumBatchingWindowInSeconds, in.Enabled = int32p(q.BatchSize), int32p(q.Window), q.Enabled
		if q.MaximumConcurrency != nil {
			in.ScalingConfig = &lambdatypes.ScalingConfig{MaximumConcurrency: int32p(q.MaximumConcurrency)}
		}
		if q.ReportBatchItemFailures {
			in.FunctionResponseTypes = []lambdatypes.FunctionResponseType{lambdatypes.FunctionResponseTypeReportBatchItemFailures}
		}
		if len(q.Filters) > 0 {
			in.FilterCriteria = filterCriteria(q.Filters)
		}
		return in
	}
	s := src.Stream()
	in.StartingPosition = lambdatypes.EventSourcePosition(s.StartingPosition)
	if t, err := time.Parse(time.RFC3339, s.StartingTimestamp); err == nil && s.StartingTimestamp != "" {
		in.StartingPositionTimestamp = aws.Time(t)
	}
	in.BatchSize, in.MaximumBatchingWindowInSeconds, in.Enabled = int32p(s.BatchSize), int32p(s.Window), s.Enabled
	in.ParallelizationFactor, in.MaximumRetryAttempts = int32p(s.Parallelization), int32p(s.MaximumRetries)
	in.MaximumRecordAgeInSeconds, in.TumblingWindowInSeconds = int32p(s.MaximumRecordAge), int32p(s.TumblingWindow)
	if s.BisectOnError {
		in.BisectBatchOnFunctionError = aws.Bool(true)
	}
	if s.OnFailure != "" {
		in.DestinationConfig = &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{Destination: aws.String(s.OnFailure)}}
	}
	if len(s.Filters) > 0 {
		in.FilterCriteria = filterCriteria(s.Filters)
	}
	return in
}

// updateInput sends only the settings that differ, each at the value
// lamb.yaml asks for or back at Lambda's default.
func updateInput(uuid string, src config.EventSource, changes []Change) *lambda.UpdateEventSourceMappingInput {
	in := &lambda.UpdateEventSourceMappingInput{UUID: aws.String(uuid)}
	num := func(v string) *int32 {
		n, _ := strconv.Atoi(v)
		return aws.Int32(int32(n))
	}
	filters := func() []string {
		if src.SQS != nil {
			return src.SQS.Filters
		}
		return src.Stream().Filters
	}()
	for _, c := range changes {
		switch c.Field[strings.LastIndexByte(c.Field, '.')+1:] {
		case "batchSize":
			in.BatchSize = num(c.New)
		case "window":
			in.MaximumBatchingWindowInSeconds = num(c.New)
		case "maximumConcurrency":
			in.ScalingConfig = &lambdatypes.ScalingConfig{}
			if c.New != "0" {
				in.ScalingConfig.MaximumConcurrency = num(c.New)
			}
		case "reportBatchItemFailures":
			in.FunctionResponseTypes = []lambdatypes.FunctionResponseType{}
			if c.New == "true" {
				in.FunctionResponseTypes = append(in.FunctionResponseTypes, lambdatypes.FunctionResponseTypeReportBatchItemFailures)
			}
		case "filters":
			in.FilterCriteria = filterCriteria(filters)
		case "enabled":
			in.Enabled = aws.Bool(c.New == "true")
		case "parallelization":
			in.ParallelizationFactor = num(c.New)
		case "bisectOnError":
			in.BisectBatchOnFunctionError = aws.Bool(c.New == "true")
		case "maximumRetries":
			in.MaximumRetryAttempts = num(c.New)
		case "maximumRecordAge":
			in.MaximumRecordAgeInSeconds = num(c.New)
		case "onFailure":
			in.DestinationConfig = &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{}}
			if c.New != "" {
				in.DestinationConfig.OnFailure.Destination = aws.String(c.New)
			}
		case "tumblingWindow":
			in.TumblingWindowInSeconds = num(c.New)
		}
	}
	return in
}
