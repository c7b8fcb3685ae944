package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/doctor"
)

// DoctorOptions are the inputs of `lamb doctor`.
type DoctorOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// AWS is the account side of the checks.
	AWS doctor.AWS
	// Runner finds and runs the tools; nil means the programs on PATH.
	Runner doctor.Runner

	Functions  []string
	ConfigPath string
	CacheDir   string
	Offline    bool
	JSON       bool
}

func newDoctorCmd(f *Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{IO: f.IO, Config: f.LoadConfig}
	c := &cobra.Command{
		Use:   "doctor [FN...]",
		Short: "Check the tools, AWS credentials and folders lamb needs here",
		Long: `Check what this machine and account need for lamb.yaml (or only the named
functions) and say how to install what is missing:

  - the build tools of each function's runtime, with their versions: node
    and npm, yarn or pnpm (by lockfile); python3 with pip or uv, Poetry or
    Pipenv for their lockfiles, python3.X of the runtime; go for a go.mod;
    java, javac and mvn, gradle or gradlew; sh for package.build
  - the AWS region, endpoint and credentials, and where each comes from
    (flag, environment, profile, SSO, instance metadata...)
  - that AWS answers for the credentials (STS GetCallerIdentity; --offline
    skips it)
  - that lamb's cache folder is writable

Without a lamb.yaml the tools of every runtime are checked, none required.
Exit status 1 when something required is missing or broken; warnings
(an optional tool, a version other than the runtime's) leave it 0.`,
		Example: `  lamb doctor
  lamb doctor api --offline
  lamb doctor --output json | jq '.checks[] | select(.status != "ok")'`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Functions = args
			opts.ConfigPath, opts.CacheDir, opts.JSON = f.Settings.Config, f.Settings.CacheDir, f.Settings.JSON()
			opts.AWS = doctorAWS{opts: f.awsOptions()}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return doctorRun(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.Offline, "offline", false, "make no AWS calls: resolve credentials, but do not ask STS who they belong to")
	return readsConfig(c)
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	cfg, cfgErr := opts.Config()
	if cfg != nil && len(opts.Functions) > 0 {
		fns, err := cfg.Lookup(opts.Functions...)
		if err != nil {
			return usageError(err, "")
		}
		only := *cfg
		only.Functions = fns
		cfg = &only
	} else if len(opts.Functions) > 0 {
		return cfgErr
	}
	report, err := doctor.Run(ctx, doctor.Options{
		Config:     cfg,
		ConfigErr:  cfgErr,
		ConfigPath: opts.ConfigPath,
		CacheDir:   opts.CacheDir,
		AWS:        opts.AWS,
		Offline:    opts.Offline,
		Runner:     opts.Runner,
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		err = ui.WriteJSON(opts.IO.Out, report)
	} else {
		err = writeDoctorReport(opts.IO, report)
	}
	if err != nil {
		return err
	}
	if !report.Ready {
		return &silentError{code: ExitFailure}
	}
	return nil
}

// writeDoctorReport prints the checks as a table, then how to fix each
// check that is not ok, then a one-line verdict.
func writeDoctorReport(io *ui.IOStreams, r doctor.Report) error {
	p := io.OutPainter()
	tw := newTable(io)
	_, _ = fmt.Fprintln(tw, "CHECK\tSTATUS\tDETAIL")
	var fixes []string
	for _, c := range r.Checks {
		detail := c.Detail
		if len(c.Functions) > 0 {
			detail += " [" + strings.Join(c.Functions, ", ") + "]"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, paintStatus(p, c.Status), detail)
		if c.Hint != "" && c.Status != doctor.OK {
			fixes = append(fixes, fmt.Sprintf("  %s: %s", c.Name, c.Hint))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	w := io.Out
	if len(fixes) > 0 {
		_, _ = fmt.Fprintf(w, "\nHow to fix:\n%s\n", strings.Join(fixes, "\n"))
	}
	var verdict string
	switch {
	case !r.Ready:
		verdict = p.Red(fmt.Sprintf("not ready: %d missing, %d failed, %d %s", r.Missing, r.Failed, r.Warnings, nounWord(r.Warnings, "warning")))
	case r.Warnings > 0:
		verdict = p.Yellow(fmt.Sprintf("ready, with %d %s", r.Warnings, nounWord(r.Warnings, "warning")))
	default:
		verdict = p.Green("ready")
	}
	_, err := fmt.Fprintf(w, "\n%s\n", verdict)
	return err
}

func paintStatus(p ui.Painter, s doctor.Status) string {
	switch s {
	case doctor.OK:
		return p.Green(string(s))
	case doctor.Warn:
		return p.Yellow(string(s))
	case doctor.Missing, doctor.Fail:
		return p.Red(string(s))
	}
	return string(s)
}

func nounWord(n int, one string) string {
	if n == 1 {
		return one
	}
	return one + "s"
}

// doctorAWS is the account side of lamb doctor over the resolved settings.
type doctorAWS struct{ opts awsconf.Options }

// Describe names lamb's own settings where the SDK only knows "options".
func (a doctorAWS) Describe(ctx context.Context) awsconf.Setup {
	s := awsconf.Describe(ctx, a.opts)
	if s.RegionSource == "options" {
		s.RegionSource = "--region, LAMB_REGION or lamb.yaml"
	}
	if s.EndpointSource == "options" {
		s.EndpointSource = "--endpoint-url or LAMB_ENDPOINT_URL"
	}
	return s
}

// Identity asks STS once, with a short budget: doctor must answer quickly
// when the network or the endpoint does not.
func (a doctorAWS) Identity(ctx context.Context) (*awsconf.Caller, error) {
	o := a.opts
	o.MaxAttempts = 2
	o.RequestTimeout = optionalReadTimeout
	caller, err := awsconf.NewSession(o).Identity(ctx)
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("no answer within %s: %w", optionalReadTimeout, err)
	}
	return caller, err
}
