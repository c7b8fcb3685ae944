package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// validator walks a document against a schema and collects every problem.
type validator struct {
	file     string
	problems []Problem
	// deferEnv skips type checks of values that contain ${env:...}: they
	// are checked again after interpolation, for the selected stage only.
	deferEnv bool
	// paths records the key path of every value node visited, so problems
	// found after defaults are merged still name where the value was written.
	paths map[*yaml.Node]string
	// refsDone is set once references have been expanded: what remains
	// (from a $${env: escape) is literal text.
	refsDone bool
}

func (v *validator) add(n *yaml.Node, path, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	v.problems = append(v.problems, Problem{File: v.file, Line: line, Column: col, Path: path, Message: fmt.Sprintf(format, args...)})
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe renders a value for "got ..." in a message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.ShortTag() {
	case "!!str":
		return strconv.Quote(n.Value)
	case "!!null":
		return "nothing"
	}
	return n.Value
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// check validates n against s at path. A null value means "unset" and is
// always allowed.
func (v *validator) check(n *yaml.Node, s *schema, path string) {
	if n == nil {
		return
	}
	if v.paths != nil {
		v.paths[n] = path
	}
	if isNull(n) {
		return
	}
	switch s.kind {
	case kindString:
		if n.Kind != yaml.ScalarNode {
			v.add(n, path, "expected a string, got %s", describe(n))
			return
		}
		v.checkRefs(n, path)
	case kindEnum:
		if n.Kind != yaml.ScalarNode {
			v.add(n, path, "expected %s, got %s", orList(s.enum), describe(n))
			return
		}
		if v.deferred(n, path) {
			return
		}
		for _, e := range s.enum {
			if n.Value == e {
				return
			}
		}
		msg := fmt.Sprintf("expected %s, got %s", orList(s.enum), describe(n))
		if sug := suggestValue(n.Value, s.enum); sug != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", sug)
		}
		v.add(n, path, "%s", msg)
	case kindMB, kindCount, kindSeconds:
		if n.Kind == yaml.ScalarNode && v.deferred(n, path) {
			return
		}
		if _, err := number(n, s.kind); err != nil {
			v.add(n, path, "%s", err)
		}
	case kindBool:
		if n.Kind == yaml.ScalarNode && v.deferred(n, path) {
			return
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			v.add(n, path, "expected true or false, got %s", describe(n))
		}
	case kindStringList:
		if n.Kind != yaml.SequenceNode {
			v.add(n, path, "expected a list of strings, got %s", describe(n))
			return
		}
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if v.paths != nil {
				v.paths[item] = p
			}
			if item.Kind != yaml.ScalarNode || isNull(item) {
				v.add(item, p, "expected a string, got %s", describe(item))
				continue
			}
			v.checkRefs(item, p)
		}
	case kindStringMap:
		if !v.mapping(n, path, s) {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if v.paths != nil {
				v.paths[val] = p
			}
			if val.Kind != yaml.ScalarNode {
				v.add(val, p, "expected a string, got %s", describe(val))
				continue
			}
			v.checkRefs(val, p)
		}
	case kindStruct:
		if !v.mapping(n, path, s) {
			return
		}
		known := s.keys()
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			fs := s.field(k.Value)
			if fs == nil {
				msg := "unknown key"
				if sug := suggest(k.Value, known); sug != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", sug)
				} else {
					msg += " (expected one of " + strings.Join(known, ", ") + ")"
				}
				v.add(k, join(path, k.Value), "%s", msg)
				continue
			}
			v.check(val, fs, join(path, k.Value))
		}
	case kindMapOf:
		if !v.mapping(n, path, s) {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			v.check(n.Content[i+1], s.elem, join(path, n.Content[i].Value))
		}
	}
}

// mapping checks that n is a mapping with scalar, unique keys.
func (v *validator) mapping(n *yaml.Node, path string, s *schema) bool {
	if n.Kind != yaml.MappingNode {
		v.add(n, path, "expected %s, got %s", s.kind.expected(), describe(n))
		return false
	}
	seen := map[string]*yaml.Node{}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			v.add(k, path, "expected a name as key, got %s", describe(k))
			ok = false
			continue
		}
		if first, dup := seen[k.Value]; dup {
			v.add(k, join(path, k.Value), "duplicate key (first set at line %d)", first.Line)
			ok = false
			continue
		}
		seen[k.Value] = k
	}
	return ok
}

// deferred reports whether n's type check waits for interpolation; it
// still checks the reference syntax.
func (v *validator) deferred(n *yaml.Node, path string) bool {
	if v.refsDone || !strings.Contains(n.Value, "${env:") {
		return false
	}
	v.checkRefs(n, path)
	return v.deferEnv
}

// checkRefs reports malformed ${env:...} references.
func (v *validator) checkRefs(n *yaml.Node, path string) {
	if v.refsDone {
		return
	}
	if _, err := expand(n.Value, func(string) (string, bool) { return "", true }); err != nil {
		v.add(n, path, "%s", err)
	}
}

// number reads an MB, count or seconds value.
func number(n *yaml.Node, k kind) (int, error) {
	bad := func() (int, error) {
		return 0, fmt.Errorf("expected %s, got %s", k.expected(), describe(n))
	}
	if n.Kind != yaml.ScalarNode {
		return bad()
	}
	switch n.ShortTag() {
	case "!!int":
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil || i < 0 || i > math.MaxInt32 {
			if err == nil && i < 0 {
				return 0, fmt.Errorf("expected %s, got %s (negative)", k.expected(), n.Value)
			}
			return bad()
		}
		return int(i), nil
	case "!!float":
		f, err := strconv.ParseFloat(n.Value, 64)
		if err == nil && f == math.Trunc(f) && f >= 0 && f <= math.MaxInt32 {
			return int(f), nil
		}
		return bad()
	case "!!str":
		if k != kindSeconds {
			return bad()
		}
		d, err := time.ParseDuration(n.Value)
		if err != nil {
			return bad()
		}
		if d < 0 {
			return 0, fmt.Errorf("expected %s, got %s (negative)", k.expected(), strconv.Quote(n.Value))
		}
		if d%time.Second != 0 {
			return 0, fmt.Errorf("expected a whole number of seconds, got %s", strconv.Quote(n.Value))
		}
		return int(d / time.Second), nil
	}
	return bad()
}

// valueSynonyms are other tools' names for lamb's enumeration values.
var valueSynonyms = map[string]string{
	"amd64": "x86_64", "x64": "x86_64", "x86-64": "x86_64", "x86": "x86_64",
	"aarch64": "arm64", "arm": "arm64", "graviton": "arm64",
	"iam": "AWS_IAM", "aws-iam": "AWS_IAM", "public": "NONE",
}

// suggestValue suggests an enumeration value for a misspelt or foreign one.
func suggestValue(value string, enum []string) string {
	if s, ok := valueSynonyms[strings.ToLower(value)]; ok && slices.Contains(enum, s) {
		return s
	}
	return suggest(value, enum)
}

func orList(values []string) string {
	if len(values) == 2 {
		return values[0] + " or " + values[1]
	}
	return "one of " + strings.Join(values, ", ")
}
