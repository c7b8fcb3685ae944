package cmd

import (
	"context"
	"errors"

	"github.com/lambcli/lamb/internal/safefile"
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
	// A file lamb refuses to read or write through is part of the
	// project's setup, like lamb.yaml itself.
	classifiers = append(classifiers, func(err error) (int, string, bool) {
		var (
			nr *safefile.NotRegularError
			tl *safefile.TooLargeError
			or *safefile.OutsideRootError
			sl *safefile.SymlinkError
		)
		if errors.As(err, &nr) || errors.As(err, &tl) || errors.As(err, &or) || errors.As(err, &sl) {
			return ExitUsage, "", true
		}
		return 0, "", false
	})
}

// stdinConfig is the --config value that reads the configuration from
// standard input.
const stdinConfig = "-"

// stdinConfigName stands for standard input in problems.
const stdinConfigName = "<stdin>"

// LoadConfig loads lamb.yaml (with the --stage overlay) and lets its
// top-level region and profile take their place in the settings precedence.
// Any problem loading it is a configuration error (exit 2).
func (f *Factory) LoadConfig(ctx context.Context) (*config.Config, error) {
	opts := config.LoadOptions{Stage: f.Settings.Stage}
	var cfg *config.Config
	var err error
	if f.Settings.Config == stdinConfig {
		cfg, err = f.loadStdinConfig(ctx, opts)
	} else {
		cfg, err = config.Load(ctx, f.Settings.Config, opts)
	}
	if err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) || errors.Is(err, context.Canceled) {
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

// loadStdinConfig reads the configuration from standard input, as if it
// were a file in the current folder: that folder is the project, where
// sources are found and .lamb/ is written.
func (f *Factory) loadStdinConfig(ctx context.Context, opts config.LoadOptions) (*config.Config, error) {
	data, err := safefile.ReadAll(ctx, f.IO.In, "the configuration on standard input", config.MaxFileBytes)
	if err != nil {
		return nil, err
	}
	// A relative name is anchored at the current folder.
	return config.Parse(data, stdinConfigName, opts)
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
