package builder

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestWheelTag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tags   []string
		want   string
		native bool
	}{
		{"numpy on aarch64", []string{"cp312-cp312-manylinux_2_27_aarch64", "cp312-cp312-manylinux_2_28_aarch64"}, "cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64", true},
		{"abi3 over versions", []string{"cp38-abi3-manylinux_2_17_x86_64", "cp38-abi3-manylinux2014_x86_64"}, "cp38-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64", true},
		{"pure", []string{"py2-none-any", "py3-none-any"}, "", false},
		{"no tags", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, native := wheelTag(tt.tags)
			if got != tt.want || native != tt.native {
				t.Errorf("wheelTag(%q) = %q, %v; want %q, %v", tt.tags, got, native, tt.want, tt.native)
			}
		})
	}
}

func TestNativeWheelsReadsTheInstall(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	writeFile(t, filepath.Join(site, "numpy-2.3.5.dist-info", "WHEEL"), "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp312-cp312-manylinux_2_27_aarch64\nTag: cp312-cp312-manylinux_2_28_aarch64\n", 0o644)
	writeFile(t, filepath.Join(site, "numpy-2.3.5.dist-info", "METADATA"), "Metadata-Version: 2.1\nName: numpy\nVersion: 2.3.5\n\nName: not a header\n", 0o644)
	writeFile(t, filepath.Join(site, "six-1.16.0.dist-info", "WHEEL"), "Wheel-Version: 1.0\nTag: py2-none-any\nTag: py3-none-any\n", 0o644)
	writeFile(t, filepath.Join(site, "six-1.16.0.dist-info", "METADATA"), "Name: six\nVersion: 1.16.0\n", 0o644)
	want := []Wheel{{Package: "numpy", Version: "2.3.5", Tag: "cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64"}}
	if got := nativeWheels(context.Background(), site); !reflect.DeepEqual(got, want) {
		t.Errorf("nativeWheels = %+v, want %+v", got, want)
	}
}

func TestWheelFileTag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		tag  string
		pure bool
	}{
		{"docopt-0.6.2-py2.py3-none-any.whl", "py2.py3-none-any", true},
		{"pkg-1.0-1build-py3-none-any.whl", "py3-none-any", true},
		{"lamb_probe_native-1.0-cp311-cp311-linux_x86_64.whl", "cp311-cp311-linux_x86_64", false},
	}
	for _, tt := range tests {
		if tag, pure := wheelFileTag(tt.file); tag != tt.tag || pure != tt.pure {
			t.Errorf("wheelFileTag(%s) = %q, %v; want %q, %v", tt.file, tag, pure, tt.tag, tt.pure)
		}
	}
}

func TestParseLocalRequirement(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	pkg := filepath.Join(src, "pkg")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		ok   bool
		copy string // the line for a copy in /stage/pkg
	}{
		{"./pkg", true, "/stage/pkg"},
		{"-e ./pkg", true, "/stage/pkg"},
		{"--editable=./pkg  # comment", true, "/stage/pkg"},
		{"./pkg[extra] ; python_version >= '3.8'", true, "/stage/pkg[extra] ; python_version >= '3.8'"},
		{pkg, true, "/stage/pkg"},
		{"file:pkg", true, "/stage/pkg"},
		{"pkg @ file://" + pkg, true, "pkg @ file:///stage/pkg"},
		{"pkg", false, ""},                // a name, even with a folder of that name
		{"./missing", false, ""},          // pip reports it
		{"six==1.16.0", false, ""},        // from the index
		{"--find-links ./pkg", false, ""}, // an option, not a requirement
	}
	for _, tt := range tests {
		r, ok := parseLocalRequirement(src, tt.line)
		if ok != tt.ok {
			t.Errorf("%q: local = %v, want %v", tt.line, ok, tt.ok)
			continue
		}
		if ok && (r.dir != pkg || r.line("/stage/pkg") != tt.copy) {
			t.Errorf("%q: dir %s, copy line %q; want %s, %q", tt.line, r.dir, r.line("/stage/pkg"), pkg, tt.copy)
		}
	}
}

func TestStageLocalRequirementsLeavesOtherFilesAlone(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "requirements.txt"), "-r reqs/base.txt\nsix==1.16.0\n", 0o644)
	writeFile(t, filepath.Join(src, "reqs", "base.txt"), "--find-links wheels\n./lib\n", 0o644)
	writeFile(t, filepath.Join(src, "reqs", "wheels", "README"), "", 0o644)
	writeFile(t, filepath.Join(src, "lib", "pyproject.toml"), "", 0o644)
	writeFile(t, filepath.Join(src, "lib", "build", "lib", "stale.py"), "", 0o644)
	writeFile(t, filepath.Join(src, "plain.txt"), "six==1.16.0\n", 0o644)
	ctx := context.Background()
	stage := filepath.Join(t.TempDir(), "stage")

	if got, err := stageLocalRequirements(ctx, src, filepath.Join(src, "plain.txt"), stage); err != nil || got != filepath.Join(src, "plain.txt") {
		t.Errorf("a file without local packages was staged as %s (%v)", got, err)
	}
	top, err := stageLocalRequirements(ctx, src, filepath.Join(src, "requirements.txt"), stage)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(top)
	if err != nil {
		t.Fatal(err)
	}
	inc, ok := strings.CutPrefix(strings.SplitN(string(raw), "\n", 2)[0], "-r ")
	if !ok || !strings.HasPrefix(inc, stage) {
		t.Fatalf("the staged file %q does not include a staged copy of reqs/base.txt", raw)
	}
	base, err := os.ReadFile(inc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(base), "\n")
	if lines[0] != "--find-links "+filepath.Join(src, "reqs", "wheels") {
		t.Errorf("the relative --find-links was not made absolute: %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], stage) || !fileExists(filepath.Join(lines[1], "pyproject.toml")) {
		t.Errorf("./lib is not a copy in the staging folder: %q", lines[1])
	}
	if dirExists(filepath.Join(lines[1], "build")) {
		t.Errorf("the copy kept build/, the leftover of an earlier in-place build")
	}
}
