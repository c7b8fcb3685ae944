package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExamplesLoad keeps examples/ deployable: every lamb.yaml there loads
// with and without each of its stages, and names a role, memory, timeout,
// a live alias and a handler file that exists.
func TestExamplesLoad(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "lamb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 2 {
		t.Fatalf("found %d examples, want at least node-api and python-worker", len(paths))
	}
	for _, p := range paths {
		t.Run(filepath.Base(filepath.Dir(p)), func(t *testing.T) {
			base, err := Load(t.Context(), p, LoadOptions{LookupEnv: env(nil)})
			if err != nil {
				t.Fatal(err)
			}
			if !containsString(base.Stages, "prod") {
				t.Errorf("stages = %v, want a prod stage", base.Stages)
			}
			for _, stage := range append([]string{""}, base.Stages...) {
				c, err := Load(t.Context(), p, LoadOptions{Stage: stage, LookupEnv: env(nil)})
				if err != nil {
					t.Fatalf("stage %q: %v", stage, err)
				}
				for _, f := range c.Functions {
					if f.Memory == 0 || f.Timeout == 0 || f.Deploy.Alias != "live" || f.Runtime == "" {
						t.Errorf("stage %q, %s: memory %d, timeout %d, alias %q, runtime %q", stage, f.Key, f.Memory, f.Timeout, f.Deploy.Alias, f.Runtime)
					}
					if !handlerFileExists(f) {
						t.Errorf("%s: no file for handler %q in %s", f.Key, f.Handler, f.Source)
					}
				}
			}
		})
	}
}

// handlerFileExists finds the module a Node or Python handler names.
func handlerFileExists(f *Function) bool {
	module := f.Handler[:max(0, strings.LastIndex(f.Handler, "."))]
	for _, ext := range []string{".mjs", ".js", ".cjs", ".py"} {
		if _, err := os.Stat(filepath.Join(f.Source, module+ext)); err == nil {
			return true
		}
	}
	return false
}
