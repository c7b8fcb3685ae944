package builder

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// esbuildRan reports whether esbuild's postinstall ran in the install: it
// replaces the JavaScript launcher bin/esbuild with the native binary.
func esbuildRan(t *testing.T, nodeModules string) bool {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(nodeModules, "esbuild", "bin", "esbuild"))
	if err != nil {
		t.Fatalf("esbuild was not installed: %v", err)
	}
	return bytes.HasPrefix(raw, []byte("\x7fELF"))
}

// TestNodeInstallScripts installs real packages with install scripts
// (bcrypt 6: install: node-gyp-build, with prebuilds; esbuild: a
// postinstall) with npm and pnpm: only the packages package.allowScripts
// lists run theirs, the others are reported, and the install never fails
// for them.
func TestNodeInstallScripts(t *testing.T) {
	t.Parallel()
	bcrypt := SkippedScript{Name: "bcrypt", Version: "6.0.0", Path: "node_modules/bcrypt", Scripts: []string{"install: node-gyp-build"}, Prebuilt: true}
	esbuild := SkippedScript{Name: "esbuild", Version: "0.25.0", Path: "node_modules/esbuild", Scripts: []string{"postinstall: node install.js"}}
	for _, tool := range []string{"npm", "pnpm"} {
		for _, tt := range []struct {
			allow   []string
			skipped []SkippedScript
			ran     bool
		}{
			{nil, []SkippedScript{bcrypt, esbuild}, false},
			{[]string{"esbuild"}, []SkippedScript{bcrypt}, true},
		} {
			t.Run(tool+" allow "+strings.Join(tt.allow, ","), func(t *testing.T) {
				t.Parallel()
				testenv.NeedTool(t, tool)
				src := fixture(t, map[string]string{"npm": "node-scripts", "pnpm": "node-scripts-pnpm"}[tool])
				b, runs := newTestBuilder()
				var phases []string
				spec := Spec{Source: src, Runtime: "nodejs22.x", Architecture: "x86_64", CacheDir: t.TempDir(), AllowScripts: tt.allow,
					Progress: func(m string) { phases = append(phases, m) }}
				res, err := b.build(context.Background(), spec)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(res.SkippedScripts, tt.skipped) {
					t.Errorf("skipped scripts:\n%+v\nwant\n%+v", res.SkippedScripts, tt.skipped)
				}
				nm := res.Trees[1].Dir
				if got := esbuildRan(t, nm); got != tt.ran {
					t.Errorf("esbuild's postinstall ran = %v, want %v", got, tt.ran)
				}
				if tool == "npm" {
					if n := runs.count("npm", "rebuild"); n != len(tt.allow) {
						t.Errorf("npm rebuild ran %d times, want %d", n, len(tt.allow))
					}
					if tt.ran && !slices.Contains(phases, "running the install scripts of esbuild") {
						t.Errorf("progress did not say which scripts ran: %q", phases)
					}
				}

				// A warm cache gives the same report without installing.
				again, err := b.build(context.Background(), spec)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(again, res) {
					t.Errorf("cached build = %+v, want %+v", again, res)
				}
				if n := runs.count(tool, map[string]string{"npm": "ci", "pnpm": "install"}[tool]); n != 1 {
					t.Errorf("%s installed %d times, want 1", tool, n)
				}
			})
		}
	}
}

func TestAllowedScripts(t *testing.T) {
	t.Parallel()
	pkg := map[string]json.RawMessage{"allowScripts": json.RawMessage(`{"sharp@0.33.5": true, "@scope/gyp": true, "telemetry": false}`)}
	tests := []struct {
		tool string
		want []string
	}{
		{"npm", []string{"@scope/gyp", "esbuild", "sharp"}},
		// pnpm keeps its approvals elsewhere: only lamb.yaml's list counts.
		{"pnpm", []string{"esbuild"}},
	}
	for _, tt := range tests {
		if got := allowedScripts([]string{"esbuild", " esbuild "}, pkg, nodeManager{tool: tt.tool}); !slices.Equal(got, tt.want) {
			t.Errorf("%s: allowed = %q, want %q", tt.tool, got, tt.want)
		}
	}
}

func TestScriptArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tool, version string
		want          []string
	}{
		{"npm", "", []string{"--ignore-scripts"}},
		{"pnpm", "12.21.0", []string{"--config.strict-dep-builds=false", "--allow-build=a", "--allow-build=b"}},
		{"pnpm", "10.14.0", nil},
		{"yarn", "1.22.22", nil},
	}
	for _, tt := range tests {
		if got := scriptArgs(nodeManager{tool: tt.tool}, tt.version, []string{"a", "b"}); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s: %q, want %q", tt.tool, tt.version, got, tt.want)
		}
	}
}

func TestReadScriptPackage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		files    map[string]string
		scripts  []string
		gypBuild bool
	}{
		{"no scripts", map[string]string{"package.json": `{"name":"a","scripts":{"test":"jest"}}`}, nil, false},
		{"postinstall", map[string]string{"package.json": `{"name":"a","scripts":{"postinstall":"node i.js","prepare":"tsc"}}`}, []string{"postinstall: node i.js"}, false},
		{"node-gyp-build", map[string]string{"package.json": `{"name":"a","scripts":{"install":"node-gyp-build"}}`}, []string{"install: node-gyp-build"}, true},
		{"implicit gyp", map[string]string{"package.json": `{"name":"a"}`, "binding.gyp": "{}"}, []string{"install: node-gyp rebuild"}, false},
		{"gypfile false", map[string]string{"package.json": `{"name":"a","gypfile":false}`, "binding.gyp": "{}"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for n, body := range tt.files {
				writeFile(t, filepath.Join(dir, n), body, 0o644)
			}
			p, ok, err := readScriptPackage(context.Background(), dir, "node_modules/a")
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tt.scripts != nil) || !slices.Equal(p.Scripts, tt.scripts) || p.onlyNodeGypBuild != tt.gypBuild {
				t.Errorf("got %v %+v, want scripts %q (node-gyp-build only: %v)", ok, p, tt.scripts, tt.gypBuild)
			}
		})
	}
}

func TestScriptPackagesWalk(t *testing.T) {
	t.Parallel()
	nm := filepath.Join(t.TempDir(), "node_modules")
	withScript := `{"name":"%s","version":"1.0.0","scripts":{"postinstall":"node x.js"}}`
	for p, name := range map[string]string{
		"a":                            "a",
		"@s/b":                         "@s/b",
		"a/node_modules/c":             "c",
		".pnpm/d@1.0.0/node_modules/d": "d",
		".bin/e":                       "e",
		"plain":                        "",
	} {
		body := `{"name":"plain"}`
		if name != "" {
			body = strings.Replace(withScript, "%s", name, 1)
		}
		writeFile(t, filepath.Join(nm, filepath.FromSlash(p), "package.json"), body, 0o644)
	}
	// A link (pnpm's, or a workspace package's) is not walked twice.
	if err := os.Symlink(filepath.Join(nm, ".pnpm", "d@1.0.0", "node_modules", "d"), filepath.Join(nm, "d")); err != nil {
		t.Fatal(err)
	}
	pkgs, err := scriptPackages(context.Background(), nm)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Path)
	}
	want := []string{"node_modules/.pnpm/d@1.0.0/node_modules/d", "node_modules/@s/b", "node_modules/a", "node_modules/a/node_modules/c"}
	if !slices.Equal(got, want) {
		t.Errorf("packages with scripts:\n%q\nwant\n%q", got, want)
	}
}
