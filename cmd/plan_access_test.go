package cmd

import (
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/pkg/pipeline"
)

const accessYAML = `functions:
  api:
    name: plan-access
    runtime: nodejs22.x
    handler: index.handler
    role: ROLE
    package: {dependencies: none}
    permissions:
      - {principal: s3.amazonaws.com, sourceArn: "arn:aws:s3:::plan-uploads", sourceAccount: "123456789012"}
      - {principal: SNS_PRINCIPAL, sourceArn: "arn:aws:sns:us-east-1:123456789012:plan-topic"}
    LOGS
`

// TestPlanShowsPermissionsAndLogRetention plans a deployed function whose
// invoke permissions and log retention change, with reads only: the code
// and configuration are up to date, the function is not.
func TestPlanShowsPermissionsAndLogRetention(t *testing.T) {
	p := newAWSProject(t)
	doc := func(sns, logs string) string {
		return strings.NewReplacer("SNS_PRINCIPAL", sns, "LOGS", logs).Replace(accessYAML)
	}
	p.yaml(doc("sns.amazonaws.com", "logs: {retentionDays: 14}"))
	p.deploy()
	code, stdout, stderr := p.plan("--exit-code")
	if code != ExitOK || !strings.Contains(stdout, "api (plan-access)  up to date") {
		t.Errorf("plan after deploy: exit %d\n%s%s", code, stdout, stderr)
	}

	// Another principal for the topic, and a longer retention.
	p.yaml(doc("events.amazonaws.com", "logs: {retentionDays: 30}"))
	code, stdout, stderr = p.plan("--exit-code")
	if code != ExitChanges {
		t.Errorf("plan after the change: exit %d, want %d\n%s", code, ExitChanges, stderr)
	}
	golden.Assert(t, "plan/access.golden", []byte(stdout))
	_, f := p.planFunction()
	if got := strings.Join(fields(f.ResourceChanges), " "); f.Action != pipeline.ActionUpdate || f.Alias.Action != pipeline.AliasStay ||
		!strings.HasPrefix(got, "permissions.lamb-") || !strings.HasSuffix(got, " logs.retentionDays") || len(f.ResourceChanges) != 3 {
		t.Errorf("plan -o json: action %s, alias %s, resourceChanges %v", f.Action, f.Alias.Action, f.ResourceChanges)
	}

	// Without logs: the retention lamb set would be removed.
	p.yaml(doc("sns.amazonaws.com", ""))
	_, stdout, _ = p.plan()
	if !strings.Contains(stdout, "  logs.retentionDays  14 → (unset)\n") || strings.Contains(stdout, "permissions.") {
		t.Errorf("plan without logs:\n%s", stdout)
	}
}
