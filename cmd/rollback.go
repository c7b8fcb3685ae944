package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// RollbackOptions are the inputs of `lamb rollback`.
type RollbackOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Lambda returns the client of the resolved settings.
	Lambda func(context.Context) (deploy.LambdaAPI, error)
	// Shift returns the clients that undo a traffic shift in progress.
	Shift func(context.Context) (pipeline.ShiftClients, error)

	Function string
	// Alias overrides the function's deploy.alias.
	Alias string
	// To is the version to go back to; "" means the one lamb recorded.
	To   string
	JSON bool
}

// rollbackDocument is what `lamb rollback --output json` prints: the
// function's key and AWS name, then the fields of deploy.RollbackResult
// (alias, from, fromWeights, to, moved), and undidShift: the traffic shift
// in progress the rollback undid (see deploy.ShiftStatus), when it undid one.
type rollbackDocument struct {
	Function string `json:"function"`
	Name     string `json:"name"`
	deploy.RollbackResult
	UndidShift *deploy.ShiftStatus `json:"undidShift,omitempty"`
}

func newRollbackCmd(f *Factory, runF func(context.Context, *RollbackOptions) error) *cobra.Command {
	opts := &RollbackOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.deployLambda, Shift: f.shiftClients}
	c := &cobra.Command{
		Use:   "rollback FN",
		Short: "Move the alias back to the version it left, or to --to V",
		Long: `Move the function's deploy alias (deploy.alias, default live; --alias picks
another) back to the version lamb recorded it left when it last moved it,
or to the version --to names, with no additional weights. The version must
be a published one that still exists: $LATEST and a missing version are
refused before the alias is touched. The alias then records the version it
left, so a second rollback undoes the first.

When a traffic shift is in progress on the alias (see lamb status), rollback
without --to undoes it instead: the alias serves the shift's current version
alone again, with no weights.

` + fnArgHelp,
		Example: `  lamb rollback api
  lamb rollback api --to 12
  lamb rollback api --alias beta --output json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Function, opts.JSON = args[0], f.Settings.JSON()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return rollbackRun(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.To, "to", "", "the version to move the alias to (default: the one it left)")
	c.Flags().StringVar(&opts.Alias, "alias", "", "the alias to move (default: deploy.alias from lamb.yaml)")
	return readsConfig(c)
}

func rollbackRun(ctx context.Context, opts *RollbackOptions) error {
	fn, d, err := deployedFunction(ctx, opts.Config, opts.Lambda, opts.Function)
	if err != nil {
		return err
	}
	alias := opts.Alias
	if alias == "" {
		alias = fn.Deploy.Alias
	}
	if opts.To == "" {
		if undone, err := undoShift(ctx, opts, fn, d, alias); undone || err != nil {
			return err
		}
	}
	res, err := d.RollbackAlias(ctx, fn.Name, alias, opts.To)
	var refused *deploy.RollbackRefusedError
	if errors.As(err, &refused) {
		return usageError(err, fmt.Sprintf("'lamb versions %s' lists the published versions and where each alias is", fn.Key))
	}
	if err != nil {
		return notDeployedHint(err, fn)
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, rollbackDocument{Function: fn.Key, Name: fn.Name, RollbackResult: res})
	}
	if !res.Moved {
		_, err = fmt.Fprintf(opts.IO.Out, "%s: %s already on %s\n", fn.Key, res.Alias, res.To)
		return err
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s: %s %s → %s\n", fn.Key, res.Alias, route(res.From, res.FromWeights), opts.IO.OutPainter().Green(res.To))
	return err
}

// undoShift undoes the traffic shift in progress on the alias, if there is
// one, and says so; undone is false when there is none.
func undoShift(ctx context.Context, opts *RollbackOptions, fn *config.Function, d *deploy.Deployer, alias string) (undone bool, err error) {
	a, err := d.ReadAlias(ctx, fn.Name, alias)
	if err != nil || a == nil {
		// A missing alias is for RollbackAlias to refuse.
		return false, notDeployedHint(err, fn)
	}
	toHint := fmt.Sprintf("'lamb rollback %s --to VERSION' sets the alias to the version you name", fn.Key)
	p, err := shift.InProgressOn(fn.Name, a)
	if err != nil {
		return true, usageError(err, toHint)
	}
	if p == nil {
		return false, nil
	}
	clients, err := opts.Shift(ctx)
	if err != nil {
		return true, err
	}
	if _, err := pipeline.DirectEngine(clients, nil).Rollback(ctx, fn.Name, alias); err != nil {
		var changed *shift.AliasChangedError
		if errors.As(err, &changed) {
			return true, &ExitError{Code: ExitFailure, Err: err, Hint: toHint}
		}
		return true, err
	}
	res := deploy.RollbackResult{Alias: alias, From: a.Version, FromWeights: a.Weights, To: p.Current, Moved: true}
	if opts.JSON {
		return true, ui.WriteJSON(opts.IO.Out, rollbackDocument{Function: fn.Key, Name: fn.Name, RollbackResult: res, UndidShift: pipeline.ShiftStatusOf(p)})
	}
	_, err = fmt.Fprintf(opts.IO.Out, "%s: %s %s → %s: undid the shift to %s (%s, step %d/%d)\n", fn.Key, alias, route(a.Version, a.Weights),
		opts.IO.OutPainter().Green(p.Current), p.Target, p.Strategy, p.Step, p.Steps)
	return true, err
}
