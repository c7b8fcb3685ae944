package config

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/pkg/limits"
)

// The JSON Schema of lamb.yaml, schema/lamb.schema.json, is generated here
// from fileSc, with the numbers and runtimes of pkg/limits, and kept
// current by TestSchemaFileIsCurrent. Regenerate it with
//
//	go test ./pkg/config/ -run Schema -update
//
// It is draft-07 because that is the draft editors' YAML support
// implements. It accepts what lamb validate accepts (any scalar where
// text is expected, null for unset, ${env:NAME} in any value) and adds
// the Lambda ranges and runtime names that lamb check enforces.

// obj is a JSON object that keeps its members in order, so the file reads
// in the order of lamb.yaml.
type obj []member

type member struct {
	key   string
	value any
}

func (o obj) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		k, err := marshalJSON(m.key)
		if err != nil {
			return nil, err
		}
		v, err := marshalJSON(m.value)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// marshalJSON leaves <, > and & alone: the descriptions are read by people.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

const (
	refEnv      = "#/definitions/envRef"
	refDuration = "#/definitions/duration"
	refFunction = "#/definitions/function"
	refStage    = "#/definitions/stage"
)

// scalar is what lamb reads as text: any scalar.
var scalar = []string{"string", "number", "boolean"}

func ref(to string) obj { return obj{{"$ref", to}} }

func nullable(types ...string) []string { return append(types, "null") }

// schemaGen renders schemas; the first mistake (an unknown quota, a quota
// in the wrong unit) is kept in err.
type schemaGen struct {
	quotas   limits.Quotas
	runtimes []string
	err      error
}

// generateSchema renders schema/lamb.schema.json.
func generateSchema() ([]byte, error) {
	g := &schemaGen{quotas: limits.DefaultQuotas()}
	for _, r := range limits.Runtimes() {
		// AWS refuses to create functions on the others.
		if r.BlockCreate.IsZero() {
			g.runtimes = append(g.runtimes, r.Name)
		}
	}
	props := g.properties(fileSc)
	for i, p := range props {
		if p.key == "functions" {
			// Only the file itself must define functions (checkStructure).
			props[i].value = append(set(p.value.(obj), "type", "object"), member{"minProperties", 1})
		}
	}
	root := obj{
		{"$schema", "http://json-schema.org/draft-07/schema#"},
		{"$id", SchemaURL},
		{"$comment", "Generated from the lamb tags in pkg/config by: go test ./pkg/config/ -run Schema -update"},
		{"title", "lamb.yaml"},
		{"description", "How lamb packages and deploys the Lambda functions of a folder. Generated from pkg/config; lamb validate is the reference."},
		{"type", "object"},
		{"required", []string{"functions"}},
		{"additionalProperties", false},
		{"properties", props},
		{"definitions", obj{
			{"function", append(obj{{"description", "A Lambda function. A key it leaves unset takes its value from defaults, else lamb's default."}}, g.value(functionSc)...)},
			{"stage", append(obj{{"description", "A stage overlay: the keys of the file except stages."}}, g.value(stageSc)...)},
			{"envRef", obj{
				{"description", "A ${env:NAME} reference: lamb reads the variable from its environment when it loads the file, and checks the value then."},
				{"type", "string"},
				{"pattern", `\$\{env:[A-Za-z_][A-Za-z0-9_]*\}`},
			}},
			{"duration", obj{
				{"description", "A duration such as 30s, 1m30s or 1h, in whole seconds."},
				{"type", "string"},
				{"pattern", `^\+?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$`},
			}},
		}},
	}
	if g.err != nil {
		return nil, g.err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// set replaces the member key of o, or adds it.
func set(o obj, key string, value any) obj {
	for i := range o {
		if o[i].key == key {
			o[i].value = value
			return o
		}
	}
	return append(o, member{key, value})
}

func (g *schemaGen) properties(s *schema) obj {
	var props obj
	for _, f := range s.fields {
		p := obj{{"description", f.doc}}
		switch {
		case f.schema == functionSc:
			// defaults: a function that cannot be named (checkStructure).
			p = append(p, member{"allOf", []any{ref(refFunction)}}, member{"properties", obj{{"name", false}}})
		default:
			if lo, hi := g.bounds(f.schema); hi > 0 {
				p[0].value = fmt.Sprintf("%s Lambda allows %d to %d %s.", f.doc, lo, hi, g.unit(f.schema.max))
			}
			if v := f.schema.def; v != "" {
				if n, err := strconv.Atoi(v); err == nil && f.schema.kind != kindString && f.schema.kind != kindEnum {
					p = append(p, member{"default", n})
				} else {
					p = append(p, member{"default", v})
				}
			}
			p = append(p, g.value(f.schema)...)
		}
		props = append(props, member{f.key, p})
	}
	return props
}

// value renders what a value of s may be, without its description.
func (g *schemaGen) value(s *schema) obj {
	switch s.kind {
	case kindString:
		if s.runtime {
			return obj{{"anyOf", []any{obj{{"enum", g.runtimes}}, ref(refEnv), obj{{"type", "null"}}}}}
		}
		o := obj{{"type", nullable(scalar...)}}
		if s.max != "" {
			o = append(o, member{"maxLength", g.quota(s.max, "characters")})
		}
		return o
	case kindEnum:
		return obj{{"anyOf", []any{obj{{"enum", s.enum}}, ref(refEnv), obj{{"type", "null"}}}}}
	case kindMB, kindCount, kindSeconds:
		lo, hi := g.bounds(s)
		n := obj{{"type", nullable("integer")}, {"minimum", lo}}
		if hi > 0 {
			n = append(n, member{"maximum", hi})
		}
		alts := []any{n}
		if s.kind == kindSeconds {
			alts = append(alts, ref(refDuration))
		}
		return obj{{"anyOf", append(alts, ref(refEnv))}}
	case kindPercent:
		return obj{{"anyOf", []any{
			obj{{"type", nullable("number")}, {"minimum", 0}, {"exclusiveMaximum", 1}},
			obj{{"type", "string"}, {"pattern", percentSyntax.String()}},
			ref(refEnv),
		}}}
	case kindBool:
		return obj{{"anyOf", []any{obj{{"type", nullable("boolean")}}, ref(refEnv)}}}
	case kindStringList:
		o := obj{{"type", nullable("array")}, {"items", obj{{"type", scalar}}}}
		if s.max != "" {
			o = append(o, member{"maxItems", g.quota(s.max, "")})
		}
		return o
	case kindStringMap:
		o := obj{{"type", nullable("object")}}
		if s.maxKey != "" {
			o = append(o, member{"propertyNames", obj{{"maxLength", g.quota(s.maxKey, "characters")}}})
		}
		values := obj{{"type", nullable(scalar...)}}
		if s.max != "" {
			values = append(values, member{"maxLength", g.quota(s.max, "characters")})
		}
		return append(o, member{"additionalProperties", values})
	case kindStruct:
		return obj{{"type", nullable("object")}, {"additionalProperties", false}, {"properties", g.properties(s)}}
	case kindList:
		items := g.value(s.elem)
		if s.oneKey {
			items = append(items, member{"minProperties", 1}, member{"maxProperties", 1})
		}
		return obj{{"type", nullable("array")}, {"items", items}}
	case kindJSONList:
		return obj{{"type", nullable("array")}, {"items", obj{{"type", []string{"string", "object"}}}}}
	case kindMapOf:
		switch s.elem {
		case stageSc:
			return obj{{"type", nullable("object")}, {"additionalProperties", ref(refStage)}}
		case functionSc:
			return obj{{"type", nullable("object")}, {"additionalProperties", ref(refFunction)}}
		}
		return obj{{"type", nullable("object")}, {"additionalProperties", g.value(s.elem)}}
	}
	g.fail(fmt.Errorf("no JSON Schema for kind %d", s.kind))
	return nil
}

// bounds returns the range of a number: 0 (lamb refuses negatives) or its
// min quota, and its max quota or 0 for none.
func (g *schemaGen) bounds(s *schema) (lo, hi int64) {
	if s.kind != kindMB && s.kind != kindCount && s.kind != kindSeconds {
		return 0, 0
	}
	if s.unlimited {
		lo = -1
	}
	unit := map[kind]string{kindMB: "MB", kindSeconds: "s", kindCount: ""}[s.kind]
	if s.min != "" {
		lo = g.quota(s.min, unit)
	}
	if s.max != "" {
		hi = g.quota(s.max, unit)
	}
	return lo, hi
}

// quota returns the value of a pkg/limits quota, checking its unit when
// unit is not "".
func (g *schemaGen) quota(name, unit string) int64 {
	q, ok := g.quotas.Lookup(name)
	if !ok {
		g.fail(fmt.Errorf("no quota %q in pkg/limits", name))
		return 0
	}
	if unit != "" && q.Unit != unit {
		g.fail(fmt.Errorf("quota %q is in %s, the field in %s", name, q.Unit, unit))
	}
	return q.Value
}

func (g *schemaGen) unit(name string) string {
	q, _ := g.quotas.Lookup(name)
	if q.Unit == "s" {
		return "seconds"
	}
	return q.Unit
}

func (g *schemaGen) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}

// schemaFile is the committed JSON Schema, relative to this package.
var schemaFile = filepath.Join("..", "..", "schema", "lamb.schema.json")

func TestSchemaFileIsCurrent(t *testing.T) {
	t.Parallel()
	got, err := generateSchema()
	if err != nil {
		t.Fatal(err)
	}
	if golden.Updating() {
		if err := os.MkdirAll(filepath.Dir(schemaFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: regenerate it with go test ./pkg/config/ -run Schema -update", schemaFile)
	}
}

// compiledSchema compiles the generated schema, which the draft-07
// meta-schema checks on the way.
func compiledSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	data, err := generateSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaURL, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaURL)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// validateYAML checks a lamb.yaml document against the schema the way an
// editor does: as the JSON value the YAML stands for.
func validateYAML(sch *jsonschema.Schema, doc []byte) error {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return err
	}
	return sch.Validate(v)
}

func TestSchemaAcceptsTheShippedFiles(t *testing.T) {
	t.Parallel()
	sch := compiledSchema(t)
	var paths []string
	for _, pattern := range []string{
		filepath.Join("..", "..", "examples", "*", "lamb.yaml"),
		filepath.Join("testdata", "full.yaml"),
		// What lamb init writes.
		filepath.Join("..", "..", "templates", "testdata", "*.lamb.yaml"),
	} {
		m, err := filepath.Glob(pattern)
		if err != nil || len(m) == 0 {
			t.Fatalf("no files match %s (%v)", pattern, err)
		}
		paths = append(paths, m...)
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateYAML(sch, data); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestSchemaAgreesWithValidate runs documents through lamb's validation
// and through the schema: they agree, except where the schema also states
// a Lambda limit (lamb check's job) and where lamb knows more than a
// schema can say.
func TestSchemaAgreesWithValidate(t *testing.T) {
	t.Parallel()
	sch := compiledSchema(t)
	const (
		both   = iota // both accept
		none          // both refuse
		lamb          // only lamb validate accepts: a Lambda limit
		schema        // only the schema accepts: lamb knows more
	)
	tests := []struct {
		name, doc string
		want      int
	}{
		{"minimal", "functions: {api: {}}", both},
		{"null means unset", "project:\ndefaults:\nfunctions:\n  api:\n    memory:\n    timeout:\n    vpc:\n    tags:\n    layers:\n    architecture:\n    functionUrl: {cors: {allowCredentials: null}}\nstages:\n  prod:\n    functions:\n      api:\n", both},
		{"any scalar is text", "functions: {api: {description: 42, handler: true, deploy: {alias: 7}}}", both},
		{"durations", "functions: {api: {timeout: 1m30s, functionUrl: {cors: {maxAge: 1h}}}}", both},
		{"references", `functions: {api: {memory: "${env:MEM}", architecture: "${env:ARCH}", runtime: "${env:RT}", functionUrl: {cors: {allowCredentials: "${env:CRED}"}}}}`, both},
		{"every value", "functions:\n  api:\n    runtime: python3.12\n    memory: 10240\n    timeout: 900\n    ephemeralStorage: 512\n    tracing: PassThrough\n    concurrency: {reserved: 0, provisioned: 1}\n    deploy: {engine: codedeploy, keepVersions: 0}\n    package: {dependencies: none, symlinks: keep}\n    functionUrl: {authType: NONE, public: true}\n    async: {retries: 0, maxEventAge: 6h}\n", both},
		{"a stage", "functions: {api: {}}\nstages: {prod: {region: eu-west-1, defaults: {memory: 512}, functions: {api: {memory: 1024}}}}", both},

		{"no functions", "project: x", none},
		{"empty functions", "functions: {}", none},
		{"unknown top key", "regoin: x\nfunctions: {api: {}}", none},
		{"unknown function key", "functions: {api: {memroy: 1}}", none},
		{"unknown nested key", "functions: {api: {vpc: {zones: [a]}}}", none},
		{"unknown stage key", "functions: {api: {}}\nstages: {prod: {regoin: x}}", none},
		{"name in defaults", "defaults: {name: x}\nfunctions: {api: {}}", none},
		{"bad enumeration", "functions: {api: {architecture: amd64}}", none},
		{"text for MB", "functions: {api: {memory: lots}}", none},
		{"quoted number", `functions: {api: {memory: "512"}}`, none},
		{"fraction", "functions: {api: {memory: 512.5}}", none},
		{"negative", "functions: {api: {deploy: {keepVersions: -1}}}", none},
		{"negative duration", "functions: {api: {timeout: -5s}}", none},
		{"not a duration", "functions: {api: {timeout: soon}}", none},
		{"bool as text", "functions: {api: {functionUrl: {cors: {allowCredentials: yes}}}}", none},
		{"text for a list", "functions: {api: {layers: arn}}", none},
		{"list in a list", "functions: {api: {layers: [a, [b]]}}", none},
		{"list for a mapping", "functions: {api: {tags: [team]}}", none},
		{"mapping for text", "functions: {api: {description: {a: b}}}", none},
		{"text for a section", "functions: {api: {vpc: subnet-1}}", none},

		{"memory below Lambda's", "functions: {api: {memory: 64}}", lamb},
		{"timeout above Lambda's", "functions: {api: {timeout: 901}}", lamb},
		{"too many layers", "functions: {api: {layers: [a.zip, b.zip, c.zip, d.zip, e.zip, f.zip]}}", lamb},
		{"undefined local layer", "functions: {api: {layers: [dep]}}\nlayers: {deps: {runtimes: [python3.12]}}", schema},
		{"local layer", "functions: {api: {layers: [deps]}}\nlayers: {deps: {source: layers/deps, runtimes: [python3.12], architectures: [arm64]}}", both},
		{"layer without runtimes", "layers: {deps: {source: layers/deps}}\nfunctions: {api: {}}", schema},
		{"unknown runtime", "functions: {api: {runtime: nodejs99.x}}", none},
		{"retired runtime", "functions: {api: {runtime: go1.x}}", lamb},
		{"long description", "functions: {api: {description: " + strings.Repeat("x", 257) + "}}", lamb},
		{"long tag key", "functions: {api: {tags: {" + strings.Repeat("k", 129) + ": v}}}", lamb},

		{"stage for a missing function", "functions: {api: {}}\nstages: {prod: {functions: {apx: {}}}}", schema},
		{"fraction of a second", "functions: {api: {timeout: 1.5s}}", schema},
		{"public URL not confirmed", "functions: {api: {functionUrl: {authType: NONE}}}", schema},
		{"public without NONE", "functions: {api: {functionUrl: {public: true}}}", schema},
		{"unknown strategy", "functions: {api: {deploy: {strategy: canery:10%:5m}}}", schema},
		{"strategies", "functions: {api: {deploy: {strategy: linear:2.5%:30s}}}\nstages: {prod: {functions: {api: {deploy: {strategy: CodeDeployDefault.LambdaAllAtOnce}}}}}", both},
		{"a gate", "functions: {api: {deploy: {gate: {maxErrorRate: 0.5%, minInvocations: 0}}}}", both},
		{"a gate as a fraction", "functions: {api: {deploy: {gate: {maxErrorRate: 0.01}}}}", both},
		{"a gate with defaults", "functions: {api: {deploy: {gate: {}}}}", both},
		{"a gate of 100%", "functions: {api: {deploy: {gate: {maxErrorRate: 100%}}}}", none},
		{"a gate of 1", "functions: {api: {deploy: {gate: {maxErrorRate: 1}}}}", none},
		{"a negative gate", "functions: {api: {deploy: {gate: {maxErrorRate: -0.1}}}}", none},
		{"a gate in words", "functions: {api: {deploy: {gate: {maxErrorRate: one percent}}}}", none},
		{"a gate from the environment", `functions: {api: {deploy: {gate: {maxErrorRate: "${env:RATE}"}}}}`, both},
		{"event sources", `functions: {api: {events: [{sqs: {queue: "arn:aws:sqs:us-east-1:1:q", batchSize: 100, window: 5s, filters: ['{"body": {"a": [1]}}', {body: {b: [2]}}]}}, {kinesis: {stream: "arn:aws:kinesis:us-east-1:1:stream/s", maximumRetries: -1, maximumRecordAge: 1h, startingPosition: TRIM_HORIZON}}]}}`, both},
		{"two sources in one item", `functions: {api: {events: [{sqs: {queue: "arn:aws:sqs:us-east-1:1:q"}, kinesis: {stream: "arn:aws:kinesis:us-east-1:1:stream/s"}}]}}`, none},
		{"an empty event item", `functions: {api: {events: [{}]}}`, none},
		{"retries below -1", `functions: {api: {events: [{kinesis: {stream: "arn:aws:kinesis:us-east-1:1:stream/s", maximumRetries: -2}}]}}`, none},
		{"a filter that is not JSON", `functions: {api: {events: [{sqs: {queue: "arn:aws:sqs:us-east-1:1:q", filters: ["body"]}}]}}`, schema},
		{"a queue that is a topic", `functions: {api: {events: [{sqs: {queue: "arn:aws:sns:us-east-1:1:t"}}]}}`, schema},
		{"permissions", `functions: {api: {permissions: [{principal: s3.amazonaws.com, sourceArn: "arn:aws:s3:::b", sourceAccount: "123456789012"}, {principal: "123456789012", qualifier: function}]}}`, both},
		{"permissions not a list", `functions: {api: {permissions: {principal: s3.amazonaws.com}}}`, none},
		{"a permission with an unknown key", `functions: {api: {permissions: [{principal: s3.amazonaws.com, source: x}]}}`, none},
		{"a permission on a version", `functions: {api: {permissions: [{principal: s3.amazonaws.com, qualifier: "3"}]}}`, none},
		{"log retention", `functions: {api: {logs: {retentionDays: 14}}}`, both},
		// CloudWatch's fixed list of retentions is lamb check's to judge.
		{"log retention not allowed by CloudWatch", `functions: {api: {logs: {retentionDays: 10}}}`, both},
	}
	vars := map[string]string{"MEM": "512", "ARCH": "arm64", "RT": "nodejs22.x", "CRED": "true", "RATE": "2%"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, lerr := Parse(context.Background(), []byte(tt.doc), "lamb.yaml", LoadOptions{LookupEnv: env(vars)})
			serr := validateYAML(sch, []byte(tt.doc))
			lambOK := lerr == nil
			schemaOK := serr == nil
			if want := tt.want == both || tt.want == lamb; lambOK != want {
				t.Errorf("lamb validate accepts: %v, want %v (%v)", lambOK, want, lerr)
			}
			if want := tt.want == both || tt.want == schema; schemaOK != want {
				t.Errorf("the schema accepts: %v, want %v (%v)", schemaOK, want, serr)
			}
		})
	}
}
