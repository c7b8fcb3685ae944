package packager

import (
	"context"
)

// runBuilder has the runtime's builder produce the bundle.
func runBuilder(ctx context.Context, spec *Spec) (*bundle, error) {
	if spec.Artifact != "" {
		return &bundle{archive: spec.Artifact}, nil
	}
	return &bundle{trees: []tree{{Dir: spec.Source}}}, nil
}
