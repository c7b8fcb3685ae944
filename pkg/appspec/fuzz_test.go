package appspec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds hostile AppSpecs: parsing never panics, and whatever it
// accepts renders and parses back to the same AppSpec.
func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	files, _ := filepath.Glob(filepath.Join("testdata", "handwritten", "*"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("Resources: [&a {x: *a}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := Parse(data, "appspec.yml")
		if err != nil {
			return
		}
		for _, render := range []func() ([]byte, error){spec.YAML, spec.JSON} {
			out, err := render()
			if err != nil {
				t.Fatalf("accepted %q but cannot render it: %v", data, err)
			}
			again, err := Parse(out, "appspec.yml")
			if err != nil || again != spec {
				t.Fatalf("rendering %q reads back as %+v, %v; want %+v", out, again, err, spec)
			}
		}
	})
}

// FuzzParseStrategy checks that every accepted strategy round-trips through
// String and ends its steps with the whole traffic on the new version.
func FuzzParseStrategy(f *testing.F) {
	for _, s := range append(PredefinedNames(), "all-at-once", "canary:10%:5m", "linear:2.5%:30s", "linear:33%:1h30m", "canary:0.01%:1s") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		s, err := ParseStrategy(input)
		if err != nil {
			return
		}
		again, err := ParseStrategy(s.String())
		if err != nil || again != s {
			t.Fatalf("%q parses as %+v, whose String %q reads back as %+v, %v", input, s, s.String(), again, err)
		}
		if s.Kind == Linear && s.Percent < 1 {
			return // up to 10,000 steps: valid, but slow to check on every input
		}
		steps := s.Steps()
		if len(steps) == 0 || steps[len(steps)-1] != (Step{Weight: 1}) {
			t.Fatalf("%q: steps %v do not end at weight 1", input, steps)
		}
	})
}
