package builder

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lambcli/lamb/internal/safefile"
)

// pip builds a project folder named in requirements in place, writing
// build/ and *.egg-info into it: into the user's source, from where they
// would ship. lamb hands pip a copy instead.

// localRequirement is a requirements line naming a project folder on this
// machine: ./pkg, -e ./pkg, /abs/pkg, file:pkg, name @ file:///abs/pkg.
type localRequirement struct {
	dir    string // the folder, absolute
	name   string // "name" of a "name @ url" line, else ""
	extras string // "[a,b]" after a path, else ""
	rest   string // markers and options after the path
}

// parseLocalRequirement recognises a line naming a local folder; relative
// paths are taken from the project folder, where pip runs.
func parseLocalRequirement(src, line string) (localRequirement, bool) {
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(line)
	for _, e := range []string{"-e ", "--editable ", "--editable="} {
		if rest, ok := strings.CutPrefix(line, e); ok {
			line = strings.TrimSpace(rest)
		}
	}
	var r localRequirement
	loc := line
	if name, u, ok := strings.Cut(line, " @ "); ok {
		r.name, loc = strings.TrimSpace(name), strings.TrimSpace(u)
	}
	end := strings.IndexAny(loc, " \t;")
	if end < 0 {
		end = len(loc)
	}
	loc, r.rest = loc[:end], loc[end:]
	if i := strings.Index(loc, "["); i > 0 && strings.HasSuffix(loc, "]") && r.name == "" {
		loc, r.extras = loc[:i], loc[i:]
	}
	var p string
	switch {
	case strings.HasPrefix(loc, "file:"):
		u, err := url.Parse(loc)
		if err != nil {
			return r, false
		}
		p = u.Path
		if p == "" {
			p = u.Opaque // file:relative/path
		}
	case r.name == "" && (strings.HasPrefix(loc, ".") || filepath.IsAbs(loc)):
		p = loc
	default:
		return r, false
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(src, p)
	}
	if !dirExists(p) {
		return r, false
	}
	r.dir = filepath.Clean(p)
	return r, true
}

// line spells the requirement for a copy of its folder; an editable
// install (a link back to the folder) becomes a plain one, as Lambda has
// no such folder.
func (r localRequirement) line(dir string) string {
	if r.name != "" {
		p := filepath.ToSlash(dir)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p // C:/x is file:///C:/x
		}
		return r.name + " @ " + (&url.URL{Scheme: "file", Path: p}).String() + r.rest
	}
	return dir + r.extras + r.rest
}

// localFolders lists the project folders a requirements file and the
// files it includes name, for the install's cache key.
func localFolders(ctx context.Context, src, req string) []string {
	var dirs []string
	eachRequirementLine(ctx, req, func(_, line string) {
		if r, ok := parseLocalRequirement(src, line); ok {
			dirs = append(dirs, r.dir)
		}
	})
	return dirs
}

// eachRequirementLine calls visit with each line of the requirements file
// req and the file it is in, an included file's lines (-r) in place of the
// line that includes it. Each file is read once; one that cannot be read
// is passed over.
func eachRequirementLine(ctx context.Context, req string, visit func(file, line string)) {
	seen := map[string]bool{}
	var walk func(req string)
	walk = func(req string) {
		if seen[req] {
			return
		}
		seen[req] = true
		raw, err := safefile.ReadFile(ctx, req, maxManifestBytes)
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if opt, val := requirementOption(line); opt == "-r" || opt == "--requirement" {
				walk(relativeTo(req, val))
			} else {
				visit(req, line)
			}
		}
	}
	walk(req)
}

// relativeTo resolves a path a requirements file names the way pip does:
// from the file's folder; URLs stay as they are.
func relativeTo(file, p string) string {
	if filepath.IsAbs(p) || strings.Contains(p, "://") {
		return p
	}
	return filepath.Join(filepath.Dir(file), p)
}

// stageLocalRequirements copies every project folder req (and the files it
// includes) names into staging and writes requirements naming the copies
// there. The staged files name included files, constraints and
// --find-links folders by absolute path, as they no longer sit next to
// them. A file that names no folder is returned as it is.
func stageLocalRequirements(ctx context.Context, src, req, staging string) (string, error) {
	s := &localStaging{src: src, dir: staging, staged: map[string]string{}}
	return s.file(ctx, req)
}

type localStaging struct {
	src, dir string
	staged   map[string]string // requirements file → the file to use
	n        int
}

func (s *localStaging) file(ctx context.Context, req string) (string, error) {
	if p, ok := s.staged[req]; ok {
		return p, nil
	}
	s.staged[req] = req // an include cycle reads the original
	raw, err := safefile.ReadFile(ctx, req, maxManifestBytes)
	if err != nil {
		return req, nil // pip reports it
	}
	changed := false
	lines := strings.Split(string(raw), "\n")
	for i, line := range lines {
		opt, val := requirementOption(line)
		switch opt {
		case "-r", "--requirement":
			inc, err := s.file(ctx, relativeTo(req, val))
			if err != nil {
				return "", err
			}
			changed = changed || inc != relativeTo(req, val)
			lines[i] = opt + " " + inc
			continue
		case "-c", "--constraint":
			lines[i] = opt + " " + relativeTo(req, val)
			continue
		case "-f", "--find-links":
			if p := relativeTo(req, val); !strings.Contains(val, "://") && (dirExists(p) || fileExists(p)) {
				lines[i] = opt + " " + p
			}
			continue
		}
		r, ok := parseLocalRequirement(s.src, line)
		if !ok {
			continue
		}
		s.n++
		dst := filepath.Join(s.dir, strconv.Itoa(s.n), filepath.Base(r.dir))
		if err := copyProject(ctx, r.dir, dst); err != nil {
			return "", fmt.Errorf("copy the local package %s to build it: %w", r.dir, err)
		}
		lines[i] = r.line(dst)
		changed = true
	}
	if !changed {
		return req, nil
	}
	s.n++
	out := filepath.Join(s.dir, strconv.Itoa(s.n)+"-"+filepath.Base(req))
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(out, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		return "", fmt.Errorf("stage %s: %w", req, err)
	}
	s.staged[req] = out
	return out, nil
}

// skipInProject says which folders of a local package stay out of its
// copy: version control, environments, caches, and the leftovers of an
// earlier in-place build, which setuptools would pick up again.
func skipInProject(name string) bool {
	switch name {
	case ".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".nox", ".pytest_cache", "build":
		return true
	}
	return strings.HasSuffix(name, ".egg-info")
}

// copyProject copies a local package's folder, keeping file modes and
// links; skipInProject folders are left out.
func copyProject(ctx context.Context, src, dst string) error {
	return walkProject(src, func(rel string, d fs.DirEntry) error {
		from, to := filepath.Join(src, rel), filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(from)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case !d.Type().IsRegular():
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		raw, err := safefile.ReadFile(ctx, from, maxManifestBytes)
		if err != nil {
			return err
		}
		return os.WriteFile(to, raw, fi.Mode().Perm())
	})
}

// projectFingerprint hashes the paths and contents of local package
// folders, so that editing one is a new install.
func projectFingerprint(ctx context.Context, dirs []string) []byte {
	h := sha256.New()
	for _, dir := range dirs {
		fmt.Fprintf(h, "%s\x00", dir)
		_ = walkProject(dir, func(rel string, d fs.DirEntry) error {
			fmt.Fprintf(h, "%s\x00%v\x00", filepath.ToSlash(rel), d.Type())
			if d.Type().IsRegular() {
				if raw, err := safefile.ReadFile(ctx, filepath.Join(dir, rel), maxManifestBytes); err == nil {
					fmt.Fprintf(h, "%d\x00", len(raw))
					h.Write(raw)
				}
			}
			return nil
		})
	}
	return h.Sum(nil)
}

// walkProject calls fn for every entry under dir (by path relative to it)
// in lexical order, leaving skipInProject folders out.
func walkProject(dir string, fn func(rel string, d fs.DirEntry) error) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel != "." && d.IsDir() && skipInProject(d.Name()) {
			return filepath.SkipDir
		}
		return fn(rel, d)
	})
}
