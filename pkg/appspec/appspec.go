// Package appspec models the CodeDeploy AppSpec of a Lambda deployment
// (version 0.0: one AWS::Lambda::Function resource and the
// BeforeAllowTraffic and AfterAllowTraffic hooks) and the traffic-shift
// strategies that go with it. It renders AppSpecs as YAML or JSON in the
// layout of CodeDeploy's documentation, parses the ones users write with
// problems located by line and column, and turns a strategy into the alias
// weights to apply or the CodeDeploy deployment configuration to use.
// Applying them to AWS is left to pkg/deploy.
package appspec

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Version is the only AppSpec version CodeDeploy accepts.
const Version = "0.0"

// FunctionType is the resource type of a Lambda AppSpec.
const FunctionType = "AWS::Lambda::Function"

// Hook names of a Lambda deployment, in the order they run.
const (
	BeforeAllowTraffic = "BeforeAllowTraffic"
	AfterAllowTraffic  = "AfterAllowTraffic"
)

// AppSpec is a Lambda AppSpec: move Alias of function Name from
// CurrentVersion to TargetVersion, running the hooks around the shift.
type AppSpec struct {
	// Resource is the logical name that keys the resource in the file;
	// empty means the function's name.
	Resource       string
	Name           string
	Alias          string
	CurrentVersion string
	TargetVersion  string
	Hooks          Hooks
}

// Hooks name the Lambda functions CodeDeploy (or lamb) invokes before and
// after traffic moves; empty means no hook.
type Hooks struct {
	BeforeAllowTraffic string
	AfterAllowTraffic  string
}

// ResourceName is the logical name the resource is keyed by: Resource, or
// the function's name taken from Name (which may be an ARN).
func (a AppSpec) ResourceName() string {
	if a.Resource != "" {
		return a.Resource
	}
	// arn:aws:lambda:region:account:function:name[:qualifier]
	if parts := strings.Split(a.Name, ":"); len(parts) >= 7 && parts[0] == "arn" {
		return parts[6]
	}
	return a.Name
}

// Problem is one thing wrong with an AppSpec. Line and Column are 0 for an
// AppSpec built in code rather than parsed.
type Problem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// String renders file:line:column: path: message, leaving out what is unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File + ":")
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", p.Line, p.Column)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError carries every problem found in an AppSpec, so all of them
// can be fixed in one pass.
type ValidationError struct {
	Problems []Problem
}

// Error prints one problem per line, in file order.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func validationError(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &ValidationError{Problems: problems}
}

var (
	versionNumber = regexp.MustCompile(`^[1-9][0-9]*$`)
	aliasName     = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	allDigits     = regexp.MustCompile(`^[0-9]+$`)
)

// propertiesPath is where problems place the resource's properties.
func (a AppSpec) propertiesPath() string {
	if a.ResourceName() == "" {
		return "Resources[0].Properties"
	}
	return "Resources[0]." + a.ResourceName() + ".Properties"
}

// Validate checks what CodeDeploy checks when a deployment starts, so that
// a bad AppSpec fails before anything moves.
func (a AppSpec) Validate() error {
	return validationError(a.problems(nil))
}

// positions maps field paths to the nodes they were parsed from; nil for
// an AppSpec built in code.
type positions map[string]*yaml.Node

func (pos positions) problem(path, msg string) Problem {
	p := Problem{Path: path, Message: msg}
	if n := pos[path]; n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	return p
}

func (a AppSpec) problems(pos positions) []Problem {
	var ps []Problem
	add := func(field, msg string) { ps = append(ps, pos.problem(field, msg)) }
	props := a.propertiesPath()
	name, alias := props+".Name", props+".Alias"
	current, target := props+".CurrentVersion", props+".TargetVersion"
	switch {
	case a.Name == "":
		add(name, "missing: name the Lambda function to deploy")
	case strings.ContainsAny(a.Name, " \t\r\n"):
		add(name, fmt.Sprintf("%q is not a function name or ARN: remove the spaces", a.Name))
	}
	switch {
	case a.Alias == "":
		add(alias, "missing: name the alias whose traffic moves, such as live")
	case a.Alias == "$LATEST":
		add(alias, "$LATEST is a version, not an alias: name the alias whose traffic moves, such as live")
	case !aliasName.MatchString(a.Alias) || allDigits.MatchString(a.Alias):
		add(alias, fmt.Sprintf("%q is not an alias name: use 1 to 128 letters, digits, - and _, not only digits", a.Alias))
	}
	checkVersion := func(field, v, which string) {
		switch {
		case v == "":
			add(field, fmt.Sprintf("missing: give the %s version number, such as \"3\"", which))
		case strings.EqualFold(v, "$LATEST"):
			add(field, "$LATEST cannot take part in a traffic shift: publish a version and give its number")
		case !versionNumber.MatchString(v):
			add(field, fmt.Sprintf("%q is not a published version number: give a number such as \"3\"", v))
		}
	}
	checkVersion(current, a.CurrentVersion, "current (the alias's)")
	checkVersion(target, a.TargetVersion, "target")
	if a.CurrentVersion != "" && a.CurrentVersion == a.TargetVersion {
		add(target, fmt.Sprintf("equals CurrentVersion %s: there is no traffic to move; give the new version", a.CurrentVersion))
	}
	return ps
}

// YAML renders the AppSpec in the layout of CodeDeploy's documentation.
// The output depends only on the AppSpec, so its SHA-256 is stable.
func (a AppSpec) YAML() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	str := func(v string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Style: yaml.DoubleQuotedStyle}
	}
	plain := func(v string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	}
	mapping := func(kv ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: kv}
	}
	seq := func(items ...*yaml.Node) *yaml.Node {
		return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
	}
	props := mapping(
		plain("Name"), str(a.Name),
		plain("Alias"), str(a.Alias),
		plain("CurrentVersion"), str(a.CurrentVersion),
		plain("TargetVersion"), str(a.TargetVersion),
	)
	root := mapping(
		plain("version"), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: Version},
		plain("Resources"), seq(mapping(plain(a.ResourceName()), mapping(
			plain("Type"), plain(FunctionType),
			plain("Properties"), props,
		))),
	)
	if hooks := a.Hooks.list(); len(hooks) > 0 {
		items := make([]*yaml.Node, len(hooks))
		for i, h := range hooks {
			items[i] = mapping(plain(h[0]), str(h[1]))
		}
		root.Content = append(root.Content, plain("Hooks"), seq(items...))
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("render appspec as YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render appspec as YAML: %w", err)
	}
	return buf.Bytes(), nil
}

// list returns the hooks that are set, as name/function pairs in the order
// they run.
func (h Hooks) list() [][2]string {
	var out [][2]string
	if h.BeforeAllowTraffic != "" {
		out = append(out, [2]string{BeforeAllowTraffic, h.BeforeAllowTraffic})
	}
	if h.AfterAllowTraffic != "" {
		out = append(out, [2]string{AfterAllowTraffic, h.AfterAllowTraffic})
	}
	return out
}

// JSON renders the AppSpec as the JSON form in CodeDeploy's documentation.
func (a AppSpec) JSON() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	type properties struct {
		Name           string
		Alias          string
		CurrentVersion string
		TargetVersion  string
	}
	type resource struct {
		Type       string
		Properties properties
	}
	doc := struct {
		Version   json.Number           `json:"version"`
		Resources []map[string]resource `json:"Resources"`
		Hooks     []map[string]string   `json:"Hooks,omitempty"`
	}{
		Version: Version,
		Resources: []map[string]resource{{a.ResourceName(): {Type: FunctionType, Properties: properties{
			Name: a.Name, Alias: a.Alias, CurrentVersion: a.CurrentVersion, TargetVersion: a.TargetVersion,
		}}}},
	}
	for _, h := range a.Hooks.list() {
		doc.Hooks = append(doc.Hooks, map[string]string{h[0]: h[1]})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("render appspec as JSON: %w", err)
	}
	return buf.Bytes(), nil
}

// Sha256 returns the hex SHA-256 of the YAML rendering, the content lamb
// sends to CodeDeploy as AppSpecContent.
func (a AppSpec) Sha256() (string, error) {
	content, err := a.YAML()
	if err != nil {
		return "", err
	}
	return ContentSha256(content), nil
}

// ContentSha256 is CodeDeploy's AppSpecContent sha256: the hex SHA-256 of
// the content exactly as sent.
func ContentSha256(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}
