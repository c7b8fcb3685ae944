package cmd

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/lambcli/lamb/internal/ci"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// The Markdown renderings of deploy, shift and plan: what a GitHub job
// summary shows, and the pull-request comment of lamb plan --output
// markdown. They are built from the same reports as the text and JSON
// output, so all three say the same thing.

// appendSummary appends markdown to the job summary when there is one. A
// summary that cannot be written is only a warning: what lamb did in AWS
// is done, and its exit status says how it went.
func appendSummary(io *ui.IOStreams, env ci.Env, markdown func() string) {
	if env.StepSummary == "" {
		return
	}
	if err := env.AppendSummary(markdown()); err != nil {
		_, _ = fmt.Fprintf(io.ErrOut, "%s %s\n", io.ErrPainter().Yellow("warning:"), err)
	}
}

// deployMarkdown is a deploy's job summary: one row per function, then the
// steps of each traffic shift and each failure.
func deployMarkdown(r pipeline.DeployReport) string {
	var b strings.Builder
	b.WriteString("### lamb deploy\n\n")
	b.WriteString("| Function | Version | Code | Route | Bytes | Alias | Outcome |\n")
	b.WriteString("|---|---|---|---|--:|---|---|\n")
	for _, f := range r.Functions {
		route := f.Route
		if route != "" && !f.Uploaded {
			route += " (already there)"
		}
		bytes := "-"
		if f.Route != "" {
			bytes = ui.Bytes(f.Bytes)
		}
		tableRow(&b, f.Function, dashIfEmpty(f.Version), codeChange(f), dashIfEmpty(route), bytes, aliasMove(f), outcomeMark(f.Outcome))
	}
	for _, f := range r.Functions {
		if f.Shift != nil {
			shiftMarkdown(&b, "#### "+f.Function+": traffic shift", *f.Shift)
		}
	}
	for _, f := range r.Functions {
		if f.Error != "" {
			fmt.Fprintf(&b, "\n**%s** failed: %s\n", html.EscapeString(f.Function), mdText(f.Error))
		}
	}
	skippedMarkdown(&b, r.Skipped)
	b.WriteString("\n")
	return b.String()
}

// skippedMarkdown lists what a run skipped, after a blank line.
func skippedMarkdown(b *strings.Builder, skipped []string) {
	if len(skipped) == 0 {
		return
	}
	b.WriteString("\n")
	for _, s := range skipped {
		fmt.Fprintf(b, "- skipped: %s\n", mdText(s))
	}
}

// shiftSummaryMarkdown is lamb shift's job summary.
func shiftSummaryMarkdown(fn string, rep pipeline.ShiftReport) string {
	var b strings.Builder
	shiftMarkdown(&b, "### lamb shift "+fn, rep)
	b.WriteString("\n")
	return b.String()
}

// shiftMarkdown writes a traffic shift under title: how the alias moved,
// then each step with the last reading of every gate.
func shiftMarkdown(b *strings.Builder, title string, rep pipeline.ShiftReport) {
	fmt.Fprintf(b, "\n%s\n\n%s\n", html.EscapeString(title), mdText(shiftLine(rep)))
	if len(rep.Steps) == 0 {
		return
	}
	b.WriteString("\n| Step | At | Weight | Gates |\n|--:|---|--:|---|\n")
	for i, s := range rep.Steps {
		var gates []string
		for _, r := range s.Readings {
			text := readingText(r)
			if r.Failed {
				text = "❌ " + text
			}
			gates = append(gates, text)
		}
		if s.Note != "" {
			gates = append(gates, s.Note)
		}
		tableRow(b, fmt.Sprint(i+1), s.At.UTC().Format(time.RFC3339), percent(s.Weight), dashIfEmpty(strings.Join(gates, "; ")))
	}
}

// codeChange says what happened to a function's code.
func codeChange(f pipeline.DeployResult) string {
	switch {
	case f.Created:
		return "new function"
	case f.CodeChanged:
		return "changed"
	case f.Outcome == pipeline.OutcomeFailed && f.Version == "":
		return "-"
	}
	return "unchanged"
}

// aliasMove says where the alias went: "live 1 → 2", "live → 1" (new),
// "live stays on 2" (a new version of the same code), "live unchanged",
// "live back on 1" after a rolled-back shift.
func aliasMove(f pipeline.DeployResult) string {
	switch {
	case f.Outcome == pipeline.OutcomeUpToDate:
		return f.Alias + " unchanged"
	case f.Version == "":
		return dashIfEmpty(f.Alias)
	case f.Outcome == pipeline.OutcomeRolledBack:
		return f.Alias + " back on " + f.PreviousVersion
	case f.Outcome == pipeline.OutcomeStarted:
		return f.Alias + " " + f.PreviousVersion + " → " + f.Version + " (CodeDeploy)"
	case f.PreviousVersion == f.Version:
		return f.Alias + " stays on " + f.Version
	case f.PreviousVersion == "":
		return f.Alias + " → " + f.Version
	}
	return f.Alias + " " + f.PreviousVersion + " → " + f.Version
}

// outcomeMark puts a sign before an outcome, to be seen at a glance.
func outcomeMark(outcome string) string {
	switch outcome {
	case pipeline.OutcomeDeployed, pipeline.OutcomeUpToDate, shift.OutcomeShifted:
		return "✅ " + outcome
	case pipeline.OutcomeFailed, pipeline.OutcomeRolledBack, shift.OutcomeStopped:
		return "❌ " + outcome
	}
	return outcome
}

// tableRow writes one row of a Markdown table.
func tableRow(b *strings.Builder, cells ...string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" " + mdCell(c) + " |")
	}
	b.WriteString("\n")
}

// mdText makes s plain text in Markdown: HTML is escaped, and a line
// break stays inside the paragraph.
func mdText(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}

// mdCell makes s one table cell: a pipe would end it.
func mdCell(s string) string {
	return strings.ReplaceAll(mdText(s), "|", `\|`)
}
