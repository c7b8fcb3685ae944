package templates

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/pkg/config"
)

// load writes doc as lamb.yaml in a fresh folder and loads it.
func load(t *testing.T, doc []byte) (*config.Config, error) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "lamb.yaml")
	if err := os.WriteFile(p, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	// The commented examples name a .env file.
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("A=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return config.Load(t.Context(), p, config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
}

// commentedKey matches a commented-out configuration line such as
// "    #   alias: live" (prose comments never start with a bare key).
var commentedKey = regexp.MustCompile(`^(\s*)# (\s*[A-Za-z0-9_-]+:(\s.*)?)$`)

// modeline is the first line of every template: editors read the schema
// from it.
const modeline = "# yaml-language-server: $schema="

// uncomment turns every commented-out configuration line back into YAML.
func uncomment(doc []byte) []byte {
	lines := strings.Split(string(doc), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, modeline) {
			continue
		}
		if m := commentedKey.FindStringSubmatch(l); m != nil {
			lines[i] = m[1] + m[2]
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

func TestEveryTemplateLoads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		runtime, wantRuntime, wantHandler string
	}{
		{"nodejs", "nodejs22.x", "index.handler"},
		{"nodejs24.x", "nodejs24.x", "index.handler"},
		{"python", "python3.12", "app.handler"},
		{"python3.13", "python3.13", "app.handler"},
		{"go", "provided.al2023", "bootstrap"},
		{"java", "java21", "example.Handler::handleRequest"},
		{"java17", "java17", "example.Handler::handleRequest"},
		{"provided", "provided.al2023", "bootstrap"},
		{"Provided", "provided.al2023", "bootstrap"},
	}
	for _, tt := range tests {
		t.Run(tt.runtime, func(t *testing.T) {
			doc, err := LambYAML(tt.runtime, "orders-api")
			if err != nil {
				t.Fatal(err)
			}
			c, err := load(t, doc)
			if err != nil {
				t.Fatalf("the %s template does not load:\n%v\n%s", tt.runtime, err, doc)
			}
			fs, err := c.Lookup("orders-api")
			if err != nil {
				t.Fatal(err)
			}
			f := fs[0]
			if f.Runtime != tt.wantRuntime || f.Handler != tt.wantHandler || f.Memory == 0 || f.Timeout == 0 {
				t.Errorf("function = runtime %q handler %q memory %d timeout %d", f.Runtime, f.Handler, f.Memory, f.Timeout)
			}
			if f.Role != "" {
				t.Errorf("the template must leave the role to the user (commented), got %q", f.Role)
			}

			// Every commented-out section is a working example too.
			full := uncomment(doc)
			if bytes.Equal(full, doc) {
				t.Fatal("the template has no commented-out examples")
			}
			c, err = load(t, full)
			if err != nil {
				t.Fatalf("uncommented %s template does not load:\n%v\n%s", tt.runtime, err, full)
			}
			if len(c.Stages) != 1 || c.Stages[0] != "prod" {
				t.Errorf("uncommented template stages = %v, want [prod]", c.Stages)
			}
			if f := c.Functions[0]; f.Role == "" || f.Deploy.Alias != "live" || f.Deploy.S3.Bucket == "" {
				t.Errorf("uncommented example lost role/deploy settings: %+v", f)
			}
		})
	}
}

func TestTemplatesAreCommented(t *testing.T) {
	t.Parallel()
	for _, fam := range Families() {
		doc, err := LambYAML(fam.Name, "fn")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"lamb validate", "# deploy:", "# package:", "# stages:", "${env:NAME}", "role:"} {
			if !bytes.Contains(doc, []byte(want)) {
				t.Errorf("%s template lacks %q", fam.Name, want)
			}
		}
	}
}

// TestTemplatesNameTheSchema checks that every template starts with the
// modeline and that its URL names the committed schema file.
func TestTemplatesNameTheSchema(t *testing.T) {
	t.Parallel()
	const repo = "https://raw.githubusercontent.com/lambcli/lamb/main/"
	file, ok := strings.CutPrefix(config.SchemaURL, repo)
	if !ok {
		t.Fatalf("schema URL %s is not in %s", config.SchemaURL, repo)
	}
	if _, err := os.Stat(filepath.Join("..", filepath.FromSlash(file))); err != nil {
		t.Errorf("the schema URL names %s, which is not in the repository: %v", file, err)
	}
	for _, fam := range Families() {
		doc, err := LambYAML(fam.Name, "fn")
		if err != nil {
			t.Fatal(err)
		}
		if first, _, _ := strings.Cut(string(doc), "\n"); first != modeline+config.SchemaURL {
			t.Errorf("%s template starts with %q, want the schema modeline", fam.Name, first)
		}
	}
}

func TestLambYAMLRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct{ runtime, name, want string }{
		{"ruby", "fn", `unknown runtime "ruby": use one of nodejs, python, go, java, provided`},
		{"nodejs", "my fn", `function name "my fn" is not usable`},
		{"nodejs", "", `function name "" is not usable`},
		{"nodejs", "a:b", `function name "a:b" is not usable`},
	}
	for _, tt := range tests {
		if _, err := LambYAML(tt.runtime, tt.name); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LambYAML(%q, %q) error = %v, want %q", tt.runtime, tt.name, err, tt.want)
		}
	}
}

func TestLambignoreKeepsDependencies(t *testing.T) {
	t.Parallel()
	ig := string(Lambignore())
	for _, want := range []string{"__pycache__/", "/tests/", ".DS_Store"} {
		if !strings.Contains(ig, want) {
			t.Errorf(".lambignore lacks %q", want)
		}
	}
	for _, line := range strings.Split(ig, "\n") {
		if strings.Contains(line, "node_modules") || line == "*.md" || line == "test/" {
			t.Errorf(".lambignore line %q would drop files that dependencies need", line)
		}
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		files        []string
		want, marker string
	}{
		{[]string{"package.json"}, "nodejs", "package.json"},
		{[]string{"requirements.txt"}, "python", "requirements.txt"},
		{[]string{"pyproject.toml", "package.json"}, "python", "pyproject.toml"},
		{[]string{"go.mod", "package.json"}, "go", "go.mod"},
		{[]string{"pom.xml"}, "java", "pom.xml"},
		{[]string{"build.gradle"}, "java", "build.gradle"},
		{[]string{"bootstrap"}, "provided", "bootstrap"},
		{[]string{"README.md"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.files, "+"), func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			fam, marker, ok := Detect(dir)
			if fam != tt.want || marker != tt.marker || ok != (tt.want != "") {
				t.Errorf("Detect = %q, %q, %v; want %q, %q", fam, marker, ok, tt.want, tt.marker)
			}
		})
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "go.mod"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := Detect(dir); ok {
		t.Error("a folder named go.mod must not count as a Go project")
	}
}

func TestNameFromDir(t *testing.T) {
	t.Parallel()
	for dir, want := range map[string]string{
		"/src/orders-api":                 "orders-api",
		"/src/My App":                     "my-app",
		"/src/ÜberService":                "berservice",
		"/":                               "app",
		"/src/...":                        "app",
		"/src/" + strings.Repeat("x", 80): strings.Repeat("x", 64),
	} {
		if got := NameFromDir(dir); got != want {
			t.Errorf("NameFromDir(%q) = %q, want %q", dir, got, want)
		}
	}
}

// TestRenderedTemplates pins what lamb init writes, one golden file per family.
func TestRenderedTemplates(t *testing.T) {
	t.Parallel()
	for _, fam := range Families() {
		t.Run(fam.Name, func(t *testing.T) {
			got, err := LambYAML(fam.Name, "orders-api")
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, fam.Name+".lamb.yaml", got)
		})
	}
}
