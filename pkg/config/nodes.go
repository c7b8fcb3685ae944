package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

var (
	yamlErrLine       = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlUnknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// parseDocument parses YAML or JSON (JSON is YAML; tabs, which JSON allows
// between tokens and YAML does not, are turned into spaces first) and
// returns the root mapping with aliases and merge keys expanded. The root
// is nil when the file is not a document at all; problems that still leave
// one (a tag, a second document) come with it, to be reported with the rest.
func parseDocument(data []byte, file string) (*yaml.Node, []Problem) {
	if p := encodingProblem(data, file); p != nil {
		return nil, []Problem{*p}
	}
	if looksLikeJSON(data) {
		data = bytes.ReplaceAll(data, []byte("\t"), []byte(" "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, []Problem{yamlProblem(err, data, file)}
	}
	var problems []Problem
	var next yaml.Node
	if err := dec.Decode(&next); err != nil && !errors.Is(err, io.EOF) {
		problems = append(problems, yamlProblem(err, data, file))
	} else if err == nil && len(next.Content) > 0 && !isNull(next.Content[0]) {
		problems = append(problems, Problem{File: file, Line: next.Line, Column: next.Column,
			Message: "a second YAML document starts here, and lamb reads only one: remove the --- line and what follows, or merge it into the first document"})
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return emptyMapping(), problems
	}
	problems = append(problems, tagProblems(doc.Content[0], "", file)...)
	nz := &normalizer{}
	root := nz.normalize(doc.Content[0], 0)
	if nz.stop != nil {
		msg := fmt.Sprintf("the document expands to more than %d values through aliases: simplify its anchors and aliases", maxNodes)
		if nz.tooDeep {
			msg = fmt.Sprintf("values nest more than %d levels deep here: lamb.yaml needs only a few levels (check for an alias inside its own anchor)", maxDepth)
		}
		return nil, []Problem{{File: file, Line: max(nz.stop.Line, 1), Column: max(nz.stop.Column, 1), Message: msg}}
	}
	if isNull(root) {
		return emptyMapping(), problems
	}
	return root, problems
}

func emptyMapping() *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}
}

// yamlProblem locates a YAML syntax error. yaml.v3 gives positions only in
// its messages ("yaml: line 3: ..."), and none for an unknown alias.
func yamlProblem(err error, data []byte, file string) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: file, Line: 1, Column: 1, Message: "invalid YAML: " + msg}
	if m := yamlUnknownAnchor.FindStringSubmatch(err.Error()); m != nil {
		p.Message = fmt.Sprintf("invalid YAML: alias *%s refers to no anchor: define &%s before the alias", m[1], m[1])
		if at := aliasUse(data, m[1]); at >= 0 {
			p.Line, p.Column = position(data, at)
		}
		return p
	}
	if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = "invalid YAML: " + m[2]
		if strings.HasPrefix(m[2], "did not find expected") {
			// The parser (unlike the scanner) reports the 0-based line
			// where the enclosing block or flow collection starts; the
			// mistake is on the first line that no longer parses.
			start := p.Line + 1
			p.Line = firstBadLine(data, start)
			if p.Line != start {
				p.Message += fmt.Sprintf(" (in the block that starts on line %d)", start)
			}
		}
	}
	return p
}

// aliasUse returns the offset of the first *name that is an alias (at the
// start of a value, ended by a space, a flow indicator or the end), or -1.
func aliasUse(data []byte, name string) int {
	re := regexp.MustCompile(`(?:^|[\s\[{,:])(\*` + regexp.QuoteMeta(name) + `)(?:[\s\]},]|$)`)
	if m := re.FindSubmatchIndex(data); m != nil {
		return m[2]
	}
	return -1
}

// encodingProblem reports invalid UTF-8 and, in a .json file, JSON that
// does not parse, both at their line and column: yaml.v3 gives no position
// for the first and a YAML message for the second.
func encodingProblem(data []byte, file string) *Problem {
	utf16 := bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe})
	if !utf16 && !utf8.Valid(data) {
		at := 0
		for at < len(data) {
			r, size := utf8.DecodeRune(data[at:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			at += size
		}
		line, col := position(data, at)
		return &Problem{File: file, Line: line, Column: col, Message: fmt.Sprintf("invalid UTF-8 (byte 0x%02x): save the file as UTF-8 text", data[at])}
	}
	if !strings.EqualFold(filepath.Ext(file), ".json") || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	body := bytes.TrimPrefix(data, []byte("\ufeff"))
	var discard struct{}
	var se *json.SyntaxError
	if !errors.As(json.Unmarshal(body, &discard), &se) {
		return nil
	}
	// Offset counts the bytes read, the offending one included.
	at := len(data) - len(body) + max(int(se.Offset)-1, 0)
	line, col := position(data, at)
	msg := "invalid JSON: " + se.Error()
	if rest := data[at:]; bytes.HasPrefix(rest, []byte("//")) || bytes.HasPrefix(rest, []byte("/*")) {
		msg = "JSON does not allow comments: remove it (or write the configuration as YAML, which allows # comments)"
	}
	return &Problem{File: file, Line: line, Column: col, Message: msg}
}

// position turns a byte offset into a 1-based line and column (in
// characters), as yaml.v3 counts them.
func position(data []byte, offset int) (line, col int) {
	offset = min(offset, len(data))
	before := data[:offset]
	start := bytes.LastIndexByte(before, '\n') + 1
	return bytes.Count(before, []byte("\n")) + 1, utf8.RuneCount(before[start:]) + 1
}

// coreTags are the YAML tags a value may carry: they only say which plain
// type it is. Application tags (!Ref, !Sub) mean nothing to lamb.
var coreTags = map[string]bool{"!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true, "!!map": true, "!!seq": true}

// tagProblems reports every explicit tag other than the core ones and
// drops it, so the value is read as written and reported once.
func tagProblems(n *yaml.Node, path, file string) []Problem {
	var problems []Problem
	if n.Style&yaml.TaggedStyle != 0 && !coreTags[n.ShortTag()] {
		problems = append(problems, Problem{File: file, Line: n.Line, Column: n.Column, Path: path,
			Message: fmt.Sprintf("tag %s is not supported: lamb.yaml has no tags; write the value itself", n.Tag)})
		n.Tag, n.Style = "", n.Style&^yaml.TaggedStyle
	}
	for i, c := range n.Content {
		p := path
		switch {
		case n.Kind == yaml.MappingNode:
			p = join(path, n.Content[i-i%2].Value)
		case n.Kind == yaml.SequenceNode:
			p = fmt.Sprintf("%s[%d]", path, i)
		}
		problems = append(problems, tagProblems(c, p, file)...)
	}
	return problems
}

// firstBadLine returns the first line, from line from on, at which the
// document cut after that line fails to parse.
func firstBadLine(data []byte, from int) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	for l := max(from, 1); l <= len(lines) && l < from+2000; l++ {
		var n yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:l], nil), &n) != nil {
			return l
		}
	}
	return from
}

// looksLikeJSON chooses the JSON path by content: the first non-space
// byte opens an object.
func looksLikeJSON(data []byte) bool {
	data = bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(data) > 0 && data[0] == '{'
}

// maxNodes bounds the document after alias expansion, so a file of nested
// aliases (a "billion laughs") is refused instead of exhausting memory.
const maxNodes = 200_000

// maxDepth bounds nesting, which also stops an alias inside its own anchor.
const maxDepth = 100

type normalizer struct {
	nodes int
	// stop is where normalizing stopped: the node nested too deep
	// (tooDeep), or the outermost alias whose expansion passed maxNodes.
	stop    *yaml.Node
	tooDeep bool
}

// normalize returns a copy of n in which aliases are replaced by copies of
// their anchors and YAML merge keys (<<: *base) are applied, so every node
// in the result appears exactly once.
func (nz *normalizer) normalize(n *yaml.Node, depth int) *yaml.Node {
	if n == nil {
		return nil
	}
	nz.nodes++
	if nz.stop == nil && (depth > maxDepth || nz.nodes > maxNodes) {
		nz.stop, nz.tooDeep = n, depth > maxDepth
	}
	if nz.stop != nil {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		c := nz.normalize(n.Alias, depth+1)
		if nz.stop != nil && !nz.tooDeep {
			nz.stop = n
		}
		c.Line, c.Column = n.Line, n.Column
		return c
	}
	c := *n
	c.Anchor = ""
	c.Content = nil
	switch n.Kind {
	case yaml.MappingNode:
		var merged []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
				merged = append(merged, nz.mergeSources(v, depth)...)
				continue
			}
			c.Content = append(c.Content, nz.normalize(k, depth+1), nz.normalize(v, depth+1))
		}
		// Keys written in the mapping win over merged ones; earlier merge
		// sources win over later ones, as YAML specifies.
		for _, src := range merged {
			for i := 0; i+1 < len(src.Content); i += 2 {
				if lookup(&c, src.Content[i].Value) == nil {
					c.Content = append(c.Content, src.Content[i], src.Content[i+1])
				}
			}
		}
	case yaml.SequenceNode, yaml.DocumentNode:
		for _, item := range n.Content {
			c.Content = append(c.Content, nz.normalize(item, depth+1))
		}
	}
	return &c
}

func (nz *normalizer) mergeSources(v *yaml.Node, depth int) []*yaml.Node {
	var out []*yaml.Node
	if v.Kind == yaml.SequenceNode {
		for _, item := range v.Content {
			if m := nz.normalize(item, depth+1); m.Kind == yaml.MappingNode {
				out = append(out, m)
			}
		}
		return out
	}
	if m := nz.normalize(v, depth+1); m.Kind == yaml.MappingNode {
		out = append(out, m)
	}
	return out
}

// lookup returns the value of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// overlay deep-merges over onto base: mappings merge key by key, anything
// else in over (lists, scalars, null) replaces base, except that an empty
// entry over a mapping leaves it as it is. Neither input is modified; leaf
// nodes are shared.
func overlay(base, over *yaml.Node) *yaml.Node {
	if over == nil {
		return base
	}
	if base != nil && base.Kind == yaml.MappingNode && isNull(over) {
		// An empty entry in an overlay (`api:` with nothing under it)
		// changes nothing rather than erasing the section.
		return base
	}
	if base == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	out := *base
	out.Content = nil
	for i := 0; i+1 < len(base.Content); i += 2 {
		k, v := base.Content[i], base.Content[i+1]
		if ov := lookup(over, k.Value); ov != nil {
			v = overlay(v, ov)
		}
		out.Content = append(out.Content, k, v)
	}
	for i := 0; i+1 < len(over.Content); i += 2 {
		if lookup(base, over.Content[i].Value) == nil {
			out.Content = append(out.Content, over.Content[i], over.Content[i+1])
		}
	}
	return &out
}

// without returns a shallow copy of mapping n without key.
func without(n *yaml.Node, key string) *yaml.Node {
	out := *n
	out.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			out.Content = append(out.Content, n.Content[i], n.Content[i+1])
		}
	}
	return &out
}
