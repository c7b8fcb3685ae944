package cmd

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
	"github.com/lambcli/lamb/pkg/pipeline"
	"github.com/lambcli/lamb/pkg/progress"
)

// PackageOptions are the inputs of `lamb package`: its dependencies first,
// then what the flags and settings say.
type PackageOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)

	Functions   []string
	NoCache     bool
	Workers     int
	Concurrency int
	CacheDir    string
	Verbose     bool
	JSON        bool
}

func newPackageCmd(f *Factory, runF func(context.Context, *PackageOptions) error) *cobra.Command {
	opts := &PackageOptions{IO: f.IO, Config: f.LoadConfig}
	c := &cobra.Command{
		Use:   "package [FN...]",
		Short: "Build and zip functions into .lamb/build/ deterministically",
		Long: `Build each function (package.build, then its dependencies for the runtime),
select its files (include/exclude, .lambignore) and write a byte-identical zip
and a JSON manifest to .lamb/build/<function>.zip and .json.

Needs no AWS credentials. Unchanged files are never recompressed: the
compression cache lives in $LAMB_CACHE_DIR (default: the user cache folder,
e.g. ~/.cache/lamb on Linux). --no-cache forces a cold build.`,
		Example: `  lamb package
  lamb package api worker --no-cache
  lamb package api --output json | jq -r '.functions[0].codeSha256'`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Functions = args
			opts.CacheDir, opts.Verbose, opts.JSON = f.Settings.CacheDir, f.Settings.Verbose, f.Settings.JSON()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return packageRun(c.Context(), opts)
		},
	}
	addPackageFlags(c, &opts.NoCache, &opts.Concurrency)
	c.Flags().IntVar(&opts.Workers, "workers", 0, "compression workers per function (default: all cores)")
	return readsConfig(c)
}

// addPackageFlags binds the flags every packaging command shares.
func addPackageFlags(c *cobra.Command, noCache *bool, concurrency *int) {
	c.Flags().BoolVar(noCache, "no-cache", false, "ignore the compression and dependency caches (cold build)")
	c.Flags().IntVar(concurrency, "concurrency", pipeline.DefaultConcurrency, "functions processed at once")
}

// packageDocument is the --output json document of `lamb package`.
type packageDocument struct {
	Functions []*packager.Manifest `json:"functions"`
	// Layers are the local layers the functions use (function is
	// layer-<key> in each).
	Layers []*packager.Manifest `json:"layers,omitempty"`
}

func packageRun(ctx context.Context, opts *PackageOptions) error {
	cfg, fns, err := selectFunctions(opts.Config, opts.Functions)
	if err != nil {
		return err
	}
	var manifests, layers []*packager.Manifest
	err = withProgress(opts.IO, opts.JSON, func(sink progress.Sink) (err error) {
		o := pipelineOptions(opts.IO, sink, opts.CacheDir, opts.NoCache, opts.Workers, opts.Concurrency, opts.Verbose)
		if layers, err = pipeline.PackageLayers(ctx, cfg, fns, o); err != nil {
			return err
		}
		manifests, err = pipeline.Package(ctx, cfg, fns, o)
		return err
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, packageDocument{Functions: manifests, Layers: layers})
	}
	for _, m := range slices.Concat(layers, manifests) {
		if err := writePackageSummary(opts.IO, m); err != nil {
			return err
		}
	}
	return nil
}

// pipelineOptions turns the shared packaging inputs into the pipeline's;
// events go to sink.
func pipelineOptions(io *ui.IOStreams, sink progress.Sink, cacheDir string, noCache bool, workers, concurrency int, verbose bool) pipeline.Options {
	o := pipeline.Options{
		CacheDir:    cacheDir,
		NoCache:     noCache,
		Workers:     workers,
		Concurrency: concurrency,
		Events:      sink,
	}
	if verbose {
		o.Log = io.ErrOut
	}
	return o
}

// withProgress runs work with the progress renderer this terminal and
// output format call for, and settles it before the result is printed.
func withProgress(io *ui.IOStreams, jsonOutput bool, work func(progress.Sink) error) error {
	r := ui.NewProgressRenderer(io, io.ProgressMode(jsonOutput))
	defer r.Close()
	return work(r)
}

func writePackageSummary(io *ui.IOStreams, m *packager.Manifest) error {
	q := limits.DefaultQuotas()
	zipLimit, unzipLimit := q.Value(limits.QuotaZippedSize), q.Value(limits.QuotaUnzippedSize)
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", io.OutPainter().Bold(m.Function), m.ZipPath)
	fmt.Fprintf(&b, "  zipped    %10s  %6s of the %s direct-upload limit\n", ui.Bytes(m.ZippedBytes), ui.Percent(m.ZippedBytes, zipLimit), ui.Bytes(zipLimit))
	fmt.Fprintf(&b, "  unzipped  %10s  %6s of the %s unzipped limit (layers not counted; see lamb check)\n", ui.Bytes(m.UnzippedBytes), ui.Percent(m.UnzippedBytes, unzipLimit), ui.Bytes(unzipLimit))
	fmt.Fprintf(&b, "  files     %10d  cache: %d reused, %d compressed\n", m.FileCount, m.Cache.Reused, m.Cache.Compressed)
	fmt.Fprintf(&b, "  sha256    %s\n", m.CodeSha256)
	if d := m.DroppedPrebuilds; d != nil {
		fmt.Fprintf(&b, "  prebuilds %10s  saved: %d files for other platforms left out (package.prebuilds: all keeps them)\n", ui.Bytes(d.Bytes), d.Files)
	}
	if unmet := packager.UnmetScripts(m.SkippedInstallScripts); len(unmet) > 0 {
		names := make([]string, len(unmet))
		for i, s := range unmet {
			names[i] = s.Label()
		}
		fmt.Fprintf(&b, "  scripts   not run for %s; list them in package.allowScripts if the bundle needs what they build\n", strings.Join(names, ", "))
	}
	_, err := io.Out.Write([]byte(b.String()))
	return err
}
