package packager

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

func TestLayerLayout(t *testing.T) {
	plain := t.TempDir()
	laidOut := t.TempDir()
	noError(t, os.MkdirAll(filepath.Join(laidOut, "python"), 0o755))
	tests := []struct {
		runtimes        []string
		source          string
		runtime, prefix string
	}{
		{[]string{"python3.12", "python3.13"}, plain, "python3.12", "python"},
		{[]string{"nodejs22.x"}, plain, "nodejs22.x", "nodejs"},
		{[]string{"java21"}, plain, "", "java/lib"},
		{[]string{"provided.al2023"}, plain, "", ""},
		{nil, plain, "", ""},
		// Already laid out: taken as it is, nothing installed.
		{[]string{"python3.12"}, laidOut, "", ""},
	}
	for _, tt := range tests {
		rt, prefix := LayerLayout(tt.runtimes, tt.source)
		if rt != tt.runtime || prefix != tt.prefix {
			t.Errorf("LayerLayout(%q, %s) = %q, %q; want %q, %q", tt.runtimes, tt.source, rt, prefix, tt.runtime, tt.prefix)
		}
	}
}

// TestPackagePythonLayer: a Python layer's source and its installed
// requirements land under python/, where the runtime finds them.
func TestPackagePythonLayer(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "python3")
	src := t.TempDir()
	writeWheel(t, filepath.Join(src, "wheels"), "probe", "1.0", "py3-none-any", map[string]string{
		"probe/__init__.py": "def main():\n    return 0\n",
	})
	writeFiles(t, src, map[string]string{
		"requirements.txt": "--no-index\n--find-links wheels\nprobe==1.0\n",
		"shared.py":        "import probe\n",
	})
	spec := pythonSpec(t, src, "python3.12", "arm64")
	rt, prefix := LayerLayout([]string{"python3.12"}, src)
	spec.Function, spec.Runtime, spec.Prefix, spec.Handler = "layer-deps", rt, prefix, ""
	spec.Exclude = []string{"/python/wheels/"}
	m, err := Package(context.Background(), spec)
	noError(t, err)
	if filepath.Base(m.ZipPath) != "layer-deps.zip" {
		t.Errorf("zip = %s, want layer-deps.zip", m.ZipPath)
	}
	names := zipNames(t, m.ZipPath, true)
	for _, want := range []string{"python/shared.py", "python/probe/__init__.py", "python/requirements.txt"} {
		if !slices.Contains(names, want) {
			t.Errorf("the layer lacks %s: %q", want, names)
		}
	}
	for _, n := range names {
		if n[:len("python/")] != "python/" {
			t.Errorf("entry %s is outside python/", n)
		}
	}
	importIn(t, filepath.Join(unzipBundle(t, m.ZipPath), "python"), "probe", "shared")

	// Same inputs, same bytes.
	again, err := Package(context.Background(), spec)
	noError(t, err)
	if again.Sha256 != m.Sha256 || again.ContentHash != m.ContentHash {
		t.Errorf("second build differs: %s/%s vs %s/%s", again.Sha256, again.ContentHash, m.Sha256, m.ContentHash)
	}
}
