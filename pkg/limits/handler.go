package limits

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/lambcli/lamb/internal/suggest"
	"github.com/lambcli/lamb/pkg/packager"
)

// handlerTarget says which bundle files can satisfy a handler.
type handlerTarget struct {
	// files are the candidate paths; any one present is enough.
	files []string
	// exec requires the file to be executable.
	exec bool
	// class is the Java class file, also searched for inside jars.
	class string
	// exts are the extensions used to look for near candidates.
	exts []string
	// dirOK lets a Node module resolve as a folder or package.
	nodeModule string
}

func targetFor(handler string, r Runtime) (handlerTarget, bool) {
	switch r.Family {
	case "nodejs":
		mod := scriptModule(handler)
		if mod == "" {
			return handlerTarget{}, false
		}
		return handlerTarget{
			files:      []string{mod + ".js", mod + ".mjs", mod + ".cjs"},
			exts:       []string{".js", ".mjs", ".cjs"},
			nodeModule: mod,
		}, true
	case "python":
		i := strings.LastIndex(handler, ".")
		if i <= 0 {
			return handlerTarget{}, false
		}
		mod := strings.ReplaceAll(strings.ReplaceAll(handler[:i], ".", "/"), "//", "/")
		return handlerTarget{
			files: []string{mod + ".py", mod + "/__init__.py", mod + ".pyc"},
			exts:  []string{".py"},
		}, true
	case "ruby":
		mod := scriptModule(handler)
		if mod == "" {
			return handlerTarget{}, false
		}
		return handlerTarget{files: []string{mod + ".rb"}, exts: []string{".rb"}}, true
	case "java":
		class, _, _ := strings.Cut(handler, "::")
		if class == "" {
			return handlerTarget{}, false
		}
		p := strings.ReplaceAll(class, ".", "/") + ".class"
		return handlerTarget{files: []string{p, "classes/" + p}, class: p, exts: []string{".class", ".jar"}}, true
	case "dotnet":
		asm, _, _ := strings.Cut(handler, "::")
		if asm == "" {
			return handlerTarget{}, false
		}
		return handlerTarget{files: []string{asm + ".dll"}, exts: []string{".dll"}}, true
	case "go":
		return handlerTarget{files: []string{handler}, exec: true}, true
	case "provided":
		return handlerTarget{files: []string{"bootstrap"}, exec: true}, true
	}
	return handlerTarget{}, false
}

// scriptModule returns the module path of a Node or Ruby handler: everything
// up to the first dot after the last slash ("src/index.handler" → "src/index").
func scriptModule(handler string) string {
	dir, base := "", handler
	if i := strings.LastIndex(handler, "/"); i >= 0 {
		dir, base = handler[:i+1], handler[i+1:]
	}
	mod, _, ok := strings.Cut(base, ".")
	if !ok || mod == "" {
		return ""
	}
	return dir + mod
}

func checkHandlerTarget(handler, runtime string, m *packager.Manifest, jar JarSearch, hasLayers bool) []Finding {
	r, ok := LookupRuntime(runtime)
	if !ok || m.Files == nil {
		return nil
	}
	if handler == "" && r.Family != "provided" {
		return nil
	}
	t, ok := targetFor(handler, r)
	if !ok {
		return []Finding{{
			Check: "handlerTarget", Severity: SeverityError, Field: "handler",
			Message: fmt.Sprintf("handler: %q is not a %s handler", handler, r.Family),
			Hint:    "set handler like " + exampleHandler(runtime),
		}}
	}
	files := bundleFiles(m)
	for _, p := range t.files {
		f, ok := files[p]
		if !ok {
			continue
		}
		if t.exec && !f.Symlink && fs.FileMode(f.Mode)&0o111 == 0 {
			return []Finding{{
				Check: "handlerTarget", Severity: SeverityError, Field: "handler", Path: p,
				Message: fmt.Sprintf("handler: %s is in the bundle but not executable (mode %04o); Lambda fails with \"fork/exec /var/task/%s: permission denied\"",
					p, fs.FileMode(f.Mode).Perm(), p),
				Hint: fmt.Sprintf("make %s executable (chmod 0755) before packaging", p),
			}}
		}
		return nil
	}
	if t.nodeModule != "" && nodeModuleResolves(t.nodeModule, files) {
		return nil
	}
	if t.class != "" {
		if jar.Found {
			return nil
		}
		if jar.Err != nil {
			return []Finding{{
				Check: "handlerTarget", Severity: SeverityWarning, Field: "handler",
				Message: fmt.Sprintf("handler: %s is not at the bundle root and the jars in the bundle could not be searched (%v)", t.class, jar.Err),
				Hint:    "make sure the class is in the bundle or in lib/*.jar",
			}}
		}
	}
	f := Finding{
		Check: "handlerTarget", Severity: SeverityError, Field: "handler",
		Message: fmt.Sprintf("handler: %q needs %s in the bundle, and it is not there", handler, suggest.OrList(t.files)),
	}
	switch {
	case t.class != "":
		f.Message = fmt.Sprintf("handler: %q needs %s at the bundle root, in classes/ or in a jar of the bundle, and it is not there", handler, t.class)
	case r.Family == "provided":
		f.Message = fmt.Sprintf("handler: runtime %s needs an executable bootstrap at the bundle root, and it is not there", runtime)
	}
	near := nearCandidates(t, files, 3)
	for _, c := range near {
		f.Details = append(f.Details, Detail{Kind: "candidate", Name: c})
	}
	switch {
	case r.Family == "provided":
		f.Hint = "build an executable named bootstrap at the bundle root (Go: GOOS=linux go build -o bootstrap)"
		if len(near) > 0 {
			f.Hint += "; executables at the root: " + strings.Join(near, ", ")
		}
	case len(near) > 0:
		f.Hint = "fix handler or the bundle contents; nearest files: " + strings.Join(near, ", ")
	default:
		f.Hint = "fix handler or include the file (package.include)"
	}
	if hasLayers {
		f.Severity = SeverityWarning
		f.Message += "; it may come from a layer"
	}
	return []Finding{f}
}

// nodeModuleResolves accepts a handler module that Node resolves as a
// folder (index.js, package.json) or as a package in node_modules.
func nodeModuleResolves(mod string, files map[string]packager.FileEntry) bool {
	for _, p := range []string{mod + "/index.js", mod + "/index.mjs", mod + "/index.cjs", mod + "/package.json",
		"node_modules/" + mod + "/package.json", "node_modules/" + mod + ".js"} {
		if _, ok := files[p]; ok {
			return true
		}
	}
	return false
}

// nearCandidates returns up to n bundle files that look like what the
// handler meant, closest first.
func nearCandidates(t handlerTarget, files map[string]packager.FileEntry, n int) []string {
	want := t.files[0]
	type cand struct {
		p string
		d int
	}
	var cs []cand
	for p, f := range files {
		if strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/") {
			continue
		}
		match := len(t.exts) == 0 && f.Mode&0o111 != 0 && !strings.Contains(p, "/")
		for _, e := range t.exts {
			if strings.HasSuffix(p, e) {
				match = true
			}
		}
		if !match {
			continue
		}
		d := suggest.Distance(want, p)
		if path.Base(strings.TrimSuffix(p, path.Ext(p))) == path.Base(strings.TrimSuffix(want, path.Ext(want))) {
			d -= 100 // same file name in another folder: the likeliest mistake
		}
		cs = append(cs, cand{p, d})
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].p < cs[j].p
	})
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].p)
	}
	return out
}

// bundleFiles indexes the manifest's file list by path.
func bundleFiles(m *packager.Manifest) map[string]packager.FileEntry {
	files := make(map[string]packager.FileEntry, len(m.Files))
	for _, f := range m.Files {
		files[strings.TrimPrefix(f.Path, "./")] = f
	}
	return files
}

// JarClass returns the class file the caller should look for in the
// bundle's jars (packager.JarHasClass) before running the checks, and
// record in fn.HandlerJar: a Java handler's class when the bundle's file
// list names jars but not the class itself. It returns "" when the handler
// check needs no such search.
func JarClass(fn Function, m *packager.Manifest) string {
	if m == nil || m.Files == nil {
		return ""
	}
	r, ok := LookupRuntime(fn.runtime(m))
	if !ok || r.Family != "java" {
		return ""
	}
	t, ok := targetFor(fn.handler(m), r)
	if !ok {
		return ""
	}
	files := bundleFiles(m)
	for _, p := range t.files {
		if _, ok := files[p]; ok {
			return ""
		}
	}
	for p := range files {
		if strings.HasSuffix(p, ".jar") {
			return t.class
		}
	}
	return ""
}
