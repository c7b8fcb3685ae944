package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// RollbackOptions are the inputs of `lamb rollback`.
type RollbackOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Lambda returns the client of the resolved settings.
	Lambda func(context.Context) (deploy.LambdaAPI, error)

	Function string
	// Alias overrides the function's deploy.alias.
	Alias string
	// To is the version to go back to; "" means the one lamb recorded.
	To   string
	JSON bool
}

// rollbackDocument is what `lamb rollback --output json` prints: the
// function's key and AWS name, then the fields of deploy.RollbackResult
// (alias, from, fromWeights, to, moved).
type rollbackDocument struct {
	Function string `json:"function"`
	Name     string `json:"name"`
	deploy.RollbackResult
}

func newRollbackCmd(f *Factory, runF func(context.Context, *RollbackOptions) error) *cobra.Command {
	opts := &RollbackOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.deployLambda}
	c := &cobra.Command{
		Use:   "rollback FN",
		Short: "Move the alias back to the version it left, or to --to V",
		Long: `Move the function's deploy alias (deploy.alias, default live; --alias picks
another) back to the version lamb recorded it left when it last moved it,
or to the version --to names, with no additional weights. The version must
be a published one that still exists: $LATEST and a missing version are
refused before the alias is touched. The alias then records the version it
left, so a second rollback undoes the first.

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
