package packager

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/lambcli/lamb/internal/safefile"
)

// pattern is one gitignore line translated to a doublestar glob over zip
// paths. doublestar does the globbing; a literal path is compared as a string.
type pattern struct {
	line   string // as written, for error messages
	glob   string
	inside string // for "x/**": the glob of x, which the pattern does not match
	// literal, for a glob "**/<path without wildcards>" (".npmrc",
	// "node_modules/.cache"), is that path: it matches the paths that are it
	// or end in "/" and it, a string compare instead of a glob match for
	// the many default exclusions.
	literal string
	// basePrefix is what the last element of every path the glob matches
	// starts with (".env" for "**/.env*"): a cheap test that spares most
	// paths the glob match. "" when the last glob element is "**".
	basePrefix string
	negate     bool
	dirOnly    bool
}

// patternSet is an ordered list of gitignore patterns where, as in git, the
// last pattern that matches a path decides.
type patternSet struct {
	patterns []pattern
}

// parsePattern turns one gitignore line into a pattern. ok is false for
// blank lines and comments.
func parsePattern(line string) (p pattern, ok bool, err error) {
	line = strings.TrimSuffix(line, "\r")
	p.line = line
	if line == "" || line[0] == '#' {
		return p, false, nil
	}
	// Trailing spaces are ignored unless escaped with a backslash.
	for strings.HasSuffix(line, " ") && !strings.HasSuffix(line, `\ `) {
		line = line[:len(line)-1]
	}
	if line == "" {
		return p, false, nil
	}
	if line[0] == '!' {
		p.negate = true
		line = line[1:]
	} else if strings.HasPrefix(line, `\!`) || strings.HasPrefix(line, `\#`) {
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if line == "" {
		return p, false, fmt.Errorf("pattern %q matches nothing: give a name or glob", p.line)
	}
	// A slash at the start or in the middle anchors the pattern at the
	// zip root; otherwise it matches a name at any depth.
	anchored := strings.Contains(line, "/")
	line = strings.TrimPrefix(line, "/")
	// gitignore has no {a,b} alternation: make braces literal.
	line = strings.NewReplacer("{", `\{`, "}", `\}`).Replace(line)
	if anchored {
		p.glob = line
	} else {
		p.glob = "**/" + line
	}
	if rest, ok := strings.CutPrefix(p.glob, "**/"); ok && !strings.ContainsAny(rest, `*?[\`) {
		p.literal = rest
	}
	if last := p.glob[strings.LastIndexByte(p.glob, '/')+1:]; last != "**" {
		p.basePrefix = last[:strings.IndexAny(last+"*", `*?[\`)]
	}
	if base, ok := strings.CutSuffix(p.glob, "/**"); ok && base != "**" {
		p.inside = base
	}
	if !doublestar.ValidatePattern(p.glob) {
		return p, false, fmt.Errorf("pattern %q is not a valid glob: check brackets and escapes", p.line)
	}
	return p, true, nil
}

// newPatternSet parses lines in order; origin names where they came from.
func newPatternSet(origin string, lines []string) (*patternSet, error) {
	s := &patternSet{}
	for i, l := range lines {
		p, ok, err := parsePattern(l)
		if err != nil {
			return nil, fmt.Errorf("read %s line %d: %w", origin, i+1, err)
		}
		if ok {
			s.patterns = append(s.patterns, p)
		}
	}
	return s, nil
}

// add appends the patterns of other after those of s.
func (s *patternSet) add(other *patternSet) {
	if other != nil {
		s.patterns = append(s.patterns, other.patterns...)
	}
}

// decide reports whether the last pattern matching zipPath is a positive
// one (matched) and whether any pattern matched at all (decided).
func (s *patternSet) decide(zipPath string, isDir bool) (matched, decided bool) {
	if s == nil {
		return false, false
	}
	for i := len(s.patterns) - 1; i >= 0; i-- {
		p := &s.patterns[i]
		if p.dirOnly && !isDir {
			continue
		}
		if p.literal != "" {
			if zipPath == p.literal || (strings.HasSuffix(zipPath, p.literal) && zipPath[len(zipPath)-len(p.literal)-1] == '/') {
				return !p.negate, true
			}
			continue
		}
		if !strings.HasPrefix(zipPath[strings.LastIndexByte(zipPath, '/')+1:], p.basePrefix) {
			continue
		}
		if doublestar.MatchUnvalidated(p.glob, zipPath) {
			// As in git, "dir/**" matches what is inside dir, not dir.
			if p.inside != "" && doublestar.MatchUnvalidated(p.inside, zipPath) {
				continue
			}
			return !p.negate, true
		}
	}
	return false, false
}

// maxIgnoreBytes bounds a .lambignore: thousands of patterns fit in it.
const maxIgnoreBytes = 1 << 20

// readIgnoreFile reads the gitignore-syntax file name in dir; a missing
// file is empty. It must be a regular file that lies inside dir, links
// resolved: a link to a file elsewhere is refused before it is read, so
// no line of that file can appear in an error.
func readIgnoreFile(ctx context.Context, dir, name string) ([]string, error) {
	data, err := safefile.ReadFileIn(ctx, dir, name, maxIgnoreBytes)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), maxIgnoreBytes)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Join(dir, name), err)
	}
	return lines, nil
}

// defaultExcludes are always left out and cannot be re-included: version
// control data, lamb's own files, and dotenv files that usually hold secrets.
var defaultExcludeLines = []string{".git/", ".env*", "/.lamb/", "/lamb.yaml", "/.lambignore"}

// defaultIgnoreLines are left out as if .lambignore began with them, so a
// negated pattern there or in package.exclude takes one back: package tool
// settings that hold registry tokens, and the caches and virtual
// environments of Python and SAM tooling, which a function never runs.
var defaultIgnoreLines = []string{
	".npmrc", ".pypirc", ".netrc",
	".aws-sam/", ".tox/", ".nox/", "htmlcov/", ".pytest_cache/", "__pycache__/", ".venv/",
}

// selector decides which zip paths go into the bundle.
type selector struct {
	defaults *patternSet // never overridable
	exclude  *patternSet // defaultIgnoreLines, .lambignore, then Spec.Exclude; last match wins
	include  *patternSet // nil: take everything not excluded
	secrets  *secretFiles
}

func newSelector(lambignore []string, include, exclude []string) (*selector, error) {
	defaults, err := newPatternSet("default excludes", slices.Concat(defaultExcludeLines, nodeStateLines))
	if err != nil {
		return nil, err
	}
	ex, err := newPatternSet("default ignores", defaultIgnoreLines)
	if err != nil {
		return nil, err
	}
	ignore, err := newPatternSet(".lambignore", lambignore)
	if err != nil {
		return nil, err
	}
	specEx, err := newPatternSet("package.exclude", exclude)
	if err != nil {
		return nil, err
	}
	ex.add(ignore)
	ex.add(specEx)
	sel := &selector{defaults: defaults, exclude: ex}
	if len(include) > 0 {
		sel.include, err = newPatternSet("package.include", include)
		if err != nil {
			return nil, err
		}
	}
	return sel, nil
}

// excluded reports whether zipPath is left out by the defaults or the
// exclude patterns. Callers never ask about paths inside an excluded
// folder: those folders are pruned, which is what makes a negation unable
// to re-include a file inside an excluded folder, as in git.
func (s *selector) excluded(zipPath string, isDir bool) bool {
	if m, _ := s.defaults.decide(zipPath, isDir); m {
		return true
	}
	m, _ := s.exclude.decide(zipPath, isDir)
	return m
}

// included reports whether zipPath is taken by the include patterns, given
// whether its parent folder was. A folder matched by an include pattern
// takes everything under it unless a pattern on the path says otherwise;
// a folder matched by a negated include pattern ("!tests/") is left out
// whole (prune), whatever its contents match.
func (s *selector) included(zipPath string, isDir bool, parentIncluded bool) (inc, prune bool) {
	if s.include == nil {
		return true, false
	}
	if m, decided := s.include.decide(zipPath, isDir); decided {
		return m, isDir && !m
	}
	return parentIncluded, false
}
