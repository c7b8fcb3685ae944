package packager

import (
	"context"
	"path"

	"github.com/lambcli/lamb/pkg/packager/builder"
)

// BundleOptions are the settings of package.bundle: esbuild.
type BundleOptions = builder.BundleOptions

// Tools lists the tools the runtime's builder would run for spec, without
// running any.
func Tools(ctx context.Context, spec Spec) ([]builder.Tool, error) {
	return builder.Tools(ctx, spec.builderSpec())
}

func (s *Spec) builderSpec() builder.Spec {
	return builder.Spec{
		Source:       s.Source,
		Runtime:      s.Runtime,
		Architecture: s.Architecture,
		Handler:      s.Handler,
		Build:        s.Build,
		Dependencies: s.Dependencies,
		Artifact:     s.Artifact,
		Main:         s.Main,
		Installer:    s.Installer,
		Bundle:       s.Bundle,
		Esbuild:      s.Esbuild,
		CacheDir:     s.CacheDir,
		NoCache:      s.NoCache,
		Log:          s.Log,
		Progress:     s.phase,
		AllowScripts: s.AllowScripts,
	}
}

// runBuilder has the runtime's builder run the build, install dependencies
// or pick up the artifact, and turns its result into a bundle.
func runBuilder(ctx context.Context, spec *Spec) (*bundle, error) {
	res, err := builder.Build(ctx, spec.builderSpec())
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
