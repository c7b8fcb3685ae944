package config

import (
	"context"
	"strings"
	"testing"
)

func TestEventsAreRead(t *testing.T) {
	t.Parallel()
	f := fn(t, mustLoad(t, `functions:
  worker:
    events:
      - sqs:
          queue: arn:aws:sqs:us-east-1:123456789012:jobs.fifo
          batchSize: 10
          window: 5s
          maximumConcurrency: 5
          reportBatchItemFailures: true
          filters:
            - '{"body": {"type": ["order"]}}'
            - {body: {size: [{numeric: [">", 10]}]}}
      - kinesis: {stream: "arn:aws:kinesis:us-east-1:123456789012:stream/clicks", parallelization: 2, maximumRetries: -1, maximumRecordAge: 1h, enabled: false}
      - dynamodb: {stream: "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000", startingPosition: TRIM_HORIZON, onFailure: "arn:aws:sqs:us-east-1:123456789012:dlq"}
`, LoadOptions{}), "worker")
	if len(f.Events) != 3 {
		t.Fatalf("events = %+v", f.Events)
	}
	q := f.Events[0].SQS
	if q == nil || *q.BatchSize != 10 || *q.Window != 5 || *q.MaximumConcurrency != 5 || !q.ReportBatchItemFailures || q.Enabled != nil {
		t.Errorf("sqs = %+v", q)
	}
	if want := []string{`{"body": {"type": ["order"]}}`, `{"body":{"size":[{"numeric":[">",10]}]}}`}; strings.Join(q.Filters, "|") != strings.Join(want, "|") {
		t.Errorf("filters = %q, want %q", q.Filters, want)
	}
	k := f.Events[1].Kinesis
	if k == nil || k.StartingPosition != StartLatest || *k.Parallelization != 2 || *k.MaximumRetries != -1 || *k.MaximumRecordAge != 3600 || k.Enabled == nil || *k.Enabled {
		t.Errorf("kinesis = %+v", k)
	}
	d := f.Events[2]
	if d.Kind() != "dynamodb" || d.Stream().StartingPosition != StartTrimHorizon || d.Stream().OnFailure == "" || d.ARN() == "" {
		t.Errorf("dynamodb = %+v", d.DynamoDB)
	}
}

func TestEventProblemsNameTheField(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, item, want string }{
		{"two kinds", `{sqs: {queue: "arn:aws:sqs:us-east-1:1:q"}, kinesis: {stream: "arn:aws:kinesis:us-east-1:1:stream/s"}}`, "functions.w.events[0]: set exactly one of sqs, kinesis, dynamodb here, got 2 (sqs, kinesis)"},
		{"none", `{}`, "functions.w.events[0]: set one of sqs, kinesis, dynamodb here"},
		{"not a mapping", `arn:aws:sqs:us-east-1:1:q`, "functions.w.events[0]: expected a mapping"},
		{"unknown key", `{sqs: {queue: "arn:aws:sqs:us-east-1:1:q", batchSiz: 5}}`, `functions.w.events[0].sqs.batchSiz: unknown key (did you mean "batchSize"?)`},
		{"no queue", `{sqs: {batchSize: 5}}`, "functions.w.events[0].sqs.queue: sqs needs queue: the ARN of the SQS queue"},
		{"queue of another service", `{sqs: {queue: "arn:aws:sns:us-east-1:1:t"}}`, "functions.w.events[0].sqs.queue: arn:aws:sns:us-east-1:1:t is not the ARN of an SQS queue"},
		{"table instead of stream", `{dynamodb: {stream: "arn:aws:dynamodb:us-east-1:1:table/t"}}`, "functions.w.events[0].dynamodb.stream: arn:aws:dynamodb:us-east-1:1:table/t is a table's ARN, not its stream's"},
		{"filter not JSON", `{sqs: {queue: "arn:aws:sqs:us-east-1:1:q", filters: [body]}}`, "functions.w.events[0].sqs.filters[0]: a filter pattern is a JSON object"},
		{"filter a list", `{sqs: {queue: "arn:aws:sqs:us-east-1:1:q", filters: [[a]]}}`, "functions.w.events[0].sqs.filters[0]: expected a filter pattern"},
		{"retries -2", `{kinesis: {stream: "arn:aws:kinesis:us-east-1:1:stream/s", maximumRetries: -2}}`, "functions.w.events[0].kinesis.maximumRetries: -2 is out of range"},
		{"bad position", `{kinesis: {stream: "arn:aws:kinesis:us-east-1:1:stream/s", startingPosition: OLDEST}}`, "functions.w.events[0].kinesis.startingPosition: expected LATEST, TRIM_HORIZON or AT_TIMESTAMP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), []byte("functions:\n  w:\n    events:\n      - "+tt.item+"\n"), "lamb.yaml", LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant a problem containing %q", err, tt.want)
			}
		})
	}
}
