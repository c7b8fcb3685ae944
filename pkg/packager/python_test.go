package packager

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// writeWheel writes a wheel file into dir as a build backend would: the
// files, a dist-info with METADATA, WHEEL (one Tag line per dot-separated
// platform) and a RECORD of their hashes.
func writeWheel(t *testing.T, dir, name, version, tag string, files map[string]string) {
	t.Helper()
	info := name + "-" + version + ".dist-info/"
	all := map[string]string{
		info + "METADATA": "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n\n",
	}
	f := strings.SplitN(tag, "-", 3)
	wheel := "Wheel-Version: 1.0\nGenerator: lamb-test\nRoot-Is-Purelib: false\n"
	for _, plat := range strings.Split(f[2], ".") {
		wheel += "Tag: " + f[0] + "-" + f[1] + "-" + plat + "\n"
	}
	all[info+"WHEEL"] = wheel
	for k, v := range files {
		all[k] = v
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var record strings.Builder
	for _, n := range names {
		w, err := zw.Create(n)
		noError(t, err)
		_, err = io.WriteString(w, all[n])
		noError(t, err)
		sum := sha256.Sum256([]byte(all[n]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", n, base64.RawURLEncoding.EncodeToString(sum[:]), len(all[n]))
	}
	record.WriteString(info + "RECORD,,\n")
	w, err := zw.Create(info + "RECORD")
	noError(t, err)
	_, err = io.WriteString(w, record.String())
	noError(t, err)
	noError(t, zw.Close())
	noError(t, os.MkdirAll(dir, 0o755))
	noError(t, os.WriteFile(filepath.Join(dir, name+"-"+version+"-"+tag+".whl"), buf.Bytes(), 0o644))
}

// writeSdist writes a source archive name-version.tar.gz into dir.
func writeSdist(t *testing.T, dir, name, version string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	root := name + "-" + version + "/"
	files["PKG-INFO"] = "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		noError(t, tw.WriteHeader(&tar.Header{Name: root + n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}))
		_, err := io.WriteString(tw, files[n])
		noError(t, err)
	}
	noError(t, tw.Close())
	noError(t, gz.Close())
	noError(t, os.MkdirAll(dir, 0o755))
	noError(t, os.WriteFile(filepath.Join(dir, name+"-"+version+".tar.gz"), buf.Bytes(), 0o644))
}

// pythonSpec packages src for a Python runtime with its dependencies.
func pythonSpec(t *testing.T, src, runtime, arch string) Spec {
	spec := testSpec(t, src)
	spec.Runtime, spec.Architecture, spec.Handler, spec.Dependencies = runtime, arch, "app.handler", "auto"
	return spec
}

// importIn runs `python3 -c "import <modules>"` with only the unzipped
// bundle on PYTHONPATH, as Lambda puts the bundle on sys.path.
func importIn(t *testing.T, dir string, modules ...string) {
	t.Helper()
	cmd := exec.Command("python3", "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import "+strings.Join(modules, ", "), dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("import %s from the unzipped bundle: %v\n%s", strings.Join(modules, ", "), err, out)
	}
}

func readManifest(t *testing.T, spec Spec) map[string]json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(spec.OutDir, spec.Function+".json"))
	noError(t, err)
	var m map[string]json.RawMessage
	noError(t, json.Unmarshal(raw, &m))
	return m
}

// TestPythonWheelTagBoundary installs from a folder index holding a wheel
// tagged manylinux_2_28 (glibc 2.28) for CPython 3.11 and 3.12: python3.12
// runs on Amazon Linux 2023 (glibc 2.34) and takes it, python3.11 on Amazon
// Linux 2 (glibc 2.26) must not.
func TestPythonWheelTagBoundary(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "python3")
	tests := []struct {
		runtime, installer string
		tag                string
		err                []string
	}{
		{"python3.12", "pip", "cp312-cp312-manylinux_2_28_x86_64", nil},
		{"python3.12", "uv", "cp312-cp312-manylinux_2_28_x86_64", nil},
		{"python3.11", "pip", "", []string{"no wheel of probe==1.0", "python3.11", "linux/x86_64", "pip looked for cp311", "manylinux_2_26_x86_64 down to manylinux2014_x86_64"}},
		{"python3.11", "uv", "", []string{"no wheel of probe==1.0", "python3.11", "linux/x86_64", "uv looked for cp311", "manylinux_2_17_x86_64 and older"}},
	}
	for _, tt := range tests {
		t.Run(tt.runtime+"/"+tt.installer, func(t *testing.T) {
			t.Parallel()
			if tt.installer == "uv" {
				testenv.NeedTool(t, "uv")
			}
			src := t.TempDir()
			for _, py := range []string{"cp311", "cp312"} {
				writeWheel(t, filepath.Join(src, "wheels"), "probe", "1.0", py+"-"+py+"-manylinux_2_28_x86_64", map[string]string{
					"probe/__init__.py":                    "def main():\n    return 0\n",
					"probe-1.0.dist-info/entry_points.txt": "[console_scripts]\nprobe = probe:main\n",
				})
			}
			writeFiles(t, src, map[string]string{
				"requirements.txt": "--no-index\n--find-links wheels\nprobe==1.0\n",
				"app.py":           "import probe\n\ndef handler(event, context):\n    return probe.main()\n",
				// The project's own bin/ is the user's and ships.
				"bin/run.sh": "#!/bin/sh\necho run\n",
			})
			spec := pythonSpec(t, src, tt.runtime, "x86_64")
			spec.Installer = tt.installer
			spec.Exclude = []string{"/wheels/", "/requirements.txt"}
			m, err := Package(context.Background(), spec)
			if tt.err != nil {
				if err == nil {
					t.Fatal("want an error: no wheel loads on the runtime's glibc")
				}
				t.Log(err)
				for _, want := range tt.err {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %q", err, want)
					}
				}
				return
			}
			noError(t, err)
			want := []NativeWheel{{Package: "probe", Version: "1.0", Tag: tt.tag}}
			if !slices.Equal(m.NativeWheels, want) {
				t.Errorf("nativeWheels = %+v, want %+v", m.NativeWheels, want)
			}
			var written []NativeWheel
			noError(t, json.Unmarshal(readManifest(t, spec)["nativeWheels"], &written))
			if !slices.Equal(written, want) {
				t.Errorf("the manifest file's nativeWheels = %+v, want %+v", written, want)
			}
			names := zipNames(t, m.ZipPath, false)
			for _, want := range []string{"app.py", "bin/run.sh", "probe/__init__.py", "probe-1.0.dist-info/WHEEL"} {
				if !slices.Contains(names, want) {
					t.Errorf("the bundle lacks %s: %q", want, names)
				}
			}
			if slices.Contains(names, "bin/probe") {
				t.Errorf("pip's console script bin/probe (this machine's interpreter in its shebang) is in the bundle")
			}
			if !slices.Equal(m.ExcludedScripts, []string{"bin/probe"}) {
				t.Errorf("excludedScripts = %q, want bin/probe", m.ExcludedScripts)
			}
			importIn(t, unzipBundle(t, m.ZipPath), "probe", "app")
		})
	}
}

// TestPythonSourceArchives: a pure-Python package published only as a
// source archive is built into a wheel and installed; one whose archive
// builds native code is refused, naming it and the platform.
func TestPythonSourceArchives(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "python3")
	tests := []struct {
		name   string
		req    string
		sdists func(t *testing.T, dir string)
		module string
		err    []string
	}{
		// docopt 0.6.2 is published as a source archive only.
		{name: "pure", req: "docopt==0.6.2\n", module: "docopt"},
		{name: "native", req: "--find-links sdists\nlamb-probe-native==1.0\n", sdists: func(t *testing.T, dir string) {
			// A distribution with extension modules is tagged for this
			// machine; this one claims to have some without a compiler.
			writeSdist(t, dir, "lamb_probe_native", "1.0", map[string]string{
				"setup.py": "from setuptools import setup, Distribution\n\n" +
					"class Native(Distribution):\n    def has_ext_modules(self):\n        return True\n\n" +
					"setup(name='lamb-probe-native', version='1.0', py_modules=['lamb_probe_native'], distclass=Native)\n",
				"lamb_probe_native.py": "X = 1\n",
			})
		}, err: []string{"lamb-probe-native", "python3.12", "linux/arm64", "manylinux_2_34_aarch64", "native code", "dependencies: none"}},
	}
	for _, tt := range tests {
		for _, installer := range []string{"pip", "uv"} {
			t.Run(tt.name+"/"+installer, func(t *testing.T) {
				t.Parallel()
				testenv.NeedTool(t, map[string]string{"pip": "python3", "uv": "uv"}[installer])
				src := t.TempDir()
				writeFiles(t, src, map[string]string{"requirements.txt": tt.req, "app.py": "def handler(event, context):\n    return 1\n"})
				if tt.sdists != nil {
					tt.sdists(t, filepath.Join(src, "sdists"))
				}
				spec := pythonSpec(t, src, "python3.12", "arm64")
				spec.Installer = installer
				m, err := Package(context.Background(), spec)
				if tt.err != nil {
					if err == nil {
						t.Fatal("want an error for a source archive that builds native code")
					}
					for _, want := range tt.err {
						if !strings.Contains(err.Error(), want) {
							t.Errorf("error %q does not name %q", err, want)
						}
					}
					return
				}
				noError(t, err)
				if len(m.NativeWheels) != 0 {
					t.Errorf("nativeWheels = %+v, want none for a pure-Python package", m.NativeWheels)
				}
				importIn(t, unzipBundle(t, m.ZipPath), tt.module)
			})
		}
	}
}

// TestPythonLocalPackagesBuildFromCopies: packages named by path in
// requirements are built, but the user's folder is never written.
func TestPythonLocalPackagesBuildFromCopies(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "python3")
	src := t.TempDir()
	pyproject := func(name string) string {
		return "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n\n" +
			"[project]\nname = \"" + name + "\"\nversion = \"0.1\"\n"
	}
	writeFiles(t, src, map[string]string{
		"requirements.txt":             "./local_package\n-e ./libs/helper_pkg\n",
		"app.py":                       "import local_package, helper_pkg\n\ndef handler(event, context):\n    return local_package.VALUE\n",
		"local_package/pyproject.toml": pyproject("local-package"),
		"local_package/local_package/__init__.py": "VALUE = 1\n",
		"libs/helper_pkg/pyproject.toml":          pyproject("helper-pkg"),
		"libs/helper_pkg/helper_pkg/__init__.py":  "",
	})
	spec := pythonSpec(t, src, "python3.12", "x86_64")
	// The project folder local_package/ and the installed package merge at
	// the root, as they would on Lambda.
	spec.Exclude = []string{"/libs/", "/requirements.txt"}
	before := treeState(t, src)
	m, err := Package(context.Background(), spec)
	noError(t, err)
	if after := treeState(t, src); !slices.Equal(before, after) {
		t.Errorf("the source folder was written:\nbefore %q\nafter  %q", before, after)
	}
	names := zipNames(t, m.ZipPath, false)
	for _, n := range names {
		if strings.HasSuffix(n, "direct_url.json") || strings.HasSuffix(n, ".pth") || strings.Contains(n, ".egg-info/") {
			t.Errorf("the bundle holds %s, which points back at a folder of this machine", n)
		}
	}
	dir := unzipBundle(t, m.ZipPath)
	importIn(t, dir, "local_package", "helper_pkg", "app")
	// No file records where this machine built it.
	noError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		if err == nil && (bytes.Contains(raw, []byte(spec.CacheDir)) || bytes.Contains(raw, []byte(src))) {
			t.Errorf("%s names a folder of this machine:\n%s", p, raw)
		}
		return err
	}))

	// Editing the local package is a new install.
	writeFiles(t, src, map[string]string{"local_package/local_package/__init__.py": "VALUE = 2\n"})
	m, err = Package(context.Background(), spec)
	noError(t, err)
	raw, err := os.ReadFile(filepath.Join(unzipBundle(t, m.ZipPath), "local_package", "__init__.py"))
	noError(t, err)
	if string(raw) != "VALUE = 2\n" {
		t.Errorf("the bundle kept the old local package after it changed: %q", raw)
	}
}

// treeState lists every path under dir with its size and modification time.
func treeState(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, fmt.Sprintf("%s %d %d", filepath.ToSlash(rel), fi.Size(), fi.ModTime().UnixNano()))
		return nil
	})
	noError(t, err)
	return out
}

// TestPythonNumpyNewestWheelOnArm64 installs a numpy release that publishes
// only manylinux_2_28 wheels for aarch64, which lamb once refused.
func TestPythonNumpyNewestWheelOnArm64(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "python3")
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"requirements.txt": "numpy==2.3.5\n", "app.py": "import numpy\n"})
	spec := pythonSpec(t, src, "python3.12", "arm64")
	m, err := Package(context.Background(), spec)
	noError(t, err)
	i := slices.IndexFunc(m.NativeWheels, func(w NativeWheel) bool { return w.Package == "numpy" })
	if i < 0 {
		t.Fatalf("numpy is not among the native wheels: %+v", m.NativeWheels)
	}
	if w := m.NativeWheels[i]; w.Version != "2.3.5" || !strings.HasPrefix(w.Tag, "cp312-cp312-") || !strings.Contains(w.Tag, "manylinux_2_28_aarch64") {
		t.Errorf("numpy wheel = %+v, want 2.3.5 tagged cp312 manylinux_2_28_aarch64", w)
	}
	var arm bool
	for _, b := range m.NativeBinaries {
		arm = arm || (b.Format == "elf" && b.Machine == "arm64")
	}
	if !arm {
		t.Errorf("no arm64 ELF among the native binaries: %+v", m.NativeBinaries)
	}
}
