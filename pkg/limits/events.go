package limits

import (
	"fmt"
	"strings"
	"time"
)

// Ranges of event source mappings, fixed by the Lambda API
// (CreateEventSourceMapping): BatchSize, MaximumBatchingWindowInSeconds,
// ScalingConfig.MaximumConcurrency, ParallelizationFactor,
// MaximumRetryAttempts, MaximumRecordAgeInSeconds and
// TumblingWindowInSeconds. -1 stands for unlimited where Lambda allows it.
const (
	SQSBatchSizeMax          = 10
	SQSBatchSizeWindowedMax  = 10000
	StreamBatchSizeMax       = 10000
	BatchingWindowMax        = 300
	SQSMaximumConcurrencyMin = 2
	SQSMaximumConcurrencyMax = 1000
	ParallelizationMax       = 10
	MaximumRetriesMax        = 10000
	MaximumRecordAgeMin      = 60
	MaximumRecordAgeMax      = 604800
	TumblingWindowMax        = 900
	// FiltersPerSource is the default quota of filter patterns per mapping
	// (raised on request up to 10).
	FiltersPerSource = 5
	// VisibilityTimeoutFactor is how many times the function timeout AWS
	// recommends for the visibility timeout of a queue source.
	VisibilityTimeoutFactor = 6
	// defaultFunctionTimeout is Lambda's when lamb.yaml sets none.
	defaultFunctionTimeout = 3
)

// EventSource is one entry of a function's events as the checks read it;
// nil numbers are unset.
type EventSource struct {
	// Field is its place in lamb.yaml: events[0].sqs.
	Field string
	// Kind is sqs, kinesis or dynamodb; ARN the queue's or the stream's.
	Kind string
	ARN  string

	BatchSize, Window, MaximumConcurrency                             *int
	Parallelization, MaximumRetries, MaximumRecordAge, TumblingWindow *int
	StartingPosition, StartingTimestamp                               string
	OnFailure                                                         string
	Filters                                                           int

	// VisibilityTimeout is the queue's, in seconds, when it could be read
	// (GetQueueAttributes); nil when not.
	VisibilityTimeout *int
}

// Events is what the event source checks read of a function.
type Events struct {
	// Timeout is the function's in seconds; 0 means Lambda's default.
	Timeout int
	// DeadLetter and the destinations are the function's asynchronous
	// targets.
	DeadLetter, OnSuccess, OnFailure string
	Sources                          []EventSource
}

// CheckEvents checks the event sources of a function against the ranges
// Lambda accepts, the queue's visibility timeout against the function's
// timeout, and the function's asynchronous targets against its sources: a
// dead-letter queue does nothing for polled sources, and a target that is
// also a source feeds the function its own failures.
func CheckEvents(e Events) []Finding {
	var fs []Finding
	seen := map[string]string{}
	for _, s := range e.Sources {
		if first, dup := seen[s.ARN]; dup && s.ARN != "" {
			fs = append(fs, Finding{
				Check: "events", Severity: SeverityError, Field: s.Field,
				Message: fmt.Sprintf("%s: %s is already the source of %s; Lambda keeps one mapping per source and function", s.Field, s.ARN, first),
				Hint:    "merge the two entries into one",
			})
		}
		seen[s.ARN] = s.Field
		if s.Kind == "sqs" {
			fs = append(fs, checkQueue(s, e.Timeout)...)
		} else {
			fs = append(fs, checkStream(s)...)
		}
		if s.Filters > FiltersPerSource {
			fs = append(fs, Finding{
				Check: "events", Severity: SeverityWarning, Field: s.Field + ".filters",
				Message:  fmt.Sprintf("%s.filters: %d filter patterns; Lambda's default quota is %d per event source", s.Field, s.Filters, FiltersPerSource),
				Hint:     "combine patterns, or ask for a higher quota (up to 10) in Service Quotas",
				Measured: num(int64(s.Filters)), Limit: num(FiltersPerSource), Unit: "patterns",
			})
		}
	}
	if len(e.Sources) > 0 && e.DeadLetter != "" {
		fs = append(fs, Finding{
			Check: "events", Severity: SeverityWarning, Field: "deadLetter",
			Message: "deadLetter: the function's dead-letter queue applies to asynchronous invocations only; messages and records from its event sources never reach it",
			Hint:    "for a queue source, set a redrive policy (a dead-letter queue) on the queue itself; for a stream, set onFailure on the source",
		})
	}
	targets := []struct{ field, arn string }{
		{"deadLetter", e.DeadLetter}, {"destinations.onSuccess", e.OnSuccess}, {"destinations.onFailure", e.OnFailure},
	}
	for _, s := range e.Sources {
		if st := s.OnFailure; st != "" {
			targets = append(targets, struct{ field, arn string }{s.Field + ".onFailure", st})
		}
	}
	for _, t := range targets {
		if src, ok := seen[t.arn]; ok && t.arn != "" {
			fs = append(fs, Finding{
				Check: "events", Severity: SeverityError, Field: t.field,
				Message: fmt.Sprintf("%s: %s is also the function's event source %s: what the function sends there invokes it again, in a loop", t.field, t.arn, src),
				Hint:    "send failures and results to another queue or topic",
			})
		}
	}
	return fs
}

// rangeFinding reports v outside lo..hi (or -1 when unlimited) at field.
func rangeFinding(field string, v *int, lo, hi int64, unit string, unlimited bool, hint string) []Finding {
	if v == nil {
		return nil
	}
	n := int64(*v)
	if (n >= lo && n <= hi) || (unlimited && n == -1) {
		return nil
	}
	f := Finding{Check: "events", Severity: SeverityError, Field: field, Measured: num(n), Unit: unit, Hint: hint}
	what := fmt.Sprintf("%d to %d", lo, hi)
	if unlimited {
		what = "-1 (unlimited) or " + what
	}
	if n < lo {
		f.Limit = num(lo)
	} else {
		f.Limit = num(hi)
	}
	f.Message = fmt.Sprintf("%s: %d is outside what Lambda accepts: %s%s", field, n, what, suffix(unit))
	return []Finding{f}
}

func suffix(unit string) string {
	if unit == "" {
		return ""
	}
	return " " + unit
}

// checkQueue checks an SQS source.
func checkQueue(s EventSource, timeout int) []Finding {
	var fs []Finding
	fifo := strings.HasSuffix(s.ARN, ".fifo")
	windowed := s.Window != nil && *s.Window > 0
	field := s.Field + ".batchSize"
	if b := s.BatchSize; b != nil {
		n := int64(*b)
		switch {
		case n < 1:
			fs = append(fs, rangeFinding(field, b, 1, SQSBatchSizeMax, "messages", false, "set batchSize to 1 or more")...)
		case fifo && n > SQSBatchSizeMax:
			fs = append(fs, Finding{
				Check: "events", Severity: SeverityError, Field: field,
				Message:  fmt.Sprintf("%s: %d messages is above the %d Lambda takes from a FIFO queue", field, n, SQSBatchSizeMax),
				Hint:     fmt.Sprintf("set batchSize to %d or less", SQSBatchSizeMax),
				Measured: num(n), Limit: num(SQSBatchSizeMax), Unit: "messages",
			})
		case !windowed && n > SQSBatchSizeMax:
			fs = append(fs, Finding{
				Check: "events", Severity: SeverityError, Field: field,
				Message:  fmt.Sprintf("%s: %d messages is above %d, the most Lambda takes from a queue without a batching window", field, n, SQSBatchSizeMax),
				Hint:     fmt.Sprintf("set window (1s or more) to use batches of up to %d, or lower batchSize to %d", SQSBatchSizeWindowedMax, SQSBatchSizeMax),
				Measured: num(n), Limit: num(SQSBatchSizeMax), Unit: "messages",
				AWSError: "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10",
			})
		case n > SQSBatchSizeWindowedMax:
			fs = append(fs, rangeFinding(field, b, 1, SQSBatchSizeWindowedMax, "messages", false, fmt.Sprintf("set batchSize to %d or less", SQSBatchSizeWindowedMax))...)
		}
	}
	fs = append(fs, rangeFinding(s.Field+".window", s.Window, 0, BatchingWindowMax, "s", false, "set window to 5m or less")...)
	fs = append(fs, rangeFinding(s.Field+".maximumConcurrency", s.MaximumConcurrency, SQSMaximumConcurrencyMin, SQSMaximumConcurrencyMax, "invocations", false,
		"set maximumConcurrency from 2 to 1000, or leave it out")...)
	if vt := s.VisibilityTimeout; vt != nil {
		t := timeout
		if t == 0 {
			t = defaultFunctionTimeout
		}
		switch {
		case *vt < t:
			fs = append(fs, Finding{
				Check: "events", Severity: SeverityError, Field: s.Field + ".queue",
				Message:  fmt.Sprintf("%s.queue: the queue's visibility timeout (%d s) is below the function's timeout (%d s); Lambda refuses the mapping", s.Field, *vt, t),
				Hint:     fmt.Sprintf("raise the queue's VisibilityTimeout to %d s or more (AWS recommends %d× the timeout: %d s), or lower timeout", t, VisibilityTimeoutFactor, VisibilityTimeoutFactor*t),
				Measured: num(int64(*vt)), Limit: num(int64(t)), Unit: "s",
				AWSError: fmt.Sprintf("Queue visibility timeout: %d seconds is less than Function timeout: %d seconds", *vt, t),
			})
		case *vt < VisibilityTimeoutFactor*t:
			fs = append(fs, Finding{
				Check: "events", Severity: SeverityWarning, Field: s.Field + ".queue",
				Message:  fmt.Sprintf("%s.queue: the queue's visibility timeout (%d s) is below %d× the function's timeout (%d s), which AWS recommends so that retries of a throttled batch do not make messages visible again while they are processed", s.Field, *vt, VisibilityTimeoutFactor, t),
				Hint:     fmt.Sprintf("raise the queue's VisibilityTimeout to %d s", VisibilityTimeoutFactor*t),
				Measured: num(int64(*vt)), Limit: num(int64(VisibilityTimeoutFactor * t)), Unit: "s",
			})
		}
	}
	return fs
}

// checkStream checks a Kinesis or DynamoDB stream source.
func checkStream(s EventSource) []Finding {
	var fs []Finding
	f := s.Field
	fs = append(fs, rangeFinding(f+".batchSize", s.BatchSize, 1, StreamBatchSizeMax, "records", false, fmt.Sprintf("set batchSize from 1 to %d", StreamBatchSizeMax))...)
	fs = append(fs, rangeFinding(f+".window", s.Window, 0, BatchingWindowMax, "s", false, "set window to 5m or less")...)
	fs = append(fs, rangeFinding(f+".parallelization", s.Parallelization, 1, ParallelizationMax, "batches per shard", false, fmt.Sprintf("set parallelization from 1 to %d", ParallelizationMax))...)
	fs = append(fs, rangeFinding(f+".maximumRetries", s.MaximumRetries, 0, MaximumRetriesMax, "retries", true, "set maximumRetries from 0 to 10000, or -1 to retry until the record expires")...)
	fs = append(fs, rangeFinding(f+".maximumRecordAge", s.MaximumRecordAge, MaximumRecordAgeMin, MaximumRecordAgeMax, "s", true, "set maximumRecordAge from 60s to 7 days (168h), or -1 to keep records until they expire")...)
	fs = append(fs, rangeFinding(f+".tumblingWindow", s.TumblingWindow, 0, TumblingWindowMax, "s", false, "set tumblingWindow to 15m or less")...)
	switch {
	case s.StartingPosition == "AT_TIMESTAMP" && s.Kind == "dynamodb":
		fs = append(fs, Finding{Check: "events", Severity: SeverityError, Field: f + ".startingPosition",
			Message: f + ".startingPosition: DynamoDB streams start at LATEST or TRIM_HORIZON only",
			Hint:    "use LATEST or TRIM_HORIZON"})
	case s.StartingPosition == "AT_TIMESTAMP" && s.StartingTimestamp == "":
		fs = append(fs, Finding{Check: "events", Severity: SeverityError, Field: f + ".startingTimestamp",
			Message: f + ".startingTimestamp: AT_TIMESTAMP needs the time to start reading from",
			Hint:    "set startingTimestamp, e.g. 2026-01-02T15:04:05Z"})
	case s.StartingTimestamp != "" && s.StartingPosition != "AT_TIMESTAMP":
		fs = append(fs, Finding{Check: "events", Severity: SeverityError, Field: f + ".startingTimestamp",
			Message: f + ".startingTimestamp: a starting time needs startingPosition AT_TIMESTAMP",
			Hint:    "set startingPosition: AT_TIMESTAMP, or remove startingTimestamp"})
	case s.StartingTimestamp != "":
		if _, err := time.Parse(time.RFC3339, s.StartingTimestamp); err != nil {
			fs = append(fs, Finding{Check: "events", Severity: SeverityError, Field: f + ".startingTimestamp",
				Message: fmt.Sprintf("%s.startingTimestamp: %q is not an RFC 3339 time", f, s.StartingTimestamp),
				Hint:    "write it like 2026-01-02T15:04:05Z"})
		}
	}
	if d := s.OnFailure; d != "" {
		if service := ARNService(d); !isARN(d) || (service != "sqs" && service != "sns" && service != "s3") {
			fs = append(fs, Finding{Check: "events", Severity: SeverityError, Field: f + ".onFailure",
				Message: fmt.Sprintf("%s.onFailure: %s is not the ARN of an SQS queue, SNS topic or S3 bucket, where Lambda sends failed batches of a stream", f, d),
				Hint:    "give the ARN of an SQS queue, an SNS topic or an S3 bucket"})
		}
	}
	return fs
}
