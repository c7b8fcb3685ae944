package cmd

import (
	"context"
	"errors"

	"github.com/lambcli/lamb/pkg/config"
)

func init() {
	classifiers = append(classifiers, func(err error) (int, string, bool) {
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			return ExitUsage, "fix the problems above, then run 'lamb validate'", true
		}
		return 0, "", false
	})
}

// LoadConfig loads lamb.yaml (with the --stage overlay) and lets its
// top-level region and profile take their place in the settings precedence.
// Any problem loading it is a configuration error (exit 2).
func (f *Factory) LoadConfig(ctx context.Context) (*config.Config, error) {
	cfg, err := config.Load(f.Settings.Config, config.LoadOptions{Stage: f.Settings.Stage, Context: ctx})
	if err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) || ctx.Err() != nil {
			return nil, err
		}
		return nil, usageError(err, "")
	}
	if f.resolver != nil {
		if err := f.resolver.withFile(map[string]string{"region": cfg.Region, "profile": cfg.Profile}); err != nil {
			return nil, err
		}
		s, err := f.resolver.resolve()
		if err != nil {
			return nil, err
		}
		f.Settings = s
	}
	return cfg, nil
}

// selectFunctions loads lamb.yaml and returns the functions named in args
// (by key or AWS name), or all of them when args is empty.
func (f *Factory) selectFunctions(ctx context.Context, args []string) (*config.Config, []*config.Function, error) {
	cfg, err := f.LoadConfig(ctx)
	if err != nil {
		return nil, nil, err
	}
	fns, err := cfg.Lookup(args...)
	if err != nil {
		return nil, nil, usageError(err, "")
	}
	return cfg, fns, nil
}
