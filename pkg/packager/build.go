package packager

import (
	"context"
	"path"

	"github.com/lambcli/lamb/pkg/packager/builder"
)

// BundleOptions are the settings of package.bundle: esbuild.
type BundleOptions = builder.BundleOptions

// runBuilder has the runtime's builder run the build, install dependencies
// or pick up the artifact, and turns its result into a bundle.
func runBuilder(ctx context.Context, spec *Spec) (*bundle, error) {
	res, err := builder.Build(ctx, builder.Spec{
		Source:       spec.Source,
		Runtime:      spec.Runtime,
		Architecture: spec.Architecture,
		Handler:      spec.Handler,
		Build:        spec.Build,
		Dependencies: spec.Dependencies,
		Artifact:     spec.Artifact,
		Main:         spec.Main,
		Installer:    spec.Installer,
		Bundle:       spec.Bundle,
		Esbuild:      spec.Esbuild,
		CacheDir:     spec.CacheDir,
		NoCache:      spec.NoCache,
		Log:          spec.Log,
		Progress:     spec.phase,
		AllowScripts: spec.AllowScripts,
	})
	if err != nil {
		// The caller names the function; the builder's error says what failed.
		return nil, err
	}
	b := &bundle{archive: res.Archive, excludedScripts: res.ExcludedScripts, skipped: res.SkippedScripts}
	for _, w := range res.NativeWheels {
		b.nativeWheels = append(b.nativeWheels, NativeWheel{Package: w.Package, Version: w.Version, Tag: w.Tag})
	}
	for _, t := range res.Trees {
		b.trees = append(b.trees, tree{Dir: t.Dir, Prefix: path.Join(spec.Prefix, t.Prefix), Skip: t.Skip, KeepLinks: t.KeepLinks, Only: t.Only})
	}
	return b, nil
}
