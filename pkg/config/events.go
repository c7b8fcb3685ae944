package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lambcli/lamb/pkg/limits"
	"go.yaml.in/yaml/v3"
)

// Starting positions of a stream source.
const (
	StartLatest      = "LATEST"
	StartTrimHorizon = "TRIM_HORIZON"
	StartAtTimestamp = "AT_TIMESTAMP"
)

// EventSource is one entry of a function's events: exactly one of its
// fields is set. lamb deploys it as an event source mapping on the deploy
// alias.
type EventSource struct {
	SQS      *SQSSource    `json:"sqs,omitempty" lamb:"sqs" doc:"Lambda polls an SQS queue and invokes the function with batches of its messages."`
	Kinesis  *StreamSource `json:"kinesis,omitempty" lamb:"kinesis" doc:"Lambda reads a Kinesis data stream and invokes the function with batches of its records."`
	DynamoDB *StreamSource `json:"dynamodb,omitempty" lamb:"dynamodb" doc:"Lambda reads a DynamoDB stream and invokes the function with batches of its records."`
}

// Kind names the set field: sqs, kinesis or dynamodb ("" for none).
func (e EventSource) Kind() string {
	switch {
	case e.SQS != nil:
		return "sqs"
	case e.Kinesis != nil:
		return "kinesis"
	case e.DynamoDB != nil:
		return "dynamodb"
	}
	return ""
}

// ARN is the queue's or the stream's ARN.
func (e EventSource) ARN() string {
	switch {
	case e.SQS != nil:
		return e.SQS.Queue
	case e.Kinesis != nil:
		return e.Kinesis.Stream
	case e.DynamoDB != nil:
		return e.DynamoDB.Stream
	}
	return ""
}

// Stream is the Kinesis or DynamoDB source, nil for a queue.
func (e EventSource) Stream() *StreamSource {
	if e.Kinesis != nil {
		return e.Kinesis
	}
	return e.DynamoDB
}

// SQSSource is a queue Lambda polls. Unset numbers are nil: Lambda's
// defaults apply.
type SQSSource struct {
	Queue string `json:"queue" lamb:"queue" doc:"ARN of the queue (arn:aws:sqs:REGION:ACCOUNT:NAME)."`
	// BatchSize is in messages; Window in seconds.
	BatchSize          *int `json:"batchSize,omitempty" lamb:"batchSize,count" doc:"Most messages in one invocation: 1–10 (default 10), up to 10000 with a window; at most 10 for a FIFO queue."`
	Window             *int `json:"window,omitempty" lamb:"window,seconds" doc:"Maximum batching window: how long Lambda gathers messages before it invokes, 0s–5m (default 0s)."`
	MaximumConcurrency *int `json:"maximumConcurrency,omitempty" lamb:"maximumConcurrency,count" doc:"Most concurrent invocations this queue may cause: 2–1000 (default: no limit but the function's)."`
	// ReportBatchItemFailures lets the function return the messages that
	// failed, so only those go back to the queue.
	ReportBatchItemFailures bool `json:"reportBatchItemFailures,omitempty" lamb:"reportBatchItemFailures" doc:"The function returns the IDs of the messages that failed (batchItemFailures), so only those are retried."`
	// Filters are filter patterns as JSON text.
	Filters []string `json:"filters,omitempty" lamb:"filters,json" doc:"Filter patterns: only messages matching one of them invoke the function; each a JSON text or a YAML mapping."`
	// Enabled is nil when unset (enabled).
	Enabled *bool `json:"enabled,omitempty" lamb:"enabled" doc:"false pauses polling without deleting the mapping; default true."`
}

// StreamSource is a Kinesis data stream or DynamoDB stream Lambda reads.
// Unset numbers are nil: Lambda's defaults apply.
type StreamSource struct {
	Stream string `json:"stream" lamb:"stream" doc:"ARN of the stream."`
	// StartingPosition is LATEST (the default), TRIM_HORIZON or AT_TIMESTAMP.
	StartingPosition  string `json:"startingPosition" lamb:"startingPosition,enum=LATEST|TRIM_HORIZON|AT_TIMESTAMP" doc:"Where reading starts when the mapping is created: LATEST (the default), TRIM_HORIZON (the oldest record) or AT_TIMESTAMP (with startingTimestamp). Changing it replaces the mapping."`
	StartingTimestamp string `json:"startingTimestamp,omitempty" lamb:"startingTimestamp" doc:"With AT_TIMESTAMP: the time to start reading from, RFC 3339 (2026-01-02T15:04:05Z)."`
	BatchSize         *int   `json:"batchSize,omitempty" lamb:"batchSize,count" doc:"Most records in one invocation: 1–10000 (default 100)."`
	Window            *int   `json:"window,omitempty" lamb:"window,seconds" doc:"Maximum batching window: how long Lambda gathers records before it invokes, 0s–5m (default 0s)."`
	Parallelization   *int   `json:"parallelization,omitempty" lamb:"parallelization,count" doc:"Batches processed at once per shard: 1–10 (default 1)."`
	BisectOnError     bool   `json:"bisectOnError,omitempty" lamb:"bisectOnError" doc:"Split a failing batch in two and retry each half."`
	// MaximumRetries and MaximumRecordAge take -1 for unlimited.
	MaximumRetries   *int     `json:"maximumRetries,omitempty" lamb:"maximumRetries,count,unlimited" doc:"Retries of a failing batch: -1 (unlimited, the default) to 10000."`
	MaximumRecordAge *int     `json:"maximumRecordAge,omitempty" lamb:"maximumRecordAge,seconds,unlimited" doc:"Oldest record Lambda sends, then skips: -1 (unlimited, the default), or 60s–7 days."`
	OnFailure        string   `json:"onFailure,omitempty" lamb:"onFailure" doc:"ARN of the SQS queue or SNS topic that receives the details of batches that failed for good."`
	TumblingWindow   *int     `json:"tumblingWindow,omitempty" lamb:"tumblingWindow,seconds" doc:"Tumbling window for aggregation across invocations: 0s–15m (default none)."`
	Filters          []string `json:"filters,omitempty" lamb:"filters,json" doc:"Filter patterns: only records matching one of them invoke the function; each a JSON text or a YAML mapping."`
	Enabled          *bool    `json:"enabled,omitempty" lamb:"enabled" doc:"false pauses reading without deleting the mapping; default true."`
}

// events reads a function's events list; validation has checked its
// shape, so what is read here is well formed.
func (l *loader) events(v *validator, n *yaml.Node) []EventSource {
	if isNull(n) || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []EventSource
	for _, item := range n.Content {
		var e EventSource
		if s := lookup(item, "sqs"); !isNull(s) {
			e.SQS = &SQSSource{
				Queue:                   text(lookup(s, "queue")),
				BatchSize:               optionalInteger(lookup(s, "batchSize"), kindCount),
				Window:                  optionalInteger(lookup(s, "window"), kindSeconds),
				MaximumConcurrency:      optionalInteger(lookup(s, "maximumConcurrency"), kindCount),
				ReportBatchItemFailures: text(lookup(s, "reportBatchItemFailures")) == "true",
				Filters:                 filters(lookup(s, "filters")),
				Enabled:                 optionalBool(lookup(s, "enabled")),
			}
		}
		if s := lookup(item, "kinesis"); !isNull(s) {
			e.Kinesis = streamSource(s)
		}
		if s := lookup(item, "dynamodb"); !isNull(s) {
			e.DynamoDB = streamSource(s)
		}
		if e.Kind() != "" {
			checkSourceARN(v, item, e)
		}
		out = append(out, e)
	}
	return out
}

func streamSource(s *yaml.Node) *StreamSource {
	return &StreamSource{
		Stream:            text(lookup(s, "stream")),
		StartingPosition:  or(text(lookup(s, "startingPosition")), StartLatest),
		StartingTimestamp: text(lookup(s, "startingTimestamp")),
		BatchSize:         optionalInteger(lookup(s, "batchSize"), kindCount),
		Window:            optionalInteger(lookup(s, "window"), kindSeconds),
		Parallelization:   optionalInteger(lookup(s, "parallelization"), kindCount),
		BisectOnError:     text(lookup(s, "bisectOnError")) == "true",
		MaximumRetries:    optionalUnlimited(lookup(s, "maximumRetries"), kindCount),
		MaximumRecordAge:  optionalUnlimited(lookup(s, "maximumRecordAge"), kindSeconds),
		OnFailure:         text(lookup(s, "onFailure")),
		TumblingWindow:    optionalInteger(lookup(s, "tumblingWindow"), kindSeconds),
		Filters:           filters(lookup(s, "filters")),
		Enabled:           optionalBool(lookup(s, "enabled")),
	}
}

// checkSourceARN reports a missing queue or stream ARN, or the ARN of
// another service: Lambda would refuse the mapping.
func checkSourceARN(v *validator, item *yaml.Node, e EventSource) {
	kind := e.Kind()
	key, what := "stream", map[string]string{"sqs": "SQS queue", "kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream"}[kind]
	if kind == "sqs" {
		key = "queue"
	}
	at := lookup(item, kind)
	n := lookup(at, key)
	arn := e.ARN()
	switch {
	case arn == "":
		v.add(at, join(v.paths[at], key), "%s needs %s: the ARN of the %s", kind, key, what)
	case !strings.HasPrefix(arn, "arn:") || limits.ARNService(arn) != kind:
		article := "a"
		if kind == "sqs" {
			article = "an"
		}
		v.add(n, v.paths[n], "%s is not the ARN of %s %s: write arn:aws:%s:REGION:ACCOUNT:...", arn, article, what, kind)
	case kind == "dynamodb" && !strings.Contains(arn, "/stream/"):
		v.add(n, v.paths[n], "%s is a table's ARN, not its stream's: use the table's LatestStreamArn (…:table/NAME/stream/TIME)", arn)
	}
}

// optionalUnlimited reads a number that may also be -1, for unlimited.
func optionalUnlimited(n *yaml.Node, k kind) *int {
	if isUnlimited(n) {
		v := -1
		return &v
	}
	return optionalInteger(n, k)
}

// isUnlimited reports whether n is the -1 that stands for unlimited.
func isUnlimited(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" && strings.TrimSpace(n.Value) == "-1"
}

func optionalBool(n *yaml.Node) *bool {
	if isNull(n) {
		return nil
	}
	b := text(n) == "true"
	return &b
}

// filters reads filter patterns: JSON text as written, a YAML mapping as
// the JSON it stands for.
func filters(n *yaml.Node) []string {
	if isNull(n) || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		p, _ := filterPattern(item)
		out = append(out, p)
	}
	return out
}

// filterPattern turns one filter into JSON text: Lambda takes patterns as
// JSON objects.
func filterPattern(n *yaml.Node) (string, error) {
	if n.Kind == yaml.ScalarNode {
		var v map[string]any
		if err := json.Unmarshal([]byte(n.Value), &v); err != nil {
			return n.Value, fmt.Errorf("a filter pattern is a JSON object such as {\"body\": {\"type\": [\"order\"]}}, or a YAML mapping: %w", err)
		}
		return n.Value, nil
	}
	if n.Kind != yaml.MappingNode {
		return "", fmt.Errorf("expected a filter pattern (a JSON object as text, or a mapping), got %s", describe(n))
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return "", fmt.Errorf("read filter pattern: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Patterns compare text such as ">" and "<": keep it as written.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("a filter pattern must be plain JSON data: %w", err)
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
