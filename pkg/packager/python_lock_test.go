package packager

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// installerSpec packages a Python 3.12 function from src, installing its
// dependencies with installer.
func installerSpec(t *testing.T, src, installer, arch string) Spec {
	t.Helper()
	spec := pythonSpec(t, src, "python3.12", arch)
	spec.Installer = installer
	return spec
}

const pythonApp = "import six\n\n\ndef handler(event, context):\n    return six.PY3\n"

// TestPackagePythonLockfiles locks a tiny project with each real tool (six
// for production, idna for development only), packages it with pip and
// with uv, and checks that the zips are the same bytes, hold six and not
// idna, and import after unzip.
func TestPackagePythonLockfiles(t *testing.T) {
	testenv.NeedTool(t, "python3")
	const pyproject = "[project]\nname = \"fn\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"six==1.16.0\"]\n"
	tests := []struct {
		tool  string
		files map[string]string
		lock  []string
		env   []string
	}{
		{
			tool:  "uv",
			files: map[string]string{"pyproject.toml": pyproject + "\n[dependency-groups]\ndev = [\"idna==3.7\"]\n"},
			lock:  []string{"lock", "--quiet"},
		},
		{
			tool:  "poetry",
			files: map[string]string{"pyproject.toml": pyproject + "\n[tool.poetry]\npackage-mode = false\n\n[tool.poetry.group.dev.dependencies]\nidna = \"3.7\"\n"},
			lock:  []string{"lock", "--no-interaction"},
		},
		{
			tool:  "pipenv",
			files: map[string]string{"Pipfile": "[packages]\nsix = \"==1.16.0\"\n\n[dev-packages]\nidna = \"==3.7\"\n"},
			lock:  []string{"lock"},
			// The environment pipenv makes to lock stays in the project
			// (and out of the zip: .venv/ is excluded by default).
			env: []string{"PIPENV_VENV_IN_PROJECT=1", "PIPENV_VERBOSITY=-1", "PIPENV_NOSPIN=1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			testenv.NeedTool(t, tt.tool)
			testenv.NeedTool(t, "uv")
			src := t.TempDir()
			tt.files["app.py"] = pythonApp
			writeFiles(t, src, tt.files)
			lock := exec.CommandContext(t.Context(), tt.tool, tt.lock...)
			lock.Dir, lock.Env = src, append(os.Environ(), tt.env...)
			if out, err := lock.CombinedOutput(); err != nil {
				t.Fatalf("%s %s: %v\n%s", tt.tool, strings.Join(tt.lock, " "), err, out)
			}
			sums := map[string]string{}
			for _, installer := range []string{"pip", "uv"} {
				m, err := Package(t.Context(), installerSpec(t, src, installer, "x86_64"))
				if installer == "pip" && !hasRuntimePython("python3.12") && tt.tool != "uv" {
					// Poetry and Pipenv export version markers, which pip
					// run by another Python must not judge.
					if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "python_version") {
						t.Errorf("pip without python3.12: error %v, want the exported marker refused", err)
					}
					t.Logf("python3.12 with pip is not on PATH: pip refused the markers, as it should; uv's zip is not compared")
					continue
				}
				if err != nil {
					t.Fatalf("package with %s: %v", installer, err)
				}
				names := zipNames(t, m.ZipPath, true)
				for _, want := range []string{"app.py", "six.py", "six-1.16.0.dist-info/METADATA", "six-1.16.0.dist-info/RECORD"} {
					if !slices.Contains(names, want) {
						t.Errorf("%s: the zip has no %s: %q", installer, want, names)
					}
				}
				for _, n := range names {
					if strings.HasPrefix(n, "idna") || strings.HasPrefix(n, ".venv/") || strings.HasSuffix(n, "/INSTALLER") {
						t.Errorf("%s: the zip holds %s", installer, n)
					}
				}
				sums[installer] = sha256File(t, m.ZipPath)
				if installer == "uv" {
					importAfterUnzip(t, m.ZipPath, "six", "app")
				}
			}
			if sums["pip"] != "" && sums["pip"] != sums["uv"] {
				t.Errorf("pip and uv zips differ: %s and %s", sums["pip"], sums["uv"])
			}
		})
	}
}

// hasRuntimePython says whether name runs and has pip.
func hasRuntimePython(name string) bool {
	return exec.Command(name, "-c", "import pip").Run() == nil
}

// TestPackagePythonInstallersSameBytes packages a real project with native
// wheels in its tree (requests, whose charset-normalizer is compiled) with
// pip and with uv from cold caches, on Amazon Linux 2023 (python3.12) and
// Amazon Linux 2 (python3.11), and compares the zips' bytes.
func TestPackagePythonInstallersSameBytes(t *testing.T) {
	testenv.NeedTool(t, "python3")
	testenv.NeedTool(t, "uv")
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"requirements.txt": "requests==2.32.3\ncharset-normalizer==3.4.2\n",
		"app.py":           "import requests\n\n\ndef handler(event, context):\n    return requests.__version__\n",
	})
	for _, tt := range []struct{ runtime, arch string }{{"python3.12", "arm64"}, {"python3.11", "x86_64"}} {
		t.Run(tt.runtime+" "+tt.arch, func(t *testing.T) {
			sums := map[string]string{}
			for _, installer := range []string{"pip", "uv"} {
				spec := installerSpec(t, src, installer, tt.arch)
				spec.Runtime = tt.runtime
				m, err := Package(t.Context(), spec)
				if err != nil {
					t.Fatalf("package with %s: %v", installer, err)
				}
				names := zipNames(t, m.ZipPath, true)
				native := slices.ContainsFunc(names, func(n string) bool {
					return strings.HasPrefix(n, "charset_normalizer/") && strings.HasSuffix(n, ".so")
				})
				if !native || !slices.Contains(names, "requests/__init__.py") {
					t.Errorf("%s: the zip lacks requests or charset-normalizer's compiled module: %q", installer, names)
				}
				sums[installer] = sha256File(t, m.ZipPath)
			}
			if sums["pip"] != sums["uv"] {
				t.Errorf("pip and uv zips differ: %s and %s", sums["pip"], sums["uv"])
			}
		})
	}
}

// importAfterUnzip extracts the zip and imports modules from it with the
// host's python3, isolated from its own site-packages.
func importAfterUnzip(t *testing.T, zipPath string, modules ...string) {
	t.Helper()
	dir := t.TempDir()
	r := readZip(t, zipPath)
	for _, f := range r.File {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if strings.HasSuffix(f.Name, "/") {
			noError(t, os.MkdirAll(p, 0o755))
			continue
		}
		noError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		rc, err := f.Open()
		noError(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		noError(t, err)
		noError(t, os.WriteFile(p, data, 0o644))
	}
	var code strings.Builder
	code.WriteString("import sys; sys.path.insert(0, sys.argv[1])\n")
	for _, m := range modules {
		code.WriteString("import " + m + "\nassert " + m + ".__file__.startswith(sys.argv[1]), " + m + ".__file__\n")
	}
	cmd := exec.CommandContext(context.Background(), "python3", "-s", "-c", code.String(), dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("import %s after unzip: %v\n%s", strings.Join(modules, ", "), err, out)
	}
}
