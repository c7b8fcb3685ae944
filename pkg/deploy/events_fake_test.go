package deploy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/config"
)

// The event source mapping calls of scriptedExtras. They show what moto
// does not: mappings busy being created or updated (ResourceInUse), a
// starting position read back from a mapping, and a failure halfway.
func (s *scriptedExtras) ListEventSourceMappings(_ context.Context, in *lambda.ListEventSourceMappingsInput, _ ...func(*lambda.Options)) (*lambda.ListEventSourceMappingsOutput, error) {
	return scriptedAnswer[lambda.ListEventSourceMappingsOutput](s, "ListEventSourceMappings", in)
}
func (s *scriptedExtras) CreateEventSourceMapping(_ context.Context, in *lambda.CreateEventSourceMappingInput, _ ...func(*lambda.Options)) (*lambda.CreateEventSourceMappingOutput, error) {
	return scriptedAnswer[lambda.CreateEventSourceMappingOutput](s, "CreateEventSourceMapping", in)
}
func (s *scriptedExtras) UpdateEventSourceMapping(_ context.Context, in *lambda.UpdateEventSourceMappingInput, _ ...func(*lambda.Options)) (*lambda.UpdateEventSourceMappingOutput, error) {
	return scriptedAnswer[lambda.UpdateEventSourceMappingOutput](s, "UpdateEventSourceMapping", in)
}
func (s *scriptedExtras) DeleteEventSourceMapping(_ context.Context, in *lambda.DeleteEventSourceMappingInput, _ ...func(*lambda.Options)) (*lambda.DeleteEventSourceMappingOutput, error) {
	return scriptedAnswer[lambda.DeleteEventSourceMappingOutput](s, "DeleteEventSourceMapping", in)
}

var _ EventsAPI = (*scriptedExtras)(nil)

const (
	queueARN  = "arn:aws:sqs:us-east-1:123456789012:jobs"
	streamARN = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
)

func listed(ms ...lambdatypes.EventSourceMappingConfiguration) *lambda.ListEventSourceMappingsOutput {
	return &lambda.ListEventSourceMappingsOutput{EventSourceMappings: ms}
}

func mapping(uuid, source string, batch int32) lambdatypes.EventSourceMappingConfiguration {
	return lambdatypes.EventSourceMappingConfiguration{UUID: aws.String(uuid), EventSourceArn: aws.String(source), BatchSize: aws.Int32(batch), State: aws.String("Enabled")}
}

func eventsSpec(owned string, sources ...config.EventSource) EventsSpec {
	return EventsSpec{Function: "fn", FunctionARN: fnARN, Alias: "live", Tags: map[string]string{EventsTag: owned}, Sources: sources}
}

func intp(v int) *int { return &v }

func TestSyncEventsAdoptsAHandMadeMappingOfAListedSource(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "ListEventSourceMappings", out: listed(mapping("aaaa1111-0000", queueARN, 10), mapping("bbbb2222-0000", "arn:aws:sqs:us-east-1:123456789012:other", 3))},
		{op: "UpdateEventSourceMapping"},
		{op: "TagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	changes, err := d.SyncEvents(t.Context(), eventsSpec("", config.EventSource{SQS: &config.SQSSource{Queue: queueARN, BatchSize: intp(5)}}))
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	if got := fields(changes); got != "events[0].sqs.batchSize: 10 → 5" {
		t.Errorf("changes = %s", got)
	}
	list := api.inputs[0].(*lambda.ListEventSourceMappingsInput)
	if aws.ToString(list.FunctionName) != fnARN+":live" {
		t.Errorf("listed mappings of %s, want the alias ARN", aws.ToString(list.FunctionName))
	}
	up := api.inputs[1].(*lambda.UpdateEventSourceMappingInput)
	if aws.ToString(up.UUID) != "aaaa1111-0000" || aws.ToInt32(up.BatchSize) != 5 || up.MaximumBatchingWindowInSeconds != nil || up.FilterCriteria != nil || up.Enabled != nil {
		t.Errorf("update sends %+v, want the batch size alone", up)
	}
	// The other queue's mapping, made by hand, is neither touched nor adopted.
	if tag := api.inputs[2].(*lambda.TagResourceInput); tag.Tags[EventsTag] != "aaaa1111" {
		t.Errorf("record = %q, want aaaa1111", tag.Tags[EventsTag])
	}
}

func TestSyncEventsReplacesAStreamMappingWhoseStartChanged(t *testing.T) {
	t.Parallel()
	m := mapping("aaaa1111-0000", streamARN, 100)
	m.StartingPosition = lambdatypes.EventSourcePositionLatest
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "ListEventSourceMappings", out: listed(m)},
		{op: "DeleteEventSourceMapping"},
		{op: "CreateEventSourceMapping", out: &lambda.CreateEventSourceMappingOutput{UUID: aws.String("cccc3333-0000")}},
		{op: "TagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	src := config.EventSource{Kinesis: &config.StreamSource{Stream: streamARN, StartingPosition: config.StartTrimHorizon, OnFailure: queueARN}}
	changes, err := d.SyncEvents(t.Context(), eventsSpec("aaaa1111", src))
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	if got := fields(changes); got != "events[0].kinesis.startingPosition: LATEST → TRIM_HORIZON; events[0].kinesis.onFailure: "+queueARN {
		t.Errorf("changes = %s", got)
	}
	create := api.inputs[2].(*lambda.CreateEventSourceMappingInput)
	if create.StartingPosition != lambdatypes.EventSourcePositionTrimHorizon || aws.ToString(create.FunctionName) != fnARN+":live" ||
		aws.ToString(create.DestinationConfig.OnFailure.Destination) != queueARN {
		t.Errorf("create %+v", create)
	}
	if tag := api.inputs[3].(*lambda.TagResourceInput); tag.Tags[EventsTag] != "cccc3333" {
		t.Errorf("record = %q, want the new mapping alone", tag.Tags[EventsTag])
	}
}

func TestSyncEventsWaitsForAMappingInUse(t *testing.T) {
	t.Parallel()
	inUse := &lambdatypes.ResourceInUseException{Message: aws.String("Cannot update the event source mapping because it is in use.")}
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "ListEventSourceMappings", out: listed(mapping("aaaa1111-0000", queueARN, 10))},
		{op: "UpdateEventSourceMapping", err: inUse},
		{op: "UpdateEventSourceMapping", err: inUse},
		{op: "UpdateEventSourceMapping"},
	}}
	clock := &fakeClock{}
	d := clock.deployer(api)
	if _, err := d.SyncEvents(t.Context(), eventsSpec("aaaa1111", config.EventSource{SQS: &config.SQSSource{Queue: queueARN, BatchSize: intp(4)}})); err != nil {
		t.Fatal(err)
	}
	api.done()
	if clock.sleeps != 2 {
		t.Errorf("slept %d times, want 2", clock.sleeps)
	}

	// A mapping that stays busy is given up on, naming the call.
	busy := []scripted{{op: "ListEventSourceMappings", out: listed(mapping("aaaa1111-0000", queueARN, 10))}}
	for range 40 {
		busy = append(busy, scripted{op: "UpdateEventSourceMapping", err: inUse})
	}
	api = &scriptedExtras{t: t, script: busy}
	_, err := (&fakeClock{}).deployer(api).SyncEvents(t.Context(), eventsSpec("aaaa1111", config.EventSource{SQS: &config.SQSSource{Queue: queueARN, BatchSize: intp(4)}}))
	if err == nil || !strings.Contains(err.Error(), "UpdateEventSourceMapping on fn:live still failed after 2m0s") {
		t.Errorf("err = %v", err)
	}
}

func TestSyncEventsRecordsWhatItCreatedBeforeAFailure(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "ListEventSourceMappings", out: listed()},
		{op: "CreateEventSourceMapping", out: &lambda.CreateEventSourceMappingOutput{UUID: aws.String("dddd4444-0000")}},
		{op: "CreateEventSourceMapping", err: notFound()},
		{op: "TagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	_, err := d.SyncEvents(t.Context(), eventsSpec("",
		config.EventSource{SQS: &config.SQSSource{Queue: queueARN}},
		config.EventSource{Kinesis: &config.StreamSource{Stream: streamARN, StartingPosition: config.StartLatest}}))
	if err == nil || !strings.Contains(err.Error(), "map "+streamARN+" to fn:live") {
		t.Errorf("err = %v", err)
	}
	api.done()
	if tag := api.inputs[3].(*lambda.TagResourceInput); tag.Tags[EventsTag] != "dddd4444" {
		t.Errorf("record = %q, want the mapping created", tag.Tags[EventsTag])
	}
}

func TestSyncEventsForgetsMappingsDeletedByHand(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t, script: []scripted{
		{op: "ListEventSourceMappings", out: listed(mapping("eeee5555-0000", "arn:aws:sqs:us-east-1:123456789012:other", 3))},
		{op: "UntagResource"},
	}}
	d := (&fakeClock{}).deployer(api)
	changes, err := d.SyncEvents(t.Context(), eventsSpec("aaaa1111"))
	if err != nil || len(changes) != 0 {
		t.Fatalf("changes %v, err %v", changes, err)
	}
	api.done()
}

func TestPlanEventsOfANewFunctionReadsNothing(t *testing.T) {
	t.Parallel()
	api := &scriptedExtras{t: t}
	spec := eventsSpec("", config.EventSource{SQS: &config.SQSSource{Queue: queueARN}})
	spec.New, spec.FunctionARN = true, ""
	changes, err := PlanEvents(t.Context(), api, spec)
	if err != nil || fields(changes) != "events[0].sqs: "+queueARN {
		t.Errorf("changes %s, err %v", fields(changes), err)
	}
	api.done()
}

func TestEventsCompareWithLambdasDefaults(t *testing.T) {
	t.Parallel()
	// What Lambda answers for a stream mapping made with nothing but a
	// starting position, and a filter written in another key order.
	m := lambdatypes.EventSourceMappingConfiguration{
		UUID: aws.String("ffff6666-0000"), EventSourceArn: aws.String(streamARN), StartingPosition: lambdatypes.EventSourcePositionLatest,
		BatchSize: aws.Int32(100), MaximumBatchingWindowInSeconds: aws.Int32(0), ParallelizationFactor: aws.Int32(1),
		MaximumRetryAttempts: aws.Int32(-1), MaximumRecordAgeInSeconds: aws.Int32(-1), BisectBatchOnFunctionError: aws.Bool(false),
		TumblingWindowInSeconds: aws.Int32(0), State: aws.String("Enabled"), DestinationConfig: &lambdatypes.DestinationConfig{OnFailure: &lambdatypes.OnFailure{}},
		FilterCriteria: &lambdatypes.FilterCriteria{Filters: []lambdatypes.Filter{{Pattern: aws.String(`{"data":{"b":[2],"a":[1]}}`)}}},
	}
	src := config.EventSource{Kinesis: &config.StreamSource{Stream: streamARN, StartingPosition: config.StartLatest, Filters: []string{`{"data": {"a": [1], "b": [2]}}`}}}
	if cs := diffFields(mappingFields("events[0].kinesis", "kinesis", &m), wantedFields("events[0].kinesis", src)); len(cs) != 0 {
		t.Errorf("an unchanged mapping differs: %s", fields(cs))
	}
}

func TestEventPolicyIsScopedToTheSources(t *testing.T) {
	t.Parallel()
	if got := EventPolicy(nil); got != "" {
		t.Errorf("policy without sources = %s", got)
	}
	const ddb = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026"
	const topic = "arn:aws:sns:us-east-1:123456789012:alerts"
	doc := EventPolicy([]config.EventSource{
		{SQS: &config.SQSSource{Queue: queueARN}},
		{Kinesis: &config.StreamSource{Stream: streamARN, OnFailure: "arn:aws:sqs:us-east-1:123456789012:dlq"}},
		{DynamoDB: &config.StreamSource{Stream: ddb, OnFailure: topic}},
		{SQS: &config.SQSSource{Queue: "arn:aws:sqs:us-east-1:123456789012:another"}},
	})
	var p policyDocument
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement %s: effect %s", s.Sid, s.Effect)
		}
		got = append(got, s.Sid+" "+strings.Join(s.Action, ",")+" "+strings.Join(s.Resource, ","))
	}
	want := []string{
		"ReadQueues sqs:ReceiveMessage,sqs:DeleteMessage,sqs:GetQueueAttributes arn:aws:sqs:us-east-1:123456789012:another," + queueARN,
		"ReadKinesisStreams kinesis:GetRecords,kinesis:GetShardIterator,kinesis:DescribeStream,kinesis:DescribeStreamSummary,kinesis:ListShards,kinesis:ListStreams,kinesis:SubscribeToShard " + streamARN,
		"ReadDynamoDBStreams dynamodb:GetRecords,dynamodb:GetShardIterator,dynamodb:DescribeStream,dynamodb:ListStreams " + ddb,
		"SendFailuresToQueues sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:dlq",
		"SendFailuresToTopics sns:Publish " + topic,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("statements:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
