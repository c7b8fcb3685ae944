package cmd

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ci"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/pipeline"
	"github.com/lambcli/lamb/pkg/progress"
)

// DeployOptions are the inputs of `lamb deploy`: its dependencies first,
// then what the flags and settings say.
type DeployOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Clients returns the AWS clients of the resolved settings.
	Clients func(context.Context) (pipeline.DeployClients, error)
	// Now decides runtime deprecation; tests fix it.
	Now func() time.Time
	// TuneShift adjusts the direct shift engine before use; tests give it
	// a clock.
	TuneShift func(*shift.Direct)
	// TuneCodeDeploy adjusts the codedeploy engine before use; tests give
	// it the simulator's clock.
	TuneCodeDeploy func(*shift.CodeDeployEngine)

	Functions   []string
	NoCache     bool
	Concurrency int
	Force       bool
	NoWait      bool
	CacheDir    string
	Verbose     bool
	JSON        bool
	// CI says where to append a job summary, and whether to annotate.
	CI ci.Env
	// ConfigFile is lamb.yaml's path as given, which annotations name.
	ConfigFile string
}

func newDeployCmd(f *Factory, runF func(context.Context, *DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{IO: f.IO, Config: f.LoadConfig, Clients: f.deployClients, Now: time.Now}
	c := &cobra.Command{
		Use:   "deploy [FN...]",
		Short: "Package, check, upload, publish a version and move the alias",
		Long: `Deploy each function (every function in lamb.yaml when none is named):
package and run every pre-flight check first — a violation exits 3 having
written nothing to AWS — then, per function and several at once: read its
state, create its execution role when lamb.yaml names none, upload the zip
(inline below 50 MB, else through deploy.s3.bucket), create or update the
function waiting for each update to settle, publish an immutable version and
verify it, move the alias, and prune old versions (deploy.keepVersions).

The alias moves as deploy.strategy says: all at once, or in steps (canary,
linear) with the hooks, alarms and error-rate gate of lamb.yaml watching; a
shift that is rolled back leaves the alias where it was and exits 5. A
deploy refuses to start while a shift is in progress on the alias (see lamb
status); --force undoes that shift first. With deploy.engine: codedeploy,
--no-wait returns once each CodeDeploy deployment is created (outcome
"started", with the deployment id).

A function whose code and configuration are deployed and whose alias is on a
version with both is "up to date": no write at all. One function's failure
does not stop the others; the exit status is then 1. Ctrl-C stops between
AWS calls, never between an update and its wait, rolls back a shift under
way, and leaves every alias on a published version; running lamb deploy
again converges.

With GITHUB_STEP_SUMMARY set (GitHub Actions), a Markdown table of what
happened to each function is appended to the job summary.`,
		Example: `  lamb deploy
  lamb deploy api --stage prod
  lamb deploy api --no-wait
  lamb deploy --concurrency 8 --output json | jq '.functions[] | {function, version, outcome}'`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Functions = args
			opts.CacheDir, opts.Verbose, opts.JSON = f.Settings.CacheDir, f.Settings.Verbose, f.Settings.JSON()
			opts.CI, opts.ConfigFile = f.ciEnv(), f.Settings.Config
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return deployRun(c.Context(), opts)
		},
	}
	addPackageFlags(c, &opts.NoCache, &opts.Concurrency)
	c.Flags().BoolVar(&opts.NoWait, "no-wait", false, noWaitUsage)
	c.Flags().BoolVar(&opts.Force, "force", false, "publish a new version even when nothing changed; undo a traffic shift in progress instead of refusing")
	return readsConfig(c)
}

func deployRun(ctx context.Context, opts *DeployOptions) error {
	cfg, fns, err := selectFunctions(opts.Config, opts.Functions)
	if err != nil {
		return err
	}
	if err := checkNoWait(opts.NoWait, fns...); err != nil {
		return err
	}
	var report pipeline.DeployReport
	runErr := withProgress(opts.IO, opts.JSON, func(sink progress.Sink) (err error) {
		report, err = pipeline.Deploy(ctx, cfg, fns, pipeline.DeployOptions{
			CheckOptions: pipeline.CheckOptions{
				Options: pipelineOptions(opts.IO, sink, opts.CacheDir, opts.NoCache, 0, opts.Concurrency, opts.Verbose),
				Now:     opts.Now(),
			},
			Clients:        opts.Clients,
			Force:          opts.Force,
			LambVersion:    currentBuild(debug.ReadBuildInfo).Version,
			TuneShift:      opts.TuneShift,
			TuneCodeDeploy: opts.TuneCodeDeploy,
			NoWait:         opts.NoWait,
		})
		return err
	})
	if report.Functions != nil {
		appendSummary(opts.IO, opts.CI, func() string { return deployMarkdown(report) })
	}
	if err := annotatePreflight(ctx, opts.IO.Out, opts.CI, opts.ConfigFile, cfg, runErr, opts.JSON); err != nil {
		return err
	}
	return writeOutcome(ctx, opts.IO, opts.JSON, report.Functions != nil, runErr, func() error {
		if opts.JSON {
			return ui.WriteJSON(opts.IO.Out, report)
		}
		return writeDeploySummary(opts.IO, report)
	})
}

// writeOutcome prints how a run over the functions ended and returns the
// error to exit with: the pre-flight report when a check failed (exit 3),
// else the run's own report through write when it ran (exit 1 when a
// function failed, as the report shows), else the run's error.
func writeOutcome(ctx context.Context, io *ui.IOStreams, jsonOut, ran bool, runErr error, write func() error) error {
	var lv *pipeline.LimitsViolated
	if errors.As(runErr, &lv) {
		var err error
		if jsonOut {
			err = ui.WriteJSON(io.Out, lv.Report)
		} else {
			err = limits.WriteText(io.Out, lv.Report)
		}
		if err != nil {
			return err
		}
		if jsonOut {
			// stdout holds one document: the report says it all.
			return &silentError{code: ExitLimit}
		}
		return &ExitError{Code: ExitLimit, Err: runErr}
	}
	if !ran {
		// Nothing ran (no credentials, interrupted before the first step).
		return runErr
	}
	if err := write(); err != nil {
		return err
	}
	if runErr != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			if jsonOut {
				// stdout holds one document: the report, with each
				// function's outcome.
				return &silentError{code: ExitInterrupted}
			}
			return ctxErr
		}
		return &silentError{code: failureCode(runErr)}
	}
	return nil
}

// failureCode is the exit status of a run whose functions failed with err
// (their errors joined): 5 when every failure is a rolled-back traffic
// shift, else 1.
func failureCode(err error) int {
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var rb *shift.RolledBackError
		if !errors.As(e, &rb) {
			return ExitFailure
		}
	}
	return ExitRolledBack
}

// writeDeploySummary prints one row per function, and each failure below.
func writeDeploySummary(io *ui.IOStreams, r pipeline.DeployReport) error {
	p := io.OutPainter()
	if err := writeLayerLines(io.Out, p, r.Layers); err != nil {
		return err
	}
	tw := newTable(io)
	fmt.Fprintln(tw, "FUNCTION\tVERSION\tALIAS\tROUTE\tBYTES\tTIME\tOUTCOME")
	for _, f := range r.Functions {
		version := f.Version
		if f.PreviousVersion != "" {
			version = f.PreviousVersion + " → " + f.Version
		}
		if version == "" {
			version = "-"
		}
		route := f.Route
		if route == "" {
			route = "-"
		} else if !f.Uploaded {
			route += " (already there)"
		}
		outcome := f.Outcome
		switch f.Outcome {
		case pipeline.OutcomeFailed, pipeline.OutcomeRolledBack:
			outcome = p.Red(outcome)
		case pipeline.OutcomeDeployed, pipeline.OutcomeStarted:
			outcome = p.Green(outcome)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1fs\t%s\n", f.Function, version, f.Alias, route, ui.Bytes(f.Bytes), f.Seconds, outcome)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Functions {
		if f.Shift != nil {
			if _, err := fmt.Fprintf(io.Out, "%s: %s\n", f.Function, shiftLine(*f.Shift)); err != nil {
				return err
			}
		}
		if f.EdgeARN != "" {
			if _, err := fmt.Fprintf(io.Out, "%s: Lambda@Edge: associate %s with the CloudFront distribution's trigger\n", f.Function, f.EdgeARN); err != nil {
				return err
			}
		}
		if f.Error != "" {
			if _, err := fmt.Fprintf(io.Out, "%s: %s\n", f.Function, f.Error); err != nil {
				return err
			}
		}
	}
	return nil
}
