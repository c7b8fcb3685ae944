package builder

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestNodeInstallsOnlyProductionDependencies(t *testing.T) {
	t.Parallel()
	needTool(t, "npm")
	src := fixture(t, "node")
	// The user's own node_modules holds a dev install that must neither be
	// shipped nor changed.
	writeFile(t, filepath.Join(src, "node_modules", "left-pad", "index.js"), "module.exports = 'dev copy';\n", 0o644)
	// Project npm settings are used for the install but not kept in the cache.
	writeFile(t, filepath.Join(src, ".npmrc"), "fund=false\n", 0o644)
	before := listing(t, src)
	cache := t.TempDir()
	b, runs := newTestBuilder()
	spec := Spec{Source: src, Runtime: "nodejs22.x", Architecture: "x86_64", Handler: "index.handler", CacheDir: cache}

	res, err := b.build(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trees) != 2 || res.Archive != "" {
		t.Fatalf("want the source and node_modules trees, got %+v", res)
	}
	if got := res.Trees[0]; got.Dir != src || got.Prefix != "" || !slices.Equal(got.Skip, []string{"node_modules"}) {
		t.Errorf("source tree = %+v, want %s without its node_modules", got, src)
	}
	deps := res.Trees[1]
	if deps.Prefix != "node_modules" || !strings.HasPrefix(deps.Dir, filepath.Join(cache, "deps")) {
		t.Errorf("dependency tree = %+v, want a folder under %s/deps placed at node_modules", deps, cache)
	}
	if !fileExists(filepath.Join(deps.Dir, "is-number", "package.json")) {
		t.Errorf("production dependency is-number missing from %s", deps.Dir)
	}
	if dirExists(filepath.Join(deps.Dir, "left-pad")) {
		t.Errorf("devDependency left-pad was installed into %s", deps.Dir)
	}
	if c := runs.last("npm"); !slices.Contains(c.Args, "--cpu=x64") || !slices.Contains(c.Args, "--omit=dev") || !slices.Contains(c.Args, "--os=linux") {
		t.Errorf("npm ran as %q, want --omit=dev --os=linux --cpu=x64", c)
	}
	if after := listing(t, src); !maps.Equal(before, after) {
		t.Errorf("the source folder changed:\nbefore %v\nafter  %v", before, after)
	}
	if secrets := findNames(t, filepath.Dir(deps.Dir), ".npmrc"); len(secrets) > 0 {
		t.Errorf("npm settings left in the cache: %v", secrets)
	}

	// An unchanged lockfile is served from the cache without running npm.
	again, err := b.build(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs.count("npm", "ci"); n != 1 {
		t.Errorf("npm ci ran %d times over two builds with the same lockfile, want 1", n)
	}
	if !reflect.DeepEqual(again, res) {
		t.Errorf("cached build = %+v, want %+v", again, res)
	}

	// NoCache reinstalls into the same entry.
	spec.NoCache = true
	fresh, err := b.build(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if n := runs.count("npm", "ci"); n != 2 {
		t.Errorf("npm ci ran %d times after a NoCache build, want 2", n)
	}
	if !fileExists(filepath.Join(fresh.Trees[1].Dir, "is-number", "package.json")) {
		t.Errorf("is-number missing after the NoCache reinstall")
	}

	// A changed lockfile is a new install.
	lock := filepath.Join(src, "package-lock.json")
	raw, _ := os.ReadFile(lock)
	writeFile(t, lock, string(raw)+"\n", 0o644)
	spec.NoCache = false
	if _, err := b.build(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if n := runs.count("npm", "ci"); n != 3 {
		t.Errorf("npm ci ran %d times after the lockfile changed, want 3", n)
	}
}

func TestNodeArm64AsksNpmForArm64Packages(t *testing.T) {
	t.Parallel()
	needTool(t, "npm")
	src := fixture(t, "node")
	b, runs := newTestBuilder()
	res, err := b.build(context.Background(), Spec{Source: src, Runtime: "nodejs22.x", Architecture: "arm64", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if c := runs.last("npm"); !slices.Contains(c.Args, "--cpu=arm64") {
		t.Errorf("npm ran as %q, want --cpu=arm64", c)
	}
	if !fileExists(filepath.Join(res.Trees[1].Dir, "is-number", "index.js")) {
		t.Errorf("is-number missing from the arm64 install")
	}
}

func TestNodeWithoutInstall(t *testing.T) {
	emptyPath := t.TempDir()
	tests := []struct {
		name    string
		files   map[string]string
		deps    string
		want    []Tree // Dir "" stands for the source folder
		wantErr []string
	}{
		{
			name:  "no package.json ships the folder",
			files: map[string]string{"index.js": "exports.handler = async () => 1;\n"},
			want:  []Tree{{}},
		},
		{
			name:  "dependencies none ships node_modules as it is",
			files: map[string]string{"package.json": `{"dependencies":{"is-number":"7.0.0"}}`, "node_modules/is-number/index.js": "x"},
			deps:  "none",
			want:  []Tree{{}},
		},
		{
			name:  "no production dependencies needs no lockfile",
			files: map[string]string{"package.json": `{"devDependencies":{"left-pad":"1.3.0"}}`},
			want:  []Tree{{Skip: []string{"node_modules"}}},
		},
		{
			name:    "dependencies without a lockfile",
			files:   map[string]string{"package.json": `{"dependencies":{"is-number":"7.0.0"}}`},
			wantErr: []string{"no lockfile", "npm install", "package-lock.json", "dependencies: none"},
		},
		{
			name:    "yarn.lock without yarn",
			files:   map[string]string{"package.json": `{"dependencies":{"is-number":"7.0.0"}}`, "yarn.lock": "# yarn lockfile v1\n"},
			wantErr: []string{"yarn.lock", "needs yarn", "not on PATH", "install yarn"},
		},
		{
			name:    "pnpm-lock.yaml without pnpm",
			files:   map[string]string{"package.json": `{"dependencies":{"is-number":"7.0.0"}}`, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n"},
			wantErr: []string{"pnpm-lock.yaml", "needs pnpm", "install pnpm"},
		},
		{
			name:    "broken package.json",
			files:   map[string]string{"package.json": `{"dependencies":`},
			wantErr: []string{"package.json", "fix the JSON"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", emptyPath) // no package manager may run here
			src := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, filepath.Join(src, name), content, 0o644)
			}
			b, runs := newTestBuilder()
			res, err := b.build(context.Background(), Spec{Source: src, Runtime: "nodejs24.x", Dependencies: tt.deps, CacheDir: t.TempDir()})
			if len(runs.calls) > 0 {
				t.Errorf("ran %q, want no command", runs.calls[0])
			}
			if errorCase(t, err, tt.wantErr, res) {
				return
			}
			for i := range tt.want {
				tt.want[i].Dir = src
			}
			if !reflect.DeepEqual(res.Trees, tt.want) {
				t.Errorf("trees = %+v, want %+v", res.Trees, tt.want)
			}
		})
	}
}

func TestNodeYarnAndPnpm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tool     string
		lockfile string
		lock     []string // makes the user's lockfile and node_modules
	}{
		{"yarn", "yarn.lock", []string{"install", "--ignore-scripts", "--non-interactive", "--no-progress"}},
		{"pnpm", "pnpm-lock.yaml", []string{"install", "--ignore-scripts", "--config.node-linker=hoisted"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			needTool(t, tt.tool)
			src := fixture(t, "node")
			if err := os.Remove(filepath.Join(src, "package-lock.json")); err != nil {
				t.Fatal(err)
			}
			if out, err := execRunner(context.Background(), command{Dir: src, Name: tt.tool, Args: tt.lock}); err != nil {
				t.Fatalf("%s %v: %v\n%s", tt.tool, tt.lock, err, out)
			}
			if !fileExists(filepath.Join(src, tt.lockfile)) || !dirExists(filepath.Join(src, "node_modules", "left-pad")) {
				t.Fatalf("%s left no %s and node_modules/left-pad to start from", tt.tool, tt.lockfile)
			}
			before := listing(t, src)
			b, runs := newTestBuilder()
			spec := Spec{Source: src, Runtime: "nodejs22.x", Architecture: "arm64", CacheDir: t.TempDir()}
			res, err := b.build(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Trees) != 2 || res.Trees[1].Prefix != "node_modules" {
				t.Fatalf("want the source and node_modules trees, got %+v", res.Trees)
			}
			deps := res.Trees[1].Dir
			if !fileExists(filepath.Join(deps, "is-number", "package.json")) {
				t.Errorf("is-number missing from %s", deps)
			}
			if dirExists(filepath.Join(deps, "left-pad")) {
				t.Errorf("devDependency left-pad was installed into %s", deps)
			}
			if after := listing(t, src); !maps.Equal(before, after) {
				t.Errorf("the source folder changed")
			}
			if c := runs.last(tt.tool); tt.tool == "pnpm" && !slices.Contains(c.Args, "--cpu=arm64") {
				t.Errorf("pnpm ran as %q, want --cpu=arm64", c)
			}
			installs := len(runs.calls)
			if _, err := b.build(context.Background(), spec); err != nil {
				t.Fatal(err)
			}
			if len(runs.calls) != installs {
				t.Errorf("the second build with the same %s ran %q", tt.lockfile, runs.calls[installs:])
			}
		})
	}
}

func TestVersionAtLeast(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		{"10.14.0", true}, {"10.13.9", false}, {"12.21.0", true}, {"9.15.0", false}, {"", false}, {"v10", false},
	}
	for _, tt := range tests {
		if got := versionAtLeast(tt.v, 10, 14); got != tt.want {
			t.Errorf("versionAtLeast(%q, 10, 14) = %v, want %v (pnpm gets --cpu only from 10.14)", tt.v, got, tt.want)
		}
	}
}
