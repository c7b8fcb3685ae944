package config

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FieldPosition is where in lamb.yaml a function's field is written.
type FieldPosition struct {
	Line, Column int
	// Path is the key path found, e.g. functions.api.memory; a prefix of
	// the field's path, or the function's key, when the field itself is
	// not written (it comes from a default or from Lambda's).
	Path string
}

// LocateField finds where the field (as a check names it: "memory",
// "environment.TABLE", "deploy.alias") of the function with key fn is set
// in the lamb.yaml held in data: in the stage's overlay of the function,
// in the function, in the stage's defaults, in the defaults, whichever is
// met first; else at the function's key. ok is false when data does not
// parse or the function is not in it.
func LocateField(data []byte, stage, fn, field string) (FieldPosition, bool) {
	root, _ := parseDocument(data, "")
	if root == nil {
		return FieldPosition{}, false
	}
	segments := strings.Split(field, ".")
	var places [][]string
	if stage != "" {
		places = append(places, []string{"stages", stage, "functions", fn})
	}
	places = append(places, []string{"functions", fn})
	if stage != "" {
		places = append(places, []string{"stages", stage, "defaults"})
	}
	places = append(places, []string{"defaults"})
	if field != "" {
		for _, place := range places {
			if pos, ok := locate(root, slices.Concat(place, segments), len(place)+1); ok {
				return pos, true
			}
		}
	}
	return locate(root, []string{"functions", fn}, 2)
}

// locate walks keys down from n and returns the position of the deepest
// key found, when at least need keys are. A key missing under a mapping
// that has vars (environment) is looked up in vars, where a check's
// "environment.NAME" is written.
func locate(n *yaml.Node, keys []string, need int) (FieldPosition, bool) {
	var pos FieldPosition
	var found []string
	for _, k := range keys {
		key, value := lookupKey(n, k)
		if key == nil {
			if _, vars := lookupKey(n, "vars"); vars != nil {
				if key, value = lookupKey(vars, k); key != nil {
					found = append(found, "vars")
				}
			}
		}
		if key == nil {
			break
		}
		found = append(found, k)
		pos = FieldPosition{Line: key.Line, Column: key.Column, Path: strings.Join(found, ".")}
		n = value
	}
	if len(found) < need {
		return FieldPosition{}, false
	}
	return pos, true
}

// lookupKey is the key node and value node of key in the mapping n.
func lookupKey(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
