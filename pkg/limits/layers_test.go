package limits

import (
	"strings"
	"testing"
)

func TestLayerCompatibility(t *testing.T) {
	deps := Layer{Ref: "deps", Local: true, Runtimes: []string{"python3.12", "python3.13"}, Architectures: []string{"arm64"}}
	tests := []struct {
		name          string
		runtime, arch string
		layers        []Layer
		want          []string
	}{
		{"compatible", "python3.12", "arm64", []Layer{deps}, nil},
		{"other runtime", "nodejs22.x", "arm64", []Layer{deps},
			[]string{"error: layers: layer deps is compatible with runtimes python3.12, python3.13, not with the function's runtime nodejs22.x; use a layer built for nodejs22.x, or add nodejs22.x to the layer's runtimes when its content works there"}},
		{"other architecture", "python3.13", "x86_64", []Layer{deps},
			[]string{"error: layers: layer deps is built for arm64, not for the function's architecture x86_64; use a layer built for x86_64, or add x86_64 to the layer's architectures and rebuild it"}},
		{"both", "java21", "x86_64", []Layer{deps}, []string{"error: layers: layer deps is compatible", "error: layers: layer deps is built for arm64"}},
		{"a layer that states nothing", "java21", "x86_64", []Layer{{Ref: "arn:aws:lambda:us-east-1:123456789012:layer:x:1"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := base()
			fn.Runtime, fn.Architecture = tt.runtime, tt.arch
			var got []string
			for _, f := range findingsOf(Check(fn, nil, tt.layers, DefaultQuotas(), today), "layerCompatibility") {
				got = append(got, string(f.Severity)+": "+line(f))
			}
			if len(got) != len(tt.want) {
				t.Fatalf("findings %q, want %q", got, tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("finding %q, want %q", got[i], w)
				}
			}
		})
	}
}
