// Package logs reads a Lambda function's CloudWatch Logs: the events of a
// time window, optionally only those of some versions or matching a filter
// pattern, and, when following, the new ones as they arrive.
package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/lambcli/lamb/internal/clock"
)

// API is the CloudWatch Logs call reading needs.
type API interface {
	FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
}

// FunctionAPI is the Lambda calls that find where a function logs and
// which versions a qualifier stands for.
type FunctionAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
}

// DefaultGroup is the log group Lambda writes a function's logs to unless
// its logging configuration names another.
func DefaultGroup(function string) string { return "/aws/lambda/" + function }

// GroupOf is the log group a function with logging configuration c (nil:
// none) writes to.
func GroupOf(function string, c *lambdatypes.LoggingConfig) string {
	if c != nil && aws.ToString(c.LogGroup) != "" {
		return aws.ToString(c.LogGroup)
	}
	return DefaultGroup(function)
}

// Target is where a function's events are and which of them to show.
type Target struct {
	Group string
	// Versions, when set, keeps only the events of these versions ("$LATEST"
	// or a number): Lambda names each log stream after the version that
	// wrote it (2026/12/04/[7]0f3c…).
	Versions []string
}

// Resolve finds the function's log group and the versions qualifier stands
// for: none (every version), a version, or an alias (the versions it
// routes to, weighted ones included).
func Resolve(ctx context.Context, api FunctionAPI, function, qualifier string) (Target, error) {
	t := Target{Group: DefaultGroup(function)}
	cfg, err := api.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function)})
	if err != nil {
		return t, fmt.Errorf("read the configuration of %s: %w", function, err)
	}
	t.Group = GroupOf(function, cfg.LoggingConfig)
	switch {
	case qualifier == "":
	case qualifier == "$LATEST" || isNumber(qualifier):
		t.Versions = []string{qualifier}
	default:
		a, err := api.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(function), Name: aws.String(qualifier)})
		if err != nil {
			return t, fmt.Errorf("read alias %s of %s (--qualifier takes a version number, $LATEST or an alias): %w", qualifier, function, err)
		}
		t.Versions = []string{aws.ToString(a.FunctionVersion)}
		if a.RoutingConfig != nil {
			for v := range a.RoutingConfig.AdditionalVersionWeights {
				t.Versions = append(t.Versions, v)
			}
		}
		slices.Sort(t.Versions[1:])
	}
	return t, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// Event is one log event.
type Event struct {
	Time    time.Time `json:"time"`
	Stream  string    `json:"stream"`
	Message string    `json:"message"`
	ID      string    `json:"id"`
}

// Query says which events to read.
type Query struct {
	Target
	Since  time.Time // the first event time to show
	Filter string    // a CloudWatch Logs filter pattern; empty for all
	Follow bool      // keep reading new events until ctx ends
	// Poll is the pause between reads when following; 0 means 2 s.
	Poll time.Duration
	// Sleep waits between polls; nil means clock.Sleep. Tests replace it.
	Sleep func(context.Context, time.Duration) error
}

// lateness is how long after its time an event may still arrive and be
// shown when following.
const lateness = 30 * time.Second

// ErrNoGroup is returned when the log group does not exist yet.
var ErrNoGroup = errors.New("log group does not exist")

// Read calls emit with each event of the query, oldest first. Following,
// it reads again every Poll from shortly before the newest event's time,
// skipping what it already emitted, until ctx ends; a group that does not exist yet is
// waited for. Without Follow a missing group is ErrNoGroup.
func Read(ctx context.Context, api API, q Query, emit func(Event) error) error {
	poll, sleep := q.Poll, q.Sleep
	if poll <= 0 {
		poll = 2 * time.Second
	}
	if sleep == nil {
		sleep = clock.Sleep
	}
	// Events reach CloudWatch Logs a little after their time, so each read
	// goes back lateness before the newest event shown; seen holds the IDs
	// shown in that stretch so none is shown twice.
	newest := q.Since
	seen := map[string]time.Time{}
	for {
		from := newest.Add(-lateness)
		if from.Before(q.Since) {
			from = q.Since
		}
		events, err := readWindow(ctx, api, q, from)
		switch {
		case errors.Is(err, ErrNoGroup) && q.Follow:
		case err != nil:
			return err
		}
		for _, e := range events {
			if _, dup := seen[e.ID]; dup || !q.wants(e.Stream) {
				continue
			}
			seen[e.ID] = e.Time
			if e.Time.After(newest) {
				newest = e.Time
			}
			if err := emit(e); err != nil {
				return err
			}
		}
		for id, t := range seen {
			if t.Before(newest.Add(-lateness)) {
				delete(seen, id)
			}
		}
		if !q.Follow {
			return nil
		}
		if err := sleep(ctx, poll); err != nil {
			return err
		}
	}
}

func (q Query) wants(stream string) bool {
	if len(q.Versions) == 0 {
		return true
	}
	for _, v := range q.Versions {
		if strings.Contains(stream, "["+v+"]") {
			return true
		}
	}
	return false
}

// readWindow reads every event from from on, page by page, in time order.
func readWindow(ctx context.Context, api API, q Query, from time.Time) ([]Event, error) {
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(q.Group), StartTime: aws.Int64(from.UnixMilli())}
	if q.Filter != "" {
		in.FilterPattern = aws.String(q.Filter)
	}
	var out []Event
	for {
		page, err := api.FilterLogEvents(ctx, in)
		if err != nil {
			var nf *logtypes.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil, fmt.Errorf("%s: %w", q.Group, ErrNoGroup)
			}
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "InvalidParameterException" && q.Filter != "" {
				return nil, fmt.Errorf("--filter %q is not a CloudWatch Logs filter pattern: %s", q.Filter, ae.ErrorMessage())
			}
			return nil, fmt.Errorf("read log group %s: %w", q.Group, err)
		}
		for _, e := range page.Events {
			out = append(out, Event{
				Time:    time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(),
				Stream:  aws.ToString(e.LogStreamName),
				Message: strings.TrimRight(aws.ToString(e.Message), "\r\n"),
				ID:      aws.ToString(e.EventId),
			})
		}
		next := aws.ToString(page.NextToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			break
		}
		in.NextToken = aws.String(next)
	}
	slices.SortStableFunc(out, func(a, b Event) int { return a.Time.Compare(b.Time) })
	return out, nil
}
