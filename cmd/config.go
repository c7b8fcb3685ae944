package cmd

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/packager"
)

// classifyConfigError: an invalid lamb.yaml, or a file lamb refuses to read
// or write through, is a configuration error (exit 2): it is part of the
// project's setup, like lamb.yaml itself.
func classifyConfigError(err error) (int, string, bool) {
	var (
		ve *config.ValidationError
		nr *safefile.NotRegularError
		tl *safefile.TooLargeError
		or *safefile.OutsideRootError
		sl *safefile.SymlinkError
	)
	if errors.As(err, &ve) {
		return ExitUsage, "fix the problems above, then run 'lamb validate'", true
	}
	if errors.As(err, &nr) || errors.As(err, &tl) || errors.As(err, &or) || errors.As(err, &sl) {
		return ExitUsage, "", true
	}
	return 0, "", false
}

// classifyPackageLimit: an artifact that expands beyond Lambda's unzipped
// limit is a Lambda limit (exit 3), found before anything is written.
func classifyPackageLimit(err error) (int, string, bool) {
	var le *packager.LimitError
	if errors.As(err, &le) {
		return ExitLimit, "'lamb limits' lists Lambda's size limits", true
	}
	return 0, "", false
}

// configAnnotation marks the commands that read lamb.yaml: for them the
// file is loaded once, before the command runs, so that its top-level region
// and profile take their place in the settings precedence and the settings
// are resolved once, complete.
const configAnnotation = "lamb:reads-config"

// readsConfig marks c as a command that reads lamb.yaml.
func readsConfig(c *cobra.Command) *cobra.Command {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[configAnnotation] = "true"
	return c
}

// stdinConfig is the --config value that reads the configuration from
// standard input.
const stdinConfig = "-"

// stdinConfigName stands for standard input in problems.
const stdinConfigName = "<stdin>"

// loadConfig loads lamb.yaml (with the --stage overlay) for a command that
// reads it. Any problem loading it is a configuration error (exit 2); it is
// kept for LoadConfig, so a command such as validate can report it.
func (f *Factory) loadConfig(ctx context.Context, s Settings) {
	opts := config.LoadOptions{Stage: s.Stage}
	var cfg *config.Config
	var err error
	if s.Config == stdinConfig {
		cfg, err = f.loadStdinConfig(ctx, opts)
	} else {
		cfg, err = config.Load(ctx, s.Config, opts)
	}
	if err != nil {
		var ve *config.ValidationError
		// An interrupted read is an interruption (exit 130), not a bad file.
		if !errors.As(err, &ve) && ctx.Err() == nil {
			err = usageError(err, "")
		}
	}
	f.config, f.configErr, f.configLoaded = cfg, err, true
}

// LoadConfig returns lamb.yaml as loaded before the command ran.
func (f *Factory) LoadConfig() (*config.Config, error) {
	if !f.configLoaded {
		return nil, errors.New("this command does not read lamb.yaml (missing readsConfig in its constructor)")
	}
	return f.config, f.configErr
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
	return config.Parse(ctx, data, stdinConfigName, opts)
}

// selectFunctions returns lamb.yaml from load and the functions named in
// args (by key or AWS name), or all of them when args is empty.
func selectFunctions(load func() (*config.Config, error), args []string) (*config.Config, []*config.Function, error) {
	cfg, err := load()
	if err != nil {
		return nil, nil, err
	}
	fns, err := cfg.Lookup(args...)
	if err != nil {
		return nil, nil, usageError(err, "")
	}
	return cfg, fns, nil
}
