package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
)

// LimitsOptions are the inputs of `lamb limits`.
type LimitsOptions struct {
	IO *ui.IOStreams
	// Lambda returns the client that reads the account's limits.
	Lambda func(context.Context) (deploy.AccountSettingsAPI, error)

	// Account reads the account's own limits with GetAccountSettings.
	Account bool
	JSON    bool
}

// limitsDocument is the --output json document of `lamb limits`.
type limitsDocument struct {
	Quotas   limits.Quotas    `json:"quotas"`
	Runtimes []limits.Runtime `json:"runtimes"`
	Skipped  []string         `json:"skipped"`
}

func newLimitsCmd(f *Factory, runF func(context.Context, *LimitsOptions) error) *cobra.Command {
	opts := &LimitsOptions{IO: f.IO, Lambda: func(ctx context.Context) (deploy.AccountSettingsAPI, error) {
		return f.lambdaReader(ctx)
	}}
	c := &cobra.Command{
		Use:   "limits",
		Short: "Print the Lambda quotas lamb enforces, with their sources",
		Long: `Print the quota table every check reads: name, value, unit, and where the
value comes from. With --account, the account's own code-size limits
(GetAccountSettings) replace the defaults where AWS answers.`,
		Example: `  lamb limits
  lamb limits --account --region eu-west-1
  lamb limits --output json | jq '.quotas[] | select(.name=="environmentSize")'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.JSON = f.Settings.JSON()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return limitsRun(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.Account, "account", false, "read the account's limits from AWS (GetAccountSettings)")
	return c
}

func limitsRun(ctx context.Context, opts *LimitsOptions) error {
	quotas := limits.DefaultQuotas()
	skipped := []string{}
	if opts.Account {
		api, err := opts.Lambda(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			skipped = append(skipped, fmt.Sprintf("account limits not read from AWS: %v", err))
			api = nil
		}
		q, note, err := deploy.LoadQuotas(ctx, api)
		if err != nil {
			return err
		}
		quotas = q
		if note != "" && api != nil {
			skipped = append(skipped, note)
		}
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, limitsDocument{Quotas: quotas, Runtimes: limits.Runtimes(), Skipped: skipped})
	}
	if err := limits.WriteQuotas(opts.IO.Out, quotas); err != nil {
		return err
	}
	for _, s := range skipped {
		opts.IO.Progressf("skipped: %s", s)
	}
	return nil
}
