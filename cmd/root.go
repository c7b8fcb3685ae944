// Package cmd is lamb's command line: it turns flags, environment variables
// and lamb.yaml into one call into pkg/ per command and renders the result.
// It is the only package that knows cobra and viper.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/config"
)

// Factory carries what every command needs: the IO streams, the resolved
// global settings, and the constructors of what commands use. Commands read
// Settings only after flag parsing; tests replace the function fields.
type Factory struct {
	IO       *ui.IOStreams
	Settings Settings
	// AWS returns the AWS session for the resolved settings, made once.
	AWS func() *awsconf.Session
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string

	sessionOnce sync.Once
	sess        *awsconf.Session

	resolver *settingsResolver

	// lamb.yaml as loaded before the command ran (see readsConfig).
	config       *config.Config
	configErr    error
	configLoaded bool
}

// NewFactory returns the factory of a real invocation over io.
func NewFactory(io *ui.IOStreams) *Factory {
	f := &Factory{IO: io}
	f.AWS = f.session
	f.Getenv = os.Getenv
	return f
}

// Main runs lamb with args and returns the process exit status.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal cancels ctx and lamb winds down; restoring the
	// default action lets a second one end it at once, should anything
	// still block.
	go func() {
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, ui.System(), args)
}

// Run executes one lamb invocation against the given streams; it prints an
// error once (text on stderr, or a JSON object on stdout with --output json)
// and returns the exit status.
func Run(ctx context.Context, io *ui.IOStreams, args []string) int {
	f := NewFactory(io)
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetOut(io.Out)
	root.SetErr(io.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("%w: %w", context.Canceled, err)
	}
	if f.resolver == nil {
		// Cobra rejected the arguments before the settings were resolved,
		// maybe before it parsed any flag; read the global flags from args
		// alone, so --output json still shapes the error.
		readGlobalFlags(root, args)
		_ = f.resolveSettings(root)
	}
	return reportError(f, err)
}

// reportError prints err once, unless the command already printed its
// outcome, and returns the exit status it stands for.
func reportError(f *Factory, err error) int {
	code, hint := classify(err)
	var se *silentError
	if errors.As(err, &se) {
		// The command has printed its outcome (one JSON document, or a
		// report); only the exit status remains.
		return code
	}
	if code == ExitInterrupted {
		// The cause chain is only "context canceled"; say it plainly.
		err = errors.New("interrupted")
	}
	printError(f, err, code, hint)
	return code
}

// readGlobalFlags parses lamb's global flags out of args, skipping every
// other flag and argument.
func readGlobalFlags(root *cobra.Command, args []string) {
	fs := pflag.NewFlagSet(root.Name(), pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.SetOutput(io.Discard)
	fs.AddFlagSet(root.PersistentFlags())
	_ = fs.Parse(args)
}

// jsonError is the document --output json prints on failure.
type jsonError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Hint    string `json:"hint,omitempty"`
	} `json:"error"`
}

func printError(f *Factory, err error, code int, hint string) {
	if f.Settings.JSON() {
		var doc jsonError
		doc.Error.Code, doc.Error.Message, doc.Error.Hint = code, err.Error(), hint
		_ = ui.WriteJSON(f.IO.Out, doc)
		return
	}
	// Standard error is where a failure to write would be reported: nothing is left to tell.
	_, _ = fmt.Fprintf(f.IO.ErrOut, "%s %s\n", f.IO.ErrPainter().Red("error:"), err)
	if hint != "" {
		_, _ = fmt.Fprintf(f.IO.ErrOut, "hint: %s\n", hint)
	}
}

// NewRootCmd builds the lamb command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "lamb",
		Short: "Package, check and deploy AWS Lambda functions",
		Long: `lamb packages AWS Lambda functions into byte-identical zips, checks every
Lambda quota before anything reaches AWS, and deploys with gradual,
crash-safe traffic shifting.

Configuration lives in lamb.yaml (see 'lamb init'). Global settings follow
the precedence: flag > LAMB_* environment variable > lamb.yaml > default.`,
		Example: `  lamb init --runtime nodejs
  lamb validate
  lamb package --output json`,
		SilenceErrors:              true,
		SilenceUsage:               true,
		DisableAutoGenTag:          true,
		SuggestionsMinimumDistance: 2,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			// Cobra checks these after this hook, with plain errors;
			// checking them first gives them their type.
			for _, validate := range []func() error{c.ValidateRequiredFlags, c.ValidateFlagGroups} {
				if err := validate(); err != nil {
					return usageError(err, usageHint)
				}
			}
			return f.resolveSettings(c)
		},
		// With Args and RunE on the root, an unknown command is an
		// argument error like any other (cobra's own is a plain error).
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %q?)", s[0])
			}
			return errors.New(msg)
		},
		RunE: func(c *cobra.Command, _ []string) error {
			return c.Help()
		},
	}
	pf := root.PersistentFlags()
	pf.StringP("config", "c", "lamb.yaml", "path to lamb.yaml (or a JSON file); - reads it from standard input [LAMB_CONFIG]")
	pf.StringP("stage", "s", "", "stage overlay from lamb.yaml's stages section [LAMB_STAGE]")
	pf.String("profile", "", "AWS shared-config profile [LAMB_PROFILE, then AWS_PROFILE]")
	pf.String("region", "", "AWS region [LAMB_REGION, then AWS_REGION]")
	pf.String("endpoint-url", "", "custom AWS endpoint, e.g. a local emulator [LAMB_ENDPOINT_URL, then AWS_ENDPOINT_URL]")
	pf.StringP("output", "o", "text", "output format: text or json; lamb plan also markdown [LAMB_OUTPUT]")
	pf.Bool("no-color", false, "disable colour (also NO_COLOR) [LAMB_NO_COLOR]")
	pf.BoolP("quiet", "q", false, "print only results and errors [LAMB_QUIET]")
	pf.BoolP("verbose", "v", false, "print build tool output and AWS call details [LAMB_VERBOSE]")
	pf.BoolP("yes", "y", false, "answer yes to every confirmation [LAMB_YES]")

	// Subcommands inherit this: every flag error is a usage error.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError(err, usageHint)
	})

	root.AddCommand(
		newInitCmd(f),
		newValidateCmd(f),
		newPackageCmd(f, nil),
		newCheckCmd(f, nil),
		newPlanCmd(f, nil),
		newDeployCmd(f, nil),
		newVersionsCmd(f, nil),
		newRollbackCmd(f, nil),
		newShiftCmd(f, nil),
		newAppSpecCmd(f, nil),
		newPruneCmd(f, nil),
		newStatusCmd(f, nil),
		newInvokeCmd(f, nil),
		newLogsCmd(f, nil),
		newLimitsCmd(f, nil),
		newDoctorCmd(f, nil),
		newGenManCmd(),
		newCompletionCmd(f, nil),
		newVersionCmd(f, nil),
		newExitCodesTopic(f),
	)
	typedArgErrors(root)
	registerCompletions(root)
	return root
}

func (f *Factory) resolveSettings(c *cobra.Command) error {
	r, err := newSettingsResolver(c.Root().PersistentFlags())
	if err != nil {
		return err
	}
	f.resolver = r
	s, err := r.resolve()
	if err == nil {
		err = checkOutputFor(c, s)
	}
	if err == nil && c.Annotations[configAnnotation] != "" {
		f.loadConfig(c.Context(), s)
		if f.config != nil {
			if err = r.withFile(map[string]string{"region": f.config.Region, "profile": f.config.Profile}); err == nil {
				s, err = r.resolve()
			}
		}
	}
	f.Settings = s
	if err != nil {
		return err
	}
	f.applyIO()
	return nil
}

func (f *Factory) applyIO() {
	f.IO.Quiet = f.Settings.Quiet
	f.IO.Verbose = f.Settings.Verbose
	if f.Settings.NoColor {
		f.IO.NoColor = true
	}
}
