package packager

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
)

var selectionTree = map[string]string{
	"index.js":                 "exports.handler = async () => 1\n",
	"lib/a.js":                 "a",
	"lib/b.test.js":            "b",
	"lib/sub/c.js":             "c",
	"lib/test":                 "a file named test",
	"test/x.js":                "x",
	"docs/readme.md":           "docs",
	"node_modules/m/index.js":  "m",
	"node_modules/m/README.md": "readme",
	".env":                     "SECRET=1",
	".env.local":               "SECRET=2",
	"lib/.env.prod":            "SECRET=3",
	".git/config":              "[core]",
	"node_modules/m/.git/HEAD": "ref",
	".lamb/build/fn.zip":       "old",
	"lamb.yaml":                "functions: {}",
	"sub/lamb.yaml":            "not the project file",
	"{braces}.js":              "literal braces",
}

func TestSelection(t *testing.T) {
	t.Parallel()
	defaults := []string{
		"docs/readme.md", "index.js", "lib/a.js", "lib/b.test.js", "lib/sub/c.js", "lib/test",
		"node_modules/m/README.md", "node_modules/m/index.js", "sub/lamb.yaml", "test/x.js", "{braces}.js",
	}
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(defaults), func(s string) bool { return slices.Contains(drop, s) })
	}
	tests := []struct {
		name       string
		lambignore string
		include    []string
		exclude    []string
		want       []string
	}{
		{name: "defaults leave out secrets, git and lamb files", want: defaults},
		{name: "name pattern matches at any depth", exclude: []string{"*.md"},
			want: without("docs/readme.md", "node_modules/m/README.md")},
		{name: "trailing slash matches folders only", exclude: []string{"test/"},
			want: without("test/x.js")},
		{name: "leading slash anchors at the root", exclude: []string{"/index.js"},
			want: without("index.js")},
		{name: "double star matches any depth", exclude: []string{"**/*.test.js"},
			want: without("lib/b.test.js")},
		{name: "negation re-includes a file when its folder is not excluded", exclude: []string{"lib/**", "!lib/a.js"},
			want: without("lib/b.test.js", "lib/sub/c.js", "lib/test")},
		{name: "negation cannot re-include a file inside an excluded folder", exclude: []string{"lib/", "!lib/a.js"},
			want: without("lib/a.js", "lib/b.test.js", "lib/sub/c.js", "lib/test")},
		{name: "defaults cannot be negated", exclude: []string{"!.env", "!.git/", "!lamb.yaml"},
			want: defaults},
		{name: "lambignore at the source root", lambignore: "# docs are not shipped\ndocs/\n\nnode_modules/m/README.md\n",
			want: without("docs/readme.md", "node_modules/m/README.md")},
		{name: "package.exclude overrides lambignore", lambignore: "*.md\n", exclude: []string{"!docs/readme.md"},
			want: without("node_modules/m/README.md")},
		{name: "include takes only matching files", include: []string{"lib/"},
			want: []string{"lib/a.js", "lib/b.test.js", "lib/sub/c.js", "lib/test"}},
		{name: "include with negation", include: []string{"*.js", "!lib/sub/", "!node_modules/"},
			want: []string{"index.js", "lib/a.js", "lib/b.test.js", "test/x.js", "{braces}.js"}},
		{name: "include and exclude together", include: []string{"**/*.js"}, exclude: []string{"node_modules/", "test/"},
			want: []string{"index.js", "lib/a.js", "lib/b.test.js", "lib/sub/c.js", "{braces}.js"}},
		{name: "braces are literal as in git", exclude: []string{"{braces}.js"},
			want: without("{braces}.js")},
		{name: "question mark and classes", exclude: []string{"lib/?.js", "[dt]est/"},
			want: without("lib/a.js", "test/x.js")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			writeFiles(t, src, selectionTree)
			if tt.lambignore != "" {
				writeFiles(t, src, map[string]string{".lambignore": tt.lambignore})
			}
			spec := testSpec(t, src)
			spec.Include, spec.Exclude = tt.include, tt.exclude
			m := packTrees(t, spec)
			got := zipNames(t, m.ZipPath, true)
			if !slices.Equal(got, tt.want) {
				t.Errorf("zip files:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSelectionMergesTreesAtPrefixes(t *testing.T) {
	t.Parallel()
	src, deps := t.TempDir(), t.TempDir()
	writeFiles(t, src, map[string]string{
		"index.js":              "src",
		"node_modules/dev/x.js": "dev dependency left out by Skip",
		"shared.txt":            "from source",
	})
	writeFiles(t, deps, map[string]string{
		"node_modules/prod/index.js": "prod",
		"node_modules/prod/.env":     "leaked",
		"shared.txt":                 "from staging",
	})
	spec := testSpec(t, src)
	spec.Exclude = []string{"*.md"}
	m := packTrees(t, spec,
		tree{Dir: src, Skip: []string{"node_modules"}},
		tree{Dir: filepath.Join(deps, "node_modules"), Prefix: "node_modules"},
		tree{Dir: deps, Skip: []string{"node_modules"}},
	)
	got := zipNames(t, m.ZipPath, false)
	want := []string{"index.js", "node_modules/", "node_modules/prod/", "node_modules/prod/index.js", "shared.txt"}
	if !slices.Equal(got, want) {
		t.Fatalf("entries = %q, want %q", got, want)
	}
	r := readZip(t, m.ZipPath)
	for _, f := range r.File {
		if f.Name == "shared.txt" {
			rc, _ := f.Open()
			b := make([]byte, 64)
			n, _ := rc.Read(b)
			rc.Close()
			if string(b[:n]) != "from staging" {
				t.Errorf("shared.txt = %q, want the later tree's file", b[:n])
			}
		}
	}
}

func TestPatternErrorsNameTheSource(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"index.js": "x", ".lambignore": "ok\n[unclosed\n"})
	_, err := packTreesErr(testSpec(t, src))
	if err == nil || !strings.Contains(err.Error(), ".lambignore line 2") || !strings.Contains(err.Error(), "[unclosed") {
		t.Fatalf("error = %v, want one naming .lambignore line 2 and the pattern", err)
	}
}

// TestLiteralPatternsMatchAsTheirGlob keeps the string-compare shortcut for
// wildcard-free "**/" patterns in step with the glob it stands for.
func TestLiteralPatternsMatchAsTheirGlob(t *testing.T) {
	t.Parallel()
	paths := []string{".npmrc", "a/.npmrc", "a/b/.npmrc", ".npmrc.bak", "x.npmrc", "a/.npmrc/b",
		"node_modules", "lib/node_modules", "node_modules/x", "ünï", "a/ünï", "a b", "c/a b",
		"node_modules/.cache", "a/node_modules/.cache", "xnode_modules/.cache", "node_modules/.cachex", ".cache"}
	for _, line := range []string{".npmrc", "node_modules", "ünï", "a b", "!.npmrc", "**/node_modules/.cache", "**/node_modules"} {
		p, ok, err := parsePattern(line)
		if err != nil || !ok || p.literal == "" {
			t.Fatalf("parsePattern(%q) = %+v, %v, %v; want a literal pattern", line, p, ok, err)
		}
		set := &patternSet{patterns: []pattern{p}}
		for _, path := range paths {
			_, got := set.decide(path, false)
			if want := doublestar.MatchUnvalidated(p.glob, path); got != want {
				t.Errorf("pattern %q on %q: matched %v, the glob %q says %v", line, path, got, p.glob, want)
			}
		}
	}
}

// TestBasePrefixOnlySkipsNonMatches: the last-element prefix test in front
// of the glob match never changes a decision, only spares glob matches.
func TestBasePrefixOnlySkipsNonMatches(t *testing.T) {
	t.Parallel()
	paths := []string{".env", ".env.local", "a/.env.prod", "x.env", "env", "node_modules/.pnpm-workspace-state-v1.json",
		"a/node_modules/.pnpm-workspace-state.json", "node_modules/.pnpm-workspace.json", "index.js", "lib/a.js", "lib",
		"lib/x/y", "abc", "aXc", "ax", "bx", "cx", "foo/q/bar", "foo/bar", "!x", "a/!x"}
	for _, line := range []string{".env*", "**/node_modules/.pnpm-workspace-state*.json", "*.js", "lib/**", "a?c", "[ab]x", "foo/*/bar", `\!x`, "**/*.json"} {
		p, ok, err := parsePattern(line)
		if err != nil || !ok {
			t.Fatalf("parsePattern(%q) = %v, %v", line, ok, err)
		}
		plain := p
		plain.basePrefix = ""
		with, without := &patternSet{patterns: []pattern{p}}, &patternSet{patterns: []pattern{plain}}
		for _, path := range paths {
			m1, d1 := with.decide(path, false)
			m2, d2 := without.decide(path, false)
			if m1 != m2 || d1 != d2 {
				t.Errorf("pattern %q (prefix %q) on %q: %v/%v with the prefix test, %v/%v without", line, p.basePrefix, path, m1, d1, m2, d2)
			}
		}
	}
}
