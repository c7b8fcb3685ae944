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

// TestPackageNodeAndJavaLayers: a Node.js layer's files and modules land
// under nodejs/ (its node_modules under nodejs/node_modules/), a Java
// layer's jars under java/lib/, and a layer of another runtime as it is.
func TestPackageNodeAndJavaLayers(t *testing.T) {
	tests := []struct {
		runtime string
		files   map[string]string
		want    []string
	}{
		{"nodejs22.x", map[string]string{"package.json": `{"name":"shared"}`, "util.js": "module.exports = 1;\n", "node_modules/dep/index.js": "module.exports = 2;\n"},
			[]string{"nodejs/node_modules/dep/index.js", "nodejs/package.json", "nodejs/util.js"}},
		{"java21", map[string]string{"commons.jar": "PK"},
			[]string{"java/lib/commons.jar"}},
		{"provided.al2023", map[string]string{"bin/tool": "#!/bin/sh\n", "lib/libx.so": "ELF"},
			[]string{"bin/tool", "lib/libx.so"}},
		{"python3.12", map[string]string{"python/already.py": "x = 1\n"},
			[]string{"python/already.py"}},
	}
	for _, tt := range tests {
		t.Run(tt.runtime, func(t *testing.T) {
			src := t.TempDir()
			writeFiles(t, src, tt.files)
			spec := testSpec(t, src)
			rt, prefix := LayerLayout([]string{tt.runtime}, src)
			spec.Function, spec.Runtime, spec.Prefix, spec.Handler = "layer-x", rt, prefix, ""
			m, err := Package(context.Background(), spec)
			noError(t, err)
			if got := zipNames(t, m.ZipPath, true); !slices.Equal(got, tt.want) {
				t.Errorf("entries %q, want %q", got, tt.want)
			}
		})
	}
}
