package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lambcli/lamb/internal/suggest"
)

// loader turns one document into a Config.
type loader struct {
	ctx  context.Context // stops the reading of dotenv files
	file string          // as the user named it, for problems
	path string          // absolute
	dir  string
	opts LoadOptions
}

func (l *loader) load(data []byte) (*Config, error) {
	root, parsed := parseDocument(data, l.file)
	if root == nil {
		return nil, newValidationError(parsed)
	}

	// Pass 1: the whole file, every stage included, so a mistake in a
	// stage that is not selected today is still reported.
	v := &validator{file: l.file, deferEnv: true, waiting: map[*yaml.Node]bool{}, problems: parsed}
	v.check(root, fileSc, "")
	if root.Kind == yaml.MappingNode {
		l.checkStructure(v, root)
	}

	stagesNode := lookup(root, "stages")
	stages := keysOf(stagesNode)
	doc := root
	if root.Kind == yaml.MappingNode {
		doc = without(root, "stages")
	}
	if l.opts.Stage != "" {
		sn := lookup(stagesNode, l.opts.Stage)
		if sn == nil {
			if err := newValidationError(v.problems); err != nil {
				return nil, err
			}
			known := "none are defined"
			if len(stages) > 0 {
				known = "known stages: " + strings.Join(stages, ", ")
			}
			return nil, fmt.Errorf("%w %q in %s: %s", ErrUnknownStage, l.opts.Stage, l.file, known)
		}
		doc = overlay(doc, sn)
	}

	// Pass 2: the effective document, interpolated. Its problems (unset
	// variables) are reported with those of pass 1, in file order.
	v2 := &validator{file: l.file}
	expanded := map[*yaml.Node]string{}
	v2.interpolate(doc, "", l.opts.LookupEnv, expanded)

	// Pass 3: the values whose check waited for their final text.
	v3 := &validator{file: l.file, paths: map[*yaml.Node]string{}, refsDone: true, only: map[*yaml.Node]string{}}
	for n, raw := range expanded {
		if v.waiting[n] {
			v3.only[n] = raw
		}
	}
	v3.check(doc, fileSc, "")
	if err := newValidationError(slices.Concat(v.problems, v2.problems, v3.problems)); err != nil {
		return nil, err
	}

	// Reading dotenv files may still find problems, wherever they are.
	vf := &validator{file: l.file, paths: v3.paths}
	cfg := &Config{
		Path:    l.path,
		Dir:     l.dir,
		Project: text(lookup(doc, "project")),
		Region:  text(lookup(doc, "region")),
		Profile: text(lookup(doc, "profile")),
		Stage:   l.opts.Stage,
		Stages:  stages,
	}
	cfg.Layers = l.layers(vf, cfg, lookup(doc, "layers"))
	defaults := lookup(doc, "defaults")
	fns := lookup(doc, "functions")
	for i := 0; i+1 < len(fns.Content); i += 2 {
		key := fns.Content[i].Value
		cfg.Functions = append(cfg.Functions, l.function(vf, cfg, key, overlay(defaults, fns.Content[i+1])))
	}
	slices.SortFunc(cfg.Functions, func(a, b *Function) int { return strings.Compare(a.Key, b.Key) })
	if err := l.ctx.Err(); err != nil {
		return nil, err
	}
	if err := newValidationError(vf.problems); err != nil {
		return nil, err
	}
	return cfg, nil
}

// checkStructure reports what the schema alone cannot: a file without
// functions, a name in defaults, stage overlays for functions that do not exist.
func (l *loader) checkStructure(v *validator, root *yaml.Node) {
	fns := lookup(root, "functions")
	if fns == nil || (fns.Kind == yaml.MappingNode && len(fns.Content) == 0) || isNull(fns) {
		at := fns
		if at == nil {
			at = root
		}
		v.add(at, "functions", "no functions defined: add at least one function under functions:")
	}
	keys := keysOf(fns)
	for i := 0; fns != nil && fns.Kind == yaml.MappingNode && i+1 < len(fns.Content); i += 2 {
		switch k := fns.Content[i]; {
		case strings.TrimSpace(k.Value) == "":
			v.add(k, "functions", "a function key must not be empty")
		case k.Kind == yaml.ScalarNode && !validFunctionKey(k.Value):
			v.add(k, "functions", "function key %q is not valid: use 1–64 letters, digits, hyphens and underscores (the key names the function's zip and becomes part of its Lambda name)", k.Value)
		}
	}
	checkDefaults := func(defaults *yaml.Node, path string) {
		if n := lookup(defaults, "name"); n != nil && defaults.Kind == yaml.MappingNode {
			v.add(n, path+".name", "name cannot be set in defaults: every function needs its own AWS name (set it per function, or use project: to prefix keys)")
		}
	}
	checkDefaults(lookup(root, "defaults"), "defaults")
	stages := lookup(root, "stages")
	if stages == nil || stages.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(stages.Content); i += 2 {
		name, st := stages.Content[i].Value, stages.Content[i+1]
		if st.Kind != yaml.MappingNode {
			continue
		}
		checkDefaults(lookup(st, "defaults"), "stages."+name+".defaults")
		sf := lookup(st, "functions")
		if sf == nil || sf.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(sf.Content); j += 2 {
			k := sf.Content[j]
			if slices.Contains(keys, k.Value) {
				continue
			}
			msg := fmt.Sprintf("no function %q under functions", k.Value)
			if s := suggest.Closest(k.Value, keys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			v.add(k, "stages."+name+".functions."+k.Value, "%s", msg)
		}
	}
}

// validFunctionKey reports whether key can be part of a Lambda function
// name (letters, digits, - and _, at most 64 characters). A key is also a
// file name under .lamb/build/, so anything else ("..", "a/b") is refused.
func validFunctionKey(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func keysOf(n *yaml.Node) []string {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	slices.Sort(keys)
	return keys
}

// function resolves one function from its node with defaults merged in.
func (l *loader) function(v *validator, cfg *Config, key string, n *yaml.Node) *Function {
	f := &Function{
		Key:              key,
		Name:             text(lookup(n, "name")),
		Source:           l.abs(text(lookup(n, "source"))),
		Handler:          text(lookup(n, "handler")),
		Runtime:          text(lookup(n, "runtime")),
		Architecture:     or(text(lookup(n, "architecture")), DefaultArchitecture),
		Role:             text(lookup(n, "role")),
		Description:      text(lookup(n, "description")),
		KMSKeyArn:        text(lookup(n, "kmsKeyArn")),
		Tracing:          text(lookup(n, "tracing")),
		DeadLetter:       text(lookup(n, "deadLetter")),
		Memory:           integer(lookup(n, "memory"), kindMB),
		Timeout:          integer(lookup(n, "timeout"), kindSeconds),
		EphemeralStorage: integer(lookup(n, "ephemeralStorage"), kindMB),
		Layers:           list(lookup(n, "layers")),
		VPC: VPC{
			SubnetIDs:        list(path(n, "vpc", "subnetIds")),
			SecurityGroupIDs: list(path(n, "vpc", "securityGroupIds")),
		},
		Destinations: Destinations{
			OnSuccess: text(path(n, "destinations", "onSuccess")),
			OnFailure: text(path(n, "destinations", "onFailure")),
		},
		Concurrency: Concurrency{
			Provisioned: integer(path(n, "concurrency", "provisioned"), kindCount),
		},
		Tags: dict(lookup(n, "tags")),
		Package: Package{
			Build:        text(path(n, "package", "build")),
			Dependencies: or(text(path(n, "package", "dependencies")), DefaultDependencies),
			Installer:    or(text(path(n, "package", "installer")), DefaultInstaller),
			Include:      list(path(n, "package", "include")),
			Exclude:      list(path(n, "package", "exclude")),
			Symlinks:     or(text(path(n, "package", "symlinks")), DefaultSymlinks),
			Main:         or(text(path(n, "package", "main")), DefaultGoMain),
			Prebuilds:    or(text(path(n, "package", "prebuilds")), DefaultPrebuilds),
			AllowScripts: list(path(n, "package", "allowScripts")),
			Bundle:       or(text(path(n, "package", "bundle")), DefaultBundle),
			Esbuild: Esbuild{
				External:  list(path(n, "package", "esbuild", "external")),
				Minify:    text(path(n, "package", "esbuild", "minify")) == "true",
				Sourcemap: text(path(n, "package", "esbuild", "sourcemap")) == "true",
			},
		},
		Deploy: Deploy{
			Alias:    or(text(path(n, "deploy", "alias")), DefaultAlias),
			Strategy: or(text(path(n, "deploy", "strategy")), DefaultStrategy),
			Engine:   or(text(path(n, "deploy", "engine")), DefaultEngine),
			Hooks: Hooks{
				BeforeAllowTraffic: text(path(n, "deploy", "hooks", "beforeAllowTraffic")),
				AfterAllowTraffic:  text(path(n, "deploy", "hooks", "afterAllowTraffic")),
			},
			Alarms:       list(path(n, "deploy", "alarms")),
			KeepVersions: DefaultKeepVersions,
			S3: S3{
				Bucket: text(path(n, "deploy", "s3", "bucket")),
				Prefix: text(path(n, "deploy", "s3", "prefix")),
			},
			CodeDeploy: CodeDeploy{
				Application:     text(path(n, "deploy", "codedeploy", "application")),
				DeploymentGroup: text(path(n, "deploy", "codedeploy", "deploymentGroup")),
				ServiceRoleArn:  text(path(n, "deploy", "codedeploy", "serviceRoleArn")),
			},
		},
	}
	if f.Name == "" {
		f.Name = key
		if cfg.Project != "" {
			f.Name = cfg.Project + "-" + key
		}
	}
	f.Explicit = Explicit{
		Memory:           !isNull(lookup(n, "memory")),
		Timeout:          !isNull(lookup(n, "timeout")),
		EphemeralStorage: !isNull(lookup(n, "ephemeralStorage")),
	}
	f.Concurrency.Reserved = optionalInteger(path(n, "concurrency", "reserved"), kindCount)
	f.Async = Async{
		Retries:     optionalInteger(path(n, "async", "retries"), kindCount),
		MaxEventAge: optionalInteger(path(n, "async", "maxEventAge"), kindSeconds),
	}
	if g := path(n, "deploy", "gate"); !isNull(g) {
		f.Deploy.Gate = &Gate{MaxErrorRate: DefaultMaxErrorRate, MinInvocations: DefaultMinInvocations}
		if r := lookup(g, "maxErrorRate"); !isNull(r) {
			f.Deploy.Gate.MaxErrorRate, _ = percent(r)
		}
		if m := lookup(g, "minInvocations"); !isNull(m) {
			f.Deploy.Gate.MinInvocations = integer(m, kindCount)
		}
	}
	if k := path(n, "deploy", "keepVersions"); !isNull(k) {
		f.Deploy.KeepVersions = integer(k, kindCount)
	}
	if a := text(path(n, "package", "artifact")); a != "" {
		f.Package.Artifact = l.abs(a)
	}
	if u := lookup(n, "functionUrl"); !isNull(u) {
		f.FunctionURL = &FunctionURL{
			AuthType: or(text(lookup(u, "authType")), DefaultURLAuthType),
			Public:   text(lookup(u, "public")) == "true",
		}
		if c := lookup(u, "cors"); !isNull(c) {
			f.FunctionURL.CORS = &CORS{
				AllowOrigins:     list(lookup(c, "allowOrigins")),
				AllowMethods:     list(lookup(c, "allowMethods")),
				AllowHeaders:     list(lookup(c, "allowHeaders")),
				ExposeHeaders:    list(lookup(c, "exposeHeaders")),
				AllowCredentials: text(lookup(c, "allowCredentials")) == "true",
				MaxAge:           integer(lookup(c, "maxAge"), kindSeconds),
			}
		}
	}
	f.Events = l.events(v, lookup(n, "events"))
	f.Permissions = permissions(lookup(n, "permissions"))
	f.Logs.RetentionDays = optionalInteger(path(n, "logs", "retentionDays"), kindCount)
	checkPublicURL(v, f, lookup(n, "functionUrl"))
	checkGoMain(v, f, path(n, "package", "main"))
	checkBundle(v, f, n)
	l.special(v, f, n)
	checkLayerEntries(v, cfg, f, lookup(n, "layers"))
	l.environment(v, f, lookup(n, "environment"))
	return f
}

// environment reads the dotenv files in order, then lays vars on top.
func (l *loader) environment(v *validator, f *Function, n *yaml.Node) {
	env := map[string]string{}
	files := lookup(n, "files")
	if files != nil && files.Kind == yaml.SequenceNode {
		for _, item := range files.Content {
			name := text(item)
			p := l.abs(name)
			f.EnvironmentFiles = append(f.EnvironmentFiles, p)
			vars, err := readDotenv(l.ctx, l.dir, p, name)
			if err != nil {
				// An interruption is reported by load, not as a problem.
				if l.ctx.Err() == nil {
					v.add(item, v.paths[item], "%s", err)
				}
				continue
			}
			for k, val := range vars {
				env[k] = val
			}
		}
	}
	for k, val := range dict(lookup(n, "vars")) {
		env[k] = val
	}
	if len(env) > 0 {
		f.Environment = env
	}
}

// abs resolves p against the folder of lamb.yaml; "" means that folder.
func (l *loader) abs(p string) string {
	if p == "" {
		return l.dir
	}
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.dir, p)
}

// path follows nested keys through mappings.
func path(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = lookup(n, k)
	}
	return n
}

func text(n *yaml.Node) string {
	if isNull(n) || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func integer(n *yaml.Node, k kind) int {
	if isNull(n) {
		return 0
	}
	i, _ := number(n, k)
	return i
}

// optionalInteger is nil for an unset number, so that a written 0 stays
// apart from "unset".
func optionalInteger(n *yaml.Node, k kind) *int {
	if isNull(n) {
		return nil
	}
	i := integer(n, k)
	return &i
}

func list(n *yaml.Node) []string {
	if isNull(n) || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		out = append(out, text(item))
	}
	return out
}

func dict(n *yaml.Node) map[string]string {
	if isNull(n) || n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil
	}
	out := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = text(n.Content[i+1])
	}
	return out
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
