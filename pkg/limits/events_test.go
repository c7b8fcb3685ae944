package limits

import (
	"strings"
	"testing"
)

func TestCheckEventsBoundaries(t *testing.T) {
	t.Parallel()
	n := func(v int) *int { return &v }
	const queue, fifo = "arn:aws:sqs:us-east-1:1:jobs", "arn:aws:sqs:us-east-1:1:jobs.fifo"
	const stream = "arn:aws:kinesis:us-east-1:1:stream/clicks"
	sqs := func(mod func(*EventSource)) Events {
		s := EventSource{Field: "events[0].sqs", Kind: "sqs", ARN: queue}
		mod(&s)
		return Events{Timeout: 30, Sources: []EventSource{s}}
	}
	kin := func(mod func(*EventSource)) Events {
		s := EventSource{Field: "events[0].kinesis", Kind: "kinesis", ARN: stream, StartingPosition: "LATEST"}
		mod(&s)
		return Events{Sources: []EventSource{s}}
	}
	tests := []struct {
		name string
		e    Events
		// want is "severity field" of each finding, in order.
		want string
	}{
		{"nothing", Events{}, ""},
		{"sqs batch 0", sqs(func(s *EventSource) { s.BatchSize = n(0) }), "error events[0].sqs.batchSize"},
		{"sqs batch 1", sqs(func(s *EventSource) { s.BatchSize = n(1) }), ""},
		{"sqs batch 10 without window", sqs(func(s *EventSource) { s.BatchSize = n(10) }), ""},
		{"sqs batch 11 without window", sqs(func(s *EventSource) { s.BatchSize = n(11) }), "error events[0].sqs.batchSize"},
		{"sqs batch 11 with window 0", sqs(func(s *EventSource) { s.BatchSize, s.Window = n(11), n(0) }), "error events[0].sqs.batchSize"},
		{"sqs batch 11 with window 1s", sqs(func(s *EventSource) { s.BatchSize, s.Window = n(11), n(1) }), ""},
		{"sqs batch 10000 with window", sqs(func(s *EventSource) { s.BatchSize, s.Window = n(10000), n(5) }), ""},
		{"sqs batch 10001 with window", sqs(func(s *EventSource) { s.BatchSize, s.Window = n(10001), n(5) }), "error events[0].sqs.batchSize"},
		{"fifo batch 10", sqs(func(s *EventSource) { s.ARN, s.BatchSize = fifo, n(10) }), ""},
		{"fifo batch 11 with window", sqs(func(s *EventSource) { s.ARN, s.BatchSize, s.Window = fifo, n(11), n(5) }), "error events[0].sqs.batchSize"},
		{"sqs window 300", sqs(func(s *EventSource) { s.Window = n(300) }), ""},
		{"sqs window 301", sqs(func(s *EventSource) { s.Window = n(301) }), "error events[0].sqs.window"},
		{"sqs concurrency 1", sqs(func(s *EventSource) { s.MaximumConcurrency = n(1) }), "error events[0].sqs.maximumConcurrency"},
		{"sqs concurrency 2", sqs(func(s *EventSource) { s.MaximumConcurrency = n(2) }), ""},
		{"sqs concurrency 1000", sqs(func(s *EventSource) { s.MaximumConcurrency = n(1000) }), ""},
		{"sqs concurrency 1001", sqs(func(s *EventSource) { s.MaximumConcurrency = n(1001) }), "error events[0].sqs.maximumConcurrency"},
		{"visibility 29 s, timeout 30 s", sqs(func(s *EventSource) { s.VisibilityTimeout = n(29) }), "error events[0].sqs.queue"},
		{"visibility 30 s, timeout 30 s", sqs(func(s *EventSource) { s.VisibilityTimeout = n(30) }), "warning events[0].sqs.queue"},
		{"visibility 179 s, timeout 30 s", sqs(func(s *EventSource) { s.VisibilityTimeout = n(179) }), "warning events[0].sqs.queue"},
		{"visibility 180 s, timeout 30 s", sqs(func(s *EventSource) { s.VisibilityTimeout = n(180) }), ""},
		{"visibility 17 s, default timeout", Events{Sources: []EventSource{{Field: "events[0].sqs", Kind: "sqs", ARN: queue, VisibilityTimeout: n(17)}}}, "warning events[0].sqs.queue"},
		{"visibility 18 s, default timeout", Events{Sources: []EventSource{{Field: "events[0].sqs", Kind: "sqs", ARN: queue, VisibilityTimeout: n(18)}}}, ""},
		{"kinesis batch 0", kin(func(s *EventSource) { s.BatchSize = n(0) }), "error events[0].kinesis.batchSize"},
		{"kinesis batch 10000", kin(func(s *EventSource) { s.BatchSize = n(10000) }), ""},
		{"kinesis batch 10001", kin(func(s *EventSource) { s.BatchSize = n(10001) }), "error events[0].kinesis.batchSize"},
		{"parallelization 0", kin(func(s *EventSource) { s.Parallelization = n(0) }), "error events[0].kinesis.parallelization"},
		{"parallelization 1", kin(func(s *EventSource) { s.Parallelization = n(1) }), ""},
		{"parallelization 10", kin(func(s *EventSource) { s.Parallelization = n(10) }), ""},
		{"parallelization 11", kin(func(s *EventSource) { s.Parallelization = n(11) }), "error events[0].kinesis.parallelization"},
		{"retries -1", kin(func(s *EventSource) { s.MaximumRetries = n(-1) }), ""},
		{"retries -2", kin(func(s *EventSource) { s.MaximumRetries = n(-2) }), "error events[0].kinesis.maximumRetries"},
		{"retries 10000", kin(func(s *EventSource) { s.MaximumRetries = n(10000) }), ""},
		{"retries 10001", kin(func(s *EventSource) { s.MaximumRetries = n(10001) }), "error events[0].kinesis.maximumRetries"},
		{"record age -1", kin(func(s *EventSource) { s.MaximumRecordAge = n(-1) }), ""},
		{"record age 0", kin(func(s *EventSource) { s.MaximumRecordAge = n(0) }), "error events[0].kinesis.maximumRecordAge"},
		{"record age 59", kin(func(s *EventSource) { s.MaximumRecordAge = n(59) }), "error events[0].kinesis.maximumRecordAge"},
		{"record age 60", kin(func(s *EventSource) { s.MaximumRecordAge = n(60) }), ""},
		{"record age 604800", kin(func(s *EventSource) { s.MaximumRecordAge = n(604800) }), ""},
		{"record age 604801", kin(func(s *EventSource) { s.MaximumRecordAge = n(604801) }), "error events[0].kinesis.maximumRecordAge"},
		{"tumbling 900", kin(func(s *EventSource) { s.TumblingWindow = n(900) }), ""},
		{"tumbling 901", kin(func(s *EventSource) { s.TumblingWindow = n(901) }), "error events[0].kinesis.tumblingWindow"},
		{"stream window 301", kin(func(s *EventSource) { s.Window = n(301) }), "error events[0].kinesis.window"},
		{"at timestamp without a time", kin(func(s *EventSource) { s.StartingPosition = "AT_TIMESTAMP" }), "error events[0].kinesis.startingTimestamp"},
		{"at timestamp", kin(func(s *EventSource) { s.StartingPosition, s.StartingTimestamp = "AT_TIMESTAMP", "2026-01-02T15:04:05Z" }), ""},
		{"a bad time", kin(func(s *EventSource) { s.StartingPosition, s.StartingTimestamp = "AT_TIMESTAMP", "yesterday" }), "error events[0].kinesis.startingTimestamp"},
		{"a time without AT_TIMESTAMP", kin(func(s *EventSource) { s.StartingTimestamp = "2026-01-02T15:04:05Z" }), "error events[0].kinesis.startingTimestamp"},
		{"dynamodb at timestamp", Events{Sources: []EventSource{{Field: "events[0].dynamodb", Kind: "dynamodb", ARN: "arn:aws:dynamodb:us-east-1:1:table/t/stream/x", StartingPosition: "AT_TIMESTAMP", StartingTimestamp: "2026-01-02T15:04:05Z"}}}, "error events[0].dynamodb.startingPosition"},
		{"onFailure a function", kin(func(s *EventSource) { s.OnFailure = "arn:aws:lambda:us-east-1:1:function:f" }), "error events[0].kinesis.onFailure"},
		{"onFailure a queue", kin(func(s *EventSource) { s.OnFailure = queue }), ""},
		{"5 filters", sqs(func(s *EventSource) { s.Filters = 5 }), ""},
		{"6 filters", sqs(func(s *EventSource) { s.Filters = 6 }), "warning events[0].sqs.filters"},
		{"DLQ with a source", Events{DeadLetter: "arn:aws:sqs:us-east-1:1:dlq", Sources: []EventSource{{Field: "events[0].sqs", Kind: "sqs", ARN: queue}}}, "warning deadLetter"},
		{"DLQ without sources", Events{DeadLetter: "arn:aws:sqs:us-east-1:1:dlq"}, ""},
		{"DLQ is the source", Events{DeadLetter: queue, Sources: []EventSource{{Field: "events[0].sqs", Kind: "sqs", ARN: queue}}}, "error deadLetter\nwarning deadLetter"},
		{"destination is the source", Events{OnFailure: queue, Sources: []EventSource{{Field: "events[0].sqs", Kind: "sqs", ARN: queue}}}, "error destinations.onFailure"},
		{"stream failures to a source queue", Events{Sources: []EventSource{
			{Field: "events[0].sqs", Kind: "sqs", ARN: queue},
			{Field: "events[1].kinesis", Kind: "kinesis", ARN: stream, StartingPosition: "LATEST", OnFailure: queue},
		}}, "error events[1].kinesis.onFailure"},
		{"one source twice", Events{Sources: []EventSource{{Field: "events[0].sqs", Kind: "sqs", ARN: queue}, {Field: "events[1].sqs", Kind: "sqs", ARN: queue}}}, "error events[1].sqs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			fs := CheckEvents(tt.e)
			sortFindings(fs)
			for _, f := range fs {
				got = append(got, string(f.Severity)+" "+f.Field)
				if !strings.HasPrefix(f.Message, f.Field+":") || f.Hint == "" {
					t.Errorf("finding %q does not start with its field or has no hint", f.Message)
				}
			}
			if g := strings.Join(got, "\n"); g != tt.want {
				t.Errorf("findings:\n%s\nwant:\n%s", g, tt.want)
			}
		})
	}
}

func TestCheckEventsSaysWhatAWSSays(t *testing.T) {
	t.Parallel()
	vt, batch := 10, 20
	fs := CheckEvents(Events{Timeout: 60, Sources: []EventSource{{Field: "events[0].sqs", Kind: "sqs", ARN: "arn:aws:sqs:us-east-1:1:q", VisibilityTimeout: &vt, BatchSize: &batch}}})
	var aws []string
	for _, f := range fs {
		aws = append(aws, f.AWSError)
	}
	want := "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10\nQueue visibility timeout: 10 seconds is less than Function timeout: 60 seconds"
	if strings.Join(aws, "\n") != want {
		t.Errorf("AWS errors:\n%s\nwant:\n%s", strings.Join(aws, "\n"), want)
	}
}
