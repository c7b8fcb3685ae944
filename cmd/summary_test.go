package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambcli/lamb/internal/ci"
	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// samplePlan has one function of each kind a plan knows, and values that
// Markdown would otherwise take for its own.
func samplePlan() pipeline.PlanReport {
	return pipeline.PlanReport{
		Functions: []pipeline.PlanResult{
			{
				Function: "api", Name: "orders-api", Action: pipeline.ActionCreate,
				Code:          pipeline.CodePlan{New: "K5DI+4+xAbCdEf"},
				ConfigChanges: []deploy.Change{{Field: "memory", Old: "128", New: "256"}, {Field: "environment.TABLE", New: "(set)"}},
				Upload:        &pipeline.UploadPlan{Route: pipeline.RouteDirect, Bytes: 2048},
				Role:          &pipeline.RolePlan{Name: "orders-api-lamb-exec", Create: true, Attach: []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
				Alias:         pipeline.AliasPlan{Name: "live", Action: pipeline.AliasCreate},
			},
			{
				Function: "worker", Name: "worker", Action: pipeline.ActionUpdate,
				Code: pipeline.CodePlan{Old: "OLDhash123", New: "NEWhash456", Changed: true},
				ConfigChanges: []deploy.Change{
					{Field: "description", Old: "a ``` fence", New: "<b>bold</b>"},
					{Field: "timeout", Old: "30", New: ""},
					{Field: "environment.SECRET", Old: "(set)", New: "(changed)"},
					{Field: "environment.OLD", Old: "(set)", New: ""},
				},
				TagChanges: []deploy.Change{{Field: "tags.team", New: "orders"}},
				Upload:     &pipeline.UploadPlan{Route: pipeline.RouteS3, Bytes: 60 << 20, AlreadyUploaded: true},
				Alias:      pipeline.AliasPlan{Name: "live", From: "3", Action: pipeline.AliasMove},
			},
			{Function: "cron", Name: "cron", Action: pipeline.ActionUpToDate, Alias: pipeline.AliasPlan{Name: "live", From: "7", Action: pipeline.AliasStay}},
			{Function: "broken", Name: "broken", Action: pipeline.ActionFailed, Error: "read function broken: AccessDenied"},
		},
		Skipped: []string{"account limits not read from AWS: <no credentials>"},
		Changes: 2, Failed: 1,
	}
}

func TestPlanMarkdown(t *testing.T) {
	t.Parallel()
	got := planMarkdown(samplePlan())
	golden.Assert(t, "plan/markdown.golden", []byte(got))
	// A backtick run in a value cannot close the block.
	if !strings.Contains(got, "````diff\n") {
		t.Error("the diff fence is not longer than the backticks inside it")
	}
	if strings.Contains(got, "<b>bold</b>") == false {
		t.Error("a value inside the diff block was escaped: code blocks show it as it is")
	}
}

func TestDeployMarkdown(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 10, 4, 5, 0, time.UTC)
	r := pipeline.DeployReport{Functions: []pipeline.DeployResult{
		{Function: "api", Name: "orders-api", Outcome: pipeline.OutcomeDeployed, Version: "2", PreviousVersion: "1", Alias: "live", Route: pipeline.RouteDirect, Uploaded: true, Bytes: 2048, CodeChanged: true,
			Shift: &pipeline.ShiftReport{Alias: "live", Current: "1", Target: "2", Strategy: "canary:10%:5m", Engine: "direct", Result: shift.Result{
				Outcome: shift.OutcomeShifted,
				Steps: []shift.StepRecord{
					{At: at, Weight: 0.1, Readings: []shift.GateReading{{Gate: "alarm", Alarm: "orders-errors", State: "OK"}, {Gate: "error rate", Errors: 0, Invocations: 40}}},
					{At: at.Add(5 * time.Minute), Weight: 1},
				},
			}}},
		{Function: "worker", Name: "worker", Outcome: pipeline.OutcomeUpToDate, Alias: "live", Bytes: 512},
		{Function: "forced", Name: "forced", Outcome: pipeline.OutcomeDeployed, Version: "8", PreviousVersion: "8", Alias: "live"},
		{Function: "new", Name: "new", Outcome: pipeline.OutcomeDeployed, Version: "1", Alias: "live", Route: pipeline.RouteS3, Uploaded: true, Bytes: 60 << 20, Created: true, CodeChanged: true},
		{Function: "canary", Name: "canary", Outcome: pipeline.OutcomeRolledBack, Version: "5", PreviousVersion: "4", Alias: "live", Route: pipeline.RouteS3, Bytes: 1024, CodeChanged: true,
			Shift: &pipeline.ShiftReport{Alias: "live", Current: "4", Target: "5", Strategy: "linear:50%:1m", Engine: "direct", Result: shift.Result{
				Outcome: shift.OutcomeRolledBack, Cause: "alarm canary-errors",
				Steps: []shift.StepRecord{{At: at, Weight: 0.5, Readings: []shift.GateReading{{Gate: "alarm", Alarm: "canary-errors", State: "ALARM", Failed: true}}}},
			}},
			Error: "traffic shift rolled back: alarm canary-errors | state ALARM"},
		{Function: "broken", Name: "broken", Outcome: pipeline.OutcomeFailed, Alias: "live", Error: "update function broken: AccessDenied\nno right"},
	}}
	golden.Assert(t, "summary/deploy.golden", []byte(deployMarkdown(r)))
}

func TestShiftSummaryMarkdown(t *testing.T) {
	t.Parallel()
	rep := pipeline.ShiftReport{Alias: "live", Current: "3", Target: "4", Strategy: "all-at-once", Engine: "direct", Result: shift.Result{
		Outcome: shift.OutcomeShifted,
		Steps:   []shift.StepRecord{{At: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), Weight: 1}},
	}}
	golden.Assert(t, "summary/shift.golden", []byte(shiftSummaryMarkdown("api", rep)))
}

func TestOutputMarkdownIsForPlanOnly(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"validate", "deploy", "check", "version"} {
		t.Run(cmd, func(t *testing.T) {
			code, stdout, stderr := run(t, cmd, "--output", "markdown")
			if code != ExitUsage || !strings.Contains(stderr, "--output markdown is only for lamb plan, not lamb "+cmd) || stdout != "" {
				t.Errorf("exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
			}
		})
	}
	// Plan takes it: it goes on to read lamb.yaml, and says it is missing.
	dir := t.TempDir()
	code, _, stderr := run(t, "plan", "-o", "markdown", "-c", filepath.Join(dir, "lamb.yaml"))
	if code != ExitUsage || strings.Contains(stderr, "--output") {
		t.Errorf("plan -o markdown: exit %d, stderr %q", code, stderr)
	}
}

func TestAppendSummaryWarnsOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	io, _, errOut := ui.Test()
	appendSummary(io, ci.Env{StepSummary: filepath.Join(dir, "missing", "summary.md")}, func() string { return "x" })
	if !strings.Contains(errOut.String(), "warning: open the job summary") {
		t.Errorf("stderr = %q, want a warning", errOut.String())
	}
	path := filepath.Join(dir, "summary.md")
	appendSummary(io, ci.Env{StepSummary: path}, func() string { return "### a\n" })
	appendSummary(io, ci.Env{StepSummary: path}, func() string { return "### b\n" })
	if got, err := os.ReadFile(path); err != nil || string(got) != "### a\n### b\n" {
		t.Errorf("summary = %q, %v; want both appended", got, err)
	}
}
