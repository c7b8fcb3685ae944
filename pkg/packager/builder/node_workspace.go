package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/lambcli/lamb/internal/safefile"
)

// nodeProject is a function whose dependencies reach beyond its own folder:
// it is a member of an npm, yarn or pnpm workspace, or it depends on local
// folders through file: or link: specifiers. Its install runs on a staged
// copy of every manifest involved, laid out as in the user's tree, so that
// the lockfile matches and relative links resolve inside the staging folder.
type nodeProject struct {
	root      string                                // folder with the lockfile: the workspace root, or the function's folder
	workspace bool                                  // root is a workspace root
	base      string                                // common ancestor of root, the function and every local package
	tarballs  []string                              // file: tarballs (absolute), staged as they are
	linked    []string                              // file: and link: folders that are no workspace members (absolute)
	pkgs      map[string]map[string]json.RawMessage // manifests of the function, the root and every local package, by folder
}

// maxWorkspaceMembers bounds the folders a workspace pattern may expand to.
const maxWorkspaceMembers = 5000

// findNodeProject returns the project around the function at src, or nil
// when the function's dependencies all come from the registry and its
// folder is no workspace member.
//
// The workspace root is the nearest folder at or above src with a
// pnpm-workspace.yaml, or a package.json with "workspaces", whose patterns
// take src in. The search stops at the first folder holding .git (the
// repository's root) or at the filesystem root: a workspace never spans
// repositories, and lamb.yaml may sit in the function's own folder, below
// the workspace root.
func findNodeProject(ctx context.Context, src string, pkg map[string]json.RawMessage) (*nodeProject, error) {
	p := &nodeProject{root: src, pkgs: map[string]map[string]json.RawMessage{src: pkg}}
	for dir := src; ; dir = filepath.Dir(dir) {
		members, ok, err := workspaceMembers(ctx, dir)
		if err != nil {
			return nil, err
		}
		if ok {
			if dir == src || slices.Contains(members, src) {
				p.root, p.workspace = dir, true
				for _, m := range members {
					if err := p.addLocal(ctx, m); err != nil {
						return nil, err
					}
				}
			}
			break
		}
		if dirExists(filepath.Join(dir, ".git")) || filepath.Dir(dir) == dir {
			break
		}
	}
	if p.root != src {
		rootPkg, err := readNodeManifest(ctx, p.root)
		if err != nil {
			return nil, err
		}
		p.pkgs[p.root] = rootPkg
	}
	// Follow file: and link: specifiers from every package staged so far
	// and from every local folder they reach.
	queue := slices.Sorted(maps.Keys(p.pkgs))
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		for _, f := range []string{"dependencies", "optionalDependencies", "devDependencies"} {
			for _, d := range nodeDepsOf(p.pkgs[dir], f) {
				target, ok := localSpecPath(dir, d.spec)
				if !ok {
					continue
				}
				if fileExists(target) {
					if !slices.Contains(p.tarballs, target) {
						p.tarballs = append(p.tarballs, target)
					}
					continue
				}
				if _, seen := p.pkgs[target]; seen {
					continue
				}
				if !fileExists(filepath.Join(target, "package.json")) {
					return nil, fmt.Errorf("%s: dependency %s points at %s, which has no package.json; fix the path", filepath.Join(dir, "package.json"), d.name, target)
				}
				if err := p.addLocal(ctx, target); err != nil {
					return nil, err
				}
				p.linked = append(p.linked, target)
				queue = append(queue, target)
			}
		}
	}
	if !p.workspace && len(p.pkgs) == 1 && len(p.tarballs) == 0 {
		return nil, nil
	}
	p.base = p.root
	for dir := range p.pkgs {
		p.base = commonDir(p.base, dir)
	}
	for _, t := range p.tarballs {
		p.base = commonDir(p.base, filepath.Dir(t))
	}
	return p, nil
}

func (p *nodeProject) addLocal(ctx context.Context, dir string) error {
	if _, ok := p.pkgs[dir]; ok {
		return nil
	}
	pkg, err := readNodeManifest(ctx, dir)
	if err != nil {
		return err
	}
	p.pkgs[dir] = pkg
	return nil
}

func readNodeManifest(ctx context.Context, dir string) (map[string]json.RawMessage, error) {
	pkgPath := filepath.Join(dir, "package.json")
	raw, err := safefile.ReadFile(ctx, pkgPath, maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read the package manifest: %w", err)
	}
	var pkg map[string]json.RawMessage
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return nil, fmt.Errorf("read %s: %w; fix the JSON", pkgPath, err)
	}
	return pkg, nil
}

// workspaceMembers lists the member folders of the workspace rooted at dir;
// ok is false when dir is no workspace root.
func workspaceMembers(ctx context.Context, dir string) (members []string, ok bool, err error) {
	var patterns []string
	if raw, err := safefile.ReadFile(ctx, filepath.Join(dir, "pnpm-workspace.yaml"), maxManifestBytes); err == nil {
		var ws struct {
			Packages []string `yaml:"packages"`
		}
		if err := yaml.Unmarshal(raw, &ws); err != nil {
			return nil, false, fmt.Errorf("read %s: %w; fix the YAML", filepath.Join(dir, "pnpm-workspace.yaml"), err)
		}
		patterns, ok = ws.Packages, true
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("read the workspace settings: %w", err)
	} else if raw, err := safefile.ReadFile(ctx, filepath.Join(dir, "package.json"), maxManifestBytes); err == nil {
		var pkg struct {
			Workspaces json.RawMessage `json:"workspaces"`
		}
		if json.Unmarshal(raw, &pkg) != nil || len(pkg.Workspaces) == 0 {
			return nil, false, nil
		}
		// Either a list of patterns or yarn's {"packages": [...]}.
		if json.Unmarshal(pkg.Workspaces, &patterns) != nil {
			var obj struct {
				Packages []string `json:"packages"`
			}
			if err := json.Unmarshal(pkg.Workspaces, &obj); err != nil {
				return nil, false, fmt.Errorf("read %s: workspaces is neither a list nor {\"packages\": [...]}", filepath.Join(dir, "package.json"))
			}
			patterns = obj.Packages
		}
		ok = true
	}
	if !ok {
		return nil, false, nil
	}
	type wsPattern struct {
		glob   string
		negate bool
	}
	var pats []wsPattern
	for _, pat := range patterns {
		negate := strings.HasPrefix(pat, "!")
		pat = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(pat, "!"), "./"), "/")
		if pat != "" && doublestar.ValidatePattern(pat) {
			pats = append(pats, wsPattern{pat, negate})
		}
	}
	// Walk the folders rather than glob them, so that node_modules, hidden
	// folders and folders no pattern can reach are never entered.
	set := map[string]bool{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || p == dir {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		member, reachable := false, false
		for _, wp := range pats {
			if doublestar.MatchUnvalidated(wp.glob, rel) {
				member = !wp.negate
			}
			reachable = reachable || (!wp.negate && prefixMatch(wp.glob, rel))
		}
		if member && fileExists(filepath.Join(p, "package.json")) {
			set[p] = true
			if len(set) > maxWorkspaceMembers {
				return fmt.Errorf("workspace patterns in %s match more than %d folders; narrow them", dir, maxWorkspaceMembers)
			}
		}
		if !reachable {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("list the workspace members of %s: %w", dir, err)
	}
	return slices.Sorted(maps.Keys(set)), true, nil
}

// localSpecPath turns a file: or link: dependency specifier of the package
// in dir into the absolute path it names.
func localSpecPath(dir, spec string) (string, bool) {
	for _, prefix := range []string{"file:", "link:"} {
		if rest, ok := strings.CutPrefix(spec, prefix); ok {
			rest = strings.TrimPrefix(rest, "//")
			if filepath.IsAbs(rest) {
				return filepath.Clean(rest), true
			}
			return filepath.Join(dir, filepath.FromSlash(rest)), true
		}
	}
	return "", false
}

// commonDir is the deepest folder holding both a and b.
func commonDir(a, b string) string {
	for !insideDir(a, b) {
		a = filepath.Dir(a)
	}
	return a
}

// insideDir reports whether p is dir or lies inside it.
func insideDir(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

type nodeDep struct {
	name, spec string
	optional   bool
}

// nodeDepsOf lists one dependency field of a manifest, sorted by name.
func nodeDepsOf(pkg map[string]json.RawMessage, field string) []nodeDep {
	var m map[string]string
	if json.Unmarshal(pkg[field], &m) != nil {
		return nil
	}
	out := make([]nodeDep, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, nodeDep{name: name, spec: m[name], optional: field != "dependencies"})
	}
	return out
}

// nodeProductionDeps are what a package needs at run time: its dependencies,
// then optional and peer ones, which are taken when installed.
func nodeProductionDeps(pkg map[string]json.RawMessage) []nodeDep {
	var out []nodeDep
	seen := map[string]bool{}
	for _, f := range []string{"dependencies", "optionalDependencies", "peerDependencies"} {
		for _, d := range nodeDepsOf(pkg, f) {
			if !seen[d.name] {
				seen[d.name] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// localBundle is a local package placed in the bundle from its own folder.
type localBundle struct {
	Loc    string `json:"loc"`    // path under node_modules, e.g. @repo/shared
	Source string `json:"source"` // folder relative to the function's, slash separated
}

// nodeLocalsFile lists the local packages of a cached install.
const nodeLocalsFile = "locals.json"

// nodeProjectBuild installs the project's dependencies on a staged copy of
// its manifests and bundles the function's production closure only: the
// registry packages it reaches are copied into the cache, and the local
// packages it reaches ship from their own folders.
func (b *builder) nodeProjectBuild(ctx context.Context, spec Spec, a arch, p *nodeProject, source Tree) (*Result, error) {
	rootPkg := p.pkgs[p.root]
	mgr, err := pickNodeManager(p.root, rootPkg)
	if err != nil {
		return nil, err
	}
	if _, err := exec.LookPath(mgr.tool); err != nil {
		return nil, fmt.Errorf("%s in %s needs %s, which is not on PATH: install %s (for example with `corepack enable`), or set package.dependencies: none and ship node_modules as it is", mgr.lockfile, p.root, mgr.tool, mgr.tool)
	}
	lock, err := safefile.ReadFile(ctx, filepath.Join(p.root, mgr.lockfile), maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read lockfile: %w", err)
	}
	spec.AllowScripts = allowedScripts(spec.AllowScripts, rootPkg, mgr)
	staged := map[string][]byte{} // relative to base
	for _, dir := range slices.Sorted(maps.Keys(p.pkgs)) {
		raw, err := stagedPackageJSON(p.pkgs[dir], mgr, a, spec.AllowScripts)
		if err != nil {
			return nil, fmt.Errorf("prepare %s for install: %w", filepath.Join(dir, "package.json"), err)
		}
		if dir == p.root && p.workspace {
			raw, err = withWorkspaceFields(raw, p.pkgs[dir])
			if err != nil {
				return nil, err
			}
		}
		rel, _ := filepath.Rel(p.base, filepath.Join(dir, "package.json"))
		staged[filepath.ToSlash(rel)] = raw
	}
	extra := append([]string{}, p.tarballs...)
	if mgr.tool == "npm" {
		for _, dir := range p.linked {
			extra = append(extra, filepath.Join(dir, "package-lock.json"))
		}
	}
	if p.workspace {
		extra = append(extra, filepath.Join(p.root, "pnpm-workspace.yaml"))
	}
	for _, f := range extra {
		raw, err := safefile.ReadFile(ctx, f, maxManifestBytes)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f, err)
		}
		rel, _ := filepath.Rel(p.base, f)
		staged[filepath.ToSlash(rel)] = raw
	}
	rootRel, _ := filepath.Rel(p.base, p.root)
	srcRel, _ := filepath.Rel(p.base, spec.Source)
	parts := [][]byte{[]byte("node-project"), []byte(mgr.tool), toolFingerprint(mgr.tool), []byte(spec.Runtime), []byte(a.lambda), lock, []byte(rootRel), []byte(srcRel), scriptPolicy(mgr, spec.AllowScripts)}
	for _, name := range slices.Sorted(maps.Keys(staged)) {
		parts = append(parts, []byte(name), staged[name])
	}
	key := cacheKey(parts...)
	dir, err := cachedInstall(ctx, spec.CacheDir, "node", key, spec.NoCache, func(ctx context.Context, tmp string) error {
		stage := filepath.Join(tmp, "stage")
		for name, raw := range staged {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(stage, name)), 0o755); err != nil {
				return fmt.Errorf("stage %s: %w", name, err)
			}
			if err := os.WriteFile(filepath.Join(stage, filepath.FromSlash(name)), raw, 0o644); err != nil {
				return fmt.Errorf("stage %s: %w", name, err)
			}
		}
		rootSpec := spec
		rootSpec.Source = p.root
		stagedRoot := filepath.Join(stage, rootRel)
		if err := b.nodeInstall(ctx, rootSpec, mgr, a, staged[filepath.ToSlash(filepath.Join(rootRel, "package.json"))], lock, stagedRoot); err != nil {
			return err
		}
		if mgr.tool == "npm" {
			if err := b.npmInstallLinked(ctx, spec, a, p, stage); err != nil {
				return err
			}
		}
		locals, err := layoutClosure(ctx, stage, p.base, filepath.Join(stage, srcRel), spec.Source, filepath.Join(tmp, "node_modules"))
		if err != nil {
			return fmt.Errorf("bundle the production dependencies of %s: %w", spec.Source, err)
		}
		raw, err := json.MarshalIndent(locals, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, nodeLocalsFile), raw, 0o644); err != nil {
			return err
		}
		return os.RemoveAll(stage)
	})
	if err != nil {
		return nil, err
	}
	trees := []Tree{source}
	if nm := filepath.Join(dir, "node_modules"); dirExists(nm) {
		trees = append(trees, Tree{Dir: nm, Prefix: "node_modules"})
	}
	raw, err := os.ReadFile(filepath.Join(dir, nodeLocalsFile))
	if err != nil {
		return nil, fmt.Errorf("read dependency cache entry %s: %w; run again with --no-cache", dir, err)
	}
	var locals []localBundle
	if err := json.Unmarshal(raw, &locals); err != nil {
		return nil, fmt.Errorf("read dependency cache entry %s: %w; run again with --no-cache", dir, err)
	}
	for _, l := range locals {
		ldir := filepath.Join(spec.Source, filepath.FromSlash(l.Source))
		t := Tree{Dir: ldir, Prefix: "node_modules/" + l.Loc, Skip: []string{"node_modules"}}
		lpkg, err := readNodeManifest(ctx, ldir)
		if err != nil {
			return nil, err
		}
		if err := applyPackageFiles(ctx, ldir, lpkg, "", &t); err != nil {
			return nil, err
		}
		trees = append(trees, t)
	}
	skipped, err := skippedScripts(ctx, mgr, a, spec.AllowScripts, filepath.Join(dir, "node_modules"))
	if err != nil {
		return nil, err
	}
	return &Result{Trees: trees, SkippedScripts: skipped}, nil
}

// npmInstallLinked installs the production dependencies of each file:
// folder, which npm links without installing what the folder needs: from
// the folder's own package-lock.json when it has one, else the newest
// versions the folder's package.json allows (npm records none for them).
func (b *builder) npmInstallLinked(ctx context.Context, spec Spec, a arch, p *nodeProject, stage string) error {
	for _, dir := range p.linked {
		if !hasProductionDeps(p.pkgs[dir]) {
			continue
		}
		rel, _ := filepath.Rel(p.base, dir)
		c := command{Dir: filepath.Join(stage, rel), Name: "npm", Log: spec.Log,
			Args: []string{"ci", "--omit=dev", "--os=linux", "--cpu=" + a.npm, "--no-audit", "--no-fund"}}
		if !fileExists(filepath.Join(c.Dir, "package-lock.json")) {
			c.Args = append([]string{"install", "--no-package-lock"}, c.Args[1:]...)
		}
		if out, err := b.run(ctx, c); err != nil {
			return fmt.Errorf("install production dependencies of local package %s with `%s`: %s%s", dir, c, exitStatus(err), outputTail(out))
		}
	}
	return nil
}

// withWorkspaceFields adds back to a staged root manifest what makes it a
// workspace root for npm and yarn.
func withWorkspaceFields(raw []byte, pkg map[string]json.RawMessage) ([]byte, error) {
	var out map[string]json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	for _, f := range []string{"workspaces", "private"} {
		if v, ok := pkg[f]; ok {
			out[f] = v
		}
	}
	return json.MarshalIndent(out, "", "  ")
}

// placement is one package at a place in the bundle's node_modules.
type placement struct {
	loc   string // slash path under node_modules; "" is the function itself
	real  string // its folder in the staged install, links resolved
	user  string // for the function and local packages: the user's folder
	local bool
}

// layoutClosure walks the production dependencies of the function (staged
// at fn, the user's folder user) through the installed tree under stage,
// resolving each name as Node.js does, and lays the packages reached out
// as one hoisted node_modules under out. Third-party packages are linked
// or copied there; local packages (found outside any node_modules, or
// named by a file: or link: specifier) are returned instead, to ship from
// the user's folders. base is the user's folder that stage mirrors.
func layoutClosure(ctx context.Context, stage, base, fn, user, out string) ([]localBundle, error) {
	realFn, err := filepath.EvalSymlinks(fn)
	if err != nil {
		return nil, err
	}
	realStage, err := filepath.EvalSymlinks(stage)
	if err != nil {
		return nil, err
	}
	assigned := map[string]string{} // loc -> real folder
	queue := []placement{{real: realFn, user: user, local: true}}
	var locals []localBundle
	var copies []placement
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cur := queue[0]
		queue = queue[1:]
		pkg, err := readNodeManifest(ctx, cur.real)
		if err != nil {
			return nil, err
		}
		for _, d := range nodeProductionDeps(pkg) {
			real, ok := resolveNodeModule(realStage, cur.real, d.name)
			if !ok {
				if d.optional {
					continue
				}
				return nil, fmt.Errorf("%s needs %s, which the install did not provide; run your package manager's install to bring the lockfile up to date", pkgLabel(cur), d.name)
			}
			conts := containers(cur.loc)
			var loc string
			found := false
			for _, c := range conts {
				if r, ok := assigned[joinLoc(c, d.name)]; ok {
					if r == real {
						found = true
					} else {
						loc = joinLoc(conts[0], d.name)
					}
					break
				}
			}
			if found {
				continue
			}
			if loc == "" {
				loc = d.name
			}
			assigned[loc] = real
			next := placement{loc: loc, real: real}
			rel, _ := filepath.Rel(realStage, real)
			if !slices.Contains(strings.Split(filepath.ToSlash(rel), "/"), "node_modules") {
				next.local, next.user = true, filepath.Join(base, rel)
			} else if cur.local {
				if target, ok := localSpecPath(cur.user, d.spec); ok && dirExists(target) {
					next.local, next.user = true, target
				}
			}
			if next.local {
				srel, err := filepath.Rel(user, next.user)
				if err != nil {
					return nil, err
				}
				locals = append(locals, localBundle{Loc: loc, Source: filepath.ToSlash(srel)})
			} else {
				copies = append(copies, next)
			}
			queue = append(queue, next)
		}
	}
	for _, c := range copies {
		if err := copyPackage(ctx, c.real, filepath.Join(out, filepath.FromSlash(c.loc))); err != nil {
			return nil, fmt.Errorf("copy %s: %w", c.loc, err)
		}
	}
	sort.Slice(locals, func(i, j int) bool { return locals[i].Loc < locals[j].Loc })
	return locals, nil
}

func pkgLabel(p placement) string {
	if p.loc == "" {
		return "the function"
	}
	return p.loc
}

// resolveNodeModule finds name as require() does from a file in dir: in
// node_modules of dir and of each folder above it, not leaving stage.
func resolveNodeModule(stage, dir, name string) (string, bool) {
	for d := dir; insideDir(stage, d); d = filepath.Dir(d) {
		if filepath.Base(d) == "node_modules" {
			continue
		}
		c := filepath.Join(d, "node_modules", filepath.FromSlash(name))
		if fileExists(filepath.Join(c, "package.json")) {
			real, err := filepath.EvalSymlinks(c)
			if err == nil {
				return real, true
			}
		}
		if d == stage {
			break
		}
	}
	return "", false
}

// containers lists the node_modules folders require() searches from the
// package at loc, nearest first, as locs ("" is the top node_modules).
func containers(loc string) []string {
	if loc == "" {
		return []string{""}
	}
	parts := strings.Split(loc, "/node_modules/")
	out := make([]string, 0, len(parts)+1)
	for i := len(parts); i >= 1; i-- {
		out = append(out, strings.Join(parts[:i], "/node_modules/")+"/node_modules")
	}
	return append(out, "")
}

func joinLoc(container, name string) string {
	if container == "" {
		return name
	}
	return container + "/" + name
}

// copyPackage puts one installed package at dst without its nested
// node_modules (the layout places what it needs). Files are hard-linked
// when the file system allows, copied otherwise; links are followed.
func copyPackage(ctx context.Context, src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() && d.Name() == "node_modules" && p != src {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		fi, err := os.Stat(p)
		if err != nil {
			return nil // a dangling link in a package is left out
		}
		switch {
		case fi.IsDir() && d.Type()&fs.ModeSymlink != 0:
			return nil // linked folders inside a package are not followed
		case fi.IsDir():
			return os.MkdirAll(target, 0o755)
		case fi.Mode().IsRegular():
			if err := os.Link(p, target); err == nil {
				return nil
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, raw, fi.Mode().Perm())
		}
		return nil
	})
}
