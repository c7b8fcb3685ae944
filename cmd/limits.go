package cmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/limits"
)

// LimitsOptions are the inputs of `lamb limits`.
type LimitsOptions struct {
	// Account reads the account's own limits with GetAccountSettings.
	Account bool
}

// limitsDocument is the --output json document of `lamb limits`.
type limitsDocument struct {
	Quotas   limits.Quotas    `json:"quotas"`
	Runtimes []limits.Runtime `json:"runtimes"`
	Skipped  []string         `json:"skipped"`
}

func newLimitsCmd(f *Factory) *cobra.Command {
	opts := &LimitsOptions{}
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
			return limitsRun(c.Context(), f, opts)
		},
	}
	c.Flags().BoolVar(&opts.Account, "account", false, "read the account's limits from AWS (GetAccountSettings)")
	return c
}

func limitsRun(ctx context.Context, f *Factory, opts *LimitsOptions) error {
	quotas := limits.DefaultQuotas()
	skipped := []string{}
	if opts.Account {
		var api limits.AccountSettingsAPI
		client, note := f.readOnlyLambda(ctx)
		if client != nil {
			api = client
		}
		q, qnote, err := limits.LoadQuotas(ctx, api)
		if err != nil {
			return err
		}
		quotas = q
		for _, n := range []string{note, qnote} {
			if n != "" {
				skipped = append(skipped, n)
			}
		}
	}
	if f.Settings.JSON() {
		return ui.WriteJSON(f.IO.Out, limitsDocument{Quotas: quotas, Runtimes: limits.Runtimes(), Skipped: dedupe(skipped)})
	}
	if err := limits.WriteQuotas(f.IO.Out, quotas); err != nil {
		return err
	}
	for _, s := range dedupe(skipped) {
		f.IO.Progressf("skipped: %s", s)
	}
	return nil
}
