package cmd

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/pipeline"
	"github.com/lambcli/lamb/pkg/progress"
)

// CheckOptions are the inputs of `lamb check`: its dependencies first, then
// what the flags and settings say.
type CheckOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Lambda returns the client for the optional reads (account limits,
	// layer sizes); an error means they are skipped, and the report says why.
	Lambda func(context.Context) (pipeline.LambdaReader, error)
	// Queues returns the client that reads the visibility timeout of SQS
	// event sources; an error or nil means the reads are skipped.
	Queues func(context.Context) (deploy.QueueReader, error)
	// Images returns the client that reads container images from ECR; an
	// error means they are not read, and the report says why.
	Images func(context.Context) (deploy.ImageReader, error)
	// Region returns the region for Lambda@Edge's check; "" skips it.
	Region func(context.Context) string
	// Now decides runtime deprecation; tests fix it.
	Now func() time.Time

	Functions   []string
	NoCache     bool
	Concurrency int
	// Offline skips every AWS read (account limits, layer ARNs).
	Offline bool
	// NoLoad skips loading each handler with the local runtime.
	NoLoad   bool
	CacheDir string
	Verbose  bool
	JSON     bool
	// ConfigFile is lamb.yaml's path as given, which annotations name.
	ConfigFile string
	Reports    ciReports
}

func newCheckCmd(f *Factory, runF func(context.Context, *CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.lambdaReader, Queues: f.queueReader, Images: f.imageReader, Region: f.region, Now: time.Now}
	c := &cobra.Command{
		Use:   "check [FN...]",
		Short: "Package and run every Lambda pre-flight check; exit 3 on a violation",
		Long: `Package each function, then check it against every Lambda quota before
anything reaches AWS: zipped and unzipped size (layers included), environment
size and keys, memory, timeout, storage and name ranges, runtime, handler
target in the bundle, and native binaries for the wrong architecture.

It then unpacks each bundle into a scratch folder and loads the handler module
with this machine's node, python3.X or java of the function's version, without
calling it and with no AWS credentials: an import the bundle lacks is an error.
The load is skipped, with a note, when no such runtime is on PATH or when the
function runs on another architecture and the bundle holds native binaries.
--no-load turns it off.

Every finding says the measured value, the limit and the fix. lamb check makes
no AWS writes. It reads account limits (GetAccountSettings), layer sizes
(GetLayerVersionByArn), the visibility timeout of SQS event sources
(GetQueueAttributes) and container images (ECR DescribeImages) only when
credentials are available, and says what it skipped otherwise. Exit status 3 when any finding is an error.

On GitHub Actions (GITHUB_ACTIONS=true) every finding is also printed as a
workflow command at the line of lamb.yaml that sets the field;
--report gitlab-codequality=FILE writes a GitLab Code Quality report.`,
		Example: `  lamb check
  lamb check api --stage prod
  lamb check --offline --output json | jq '.functions[].findings[]'`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Functions = args
			opts.CacheDir, opts.Verbose, opts.JSON = f.Settings.CacheDir, f.Settings.Verbose, f.Settings.JSON()
			opts.ConfigFile, opts.Reports.Env = f.Settings.Config, f.ciEnv()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return checkRun(c.Context(), opts)
		},
	}
	addPackageFlags(c, &opts.NoCache, &opts.Concurrency)
	c.Flags().BoolVar(&opts.Offline, "offline", false, "make no AWS calls: default quotas, local layers only")
	c.Flags().BoolVar(&opts.NoLoad, "no-load", false, "do not load each handler with the local runtime")
	addReportFlag(c, &opts.Reports)
	return readsConfig(c)
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	if err := opts.Reports.parse(); err != nil {
		return err
	}
	cfg, fns, err := selectFunctions(opts.Config, opts.Functions)
	if err != nil {
		if problems := configProblems(err); problems != nil {
			if werr := opts.Reports.publish(opts.IO.Out, problemAnnotations(problems), !opts.JSON); werr != nil {
				return werr
			}
		}
		return err
	}
	var report limits.Report
	err = withProgress(opts.IO, opts.JSON, func(sink progress.Sink) (err error) {
		report, err = pipeline.Check(ctx, cfg, fns, pipeline.CheckOptions{
			Options: pipelineOptions(opts.IO, sink, opts.CacheDir, opts.NoCache, 0, opts.Concurrency, opts.Verbose),
			Offline: opts.Offline,
			Lambda:  opts.Lambda,
			Queues:  opts.Queues,
			Images:  opts.Images,
			Region:  checkRegion(ctx, opts),
			Now:     opts.Now(),
			Load:    !opts.NoLoad,
		})
		return err
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		err = ui.WriteJSON(opts.IO.Out, report)
	} else {
		err = limits.WriteText(opts.IO.Out, report)
	}
	if err != nil {
		return err
	}
	if err := opts.Reports.publish(opts.IO.Out, findingAnnotations(ctx, opts.ConfigFile, cfg, report), !opts.JSON); err != nil {
		return err
	}
	if report.Failed() {
		return &silentError{code: ExitLimit}
	}
	return nil
}

// checkRegion is the region Lambda@Edge functions are checked against;
// --offline and a missing region skip the check.
func checkRegion(ctx context.Context, opts *CheckOptions) string {
	if opts.Offline || opts.Region == nil {
		return ""
	}
	return opts.Region(ctx)
}
