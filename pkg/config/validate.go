package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lambcli/lamb/internal/suggest"
	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
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
	// waiting collects, with deferEnv, the values whose check waits for
	// interpolation.
	waiting map[*yaml.Node]bool
	// only, when set, limits the problems to these values (the ones
	// checked again after interpolation) and holds each one's text as
	// written, which problems show instead of the value: that came from
	// the environment and may be a secret.
	only map[*yaml.Node]string
}

func (v *validator) add(n *yaml.Node, path, format string, args ...any) {
	if _, ok := v.only[n]; v.only != nil && !ok {
		return
	}
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

// mismatch reports that n is not the expected kind of value. A value that
// came from ${env:...} is named by its references, never shown.
func (v *validator) mismatch(n *yaml.Node, path, expected, hint string) {
	if raw, ok := v.only[n]; ok {
		v.add(n, path, "%s is not %s", raw, expected)
		return
	}
	v.add(n, path, "expected %s, got %s%s", expected, describe(n), hint)
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
			v.mismatch(n, path, "a string", "")
			return
		}
		switch {
		case s.strategy:
			if !v.deferred(n, path) {
				v.checkStrategy(n, path)
			}
		case s.runtime:
			if !v.deferred(n, path) {
				v.checkRuntime(n, path)
			}
		default:
			v.checkRefs(n, path)
		}
	case kindEnum:
		if n.Kind != yaml.ScalarNode {
			v.mismatch(n, path, suggest.OrList(s.enum), "")
			return
		}
		if v.deferred(n, path) || slices.Contains(s.enum, n.Value) {
			return
		}
		hint := ""
		if sug := suggestValue(n.Value, s.enum); sug != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", sug)
		}
		v.mismatch(n, path, suggest.OrList(s.enum), hint)
	case kindMB, kindCount, kindSeconds:
		if n.Kind == yaml.ScalarNode && v.deferred(n, path) {
			return
		}
		if s.unlimited && isUnlimited(n) {
			return
		}
		_, err := number(n, s.kind)
		switch {
		case errors.Is(err, errOutOfRange):
			v.outOfRange(n, path, s.kind)
		case errors.Is(err, errFraction):
			v.mismatch(n, path, "a whole number of seconds", "")
		case err != nil:
			v.mismatch(n, path, s.kind.expected(), "")
		}
	case kindPercent:
		if n.Kind == yaml.ScalarNode && v.deferred(n, path) {
			return
		}
		if _, err := percent(n); err != nil {
			v.mismatch(n, path, s.kind.expected(), "")
		}
	case kindBool:
		if n.Kind == yaml.ScalarNode && v.deferred(n, path) {
			return
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			v.mismatch(n, path, "true or false", "")
		}
	case kindStringList:
		if n.Kind != yaml.SequenceNode {
			v.mismatch(n, path, "a list of strings", "")
			return
		}
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if v.paths != nil {
				v.paths[item] = p
			}
			if item.Kind != yaml.ScalarNode || isNull(item) {
				v.mismatch(item, p, "a string", "")
				continue
			}
			if !s.patterns {
				v.checkRefs(item, p)
			} else if !v.deferred(item, p) {
				v.checkPattern(item, p)
			}
		}
	case kindList:
		if n.Kind != yaml.SequenceNode {
			v.mismatch(n, path, "a list", "")
			return
		}
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if isNull(item) || item.Kind != yaml.MappingNode {
				v.mismatch(item, p, "a mapping", "")
				continue
			}
			v.check(item, s.elem, p)
			switch set := setKeys(item); {
			case !s.oneKey || len(set) == 1:
			case len(set) == 0:
				v.add(item, p, "set one of %s here", strings.Join(s.elem.keys(), ", "))
			default:
				v.add(item, p, "set exactly one of %s here, got %d (%s): write one list item per source", strings.Join(s.elem.keys(), ", "), len(set), strings.Join(set, ", "))
			}
		}
	case kindJSONList:
		if n.Kind != yaml.SequenceNode {
			v.mismatch(n, path, "a list", "")
			return
		}
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if v.paths != nil {
				v.paths[item] = p
			}
			if item.Kind == yaml.ScalarNode && v.deferred(item, p) {
				continue
			}
			if _, err := filterPattern(item); err != nil {
				v.add(item, p, "%s", err)
			}
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
				v.mismatch(val, p, "a string", "")
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
				if sug := suggest.Closest(k.Value, known); sug != "" {
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

// setKeys lists the keys of mapping n whose values are not null.
func setKeys(n *yaml.Node) []string {
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !isNull(n.Content[i+1]) {
			keys = append(keys, n.Content[i].Value)
		}
	}
	return keys
}

// checkPattern reports a file pattern the packager would refuse.
func (v *validator) checkPattern(n *yaml.Node, path string) {
	err := packager.ValidatePattern(n.Value)
	if err == nil {
		return
	}
	if raw, ok := v.only[n]; ok {
		v.add(n, path, "%s is not a valid file pattern: check brackets and escapes", raw)
		return
	}
	v.add(n, path, "%s", err)
}

// checkStrategy reports a traffic-shift strategy pkg/appspec refuses, with
// its suggestion.
func (v *validator) checkStrategy(n *yaml.Node, path string) {
	_, err := appspec.ParseStrategy(n.Value)
	if err == nil {
		return
	}
	if raw, ok := v.only[n]; ok {
		v.add(n, path, "%s is not a strategy: write all-at-once, canary:P%%:D, linear:P%%:D or a CodeDeploy Lambda configuration name", raw)
		return
	}
	v.add(n, path, "%s", err)
}

// checkRuntime reports a runtime identifier that is not in pkg/limits'
// table, with the supported one it most likely meant. Retired and
// deprecated runtimes are known names: lamb check judges their dates.
func (v *validator) checkRuntime(n *yaml.Node, path string) {
	if _, ok := limits.LookupRuntime(n.Value); ok {
		return
	}
	supported := limits.SupportedRuntimes(time.Now())
	hint := ""
	if sug := suggest.Closest(n.Value, supported); sug != "" {
		hint = fmt.Sprintf("did you mean %q? ", sug)
	}
	name := strconv.Quote(n.Value)
	if raw, ok := v.only[n]; ok {
		name = raw
	}
	v.add(n, path, "%s is not a Lambda runtime (names are case-sensitive); %sLambda runs %s", name, hint, strings.Join(supported, ", "))
}

// percentSyntax is a percentage from 0% to below 100%, as lamb.yaml writes
// one; the JSON Schema states the same pattern.
var percentSyntax = regexp.MustCompile(`^([0-9]|[1-9][0-9])(\.[0-9]+)?%$`)

// percent reads a share: a percentage below 100% (1%, 0.5%), or a number
// from 0 to below 1 (0.01).
func percent(n *yaml.Node) (Percent, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, errNotNumber
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f >= 1 {
			return 0, errNotNumber
		}
		return Percent(f), nil
	case "!!str":
		if !percentSyntax.MatchString(n.Value) {
			return 0, errNotNumber
		}
		f, err := strconv.ParseFloat(strings.TrimSuffix(n.Value, "%"), 64)
		if err != nil {
			return 0, errNotNumber
		}
		return Percent(f / 100), nil
	}
	return 0, errNotNumber
}

// mapping checks that n is a mapping with scalar, unique keys.
func (v *validator) mapping(n *yaml.Node, path string, s *schema) bool {
	if n.Kind != yaml.MappingNode {
		v.mismatch(n, path, s.kind.expected(), "")
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
	if v.waiting != nil {
		v.waiting[n] = true
	}
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

// Why number refuses a value.
var (
	errNotNumber  = errors.New("not a number")
	errFraction   = errors.New("not a whole number of seconds")
	errOutOfRange = errors.New("out of range")
)

// number reads an MB, count or seconds value. A whole number below zero or
// beyond 2147483647 (which no field can use) is errOutOfRange.
func number(n *yaml.Node, k kind) (int, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, errNotNumber
	}
	switch n.ShortTag() {
	case "!!int":
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return 0, errOutOfRange
		case err != nil:
			return 0, errNotNumber
		case i < 0 || i > math.MaxInt32:
			return 0, errOutOfRange
		}
		return int(i), nil
	case "!!float":
		f, err := strconv.ParseFloat(n.Value, 64)
		switch {
		case errors.Is(err, strconv.ErrRange):
			return 0, errOutOfRange
		case err != nil || f != math.Trunc(f):
			return 0, errNotNumber
		case f < 0 || f > math.MaxInt32:
			return 0, errOutOfRange
		}
		return int(f), nil
	case "!!str":
		if k != kindSeconds {
			return 0, errNotNumber
		}
		d, err := time.ParseDuration(n.Value)
		switch {
		case err != nil:
			return 0, errNotNumber
		case d < 0 || d/time.Second > math.MaxInt32:
			return 0, errOutOfRange
		case d%time.Second != 0:
			return 0, errFraction
		}
		return int(d / time.Second), nil
	}
	return 0, errNotNumber
}

// valueRange is the range Lambda accepts for a field.
type valueRange struct {
	min, max int
	unit     string
}

// lambdaRanges are the ranges of the fields with a fixed Lambda range; they
// name the limit when a value is out of what lamb.yaml can hold at all.
// Values inside that but outside these ranges are left to 'lamb check',
// which reads them from pkg/limits (a test keeps the two equal).
var lambdaRanges = map[string]valueRange{
	"memory":           {128, 10240, "MB"},
	"ephemeralStorage": {512, 10240, "MB"},
	"timeout":          {1, 900, "seconds"},
}

var kindUnits = map[kind]string{kindMB: "MB", kindSeconds: "seconds"}

// outOfRange reports a whole number that no field can hold, naming the
// field's Lambda range where it has one.
func (v *validator) outOfRange(n *yaml.Node, path string, k kind) {
	field := path[strings.LastIndexByte(path, '.')+1:]
	got := n.Value
	if n.ShortTag() == "!!str" {
		got = strconv.Quote(n.Value)
	}
	if raw, ok := v.only[n]; ok {
		got = raw
	}
	limit := fmt.Sprintf("%s must be from 0 to %d", field, math.MaxInt32)
	if r, ok := lambdaRanges[field]; ok {
		limit = fmt.Sprintf("%s must be %d–%d %s", field, r.min, r.max, r.unit)
	} else if unit := kindUnits[k]; unit != "" {
		limit += " " + unit
	}
	v.add(n, path, "%s is out of range: %s", got, limit)
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
	return suggest.Closest(value, enum)
}
