package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ci"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/pipeline"
	"github.com/lambcli/lamb/pkg/progress"
)

// PlanOptions are the inputs of `lamb plan`: its dependencies first, then
// what the flags and settings say.
type PlanOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Clients returns the AWS clients the plan reads with.
	Clients func(context.Context) (pipeline.PlanClients, error)
	// Now decides runtime deprecation; tests fix it.
	Now func() time.Time

	Functions   []string
	NoCache     bool
	Concurrency int
	// ExitCode makes changes exit 10.
	ExitCode bool
	CacheDir string
	Verbose  bool
	JSON     bool
	// Markdown renders the plan for a pull-request comment.
	Markdown bool
	// CI says where to append a job summary, and whether to annotate.
	CI ci.Env
	// ConfigFile is lamb.yaml's path as given, which annotations name.
	ConfigFile string
}

func newPlanCmd(f *Factory, runF func(context.Context, *PlanOptions) error) *cobra.Command {
	opts := &PlanOptions{IO: f.IO, Config: f.LoadConfig, Clients: f.planClients, Now: time.Now}
	c := &cobra.Command{
		Use:   "plan [FN...]",
		Short: "Show what deploy would change, without changing anything",
		Long: `Show, per function, what lamb deploy would do: create or update it or find
it up to date; the code's hash before and after and how the zip would travel
(inline, or through S3 — where an already uploaded zip is found and not sent
again); every configuration setting and tag that would change; the execution
role lamb would create; where the alias would move; the event source
mappings that would be created, updated or removed; and the invoke
permissions (permissions.lamb-...) and log retention (logs.retentionDays)
that would be added, changed or removed.

Environment variables are compared but never shown: a change reads
"environment.TABLE  (changed)", in text and in JSON alike.

Like deploy, it packages and runs every pre-flight check first (a violation
exits 3), then reads each function, several at once. lamb plan never writes
to AWS: it makes only Get, List, Describe and Head calls. With --exit-code it exits 10
when a deploy would change something and 0 when everything is up to date.

--output markdown renders the plan for a pull-request comment: a collapsed
diff per function. With GITHUB_STEP_SUMMARY set, the same Markdown is
appended to the job summary.`,
		Example: `  lamb plan
  lamb plan api --stage prod --exit-code || echo "deploy would change something"
  lamb plan --output json | jq '.functions[] | {function, action, configChanges}'
  lamb plan --stage prod --output markdown > plan.md`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Functions = args
			opts.CacheDir, opts.Verbose, opts.JSON = f.Settings.CacheDir, f.Settings.Verbose, f.Settings.JSON()
			opts.Markdown, opts.CI, opts.ConfigFile = f.Settings.Output == outputMarkdown, f.ciEnv(), f.Settings.Config
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return planRun(c.Context(), opts)
		},
		Annotations: map[string]string{markdownAnnotation: "true"},
	}
	addPackageFlags(c, &opts.NoCache, &opts.Concurrency)
	c.Flags().BoolVar(&opts.ExitCode, "exit-code", false, "exit 10 when a deploy would change something, 0 when not")
	return readsConfig(c)
}

// planClients returns the clients a plan reads with: the deploy's, seen
// through interfaces that only read.
func (f *Factory) planClients(ctx context.Context) (pipeline.PlanClients, error) {
	c, err := f.deployClients(ctx)
	if err != nil {
		return pipeline.PlanClients{}, err
	}
	return pipeline.PlanClients{Lambda: c.Lambda, S3: c.S3, IAM: c.IAM, Region: c.Region, Layers: c.Layers, SQS: c.SQS, Logs: c.Logs, ECR: c.ECR}, nil
}

func planRun(ctx context.Context, opts *PlanOptions) error {
	cfg, fns, err := selectFunctions(opts.Config, opts.Functions)
	if err != nil {
		return err
	}
	var report pipeline.PlanReport
	runErr := withProgress(opts.IO, opts.JSON, func(sink progress.Sink) (err error) {
		report, err = pipeline.Plan(ctx, cfg, fns, pipeline.PlanOptions{
			CheckOptions: pipeline.CheckOptions{
				Options: pipelineOptions(opts.IO, sink, opts.CacheDir, opts.NoCache, 0, opts.Concurrency, opts.Verbose),
				Now:     opts.Now(),
			},
			Clients: opts.Clients,
		})
		return err
	})
	if err := annotatePreflight(ctx, opts.IO.Out, opts.CI, opts.ConfigFile, cfg, runErr, opts.JSON); err != nil {
		return err
	}
	err = writeOutcome(ctx, opts.IO, opts.JSON, report.Functions != nil, runErr, func() error {
		switch {
		case opts.JSON:
			return ui.WriteJSON(opts.IO.Out, report)
		case opts.Markdown:
			_, err := io.WriteString(opts.IO.Out, planMarkdown(report))
			return err
		}
		return writePlan(opts.IO, report)
	})
	if report.Functions != nil {
		appendSummary(opts.IO, opts.CI, func() string { return planMarkdown(report) })
	}
	if err == nil && opts.ExitCode && report.Changes > 0 {
		return &silentError{code: ExitChanges}
	}
	return err
}

// writePlan prints one block per function and a summary line.
func writePlan(io *ui.IOStreams, r pipeline.PlanReport) error {
	p := io.OutPainter()
	var b strings.Builder
	if err := writeLayerLines(&b, p, r.Layers); err != nil {
		return err
	}
	counts := map[string]int{}
	for _, f := range r.Functions {
		counts[f.Action]++
		title := p.Bold(f.Function)
		if f.Name != f.Function {
			title += " (" + f.Name + ")"
		}
		action := f.Action
		switch action {
		case pipeline.ActionCreate:
			action = p.Green(action)
		case pipeline.ActionUpdate:
			action = p.Yellow(action)
		case pipeline.ActionFailed:
			action = p.Red(action)
		}
		fmt.Fprintf(&b, "%s  %s\n", title, action)
		writePlanBody(&b, f)
	}
	fmt.Fprintf(&b, "\n%d to create, %d to update, %d up to date", counts[pipeline.ActionCreate], counts[pipeline.ActionUpdate], counts[pipeline.ActionUpToDate])
	if n := counts[pipeline.ActionFailed]; n > 0 {
		fmt.Fprintf(&b, ", %d failed", n)
	}
	b.WriteString("\n")
	_, err := io.Out.Write([]byte(b.String()))
	return err
}

func writePlanBody(w *strings.Builder, f pipeline.PlanResult) {
	planLines(f, func(_ byte, field, value string) {
		fmt.Fprintf(w, "  %-*s%s\n", max(10, len(field)+2), field, value)
	})
}

// planLines gives emit each line of a function's plan: a mark (+ added,
// - removed, ! changed, space unchanged), the field and its value. Nothing
// for a function that is up to date.
func planLines(f pipeline.PlanResult, emit func(mark byte, field, value string)) {
	switch f.Action {
	case pipeline.ActionFailed:
		emit('-', "error", f.Error)
		return
	case pipeline.ActionUpToDate:
		return
	}
	create := f.Action == pipeline.ActionCreate
	mark := func(c deploy.Change) byte {
		switch {
		case create || c.Old == "":
			return '+'
		case c.New == "":
			return '-'
		}
		return '!'
	}
	codeMark := byte('!')
	if create || f.Code.Old == "" {
		codeMark = '+'
	} else if !f.Code.Changed {
		codeMark = ' '
	}
	emit(codeMark, "code", codeLine(f))
	for _, c := range f.ConfigChanges {
		if c.Field == "role" && f.Role != nil && f.Role.Create {
			continue // the role line below says it
		}
		m := mark(c)
		if create {
			// A new function starts from Lambda's defaults, not from a
			// setting someone chose: only the value it gets matters.
			c.Old = ""
		}
		emit(m, c.Field, changeValue(c))
	}
	for _, c := range f.TagChanges {
		emit(mark(c), c.Field, changeValue(c))
	}
	for _, c := range f.ResourceChanges {
		emit(mark(c), c.Field, changeValue(c))
	}
	if r := f.Role; r.Changes() {
		m := byte('!')
		if r.Create {
			m = '+'
		}
		emit(m, "role", roleLine(r))
	}
	for _, c := range f.EventChanges {
		emit(mark(c), c.Field, changeValue(c))
	}
	switch a := f.Alias; a.Action {
	case pipeline.AliasCreate:
		emit('+', "alias", a.Name+": create at the new version")
	case pipeline.AliasMove:
		emit('!', "alias", a.Name+": "+a.From+" → new version")
	}
}

// codeLine says how the code changes and how it would travel.
func codeLine(f pipeline.PlanResult) string {
	c := f.Code
	s := "sha256 " + short(c.New)
	switch {
	case c.Old == "":
	case c.Changed:
		s = "sha256 " + short(c.Old) + " → " + short(c.New)
	default:
		s = "unchanged (sha256 " + short(c.New) + ")"
	}
	if u := f.Upload; u != nil {
		how := u.Route + ", " + ui.Bytes(u.Bytes)
		if u.AlreadyUploaded {
			how = u.Route + ", already uploaded"
		}
		s += "   (" + how + ")"
	}
	return s
}

// short abbreviates a hash for people; --output json has it whole.
func short(hash string) string {
	const n = 8
	if len(hash) <= n {
		return hash
	}
	return hash[:n] + "…"
}

// changeValue renders a change's values; environment variables only ever
// say "(set)", "(changed)" or "(removed)".
func changeValue(c deploy.Change) string {
	if strings.HasPrefix(c.Field, "environment.") {
		if c.New == "" {
			return "(removed)"
		}
		return c.New
	}
	switch {
	case c.Old == "":
		return c.New
	case c.New == "":
		return c.Old + " → (unset)"
	}
	return c.Old + " → " + c.New
}

// roleLine says what would happen to the execution role lamb manages.
func roleLine(r *pipeline.RolePlan) string {
	var attach, detach []string
	for _, a := range r.Attach {
		attach = append(attach, policyName(a))
	}
	for _, d := range r.Detach {
		detach = append(detach, policyName(d))
	}
	var what []string
	if len(r.Trust) > 0 {
		what = append(what, "trusted by "+strings.Join(r.Trust, ", "))
	}
	if len(r.PutPolicy) > 0 {
		what = append(what, "put inline "+strings.Join(r.PutPolicy, ", "))
	}
	if len(r.DeletePolicy) > 0 {
		what = append(what, "delete inline "+strings.Join(r.DeletePolicy, ", "))
	}
	if r.Create {
		return "create " + r.Name + " with " + strings.Join(append(attach, what...), ", ")
	}
	if len(attach) > 0 {
		what = append(what, "attach "+strings.Join(attach, ", "))
	}
	if len(detach) > 0 {
		what = append(what, "detach "+strings.Join(detach, ", "))
	}
	return r.Name + ": " + strings.Join(what, "; ")
}

// policyName is the last part of a managed policy's ARN.
func policyName(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}
