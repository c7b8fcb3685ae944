package deploy

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/config"
)

// readRetention reads the group straight from CloudWatch Logs: found, and
// its retention (0: never expires).
func readRetention(t *testing.T, raw *cloudwatchlogs.Client, group string) (bool, int32) {
	t.Helper()
	out, err := raw.DescribeLogGroups(t.Context(), &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range out.LogGroups {
		if aws.ToString(g.LogGroupName) == group {
			return true, aws.ToInt32(g.RetentionInDays)
		}
	}
	return false, 0
}

// TestLogRetentionSetKeptAndRemoved follows a function's log retention on
// the emulator: the group is created with it, an unchanged retention is
// not written, a new one is, and when logs leaves lamb.yaml the retention
// lamb set is removed while the group and its events stay.
func TestLogRetentionSetKeptAndRemoved(t *testing.T) {
	d, _, raw, env := motoDeployer(t)
	zip, sha := bundle(t, "exports.handler = async () => 1;\n")
	deployOnce(t, d, desired(env, "logs-api"), zip, sha)
	logsRaw, err := env.Session(t).Logs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	calls := &testenv.Calls{}
	logs := cloudwatchlogs.New(logsRaw.Options(), func(o *cloudwatchlogs.Options) { o.APIOptions = append(o.APIOptions, calls.Record) })
	fn := &config.Function{Name: "logs-api"}
	const group = "/aws/lambda/logs-api"
	sync := func(days *int) []Change {
		t.Helper()
		fn.Logs.RetentionDays = days
		r, err := d.Read(t.Context(), fn.Name, "")
		if err != nil {
			t.Fatal(err)
		}
		calls.Reset()
		changes, err := SyncLogs(t.Context(), logs, raw, LogsFrom(fn, r))
		if err != nil {
			t.Fatal(err)
		}
		return changes
	}

	if got, want := fields(sync(aws.Int(14))), "logs.group: "+group+"; logs.retentionDays: 14"; got != want {
		t.Errorf("changes = %s, want %s", got, want)
	}
	if found, days := readRetention(t, logsRaw, group); !found || days != 14 {
		t.Errorf("group found %v with retention %d, want 14", found, days)
	}
	if v, _ := ownership(t, raw, fn.Name); v != "logs" {
		t.Errorf("%s = %q, want logs", OwnershipTag, v)
	}

	if changes := sync(aws.Int(14)); len(changes) != 0 || len(calls.Writes()) != 0 {
		t.Errorf("unchanged retention: changes %s, writes %q", fields(changes), calls.Writes())
	}

	if got := fields(sync(aws.Int(30))); got != "logs.retentionDays: 14 → 30" {
		t.Errorf("changes = %s", got)
	}
	if w := calls.Writes(); !slices.Equal(w, []string{"PutRetentionPolicy"}) {
		t.Errorf("a new retention wrote %q", w)
	}

	if got := fields(sync(nil)); got != "logs.retentionDays: 30 → (unset)" {
		t.Errorf("changes = %s", got)
	}
	if found, days := readRetention(t, logsRaw, group); !found || days != 0 {
		t.Errorf("after logs left lamb.yaml: group found %v with retention %d, want the group kept with none", found, days)
	}
	if v, ok := ownership(t, raw, fn.Name); ok {
		t.Errorf("%s = %q, want it gone", OwnershipTag, v)
	}
	// Nothing set, nothing owned: nothing read.
	if changes := sync(nil); len(changes) != 0 || len(calls.All()) != 0 {
		t.Errorf("no retention: changes %s, calls %q", fields(changes), calls.All())
	}
}

// TestLogRetentionSetByHandIsLeftAlone: a retention lamb did not set stays
// when logs leaves lamb.yaml, and the group the function's logging
// configuration names is the one read.
func TestLogRetentionSetByHandIsLeftAlone(t *testing.T) {
	env := testenv.Moto(t)
	logs, err := env.Session(t).Logs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	const group = "/custom/hand-set"
	if _, err := logs.CreateLogGroup(t.Context(), &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.PutRetentionPolicy(t.Context(), &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	r := Remote{Exists: true, Latest: &lambdatypes.FunctionConfiguration{LoggingConfig: &lambdatypes.LoggingConfig{LogGroup: aws.String(group)}}}
	spec := LogsFrom(&config.Function{Name: "hand-set"}, r)
	if spec.Group != group {
		t.Errorf("group = %s, want the logging configuration's %s", spec.Group, group)
	}
	// lamb.yaml asks for what is there: nothing to write, and not lamb's.
	spec.RetentionDays = aws.Int(7)
	if changes, err := PlanLogs(t.Context(), logs, spec); err != nil || len(changes) != 0 {
		t.Errorf("plan = %v, %v; want nothing", changes, err)
	}
	// Not lamb's: with no retention in lamb.yaml, nothing is even read.
	spec.RetentionDays = nil
	if !spec.None() {
		t.Error("None() = false for a retention lamb does not own")
	}
	if _, days := readRetention(t, logs, group); days != 7 {
		t.Errorf("retention = %d, want 7", days)
	}
	if got := LogGroupOf("plain", Remote{}); got != "/aws/lambda/plain" {
		t.Errorf("default group = %s", got)
	}
}

var _ OwnershipAPI = (*lambda.Client)(nil)
