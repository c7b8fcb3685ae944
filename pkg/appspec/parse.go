package appspec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// otherHooks are the hooks of EC2/on-premises and ECS deployments, which a
// Lambda AppSpec cannot use.
var otherHooks = []string{
	"ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
	"ApplicationStart", "ValidateService", "BeforeBlockTraffic", "BlockTraffic",
	"AfterBlockTraffic", "AllowTraffic", "AfterAllowTestTraffic",
}

const hooksPath = "Hooks"

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads an AppSpec written in YAML or JSON. Every problem is reported
// at once, in a *ValidationError whose problems name the file, line, column
// and field.
func Parse(data []byte, file string) (AppSpec, error) {
	p := &parser{file: file, pos: positions{}, reported: map[string]bool{}}
	spec := p.parse(data)
	if p.propertiesRead {
		for _, pr := range spec.problems(p.pos) {
			if !p.reported[pr.Path] {
				pr.File = file
				p.problems = append(p.problems, pr)
			}
		}
	}
	if err := validationError(p.problems); err != nil {
		return AppSpec{}, err
	}
	return spec, nil
}

type parser struct {
	file     string
	problems []Problem
	// pos holds the node each field was read from, for the checks on the
	// values themselves; reported holds fields already found wrong, so a
	// value that is not a string is not also reported as missing.
	pos      positions
	reported map[string]bool
	// propertiesRead is set once the resource's properties were found, so
	// their values can be checked.
	propertiesRead bool
}

func (p *parser) add(n *yaml.Node, path, format string, args ...any) {
	pr := Problem{File: p.file, Line: 1, Column: 1, Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.problems = append(p.problems, pr)
	p.reported[path] = true
}

// missing reports a required key that is absent, unless a misspelling of
// it was reported already.
func (p *parser) missing(parent *yaml.Node, path, fix string) {
	if !p.reported[path] {
		p.add(parent, path, "missing: %s", fix)
	}
}

func (p *parser) parse(data []byte) AppSpec {
	var spec AppSpec
	if trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff"))); len(trimmed) > 0 && trimmed[0] == '{' {
		// JSON allows tabs between tokens, YAML does not; inside JSON
		// strings a tab must be escaped, so replacing them all is safe.
		data = bytes.ReplaceAll(data, []byte("\t"), []byte(" "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		p.syntaxProblem(err, data)
		return spec
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		p.add(&next, "", "a second YAML document starts here: an AppSpec is one document; remove the --- line and what follows")
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		p.add(nil, "", "the AppSpec is empty: start with version: 0.0, then Resources and Hooks")
		return spec
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.add(root, "", "an AppSpec is a mapping with version, Resources and Hooks")
		return spec
	}
	fields, _ := p.fields(root, "", []string{"version", "Resources", "Hooks"})
	if v, ok := fields["version"]; ok {
		if isNull(v) {
			p.add(v, "version", "empty: write version: 0.0")
		} else if v.Kind != yaml.ScalarNode || v.Value != Version {
			p.add(v, "version", "%s is not supported: Lambda AppSpecs use version: 0.0", describe(v))
		}
	} else {
		p.missing(root, "version", "add version: 0.0 at the top")
	}
	if r, ok := fields["Resources"]; ok {
		p.resources(r, &spec)
	} else {
		p.missing(root, "Resources", "add Resources with the AWS::Lambda::Function to deploy")
	}
	if h, ok := fields["Hooks"]; ok {
		p.hooks(h, &spec)
	}
	return spec
}

// syntaxProblem places a YAML syntax error. yaml.v3 tells only a line, and
// for some errors not the one at fault, so a tab in an indentation (the
// usual mistake in a hand-written file) is looked for first.
func (p *parser) syntaxProblem(err error, data []byte) {
	pr := Problem{File: p.file, Line: 1, Column: 1, Message: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	for i, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if col := strings.IndexByte(indent, '\t'); col >= 0 {
			pr.Line, pr.Column = i+1, col+1
			pr.Message = "invalid YAML: a tab indents this line: indent with spaces"
			p.problems = append(p.problems, pr)
			return
		}
	}
	if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
		pr.Line, _ = strconv.Atoi(m[1])
		pr.Message = "invalid YAML: " + m[2]
		if strings.HasPrefix(m[2], "did not find expected") {
			// The parser gives the 0-based line where the enclosing block
			// or flow collection starts.
			pr.Line++
			pr.Message += " (in the block or brackets that start on this line)"
		}
	}
	p.problems = append(p.problems, pr)
}

// fields reads a mapping into its values by key, reporting keys given twice
// and keys not in known (with the known key they most resemble). It also
// returns the key nodes, to place a problem about a value on its key.
func (p *parser) fields(m *yaml.Node, path string, known []string) (map[string]*yaml.Node, map[string]*yaml.Node) {
	keys, values := map[string]*yaml.Node{}, map[string]*yaml.Node{}
	var meant []string
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		kp := join(path, k.Value)
		if first, ok := keys[k.Value]; ok {
			p.add(k, kp, "given twice (first at line %d): keep one", first.Line)
			continue
		}
		keys[k.Value] = k
		if !slices.Contains(known, k.Value) {
			p.add(k, kp, "%s", unknownKey("key", k.Value, known))
			meant = append(meant, suggest(k.Value, known))
			continue
		}
		values[k.Value] = v
	}
	// A misspelt key is not also reported as the key it was meant to be.
	for _, s := range meant {
		if _, ok := values[s]; s != "" && !ok {
			p.reported[join(path, s)] = true
		}
	}
	return values, keys
}

// unknownKey explains an unknown key or hook (what) with the known one it
// most resembles.
func unknownKey(what, key string, known []string) string {
	s := suggest(key, known)
	switch {
	case s != "" && strings.EqualFold(s, key):
		return fmt.Sprintf("unknown %s: AppSpec keys are case-sensitive; write %s", what, s)
	case s != "":
		return fmt.Sprintf("unknown %s (did you mean %q?)", what, s)
	}
	return fmt.Sprintf("unknown %s: expected %s", what, orList(known))
}

func (p *parser) resources(r *yaml.Node, spec *AppSpec) {
	switch {
	case r.Kind == yaml.MappingNode:
		p.add(r, "Resources", "must be a list: write the resource as an item, - myFunction:, under Resources")
		return
	case r.Kind != yaml.SequenceNode || len(r.Content) == 0:
		p.add(r, "Resources", "needs one item: the AWS::Lambda::Function to deploy")
		return
	}
	if len(r.Content) > 1 {
		p.add(resolve(r.Content[1]), "Resources[1]", "a second resource: a Lambda AppSpec deploys one function (%d resources given); write one AppSpec per function", len(r.Content))
	}
	item := resolve(r.Content[0])
	if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
		p.add(item, "Resources[0]", "must be a mapping with one key, the resource's logical name, as in - myFunction:")
		return
	}
	key, body := resolve(item.Content[0]), resolve(item.Content[1])
	spec.Resource = key.Value
	path := "Resources[0]." + key.Value
	if key.Value == "" || key.Kind != yaml.ScalarNode {
		p.add(key, "Resources[0]", "the resource needs a logical name, as in - myFunction:")
		return
	}
	if body.Kind != yaml.MappingNode {
		p.add(body, path, "must be a mapping with Type and Properties")
		return
	}
	fields, bodyKeys := p.fields(body, path, []string{"Type", "Properties"})
	if t, ok := fields["Type"]; !ok {
		p.missing(key, path+".Type", "add Type: "+FunctionType)
	} else if t.Kind != yaml.ScalarNode || t.Value != FunctionType {
		p.add(t, path+".Type", "%s is not a Lambda function: lamb deploys Lambda functions; use Type: %s", describe(t), FunctionType)
	}
	props, ok := fields["Properties"]
	propsPath := path + ".Properties"
	if !ok {
		p.missing(key, propsPath, "add Properties with Name, Alias, CurrentVersion and TargetVersion")
		return
	}
	if props.Kind != yaml.MappingNode {
		p.add(props, propsPath, "must be a mapping with Name, Alias, CurrentVersion and TargetVersion")
		return
	}
	values, _ := p.fields(props, propsPath, []string{"Name", "Alias", "CurrentVersion", "TargetVersion"})
	for _, f := range []struct {
		name string
		dst  *string
	}{{"Name", &spec.Name}, {"Alias", &spec.Alias}, {"CurrentVersion", &spec.CurrentVersion}, {"TargetVersion", &spec.TargetVersion}} {
		fp := propsPath + "." + f.name
		v, ok := values[f.name]
		if !ok {
			p.pos[fp] = bodyKeys["Properties"]
			continue
		}
		p.pos[fp] = v
		*f.dst = p.scalar(v, fp)
	}
	p.propertiesRead = true
}

func (p *parser) hooks(h *yaml.Node, spec *AppSpec) {
	if isNull(h) {
		return
	}
	if h.Kind != yaml.SequenceNode {
		p.add(h, hooksPath, "must be a list of single-key maps, as in - BeforeAllowTraffic: my-check")
		return
	}
	seen := map[string]*yaml.Node{}
	for i, item := range h.Content {
		item = resolve(item)
		path := fmt.Sprintf("%s[%d]", hooksPath, i)
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			p.add(item, path, "each hook is a single-key map, as in - BeforeAllowTraffic: my-check")
			continue
		}
		k, v := resolve(item.Content[0]), resolve(item.Content[1])
		path += "." + k.Value
		var dst *string
		switch k.Value {
		case BeforeAllowTraffic:
			dst = &spec.Hooks.BeforeAllowTraffic
		case AfterAllowTraffic:
			dst = &spec.Hooks.AfterAllowTraffic
		default:
			if slices.Contains(otherHooks, k.Value) {
				p.add(k, path, "%s is not a Lambda hook: Lambda deployments run only BeforeAllowTraffic and AfterAllowTraffic", k.Value)
			} else {
				p.add(k, path, "%s", unknownKey("hook", k.Value, []string{BeforeAllowTraffic, AfterAllowTraffic}))
			}
			continue
		}
		if first, ok := seen[k.Value]; ok {
			p.add(k, path, "given twice (first at line %d): keep one", first.Line)
			continue
		}
		seen[k.Value] = k
		if *dst = p.scalar(v, path); *dst == "" && !p.reported[path] {
			p.add(v, path, "missing: name the Lambda function to invoke, or remove the hook")
		}
	}
}

// scalar returns a value written as a string or a number (versions are
// often left unquoted); null reads as "".
func (p *parser) scalar(v *yaml.Node, path string) string {
	switch {
	case isNull(v):
		return ""
	case v.Kind != yaml.ScalarNode:
		p.add(v, path, "must be a string, not a %s", kindName(v))
		return ""
	}
	return v.Value
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

// describe quotes a scalar for a message, or names what else it is.
func describe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return strconv.Quote(n.Value)
	}
	return "a " + kindName(n)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orList(values []string) string {
	if len(values) == 2 {
		return values[0] + " or " + values[1]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
