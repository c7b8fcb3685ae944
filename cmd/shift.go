package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ci"
	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/pipeline"
	"github.com/lambcli/lamb/pkg/progress"
)

// ShiftOptions are the inputs of `lamb shift`.
type ShiftOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Clients returns the AWS clients of the resolved settings.
	Clients func(context.Context) (pipeline.ShiftClients, error)
	// Tune adjusts the direct engine before use; tests give it a clock.
	Tune func(*shift.Direct)
	// TuneCodeDeploy adjusts the codedeploy engine before use; tests give
	// it the simulator's clock.
	TuneCodeDeploy func(*shift.CodeDeployEngine)

	Function string
	// To is the version to move the alias to.
	To string
	// Strategy overrides deploy.strategy.
	Strategy string
	// Resume finishes the shift recorded on the alias.
	Resume bool
	// AppSpec is the file of an AppSpec to run.
	AppSpec string
	// NoWait returns once the CodeDeploy deployment is created.
	NoWait bool
	JSON   bool
	// CI says where to append a job summary.
	CI ci.Env
}

// shiftDocument is what `lamb shift --output json` prints: the function's
// key and AWS name, then the fields of pipeline.ShiftReport (alias,
// current, target, strategy, engine, outcome, cause, steps, deploymentId).
type shiftDocument struct {
	Function string `json:"function"`
	Name     string `json:"name"`
	pipeline.ShiftReport
}

func newShiftCmd(f *Factory, runF func(context.Context, *ShiftOptions) error) *cobra.Command {
	opts := &ShiftOptions{IO: f.IO, Config: f.LoadConfig, Clients: f.shiftClients}
	c := &cobra.Command{
		Use:   "shift FN (--to V | --appspec FILE | --resume)",
		Short: "Move the alias to a published version in steps, with hooks and gates",
		Long: `Move the function's deploy alias from the version it serves to the published
version --to names, by the strategy --strategy gives (default deploy.strategy):
the beforeAllowTraffic hook, each weight step with a bake watched by the alarms
and the error-rate gate of lamb.yaml, then the afterAllowTraffic hook. A failing
hook or gate, or Ctrl-C, puts the alias back on the version it served and exits
5 (130 when interrupted), naming the cause.

--appspec FILE runs a CodeDeploy AppSpec instead: its alias, CurrentVersion,
TargetVersion and hooks. --resume finishes a shift recorded in progress on the
alias (one whose lamb died), from the step it reached; 'lamb rollback FN'
undoes one instead.

With deploy.engine: codedeploy, --no-wait returns as soon as CodeDeploy has
the deployment: the outcome is "started", with the deployment id to follow
in CodeDeploy.

The output lists every step (when, the target's share of traffic, the last
reading of each gate) and the outcome. With GITHUB_STEP_SUMMARY set (GitHub
Actions), the same is appended to the job summary in Markdown.

` + fnArgHelp,
		Example: `  lamb shift api --to 42
  lamb shift api --to 42 --strategy canary:10%:5m
  lamb shift api --appspec appspec.yaml --output json
  lamb shift api --resume
  lamb shift api --to 42 --no-wait --output json | jq -r .deploymentId`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Function, opts.JSON, opts.CI = args[0], f.Settings.JSON(), f.ciEnv()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return shiftRun(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.To, "to", "", "the published version to move the alias to")
	c.Flags().StringVar(&opts.Strategy, "strategy", "", "all-at-once, canary:P%:D, linear:P%:D or a CodeDeploy configuration name (default: deploy.strategy)")
	c.Flags().BoolVar(&opts.Resume, "resume", false, "finish the shift recorded in progress on the alias")
	c.Flags().StringVar(&opts.AppSpec, "appspec", "", "run the AppSpec in `FILE` (YAML or JSON)")
	c.Flags().BoolVar(&opts.NoWait, "no-wait", false, noWaitUsage)
	c.MarkFlagsMutuallyExclusive("to", "appspec", "resume")
	c.MarkFlagsOneRequired("to", "appspec", "resume")
	c.MarkFlagsMutuallyExclusive("strategy", "resume")
	return readsConfig(c)
}

func shiftRun(ctx context.Context, opts *ShiftOptions) error {
	fn, err := oneFunction(opts.Config, opts.Function)
	if err != nil {
		return err
	}
	if opts.NoWait && opts.Resume {
		return usageError(errors.New("--no-wait does not go with --resume: lamb resumes only its own shifts, and waits for them"), usageHint)
	}
	if err := checkNoWait(opts.NoWait, fn); err != nil {
		return err
	}
	in := pipeline.ShiftInput{Target: opts.To, Tune: opts.Tune, TuneCodeDeploy: opts.TuneCodeDeploy, NoWait: opts.NoWait}
	if !opts.Resume {
		if in.Strategy, err = shiftStrategy(fn, opts.Strategy); err != nil {
			return err
		}
	}
	if opts.AppSpec != "" {
		spec, err := readAppSpec(ctx, opts.AppSpec, fn)
		if err != nil {
			return err
		}
		in.AppSpec = &spec
	}
	clients, err := opts.Clients(ctx)
	if err != nil {
		return err
	}
	var rep pipeline.ShiftReport
	runErr := withProgress(opts.IO, opts.JSON, func(sink progress.Sink) (err error) {
		if opts.Resume {
			rep, err = pipeline.Resume(ctx, fn, clients, sink, opts.Tune)
			return err
		}
		in.Events = sink
		rep, err = pipeline.Shift(ctx, fn, clients, in)
		return err
	})
	if rep.Outcome == "" {
		// Refused before anything moved.
		return runErr
	}
	appendSummary(opts.IO, opts.CI, func() string { return shiftSummaryMarkdown(fn.Key, rep) })
	if opts.JSON {
		if err := ui.WriteJSON(opts.IO.Out, shiftDocument{Function: fn.Key, Name: fn.Name, ShiftReport: rep}); err != nil {
			return err
		}
		if runErr != nil {
			code, _ := classify(runErr)
			return &silentError{code: code}
		}
		return nil
	}
	if err := writeShift(opts.IO, fn, rep); err != nil {
		return err
	}
	return runErr
}

// noWaitUsage is the help of --no-wait.
const noWaitUsage = "with deploy.engine: codedeploy, return once the CodeDeploy deployment is created"

// checkNoWait refuses --no-wait for a function whose alias lamb moves
// itself: only a CodeDeploy deployment goes on without lamb.
func checkNoWait(noWait bool, fns ...*config.Function) error {
	if !noWait {
		return nil
	}
	for _, fn := range fns {
		if fn.Deploy.Engine != pipeline.EngineCodeDeploy {
			return usageError(fmt.Errorf("--no-wait: %s moves its alias with the direct engine, which lamb runs until the shift ends", fn.Key),
				"set deploy.engine: codedeploy in lamb.yaml, or leave out --no-wait")
		}
	}
	return nil
}

// shiftStrategy is --strategy, else deploy.strategy.
func shiftStrategy(fn *config.Function, flag string) (appspec.Strategy, error) {
	if flag == "" {
		return pipeline.StrategyOf(fn)
	}
	s, err := appspec.ParseStrategy(flag)
	if err != nil {
		return appspec.Strategy{}, usageError(fmt.Errorf("--strategy: %w", err), "see 'lamb shift --help' and the README's strategy table")
	}
	return s, nil
}

// maxAppSpecBytes bounds an AppSpec file: CodeDeploy takes far less.
const maxAppSpecBytes = 1 << 20

// readAppSpec reads and checks the AppSpec in path, which must deploy fn.
func readAppSpec(ctx context.Context, path string, fn *config.Function) (appspec.AppSpec, error) {
	data, err := safefile.ReadFile(ctx, path, maxAppSpecBytes)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return appspec.AppSpec{}, usageError(fmt.Errorf("--appspec %s: no such file", path), "'lamb appspec "+fn.Key+"' prints the AppSpec of the next shift")
		}
		return appspec.AppSpec{}, usageError(fmt.Errorf("read --appspec %s: %w", path, err), "")
	}
	spec, err := appspec.Parse(data, path)
	if err != nil {
		return appspec.AppSpec{}, usageError(err, "fix the AppSpec; 'lamb appspec "+fn.Key+"' prints a valid one")
	}
	if name := functionNameOf(spec.Name); name != fn.Name {
		return appspec.AppSpec{}, usageError(fmt.Errorf("%s: the AppSpec deploys function %s, not %s (%s in lamb.yaml)", path, name, fn.Name, fn.Key), "name the function the AppSpec deploys")
	}
	return spec, nil
}

// functionNameOf is the function's name in a name or an ARN
// (arn:aws:lambda:region:account:function:name[:qualifier]).
func functionNameOf(nameOrARN string) string {
	if parts := strings.Split(nameOrARN, ":"); len(parts) >= 7 && parts[0] == "arn" {
		return parts[6]
	}
	return nameOrARN
}

// writeShift prints every step of the shift, then how it ended.
func writeShift(io *ui.IOStreams, fn *config.Function, rep pipeline.ShiftReport) error {
	p := io.OutPainter()
	if len(rep.Steps) > 0 {
		tw := newTable(io)
		fmt.Fprintln(tw, "STEP\tAT\tWEIGHT\tGATES")
		for i, s := range rep.Steps {
			var gates []string
			for _, r := range s.Readings {
				text := readingText(r)
				if r.Failed {
					text = p.Red(text)
				}
				gates = append(gates, text)
			}
			if s.Note != "" {
				gates = append(gates, s.Note)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, s.At.UTC().Format(time.RFC3339), percent(s.Weight), dashIfEmpty(strings.Join(gates, "; ")))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	line := shiftLine(rep)
	if rep.Outcome == shift.OutcomeShifted {
		line = strings.Replace(line, rep.Outcome, p.Green(rep.Outcome), 1)
	}
	_, err := fmt.Fprintf(io.Out, "%s: %s\n", fn.Key, line)
	return err
}

// shiftLine says how an alias moved: "live 1 → 2 by canary:10%:5m (10%,
// 100%): shifted".
func shiftLine(rep pipeline.ShiftReport) string {
	weights := make([]string, len(rep.Steps))
	for i, s := range rep.Steps {
		weights[i] = percent(s.Weight)
	}
	moved := "nothing moved"
	if len(weights) > 0 {
		moved = strings.Join(weights, ", ")
	}
	line := fmt.Sprintf("%s %s → %s by %s (%s): %s", rep.Alias, rep.Current, rep.Target, rep.Strategy, moved, rep.Outcome)
	if rep.Outcome == shift.OutcomeRolledBack {
		line += fmt.Sprintf(", %s serves %s again", rep.Alias, rep.Current)
	}
	if rep.DeploymentID != "" {
		line += "; CodeDeploy deployment " + rep.DeploymentID
	}
	return line
}

// readingText is one gate reading: "alarm orders-errors OK", "error rate
// 1 of 40".
func readingText(r shift.GateReading) string {
	if r.Gate == "alarm" {
		return "alarm " + r.Alarm + " " + r.State
	}
	return fmt.Sprintf("%s %g errors in %g invocations", r.Gate, r.Errors, r.Invocations)
}

// classifyShiftError: a rolled-back shift exits 5 (130 when interrupted,
// which classify decides first); a shift stopped because someone else
// moved the alias is a failure whose message says what to do; a deploy
// engine this build lacks, or a setting the codedeploy engine cannot run,
// is a configuration error.
func classifyShiftError(err error) (int, string, bool) {
	var rb *shift.RolledBackError
	var changed *shift.AliasChangedError
	var cdConfig *shift.CodeDeployConfigError
	switch {
	case errors.As(err, &cdConfig):
		return ExitUsage, "change " + cdConfig.Field + " in lamb.yaml", true
	case errors.As(err, &rb):
		return ExitRolledBack, "the alias serves the version it served before the shift", true
	case errors.As(err, &changed):
		return ExitFailure, "", true
	case errors.Is(err, pipeline.ErrEngineUnavailable):
		return ExitUsage, "set deploy.engine: direct in lamb.yaml", true
	}
	return 0, "", false
}
