package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/lambcli/lamb/internal/atomicfile"
	"github.com/lambcli/lamb/internal/safefile"
)

// Bundlers are the values of package.bundle; "" means none.
var Bundlers = []string{"none", "esbuild"}

// BundleOptions are the esbuild settings of package.esbuild.
type BundleOptions struct {
	// External are packages left out of the bundle and shipped in
	// node_modules instead, with their own dependencies. The AWS SDK v3
	// is always external and never shipped: the runtime provides it.
	External  []string
	Minify    bool
	Sourcemap bool // a linked .map next to each output file
}

// runtimeExternals are provided by every nodejs runtime lamb bundles for:
// the AWS SDK v3 and the Smithy packages it is built on.
var runtimeExternals = []string{"@aws-sdk/*", "@smithy/*"}

// entryExtensions are tried in order for the handler's module; the first
// that exists is the entry point.
var entryExtensions = []string{".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"}

// esmBanner gives an ES module bundle a require function, which the
// CommonJS packages inside it use for Node.js built-ins and externals.
const esmBanner = `import { createRequire as __lambCreateRequire } from "node:module";
const require = __lambCreateRequire(import.meta.url);`

// esbuildPlan is what bundling one function needs, worked out from its
// settings before esbuild runs.
type esbuildPlan struct {
	entry    string // the entry file, slash-separated and relative to the source
	output   string // the bundle's path in the zip, without extension
	format   api.Format
	engine   api.Engine
	external []string
}

// outputExtension is the bundle file's extension: .mjs for an ES module,
// so that Node.js loads it as one without a package.json in the zip.
func (p esbuildPlan) outputExtension() string {
	if p.format == api.FormatESModule {
		return ".mjs"
	}
	return ".js"
}

// planEsbuild maps the function's handler, runtime, package.json type and
// options onto esbuild's.
func planEsbuild(source, handler, runtime, pkgType string, opts BundleOptions) (esbuildPlan, error) {
	var p esbuildPlan
	module, _, ok := cutLast(handler, ".")
	if !ok || module == "" || !filepath.IsLocal(filepath.FromSlash(module)) {
		return p, fmt.Errorf("handler %q is not <file>.<export> inside the source folder: write it as src/app.handler for src/app.ts", handler)
	}
	var tried []string
	for _, ext := range entryExtensions {
		if fileExists(filepath.Join(source, filepath.FromSlash(module+ext))) {
			p.entry = module + ext
			break
		}
		tried = append(tried, module+ext)
	}
	if p.entry == "" {
		return p, fmt.Errorf("bundle handler %s: none of %s exists in %s; create the entry file or fix handler", handler, strings.Join(tried, ", "), source)
	}
	p.output = module
	switch path.Ext(p.entry) {
	case ".mts", ".mjs":
		p.format = api.FormatESModule
	case ".cts", ".cjs":
		p.format = api.FormatCommonJS
	default:
		p.format = api.FormatCommonJS
		if pkgType == "module" {
			p.format = api.FormatESModule
		}
	}
	major, ok := nodeMajor(runtime)
	if !ok {
		return p, fmt.Errorf("package.bundle esbuild bundles for nodejs runtimes, not %q: use a runtime such as nodejs22.x, or remove package.bundle", runtime)
	}
	p.engine = api.Engine{Name: api.EngineNode, Version: strconv.Itoa(major)}
	p.external = append(slices.Clone(runtimeExternals), opts.External...)
	return p, nil
}

// nodeMajor reads the Node.js major version of a runtime: nodejs22.x is 22.
func nodeMajor(runtime string) (int, bool) {
	v, ok := strings.CutPrefix(runtime, "nodejs")
	if !ok {
		return 0, false
	}
	v, _, _ = strings.Cut(v, ".")
	n, err := strconv.Atoi(v)
	return n, err == nil && n > 0
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// buildOptions are esbuild's options for the plan, run in root: a folder
// that mirrors the source with the dependencies in root/node_modules.
// Paths in the output are relative to root, so they are the same on
// every machine.
func (p esbuildPlan) buildOptions(root string, opts BundleOptions) api.BuildOptions {
	o := api.BuildOptions{
		EntryPointsAdvanced: []api.EntryPoint{{InputPath: "./" + p.entry, OutputPath: p.output}},
		Bundle:              true,
		Write:               false,
		AbsWorkingDir:       root,
		Outdir:              root,
		// With .js entries the bundle can take the entry's own name; it
		// is never written there.
		AllowOverwrite:    true,
		Platform:          api.PlatformNode,
		Format:            p.format,
		Engines:           []api.Engine{p.engine},
		External:          p.external,
		MinifyWhitespace:  opts.Minify,
		MinifyIdentifiers: opts.Minify,
		MinifySyntax:      opts.Minify,
		LegalComments:     api.LegalCommentsEndOfFile,
		// The mirror's links must not be resolved to the source's
		// absolute paths, which would end up in the output.
		PreserveSymlinks: true,
		Metafile:         true,
		LogLevel:         api.LogLevelSilent,
		OutExtension:     map[string]string{".js": p.outputExtension()},
	}
	if opts.Sourcemap {
		o.Sourcemap = api.SourceMapLinked
		o.SourcesContent = api.SourcesContentInclude
	}
	if p.format == api.FormatESModule {
		o.Banner = map[string]string{"js": esmBanner}
	}
	return o
}

// esbuild bundles a Node.js function's handler with its dependencies into
// one file, laid out so that the same handler finds it in the zip.
// Dependencies come from the usual production install (or the source's own
// node_modules with dependencies: none); externals other than the AWS SDK
// ship in node_modules with what they depend on.
func (b *builder) esbuild(ctx context.Context, spec Spec, a arch) (*Result, error) {
	pkgType, err := packageType(ctx, spec.Source)
	if err != nil {
		return nil, err
	}
	plan, err := planEsbuild(spec.Source, spec.Handler, spec.Runtime, pkgType, spec.Esbuild)
	if err != nil {
		return nil, err
	}
	deps := filepath.Join(spec.Source, "node_modules")
	if spec.Dependencies != "none" {
		installed, err := b.node(ctx, spec, a)
		if err != nil {
			return nil, err
		}
		deps = ""
		for _, t := range installed.Trees {
			if t.Prefix == "node_modules" {
				deps = t.Dir
			}
		}
	}
	spec.progress("bundling " + plan.entry + " with esbuild")
	files, err := runEsbuild(ctx, spec, plan, deps)
	if err != nil {
		return nil, err
	}
	key := cacheKey(bundleKeyParts(files)...)
	out, err := cachedInstall(ctx, spec.CacheDir, "esbuild", key, false, func(_ context.Context, dir string) error {
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f.Path))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, f.Contents, 0o644); err != nil {
				return fmt.Errorf("write the bundle: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pruneBundles(out)
	trees := []Tree{{Dir: out}}
	shipped, err := externalPackages(ctx, deps, spec.Esbuild.External)
	if err != nil {
		return nil, err
	}
	for _, name := range shipped {
		trees = append(trees, Tree{Dir: filepath.Join(deps, filepath.FromSlash(name)), Prefix: "node_modules/" + name})
	}
	return &Result{Trees: trees}, nil
}

// bundleKeep is how long a bundle's cache entry stays after its last use.
// Every edit of the source makes a new entry; old ones only cost disk.
const bundleKeep = 7 * 24 * time.Hour

// pruneBundles marks the entry used now and removes its siblings unused
// for bundleKeep. Failing to prune costs only disk, so errors are ignored.
func pruneBundles(used string) {
	now := time.Now()
	_ = os.Chtimes(used, now, now)
	parent := filepath.Dir(used)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(parent, e.Name())
		if fi, err := e.Info(); err == nil && e.IsDir() && p != used && !atomicfile.IsTemp(e.Name()) && now.Sub(fi.ModTime()) > bundleKeep {
			os.RemoveAll(p)
		}
	}
}

// packageType is the "type" field of the source's package.json, if any.
func packageType(ctx context.Context, source string) (string, error) {
	p := filepath.Join(source, "package.json")
	raw, err := safefile.ReadFile(ctx, p, maxManifestBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the package manifest: %w", err)
	}
	var pkg struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return "", fmt.Errorf("read %s: %w; fix the JSON", p, err)
	}
	return pkg.Type, nil
}

// bundleFile is one output file, its path relative to the zip root.
type bundleFile struct {
	Path     string
	Contents []byte
}

// bundleKeyParts name a bundle's cache entry by its content, so an entry
// is only ever written once and a warm build finds its files unchanged.
func bundleKeyParts(files []bundleFile) [][]byte {
	parts := [][]byte{[]byte("esbuild")}
	for _, f := range files {
		parts = append(parts, []byte(f.Path), f.Contents)
	}
	return parts
}

// runEsbuild bundles in a scratch mirror of the source: links to its
// top-level entries (never its node_modules) and a node_modules link to
// deps, so imports resolve from the production install alone.
func runEsbuild(ctx context.Context, spec Spec, plan esbuildPlan, deps string) ([]bundleFile, error) {
	parent := filepath.Join(spec.CacheDir, "deps", "esbuild")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create bundle folder %s: %w", parent, err)
	}
	root, err := os.MkdirTemp(parent, atomicfile.TempPattern("mirror"))
	if err != nil {
		return nil, fmt.Errorf("create bundle folder in %s: %w", parent, err)
	}
	defer os.RemoveAll(root)
	if err := mirrorSource(spec.Source, deps, root); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opts := plan.buildOptions(root, spec.Esbuild)
	opts.Plugins = []api.Plugin{devDependencyHint(root, filepath.Join(spec.Source, "node_modules"), plan.external)}
	res := api.Build(opts)
	if spec.Log != nil {
		for _, m := range res.Warnings {
			_, _ = fmt.Fprintf(spec.Log, "esbuild: warning: %s\n", formatMessage(m)) // verbose output only
		}
	}
	if len(res.Errors) > 0 {
		msgs := make([]string, len(res.Errors))
		for i, m := range res.Errors {
			msgs[i] = formatMessage(m)
		}
		return nil, fmt.Errorf("bundle %s with esbuild: %s", plan.entry, strings.Join(msgs, "\n  "))
	}
	if err := checkInputs(res.Metafile); err != nil {
		return nil, fmt.Errorf("bundle %s with esbuild: %w", plan.entry, err)
	}
	files := make([]bundleFile, 0, len(res.OutputFiles))
	for _, f := range res.OutputFiles {
		rel, err := filepath.Rel(root, f.Path)
		if err != nil || !filepath.IsLocal(rel) {
			return nil, fmt.Errorf("bundle %s with esbuild: output %s lies outside the bundle", plan.entry, f.Path)
		}
		files = append(files, bundleFile{Path: filepath.ToSlash(rel), Contents: f.Contents})
	}
	slices.SortFunc(files, func(x, y bundleFile) int { return strings.Compare(x.Path, y.Path) })
	return files, nil
}

// devDependencyHint explains why a package in the user's own node_modules
// cannot be imported: the bundle resolves from the production install
// alone, which it is not part of.
func devDependencyHint(root, own string, external []string) api.Plugin {
	installed := filepath.Join(root, "node_modules")
	return api.Plugin{Name: "lamb-production-dependencies", Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: `^[^./]`, Namespace: "file"}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
			name := filepath.FromSlash(packageName(args.Path))
			if isExternal(args.Path, external) || strings.HasPrefix(args.Importer, installed+string(filepath.Separator)) || dirExists(filepath.Join(installed, name)) || !dirExists(filepath.Join(own, name)) {
				return api.OnResolveResult{}, nil
			}
			return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf(
				"%q is in %s but not among the production dependencies lamb bundles from: move it to dependencies in package.json, or list it in package.esbuild.external",
				packageName(args.Path), own)}}}, nil
		})
	}}
}

// isExternal matches an import path against external patterns as esbuild
// does: a name covers its subpaths, and one * stands for any text.
func isExternal(importPath string, patterns []string) bool {
	for _, p := range patterns {
		if prefix, suffix, ok := strings.Cut(p, "*"); ok {
			if len(importPath) >= len(prefix)+len(suffix) && strings.HasPrefix(importPath, prefix) && strings.HasSuffix(importPath, suffix) {
				return true
			}
		} else if importPath == p || strings.HasPrefix(importPath, p+"/") {
			return true
		}
	}
	return false
}

// checkInputs refuses a bundle that took a file from outside the mirror:
// a node_modules folder above lamb's cache (in the home folder, say) would
// make the bundle depend on the machine, and its path would be in it.
func checkInputs(metafile string) error {
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return fmt.Errorf("read esbuild's list of inputs: %w", err)
	}
	var outside []string
	for p := range meta.Inputs {
		if strings.HasPrefix(p, "../") {
			outside = append(outside, p)
		}
	}
	if len(outside) == 0 {
		return nil
	}
	slices.Sort(outside)
	return fmt.Errorf("%s resolved outside the source folder and its production dependencies (from a node_modules folder above lamb's cache): add the package to dependencies in package.json", strings.Join(outside, ", "))
}

// mirrorSource links each top-level entry of source into root, and
// root/node_modules to deps when deps exists.
func mirrorSource(source, deps, root string) error {
	entries, err := os.ReadDir(source)
	if err != nil {
		return fmt.Errorf("read source folder: %w", err)
	}
	link := func(target, name string) error {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			return fmt.Errorf("link %s into the bundle folder (on Windows, symbolic links need Developer Mode): %w", target, err)
		}
		return nil
	}
	for _, e := range entries {
		if e.Name() == "node_modules" {
			continue
		}
		if err := link(filepath.Join(source, e.Name()), e.Name()); err != nil {
			return err
		}
	}
	if deps != "" && dirExists(deps) {
		return link(deps, "node_modules")
	}
	return nil
}

// formatMessage renders an esbuild message as file:line:col: text, with
// the columns counted from 1 as editors do.
func formatMessage(m api.Message) string {
	if m.Location == nil {
		return m.Text
	}
	return fmt.Sprintf("%s:%d:%d: %s", m.Location.File, m.Location.Line, m.Location.Column+1, m.Text)
}

// packageName is the npm package an import path or external pattern names:
// "@scope/pkg/sub" is "@scope/pkg", "pkg/*" is "pkg".
func packageName(spec string) string {
	parts := strings.Split(spec, "/")
	n := 1
	if strings.HasPrefix(spec, "@") && len(parts) > 1 {
		n = 2
	}
	return strings.Join(parts[:min(n, len(parts))], "/")
}

// isRuntimeProvided reports whether a package is part of the AWS SDK that
// the runtime provides.
func isRuntimeProvided(name string) bool {
	for _, p := range runtimeExternals {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

// externalPackages lists the top-level packages of nodeModules to ship for
// the externals: each external that the runtime does not provide, and
// every package it depends on, found the way Node.js finds them. Packages
// nested under another's node_modules ship with it.
func externalPackages(ctx context.Context, nodeModules string, externals []string) ([]string, error) {
	seen := map[string]bool{}    // top-level packages to ship
	visited := map[string]bool{} // package folders already walked
	var walk func(dir, name string, required bool, from string) error
	walk = func(dir, name string, required bool, from string) error {
		pkgDir, top := findPackage(nodeModules, dir, name)
		if pkgDir == "" {
			if required {
				return fmt.Errorf("package.esbuild.external lists %q (needed by %s), which is not installed: add it to dependencies in package.json, or remove it from external", name, from)
			}
			return nil
		}
		if visited[pkgDir] {
			return nil
		}
		visited[pkgDir] = true
		if top {
			seen[name] = true
		}
		deps, err := packageDependencies(ctx, pkgDir)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := walk(pkgDir, d, false, name); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range externals {
		name := packageName(e)
		if isRuntimeProvided(name) || strings.ContainsAny(name, "*") {
			continue
		}
		if err := walk(nodeModules, name, true, "package.esbuild.external"); err != nil {
			return nil, err
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// findPackage looks for package name from dir upwards to nodeModules, as
// Node.js does; top says whether it is nodeModules' own.
func findPackage(nodeModules, dir, name string) (pkgDir string, top bool) {
	if nodeModules == "" {
		return "", false
	}
	for d := dir; ; d = filepath.Dir(d) {
		base := d
		if d != nodeModules {
			base = filepath.Join(d, "node_modules")
		}
		if p := filepath.Join(base, filepath.FromSlash(name)); dirExists(p) {
			return p, d == nodeModules
		}
		if d == nodeModules || len(d) <= len(nodeModules) {
			return "", false
		}
	}
}

// packageDependencies are the names a package depends on at run time.
func packageDependencies(ctx context.Context, pkgDir string) ([]string, error) {
	raw, err := safefile.ReadFile(ctx, filepath.Join(pkgDir, "package.json"), maxManifestBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the package manifest: %w", err)
	}
	var pkg struct {
		Dependencies         map[string]string `json:"dependencies"`
		OptionalDependencies map[string]string `json:"optionalDependencies"`
		PeerDependencies     map[string]string `json:"peerDependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(pkgDir, "package.json"), err)
	}
	var names []string
	for _, m := range []map[string]string{pkg.Dependencies, pkg.OptionalDependencies, pkg.PeerDependencies} {
		for n := range m {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}
