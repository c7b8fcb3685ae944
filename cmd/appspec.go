package cmd

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// AppSpecOptions are the inputs of `lamb appspec`.
type AppSpecOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Lambda returns the client of the resolved settings.
	Lambda func(context.Context) (deploy.LambdaAPI, error)

	Function string
	// Target is the version to shift to; "" means the newest published
	// version above the alias's.
	Target string
	JSON   bool
}

func newAppSpecCmd(f *Factory, runF func(context.Context, *AppSpecOptions) error) *cobra.Command {
	opts := &AppSpecOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.deployLambda}
	c := &cobra.Command{
		Use:   "appspec FN [--target V]",
		Short: "Print the AppSpec of the next traffic shift",
		Long: `Print the CodeDeploy AppSpec of the next traffic shift of the function's
deploy alias, as YAML (as JSON with --output json): from the version the alias
serves to --target, by default the newest published version above it, with
the hooks of lamb.yaml. 'lamb shift FN --appspec FILE' runs it.

` + fnArgHelp,
		Example: `  lamb appspec api
  lamb appspec api --target 42 > appspec.yaml && lamb shift api --appspec appspec.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Function, opts.JSON = args[0], f.Settings.JSON()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return appSpecRun(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.Target, "target", "", "the version to shift to (default: the newest published version above the alias's)")
	return readsConfig(c)
}

func appSpecRun(ctx context.Context, opts *AppSpecOptions) error {
	fn, d, err := deployedFunction(ctx, opts.Config, opts.Lambda, opts.Function)
	if err != nil {
		return err
	}
	versions, aliases, err := d.Versions(ctx, fn.Name)
	if err != nil {
		return notDeployedHint(err, fn)
	}
	var alias *deploy.Alias
	for i := range aliases {
		if aliases[i].Name == fn.Deploy.Alias {
			alias = &aliases[i]
		}
	}
	if alias == nil {
		return &ExitError{Code: ExitFailure, Err: fmt.Errorf("alias %s of %s does not exist, so no shift comes next", fn.Deploy.Alias, fn.Name),
			Hint: fmt.Sprintf("'lamb deploy %s' creates it", fn.Key)}
	}
	target, err := shiftTarget(fn, alias.Version, opts.Target, versions)
	if err != nil {
		return err
	}
	spec := appspec.AppSpec{Name: fn.Name, Alias: alias.Name, CurrentVersion: alias.Version, TargetVersion: target,
		Hooks: appspec.Hooks{BeforeAllowTraffic: fn.Deploy.Hooks.BeforeAllowTraffic, AfterAllowTraffic: fn.Deploy.Hooks.AfterAllowTraffic}}
	render := spec.YAML
	if opts.JSON {
		render = spec.JSON
	}
	out, err := render()
	if err != nil {
		return usageError(err, fmt.Sprintf("'lamb versions %s' lists the published versions and where the alias is", fn.Key))
	}
	_, err = opts.IO.Out.Write(out)
	return err
}

// shiftTarget is the version given, which must be published, or else the
// newest published version above current.
func shiftTarget(fn *config.Function, current, given string, versions []deploy.Version) (string, error) {
	hint := fmt.Sprintf("'lamb versions %s' lists the published versions", fn.Key)
	if given != "" {
		for _, v := range versions {
			if v.Version == given {
				return given, nil
			}
		}
		return "", usageError(fmt.Errorf("--target %s: %s has no published version %s", given, fn.Name, given), hint)
	}
	cur, _ := strconv.Atoi(current)
	// versions are newest first.
	for _, v := range versions {
		if n, err := strconv.Atoi(v.Version); err == nil && n > cur {
			return v.Version, nil
		}
	}
	return "", usageError(fmt.Errorf("no version of %s above %s, the one alias %s serves, is published", fn.Name, current, fn.Deploy.Alias),
		fmt.Sprintf("name one with --target, or 'lamb deploy %s' publishes one", fn.Key))
}
