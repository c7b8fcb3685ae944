package cmd

import (
	"fmt"
	"html"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/pkg/pipeline"
)

// planMarkdown renders a plan for a pull-request comment and for the job
// summary: a line with the counts, then a collapsed diff per function that
// would change. Environment variables show as "(set)", "(changed)" or
// "(removed)", as in the text output: never a value.
func planMarkdown(r pipeline.PlanReport) string {
	var b strings.Builder
	counts := map[string]int{}
	for _, f := range r.Functions {
		counts[f.Action]++
	}
	fmt.Fprintf(&b, "### lamb plan: %d to create, %d to update, %d up to date", counts[pipeline.ActionCreate], counts[pipeline.ActionUpdate], counts[pipeline.ActionUpToDate])
	if n := counts[pipeline.ActionFailed]; n > 0 {
		fmt.Fprintf(&b, ", %d failed", n)
	}
	b.WriteString("\n")
	var upToDate []string
	for _, f := range r.Functions {
		if f.Action == pipeline.ActionUpToDate {
			upToDate = append(upToDate, "`"+f.Function+"`")
			continue
		}
		title := "<b>" + html.EscapeString(f.Function) + "</b>"
		if f.Name != f.Function {
			title += " (" + html.EscapeString(f.Name) + ")"
		}
		fmt.Fprintf(&b, "\n<details><summary>%s: %s</summary>\n\n", title, html.EscapeString(f.Action))
		fence(&b, "diff", planDiff(f))
		b.WriteString("\n</details>\n")
	}
	if len(upToDate) > 0 {
		fmt.Fprintf(&b, "\nUp to date: %s\n", strings.Join(upToDate, ", "))
	}
	skippedMarkdown(&b, r.Skipped)
	// A blank line ends the last block before what follows in a summary.
	b.WriteString("\n")
	return b.String()
}

// planDiff is a function's plan as diff lines: + what a deploy adds, -
// what it removes, ! what it changes (a diff block colours all three).
func planDiff(f pipeline.PlanResult) string {
	var b strings.Builder
	planLines(f, func(mark byte, field, value string) {
		fmt.Fprintf(&b, "%c %-*s%s\n", mark, max(12, len(field)+2), field, value)
	})
	return b.String()
}

// fence writes body as a fenced code block, with a fence longer than any
// run of backticks inside, so no value can end the block early.
func fence(b *strings.Builder, lang, body string) {
	longest, run := 0, 0
	for _, r := range body {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	fmt.Fprintf(b, "%s%s\n%s%s\n", f, lang, body, f)
}

// outputMarkdown is the --output value of a plan rendered for a
// pull-request comment; only the commands marked with markdownAnnotation
// take it.
const (
	outputMarkdown     = "markdown"
	markdownAnnotation = "lamb:output-markdown"
)

// checkOutputFor refuses --output markdown for a command that has no
// Markdown rendering.
func checkOutputFor(c *cobra.Command, s Settings) error {
	if s.Output == outputMarkdown && c.Annotations[markdownAnnotation] == "" {
		return usageError(fmt.Errorf("--output markdown is only for lamb plan, not %s", c.CommandPath()), "use --output text or --output json")
	}
	return nil
}
