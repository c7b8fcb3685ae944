package builder

import (
	"os"
	"path/filepath"
	"strings"
)

// nodeSourceTrees is a Node.js function's folder shipped as it is, with
// the node_modules already in it. An isolated node_modules (pnpm's, or
// yarn's pnpm linker) holds each package once in a store folder inside
// node_modules, with its dependencies linked next to it; Node.js resolves
// a package's requires from the real folder a link leads to. Followed, the
// links would copy every package a second time, to places where its own
// dependencies cannot be found, so that node_modules keeps its links.
func nodeSourceTrees(src string) []Tree {
	nm := filepath.Join(src, "node_modules")
	if !isolatedNodeModules(nm) {
		return []Tree{{Dir: src}}
	}
	return []Tree{
		{Dir: src, Skip: []string{"node_modules"}},
		{Dir: nm, Prefix: "node_modules", KeepLinks: true},
	}
}

// isolatedNodeModules reports whether nm is a real folder in which a
// top-level package is a link to a folder inside nm itself.
func isolatedNodeModules(nm string) bool {
	if fi, err := os.Lstat(nm); err != nil || !fi.IsDir() {
		return false
	}
	real, err := filepath.EvalSymlinks(nm)
	if err != nil {
		return false
	}
	entries, err := os.ReadDir(nm)
	if err != nil {
		return false
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "@") && e.IsDir():
			scoped, err := os.ReadDir(filepath.Join(nm, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				if s.Type()&os.ModeSymlink != 0 && linksInside(filepath.Join(nm, name, s.Name()), real) {
					return true
				}
			}
		case strings.HasPrefix(name, "."):
		case e.Type()&os.ModeSymlink != 0 && linksInside(filepath.Join(nm, name), real):
			return true
		}
	}
	return false
}

// linksInside reports whether the link leads to a folder inside root.
func linksInside(link, root string) bool {
	target, err := filepath.EvalSymlinks(link)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(root, target)
	if err != nil || !filepath.IsLocal(rel) {
		return false
	}
	fi, err := os.Stat(target)
	return err == nil && fi.IsDir()
}
