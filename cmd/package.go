package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
)

func init() { register(newPackageCmd) }

func init() {
	classifiers = append(classifiers, func(err error) (int, string, bool) {
		var le *packager.LimitError
		if errors.As(err, &le) {
			return ExitLimit, "'lamb limits' lists Lambda's size limits", true
		}
		return 0, "", false
	})
}

// PackageOptions are the inputs of `lamb package`.
type PackageOptions struct {
	Functions []string
	NoCache   bool
	Workers   int
}

func newPackageCmd(f *Factory) *cobra.Command {
	opts := &PackageOptions{}
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
			return packageRun(c.Context(), f, opts)
		},
	}
	c.Flags().BoolVar(&opts.NoCache, "no-cache", false, "ignore the compression and dependency caches (cold build)")
	c.Flags().IntVar(&opts.Workers, "workers", 0, "compression workers (default: all cores)")
	return c
}

// packageDocument is the --output json document of `lamb package`.
type packageDocument struct {
	Functions []*packager.Manifest `json:"functions"`
}

func packageRun(ctx context.Context, f *Factory, opts *PackageOptions) error {
	cfg, fns, err := f.selectFunctions(opts.Functions)
	if err != nil {
		return err
	}
	manifests, err := packageFunctions(ctx, f, cfg, fns, opts)
	if err != nil {
		return err
	}
	if f.Settings.JSON() {
		return ui.WriteJSON(f.IO.Out, packageDocument{Functions: manifests})
	}
	for _, m := range manifests {
		writePackageSummary(f.IO, m)
	}
	return nil
}

// packageFunctions packages fns one after another (each package uses every
// core already) and returns their manifests in the same order.
func packageFunctions(ctx context.Context, f *Factory, cfg *config.Config, fns []*config.Function, opts *PackageOptions) ([]*packager.Manifest, error) {
	var log io.Writer
	if f.Settings.Verbose {
		log = f.IO.ErrOut
	}
	out := make([]*packager.Manifest, 0, len(fns))
	for _, fn := range fns {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f.IO.Progressf("%s: packaging %s", fn.Key, relPath(cfg.Dir, fn.Source))
		m, err := packager.Package(ctx, packageSpec(cfg, fn, opts, log, progressFuncFor(f)))
		if err != nil {
			return nil, fmt.Errorf("package %s: %w", fn.Key, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// packageSpec maps a lamb.yaml function onto the packager's input.
func packageSpec(cfg *config.Config, fn *config.Function, opts *PackageOptions, log io.Writer, p packager.Progress) packager.Spec {
	return packager.Spec{
		Function:     fn.Key,
		Source:       fn.Source,
		Runtime:      fn.Runtime,
		Architecture: fn.Architecture,
		Handler:      fn.Handler,
		Build:        fn.Package.Build,
		Dependencies: fn.Package.Dependencies,
		Artifact:     fn.Package.Artifact,
		Include:      fn.Package.Include,
		Exclude:      fn.Package.Exclude,
		Symlinks:     fn.Package.Symlinks,
		OutDir:       filepath.Join(cfg.Dir, ".lamb", "build"),
		NoCache:      opts.NoCache,
		Workers:      opts.Workers,
		Log:          log,
		Progress:     p,
	}
}

// progressFunc adapts the IO streams to the packager's progress interface.
type progressFunc func(function, message string)

func (p progressFunc) Step(function, message string) { p(function, message) }

func progressFuncFor(f *Factory) packager.Progress {
	return progressFunc(func(function, message string) { f.IO.Verbosef("%s: %s", function, message) })
}

func writePackageSummary(io *ui.IOStreams, m *packager.Manifest) {
	q := limits.DefaultQuotas()
	zipLimit, unzipLimit := q.Value(limits.QuotaZippedSize), q.Value(limits.QuotaUnzippedSize)
	fmt.Fprintf(io.Out, "%s  %s\n", io.Bold(m.Function), m.ZipPath)
	fmt.Fprintf(io.Out, "  zipped    %10s  %6s of the %s direct-upload limit\n", ui.Bytes(m.ZippedBytes), ui.Percent(m.ZippedBytes, zipLimit), ui.Bytes(zipLimit))
	fmt.Fprintf(io.Out, "  unzipped  %10s  %6s of the %s unzipped limit (layers not counted; see lamb check)\n", ui.Bytes(m.UnzippedBytes), ui.Percent(m.UnzippedBytes, unzipLimit), ui.Bytes(unzipLimit))
	fmt.Fprintf(io.Out, "  files     %10d  cache: %d reused, %d compressed\n", m.FileCount, m.Cache.Reused, m.Cache.Compressed)
	fmt.Fprintf(io.Out, "  sha256    %s\n", m.CodeSha256)
}

func relPath(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}
