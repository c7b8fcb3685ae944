package packager

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lambcli/lamb/pkg/progress"
)

type recordedSteps struct {
	mu    sync.Mutex
	steps []string
}

func (r *recordedSteps) Event(e progress.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, e.Function+": "+e.Message)
}

// TestPackage goes through the public entry point, builder included, for a
// custom runtime whose source already holds its bootstrap.
func TestPackage(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"bootstrap": "#!/bin/sh\nexec ./app\n", "app": "binary", "lamb.yaml": "functions: {}"})
	if err := os.Chmod(filepath.Join(src, "bootstrap"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := testSpec(t, src)
	spec.Runtime, spec.Handler = "provided.al2023", "bootstrap"
	steps := &recordedSteps{}
	spec.Events = steps
	m, err := Package(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := zipNames(t, m.ZipPath, false); !slices.Equal(got, []string{"app", "bootstrap"}) {
		t.Errorf("zip entries = %q, want app and bootstrap", got)
	}
	if _, err := os.Stat(filepath.Join(spec.OutDir, "fn.json")); err != nil {
		t.Errorf("manifest not written: %v", err)
	}
	if len(steps.steps) == 0 || !strings.HasPrefix(steps.steps[len(steps.steps)-1], "fn: wrote ") {
		t.Errorf("progress steps = %q, want them to end with the written zip", steps.steps)
	}
}
