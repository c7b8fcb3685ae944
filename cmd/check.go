package cmd

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
)

func init() { register(newCheckCmd) }

// CheckOptions are the inputs of `lamb check`.
type CheckOptions struct {
	Package PackageOptions
	// Offline skips every AWS read (account limits, layer ARNs).
	Offline bool
	// Now decides runtime deprecation; tests fix it.
	Now func() time.Time
}

func newCheckCmd(f *Factory) *cobra.Command {
	opts := &CheckOptions{Now: time.Now}
	c := &cobra.Command{
		Use:   "check [FN...]",
		Short: "Package and run every Lambda pre-flight check; exit 3 on a violation",
		Long: `Package each function, then check it against every Lambda quota before
anything reaches AWS: zipped and unzipped size (layers included), environment
size and keys, memory, timeout, storage and name ranges, runtime, handler
target in the bundle, and native binaries for the wrong architecture.

Every finding says the measured value, the limit and the fix. lamb check makes
no AWS writes. It reads account limits (GetAccountSettings) and layer sizes
(GetLayerVersionByArn) only when credentials are available, and says what it
skipped otherwise. Exit status 3 when any finding is an error.`,
		Example: `  lamb check
  lamb check api --stage prod
  lamb check --offline --output json | jq '.functions[].findings[]'`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Package.Functions = args
			return checkRun(c.Context(), f, opts)
		},
	}
	c.Flags().BoolVar(&opts.Package.NoCache, "no-cache", false, "ignore the compression and dependency caches (cold build)")
	c.Flags().BoolVar(&opts.Offline, "offline", false, "make no AWS calls: default quotas, local layers only")
	return c
}

func checkRun(ctx context.Context, f *Factory, opts *CheckOptions) error {
	cfg, fns, err := f.selectFunctions(ctx, opts.Package.Functions)
	if err != nil {
		return err
	}
	manifests, err := packageFunctions(ctx, f, cfg, fns, &opts.Package)
	if err != nil {
		return err
	}
	report, err := checkFunctions(ctx, f, cfg, fns, manifests, opts)
	if err != nil {
		return err
	}
	if f.Settings.JSON() {
		err = ui.WriteJSON(f.IO.Out, report)
	} else {
		err = limits.WriteText(f.IO.Out, report)
	}
	if err != nil {
		return err
	}
	if report.Failed() {
		return &silentError{code: ExitLimit}
	}
	return nil
}

// checkFunctions runs the pre-flight checks on packaged functions. It is the
// same step deploy runs before any AWS write.
func checkFunctions(ctx context.Context, f *Factory, cfg *config.Config, fns []*config.Function, manifests []*packager.Manifest, opts *CheckOptions) (limits.Report, error) {
	// The Lambda client serves both optional reads; nil interfaces (not a
	// nil *lambda.Client) tell pkg/limits that there is no AWS access.
	var skipped []string
	var quotaAPI limits.AccountSettingsAPI
	var layerAPI limits.LayerAPI
	if opts.Offline {
		skipped = append(skipped, "account limits and layer sizes not read from AWS: --offline")
	} else if client, note := f.readOnlyLambda(ctx); client != nil {
		quotaAPI, layerAPI = client, client
	} else {
		skipped = append(skipped, note)
	}
	quotas, note, err := limits.LoadQuotas(ctx, quotaAPI)
	if err != nil {
		return limits.Report{}, err
	}
	if note != "" && quotaAPI != nil {
		skipped = append(skipped, note)
	}
	layerCache := filepath.Join(packager.DefaultCacheDir(), "layers")
	reports := make([]limits.FunctionReport, 0, len(fns))
	for i, fn := range fns {
		layers, notes, err := limits.MeasureLayers(ctx, layerRefs(cfg, fn), layerAPI, http.DefaultClient, layerCache)
		if err != nil {
			return limits.Report{}, err
		}
		skipped = append(skipped, notes...)
		reports = append(reports, limits.CheckFunction(limitsFunction(fn), manifests[i], layers, quotas, opts.Now()))
	}
	return limits.NewReport(reports, dedupe(skipped)), nil
}

// layerRefs returns the function's layers with local layer zips resolved
// against the lamb.yaml folder.
func layerRefs(cfg *config.Config, fn *config.Function) []string {
	refs := make([]string, len(fn.Layers))
	for i, l := range fn.Layers {
		if !strings.HasPrefix(l, "arn:") && !filepath.IsAbs(l) {
			l = filepath.Join(cfg.Dir, l)
		}
		refs[i] = l
	}
	return refs
}

// limitsFunction maps a lamb.yaml function onto what the checks read.
func limitsFunction(fn *config.Function) limits.Function {
	return limits.Function{
		Key:              fn.Key,
		Name:             fn.Name,
		Runtime:          fn.Runtime,
		Architecture:     fn.Architecture,
		Handler:          fn.Handler,
		Description:      fn.Description,
		Alias:            fn.Deploy.Alias,
		S3Bucket:         fn.Deploy.S3.Bucket,
		Memory:           fn.Memory,
		Timeout:          fn.Timeout,
		EphemeralStorage: fn.EphemeralStorage,
		Environment:      fn.Environment,
		Layers:           fn.Layers,
		SecurityGroupIDs: fn.VPC.SecurityGroupIDs,
		SubnetIDs:        fn.VPC.SubnetIDs,
		Tags:             fn.Tags,
	}
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
