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
	"sort"
	"strings"

	"github.com/lambcli/lamb/internal/safefile"
)

// SkippedScript is an installed dependency whose install scripts did not
// run because package.allowScripts does not list it.
type SkippedScript struct {
	// Name and Version are the package's, from its package.json.
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Path is the package's folder in the bundle, e.g. node_modules/esbuild.
	Path string `json:"path"`
	// Scripts are the skipped scripts, e.g. "postinstall: node install.js".
	Scripts []string `json:"scripts"`
	// Prebuilt says the script only loads or compiles a native addon with
	// node-gyp-build and the package ships a prebuild for the function's
	// platform, which the loader picks at run time: nothing is missing.
	Prebuilt bool `json:"prebuilt,omitempty"`
}

// Label is name@version, or the name alone when the version is unknown.
func (s SkippedScript) Label() string {
	if s.Version == "" {
		return s.Name
	}
	return s.Name + "@" + s.Version
}

// installScriptNames are the lifecycle scripts a dependency's install runs.
// prepare is left out: registry packages never run it.
var installScriptNames = []string{"preinstall", "install", "postinstall"}

// scriptPolicy is what the cache key records of the install-script rules, so
// that an entry installed under other rules is never reused.
func scriptPolicy(mgr nodeManager, allowed []string) []byte {
	if mgr.tool == "yarn" {
		return nil
	}
	return []byte("scripts-allow-v1:" + strings.Join(allowed, ","))
}

// allowedScripts is package.allowScripts joined with the packages the
// project's own package.json approves for npm (its allowScripts field,
// written by `npm approve-scripts`), sorted and without repeats.
func allowedScripts(fromConfig []string, pkg map[string]json.RawMessage, mgr nodeManager) []string {
	set := map[string]bool{}
	for _, n := range fromConfig {
		if n = strings.TrimSpace(n); n != "" {
			set[n] = true
		}
	}
	if mgr.tool == "npm" {
		var approvals map[string]json.RawMessage
		if err := json.Unmarshal(pkg["allowScripts"], &approvals); err == nil {
			for spec, v := range approvals {
				if strings.TrimSpace(string(v)) == "true" {
					set[packageNameOf(spec)] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// packageNameOf strips a version from an npm package spec: "@a/b@1.2" is
// "@a/b", "c@^2" is "c".
func packageNameOf(spec string) string {
	at := strings.LastIndex(spec, "@")
	if at <= 0 {
		return spec
	}
	return spec[:at]
}

// npmStagedAllowScripts adds the allowed packages to the staged
// package.json's allowScripts field, which npm releases that block
// unreviewed scripts read; the user's own entries stay.
func npmStagedAllowScripts(out map[string]json.RawMessage, allowed []string) error {
	if len(allowed) == 0 {
		return nil
	}
	approvals := map[string]json.RawMessage{}
	if v, ok := out["allowScripts"]; ok {
		if err := json.Unmarshal(v, &approvals); err != nil {
			return fmt.Errorf("read the allowScripts field: %w", err)
		}
	}
	for _, n := range allowed {
		approvals[n] = json.RawMessage("true")
	}
	v, err := json.Marshal(approvals)
	if err != nil {
		return err
	}
	out["allowScripts"] = v
	return nil
}

// scriptArgs are the install flags that apply the install-script rules.
// npm installs with every script off and rebuilds the allowed packages
// afterwards (runAllowedScripts), which every npm release supports; pnpm
// 11 and later take the allowed names on the command line and, told not to
// fail on the rest, skip them.
func scriptArgs(mgr nodeManager, pnpmVersion string, allowed []string) []string {
	switch mgr.tool {
	case "npm":
		return []string{"--ignore-scripts"}
	case "pnpm":
		if !versionAtLeast(pnpmVersion, 11, 0) {
			// Older releases read onlyBuiltDependencies from the staged
			// package.json (stagedPackageJSON writes it).
			return nil
		}
		args := []string{"--config.strict-dep-builds=false"}
		for _, n := range allowed {
			args = append(args, "--allow-build="+n)
		}
		return args
	}
	return nil
}

// runAllowedScripts runs, after an npm install made with --ignore-scripts,
// the install scripts of the allowed packages that have any.
func (b *builder) runAllowedScripts(ctx context.Context, spec Spec, mgr nodeManager, a arch, allowed []string, dir string) error {
	if mgr.tool != "npm" || len(allowed) == 0 {
		return nil
	}
	pkgs, err := scriptPackages(ctx, filepath.Join(dir, "node_modules"))
	if err != nil {
		return err
	}
	allow := map[string]bool{}
	for _, n := range allowed {
		allow[n] = true
	}
	var names []string
	seen := map[string]bool{}
	for _, p := range pkgs {
		if allow[p.Name] && !seen[p.Name] {
			seen[p.Name] = true
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	spec.progress("running the install scripts of " + strings.Join(names, ", "))
	c := command{Dir: dir, Name: "npm", Log: spec.Log,
		Args: append([]string{"rebuild", "--os=linux", "--cpu=" + a.npm, "--no-audit", "--no-fund"}, names...)}
	out, err := b.run(ctx, c)
	if err != nil {
		return fmt.Errorf("run the install scripts of %s (package.allowScripts) with `%s`: %s%s", strings.Join(names, ", "), c, exitStatus(err), outputTail(out))
	}
	return nil
}

// skippedScripts lists the installed packages with install scripts that
// package.allowScripts does not name. Yarn runs every script, so it skips none.
func skippedScripts(ctx context.Context, mgr nodeManager, a arch, allowed []string, nodeModules string) ([]SkippedScript, error) {
	if mgr.tool == "yarn" {
		return nil, nil
	}
	pkgs, err := scriptPackages(ctx, nodeModules)
	if err != nil {
		return nil, err
	}
	allow := map[string]bool{}
	for _, n := range allowed {
		allow[n] = true
	}
	var out []SkippedScript
	for _, p := range pkgs {
		if allow[p.Name] {
			continue
		}
		p.Prebuilt = p.onlyNodeGypBuild && dirHasFile(filepath.Join(nodeModules, filepath.FromSlash(strings.TrimPrefix(p.Path, "node_modules/")), "prebuilds", "linux-"+a.npm))
		out = append(out, p.SkippedScript)
	}
	return out, nil
}

// scriptPackage is an installed package with install scripts.
type scriptPackage struct {
	SkippedScript
	// onlyNodeGypBuild: its one script is node-gyp-build, which picks a
	// prebuild or compiles one.
	onlyNodeGypBuild bool
}

// scriptPackages walks node_modules (and the node_modules nested in its
// packages, and pnpm's .pnpm store) in name order for packages with install
// scripts. Links are not followed: they point at packages found elsewhere.
func scriptPackages(ctx context.Context, nodeModules string) ([]scriptPackage, error) {
	var out []scriptPackage
	var walk func(dir, zipDir string) error
	walk = func(dir, zipDir string) error {
		des, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", dir, err)
		}
		for _, de := range des {
			name := de.Name()
			if !de.IsDir() {
				continue
			}
			if name == ".pnpm" {
				// pnpm's isolated layout: the packages live in
				// .pnpm/<id>/node_modules/, linked from above.
				ids, err := os.ReadDir(filepath.Join(dir, name))
				if err != nil {
					return fmt.Errorf("read %s: %w", filepath.Join(dir, name), err)
				}
				for _, id := range ids {
					if id.IsDir() {
						sub := path.Join(zipDir, name, id.Name(), "node_modules")
						if err := walk(filepath.Join(dir, name, id.Name(), "node_modules"), sub); err != nil {
							return err
						}
					}
				}
				continue
			}
			if strings.HasPrefix(name, ".") {
				continue
			}
			if strings.HasPrefix(name, "@") {
				if err := walk(filepath.Join(dir, name), path.Join(zipDir, name)); err != nil {
					return err
				}
				continue
			}
			pkgDir, zp := filepath.Join(dir, name), path.Join(zipDir, name)
			p, ok, err := readScriptPackage(ctx, pkgDir, zp)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, p)
			}
			if err := walk(filepath.Join(pkgDir, "node_modules"), path.Join(zp, "node_modules")); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(nodeModules, "node_modules"); err != nil {
		return nil, err
	}
	return out, nil
}

// readScriptPackage reads the install scripts of the package in dir. npm
// and pnpm run `node-gyp rebuild` for a package with a binding.gyp and no
// install script of its own.
func readScriptPackage(ctx context.Context, dir, zipPath string) (scriptPackage, bool, error) {
	raw, err := safefile.ReadFile(ctx, filepath.Join(dir, "package.json"), maxManifestBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return scriptPackage{}, false, nil
	}
	if err != nil {
		return scriptPackage{}, false, fmt.Errorf("read the package manifest of %s: %w", zipPath, err)
	}
	var pj struct {
		Name    string            `json:"name"`
		Version string            `json:"version"`
		Scripts map[string]string `json:"scripts"`
		Gypfile *bool             `json:"gypfile"`
	}
	if json.Unmarshal(raw, &pj) != nil {
		// npm installed it; a manifest it could read but Go cannot is
		// not this check's business.
		return scriptPackage{}, false, nil
	}
	scripts := map[string]string{}
	for _, n := range installScriptNames {
		if s := strings.TrimSpace(pj.Scripts[n]); s != "" {
			scripts[n] = s
		}
	}
	if scripts["preinstall"] == "" && scripts["install"] == "" && (pj.Gypfile == nil || *pj.Gypfile) && fileExists(filepath.Join(dir, "binding.gyp")) {
		scripts["install"] = "node-gyp rebuild"
	}
	if len(scripts) == 0 {
		return scriptPackage{}, false, nil
	}
	p := scriptPackage{SkippedScript: SkippedScript{Name: pj.Name, Version: pj.Version, Path: zipPath}}
	if p.Name == "" {
		p.Name = path.Base(zipPath)
	}
	for _, n := range installScriptNames {
		if s, ok := scripts[n]; ok {
			p.Scripts = append(p.Scripts, n+": "+s)
		}
	}
	if len(scripts) == 1 {
		for _, s := range scripts {
			cmd, _, _ := strings.Cut(s, " ")
			p.onlyNodeGypBuild = strings.HasPrefix(cmd, "node-gyp-build")
		}
	}
	return p, true, nil
}

// dirHasFile reports whether dir holds at least one regular file.
func dirHasFile(dir string) bool {
	des, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, de := range des {
		if de.Type().IsRegular() {
			return true
		}
	}
	return false
}
