package packager

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/lambcli/lamb/internal/safefile"
)

// tree is one folder merged into the bundle at a zip path prefix.
type tree struct {
	Dir    string
	Prefix string
	Skip   []string
	// KeepLinks stores the tree's links as links whatever package.symlinks
	// says (see builder.Tree).
	KeepLinks bool
	// Only, when not nil, lists the only files taken (relative to Dir).
	Only []string
}

// entryKind says what a bundle entry is.
type entryKind uint8

const (
	kindFile entryKind = iota
	kindDir
	kindSymlink
)

// fileStat is the part of a file's stat that keys the compression cache.
type fileStat struct {
	Size    int64
	MtimeNs int64
	CtimeNs int64 // catches a rewrite that restored size and mtime
	Ino     uint64
	Mode    uint32 // fs.FileMode of the file whose content is read
}

// sourceEntry is one selected file, symlink or folder of the bundle.
type sourceEntry struct {
	zipPath    string // slash separated, no trailing slash
	name       string // name in the zip: zipPath, plus a slash for folders
	kind       entryKind
	diskPath   string // file whose content is read (the target of a followed link)
	linkTarget string // kept symlinks: the body stored in the zip
	stat       fileStat
}

// walker selects files from the trees into one merged map keyed by zip path.
type walker struct {
	ctx      context.Context
	sel      *selector
	keep     bool     // package.symlinks: keep
	follow   bool     // follow links in the tree being walked
	prune    []string // absolute folders never walked (the output folder)
	treeRoot string   // real path of the tree being walked
	treeDir  string   // the tree's folder as given
	only     *onlySet // the tree's Only list; nil takes everything

	// Folders of one tree are walked concurrently (the walk is mostly
	// stat calls); trees are walked one after another so that a later
	// tree's file reliably replaces an earlier one's.
	g       *errgroup.Group
	walkCtx context.Context
	mu      sync.Mutex
	entries map[string]*sourceEntry
}

// walkParallelism bounds the goroutines stat-ing folders.
const walkParallelism = 8

// spawn runs f on another goroutine when one is free, else inline.
func (w *walker) spawn(f func() error) error {
	if w.g.TryGo(f) {
		return nil
	}
	return f()
}

func statOf(fi fs.FileInfo) fileStat {
	st := fileStat{Size: fi.Size(), MtimeNs: fi.ModTime().UnixNano(), Mode: uint32(fi.Mode())}
	st.Ino, st.CtimeNs = inodeAndCtime(fi)
	return st
}

// selectFiles walks the trees in order and returns the selected entries
// sorted by zip path, folders included (every ancestor of a selected file).
func selectFiles(ctx context.Context, trees []tree, sel *selector, symlinks string, prune []string) ([]*sourceEntry, error) {
	w := &walker{ctx: ctx, sel: sel, keep: symlinks == "keep", prune: prune, entries: map[string]*sourceEntry{}}
	for _, t := range trees {
		if err := w.walkTree(t); err != nil {
			return nil, err
		}
	}
	return w.finish()
}

func (w *walker) walkTree(t tree) error {
	fi, err := os.Stat(t.Dir)
	if err != nil {
		return fmt.Errorf("read folder %s: %w", t.Dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder; builders must return folders", t.Dir)
	}
	root, err := filepath.EvalSymlinks(t.Dir)
	if err != nil {
		return fmt.Errorf("resolve folder %s: %w", t.Dir, err)
	}
	w.treeRoot, w.treeDir = root, t.Dir
	w.follow = !w.keep && !t.KeepLinks
	g, gctx := errgroup.WithContext(w.ctx)
	g.SetLimit(walkParallelism)
	w.g, w.walkCtx = g, gctx
	prefix := strings.Trim(path.Clean("/"+filepath.ToSlash(t.Prefix)), "/")
	w.only = newOnlySet(t.Only, prefix)
	// The prefix folders themselves are subject to selection.
	included := w.sel.include == nil
	if prefix != "" {
		parts := strings.Split(prefix, "/")
		for i := range parts {
			p := strings.Join(parts[:i+1], "/")
			if w.sel.excluded(p, true) {
				return nil
			}
			var prune bool
			if included, prune = w.sel.included(p, true, included); prune {
				return nil
			}
		}
	}
	skip := map[string]bool{}
	for _, s := range t.Skip {
		skip[s] = true
	}
	err = w.walkDir(t.Dir, root, prefix, included, skip, []string{root})
	if werr := g.Wait(); err == nil {
		err = werr
	}
	return err
}

// walkDir walks folder dir (real path real) at zip path prefix. stack holds
// the real paths of the folders being walked, to catch symlink cycles.
func (w *walker) walkDir(dir, real, prefix string, parentIncluded bool, skip map[string]bool, stack []string) error {
	if err := w.walkCtx.Err(); err != nil {
		return err
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read folder %s: %w", dir, err)
	}
	for _, de := range des {
		name := de.Name()
		if skip[name] {
			continue
		}
		full := filepath.Join(dir, name)
		zp := name
		if prefix != "" {
			zp = prefix + "/" + name
		}
		if !w.only.takes(zp, de.IsDir()) {
			continue
		}
		typ := de.Type()
		if !typ.IsDir() && w.sel.secrets.leavesPath(zp) {
			continue
		}
		switch {
		case typ.IsDir():
			if w.sel.excluded(zp, true) || w.pruned(full) {
				continue
			}
			inc, prune := w.sel.included(zp, true, parentIncluded)
			if prune {
				continue
			}
			sub := filepath.Join(real, name)
			if err := w.spawn(func() error {
				return w.walkDir(full, sub, zp, inc, nil, push(stack, sub))
			}); err != nil {
				return err
			}
		case typ&fs.ModeSymlink != 0:
			if err := w.symlink(full, zp, parentIncluded, stack); err != nil {
				return err
			}
		case typ.IsRegular():
			if w.sel.excluded(zp, false) || !w.sel.takes(zp, parentIncluded) {
				continue
			}
			fi, err := de.Info()
			if err != nil {
				return fmt.Errorf("read %s: %w", full, err)
			}
			if w.sel.secrets.leavesFile(zp, fi) {
				continue
			}
			w.add(&sourceEntry{zipPath: zp, kind: kindFile, diskPath: full, stat: statOf(fi)})
		default:
			if w.sel.excluded(zp, false) || !w.sel.takes(zp, parentIncluded) {
				continue
			}
			return fmt.Errorf("%s is %s, not a file; remove it or add %q to package.exclude", full, safefile.KindOf(typ), zp)
		}
	}
	return nil
}

// takes reports whether a file is included.
func (s *selector) takes(zipPath string, parentIncluded bool) bool {
	inc, _ := s.included(zipPath, false, parentIncluded)
	return inc
}

// pruned reports whether full is a folder lamb never packages (its own output).
func (w *walker) pruned(full string) bool {
	for _, p := range w.prune {
		if full == p {
			return true
		}
	}
	return false
}

func (w *walker) symlink(full, zp string, parentIncluded bool, stack []string) error {
	if w.sel.excluded(zp, false) && w.sel.excluded(zp, true) {
		return nil // left out whatever it points to: not checked
	}
	target, err := os.Readlink(full)
	if err != nil {
		return fmt.Errorf("read symlink %s: %w", full, err)
	}
	resolved, err := filepath.EvalSymlinks(full)
	if err != nil {
		return fmt.Errorf("symlink %s -> %s: the target does not exist; fix or remove the link", full, target)
	}
	if !within(w.treeRoot, resolved) {
		return fmt.Errorf("symlink %s -> %s: the target is outside %s; copy the target into the folder or remove the link", full, target, w.treeDir)
	}
	ti, err := os.Stat(resolved)
	if err != nil {
		return fmt.Errorf("symlink %s -> %s: %w", full, target, err)
	}
	if !w.follow {
		if w.sel.excluded(zp, false) || !w.sel.takes(zp, parentIncluded) {
			return nil
		}
		if filepath.IsAbs(target) {
			return fmt.Errorf("symlink %s -> %s: an absolute target breaks once unpacked in /var/task; make the link relative or set package.symlinks: follow", full, target)
		}
		li, err := os.Lstat(full)
		if err != nil {
			return fmt.Errorf("read symlink %s: %w", full, err)
		}
		w.add(&sourceEntry{zipPath: zp, kind: kindSymlink, linkTarget: filepath.ToSlash(target), stat: statOf(li)})
		return nil
	}
	if ti.IsDir() {
		if w.sel.excluded(zp, true) {
			return nil
		}
		for _, s := range stack {
			if s == resolved || within(resolved, s) {
				return fmt.Errorf("symlink %s -> %s: it points to a folder that contains it (a cycle); remove the link or set package.symlinks: keep", full, target)
			}
		}
		inc, prune := w.sel.included(zp, true, parentIncluded)
		if prune {
			return nil
		}
		return w.spawn(func() error {
			return w.walkDir(full, resolved, zp, inc, nil, push(stack, resolved))
		})
	}
	if !ti.Mode().IsRegular() {
		return fmt.Errorf("symlink %s -> %s: the target is %s, not a file; remove the link", full, target, safefile.KindOf(ti.Mode()))
	}
	if w.sel.excluded(zp, false) || !w.sel.takes(zp, parentIncluded) || w.sel.secrets.leavesFile(zp, ti) {
		return nil
	}
	w.add(&sourceEntry{zipPath: zp, kind: kindFile, diskPath: resolved, stat: statOf(ti)})
	return nil
}

// onlySet is a tree's Only list as zip paths, with the folders that lead
// to them.
type onlySet struct {
	files, dirs map[string]bool
}

func newOnlySet(only []string, prefix string) *onlySet {
	if only == nil {
		return nil
	}
	s := &onlySet{files: map[string]bool{}, dirs: map[string]bool{}}
	for _, f := range only {
		zp := path.Join(prefix, f)
		s.files[zp] = true
		for d := path.Dir(zp); d != "." && d != prefix && !s.dirs[d]; d = path.Dir(d) {
			s.dirs[d] = true
		}
	}
	return s
}

// takes reports whether the walk goes into folder or takes file zipPath;
// a symbolic link is taken only when listed itself.
func (s *onlySet) takes(zipPath string, isDir bool) bool {
	if s == nil {
		return true
	}
	if isDir {
		return s.dirs[zipPath]
	}
	return s.files[zipPath]
}

// within reports whether p is root or inside it.
func within(root, p string) bool {
	if p == root {
		return true
	}
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// push returns stack with p on top, never sharing the backing array with
// other goroutines' stacks.
func push(stack []string, p string) []string {
	return append(stack[:len(stack):len(stack)], p)
}

// add records e; a later tree's entry replaces an earlier one's.
func (w *walker) add(e *sourceEntry) {
	w.mu.Lock()
	w.entries[e.zipPath] = e
	w.mu.Unlock()
}

// finish adds the folder entries and sorts everything by zip name.
func (w *walker) finish() ([]*sourceEntry, error) {
	out := make([]*sourceEntry, 0, len(w.entries)+len(w.entries)/8)
	dirs := map[string]bool{}
	for p, e := range w.entries {
		out = append(out, e)
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if dirs[d] {
				break
			}
			dirs[d] = true
		}
	}
	for d := range dirs {
		if e, clash := w.entries[d]; clash {
			other := e.diskPath
			if other == "" {
				other = "a symlink"
			}
			return nil, fmt.Errorf("zip path %q is a file (%s) in one folder and a folder in another (%s); rename one of them", d, other, w.treeDir)
		}
		out = append(out, &sourceEntry{zipPath: d, kind: kindDir, stat: fileStat{Mode: uint32(fs.ModeDir | 0o755)}})
	}
	for _, e := range out {
		e.name = zipName(e)
	}
	slices.SortFunc(out, func(a, b *sourceEntry) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// zipName is the entry's name in the zip: folders end with a slash.
func zipName(e *sourceEntry) string {
	if e.kind == kindDir {
		return e.zipPath + "/"
	}
	return e.zipPath
}
