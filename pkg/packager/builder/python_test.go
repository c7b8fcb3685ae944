package builder

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func TestPythonInstallsWheelsAtTheRoot(t *testing.T) {
	t.Parallel()
	needTool(t, "python3")
	tests := []struct {
		fixture, runtime, arch, platform, version string
	}{
		{"python", "python3.12", "x86_64", "manylinux2014_x86_64", "3.12"},
		{"python-pyproject", "python3.13", "arm64", "manylinux2014_aarch64", "3.13"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+" "+tt.arch, func(t *testing.T) {
			src := fixture(t, tt.fixture)
			before := listing(t, src)
			b, runs := newTestBuilder()
			spec := Spec{Source: src, Runtime: tt.runtime, Architecture: tt.arch, Installer: "pip", CacheDir: t.TempDir()}
			res, err := b.build(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Trees) != 2 || !reflect.DeepEqual(res.Trees[0], Tree{Dir: src}) || res.Trees[1].Prefix != "" {
				t.Fatalf("want the source, then the installed packages at the root; got %+v", res.Trees)
			}
			site := res.Trees[1].Dir
			if !fileExists(filepath.Join(site, "six.py")) {
				t.Errorf("six.py is not at the root of the installed packages %s", site)
			}
			if got := findNames(t, site, "six-1.16.0.dist-info"); len(got) != 1 {
				t.Errorf("six's dist-info missing from %s: %v", site, got)
			}
			if pyc := findNames(t, site, "*.pyc"); len(pyc) > 0 {
				t.Errorf("compiled files in the bundle: %v", pyc)
			}
			pip := runs.lastPip()
			for _, want := range []string{"--platform", tt.platform, "--python-version", tt.version, "--only-binary=:all:", "--no-compile", "--implementation"} {
				if !slices.Contains(pip.Args, want) {
					t.Errorf("pip ran as %q, missing %s", pip, want)
				}
			}
			if after := listing(t, src); len(after) != len(before) {
				t.Errorf("the source folder changed: %d entries before, %d after", len(before), len(after))
			}

			calls := len(runs.calls)
			if _, err := b.build(context.Background(), spec); err != nil {
				t.Fatal(err)
			}
			if len(runs.calls) != calls {
				t.Errorf("the second build with unchanged dependencies ran %q", runs.calls[calls:])
			}
		})
	}
}

func TestPythonNoWheelNamesPackageAndPlatform(t *testing.T) {
	t.Parallel()
	needTool(t, "python3")
	// The folder index holds neither a wheel nor a source archive.
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "requirements.txt"), "--no-index\n--find-links index\nabsent-probe==1.0\n", 0o644)
	writeFile(t, filepath.Join(src, "index", "README"), "", 0o644)
	cache := t.TempDir()
	b, runs := newTestBuilder()
	_, err := b.build(context.Background(), Spec{Source: src, Runtime: "python3.12", Architecture: "arm64", Installer: "pip", CacheDir: cache})
	if err == nil {
		t.Fatal("want an error for a package without a wheel")
	}
	mentions(t, err, "no wheel of absent-probe==1.0", "python3.12", "linux/arm64", "cp312", "manylinux_2_34_aarch64 down to manylinux2014_aarch64", "dependencies: none")
	if n := runs.count("python3", "-m") + runs.count("python3.12", "-m"); n != 2 {
		t.Errorf("pip ran %d times, want an install and one attempt to build a source archive", n)
	}
	if entries := listing(t, cache); len(entries) > 3 { // ., deps, deps/python
		t.Errorf("a failed install left files in the cache: %v", entries)
	}
}

func TestPythonUnreadableProjects(t *testing.T) {
	t.Parallel()
	needTool(t, "python3")
	tests := []struct {
		name    string
		runtime string
		files   map[string]string
		want    []string
	}{
		{"poetry layout", "python3.12", map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\nsix = \"1.16.0\"\n"}, []string{"no [project] table", "requirements.txt"}},
		{"dynamic dependencies", "python3.12", map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nversion = \"1\"\ndynamic = [\"dependencies\"]\n"}, []string{"dynamic", "requirements.txt"}},
		{"runtime without a version", "python3", map[string]string{"requirements.txt": "six==1.16.0\n"}, []string{`"python3"`, "python3.12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, filepath.Join(src, name), content, 0o644)
			}
			b, runs := newTestBuilder()
			_, err := b.build(context.Background(), Spec{Source: src, Runtime: tt.runtime, CacheDir: t.TempDir()})
			if err == nil {
				t.Fatal("want an error")
			}
			mentions(t, err, tt.want...)
			if n := runs.countPip(); n != 0 {
				t.Errorf("pip ran %d times, want none", n)
			}
		})
	}
}

func TestPythonWithoutInstall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		deps  string
	}{
		{"no requirements", map[string]string{"handler.py": "def handler(e, c): pass\n"}, ""},
		{"dependencies none", map[string]string{"requirements.txt": "six==1.16.0\n"}, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, filepath.Join(src, name), content, 0o644)
			}
			b, runs := newTestBuilder()
			res, err := b.build(context.Background(), Spec{Source: src, Runtime: "python3.12", Dependencies: tt.deps, CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Trees) != 1 || !reflect.DeepEqual(res.Trees[0], Tree{Dir: src}) {
				t.Errorf("trees = %+v, want only the source", res.Trees)
			}
			if len(runs.calls) > 0 {
				t.Errorf("ran %q, want nothing", runs.calls[0])
			}
		})
	}
}

func TestPythonIncludedRequirementsAreCacheInputs(t *testing.T) {
	t.Parallel()
	needTool(t, "python3")
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "requirements.txt"), "-r requirements/base.txt\n", 0o644)
	writeFile(t, filepath.Join(src, "requirements", "base.txt"), "six==1.16.0\n", 0o644)
	b, runs := newTestBuilder()
	spec := Spec{Source: src, Runtime: "python3.12", Installer: "pip", CacheDir: t.TempDir()}
	res, err := b.build(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if !fileExists(filepath.Join(res.Trees[1].Dir, "six.py")) {
		t.Fatalf("six.py from the included file is not installed")
	}
	// Only the included file changes; the install must not be reused.
	writeFile(t, filepath.Join(src, "requirements", "base.txt"), "", 0o644)
	res, err = b.build(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs.countPip(); n != 2 {
		t.Errorf("pip ran %d times, want 2", n)
	}
	if fileExists(filepath.Join(res.Trees[1].Dir, "six.py")) {
		t.Errorf("six.py is still shipped after it left the included requirements")
	}
}
