package config

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLayersResolved(t *testing.T) {
	doc := `project: orders
layers:
  deps:
    source: layers/deps
    runtimes: [python3.12]
    package: {include: ["python/**"]}
  tools: {name: shared-tools, runtimes: [provided.al2023], architectures: [arm64, x86_64]}
functions:
  api: {runtime: python3.12, layers: [deps, "arn:aws:lambda:us-east-1:123456789012:layer:x:1", build/old.zip]}
`
	cfg, err := Parse(context.Background(), []byte(doc), filepath.Join(t.TempDir(), "lamb.yaml"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deps := cfg.Layer("deps")
	if deps == nil || cfg.Layer("nope") != nil {
		t.Fatalf("layers = %+v", cfg.Layers)
	}
	if deps.Name != "orders-deps" || filepath.Base(deps.Source) != "deps" || !filepath.IsAbs(deps.Source) {
		t.Errorf("deps = %+v", deps)
	}
	if !slices.Equal(deps.Architectures, []string{"x86_64"}) || deps.Package.Dependencies != "auto" || deps.Package.Include[0] != "python/**" {
		t.Errorf("deps defaults = %+v", deps)
	}
	if tools := cfg.Layer("tools"); tools.Name != "shared-tools" || !slices.Equal(tools.Architectures, []string{"arm64", "x86_64"}) {
		t.Errorf("tools = %+v", tools)
	}
}

func TestLayerProblems(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"undefined layer with a suggestion",
			"layers: {deps: {runtimes: [python3.12]}}\nfunctions: {api: {layers: [dep]}}\n",
			[]string{`functions.api.layers[0]: no layer "dep" under layers (did you mean "deps"?)`}},
		{"undefined layer from defaults",
			"layers: {deps: {runtimes: [python3.12]}}\ndefaults: {layers: [shared]}\nfunctions: {api: {}}\n",
			[]string{`defaults.layers[0]: no layer "shared" under layers: define it under layers:`}},
		{"no runtimes", "layers: {deps: {source: x}}\nfunctions: {api: {}}\n",
			[]string{"layers.deps.runtimes: a layer needs runtimes"}},
		{"unknown runtime and architecture", "layers: {deps: {runtimes: [python3.21x], architectures: [amd64]}}\nfunctions: {api: {}}\n",
			[]string{`layers.deps.runtimes[0]: "python3.21x" is not a Lambda runtime`, `layers.deps.architectures[0]: expected`}},
		{"bad key", "layers: {\"a/b\": {runtimes: [python3.12]}}\nfunctions: {api: {}}\n",
			[]string{`layer key "a/b" is not valid`}},
		{"zip name shared with a function", "layers: {deps: {runtimes: [python3.12]}}\nfunctions: {layer-deps: {}}\n",
			[]string{"function layer-deps and layer deps would both write .lamb/build/layer-deps.zip"}},
		{"description too long for the hash", "layers: {deps: {runtimes: [python3.12], description: " + strings.Repeat("x", 180) + "}}\nfunctions: {api: {}}\n",
			[]string{"layers.deps.description: 180 characters is too long: a layer's description may have 179"}},
		{"unknown key in a layer", "layers: {deps: {runtimes: [python3.12], runtime: python3.12}}\nfunctions: {api: {}}\n",
			[]string{`layers.deps.runtime: unknown key (did you mean "runtimes"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), []byte(tt.doc), "lamb.yaml", LoadOptions{})
			if err == nil {
				t.Fatal("loaded, want problems")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems %q do not contain %q", err, w)
				}
			}
		})
	}
}
