package limits

import (
	"fmt"
	"strings"
	"testing"
)

// base is a function every check passes.
func base() Function {
	return Function{Key: "api", Name: "orders-api", Runtime: "nodejs22.x", Architecture: "arm64", Handler: "index.handler"}
}

func TestConfigBoundaries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Function)
		check string
		// want is the exact "message; hint" line, or "" when the check must pass.
		want string
	}{
		{"memory unset", func(f *Function) { f.Memory = 0 }, "memory", ""},
		{"memory 0", func(f *Function) { f.Memory, f.Explicit.Memory = 0, true }, "memory", "memory: 0 MB is below Lambda's minimum of 128 MB; set memory to 128 or more, or leave memory out for Lambda's default"},
		{"memory 512 set", func(f *Function) { f.Memory, f.Explicit.Memory = 512, true }, "memory", ""},
		{"memory 127", func(f *Function) { f.Memory = 127 }, "memory", "memory: 127 MB is below Lambda's minimum of 128 MB; set memory to 128 or more"},
		{"memory 128", func(f *Function) { f.Memory = 128 }, "memory", ""},
		{"memory 10240", func(f *Function) { f.Memory = 10240 }, "memory", ""},
		{"memory 10241", func(f *Function) { f.Memory = 10241 }, "memory", "memory: 10241 MB is above Lambda's maximum of 10240 MB; set memory to 10240 or less"},
		{"timeout unset", func(f *Function) { f.Timeout = 0 }, "timeout", ""},
		{"timeout 0", func(f *Function) { f.Timeout, f.Explicit.Timeout = 0, true }, "timeout", "timeout: 0 s is below Lambda's minimum of 1 s; set timeout to 1 or more, or leave timeout out for Lambda's default"},
		{"timeout 1", func(f *Function) { f.Timeout = 1 }, "timeout", ""},
		{"timeout 900", func(f *Function) { f.Timeout = 900 }, "timeout", ""},
		{"timeout 901", func(f *Function) { f.Timeout = 901 }, "timeout", "timeout: 901 s is above Lambda's maximum of 900 s; set timeout to 900 or less"},
		{"timeout negative", func(f *Function) { f.Timeout = -1 }, "timeout", "timeout: -1 s is below Lambda's minimum of 1 s; set timeout to 1 or more"},
		{"storage unset", func(f *Function) { f.EphemeralStorage = 0 }, "ephemeralStorage", ""},
		{"storage 0", func(f *Function) { f.EphemeralStorage, f.Explicit.EphemeralStorage = 0, true }, "ephemeralStorage", "ephemeralStorage: 0 MB is below Lambda's minimum of 512 MB; set ephemeralStorage to 512 or more, or leave ephemeralStorage out for Lambda's default"},
		{"storage 511", func(f *Function) { f.EphemeralStorage = 511 }, "ephemeralStorage", "ephemeralStorage: 511 MB is below Lambda's minimum of 512 MB; set ephemeralStorage to 512 or more"},
		{"storage 512", func(f *Function) { f.EphemeralStorage = 512 }, "ephemeralStorage", ""},
		{"storage 10240", func(f *Function) { f.EphemeralStorage = 10240 }, "ephemeralStorage", ""},
		{"storage 10241", func(f *Function) { f.EphemeralStorage = 10241 }, "ephemeralStorage", "ephemeralStorage: 10241 MB is above Lambda's maximum of 10240 MB; set ephemeralStorage to 10240 or less"},
		{"description 256 runes", func(f *Function) { f.Description = strings.Repeat("é", 256) }, "description", ""},
		{"description 257", func(f *Function) { f.Description = strings.Repeat("d", 257) }, "description", "description: 257 characters is above Lambda's maximum of 256 characters; shorten description to 256 characters or fewer"},
		{"handler 128", func(f *Function) { f.Handler = strings.Repeat("h", 120) + ".handler" }, "handler", ""},
		{"handler 129", func(f *Function) { f.Handler = strings.Repeat("h", 121) + ".handler" }, "handler", "handler: 129 characters is above Lambda's maximum of 128; shorten handler to 128 characters or fewer (move the file closer to the bundle root)"},
		{"handler whitespace", func(f *Function) { f.Handler = "index. handler" }, "handler", `handler: "index. handler" contains whitespace, which Lambda does not accept; remove the whitespace from handler`},
		{"handler tab", func(f *Function) { f.Handler = "index.handler\t" }, "handler", `handler: "index.handler\t" contains whitespace, which Lambda does not accept; remove the whitespace from handler`},
		{"handler missing", func(f *Function) { f.Handler = "" }, "handler", "handler: not set; Lambda needs it for a zip function; set handler, e.g. index.handler (index.js, export handler)"},
		{"handler missing provided", func(f *Function) { f.Handler = ""; f.Runtime = "provided.al2023" }, "handler", ""},
		{"name 64", func(f *Function) { f.Name = strings.Repeat("n", 64) }, "functionName", ""},
		{"name 65", func(f *Function) { f.Name = strings.Repeat("n", 65) }, "functionName", fmt.Sprintf(`name: %q is 65 characters, above Lambda's maximum of 64; set name (or shorten project and key) to 64 characters or fewer`, strings.Repeat("n", 65))},
		{"name chars", func(f *Function) { f.Name = "orders.api v2" }, "functionName", `name: "orders.api v2" contains '.', ' '; function names may contain only letters, digits, - and _; rename the function using letters, digits, - and _ only`},
		{"name dash underscore", func(f *Function) { f.Name = "Orders_api-2" }, "functionName", ""},
		{"alias unset", func(f *Function) { f.Alias = "" }, "alias", ""},
		{"alias 128", func(f *Function) { f.Alias = strings.Repeat("a", 128) }, "alias", ""},
		{"alias 129", func(f *Function) { f.Alias = strings.Repeat("a", 129) }, "alias", "deploy.alias: 129 characters is above Lambda's maximum of 128 characters; shorten deploy.alias to 128 characters or fewer"},
		{"alias all digits", func(f *Function) { f.Alias = "2024" }, "alias", `deploy.alias: "2024" is all digits, which Lambda reserves for version numbers; use an alias name with at least one letter, - or _, e.g. live`},
		{"alias digits with dash", func(f *Function) { f.Alias = "2024-1" }, "alias", ""},
		{"alias bad char", func(f *Function) { f.Alias = "live!" }, "alias", `deploy.alias: "live!" contains '!'; alias names may contain only letters, digits, - and _; rename the alias using letters, digits, - and _ only`},
		{"architecture x86_64", func(f *Function) { f.Architecture = "x86_64" }, "architecture", ""},
		{"architecture unset", func(f *Function) { f.Architecture = "" }, "architecture", ""},
		{"architecture amd64", func(f *Function) { f.Architecture = "amd64" }, "architecture", `architecture: "amd64" is not a Lambda architecture; set architecture to x86_64`},
		{"architecture aarch64", func(f *Function) { f.Architecture = "aarch64" }, "architecture", `architecture: "aarch64" is not a Lambda architecture; set architecture to arm64`},
		{"vpc 5 and 16", func(f *Function) { f.SecurityGroupIDs = ids("sg", 5); f.SubnetIDs = ids("subnet", 16) }, "vpc", ""},
		{"vpc 6 security groups", func(f *Function) { f.SecurityGroupIDs = ids("sg", 6) }, "vpc", "vpc.securityGroupIds: 6 security groups is above Lambda's maximum of 5; list 5 security groups or fewer"},
		{"vpc 17 subnets", func(f *Function) { f.SubnetIDs = ids("subnet", 17) }, "vpc", "vpc.subnetIds: 17 subnets is above Lambda's maximum of 16; list 16 subnets or fewer"},
		{"tags at limits", func(f *Function) {
			f.Tags = map[string]string{strings.Repeat("k", 128): strings.Repeat("v", 256), "team": ""}
		}, "tags", ""},
		{"tag key 129", func(f *Function) { f.Tags = map[string]string{strings.Repeat("k", 129): "x"} }, "tags", fmt.Sprintf(`tags: key %q is 129 characters, above Lambda's maximum of 128; shorten the tag key to 128 characters or fewer`, strings.Repeat("k", 129))},
		{"tag value 257", func(f *Function) { f.Tags = map[string]string{"team": strings.Repeat("v", 257)} }, "tags", `tags: value of "team" is 257 characters, above Lambda's maximum of 256; shorten the tag value to 256 characters or fewer`},
		{"tag empty key", func(f *Function) { f.Tags = map[string]string{"": "x"} }, "tags", "tags: a tag key is empty; give every tag a key of 1 to 128 characters"},
		{"tag aws prefix", func(f *Function) { f.Tags = map[string]string{"AWS:cloudformation": "x"} }, "tags", `tags: key "AWS:cloudformation" uses the aws: prefix, which AWS reserves; rename the tag key without the aws: prefix`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := base()
			tt.edit(&fn)
			fs := findingsOf(Check(fn, nil, nil, DefaultQuotas(), today), tt.check)
			if tt.want == "" {
				if len(fs) != 0 {
					t.Fatalf("want no %s finding, got %q", tt.check, lines(fs))
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("want one %s finding, got %q", tt.check, lines(fs))
			}
			if got := lines(fs)[0]; got != tt.want {
				t.Errorf("finding\n got: %s\nwant: %s", got, tt.want)
			}
			if fs[0].Severity != SeverityError || fs[0].Field == "" {
				t.Errorf("want an error naming a field, got severity %q field %q", fs[0].Severity, fs[0].Field)
			}
		})
	}
}

func TestRangeFindingCarriesMeasuredAndLimit(t *testing.T) {
	t.Parallel()
	fn := base()
	fn.Memory = 10241
	f := findingsOf(Check(fn, nil, nil, DefaultQuotas(), today), "memory")[0]
	if *f.Measured != 10241 || *f.Limit != 10240 || f.Unit != "MB" || f.Field != "memory" {
		t.Errorf("got measured %d limit %d unit %q field %q", *f.Measured, *f.Limit, f.Unit, f.Field)
	}
	fn = base()
	fn.Timeout, fn.Explicit.Timeout = 0, true
	r := NewReport([]FunctionReport{CheckFunction(fn, nil, nil, DefaultQuotas(), today)}, nil)
	f = findingsOf(r.Functions[0].Findings, "timeout")[0]
	if *f.Measured != 0 || *f.Limit != 1 || f.Unit != "s" || !r.Failed() {
		t.Errorf("timeout 0: measured %d limit %d unit %q, failed %v; want 0, 1, s, a failed report", *f.Measured, *f.Limit, f.Unit, r.Failed())
	}
}

func TestLayerRefs(t *testing.T) {
	t.Parallel()
	arn := func(name string, v int) string {
		return fmt.Sprintf("arn:aws:lambda:us-east-1:123456789012:layer:%s:%d", name, v)
	}
	tests := []struct {
		name     string
		layers   []string
		want     []string
		awsError string
	}{
		{"five layers", []string{arn("a", 1), arn("b", 1), arn("c", 1), arn("d", 1), "build/layer.zip"}, nil, ""},
		{"six layers", []string{arn("a", 1), arn("b", 1), arn("c", 1), arn("d", 1), arn("e", 1), arn("f", 1)},
			[]string{"error: layers: 6 layers is above Lambda's maximum of 5; use 5 layers or fewer: merge small layers or bundle their contents into the function"},
			"Cannot reference more than 5 layers."},
		{"two versions of one layer", []string{arn("shared", 3), arn("shared", 4)},
			[]string{"error: layers: " + arn("shared", 3) + " and " + arn("shared", 4) + " are two versions of the same layer; keep one version of the layer in layers"},
			"Two different versions of the same layer are not allowed to be referenced in the same function."},
		{"same name in another account", []string{arn("shared", 3), "arn:aws:lambda:us-east-1:999999999999:layer:shared:4"}, nil, ""},
		{"listed twice", []string{arn("shared", 3), arn("shared", 3)},
			[]string{"warning: layers: " + arn("shared", 3) + " is listed twice; remove the duplicate entry from layers"}, ""},
		{"ARN without version", []string{"arn:aws:lambda:us-east-1:123456789012:layer:shared"},
			[]string{`error: layers: "arn:aws:lambda:us-east-1:123456789012:layer:shared" is not a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION); give the layer's version ARN including the version number, or the path of a local layer zip`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := base()
			fn.Layers = tt.layers
			fs := findingsOf(Check(fn, nil, nil, DefaultQuotas(), today), "layers")
			var got []string
			for _, f := range fs {
				got = append(got, string(f.Severity)+": "+line(f))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q", got, tt.want)
			}
			if tt.awsError != "" && fs[0].AWSError != tt.awsError {
				t.Errorf("awsError = %q, want %q", fs[0].AWSError, tt.awsError)
			}
		})
	}
}

func TestRuntime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		runtime  string
		severity Severity
		want     string
	}{
		{"nodejs22.x", "", ""},
		{"provided.al2023", "", ""},
		{"python3.14", "", ""},
		{"nodejs20.x", SeverityWarning, "runtime: nodejs20.x is deprecated since 2026-04-30; AWS no longer patches it and will block creating and then updating functions on it; move to nodejs24.x"},
		{"provided.al2", SeverityWarning, "runtime: provided.al2 is deprecated since 2026-07-31; AWS no longer patches it and will block creating and then updating functions on it; move to provided.al2023"},
		{"go1.x", SeverityError, "runtime: go1.x is deprecated; AWS blocks creating functions on it since 2024-02-08 and updating them since 2025-02-28; move to provided.al2023"},
		{"python3.8", SeverityError, "runtime: python3.8 is deprecated; AWS blocks creating functions on it since 2025-02-28 and updating them since 2025-03-31; move to python3.14"},
		{"NodeJS22.x", SeverityError, `runtime: "NodeJS22.x" is not a Lambda runtime (names are case-sensitive); did you mean "nodejs22.x"?`},
		{"pyhton3.12", SeverityError, `runtime: "pyhton3.12" is not a Lambda runtime (names are case-sensitive); did you mean "python3.12"?`},
		{"cobol", SeverityError, `runtime: "cobol" is not a Lambda runtime (names are case-sensitive); use one of dotnet10, java11, java11.al2023, java17, java17.al2023, java21, java25, java8.al2, java8.al2023, nodejs22.x, nodejs24.x, nodejs26.x, provided.al2023, python3.11, python3.12, python3.13, python3.14, python3.15, ruby3.3, ruby3.4, ruby4.0`},
		{"node", SeverityError, `runtime: "node" is not a Lambda runtime (names are case-sensitive); did you mean "nodejs"?`},
	}
	for _, tt := range tests {
		t.Run(tt.runtime, func(t *testing.T) {
			fn := base()
			fn.Runtime = tt.runtime
			fn.Handler = ""
			fs := findingsOf(Check(fn, nil, nil, DefaultQuotas(), today), "runtime")
			if tt.want == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %q", lines(fs))
				}
				return
			}
			if len(fs) != 1 || fs[0].Severity != tt.severity || line(fs[0]) != tt.want {
				t.Errorf("got %q (%v), want %s: %q", lines(fs), severities(fs), tt.severity, tt.want)
			}
		})
	}
}

func TestRuntimeDeprecationFollowsTheClock(t *testing.T) {
	t.Parallel()
	fn := base()
	fn.Runtime = "nodejs20.x"
	before := today.AddDate(-1, 0, 0) // 2025-11-30
	if fs := findingsOf(Check(fn, nil, nil, DefaultQuotas(), before), "runtime"); len(fs) != 0 {
		t.Errorf("before its deprecation date nodejs20.x must pass, got %q", lines(fs))
	}
	if fs := findingsOf(Check(fn, nil, nil, DefaultQuotas(), today), "runtime"); len(fs) != 1 {
		t.Errorf("after its deprecation date nodejs20.x must warn, got %q", lines(fs))
	}
}

func TestRuntimeTable(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"nodejs22.x", "nodejs24.x", "python3.11", "python3.12", "python3.13", "python3.14",
		"java17", "java21", "java25", "dotnet8", "dotnet10", "ruby3.3", "ruby3.4", "ruby4.0", "provided.al2023"} {
		r, ok := LookupRuntime(name)
		if !ok {
			t.Errorf("%s missing from the runtime table", name)
			continue
		}
		if r.Glibc == "" || r.Family == "" {
			t.Errorf("%s has no glibc or family: %+v", name, r)
		}
	}
	for name, glibc := range map[string]string{"provided.al2023": "2.34", "nodejs22.x": "2.34", "python3.11": "2.26", "provided.al2": "2.26"} {
		if r, _ := LookupRuntime(name); r.Glibc != glibc {
			t.Errorf("%s glibc = %q, want %q", name, r.Glibc, glibc)
		}
	}
	if _, ok := LookupRuntime("Python3.12"); ok {
		t.Error("runtime lookup must be case-sensitive")
	}
}

func TestFindingsOrderErrorsFirst(t *testing.T) {
	t.Parallel()
	fn := base()
	fn.Runtime = "nodejs20.x" // warning, reported before memory in check order
	fn.Memory = 64
	fs := Check(fn, nil, nil, DefaultQuotas(), today)
	if len(fs) != 2 || fs[0].Check != "memory" || fs[1].Check != "runtime" {
		t.Errorf("want memory error then runtime warning, got %q", lines(fs))
	}
}

func ids(prefix string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("%s-%02d", prefix, i))
	}
	return out
}

func line(f Finding) string {
	if f.Hint == "" {
		return f.Message
	}
	return f.Message + "; " + f.Hint
}

func lines(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, line(f))
	}
	return out
}

func severities(fs []Finding) []Severity {
	var out []Severity
	for _, f := range fs {
		out = append(out, f.Severity)
	}
	return out
}
