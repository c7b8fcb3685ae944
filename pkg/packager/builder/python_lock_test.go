package builder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

func TestFindPythonInputPrecedence(t *testing.T) {
	t.Parallel()
	const pyproject = "[project]\nname = \"fn\"\nversion = \"1\"\n"
	tests := []struct {
		name    string
		files   []string
		want    string // base name of the input; "" for none
		lock    string // the lock's tool
		wantErr []string
	}{
		{"requirements first", []string{"requirements.txt", "uv.lock", "pyproject.toml"}, "requirements.txt", "", nil},
		{"uv lock beats pyproject", []string{"uv.lock", "pyproject.toml"}, "uv.lock", "uv", nil},
		{"poetry lock", []string{"poetry.lock", "pyproject.toml"}, "poetry.lock", "poetry", nil},
		{"pipenv lock", []string{"Pipfile.lock", "Pipfile"}, "Pipfile.lock", "pipenv", nil},
		{"pyproject alone", []string{"pyproject.toml"}, "pyproject.toml", "", nil},
		{"nothing", []string{"app.py"}, "", "", nil},
		{"two locks", []string{"uv.lock", "poetry.lock", "pyproject.toml"}, "", "", []string{"uv.lock and poetry.lock", "requirements.txt"}},
		{"lock without its project", []string{"uv.lock"}, "", "", []string{"uv.lock has no pyproject.toml"}},
		{"Pipfile without lock", []string{"Pipfile"}, "", "", []string{"Pipfile has no Pipfile.lock", "pipenv lock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			for _, f := range tt.files {
				writeFile(t, filepath.Join(src, f), pyproject, 0o644)
			}
			in, ok, err := findPythonInput(src)
			if errorCase(t, err, tt.wantErr, in) {
				return
			}
			got, tool := "", ""
			if ok {
				got = filepath.Base(in.path)
			}
			if in.lock != nil {
				tool = in.lock.tool
			}
			if got != tt.want || tool != tt.lock {
				t.Errorf("input = %q with lock tool %q, want %q with %q", got, tool, tt.want, tt.lock)
			}
		})
	}
}

// pathWith makes a folder holding links to the named executables (a name
// mapped to "" is looked up on the current PATH) and makes it the whole
// PATH, so a test decides which tools lamb finds.
func pathWith(t *testing.T, tools map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, target := range tools {
		if target == "" {
			target = realExecutable(t, name)
		}
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
}

// realExecutable resolves name on PATH to the file it runs; for a Python
// that is the interpreter itself, not a version manager's shim script.
func realExecutable(t *testing.T, name string) string {
	t.Helper()
	p := needTool(t, name)
	if strings.HasPrefix(name, "python") {
		out, err := exec.Command(p, "-c", "import sys; print(sys.executable)").Output()
		if err != nil {
			testenv.ToolMissing(t, "%s is on PATH but does not run (%v)", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	return p
}

func TestPythonLockToolMissing(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		tools   map[string]string
		wantErr []string
	}{
		{
			"uv", map[string]string{"uv.lock": "version = 1\n", "pyproject.toml": "[project]\n"},
			map[string]string{"python3": ""},
			[]string{"uv.lock needs uv on PATH", "install uv", "requirements.txt"},
		},
		{
			"pipenv", map[string]string{"Pipfile.lock": "{}", "Pipfile": ""},
			map[string]string{"python3": ""},
			[]string{"Pipfile.lock needs pipenv on PATH", "install pipenv", "requirements.txt"},
		},
		{
			// Poetry 2 without poetry-plugin-export answers so.
			"poetry without export", map[string]string{"poetry.lock": "", "pyproject.toml": "[project]\n"},
			map[string]string{"python3": "", "poetry": "FAKE"},
			[]string{"poetry.lock", "poetry self add poetry-plugin-export", "requirements.txt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tools["poetry"] == "FAKE" {
				fake := filepath.Join(t.TempDir(), "poetry")
				writeFile(t, fake, "#!/bin/sh\necho 'The command \"export\" does not exist.' >&2\nexit 1\n", 0o755)
				tt.tools["poetry"] = fake
				tt.tools["sh"] = ""
			}
			pathWith(t, tt.tools)
			src := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, filepath.Join(src, name), content, 0o644)
			}
			b, _ := newTestBuilder()
			_, err := b.build(context.Background(), Spec{Source: src, Runtime: "python3.12", CacheDir: t.TempDir()})
			if err == nil {
				t.Fatal("want an error")
			}
			mentions(t, err, tt.wantErr...)
		})
	}
}

func TestPythonInstallerSetting(t *testing.T) {
	pathWith(t, map[string]string{"python3": ""})
	if got, err := pythonInstaller("auto"); err != nil || got != installerPip {
		t.Errorf("auto without uv = %q, %v; want pip", got, err)
	}
	if _, err := pythonInstaller("uv"); err == nil || !strings.Contains(err.Error(), "uv is not on PATH") {
		t.Errorf("uv without uv: error %v, want one saying uv is not on PATH", err)
	}
	if _, err := pythonInstaller("conda"); err == nil || !strings.Contains(err.Error(), "auto, pip or uv") {
		t.Errorf("conda: error %v, want one listing auto, pip or uv", err)
	}
	fake := filepath.Join(t.TempDir(), "uv")
	writeFile(t, fake, "#!/bin/sh\n", 0o755)
	pathWith(t, map[string]string{"uv": fake})
	for setting, want := range map[string]string{"": installerUV, "auto": installerUV, "pip": installerPip, "uv": installerUV} {
		if got, err := pythonInstaller(setting); err != nil || got != want {
			t.Errorf("pythonInstaller(%q) with uv on PATH = %q, %v; want %q", setting, got, err, want)
		}
	}
}

func TestUVPlatform(t *testing.T) {
	t.Parallel()
	tests := []struct{ runtime, arch, want string }{
		{"python3.12", "x86_64", "x86_64-manylinux_2_34"},
		{"python3.13", "arm64", "aarch64-manylinux_2_34"},
		// uv cannot name glibc 2.26: the newest it can below is 2.17.
		{"python3.11", "x86_64", "x86_64-manylinux_2_17"},
		{"python3.9", "arm64", "aarch64-manylinux_2_17"},
	}
	for _, tt := range tests {
		a, err := targetArch(tt.arch)
		if err != nil {
			t.Fatal(err)
		}
		if got := uvPlatform(tt.runtime, a); got != tt.want {
			t.Errorf("uvPlatform(%s, %s) = %q, want %q", tt.runtime, tt.arch, got, tt.want)
		}
	}
}

func TestNormaliseSite(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	files := map[string]string{
		".lock":                             "",
		"bin/tool":                          "#!/Users/me/.venv/bin/python\n",
		"pkg/__init__.py":                   "x = 1\n",
		"pkg/data,1.txt":                    "comma",
		"pkg-1.0.dist-info/METADATA":        "Name: pkg\n",
		"pkg-1.0.dist-info/INSTALLER":       "uv",
		"pkg-1.0.dist-info/REQUESTED":       "",
		"pkg-1.0.dist-info/direct_url.json": `{"url": "file:///tmp/x"}`,
		"pkg-1.0.dist-info/RECORD": "pkg-1.0.dist-info/RECORD,,\n" +
			"pkg/__init__.py,sha256=stale,3\n" +
			"pkg-1.0.dist-info/INSTALLER,sha256=x,2\n" +
			"../../bin/tool,sha256=y,9\n" +
			"\"pkg/data,1.txt\",,\n" +
			"pkg-1.0.dist-info/METADATA,,\n",
	}
	for name, content := range files {
		writeFile(t, filepath.Join(site, name), content, 0o644)
	}
	if err := normaliseSite(site); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{".lock", "bin", "pkg-1.0.dist-info/INSTALLER", "pkg-1.0.dist-info/REQUESTED", "pkg-1.0.dist-info/direct_url.json"} {
		if _, err := os.Lstat(filepath.Join(site, gone)); err == nil {
			t.Errorf("%s is still there", gone)
		}
	}
	record, err := os.ReadFile(filepath.Join(site, "pkg-1.0.dist-info", "RECORD"))
	if err != nil {
		t.Fatal(err)
	}
	// Sorted by path, hashed afresh, the dropped and outside files gone.
	want := "pkg-1.0.dist-info/METADATA,sha256=" + digestOf(t, site, "pkg-1.0.dist-info/METADATA") + ",10\n" +
		"pkg/__init__.py,sha256=" + digestOf(t, site, "pkg/__init__.py") + ",6\n" +
		"\"pkg/data,1.txt\",sha256=" + digestOf(t, site, "pkg/data,1.txt") + ",5\n" +
		"pkg-1.0.dist-info/RECORD,,\n"
	if string(record) != want {
		t.Errorf("RECORD =\n%s\nwant\n%s", record, want)
	}
}

func digestOf(t *testing.T, site, rel string) string {
	t.Helper()
	sum, _, err := fileDigest(filepath.Join(site, rel))
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestPythonLockIsACacheInput relocks a uv project on another version of
// its dependency: the unchanged lock reuses the install, the new one
// installs afresh.
func TestPythonLockIsACacheInput(t *testing.T) {
	t.Parallel()
	needTool(t, "python3")
	needTool(t, "uv")
	src := t.TempDir()
	lock := func(six string) {
		t.Helper()
		writeFile(t, filepath.Join(src, "pyproject.toml"), "[project]\nname = \"fn\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"six=="+six+"\"]\n", 0o644)
		if out, err := exec.CommandContext(t.Context(), "uv", "lock", "--quiet", "--directory", src).CombinedOutput(); err != nil {
			t.Fatalf("uv lock: %v\n%s", err, out)
		}
	}
	lock("1.16.0")
	b, runs := newTestBuilder()
	spec := Spec{Source: src, Runtime: "python3.12", Installer: "uv", CacheDir: t.TempDir()}
	for i, want := range []string{"six-1.16.0.dist-info", "six-1.16.0.dist-info", "six-1.17.0.dist-info"} {
		if i == 2 {
			lock("1.17.0")
		}
		res, err := b.build(t.Context(), spec)
		if err != nil {
			t.Fatal(err)
		}
		if !dirExists(filepath.Join(res.Trees[1].Dir, want)) {
			t.Errorf("build %d: %s is not installed", i+1, want)
		}
	}
	if n := runs.count("uv", "export"); n != 2 {
		t.Errorf("uv export ran %d times, want 2 (the second build reuses the first)", n)
	}
}

func TestUVNoWheelNamesPackageAndPlatform(t *testing.T) {
	t.Parallel()
	needTool(t, "python3")
	needTool(t, "uv")
	// The folder index holds neither a wheel nor a source archive.
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "requirements.txt"), "--no-index\n--find-links index\nabsent-probe==1.0\n", 0o644)
	writeFile(t, filepath.Join(src, "index", "README"), "", 0o644)
	b, _ := newTestBuilder()
	_, err := b.build(t.Context(), Spec{Source: src, Runtime: "python3.12", Architecture: "arm64", Installer: "uv", CacheDir: t.TempDir()})
	if err == nil {
		t.Fatal("want an error for a package without a wheel")
	}
	mentions(t, err, "no wheel of absent-probe", "python3.12", "linux/arm64", "uv looked for cp312 wheels tagged manylinux_2_34_aarch64 and older", "dependencies: none")
}
