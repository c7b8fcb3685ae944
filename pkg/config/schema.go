package config

// kind is the shape a value in lamb.yaml must have.
type kind int

const (
	kindString     kind = iota // any scalar, read as text
	kindEnum                   // one of schema.enum
	kindMB                     // integer number of MB
	kindCount                  // integer count
	kindSeconds                // duration (30s, 1m30s) or integer seconds
	kindBool                   // true or false
	kindStringList             // sequence of scalars
	kindStringMap              // mapping of names to scalars
	kindStruct                 // mapping with the fixed keys in fields
	kindMapOf                  // mapping of user names to elem
)

// schema describes one level of lamb.yaml; validation walks the document
// and the schema together.
type schema struct {
	kind   kind
	enum   []string
	fields []field
	elem   *schema
	// patterns marks a list of file patterns, checked as the packager
	// reads them.
	patterns bool
}

type field struct {
	key    string
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

var (
	scStr      = &schema{kind: kindString}
	scMb       = &schema{kind: kindMB}
	scCount    = &schema{kind: kindCount}
	scSeconds  = &schema{kind: kindSeconds}
	scBoolean  = &schema{kind: kindBool}
	scStrList  = &schema{kind: kindStringList}
	scStrMap   = &schema{kind: kindStringMap}
	scPatterns = &schema{kind: kindStringList, patterns: true}
	scEnumOf   = func(values ...string) *schema { return &schema{kind: kindEnum, enum: values} }
	scStructOf = func(fields ...field) *schema { return &schema{kind: kindStruct, fields: fields} }
	scFieldOf  = func(key string, s *schema) field { return field{key: key, schema: s} }
	scMapOf    = func(elem *schema) *schema { return &schema{kind: kindMapOf, elem: elem} }
	functionSc = scStructOf(
		scFieldOf("name", scStr),
		scFieldOf("source", scStr),
		scFieldOf("handler", scStr),
		scFieldOf("runtime", scStr),
		scFieldOf("architecture", scEnumOf("x86_64", "arm64")),
		scFieldOf("role", scStr),
		scFieldOf("memory", scMb),
		scFieldOf("timeout", scSeconds),
		scFieldOf("ephemeralStorage", scMb),
		scFieldOf("description", scStr),
		scFieldOf("environment", scStructOf(
			scFieldOf("files", scStrList),
			scFieldOf("vars", scStrMap),
		)),
		scFieldOf("kmsKeyArn", scStr),
		scFieldOf("layers", scStrList),
		scFieldOf("vpc", scStructOf(
			scFieldOf("subnetIds", scStrList),
			scFieldOf("securityGroupIds", scStrList),
		)),
		scFieldOf("tracing", scEnumOf("Active", "PassThrough")),
		scFieldOf("deadLetter", scStr),
		scFieldOf("destinations", scStructOf(
			scFieldOf("onSuccess", scStr),
			scFieldOf("onFailure", scStr),
		)),
		scFieldOf("functionUrl", scStructOf(
			scFieldOf("authType", scEnumOf("AWS_IAM", "NONE")),
			scFieldOf("cors", scStructOf(
				scFieldOf("allowOrigins", scStrList),
				scFieldOf("allowMethods", scStrList),
				scFieldOf("allowHeaders", scStrList),
				scFieldOf("exposeHeaders", scStrList),
				scFieldOf("allowCredentials", scBoolean),
				scFieldOf("maxAge", scSeconds),
			)),
		)),
		scFieldOf("concurrency", scStructOf(
			scFieldOf("reserved", scCount),
			scFieldOf("provisioned", scCount),
		)),
		scFieldOf("tags", scStrMap),
		scFieldOf("package", scStructOf(
			scFieldOf("build", scStr),
			scFieldOf("dependencies", scEnumOf("auto", "none")),
			scFieldOf("include", scPatterns),
			scFieldOf("exclude", scPatterns),
			scFieldOf("symlinks", scEnumOf("follow", "keep")),
			scFieldOf("artifact", scStr),
		)),
		scFieldOf("deploy", scStructOf(
			scFieldOf("alias", scStr),
			scFieldOf("strategy", scStr),
			scFieldOf("engine", scEnumOf("direct", "codedeploy")),
			scFieldOf("hooks", scStructOf(
				scFieldOf("beforeAllowTraffic", scStr),
				scFieldOf("afterAllowTraffic", scStr),
			)),
			scFieldOf("alarms", scStrList),
			scFieldOf("keepVersions", scCount),
			scFieldOf("s3", scStructOf(
				scFieldOf("bucket", scStr),
				scFieldOf("prefix", scStr),
			)),
			scFieldOf("codedeploy", scStructOf(
				scFieldOf("application", scStr),
				scFieldOf("deploymentGroup", scStr),
				scFieldOf("serviceRoleArn", scStr),
			)),
		)),
	)
	stageSc = scStructOf(
		scFieldOf("project", scStr),
		scFieldOf("region", scStr),
		scFieldOf("profile", scStr),
		scFieldOf("defaults", functionSc),
		scFieldOf("functions", scMapOf(functionSc)),
	)
	// fileSc is the whole of lamb.yaml (DESIGN.md §4).
	fileSc = scStructOf(
		scFieldOf("project", scStr),
		scFieldOf("region", scStr),
		scFieldOf("profile", scStr),
		scFieldOf("defaults", functionSc),
		scFieldOf("functions", scMapOf(functionSc)),
		scFieldOf("stages", scMapOf(stageSc)),
	)
)

// expected describes what a kind expects, for messages.
func (k kind) expected() string {
	switch k {
	case kindMB:
		return "an integer number of MB"
	case kindCount:
		return "a whole number"
	case kindSeconds:
		return "a duration like 30s or 1m30s, or a whole number of seconds"
	case kindBool:
		return "true or false"
	case kindStringList:
		return "a list of strings"
	case kindStringMap:
		return "a mapping of names to values"
	case kindStruct, kindMapOf:
		return "a mapping"
	default:
		return "a string"
	}
}
