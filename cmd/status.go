package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// StatusOptions are the inputs of `lamb status`.
type StatusOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Lambda returns the client of the resolved settings.
	Lambda func(context.Context) (deploy.LambdaAPI, error)

	Function string
	JSON     bool
}

// statusDocument is what `lamb status --output json` prints: the
// function's key, then the fields of deploy.Status.
type statusDocument struct {
	Function string `json:"function"`
	deploy.Status
}

func newStatusCmd(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.deployLambda}
	c := &cobra.Command{
		Use:   "status FN",
		Short: "Show a function's state, last update and alias routing",
		Long: `Show the function's state and last update status (with Lambda's reason
when it failed), its code hash, size and last change, and every alias with
the versions it routes to, their weights, and the version lamb recorded it
left (where 'lamb rollback' goes back to). A traffic shift in progress on
the deploy alias is shown with its versions, strategy, step and start.

` + fnArgHelp,
		Example: `  lamb status api
  lamb status api --stage prod --output json | jq '.aliases[] | select(.name == "live")'`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Function, opts.JSON = args[0], f.Settings.JSON()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return statusRun(c.Context(), opts)
		},
	}
	return readsConfig(c)
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	fn, d, err := deployedFunction(ctx, opts.Config, opts.Lambda, opts.Function)
	if err != nil {
		return err
	}
	s, err := d.Status(ctx, fn.Name, fn.Deploy.Alias)
	if err != nil {
		return notDeployedHint(err, fn)
	}
	for _, a := range s.Aliases {
		if a.Name != s.Alias {
			continue
		}
		p, err := shift.InProgressOn(fn.Name, &a.Alias)
		if err != nil {
			s.Shift = &deploy.ShiftStatus{Problem: err.Error()}
		} else {
			s.Shift = pipeline.ShiftStatusOf(p)
		}
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, statusDocument{Function: fn.Key, Status: s})
	}
	return writeStatus(opts.IO, fn, s)
}

func writeStatus(io *ui.IOStreams, fn *config.Function, s deploy.Status) error {
	p := io.OutPainter()
	if _, err := fmt.Fprintf(io.Out, "%s (%s)\n", p.Bold(s.Name), fn.Key); err != nil {
		return err
	}
	tw := newTable(io)
	state := s.State
	if s.StateReason != "" {
		state += ": " + s.StateReason
	}
	update := s.LastUpdateStatus
	if s.LastUpdateStatusReason != "" {
		update += ": " + s.LastUpdateStatusReason
	}
	if s.LastUpdateStatus == "Failed" {
		update = p.Red(update)
	}
	fmt.Fprintf(tw, "state\t%s\n", dashIfEmpty(state))
	fmt.Fprintf(tw, "last update\t%s\n", dashIfEmpty(update))
	fmt.Fprintf(tw, "code\t%s (%s)\n", dashIfEmpty(s.CodeSha256), ui.Bytes(s.CodeSize))
	fmt.Fprintf(tw, "last modified\t%s\n", lambdaDate(s.LastModified))
	deployAlias := false
	for _, a := range s.Aliases {
		label := "alias " + a.Name
		if a.Name == s.Alias {
			label, deployAlias = label+" (deploy)", true
		}
		line := route(a.Version, a.Weights)
		if a.PreviousVersion != "" {
			line += "; previous " + a.PreviousVersion
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, line)
	}
	if !deployAlias {
		fmt.Fprintf(tw, "alias %s (deploy)\tnot created; 'lamb deploy %s' creates it\n", s.Alias, fn.Key)
	}
	if sh := s.Shift; sh != nil {
		fmt.Fprintf(tw, "shift\t%s\n", shiftStatusText(sh))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if s.Shift != nil && s.Shift.Problem == "" && s.Shift.Mismatch == "" {
		_, err := fmt.Fprintf(io.Out, "a traffic shift is in progress on %s: 'lamb shift %s --resume' finishes it, 'lamb rollback %s' undoes it\n", s.Alias, fn.Key, fn.Key)
		return err
	}
	return nil
}

// shiftStatusText reads: 1 → 2 by canary:10%:5m, step 1/2 (10% on 2) since
// 2025-01-02T15:04:05Z; previous 0.
func shiftStatusText(sh *deploy.ShiftStatus) string {
	if sh.Problem != "" {
		return sh.Problem
	}
	text := fmt.Sprintf("%s → %s by %s, step %d/%d (%s on %s) since %s", sh.Current, sh.Target, sh.Strategy, sh.Step, sh.Steps,
		percent(sh.Weight), sh.Target, sh.Since.UTC().Format(time.RFC3339))
	if sh.PreviousVersion != "" {
		text += "; previous " + sh.PreviousVersion
	}
	if sh.Mismatch != "" {
		text += "; but the alias was moved since and serves " + sh.Mismatch + ": lamb will neither resume nor undo it"
	}
	return text
}
