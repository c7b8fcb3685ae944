package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/internal/safefile"
)

// env is a fixed environment for interpolation.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// write puts files (name → content) into a fresh folder and returns the
// path of its lamb.yaml.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "lamb.yaml")
}

// load writes doc as lamb.yaml and loads it with no environment.
func load(t *testing.T, doc string, opts LoadOptions) (*Config, error) {
	t.Helper()
	if opts.LookupEnv == nil {
		opts.LookupEnv = env(nil)
	}
	return Load(t.Context(), write(t, map[string]string{"lamb.yaml": doc}), opts)
}

func mustLoad(t *testing.T, doc string, opts LoadOptions) *Config {
	t.Helper()
	c, err := load(t, doc, opts)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return c
}

// problems returns the validation problems of err, failing the test when
// err is not a *ValidationError.
func problems(t *testing.T, err error) []Problem {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %T: %v", err, err)
	}
	return ve.Problems
}

func fn(t *testing.T, c *Config, key string) *Function {
	t.Helper()
	fs, err := c.Lookup(key)
	if err != nil {
		t.Fatal(err)
	}
	return fs[0]
}

func TestEveryMistakeIsReportedWithItsPosition(t *testing.T) {
	t.Parallel()
	_, err := Load(t.Context(), "testdata/mistakes.yaml", LoadOptions{LookupEnv: env(nil)})
	golden.Assert(t, "mistakes.golden", []byte(err.Error()+"\n"))

	// Each mistake in the file, by line, must be among the problems.
	want := map[int]string{
		2:  "regoin: unknown key (did you mean \"region\"?)",
		5:  "defaults.architecture: expected x86_64 or arm64, got \"amd64\"",
		6:  "defaults.name: name cannot be set in defaults",
		10: "functions.api.memroy: unknown key (did you mean \"memory\"?)",
		11: "functions.api.memory: expected an integer number of MB, got \"lots\"",
		12: "functions.api.timeout: expected a whole number of seconds, got \"1.5s\"",
		13: "functions.api.ephemeralStorage: -512 is out of range: ephemeralStorage must be 512–10240 MB",
		14: "functions.api.tracing: expected Active or PassThrough, got \"active\" (did you mean \"Active\"?)",
		15: "functions.api.layers: expected a list of strings",
		17: "functions.api.environment.files: expected a list of strings, got \".env\"",
		20: "functions.api.environment.vars.BROKEN: unterminated ${env:...} reference",
		22: "functions.api.functionUrl.authType: expected AWS_IAM or NONE, got \"PUBLIC\"",
		24: "functions.api.functionUrl.cors.allowCredentials: expected true or false, got \"yes\"",
		25: "functions.api.functionUrl.cors.maxAge: expected a duration like 30s or 1m30s",
		26: "functions.api.concurrency.reserved: expected a whole number, got 1.5",
		28: "functions.api.package.dependencies: expected auto or none, got \"yes\"",
		29: "functions.api.package.symlinks: expected follow or keep, got \"copy\"",
		31: "functions.api.deploy.engine: expected direct or codedeploy, got \"lambda\"",
		32: "functions.api.deploy.hooks.beforeAllowTrafic: unknown key (did you mean \"beforeAllowTraffic\"?)",
		33: "functions.api.deploy.keepVersions: expected a whole number, got \"ten\"",
		36: "functions.worker.handler: duplicate key (first set at line 35)",
		40: "stages.prod.functions.apx: no function \"apx\" under functions (did you mean \"api\"?)",
		41: "stages.prod.functions.worker.timeout: expected a duration",
	}
	ps := problems(t, err)
	for line, text := range want {
		found := false
		for _, p := range ps {
			if p.Line == line && strings.Contains(p.String(), text) {
				found = true
				if p.File != "testdata/mistakes.yaml" || p.Column < 1 {
					t.Errorf("line %d: problem not located in the file: %+v", line, p)
				}
			}
		}
		if !found {
			t.Errorf("line %d: no problem containing %q", line, text)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(ps), len(want), err)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i].Line < ps[i-1].Line {
			t.Errorf("problems are not sorted by line: %d before %d", ps[i-1].Line, ps[i].Line)
		}
	}
}

func TestUnknownKeysSuggestTheNearestKnownKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, want string
	}{
		{"top level", "functoins: {}\nfunctions: {api: {}}\n", `1:1: functoins: unknown key (did you mean "functions"?)`},
		{"function field", "functions:\n  api:\n    memroy: 128\n", `3:5: functions.api.memroy: unknown key (did you mean "memory"?)`},
		{"case", "functions:\n  api:\n    Handler: x\n", `3:5: functions.api.Handler: unknown key (did you mean "handler"?)`},
		{"nested", "functions:\n  api:\n    deploy:\n      stratgey: all-at-once\n", `4:7: functions.api.deploy.stratgey: unknown key (did you mean "strategy"?)`},
		{"defaults", "defaults:\n  runtim: python3.12\nfunctions: {api: {}}\n", `2:3: defaults.runtim: unknown key (did you mean "runtime"?)`},
		{"stage", "functions: {api: {}}\nstages:\n  prod:\n    regon: eu-west-1\n", `4:5: stages.prod.regon: unknown key (did you mean "region"?)`},
		{"nothing close lists the keys", "functions:\n  api:\n    vpc: {zones: [a]}\n", `3:11: functions.api.vpc.zones: unknown key (expected one of subnetIds, securityGroupIds)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.doc, LoadOptions{})
			ps := problems(t, err)
			if len(ps) != 1 || !strings.HasSuffix(ps[0].String(), tt.want) {
				t.Errorf("got %v, want one problem ending %q", err, tt.want)
			}
		})
	}
}

func TestValueTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		field, value string
		get          func(*Function) any
		want         any    // when valid
		problem      string // when invalid
	}{
		{"memory", "512", func(f *Function) any { return f.Memory }, 512, ""},
		{"memory", "lots", nil, nil, `expected an integer number of MB, got "lots"`},
		{"memory", "-1", nil, nil, `-1 is out of range: memory must be 128–10240 MB`},
		{"memory", "2147483647", func(f *Function) any { return f.Memory }, 2147483647, ""},
		{"memory", "2147483648", nil, nil, `2147483648 is out of range: memory must be 128–10240 MB`},
		{"memory", "99999999999999999999", nil, nil, `99999999999999999999 is out of range: memory must be 128–10240 MB`},
		{"memory", "1e12", nil, nil, `1e12 is out of range: memory must be 128–10240 MB`},
		{"ephemeralStorage", "0x80000000", nil, nil, `0x80000000 is out of range: ephemeralStorage must be 512–10240 MB`},
		{"timeout", "2147483648", nil, nil, `2147483648 is out of range: timeout must be 1–900 seconds`},
		{"timeout", "1000000h", nil, nil, `"1000000h" is out of range: timeout must be 1–900 seconds`},
		{"concurrency", "{reserved: -1}", nil, nil, `functions.api.concurrency.reserved: -1 is out of range: reserved must be from 0 to 2147483647`},
		{"functionUrl", "{cors: {maxAge: 2147483648}}", nil, nil, `functions.api.functionUrl.cors.maxAge: 2147483648 is out of range: maxAge must be from 0 to 2147483647 seconds`},
		{"memory", "512.5", nil, nil, `expected an integer number of MB, got 512.5`},
		{"memory", `"512"`, nil, nil, `expected an integer number of MB, got "512"`},
		{"memory", "[1]", nil, nil, `expected an integer number of MB, got a list`},
		{"ephemeralStorage", "1024", func(f *Function) any { return f.EphemeralStorage }, 1024, ""},
		{"timeout", "30s", func(f *Function) any { return f.Timeout }, 30, ""},
		{"timeout", "1m30s", func(f *Function) any { return f.Timeout }, 90, ""},
		{"timeout", "45", func(f *Function) any { return f.Timeout }, 45, ""},
		{"timeout", "15m", func(f *Function) any { return f.Timeout }, 900, ""},
		{"timeout", "500ms", nil, nil, `expected a whole number of seconds, got "500ms"`},
		{"timeout", "-5s", nil, nil, `"-5s" is out of range: timeout must be 1–900 seconds`},
		{"timeout", "soon", nil, nil, `expected a duration like 30s or 1m30s, or a whole number of seconds, got "soon"`},
		{"architecture", "arm64", func(f *Function) any { return f.Architecture }, "arm64", ""},
		{"architecture", "aarch64", nil, nil, `expected x86_64 or arm64, got "aarch64"`},
		{"tracing", "PassThrough", func(f *Function) any { return f.Tracing }, "PassThrough", ""},
		{"description", "42", func(f *Function) any { return f.Description }, "42", ""},
		{"description", "{a: b}", nil, nil, `expected a string, got a mapping`},
		{"layers", "[a.zip, b.zip]", func(f *Function) any { return strings.Join(f.Layers, ",") }, "a.zip,b.zip", ""},
		{"layers", "[a, [b]]", nil, nil, `functions.api.layers[1]: expected a string, got a list`},
		{"tags", "{team: orders, cost: 12}", func(f *Function) any { return f.Tags["cost"] }, "12", ""},
		{"tags", "[team]", nil, nil, `expected a mapping of names to values, got a list`},
		{"concurrency", "{reserved: 0}", func(f *Function) any { return *f.Concurrency.Reserved }, 0, ""},
		{"functionUrl", "{authType: NONE, public: true}", func(f *Function) any { return f.FunctionURL.AuthType }, "NONE", ""},
		{"functionUrl", "{authType: NONE, public: true}", func(f *Function) any { return f.FunctionURL.Public }, true, ""},
		{"functionUrl", "{public: yes}", nil, nil, `functions.api.functionUrl.public: expected true or false, got "yes"`},
		{"async", "{retries: 0}", func(f *Function) any { return *f.Async.Retries }, 0, ""},
		{"async", "{maxEventAge: 1h}", func(f *Function) any { return *f.Async.MaxEventAge }, 3600, ""},
		{"async", "{maxEventAge: 90}", func(f *Function) any { return *f.Async.MaxEventAge }, 90, ""},
		{"async", "{retries: two}", nil, nil, `functions.api.async.retries: expected a whole number, got "two"`},
		{"async", "{maxEventAge: later}", nil, nil, `functions.api.async.maxEventAge: expected a duration like 30s or 1m30s`},
		{"async", "{retires: 1}", nil, nil, `functions.api.async.retires: unknown key (did you mean "retries"?)`},
		{"functionUrl", "{cors: {maxAge: 2m}}", func(f *Function) any { return f.FunctionURL.CORS.MaxAge }, 120, ""},
		{"functionUrl", "{cors: {allowCredentials: true}}", func(f *Function) any { return f.FunctionURL.CORS.AllowCredentials }, true, ""},
		{"deploy", "{keepVersions: 3}", func(f *Function) any { return f.Deploy.KeepVersions }, 3, ""},
		{"deploy", "{engine: codedeploy}", func(f *Function) any { return f.Deploy.Engine }, "codedeploy", ""},
		{"package", "{symlinks: keep, dependencies: none}", func(f *Function) any { return f.Package.Symlinks + "," + f.Package.Dependencies }, "keep,none", ""},
		{"environment", "{vars: [A]}", nil, nil, `functions.api.environment.vars: expected a mapping of names to values, got a list`},
		{"vpc", "subnet-1", nil, nil, `functions.api.vpc: expected a mapping, got "subnet-1"`},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			doc := "functions:\n  api:\n    " + tt.field + ": " + tt.value + "\n"
			c, err := load(t, doc, LoadOptions{})
			if tt.problem != "" {
				ps := problems(t, err)
				if len(ps) != 1 || !strings.Contains(ps[0].String(), tt.problem) || ps[0].Line != 3 {
					t.Errorf("got %v, want one problem on line 3 containing %q", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.get(fn(t, c, "api")); got != tt.want {
				t.Errorf("%s: %s resolved to %v, want %v", tt.field, tt.value, got, tt.want)
			}
		})
	}
}

func TestDefaultsWhenUnset(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "functions:\n  api:\n    functionUrl: {}\n", LoadOptions{})
	f := fn(t, c, "api")
	checks := map[string][2]any{
		"name":                  {f.Name, "api"},
		"source":                {f.Source, c.Dir},
		"architecture":          {f.Architecture, "x86_64"},
		"package.dependencies":  {f.Package.Dependencies, "auto"},
		"package.symlinks":      {f.Package.Symlinks, "follow"},
		"package.main":          {f.Package.Main, "."},
		"deploy.alias":          {f.Deploy.Alias, "live"},
		"deploy.strategy":       {f.Deploy.Strategy, "all-at-once"},
		"deploy.engine":         {f.Deploy.Engine, "direct"},
		"deploy.keepVersions":   {f.Deploy.KeepVersions, 10},
		"functionUrl.authType":  {f.FunctionURL.AuthType, "AWS_IAM"},
		"memory (unset is 0)":   {f.Memory, 0},
		"reserved (unset: nil)": {f.Concurrency.Reserved == nil, true},
		"functionUrl.public":    {f.FunctionURL.Public, false},
		"async.retries (nil)":   {f.Async.Retries == nil, true},
		"async.maxEventAge":     {f.Async.MaxEventAge == nil, true},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	if g := fn(t, mustLoad(t, "functions: {api: {}}", LoadOptions{}), "api"); g.FunctionURL != nil {
		t.Errorf("a function without functionUrl must have none, got %+v", g.FunctionURL)
	}
}

// TestExplicitZero tells a written 0 apart from an omitted setting: Lambda
// refuses the first and applies its default for the second.
func TestExplicitZero(t *testing.T) {
	t.Parallel()
	doc := `defaults: {timeout: 0}
functions:
  api: {memory: 0, ephemeralStorage: 0}
  worker: {memory: 512, timeout: null}
`
	c := mustLoad(t, doc, LoadOptions{})
	api, worker := fn(t, c, "api"), fn(t, c, "worker")
	if want := (Explicit{Memory: true, Timeout: true, EphemeralStorage: true}); api.Explicit != want || api.Memory != 0 || api.Timeout != 0 {
		t.Errorf("api: explicit %+v, memory %d, timeout %d; want all explicit zeros", api.Explicit, api.Memory, api.Timeout)
	}
	if want := (Explicit{Memory: true}); worker.Explicit != want || worker.Memory != 512 {
		t.Errorf("worker: explicit %+v, memory %d; want only memory (512) explicit, timeout null is unset", worker.Explicit, worker.Memory)
	}
}

func TestNamesAndPaths(t *testing.T) {
	t.Parallel()
	doc := `project: orders
functions:
  api: {source: services/api, package: {artifact: dist/api.zip}}
  worker: {name: custom-worker, source: /opt/worker}
`
	c := mustLoad(t, doc, LoadOptions{})
	api, worker := fn(t, c, "api"), fn(t, c, "worker")
	if api.Name != "orders-api" || worker.Name != "custom-worker" {
		t.Errorf("names = %q, %q; want orders-api (project prefix) and custom-worker (explicit)", api.Name, worker.Name)
	}
	if api.Source != filepath.Join(c.Dir, "services", "api") || worker.Source != "/opt/worker" {
		t.Errorf("sources = %q, %q; want relative to lamb.yaml's folder, absolute kept", api.Source, worker.Source)
	}
	if api.Package.Artifact != filepath.Join(c.Dir, "dist", "api.zip") {
		t.Errorf("artifact = %q, want it resolved against lamb.yaml's folder", api.Package.Artifact)
	}
	if !filepath.IsAbs(c.Path) || filepath.Dir(c.Path) != c.Dir || filepath.Base(c.Path) != "lamb.yaml" {
		t.Errorf("Path %q / Dir %q are not the absolute file and its folder", c.Path, c.Dir)
	}
}

func TestPrecedenceOfDefaultsFunctionAndStage(t *testing.T) {
	t.Parallel()
	doc := `region: us-east-1
defaults:
  runtime: nodejs22.x
  memory: 256
  timeout: 10
  layers: [base.zip]
  tags: {team: orders, tier: default}
  environment: {vars: {LOG: info, TABLE: dev}}
functions:
  api:
    memory: 512
    tags: {tier: api}
    environment: {vars: {TABLE: api}}
  worker:
    runtime: python3.12
    layers: [worker.zip, extra.zip]
stages:
  prod:
    region: eu-west-1
    defaults: {timeout: 60, memory: 2048, tags: {env: prod}}
    functions:
      worker: {memory: 1024, layers: [prod.zip]}
`
	tests := []struct {
		stage                    string
		region                   string
		apiMem, apiTimeout       int
		workerMem, workerTimeout int
		workerLayers             string
		apiTags                  string
		apiEnv                   string
	}{
		{"", "us-east-1", 512, 10, 256, 10, "worker.zip,extra.zip", "team=orders,tier=api", "LOG=info,TABLE=api"},
		// The stage overrides defaults, but a function's own value still
		// wins over (stage) defaults; lists replace, maps merge.
		{"prod", "eu-west-1", 512, 60, 1024, 60, "prod.zip", "env=prod,team=orders,tier=api", "LOG=info,TABLE=api"},
	}
	for _, tt := range tests {
		t.Run("stage="+tt.stage, func(t *testing.T) {
			c := mustLoad(t, doc, LoadOptions{Stage: tt.stage})
			api, worker := fn(t, c, "api"), fn(t, c, "worker")
			if c.Region != tt.region || c.Stage != tt.stage {
				t.Errorf("region %q stage %q, want %q %q", c.Region, c.Stage, tt.region, tt.stage)
			}
			if api.Memory != tt.apiMem || api.Timeout != tt.apiTimeout || worker.Memory != tt.workerMem || worker.Timeout != tt.workerTimeout {
				t.Errorf("api %d MB %d s, worker %d MB %d s; want %d %d %d %d", api.Memory, api.Timeout, worker.Memory, worker.Timeout, tt.apiMem, tt.apiTimeout, tt.workerMem, tt.workerTimeout)
			}
			if got := strings.Join(worker.Layers, ","); got != tt.workerLayers {
				t.Errorf("worker layers = %s, want %s", got, tt.workerLayers)
			}
			if got := pairs(api.Tags); got != tt.apiTags {
				t.Errorf("api tags = %s, want %s", got, tt.apiTags)
			}
			if got := pairs(api.Environment); got != tt.apiEnv {
				t.Errorf("api environment = %s, want %s", got, tt.apiEnv)
			}
			if api.Runtime != "nodejs22.x" || worker.Runtime != "python3.12" {
				t.Errorf("runtimes = %s, %s", api.Runtime, worker.Runtime)
			}
		})
	}
}

func pairs(m map[string]string) string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return strings.Join(out, ",")
}

func TestUnknownStageListsTheKnownOnes(t *testing.T) {
	t.Parallel()
	doc := "functions: {api: {}}\nstages: {prod: {}, staging: {region: eu-west-1}}\n"
	_, err := load(t, doc, LoadOptions{Stage: "dev"})
	if !errors.Is(err, ErrUnknownStage) {
		t.Fatalf("err = %v, want ErrUnknownStage", err)
	}
	if !strings.Contains(err.Error(), `"dev"`) || !strings.Contains(err.Error(), "known stages: prod, staging") {
		t.Errorf("error %q should name the stage and list prod, staging", err)
	}
	_, err = load(t, "functions: {api: {}}\n", LoadOptions{Stage: "prod"})
	if !errors.Is(err, ErrUnknownStage) || !strings.Contains(err.Error(), "none are defined") {
		t.Errorf("err = %v, want ErrUnknownStage saying none are defined", err)
	}
	c := mustLoad(t, doc, LoadOptions{})
	if strings.Join(c.Stages, ",") != "prod,staging" {
		t.Errorf("Stages = %v", c.Stages)
	}
}

func TestDotenvFilesMergeInOrderThenVars(t *testing.T) {
	t.Parallel()
	path := write(t, map[string]string{
		"lamb.yaml": `functions:
  api:
    environment:
      files: [.env, config/.env.local]
      vars: {C: from-vars}
`,
		".env":              "A=base\nB=base\nC=base\n# comment\nQUOTED=\"two words\"\n",
		"config/.env.local": "B=local\nC=local\n",
	})
	c, err := Load(t.Context(), path, LoadOptions{LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	f := fn(t, c, "api")
	if got := pairs(f.Environment); got != "A=base,B=local,C=from-vars,QUOTED=two words" {
		t.Errorf("environment = %s", got)
	}
	if len(f.EnvironmentFiles) != 2 || f.EnvironmentFiles[1] != filepath.Join(c.Dir, "config", ".env.local") {
		t.Errorf("EnvironmentFiles = %v, want absolute paths in order", f.EnvironmentFiles)
	}
}

func TestDotenvProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "missing file",
			files: map[string]string{"lamb.yaml": "functions:\n  api:\n    environment:\n      files: [.env.missing]\n"},
			want:  []string{"lamb.yaml:4:15: functions.api.environment.files[0]: dotenv file .env.missing does not exist"},
		},
		{
			name:  "missing file named in defaults is reported once",
			files: map[string]string{"lamb.yaml": "defaults:\n  environment: {files: [nope.env]}\nfunctions: {a: {}, b: {}}\n"},
			want:  []string{"lamb.yaml:2:25: defaults.environment.files[0]: dotenv file nope.env does not exist"},
		},
		{
			name:  "unparsable file",
			files: map[string]string{"lamb.yaml": "functions:\n  api:\n    environment: {files: [.env]}\n", ".env": "A='unterminated\n"},
			want:  []string{"lamb.yaml:3:27: functions.api.environment.files[0]: parse dotenv file .env"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(t.Context(), write(t, tt.files), LoadOptions{LookupEnv: env(nil)})
			ps := problems(t, err)
			if len(ps) != len(tt.want) {
				t.Fatalf("got %d problems, want %d: %v", len(ps), len(tt.want), err)
			}
			for i, w := range tt.want {
				if got := ps[i].String(); !strings.HasSuffix(ps[i].File, "lamb.yaml") || !strings.Contains(got, strings.TrimPrefix(w, "lamb.yaml")) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got, w)
				}
			}
		})
	}
}

func TestInterpolation(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"TABLE": "orders", "MEM": "1024", "ROLE": "arn:aws:iam::123456789012:role/r", "EMPTY": ""}
	tests := []struct {
		name, doc string
		get       func(*Function) any
		want      any
		problems  []string
	}{
		{"string value", "functions:\n  api:\n    environment: {vars: {T: \"${env:TABLE}-v1\"}}\n",
			func(f *Function) any { return f.Environment["T"] }, "orders-v1", nil},
		{"two references", "functions:\n  api:\n    description: ${env:TABLE}/${env:TABLE}\n",
			func(f *Function) any { return f.Description }, "orders/orders", nil},
		{"integer field", "functions:\n  api:\n    memory: ${env:MEM}\n",
			func(f *Function) any { return f.Memory }, 1024, nil},
		{"quoted integer field (JSON style)", "functions:\n  api:\n    memory: \"${env:MEM}\"\n",
			func(f *Function) any { return f.Memory }, 1024, nil},
		{"defaults", "defaults: {role: \"${env:ROLE}\"}\nfunctions: {api: {}}\n",
			func(f *Function) any { return f.Role }, vars["ROLE"], nil},
		{"list item", "functions:\n  api:\n    layers: [\"${env:TABLE}.zip\"]\n",
			func(f *Function) any { return f.Layers[0] }, "orders.zip", nil},
		{"empty value", "functions:\n  api:\n    environment: {vars: {E: \"${env:EMPTY}\"}}\n",
			func(f *Function) any { return f.Environment["E"] }, "", nil},
		{"escape", "functions:\n  api:\n    description: \"$${env:TABLE} stays\"\n",
			func(f *Function) any { return f.Description }, "${env:TABLE} stays", nil},
		{"other dollar text is left alone", "functions:\n  api:\n    description: \"${AWS::Region} $HOME\"\n",
			func(f *Function) any { return f.Description }, "${AWS::Region} $HOME", nil},
		{"unset", "functions:\n  api:\n    environment:\n      vars:\n        TABLE: ${env:NO_SUCH_TABLE}\n", nil, nil,
			[]string{"5:16: functions.api.environment.vars.TABLE: environment variable NO_SUCH_TABLE is not set"}},
		{"every unset is reported", "project: ${env:P1}\nfunctions:\n  api:\n    role: ${env:R1}\n    handler: \"${env:H1}.${env:H2}\"\n", nil, nil,
			[]string{"1:10: project: environment variable P1 is not set", "4:11: functions.api.role: environment variable R1 is not set", "5:14: functions.api.handler: environment variables H1, H2 are not set"}},
		{"interpolated value of the wrong type", "functions:\n  api:\n    memory: ${env:TABLE}\n", nil, nil,
			[]string{`3:13: functions.api.memory: ${env:TABLE} is not an integer number of MB`}},
		{"unterminated", "functions:\n  api:\n    role: \"${env:ROLE\"\n", nil, nil,
			[]string{"3:11: functions.api.role: unterminated ${env:...} reference"}},
		{"bad name", "functions:\n  api:\n    role: \"${env:1X}\"\n", nil, nil,
			[]string{`3:11: functions.api.role: invalid environment variable name "1X"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(t, tt.doc, LoadOptions{LookupEnv: env(vars)})
			if tt.problems != nil {
				ps := problems(t, err)
				if len(ps) != len(tt.problems) {
					t.Fatalf("got %v, want %d problems", err, len(tt.problems))
				}
				for i, w := range tt.problems {
					if !strings.Contains(ps[i].String(), w) {
						t.Errorf("problem %q, want it to contain %q", ps[i], w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.get(fn(t, c, "api")); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEnvironmentValuesNeverAppearInProblems(t *testing.T) {
	t.Parallel()
	const secret = "S3cr3t-do-not-print["
	vars := map[string]string{"SECRET": secret, "BIG": "2147483648", "NEG": "-5"}
	tests := []struct{ field, value, want string }{
		{"memory", "${env:SECRET}", "functions.api.memory: ${env:SECRET} is not an integer number of MB"},
		{"memory", "\"${env:SECRET}\"", "functions.api.memory: ${env:SECRET} is not an integer number of MB"},
		{"timeout", "${env:SECRET}s", "functions.api.timeout: ${env:SECRET}s is not a duration like 30s or 1m30s, or a whole number of seconds"},
		{"timeout", "${env:NEG}s", "functions.api.timeout: ${env:NEG}s is out of range: timeout must be 1–900 seconds"},
		{"memory", "${env:BIG}", "functions.api.memory: ${env:BIG} is out of range: memory must be 128–10240 MB"},
		{"architecture", "${env:SECRET}", "functions.api.architecture: ${env:SECRET} is not x86_64 or arm64"},
		{"tracing", "x${env:SECRET}", "functions.api.tracing: x${env:SECRET} is not Active or PassThrough"},
		{"functionUrl", "{cors: {allowCredentials: \"${env:SECRET}\"}}", "functions.api.functionUrl.cors.allowCredentials: ${env:SECRET} is not true or false"},
		{"package", "{include: [\"${env:SECRET}\"]}", "functions.api.package.include[0]: ${env:SECRET} is not a valid file pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			_, err := load(t, "functions:\n  api:\n    "+tt.field+": "+tt.value+"\n", LoadOptions{LookupEnv: env(vars)})
			ps := problems(t, err)
			if len(ps) != 1 || ps[0].Line != 3 || !strings.Contains(ps[0].String(), tt.want) {
				t.Errorf("got %v, want one problem on line 3 containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "S3cr3t") || strings.Contains(err.Error(), "2147483648") {
				t.Errorf("a problem shows the variable's value: %v", err)
			}
		})
	}
}

func TestInterpolationOnlyForTheSelectedStage(t *testing.T) {
	t.Parallel()
	doc := "functions:\n  api: {}\nstages:\n  prod:\n    functions: {api: {role: \"${env:PROD_ROLE}\"}}\n"
	if _, err := load(t, doc, LoadOptions{}); err != nil {
		t.Errorf("without --stage the prod stage's variables are not needed, got %v", err)
	}
	_, err := load(t, doc, LoadOptions{Stage: "prod"})
	ps := problems(t, err)
	if len(ps) != 1 || !strings.Contains(ps[0].String(), "5:29: functions.api.role: environment variable PROD_ROLE is not set") {
		t.Errorf("with --stage prod: %v", err)
	}
}

func TestDefaultLookupIsTheProcessEnvironment(t *testing.T) {
	t.Setenv("LAMB_CONFIG_TEST_TABLE", "from-process")
	c, err := Load(t.Context(), write(t, map[string]string{"lamb.yaml": "functions: {api: {environment: {vars: {T: \"${env:LAMB_CONFIG_TEST_TABLE}\"}}}}\n"}), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fn(t, c, "api").Environment["T"]; got != "from-process" {
		t.Errorf("T = %q, want the process environment's value", got)
	}
}

func TestJSONConfiguration(t *testing.T) {
	t.Parallel()
	doc := "{\n\t\"project\": \"orders\",\n\t\"functions\": {\n\t\t\"api\": {\n\t\t\t\"memory\": 512,\n\t\t\t\"timeout\": \"30s\",\n\t\t\t\"layers\": [\"a.zip\"],\n\t\t\t\"environment\": {\"vars\": {\"T\": \"${env:TABLE}\"}}\n\t\t}\n\t}\n}\n"
	for _, name := range []string{"lamb.json", "lamb.yaml", "config"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := Load(t.Context(), p, LoadOptions{LookupEnv: env(map[string]string{"TABLE": "t"})})
			if err != nil {
				t.Fatal(err)
			}
			f := fn(t, c, "orders-api")
			if f.Memory != 512 || f.Timeout != 30 || f.Environment["T"] != "t" || f.Layers[0] != "a.zip" {
				t.Errorf("resolved %+v", f)
			}
		})
	}
	_, err := Parse(context.Background(), []byte("{\n  \"functions\": {\n    \"api\": {\n      \"memroy\": 512\n    }\n  }\n}\n"), "lamb.json", LoadOptions{})
	if ps := problems(t, err); len(ps) != 1 || ps[0].String() != `lamb.json:4:7: functions.api.memroy: unknown key (did you mean "memory"?)` {
		t.Errorf("JSON problems must carry positions too: %v", err)
	}
}

func TestNoFunctions(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"empty file":       "",
		"comment only":     "# nothing yet\n",
		"missing":          "project: orders\n",
		"empty mapping":    "functions: {}\n",
		"null":             "functions:\n",
		"empty JSON":       "{}",
		"stages only":      "stages: {prod: {}}\n",
		"defaults no fns":  "defaults: {runtime: nodejs22.x}\n",
		"functions a list": "functions: [api]\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, doc, LoadOptions{})
			ps := problems(t, err)
			if len(ps) == 0 || ps[0].Path != "functions" {
				t.Errorf("got %v, want a problem at functions", err)
			}
		})
	}
}

func TestTopLevelMustBeAMapping(t *testing.T) {
	t.Parallel()
	_, err := load(t, "- api\n- worker\n", LoadOptions{})
	if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].Message, "expected a mapping, got a list") {
		t.Errorf("got %v", err)
	}
}

func TestSyntaxErrorsNameTheLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ doc, want string }{
		{"functions:\n  api:\n    memory: 128\n   handler: x\n", ":4:1: invalid YAML:"},
		{"functions:\n  api: {memory: 128\n", ":2:1: invalid YAML: did not find expected ',' or '}'"},
		{"functions:\n\tapi: {}\n", ":2:1: invalid YAML: found character that cannot start any token"},
	}
	for _, tt := range tests {
		_, err := load(t, tt.doc, LoadOptions{})
		if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].String(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.doc, err, tt.want)
		}
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	t.Parallel()
	doc := `x-common: &common
  runtime: python3.12
  memory: 256
functions:
  a:
    <<: *common
    memory: 512
  b: *common
`
	_, err := load(t, doc, LoadOptions{})
	// x-common is not a lamb key; the merge itself must work.
	if ps := problems(t, err); len(ps) != 1 || ps[0].Path != "x-common" {
		t.Fatalf("got %v, want only x-common reported", err)
	}
	c := mustLoad(t, strings.Replace(doc, "x-common: &common", "defaults: &common", 1), LoadOptions{})
	if a, b := fn(t, c, "a"), fn(t, c, "b"); a.Memory != 512 || a.Runtime != "python3.12" || b.Memory != 256 {
		t.Errorf("a = %d MB %s, b = %d MB", a.Memory, a.Runtime, b.Memory)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "project: orders\nfunctions:\n  api: {}\n  worker: {name: jobs}\n  cron: {}\n", LoadOptions{})
	tests := []struct {
		names []string
		want  string
		err   string
	}{
		{nil, "api,cron,worker", ""},
		{[]string{"worker"}, "worker", ""},
		{[]string{"jobs", "orders-api"}, "worker,api", ""},
		{[]string{"api", "orders-api"}, "api", ""},
		{[]string{"wroker"}, "", `unknown function: "wroker" is not in lamb.yaml (did you mean "worker"?); known functions: api, cron, worker`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, "+"), func(t *testing.T) {
			fs, err := c.Lookup(tt.names...)
			if tt.err != "" {
				if !errors.Is(err, ErrUnknownFunction) || err.Error() != tt.err {
					t.Errorf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, f := range fs {
				keys = append(keys, f.Key)
			}
			if got := strings.Join(keys, ","); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMissingFileSaysWhatToDo(t *testing.T) {
	t.Parallel()
	_, err := Load(t.Context(), filepath.Join(t.TempDir(), "lamb.yaml"), LoadOptions{})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "lamb init") || !strings.Contains(err.Error(), "--config") {
		t.Errorf("err = %v, want ErrNotFound suggesting lamb init or --config", err)
	}
}

// A configuration that never ends (a device) or is huge must be refused
// by name and bound, not read until memory runs out.
func TestLoadReadsOnlyABoundedRegularFile(t *testing.T) {
	t.Parallel()
	huge := write(t, map[string]string{"lamb.yaml": "functions: {api: {}}\n" + strings.Repeat("#", MaxFileBytes)})
	_, err := Load(t.Context(), huge, LoadOptions{})
	var tl *safefile.TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), huge) || !strings.Contains(err.Error(), "4 MiB") {
		t.Errorf("huge file: err = %v, want a *safefile.TooLargeError naming the file and 4 MiB", err)
	}
	if fi, serr := os.Stat("/dev/zero"); serr == nil && fi.Mode()&os.ModeDevice != 0 {
		_, err = Load(t.Context(), "/dev/zero", LoadOptions{})
		var nr *safefile.NotRegularError
		if !errors.As(err, &nr) || !strings.Contains(err.Error(), "/dev/zero") {
			t.Errorf("/dev/zero: err = %v, want a *safefile.NotRegularError naming it", err)
		}
	}
}

func TestLoadAFolderReadsItsLambYAML(t *testing.T) {
	t.Parallel()
	p := write(t, map[string]string{"lamb.yaml": "functions: {api: {}}\n"})
	c, err := Load(t.Context(), filepath.Dir(p), LoadOptions{})
	if err != nil || c.Path != p {
		t.Errorf("Load(folder) = %v, %v; want %s", c, err, p)
	}
}

func TestFullFileResolvesEveryField(t *testing.T) {
	t.Parallel()
	c, err := Load(t.Context(), "testdata/full.yaml", LoadOptions{Stage: "prod", LookupEnv: env(nil)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = bytes.ReplaceAll(out, []byte(c.Dir), []byte("$DIR"))
	golden.Assert(t, "full.golden.json", append(out, '\n'))
}

func TestAliasBombIsRefused(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("functions: {api: {}}\n")
	_, err := load(t, b.String(), LoadOptions{})
	if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].Message, "simplify its anchors and aliases") {
		t.Errorf("got %v", err)
	}
}

// BenchmarkLoad measures loading the full example file with a stage, which
// every lamb command does first.
func BenchmarkLoad(b *testing.B) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse(context.Background(), data, "testdata/full.yaml", LoadOptions{Stage: "prod", LookupEnv: env(nil)}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMergeKeyListsTakeTheFirstSourceFirst(t *testing.T) {
	t.Parallel()
	doc := `defaults: {}
functions:
  small: &small {memory: 128, timeout: 5}
  slow: &slow {timeout: 60, description: slow}
  both:
    <<: [*small, *slow]
    description: both
`
	c := mustLoad(t, doc, LoadOptions{})
	if f := fn(t, c, "both"); f.Memory != 128 || f.Timeout != 5 || f.Description != "both" {
		t.Errorf("both = %d MB, %d s, %q; want 128, 5 (first source wins), both (own key wins)", f.Memory, f.Timeout, f.Description)
	}
}

func TestEmptyStageEntryChangesNothing(t *testing.T) {
	t.Parallel()
	doc := "functions:\n  api: {memory: 512, tags: {a: b}}\nstages:\n  prod:\n    functions:\n      api:\n"
	c := mustLoad(t, doc, LoadOptions{Stage: "prod"})
	if f := fn(t, c, "api"); f.Memory != 512 || f.Tags["a"] != "b" {
		t.Errorf("an empty stage entry erased the function: %+v", f)
	}
	doc = "functions:\n  api: {memory: 512, description: base}\nstages:\n  prod:\n    functions: {api: {description: ~}}\n"
	if f := fn(t, mustLoad(t, doc, LoadOptions{Stage: "prod"}), "api"); f.Description != "" || f.Memory != 512 {
		t.Errorf("a null value in a stage must unset that field only: %+v", f)
	}
}

func TestHomeRelativeSource(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	c := mustLoad(t, "functions: {api: {source: ~/src/api}}\n", LoadOptions{})
	if got := fn(t, c, "api").Source; got != filepath.Join(home, "src", "api") {
		t.Errorf("source = %q, want it under $HOME", got)
	}
}

// acceptedOrOneProblem loads doc and checks that it is accepted (want is
// empty) or refused with exactly one problem containing want.
func acceptedOrOneProblem(t *testing.T, doc, want string) {
	t.Helper()
	_, err := load(t, doc, LoadOptions{})
	if want == "" {
		if err != nil {
			t.Errorf("refused: %v", err)
		}
		return
	}
	if ps := problems(t, err); len(ps) != 1 || !strings.Contains(ps[0].String(), want) {
		t.Errorf("got %v, want one problem containing %q", err, want)
	}
}

func TestFunctionKeysMustBeLambdaNames(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 65)
	tests := []struct{ key, want string }{
		{"api", ""},
		{"api-v2_EU", ""},
		{strings.Repeat("a", 64), ""},
		{"a/b", `3:3: functions: function key "a/b" is not valid: use 1–64 letters, digits, hyphens and underscores`},
		{`"."`, `3:3: functions: function key "." is not valid`},
		{`".."`, `3:3: functions: function key ".." is not valid`},
		{`"a\0b"`, `3:3: functions: function key "a\x00b" is not valid`},
		{`"my api"`, `3:3: functions: function key "my api" is not valid`},
		{long, `3:3: functions: function key "` + long + `" is not valid`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			acceptedOrOneProblem(t, "project: orders\nfunctions:\n  "+tt.key+": {}\n", tt.want)
		})
	}
}

func TestPackagePatternsAreCheckedAsThePackagerReadsThem(t *testing.T) {
	t.Parallel()
	tests := []struct{ list, want string }{
		{`include: ["*.js", "!tests/", "lib/**", "{a,b}.txt", "\\#literal"]`, ""},
		{`include: ["src/[a-z"]`, `4:17: functions.api.package.include[0]: pattern "src/[a-z" is not a valid glob`},
		{`exclude: ["ok", "bad\\"]`, `4:23: functions.api.package.exclude[1]: pattern "bad\\" is not a valid glob`},
		{`exclude: ["/"]`, `4:17: functions.api.package.exclude[0]: pattern "/" matches nothing`},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			acceptedOrOneProblem(t, "functions:\n  api:\n    package:\n      "+tt.list+"\n", tt.want)
		})
	}
	// Patterns in defaults and stages are checked too, whether or not the
	// stage is selected.
	_, err := load(t, "defaults:\n  package: {exclude: [\"[\"]}\nfunctions: {api: {}}\nstages:\n  prod:\n    functions: {api: {package: {include: [\"[\"]}}}\n", LoadOptions{})
	ps := problems(t, err)
	if len(ps) != 2 || ps[0].Path != "defaults.package.exclude[0]" || ps[1].Path != "stages.prod.functions.api.package.include[0]" {
		t.Errorf("got %v, want the defaults and the stage pattern", err)
	}
}

func TestDocumentProblemsAreLocated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, doc string
		want            []string
	}{
		{"invalid UTF-8", "lamb.yaml", "functions:\n  api:\n    description: caf\xe9 au lait\n",
			[]string{"3:21: invalid UTF-8 (byte 0xe9): save the file as UTF-8 text"}},
		{"invalid UTF-8 after other characters", "lamb.yaml", "functions:\n  api:\n    description: \"été \xff\"\n",
			[]string{"3:23: invalid UTF-8 (byte 0xff)"}},
		{"undefined alias", "lamb.yaml", "defaults: &base {runtime: nodejs22.x}\nfunctions:\n  api:\n    <<: *bsae\n",
			[]string{"4:9: invalid YAML: alias *bsae refers to no anchor: define &bsae before the alias"}},
		{"alias in a flow list", "lamb.yaml", "functions:\n  api:\n    layers: [a, *nope]\n",
			[]string{"3:17: invalid YAML: alias *nope refers to no anchor"}},
		{"deep nesting", "lamb.yaml", "project: x\nfunctions:\n  api:\n    tags: " + strings.Repeat("[", 150) + strings.Repeat("]", 150) + "\n",
			[]string{"4:109: values nest more than 100 levels deep here"}},
		{"alias inside its own anchor", "lamb.yaml", "functions:\n  api: {}\nx: &loop\n  - *loop\n",
			[]string{"nest more than 100 levels deep here"}},
		{"second document", "lamb.yaml", "functions:\n  api: {}\n---\nfunctions:\n  worker: {}\n",
			[]string{"3:1: a second YAML document starts here, and lamb reads only one"}},
		{"document after an end marker", "lamb.yaml", "functions:\n  api: {}\n...\nproject: orders\n",
			[]string{"4:1: invalid YAML: did not find expected <document start>"}},
		{"broken second document", "lamb.yaml", "functions:\n  api: {}\n---\nfunctions: [\n",
			[]string{"invalid YAML: did not find expected node content"}},
		{"application tag", "lamb.yaml", "functions:\n  api:\n    handler: !Ref Handler\n    memory: !GetAtt 512\n    description: !!str 42\n",
			[]string{"3:14: functions.api.handler: tag !Ref is not supported: lamb.yaml has no tags; write the value itself",
				"4:13: functions.api.memory: tag !GetAtt is not supported"}},
		{"tag on a mapping", "lamb.yaml", "functions:\n  api: !Function {}\n",
			[]string{"2:8: functions.api: tag !Function is not supported"}},
		{"JSON line comment", "lamb.json", "{\n  \"functions\": {\n    // the API\n    \"api\": {}\n  }\n}\n",
			[]string{"3:5: JSON does not allow comments"}},
		{"JSON block comment", "lamb.json", "{\"functions\": {\"api\": {} /* x */}}\n",
			[]string{"1:26: JSON does not allow comments"}},
		{"JSON trailing comma", "lamb.json", "{\n  \"functions\": {\"api\": {},}\n}\n",
			[]string{"2:27: invalid JSON: invalid character '}' looking for beginning of object key string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(context.Background(), []byte(tt.doc), tt.file, LoadOptions{LookupEnv: env(nil)})
			ps := problems(t, err)
			if len(ps) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(ps[i].String(), w) {
					t.Errorf("problem %q, want it to contain %q", ps[i], w)
				}
				if ps[i].Line == 1 && ps[i].Column == 1 {
					t.Errorf("problem %q is not located", ps[i])
				}
			}
		})
	}
}

func TestEveryProblemIsReportedInOneRunInFileOrder(t *testing.T) {
	t.Parallel()
	doc := "project: ${env:NO_PROJECT}\nfunctions:\n  api:\n    timeout: soon\n    role: ${env:NO_ROLE}\n    memory: ${env:MEM}\n"
	_, err := load(t, doc, LoadOptions{LookupEnv: env(map[string]string{"MEM": "lots"})})
	ps := problems(t, err)
	want := []string{
		"1:10: project: environment variable NO_PROJECT is not set",
		"4:14: functions.api.timeout: expected a duration",
		"5:11: functions.api.role: environment variable NO_ROLE is not set",
		"6:13: functions.api.memory: ${env:MEM} is not an integer number of MB",
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(want), err)
	}
	for i, w := range want {
		if !strings.Contains(ps[i].String(), w) {
			t.Errorf("problem %d = %q, want it to contain %q", i, ps[i], w)
		}
	}
}

// TestPublicURLMustBeConfirmed: a function URL anyone may call needs both
// authType NONE and public: true; either alone is a problem located where
// it is written.
func TestPublicURLMustBeConfirmed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, stage string
		line             int
		problem          string // "" when valid
	}{
		{"confirmed", "functions:\n  api:\n    functionUrl: {authType: NONE, public: true}\n", "", 0, ""},
		{"IAM by default", "functions:\n  api:\n    functionUrl: {}\n", "", 0, ""},
		{"NONE alone", "functions:\n  api:\n    functionUrl:\n      authType: NONE\n", "", 4,
			"functions.api.functionUrl.authType: authType NONE makes the function URL public: anyone on the internet may invoke the function; add public: true under functionUrl to confirm"},
		{"NONE from defaults", "defaults:\n  functionUrl: {authType: NONE}\nfunctions:\n  api: {functionUrl: {cors: {maxAge: 60}}}\n", "", 2,
			"defaults.functionUrl.authType: authType NONE makes the function URL public"},
		{"confirmed in defaults", "defaults:\n  functionUrl: {authType: NONE, public: true}\nfunctions:\n  api: {functionUrl: {}}\n", "", 0, ""},
		{"public without NONE", "functions:\n  api:\n    functionUrl:\n      public: true\n", "", 4,
			"functions.api.functionUrl.public: public: true needs authType: NONE (with AWS_IAM only IAM-signed requests get through)"},
		{"stage turns it private", "functions:\n  api: {functionUrl: {authType: NONE, public: true}}\nstages:\n  prod:\n    functions: {api: {functionUrl: {authType: AWS_IAM}}}\n", "prod", 2,
			"functions.api.functionUrl.public: public: true needs authType: NONE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.doc, LoadOptions{Stage: tt.stage})
			if tt.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			ps := problems(t, err)
			if len(ps) != 1 || !strings.Contains(ps[0].String(), tt.problem) || ps[0].Line != tt.line {
				t.Errorf("got %v, want one problem on line %d containing %q", err, tt.line, tt.problem)
			}
		})
	}
}

// TestGoMainStaysInsideTheSource: package.main is a folder relative to the
// function's source; one that leaves it is a problem on its line.
func TestGoMainStaysInsideTheSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		main, problem string // problem "" when valid
	}{
		{"./cmd/hello", ""},
		{"cmd/hello", ""},
		{"./cmd/../cmd/hello", ""},
		{"../other", "functions.api.package.main: ../other is outside the function's source folder"},
		{"./cmd/../../x", "outside the function's source folder"},
		{`..\\x`, "outside the function's source folder"},
		{"/srv/app/cmd", "functions.api.package.main: /srv/app/cmd is an absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.main, func(t *testing.T) {
			doc := "functions:\n  api:\n    package:\n      main: \"" + tt.main + "\"\n"
			c, err := load(t, doc, LoadOptions{})
			if tt.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := fn(t, c, "api").Package.Main; got != tt.main {
					t.Errorf("package.main = %q, want %q as written", got, tt.main)
				}
				return
			}
			ps := problems(t, err)
			if len(ps) != 1 || !strings.Contains(ps[0].String(), tt.problem) || ps[0].Line != 4 {
				t.Errorf("got %v, want one problem on line 4 containing %q", err, tt.problem)
			}
		})
	}
}

// TestBundleSettings: esbuild bundles only for nodejs runtimes, and its
// settings need it; problems are located where the value is written.
func TestBundleSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		line      int
		problem   string // "" when valid
	}{
		{"node", "functions:\n  api:\n    runtime: nodejs22.x\n    package: {bundle: esbuild, esbuild: {external: [sharp], minify: true, sourcemap: true}}\n", 0, ""},
		{"none with no settings", "functions:\n  api:\n    runtime: python3.12\n    package: {bundle: none}\n", 0, ""},
		{"python", "functions:\n  api:\n    runtime: python3.12\n    package:\n      bundle: esbuild\n", 5,
			"functions.api.package.bundle: bundle: esbuild bundles JavaScript and TypeScript for nodejs runtimes, not python3.12"},
		{"from defaults", "defaults:\n  package: {bundle: esbuild}\nfunctions:\n  api: {runtime: java21}\n", 2,
			"defaults.package.bundle: bundle: esbuild bundles JavaScript and TypeScript for nodejs runtimes, not java21"},
		{"with an artifact", "functions:\n  api:\n    runtime: nodejs22.x\n    package:\n      artifact: dist.zip\n      bundle: esbuild\n", 6,
			"functions.api.package.bundle: bundle: esbuild makes the bundle, artifact gives a ready one; remove one of them"},
		{"settings without bundle", "functions:\n  api:\n    runtime: nodejs22.x\n    package:\n      esbuild: {minify: true}\n", 5,
			"functions.api.package.esbuild: esbuild settings apply only with bundle: esbuild"},
		{"misspelt", "functions:\n  api:\n    runtime: nodejs22.x\n    package: {bundle: esbulid}\n", 4,
			`functions.api.package.bundle: expected none or esbuild, got "esbulid" (did you mean "esbuild"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := load(t, tt.doc, LoadOptions{})
			if tt.problem == "" {
				if err != nil {
					t.Fatal(err)
				}
				if p := cfg.Functions[0].Package; p.Bundle == "esbuild" && (!p.Esbuild.Minify || !p.Esbuild.Sourcemap || len(p.Esbuild.External) != 1) {
					t.Errorf("esbuild settings = %+v", p.Esbuild)
				}
				return
			}
			ps := problems(t, err)
			if len(ps) != 1 || !strings.Contains(ps[0].String(), tt.problem) || ps[0].Line != tt.line {
				t.Errorf("got %v, want one problem on line %d containing %q", err, tt.line, tt.problem)
			}
		})
	}
}
