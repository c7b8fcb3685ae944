package release

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const module = "github.com/lambcli/lamb"

// goreleaserConfig is the part of the GoReleaser v2 schema the checks read.
type goreleaserConfig struct {
	Version int `yaml:"version"`
	Before  struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Env          []string `yaml:"env"`
		Flags        []string `yaml:"flags"`
		ModTimestamp string   `yaml:"mod_timestamp"`
		Ldflags      []string `yaml:"ldflags"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum *struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
	Snapshot struct {
		VersionTemplate string `yaml:"version_template"`
	} `yaml:"snapshot"`
	Changelog struct {
		Sort string `yaml:"sort"`
	} `yaml:"changelog"`
}

func readConfig(t *testing.T) (goreleaserConfig, map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yml"))
	if err != nil {
		t.Fatalf("read .goreleaser.yml: %v", err)
	}
	var cfg goreleaserConfig
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("parse .goreleaser.yml: %v", err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(raw, &tree); err != nil {
		t.Fatalf("parse .goreleaser.yml: %v", err)
	}
	return cfg, tree
}

func TestGoreleaserVersion(t *testing.T) {
	t.Parallel()
	cfg, tree := readConfig(t)
	if cfg.Version != 2 {
		t.Fatalf("version = %d, want 2 (GoReleaser v2 refuses other files)", cfg.Version)
	}
	// v2 removed these names; GoReleaser v2 fails on them.
	removed := []struct{ section, key, use string }{
		{"archives", "format", "formats"},
		{"archives", "builds", "ids"},
		{"snapshot", "name_template", "version_template"},
	}
	for _, r := range removed {
		switch v := tree[r.section].(type) {
		case map[string]any:
			if _, ok := v[r.key]; ok {
				t.Errorf("%s.%s was removed in GoReleaser v2: use %s", r.section, r.key, r.use)
			}
		case []any:
			for i, item := range v {
				m, _ := item.(map[string]any)
				if _, ok := m[r.key]; ok {
					t.Errorf("%s[%d].%s was removed in GoReleaser v2: use %s", r.section, i, r.key, r.use)
				}
				overrides, _ := m["format_overrides"].([]any)
				for j, o := range overrides {
					if om, _ := o.(map[string]any); om["format"] != nil {
						t.Errorf("%s[%d].format_overrides[%d].format was removed in GoReleaser v2: use formats", r.section, i, j)
					}
				}
			}
		}
	}
}

func TestGoreleaserBuilds(t *testing.T) {
	t.Parallel()
	cfg, _ := readConfig(t)
	if len(cfg.Builds) == 0 {
		t.Fatal("no builds")
	}
	for _, b := range cfg.Builds {
		t.Run(b.ID, func(t *testing.T) {
			if !slices.Contains(b.Env, "CGO_ENABLED=0") {
				t.Errorf("env %v lacks CGO_ENABLED=0: binaries would need the build host's libc", b.Env)
			}
			if !slices.Contains(b.Flags, "-trimpath") {
				t.Errorf("flags %v lack -trimpath: binaries would embed the build machine's paths", b.Flags)
			}
			if b.ModTimestamp != "{{ .CommitTimestamp }}" {
				t.Errorf("mod_timestamp = %q, want {{ .CommitTimestamp }} for reproducible archives", b.ModTimestamp)
			}
			ldflags := strings.Fields(strings.Join(b.Ldflags, " "))
			for _, want := range []string{"-s", "-w"} {
				if !slices.Contains(ldflags, want) {
					t.Errorf("ldflags %v lack %s", b.Ldflags, want)
				}
			}
			for name, tmpl := range map[string]string{"version": "{{.Version}}", "commit": "{{.Commit}}", "date": "{{.CommitDate}}"} {
				want := module + "/cmd." + name + "=" + tmpl
				if !hasStamp(ldflags, want) {
					t.Errorf("ldflags %v do not set %s", b.Ldflags, want)
				}
			}
			if got, want := sorted(b.Goos), []string{"darwin", "linux", "windows"}; !slices.Equal(got, want) {
				t.Errorf("goos = %v, want %v", got, want)
			}
			if got, want := sorted(b.Goarch), []string{"amd64", "arm64"}; !slices.Equal(got, want) {
				t.Errorf("goarch = %v, want %v", got, want)
			}
		})
	}
}

func TestGoreleaserArchives(t *testing.T) {
	t.Parallel()
	cfg, _ := readConfig(t)
	if len(cfg.Archives) == 0 {
		t.Fatal("no archives")
	}
	for i, a := range cfg.Archives {
		if !slices.Equal(a.Formats, []string{"tar.gz"}) {
			t.Errorf("archives[%d].formats = %v, want [tar.gz]", i, a.Formats)
		}
		windowsZip := false
		for _, o := range a.FormatOverrides {
			if o.Goos == "windows" && slices.Equal(o.Formats, []string{"zip"}) {
				windowsZip = true
			}
		}
		if !windowsZip {
			t.Errorf("archives[%d] has no format_overrides entry giving windows formats [zip]", i)
		}
		for _, want := range []string{"completions/*", "manpages/*", "README*", "LICENSE*"} {
			if !slices.Contains(a.Files, want) {
				t.Errorf("archives[%d].files %v lack %s", i, a.Files, want)
			}
		}
	}
	if cfg.Checksum == nil || cfg.Checksum.NameTemplate == "" {
		t.Error("checksum.name_template is not set: releases would ship without a checksums file name users can rely on")
	}
	if cfg.Snapshot.VersionTemplate == "" {
		t.Error("snapshot.version_template is not set")
	}
	if cfg.Changelog.Sort != "asc" && cfg.Changelog.Sort != "desc" {
		t.Errorf("changelog.sort = %q, want asc or desc", cfg.Changelog.Sort)
	}
}

// The archives carry completions/*, so the before hooks must produce a script
// for every shell the completion command supports.
func TestGoreleaserCompletionHooks(t *testing.T) {
	t.Parallel()
	cfg, _ := readConfig(t)
	hooks := strings.Join(cfg.Before.Hooks, "\n")
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		re := regexp.MustCompile(`go run \. completion ` + shell + `\s*> *completions/`)
		if !re.MatchString(hooks) {
			t.Errorf("before.hooks do not write `go run . completion %s` into completions/:\n%s", shell, hooks)
		}
	}
}

// The archives carry manpages/*, so the before hooks must write the pages
// there with lamb's own generator, dated by the commit so that two releases
// of one commit ship the same pages.
func TestGoreleaserManPageHooks(t *testing.T) {
	t.Parallel()
	cfg, _ := readConfig(t)
	var gen string
	for _, h := range cfg.Before.Hooks {
		if strings.Contains(h, "go run . gen-man") {
			gen = h
		}
	}
	if gen == "" {
		t.Fatalf("no before hook runs `go run . gen-man`:\n%s", strings.Join(cfg.Before.Hooks, "\n"))
	}
	if !regexp.MustCompile(`gen-man\b.* manpages'?$`).MatchString(gen) {
		t.Errorf("the gen-man hook %q does not write into manpages/, which the archives carry", gen)
	}
	if !strings.Contains(gen, "SOURCE_DATE_EPOCH={{ .CommitTimestamp }}") {
		t.Errorf("the gen-man hook %q does not date the pages by the commit (SOURCE_DATE_EPOCH={{ .CommitTimestamp }})", gen)
	}
	if !strings.Contains(strings.Join(cfg.Before.Hooks, "\n"), "mkdir manpages") {
		t.Error("no before hook creates a fresh manpages/ folder: pages of removed commands would ship")
	}
}

// The -X flags only work if cmd declares those package-level string
// variables; a rename would silently ship binaries that call themselves "dev".
// The Makefile must stamp the same variables.
func TestStampedVariablesExist(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "cmd", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("list cmd sources: %v (%d files)", err, len(files))
	}
	fset := token.NewFileSet()
	declared := map[string]bool{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					declared[n.Name] = true
				}
			}
		}
	}
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatalf("read Makefile: %v", err)
	}
	for _, name := range []string{"version", "commit", "date"} {
		if !declared[name] {
			t.Errorf("cmd declares no package-level var %s, which the release ldflags set", name)
		}
		if !strings.Contains(string(makefile), "-X $(MODULE)/cmd."+name+"=") {
			t.Errorf("Makefile does not stamp cmd.%s", name)
		}
	}
}

// hasStamp reports whether the ldflags fields contain "-X want".
func hasStamp(fields []string, want string) bool {
	for i := 0; i+1 < len(fields); i++ {
		if fields[i] == "-X" && fields[i+1] == want {
			return true
		}
	}
	return false
}

func sorted(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}
