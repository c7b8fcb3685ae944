// Package templates holds what `lamb init` writes: a commented lamb.yaml per
// runtime family and a .lambignore, plus the detection of a project's
// family from the files in its folder. Writing the files and asking the
// user are left to the command.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/lambcli/lamb/pkg/config"
)

//go:embed files/*.yaml.tmpl
var files embed.FS

//go:embed files/lambignore
var lambignore []byte

//go:embed files/codedeploy-hook.mjs
var codeDeployHook []byte

// Family is a group of Lambda runtimes that share a lamb.yaml template.
type Family struct {
	// Name is what --runtime accepts: nodejs, python, go, java, provided.
	Name string
	// Runtime is the Lambda runtime the template uses by default.
	Runtime string
	// prefix recognises the family's concrete runtime identifiers.
	prefix string
}

// families lists the templates; Runtime is the current recommended runtime.
var families = []Family{
	{Name: "nodejs", Runtime: "nodejs22.x", prefix: "nodejs"},
	{Name: "python", Runtime: "python3.12", prefix: "python"},
	{Name: "go", Runtime: "provided.al2023"},
	{Name: "java", Runtime: "java21", prefix: "java"},
	{Name: "provided", Runtime: "provided.al2023", prefix: "provided"},
}

// Families returns the runtime families lamb init can write, in a stable order.
func Families() []Family {
	out := make([]Family, len(families))
	copy(out, families)
	return out
}

// FamilyNames returns the accepted --runtime family names.
func FamilyNames() []string {
	names := make([]string, len(families))
	for i, f := range families {
		names[i] = f.Name
	}
	return names
}

// Resolve maps a family name (nodejs) or a concrete runtime identifier
// (nodejs24.x, python3.13, java17, provided.al2023) to its family and the
// runtime to write.
func Resolve(runtime string) (Family, error) {
	r := strings.TrimSpace(runtime)
	for _, f := range families {
		if strings.EqualFold(r, f.Name) {
			return f, nil
		}
	}
	for _, f := range families {
		if f.prefix != "" && strings.HasPrefix(r, f.prefix) && len(r) > len(f.prefix) {
			f.Runtime = r
			return f, nil
		}
	}
	return Family{}, fmt.Errorf("unknown runtime %q: use one of %s, or a Lambda runtime such as nodejs22.x or python3.12", runtime, strings.Join(FamilyNames(), ", "))
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// LambYAML renders the lamb.yaml template for runtime (a family name or a
// runtime identifier) with one function keyed name.
func LambYAML(runtime, name string) ([]byte, error) {
	fam, err := Resolve(runtime)
	if err != nil {
		return nil, err
	}
	if !validName.MatchString(name) {
		return nil, fmt.Errorf("function name %q is not usable: use 1-64 letters, digits, '-' or '_', starting with a letter or digit", name)
	}
	src, err := files.ReadFile("files/" + fam.Name + ".yaml.tmpl")
	if err != nil {
		return nil, fmt.Errorf("read the %s template: %w", fam.Name, err)
	}
	tmpl, err := template.New(fam.Name).Option("missingkey=error").Funcs(template.FuncMap{"col": column}).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("parse the %s template: %w", fam.Name, err)
	}
	var buf bytes.Buffer
	// Schema lets editors with YAML language support complete and check the file.
	data := struct{ Name, Runtime, Schema string }{Name: name, Runtime: fam.Runtime, Schema: config.SchemaURL}
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render the %s template: %w", fam.Name, err)
	}
	return buf.Bytes(), nil
}

// column pads s with spaces to width, keeping at least one, so the
// comments after a user-chosen name stay aligned.
func column(width int, s string) string {
	return s + strings.Repeat(" ", max(1, width-len(s)))
}

// Lambignore returns the .lambignore lamb init writes next to lamb.yaml.
func Lambignore() []byte {
	return bytes.Clone(lambignore)
}

// CodeDeployHook returns an example lifecycle hook in Node.js that reports
// its status to CodeDeploy (and answers lamb's direct engine too).
func CodeDeployHook() []byte {
	return bytes.Clone(codeDeployHook)
}

// markers are the files that identify a family, most specific first: a
// package.json is common as tooling in projects of other languages, so it
// comes last.
var markers = []struct{ file, family string }{
	{"go.mod", "go"},
	{"pom.xml", "java"},
	{"build.gradle", "java"},
	{"build.gradle.kts", "java"},
	{"pyproject.toml", "python"},
	{"requirements.txt", "python"},
	{"Pipfile", "python"},
	{"setup.py", "python"},
	{"package.json", "nodejs"},
	{"bootstrap", "provided"},
}

// Detect guesses the runtime family of the project in dir from its marker
// files and returns the family and the file that decided it; ok is false
// when nothing is recognised.
func Detect(dir string) (family, evidence string, ok bool) {
	for _, m := range markers {
		if fi, err := os.Stat(filepath.Join(dir, m.file)); err == nil && !fi.IsDir() {
			return m.family, m.file, true
		}
	}
	return "", "", false
}

var nameJunk = regexp.MustCompile(`[^a-z0-9_-]+`)

// NameFromDir proposes a function key from a folder name ("My App" →
// "my-app"), falling back to "app".
func NameFromDir(dir string) string {
	name := nameJunk.ReplaceAllString(strings.ToLower(filepath.Base(filepath.Clean(dir))), "-")
	name = strings.Trim(name, "-_")
	if len(name) > 64 {
		name = strings.Trim(name[:64], "-_")
	}
	if !validName.MatchString(name) {
		return "app"
	}
	return name
}
