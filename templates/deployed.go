package templates

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// FromDeployed renders a lamb.yaml with one function, keyed key, holding
// the settings of the deployed function d describes, so that `lamb plan`
// finds no configuration change once the environment variables it names
// are set. Environment values are never written: each variable reads its
// value from the variable of the same name, as ${env:NAME}. The code cannot
// be recovered from a deployed zip in general, so source is "." and a
// comment says to point it (and the handler) at the code.
func FromDeployed(key string, d deploy.Description) ([]byte, error) {
	if !validName.MatchString(key) {
		return nil, fmt.Errorf("function key %q is not usable: use 1-64 letters, digits, '-' or '_', starting with a letter or digit", key)
	}
	s := d.Settings
	fn := &mapping{}
	fn.str("name", s.Name, "")
	fn.str("source", ".", "the code is not copied from AWS: point source at the function's folder")
	fn.str("runtime", s.Runtime, "")
	fn.str("handler", s.Handler, "must name the handler in the code under source")
	if managed := deploy.RoleName(s.Name); strings.HasSuffix(s.Role, ":role/"+managed) {
		// Left out, lamb keeps managing the role it made for the function.
		fn.comment("role: left out: lamb made and manages " + managed + " for this function")
	} else {
		fn.optional("role", s.Role)
	}
	fn.str("architecture", s.Architecture, "")
	fn.num("memory", s.Memory, "MB")
	fn.num("timeout", s.Timeout, "seconds")
	fn.num("ephemeralStorage", s.EphemeralStorage, "MB of /tmp")
	fn.optional("description", s.Description)
	if len(d.EnvironmentNames) > 0 {
		vars := &mapping{}
		for _, name := range d.EnvironmentNames {
			// Written as it is, not escaped: this is the reference.
			vars.add(name, scalar("${env:"+name+"}"), "")
		}
		env := &mapping{}
		env.add("vars", vars.node(), "")
		fn.comment("The values are not copied: each reads the variable of the same name from the\n" +
			"environment where lamb runs, so this file holds no secret. Set them first.")
		fn.add("environment", env.node(), "")
	}
	fn.optional("kmsKeyArn", s.KMSKeyArn)
	if s.Tracing == "Active" {
		fn.str("tracing", s.Tracing, "")
	}
	fn.optional("deadLetter", s.DeadLetter)
	if len(s.Layers) > 0 {
		fn.add("layers", sequence(s.Layers), "")
	}
	if len(s.SubnetIDs) > 0 || len(s.SecurityGroupIDs) > 0 {
		vpc := &mapping{}
		vpc.add("subnetIds", sequence(s.SubnetIDs), "")
		vpc.add("securityGroupIds", sequence(s.SecurityGroupIDs), "")
		fn.add("vpc", vpc.node(), "")
	}
	if len(s.Tags) > 0 {
		tags := &mapping{}
		for _, k := range slices.Sorted(maps.Keys(s.Tags)) {
			tags.str(k, s.Tags[k], "")
		}
		fn.add("tags", tags.node(), "")
	}
	if len(d.Aliases) == 1 {
		dep := &mapping{}
		dep.str("alias", d.Aliases[0], "the function's only alias")
		fn.add("deploy", dep.node(), "")
	}

	fns := &mapping{}
	fns.add(key, fn.node(), "")
	root := &mapping{}
	root.add("functions", fns.node(), "")
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root.node()}}

	var buf bytes.Buffer
	// Schema lets editors with YAML language support complete and check the file.
	fmt.Fprintf(&buf, "# yaml-language-server: $schema=%s\n", config.SchemaURL)
	fmt.Fprintf(&buf, `# lamb.yaml written by lamb init --from %s from the settings the function
# has in AWS. 'lamb plan' shows what a deploy would change: nothing in its
# configuration while the environment variables below are set.
#
# The code is not in it: source and handler must point at the function's code
# before 'lamb deploy', which uploads whatever source holds.

`, s.Name)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("render lamb.yaml of %s: %w", s.Name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render lamb.yaml of %s: %w", s.Name, err)
	}
	return buf.Bytes(), nil
}

// mapping builds a YAML mapping in insertion order.
type mapping struct {
	content []*yaml.Node
	// note is a comment for the next key.
	note string
}

// add appends key: value and returns the key's node.
func (m *mapping) add(key string, value *yaml.Node, comment string) *yaml.Node {
	k := scalar(key)
	k.HeadComment, m.note = m.note, ""
	value.LineComment = comment
	m.content = append(m.content, k, value)
	return k
}

// comment puts a comment line before the next key.
func (m *mapping) comment(text string) {
	if m.note != "" {
		text = m.note + "\n" + text
	}
	m.note = text
}

// str adds a string; a literal ${env: in it is escaped so that loading the
// file gives back the same text.
func (m *mapping) str(key, value, comment string) {
	m.add(key, scalar(strings.ReplaceAll(value, "${env:", "$${env:")), comment)
}

func (m *mapping) optional(key, value string) {
	if value != "" {
		m.str(key, value, "")
	}
}

func (m *mapping) num(key string, value int32, comment string) {
	m.add(key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(int(value))}, comment)
}

func (m *mapping) node() *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: m.content}
}

func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func sequence(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, scalar(strings.ReplaceAll(s, "${env:", "$${env:")))
	}
	return n
}
