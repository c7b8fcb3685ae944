package packager

import (
	"context"

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
		Bundle:       spec.Bundle,
		Esbuild:      spec.Esbuild,
		CacheDir:     spec.CacheDir,
		NoCache:      spec.NoCache,
		Log:          spec.Log,
		Progress:     spec.phase,
	})
	if err != nil {
		// The caller names the function; the builder's error says what failed.
		return nil, err
	}
	b := &bundle{archive: res.Archive}
	for _, t := range res.Trees {
		b.trees = append(b.trees, tree{Dir: t.Dir, Prefix: t.Prefix, Skip: t.Skip})
	}
	return b, nil
}
