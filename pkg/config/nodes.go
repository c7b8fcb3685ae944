package config

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument parses YAML or JSON (JSON is YAML; tabs, which JSON allows
// between tokens and YAML does not, are turned into spaces first) and
// returns the root mapping with aliases and merge keys expanded.
func parseDocument(data []byte, file string) (*yaml.Node, []Problem) {
	if looksLikeJSON(data) {
		data = bytes.ReplaceAll(data, []byte("\t"), []byte(" "))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p := Problem{File: file, Line: 1, Column: 1, Message: "invalid YAML: " + err.Error()}
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
		return nil, []Problem{p}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}, nil
	}
	nz := &normalizer{}
	root := nz.normalize(doc.Content[0], 0)
	if nz.exceeded {
		return nil, []Problem{{File: file, Line: 1, Column: 1, Message: fmt.Sprintf("the document expands to more than %d values or nests deeper than 100 levels through aliases: simplify its anchors and aliases", maxNodes)}}
	}
	if isNull(root) {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1, Column: 1}, nil
	}
	return root, nil
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

type normalizer struct {
	nodes    int
	exceeded bool
}

// normalize returns a copy of n in which aliases are replaced by copies of
// their anchors and YAML merge keys (<<: *base) are applied, so every node
// in the result appears exactly once.
func (nz *normalizer) normalize(n *yaml.Node, depth int) *yaml.Node {
	if n == nil {
		return nil
	}
	nz.nodes++
	if depth > 100 || nz.nodes > maxNodes {
		nz.exceeded = true
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		c := nz.normalize(n.Alias, depth+1)
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
