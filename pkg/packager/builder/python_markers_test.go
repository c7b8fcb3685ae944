package builder

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestPythonMarkersJudgedForTheRuntime installs a requirement whose marker
// holds only on the runtime's Python (3.12) from a host whose python3 is
// another version: with the runtime's own python3.12 running pip, with uv,
// and, with neither, it is refused rather than silently left out.
func TestPythonMarkersJudgedForTheRuntime(t *testing.T) {
	needTool(t, "python3")
	if v := pythonVersionOf(t, "python3"); v == "3.12" {
		t.Skip("python3 is 3.12 here: the host would judge the marker right by chance")
	}
	const req = "# pinned per runtime\nidna==3.7 ; python_version < '3.12'\nsix==1.16.0 ; python_version == '3.12'\n"
	tests := []struct {
		name      string
		installer string
		tools     []string // on PATH besides python3 and sh
		fakeShim  bool     // python3.12 is a version manager's shim that fails
		wantRun   string   // the installing command
		wantErr   []string
	}{
		{name: "runtime's own python", installer: "auto", tools: []string{"python3.12"}, wantRun: "python3.12"},
		{name: "uv", installer: "auto", tools: []string{"uv"}, wantRun: "uv"},
		{name: "neither", installer: "auto", wantErr: []string{"requirements.txt line 2", "idna==3.7 ; python_version < '3.12'", "python_version", "put python3.12", "install uv"}},
		{name: "pip forced past uv", installer: "pip", tools: []string{"uv"}, wantErr: []string{"requirements.txt line 2"}},
		{name: "failing shim", installer: "auto", fakeShim: true, wantErr: []string{"requirements.txt line 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools := map[string]string{"python3": "", "sh": ""}
			for _, name := range tt.tools {
				tools[name] = realExecutable(t, name)
			}
			if tt.fakeShim {
				shim := filepath.Join(t.TempDir(), "python3.12")
				writeFile(t, shim, "#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n", 0o755)
				tools["python3.12"] = shim
			}
			pathWith(t, tools)
			src := t.TempDir()
			writeFile(t, filepath.Join(src, "requirements.txt"), req, 0o644)
			b, runs := newTestBuilder()
			res, err := b.build(context.Background(), Spec{Source: src, Runtime: "python3.12", Installer: tt.installer, CacheDir: t.TempDir()})
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("want the requirements refused")
				}
				mentions(t, err, tt.wantErr...)
				if n := runs.countPip(); n != 0 {
					t.Errorf("pip ran %d times, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			site := res.Trees[1].Dir
			if !fileExists(filepath.Join(site, "six.py")) {
				t.Errorf("six (python_version == '3.12') is not installed for python3.12")
			}
			if dirExists(filepath.Join(site, "idna")) {
				t.Errorf("idna (python_version < '3.12') is installed for python3.12")
			}
			if runs.count(tt.wantRun, "") == 0 {
				t.Errorf("%s did not run; ran %q", tt.wantRun, runs.calls)
			}
		})
	}
}

func TestCheckVersionMarkersNamesTheLine(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "requirements.txt"), "six==1.16.0\n-r more/base.txt\n", 0o644)
	writeFile(t, filepath.Join(src, "more", "base.txt"), "# a comment; python_version\n"+
		"requests==2.32.3 ; sys_platform == 'linux'\n"+
		"numpy==2.3.5 ; \\\n  python_full_version >= '3.11.0'\n", 0o644)
	err := checkVersionMarkers(context.Background(), filepath.Join(src, "requirements.txt"), func(n int) string { return fmt.Sprintf("requirements.txt line %d", n) }, "python3.13")
	if err == nil {
		t.Fatal("want the included file's marker refused")
	}
	mentions(t, err, filepath.Join(src, "more", "base.txt")+" line 3", "python_full_version", "python3.13")
	writeFile(t, filepath.Join(src, "more", "base.txt"), "requests==2.32.3 ; sys_platform == 'linux'  # python_version\n", 0o644)
	if err := checkVersionMarkers(context.Background(), filepath.Join(src, "requirements.txt"), func(n int) string { return fmt.Sprintf("requirements.txt line %d", n) }, "python3.13"); err != nil {
		t.Errorf("markers that do not depend on the version refused: %v", err)
	}
}

// pythonVersionOf is the X.Y of the named interpreter.
func pythonVersionOf(t *testing.T, name string) string {
	t.Helper()
	b, _ := newTestBuilder()
	out, err := b.run(context.Background(), command{Name: name, Args: []string{"-c", "import sys; print('%d.%d' % sys.version_info[:2])"}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}
