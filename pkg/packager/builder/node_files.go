package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/lambcli/lamb/internal/safefile"
)

// A package.json "files" list selects what of a package ships, by npm's
// own publishing rules, which lamb applies itself rather than running
// `npm pack --dry-run`: npm refuses a package.json without a name and a
// version (common for functions), takes about a second per run, and is not
// installed for every yarn or pnpm project. The rules follow npm-packlist:
//
//   - everything is left out, then each "files" entry is taken: a folder
//     with all it holds, a file, or a glob; "!entry" leaves it out again;
//   - package.json, README*, LICENSE*, LICENCE*, COPYING* at the root, the
//     "main", "browser" and "bin" files are always taken;
//   - version control folders, .npmrc, lockfiles, node_modules, editor and
//     OS litter (.DS_Store, *.orig, .*.swp) are always left out;
//   - a .npmignore (or, without one, a .gitignore) in a subfolder leaves
//     out what it names there; the root's ones do not count, as in npm;
//   - symbolic links are never taken; names match case-insensitively.
//
// lamb adds one rule of its own: the handler's file is always taken, since
// the function cannot start without it.

var npmDefaultRules = []string{
	".npmignore", ".gitignore", "**/.git", "**/.svn", "**/.hg", "**/CVS",
	"**/.git/**", "**/.svn/**", "**/.hg/**", "**/CVS/**", "/.lock-wscript",
	"/.wafpickle-*", "/build/config.gypi", "npm-debug.log", "**/.npmrc",
	".*.swp", ".DS_Store", "**/.DS_Store/**", "._*", "**/._*/**", "*.orig",
	"/archived-packages/**",
}

var npmStrictRules = []string{
	"/.git", "!/package.json", "!/readme{,.*[^~$]}", "!/copying{,.*[^~$]}",
	"!/license{,.*[^~$]}", "!/licence{,.*[^~$]}", "/.git", "/node_modules",
	".npmrc", "/package-lock.json", "/yarn.lock", "/pnpm-lock.yaml", "/bun.lockb",
}

// npmRule is one line of npm's ignore rules, matched as minimatch does with
// matchBase, dot and nocase.
type npmRule struct {
	glob    string // lower case, no leading slash
	negate  bool   // the rule takes (rather than leaves out) what it matches
	base    bool   // no slash: matched against the last path element
	dirOnly bool
}

func parseNpmRules(lines []string) []npmRule {
	var out []npmRule
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		var r npmRule
		for strings.HasPrefix(l, "!") {
			r.negate = !r.negate
			l = l[1:]
		}
		if strings.HasSuffix(l, "/") {
			r.dirOnly = true
			l = strings.TrimRight(l, "/")
		}
		r.base = !strings.Contains(l, "/")
		r.glob = strings.ToLower(strings.TrimPrefix(l, "/"))
		if r.glob == "" || !doublestar.ValidatePattern(r.glob) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// matches reports whether the rule matches rel (slash separated, relative
// to the folder whose rules these are). Folders also match a negated rule
// that could match something inside them, so that the walk goes on into
// them.
func (r npmRule) matches(rel string, isDir bool) bool {
	rel = strings.ToLower(rel)
	if r.dirOnly && !isDir {
		return false
	}
	if r.base {
		return doublestar.MatchUnvalidated(r.glob, path.Base(rel))
	}
	if doublestar.MatchUnvalidated(r.glob, rel) {
		return true
	}
	return isDir && r.negate && prefixMatch(r.glob, rel)
}

// prefixMatch reports whether the folder dir could hold a path that glob
// matches.
func prefixMatch(glob, dir string) bool {
	segs := strings.Split(glob, "/")
	for i, s := range strings.Split(dir, "/") {
		if i >= len(segs) {
			return false
		}
		if segs[i] == "**" {
			return true
		}
		if ok, _ := doublestar.Match(segs[i], s); !ok {
			return false
		}
	}
	return true
}

// npmPackList lists the files npm would publish from the package in dir
// whose manifest is pkg, sorted, slash separated; ok is false when pkg has
// no "files" list.
func npmPackList(ctx context.Context, dir string, pkg map[string]json.RawMessage, handlerFile string) (list []string, ok bool, err error) {
	raw, has := pkg["files"]
	if !has || strings.TrimSpace(string(raw)) == "null" {
		return nil, false, nil
	}
	var files []string
	if err := json.Unmarshal(raw, &files); err != nil {
		return nil, false, fmt.Errorf("read %s: \"files\" must be a list of paths and globs", filepath.Join(dir, "package.json"))
	}
	var pkgLines, strictTake []string
	var required []string // files entries that are files, relative to dir
	for _, f := range files {
		f = filepath.ToSlash(f)
		if strings.HasPrefix(f, "./") {
			f = f[1:]
		}
		if strings.HasSuffix(f, "/*") {
			f += "*"
		}
		name := strings.TrimLeft(f, "!")
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
		switch {
		case err != nil:
			pkgLines = append(pkgLines, "!"+f)
		case fi.Mode().IsRegular():
			strictTake = append(strictTake, "!"+f)
			required = append(required, strings.TrimPrefix(f, "/"))
		case fi.IsDir():
			f = strings.TrimRight(f, "/")
			pkgLines = append(pkgLines, "!"+f, "!"+f+"/**")
		}
	}
	strict := append(strictTake, npmStrictRules...)
	for _, field := range []string{"browser", "main"} {
		var s string
		if json.Unmarshal(pkg[field], &s) == nil && s != "" {
			strict = append(strict, "!/"+strings.TrimPrefix(path.Clean(filepath.ToSlash(s)), "./"))
		}
	}
	bins := map[string]string{}
	var bin string
	if json.Unmarshal(pkg["bin"], &bin) == nil && bin != "" {
		bins[""] = bin
	} else {
		_ = json.Unmarshal(pkg["bin"], &bins)
	}
	for _, k := range slices.Sorted(maps.Keys(bins)) {
		strict = append(strict, "!/"+strings.TrimPrefix(path.Clean(filepath.ToSlash(bins[k])), "./"))
	}
	if handlerFile != "" {
		strict = append(strict, "!/"+handlerFile)
	}
	w := &npmWalker{ctx: ctx, root: dir, levels: map[string][]npmRule{
		"": parseNpmRules(slices.Concat(npmDefaultRules, append([]string{"*"}, pkgLines...), strict)),
	}, required: required}
	if err := w.walk(""); err != nil {
		return nil, false, err
	}
	slices.Sort(w.out)
	return w.out, true, nil
}

// npmWalker walks a package folder the way npm-packlist does.
type npmWalker struct {
	ctx      context.Context
	root     string
	levels   map[string][]npmRule // rules of each folder walked, by its path
	required []string
	out      []string
}

// takes decides rel by the rules of the root and of each folder on the way
// to it: a folder's rules see paths relative to it, and once a folder's
// rules leave a path out, those below cannot take it back.
func (w *npmWalker) takes(rel string, isDir bool) bool {
	inc := true
	level := ""
	for {
		sub := rel
		if level != "" {
			sub = strings.TrimPrefix(rel, level+"/")
		}
		for _, r := range w.levels[level] {
			if r.negate != inc && r.matches(sub, isDir) {
				inc = r.negate
			}
		}
		if !inc {
			return false
		}
		next, _, more := strings.Cut(sub, "/")
		if !more {
			return inc
		}
		if level == "" {
			level = next
		} else {
			level += "/" + next
		}
	}
}

func (w *npmWalker) walk(rel string) error {
	dir := filepath.Join(w.root, filepath.FromSlash(rel))
	if rel != "" {
		lines := []string{}
		for _, name := range []string{".npmignore", ".gitignore"} {
			// Read as lamb reads .lambignore: a regular file of bounded
			// size inside the package, never a FIFO or a link out of it.
			raw, err := safefile.ReadFileIn(w.ctx, w.root, path.Join(rel, name), maxManifestBytes)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read the package's ignore file: %w", err)
			}
			lines = strings.Split(string(raw), "\n")
			break
		}
		strict := []string{"/.git"}
		for _, r := range w.required {
			if path.Dir(r) == rel {
				strict = append(strict, "!"+path.Base(r))
			}
		}
		w.levels[rel] = parseNpmRules(slices.Concat(npmDefaultRules, lines, strict))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list the package files of %s: %w", w.root, err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), "*") {
			continue
		}
		p := e.Name()
		if rel != "" {
			p = rel + "/" + p
		}
		switch {
		case e.IsDir():
			if w.takes(p, true) {
				if err := w.walk(p); err != nil {
					return err
				}
			}
		case e.Type().IsRegular():
			if w.takes(p, false) {
				w.out = append(w.out, p)
			}
		}
	}
	return nil
}

// applyPackageFiles narrows tree t, the package folder dir, to what its
// "files" list publishes; handlerFile, when set, is taken too.
func applyPackageFiles(ctx context.Context, dir string, pkg map[string]json.RawMessage, handlerFile string, t *Tree) error {
	list, ok, err := npmPackList(ctx, dir, pkg, handlerFile)
	if err != nil || !ok {
		return err
	}
	if list == nil {
		list = []string{}
	}
	t.Only = list
	return nil
}

// nodeHandlerFile is the file of the function's handler module that exists
// in src ("" when none does): "lib/app.handler" is lib/app.js, .mjs or .cjs.
func nodeHandlerFile(src, handler string) string {
	i := strings.LastIndex(handler, ".")
	if i <= 0 {
		return ""
	}
	mod := path.Clean(filepath.ToSlash(handler[:i]))
	for _, ext := range []string{".js", ".mjs", ".cjs"} {
		if fileExists(filepath.Join(src, filepath.FromSlash(mod+ext))) {
			return mod + ext
		}
	}
	return ""
}
