package cmd

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/pkg/pipeline"
)

const planEventsYAML = `functions:
  worker:
    name: plan-events
    runtime: nodejs22.x
    handler: index.handler
    role: ROLE
    timeout: 5
    package: {dependencies: none}
    events:
EVENTS`

// TestPlanShowsEventSources deploys a function with two queue sources,
// then plans a new batch size, a source removed and one added: the plan
// lists each mapping change, reads only, and a function whose sources
// alone change is an update whose alias stays.
func TestPlanShowsEventSources(t *testing.T) {
	p := newAWSProject(t)
	c, err := p.env.Session(t).SQS(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	arn := map[string]string{}
	for _, q := range []string{"plan-ev-a", "plan-ev-b", "plan-ev-c"} {
		if _, err := c.CreateQueue(t.Context(), &sqs.CreateQueueInput{QueueName: aws.String(q), Attributes: map[string]string{"VisibilityTimeout": "30"}}); err != nil {
			t.Fatal(err)
		}
		arn[q] = "arn:aws:sqs:us-east-1:123456789012:" + q
	}
	events := func(lines ...string) string {
		return strings.ReplaceAll(planEventsYAML, "EVENTS", "      - "+strings.Join(lines, "\n      - ")+"\n")
	}
	p.yaml(events(`sqs: {queue: "`+arn["plan-ev-a"]+`", batchSize: 5}`, `sqs: {queue: "`+arn["plan-ev-b"]+`"}`))
	p.deploy()
	if code, stdout, stderr := p.plan("--exit-code"); code != ExitOK || !strings.Contains(stdout, "worker (plan-events)  up to date") {
		t.Fatalf("plan after deploy: exit %d\n%s%s", code, stdout, stderr)
	}

	p.yaml(events(`sqs: {queue: "`+arn["plan-ev-a"]+`", batchSize: 8, window: 1s, filters: [{body: {kind: [order]}}]}`, `sqs: {queue: "`+arn["plan-ev-c"]+`", enabled: false}`))
	code, stdout, stderr := p.plan("--exit-code")
	if code != ExitChanges {
		t.Fatalf("plan: exit %d\n%s%s", code, stdout, stderr)
	}
	golden.Assert(t, "plan/events.golden", []byte(stdout))
	code, f := p.planFunction()
	want := []string{"events[0].sqs.batchSize", "events[0].sqs.window", "events[0].sqs.filters", "events[1].sqs", "events.sqs"}
	if code != ExitOK || f.Action != pipeline.ActionUpdate || f.Alias.Action != pipeline.AliasStay || !slices.Equal(fields(f.EventChanges), want) || len(f.ConfigChanges) != 0 {
		t.Errorf("plan -o json: exit %d, action %s, alias %s, event changes %v, config changes %v", code, f.Action, f.Alias.Action, fields(f.EventChanges), fields(f.ConfigChanges))
	}

	// The deploy makes exactly what the plan said; then nothing is left.
	if stdout := p.deploy(); !strings.Contains(stdout, "deployed") {
		t.Fatalf("deploy:\n%s", stdout)
	}
	if code, stdout, stderr := p.plan("--exit-code"); code != ExitOK || !strings.Contains(stdout, "worker (plan-events)  up to date") {
		t.Errorf("plan after the second deploy: exit %d\n%s%s", code, stdout, stderr)
	}
}
