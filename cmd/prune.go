package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// PruneOptions are the inputs of `lamb prune`.
type PruneOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Lambda returns the client of the resolved settings.
	Lambda func(context.Context) (deploy.LambdaAPI, error)
	// Layers returns the client that prunes the layers of lamb.yaml the
	// function uses.
	Layers func(context.Context) (deploy.LayerPublishAPI, error)

	Function string
	// Keep is how many of the newest versions stay; KeepSet says --keep
	// was given, else deploy.keepVersions decides.
	Keep    int
	KeepSet bool
	DryRun  bool
	JSON    bool
}

// pruneDocument is what `lamb prune --output json` prints: the function's
// key and AWS name, how many newest versions were kept, whether it was a
// dry run, and the versions deleted (or, on a dry run, that would be) and
// the older ones protected because an alias routes to them; then, for each
// layer of lamb.yaml the function uses, the layer versions deleted and
// those kept because a function version uses them.
type pruneDocument struct {
	Function string `json:"function"`
	Name     string `json:"name"`
	Keep     int    `json:"keep"`
	DryRun   bool   `json:"dryRun"`
	deploy.PruneResult
	Layers []deploy.LayerPruneResult `json:"layers,omitempty"`
}

func newPruneCmd(f *Factory, runF func(context.Context, *PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.deployLambda, Layers: f.deployLayers}
	c := &cobra.Command{
		Use:   "prune FN",
		Short: "Delete old versions, never one an alias routes to",
		Long: `Delete the function's published versions older than the newest --keep N
(default deploy.keepVersions from lamb.yaml). A version that any alias
routes to, as its version or as an additional weighted one, is never
deleted: it is listed as protected. The aliases are read right before
deleting. Then, for each layer of lamb.yaml's layers: the function uses,
the versions lamb published are deleted except the newest and those any
version of any function in the region still uses. --dry-run deletes
nothing and lists what would go.

` + fnArgHelp,
		Example: `  lamb prune api --dry-run
  lamb prune api --keep 5
  lamb prune api --keep 3 --output json | jq '.deleted'`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Function, opts.JSON = args[0], f.Settings.JSON()
			opts.KeepSet = c.Flags().Changed("keep")
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return pruneRun(c.Context(), opts)
		},
	}
	c.Flags().IntVar(&opts.Keep, "keep", 0, "how many of the newest versions to keep (default: deploy.keepVersions)")
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "delete nothing; list what would be deleted")
	return readsConfig(c)
}

func pruneRun(ctx context.Context, opts *PruneOptions) error {
	fn, err := oneFunction(opts.Config, opts.Function)
	if err != nil {
		return err
	}
	keep := fn.Deploy.KeepVersions
	if opts.KeepSet {
		keep = opts.Keep
	}
	if keep < 1 {
		if opts.KeepSet {
			return usageError(fmt.Errorf("--keep must be at least 1, got %d", keep), "")
		}
		return usageError(fmt.Errorf("deploy.keepVersions of %s is %d, which turns pruning off", fn.Key, keep), "pass --keep N to prune anyway")
	}
	d, err := deployerOn(ctx, opts.Lambda)
	if err != nil {
		return err
	}
	res, err := d.Prune(ctx, fn.Name, keep, opts.DryRun)
	if err != nil {
		// Part of the work may be done; say what before failing.
		if len(res.Deleted) > 0 && !opts.JSON {
			_, _ = fmt.Fprintf(opts.IO.ErrOut, "%s: deleted %s before the failure\n", fn.Key, strings.Join(res.Deleted, ", "))
		}
		return notDeployedHint(err, fn)
	}
	layers, err := pruneLayers(ctx, opts, fn, res.Deleted)
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, pruneDocument{Function: fn.Key, Name: fn.Name, Keep: keep, DryRun: opts.DryRun, PruneResult: res, Layers: layers})
	}
	deleted := "deleted"
	if opts.DryRun {
		deleted = "would delete"
	}
	tw := newTable(opts.IO)
	if _, err := fmt.Fprintf(opts.IO.Out, "%s (%s): keeping the newest %d\n", fn.Key, fn.Name, keep); err != nil {
		return err
	}
	fmt.Fprintf(tw, "  %s\t%s\n", deleted, listOrNone(res.Deleted))
	protected := listOrNone(res.Protected)
	if len(res.Protected) > 0 {
		protected += " (an alias routes to each)"
	}
	fmt.Fprintf(tw, "  protected\t%s\n", protected)
	writeLayerPrune(tw, deleted, layers)
	return tw.Flush()
}

func listOrNone(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	return strings.Join(vs, ", ")
}
