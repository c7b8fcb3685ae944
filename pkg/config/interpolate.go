package config

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

const refOpen = "${env:"

// expand replaces every ${env:NAME} in s with the variable's value; $${env:
// stands for a literal ${env:. Unset variables are reported together.
func expand(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, refOpen) {
		return s, nil
	}
	var b strings.Builder
	var missing []string
	for {
		i := strings.Index(s, refOpen)
		if i < 0 {
			b.WriteString(s)
			break
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1])
			b.WriteString(refOpen)
			s = s[i+len(refOpen):]
			continue
		}
		b.WriteString(s[:i])
		rest := s[i+len(refOpen):]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return "", fmt.Errorf("unterminated %s...} reference: add the closing }", refOpen)
		}
		name := rest[:end]
		if !validEnvName(name) {
			return "", fmt.Errorf("invalid environment variable name %q in %s%s}", name, refOpen, name)
		}
		if val, ok := lookup(name); ok {
			b.WriteString(val)
		} else if !containsString(missing, name) {
			missing = append(missing, name)
		}
		s = rest[end+1:]
	}
	if len(missing) > 0 {
		return "", &unsetError{names: missing}
	}
	return b.String(), nil
}

// unsetError names the referenced variables that are not set; other
// errors from expand are mistakes in the reference itself.
type unsetError struct{ names []string }

func (e *unsetError) Error() string {
	if len(e.names) == 1 {
		return fmt.Sprintf("environment variable %s is not set (referenced as %s%s}): set it or change the value", e.names[0], refOpen, e.names[0])
	}
	return fmt.Sprintf("environment variables %s are not set: set them or change the value", strings.Join(e.names, ", "))
}

func validEnvName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// interpolate expands references in every scalar value of the tree (keys
// are left alone) and records each expanded value's text as written in
// expanded. A value that was written unquoted is re-typed from its new
// text, so `memory: ${env:MEMORY}` becomes an integer. Only unset
// variables are reported: the first pass has reported malformed references.
func (v *validator) interpolate(n *yaml.Node, path string, lookup func(string) (string, bool), expanded map[*yaml.Node]string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			v.interpolate(n.Content[i+1], join(path, n.Content[i].Value), lookup, expanded)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			v.interpolate(item, fmt.Sprintf("%s[%d]", path, i), lookup, expanded)
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, refOpen) {
			return
		}
		out, err := expand(n.Value, lookup)
		var unset *unsetError
		if errors.As(err, &unset) {
			v.add(n, path, "%s", err)
		}
		if err != nil {
			return
		}
		expanded[n] = n.Value
		n.Value = out
		if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			n.Tag = ""
		} else if strings.TrimSpace(out) != "" {
			// A quoted whole-value reference still means a number when it
			// reads as one (JSON files must quote every reference).
			probe := &yaml.Node{Kind: yaml.ScalarNode, Value: out}
			if t := probe.ShortTag(); t == "!!int" || t == "!!float" || t == "!!bool" {
				n.Tag, n.Style = "", 0
			}
		}
	}
}
