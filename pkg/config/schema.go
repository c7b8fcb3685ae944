package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/lambcli/lamb/internal/lambdaarch"
)

// kind is the shape a value in lamb.yaml must have.
type kind int

const (
	kindString     kind = iota // any scalar, read as text
	kindEnum                   // one of schema.enum
	kindMB                     // integer number of MB
	kindCount                  // integer count
	kindSeconds                // duration (30s, 1m30s) or integer seconds
	kindPercent                // a percentage (1%) or a fraction (0.01), below 100%
	kindBool                   // true or false
	kindStringList             // sequence of scalars
	kindStringMap              // mapping of names to scalars
	kindStruct                 // mapping with the fixed keys in fields
	kindMapOf                  // mapping of user names to elem
	kindList                   // sequence of elem (a struct)
	kindJSONList               // sequence of JSON objects: JSON text or mappings
)

// schema describes one level of lamb.yaml; validation walks the document
// and the schema together. The tree is derived from the lamb and doc tags
// of Config, Function and the types Function holds, so the typed structs
// and what lamb.yaml may contain cannot drift apart; the JSON Schema in
// schema/lamb.schema.json is generated from the same tree.
type schema struct {
	kind   kind
	enum   []string
	fields []field
	elem   *schema

	// The rest is what the JSON Schema states for editors beyond what
	// validation checks: the value used when the key is unset (as written
	// in lamb.yaml), whether the value is a Lambda runtime identifier, and
	// names of pkg/limits quotas that bound a number, the length of a text
	// or of a mapping's values (max), a list's length (max), or the length
	// of a mapping's keys (maxKey). Ranges stay lamb check's job.
	def      string
	runtime  bool
	min, max string
	maxKey   string
	// patterns marks a list of file patterns, checked as the packager
	// reads them.
	patterns bool
	// strategy marks a traffic-shift strategy, checked as pkg/appspec
	// parses it.
	strategy bool
	// unlimited lets a number be -1, which stands for no limit.
	unlimited bool
	// oneKey says each mapping of a list sets exactly one of its keys.
	oneKey bool
}

type field struct {
	key    string
	doc    string
	schema *schema
}

func (s *schema) field(key string) *schema {
	for _, f := range s.fields {
		if f.key == key {
			return f.schema
		}
	}
	return nil
}

func (s *schema) keys() []string {
	keys := make([]string, len(s.fields))
	for i, f := range s.fields {
		keys[i] = f.key
	}
	return keys
}

// SchemaURL is where editors find the JSON Schema of lamb.yaml; lamb init
// names it in the first line of the file it writes.
const SchemaURL = "https://raw.githubusercontent.com/lambcli/lamb/main/schema/lamb.schema.json"

var (
	functionSc = structOf(reflect.TypeFor[Function]())
	// stageSc is a stage overlay: the file's keys except stages.
	stageSc = &schema{kind: kindStruct, fields: append(fieldsOf(reflect.TypeFor[Config]()),
		field{key: "defaults", schema: functionSc,
			doc: "Settings merged into every function; a function's own values win. Every function key except name."},
		field{key: "functions", schema: &schema{kind: kindMapOf, elem: functionSc},
			doc: "The functions, by key: the name lamb commands take (lamb package api)."},
		field{key: "layers", schema: &schema{kind: kindMapOf, elem: structOf(reflect.TypeFor[Layer]())},
			doc: "Local layers, by key: lamb packages each, publishes a version when its content changed, and functions name it by key in their layers."},
	)}
	// fileSc is the whole of lamb.yaml (DESIGN.md §4).
	fileSc = &schema{kind: kindStruct, fields: append(slices.Clone(stageSc.fields),
		field{key: "stages", schema: &schema{kind: kindMapOf, elem: stageSc},
			doc: "Overlays by stage name: --stage NAME deep-merges that entry over the file (mappings merge, lists and values replace)."},
	)}
)

// sectionDocs describe the mappings of lamb.yaml that no Go type stands
// for: the fields that fill them name them in a dotted key (environment.vars).
var sectionDocs = map[string]string{
	"environment": "Environment variables of the function: the dotenv files are read in order, then vars are laid on top.",
}

// keyOrder lists the keys of a mapping, named by Go type and section, in
// the order lamb.yaml is documented in (DESIGN.md §4) where the fields'
// order differs; the field order is kept for JSON output. Messages list
// keys in this order and suggestions prefer the earlier of two equally
// close keys. fieldsOf panics when a list and the fields disagree.
var keyOrder = map[string][]string{
	"Function": {"name", "source", "handler", "runtime", "architecture", "role",
		"memory", "timeout", "ephemeralStorage", "description", "environment", "kmsKeyArn",
		"layers", "vpc", "tracing", "deadLetter", "destinations", "async", "functionUrl",
		"concurrency", "events", "permissions", "logs", "tags", "package", "deploy",
		"image", "imageConfig", "edge", "fileSystem", "snapStart"},
	"Function.environment": {"files", "vars"},
}

// structOf derives the schema of a struct type from its fields' tags.
func structOf(t reflect.Type) *schema {
	return &schema{kind: kindStruct, fields: fieldsOf(t)}
}

// fieldsOf reads the fields of struct type t. Every field must carry a tag
//
//	lamb:"KEY[,OPTION]..." doc:"what the key means, for editors"
//
// KEY is the field's key in lamb.yaml; "a.b" puts it under b in a mapping a
// that has no type of its own (see sectionDocs); "-" keeps the field out of
// the file. The Go type gives the shape: string, bool, []string (a list),
// map[string]string (a mapping of names to values), a struct or a pointer
// to one (a mapping with fixed keys). OPTIONs:
//
//	mb, count, seconds  the unit of an int or *int field (one is required)
//	percent             a Percent field: 1% or 0.01
//	enum=A|B            the values a string may take
//	strategy            a traffic-shift strategy (pkg/appspec)
//	architectures       enum=, with internal/lambdaarch's list of them
//	default=V           what lamb uses when the key is unset
//	runtime             a Lambda runtime identifier
//	min=Q, max=Q        pkg/limits quotas bounding the value (see schema)
//	maxKey=Q            the pkg/limits quota bounding a mapping's keys
//	unlimited           a number may also be -1, for no limit
//	json                a []string of JSON objects, each written as JSON
//	                    text or as a YAML mapping
//	oneKey              a list of structs whose items each set one key
//
// A mistake in a tag is a programming error and panics, so that every test
// of the package reports it.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("lamb")
		if !ok {
			panic(fmt.Sprintf("config: %s.%s has no lamb tag: give its key in lamb.yaml, or - when it is not read from the file", t.Name(), sf.Name))
		}
		opts := strings.Split(tag, ",")
		key := opts[0]
		if key == "-" {
			continue
		}
		f := field{key: key, doc: sf.Tag.Get("doc"), schema: schemaOf(t.Name()+"."+sf.Name, sf.Type, opts[1:])}
		section, sub, dotted := strings.Cut(key, ".")
		if !dotted {
			out = append(out, f)
			continue
		}
		f.key = sub
		at := slices.IndexFunc(out, func(o field) bool { return o.key == section })
		if at < 0 {
			out = append(out, field{key: section, doc: sectionDocs[section], schema: &schema{kind: kindStruct}})
			at = len(out) - 1
		}
		out[at].schema.fields = append(out[at].schema.fields, f)
	}
	for _, f := range out {
		if order, ok := keyOrder[t.Name()+"."+f.key]; ok {
			f.schema.fields = ordered(t.Name()+"."+f.key, f.schema.fields, order)
		}
	}
	if order, ok := keyOrder[t.Name()]; ok {
		out = ordered(t.Name(), out, order)
	}
	return out
}

// ordered returns fields in the order of keys, which must name each once.
func ordered(name string, fields []field, keys []string) []field {
	out := make([]field, 0, len(fields))
	for _, k := range keys {
		at := slices.IndexFunc(fields, func(f field) bool { return f.key == k })
		if at < 0 {
			panic(fmt.Sprintf("config: keyOrder[%q] names %q, which no field has", name, k))
		}
		out = append(out, fields[at])
	}
	for _, f := range fields {
		if !slices.Contains(keys, f.key) || len(keys) != len(fields) {
			panic(fmt.Sprintf("config: keyOrder[%q] must list each of its keys once; check %q", name, f.key))
		}
	}
	return out
}

// schemaOf builds the schema of one field of Go type t; name is for panics.
func schemaOf(name string, t reflect.Type, opts []string) *schema {
	s := &schema{}
	var unit kind
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "mb", "count", "seconds":
			unit = map[string]kind{"mb": kindMB, "count": kindCount, "seconds": kindSeconds}[k]
		case "enum":
			s.enum = strings.Split(v, "|")
		case "architectures":
			s.enum = lambdaarch.Names()
		case "default":
			s.def = v
		case "runtime":
			s.runtime = true
		case "patterns":
			s.patterns = true
		case "strategy":
			s.strategy = true
		case "percent":
			unit = kindPercent
		case "min":
			s.min = v
		case "max":
			s.max = v
		case "maxKey":
			s.maxKey = v
		case "unlimited":
			s.unlimited = true
		case "json":
			unit = kindJSONList
		case "oneKey":
			s.oneKey = true
		default:
			panic(fmt.Sprintf("config: %s: unknown lamb tag option %q", name, o))
		}
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.String && s.enum != nil:
		s.kind = kindEnum
	case t.Kind() == reflect.String:
		s.kind = kindString
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String && unit == kindJSONList:
		s.kind = unit
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		s.kind, s.elem = kindList, structOf(t.Elem())
	case t.Kind() == reflect.Int && unit != 0 && unit != kindPercent && unit != kindJSONList:
		s.kind = unit
	case t == reflect.TypeFor[Percent]() && unit == kindPercent:
		s.kind = unit
	case t.Kind() == reflect.Bool:
		s.kind = kindBool
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		s.kind = kindStringList
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String:
		s.kind = kindStringMap
	case t.Kind() == reflect.Struct:
		s.kind, s.fields = kindStruct, fieldsOf(t)
	default:
		panic(fmt.Sprintf("config: %s: no lamb.yaml shape for %s (an int needs mb, count or seconds)", name, t))
	}
	if (unit != 0 && s.kind != unit) || (s.enum != nil && s.kind != kindEnum) || (s.strategy && s.kind != kindString) ||
		(s.oneKey && s.kind != kindList) || (s.unlimited && s.kind != kindCount && s.kind != kindSeconds) {
		panic(fmt.Sprintf("config: %s: options %q do not fit %s", name, opts, t))
	}
	return s
}

// expected describes what a kind expects, for messages.
func (k kind) expected() string {
	switch k {
	case kindMB:
		return "an integer number of MB"
	case kindCount:
		return "a whole number"
	case kindSeconds:
		return "a duration like 30s or 1m30s, or a whole number of seconds"
	case kindPercent:
		return "a percentage such as 1% or 0.5%, or a fraction such as 0.01"
	case kindBool:
		return "true or false"
	case kindStringList:
		return "a list of strings"
	case kindList, kindJSONList:
		return "a list"
	case kindStringMap:
		return "a mapping of names to values"
	case kindStruct, kindMapOf:
		return "a mapping"
	default:
		return "a string"
	}
}
