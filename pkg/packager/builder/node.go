package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lambcli/lamb/internal/safefile"
)

// packageJSONFields are the package.json fields an install reads. The staging
// copy keeps only these: above all no "scripts", whose lifecycle hooks would
// run without the rest of the source around them.
var packageJSONFields = []string{
	"name", "version", "dependencies", "devDependencies", "optionalDependencies",
	"peerDependencies", "peerDependenciesMeta", "bundleDependencies", "bundledDependencies",
	"overrides", "resolutions", "packageManager", "engines", "pnpm", "allowScripts",
}

// nodeManager is one package manager and the lockfile that selects it.
type nodeManager struct {
	tool     string
	lockfile string
}

// node installs production dependencies into a cached staging folder and
// ships them as node_modules in place of the source's own.
func (b *builder) node(ctx context.Context, spec Spec, a arch) (*Result, error) {
	src := spec.Source
	if spec.Dependencies == "none" {
		return &Result{Trees: nodeSourceTrees(src)}, nil
	}
	pkgPath := filepath.Join(src, "package.json")
	pkg, err := readNodeManifest(ctx, src)
	if errors.Is(err, fs.ErrNotExist) {
		return &Result{Trees: nodeSourceTrees(src)}, nil
	}
	if err != nil {
		return nil, err
	}
	source := Tree{Dir: src, Skip: []string{"node_modules"}}
	if err := applyPackageFiles(ctx, src, pkg, nodeHandlerFile(src, spec.Handler), &source); err != nil {
		return nil, err
	}
	if !hasProductionDeps(pkg) {
		return &Result{Trees: []Tree{source}}, nil
	}
	if p, err := findNodeProject(ctx, src, pkg); err != nil {
		return nil, err
	} else if p != nil {
		return b.nodeProjectBuild(ctx, spec, a, p, source)
	}
	mgr, err := pickNodeManager(src, pkg)
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath(mgr.tool); err != nil {
		return nil, fmt.Errorf("%s in %s needs %s, which is not on PATH: install %s (for example with `corepack enable`), or set package.dependencies: none and ship node_modules as it is", mgr.lockfile, src, mgr.tool, mgr.tool)
	}
	spec.AllowScripts = allowedScripts(spec.AllowScripts, pkg, mgr)
	staged, err := stagedPackageJSON(pkg, mgr, a, spec.AllowScripts)
	if err != nil {
		return nil, fmt.Errorf("prepare %s for install: %w", pkgPath, err)
	}
	lock, err := safefile.ReadFile(ctx, filepath.Join(src, mgr.lockfile), maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read lockfile: %w", err)
	}
	key := cacheKey([]byte(mgr.tool), toolFingerprint(mgr.tool), []byte(spec.Runtime), []byte(a.lambda), staged, lock, scriptPolicy(mgr, spec.AllowScripts))
	dir, err := cachedInstall(ctx, spec.CacheDir, "node", key, spec.NoCache, func(ctx context.Context, tmp string) error {
		return b.nodeInstall(ctx, spec, mgr, a, staged, lock, tmp)
	})
	if err != nil {
		return nil, err
	}
	trees := []Tree{source}
	if nm := filepath.Join(dir, "node_modules"); dirExists(nm) {
		trees = append(trees, Tree{Dir: nm, Prefix: "node_modules"})
	}
	skipped, err := skippedScripts(ctx, mgr, a, spec.AllowScripts, filepath.Join(dir, "node_modules"))
	if err != nil {
		return nil, err
	}
	return &Result{Trees: trees, SkippedScripts: skipped}, nil
}

func hasProductionDeps(pkg map[string]json.RawMessage) bool {
	for _, f := range []string{"dependencies", "optionalDependencies", "bundleDependencies", "bundledDependencies"} {
		v := strings.TrimSpace(string(pkg[f]))
		if v != "" && v != "{}" && v != "[]" && v != "null" && v != "false" {
			return true
		}
	}
	return false
}

// pickNodeManager chooses the package manager by lockfile; packageManager in
// package.json settles it when more than one lockfile is present.
func pickNodeManager(src string, pkg map[string]json.RawMessage) (nodeManager, error) {
	candidates := []nodeManager{
		{"npm", "package-lock.json"},
		{"npm", "npm-shrinkwrap.json"},
		{"yarn", "yarn.lock"},
		{"pnpm", "pnpm-lock.yaml"},
	}
	var found []nodeManager
	for _, c := range candidates {
		if fileExists(filepath.Join(src, c.lockfile)) {
			found = append(found, c)
		}
	}
	if len(found) == 0 {
		return nodeManager{}, fmt.Errorf("%s lists dependencies but has no lockfile: run `npm install` there to create package-lock.json (or commit your yarn.lock / pnpm-lock.yaml), or set package.dependencies: none to ship node_modules as it is", filepath.Join(src, "package.json"))
	}
	var declared string
	if err := json.Unmarshal(pkg["packageManager"], &declared); err == nil {
		tool, _, _ := strings.Cut(declared, "@")
		for _, f := range found {
			if f.tool == tool {
				return f, nil
			}
		}
	}
	return found[0], nil
}

// stagedPackageJSON is the package.json written next to the lockfile in the
// staging folder. For pnpm it also asks for Linux optional dependencies of
// the function's architecture.
func stagedPackageJSON(pkg map[string]json.RawMessage, mgr nodeManager, a arch, allowScripts []string) ([]byte, error) {
	out := map[string]json.RawMessage{}
	for _, f := range packageJSONFields {
		if v, ok := pkg[f]; ok {
			out[f] = v
		}
	}
	if mgr.tool == "pnpm" {
		settings := map[string]any{}
		if v, ok := out["pnpm"]; ok {
			if err := json.Unmarshal(v, &settings); err != nil {
				return nil, fmt.Errorf("read the pnpm field: %w", err)
			}
		}
		settings["supportedArchitectures"] = map[string][]string{"os": {"linux"}, "cpu": {a.npm}, "libc": {"glibc"}}
		settings["onlyBuiltDependencies"] = append([]string{}, allowScripts...)
		v, err := json.Marshal(settings)
		if err != nil {
			return nil, err
		}
		out["pnpm"] = v
	}
	if mgr.tool == "npm" {
		if err := npmStagedAllowScripts(out, allowScripts); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(out, "", "  ")
}

// nodeConfigFiles are the project's package manager settings (registries,
// scopes, the pinned yarn release), copied for the install and removed after
// it so that no credentials stay in the cache.
var nodeConfigFiles = []string{".npmrc", ".yarnrc", ".yarnrc.yml", ".yarn/releases", ".yarn/plugins"}

func (b *builder) nodeInstall(ctx context.Context, spec Spec, mgr nodeManager, a arch, staged, lock []byte, tmp string) error {
	spec.progress(fmt.Sprintf("installing %s dependencies for linux/%s", mgr.tool, a.lambda))
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), staged, 0o644); err != nil {
		return fmt.Errorf("stage package.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, mgr.lockfile), lock, 0o644); err != nil {
		return fmt.Errorf("stage %s: %w", mgr.lockfile, err)
	}
	for _, name := range nodeConfigFiles {
		if err := copyPath(ctx, filepath.Join(spec.Source, name), filepath.Join(tmp, name)); err != nil {
			return fmt.Errorf("stage %s: %w", name, err)
		}
	}
	defer func() {
		for _, name := range []string{".npmrc", ".yarnrc", ".yarnrc.yml", ".yarn", ".pnp.cjs", ".pnp.loader.mjs"} {
			os.RemoveAll(filepath.Join(tmp, name))
		}
	}()
	c := command{Dir: tmp, Name: mgr.tool, Log: spec.Log}
	switch mgr.tool {
	case "npm":
		c.Args = append([]string{"ci", "--omit=dev", "--os=linux", "--cpu=" + a.npm, "--no-audit", "--no-fund"}, scriptArgs(mgr, "", spec.AllowScripts)...)
	case "pnpm":
		// The hoisted linker gives a plain node_modules without links into
		// a store outside the bundle.
		c.Args = []string{"install", "--frozen-lockfile", "--prod", "--config.node-linker=hoisted"}
		out, err := b.run(ctx, command{Dir: tmp, Name: "pnpm", Args: []string{"--version"}})
		if err != nil {
			return fmt.Errorf("run pnpm --version in %s: %s%s", tmp, exitStatus(err), outputTail(out))
		}
		// The staged package.json names the platform for pnpm 8.10 and
		// later; from 10.14 the flags do, as later releases read settings
		// from elsewhere.
		if versionAtLeast(strings.TrimSpace(string(out)), 10, 14) {
			c.Args = append(c.Args, "--os=linux", "--cpu="+a.npm, "--libc=glibc")
		}
		c.Args = append(c.Args, scriptArgs(mgr, strings.TrimSpace(string(out)), spec.AllowScripts)...)
	case "yarn":
		out, err := b.run(ctx, command{Dir: tmp, Name: "yarn", Args: []string{"--version"}})
		if err != nil {
			return fmt.Errorf("run yarn --version in %s: %s%s", tmp, exitStatus(err), outputTail(out))
		}
		if strings.HasPrefix(strings.TrimSpace(string(out)), "1.") {
			// Yarn 1 cannot target another platform: optional native
			// packages follow the machine running lamb.
			c.Args = []string{"install", "--frozen-lockfile", "--production=true", "--non-interactive", "--no-progress"}
		} else {
			if err := writeYarnBerrySettings(filepath.Join(tmp, ".yarnrc.yml"), a); err != nil {
				return err
			}
			c.Env = []string{"YARN_ENABLE_IMMUTABLE_INSTALLS=true", "YARN_ENABLE_TELEMETRY=0"}
			c.Args = []string{"workspaces", "focus", "--all", "--production"}
		}
	}
	out, err := b.run(ctx, c)
	if err != nil {
		return fmt.Errorf("install production dependencies of %s with `%s`: %s%s", filepath.Join(spec.Source, mgr.lockfile), c, exitStatus(err), outputTail(out))
	}
	return b.runAllowedScripts(ctx, spec, mgr, a, spec.AllowScripts, tmp)
}

// versionAtLeast says whether a "major.minor.patch" version is at least
// major.minor; an unreadable version is taken as older.
func versionAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// writeYarnBerrySettings adds to the staged .yarnrc.yml what lamb needs: a
// plain node_modules folder, and the function's platform for optional
// native packages.
func writeYarnBerrySettings(path string, a arch) error {
	settings := map[string]any{}
	if raw, err := os.ReadFile(path); err == nil {
		if err := yaml.Unmarshal(raw, &settings); err != nil {
			return fmt.Errorf("read .yarnrc.yml: %w", err)
		}
		if settings == nil {
			settings = map[string]any{}
		}
	}
	settings["nodeLinker"] = "node-modules"
	settings["supportedArchitectures"] = map[string][]string{"os": {"linux"}, "cpu": {a.npm}, "libc": {"glibc"}}
	raw, err := yaml.Marshal(settings)
	if err != nil {
		return fmt.Errorf("write .yarnrc.yml: %w", err)
	}
	return os.WriteFile(path, raw, 0o644)
}

// copyPath copies a file or a folder of files; a missing src is no error.
// Every file must be a regular one of at most maxManifestBytes.
func copyPath(ctx context.Context, src, dst string) error {
	fi, err := os.Stat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		raw, err := safefile.ReadFile(ctx, src, maxManifestBytes)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, raw, fi.Mode().Perm())
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if err := copyPath(ctx, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
