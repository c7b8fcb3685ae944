package limits

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/lambcli/lamb/pkg/packager"
)

// maxInflatedJar bounds how much of a compressed nested jar is inflated in
// memory to read its directory; larger ones are not searched.
const maxInflatedJar = 256 << 20

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

func checkHandlerTarget(handler, runtime string, m *packager.Manifest, hasLayers bool) []Finding {
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
	files := make(map[string]packager.FileEntry, len(m.Files))
	for _, f := range m.Files {
		files[strings.TrimPrefix(f.Path, "./")] = f
	}
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
		found, err := classInJars(m, t.class)
		if found {
			return nil
		}
		if err != nil {
			return []Finding{{
				Check: "handlerTarget", Severity: SeverityWarning, Field: "handler",
				Message: fmt.Sprintf("handler: %s is not at the bundle root and the jars in the bundle could not be searched (%v)", t.class, err),
				Hint:    "make sure the class is in the bundle or in lib/*.jar",
			}}
		}
	}
	f := Finding{
		Check: "handlerTarget", Severity: SeverityError, Field: "handler",
		Message: fmt.Sprintf("handler: %q needs %s in the bundle, and it is not there", handler, orList(t.files)),
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

func orList(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
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
		d := levenshtein(want, p)
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

// classInJars looks for class inside the jars of the bundle, reading each
// jar's central directory from the bundle zip at m.ZipPath.
func classInJars(m *packager.Manifest, class string) (bool, error) {
	hasJar := false
	for _, f := range m.Files {
		if strings.HasSuffix(f.Path, ".jar") {
			hasJar = true
			break
		}
	}
	if !hasJar {
		return false, nil
	}
	if m.ZipPath == "" {
		return false, fmt.Errorf("the manifest names no zip")
	}
	file, err := os.Open(m.ZipPath)
	if err != nil {
		return false, fmt.Errorf("open bundle: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return false, fmt.Errorf("open bundle: %w", err)
	}
	outer, err := zip.NewReader(file, st.Size())
	if err != nil && err != zip.ErrInsecurePath {
		return false, fmt.Errorf("read bundle %s: %w", m.ZipPath, err)
	}
	for _, e := range outer.File {
		if !strings.HasSuffix(e.Name, ".jar") {
			continue
		}
		inner, err := openNestedZip(file, e)
		if err != nil {
			return false, fmt.Errorf("read %s: %w", e.Name, err)
		}
		if inner == nil {
			continue
		}
		for _, ie := range inner.File {
			if ie.Name == class {
				return true, nil
			}
		}
	}
	return false, nil
}

// openNestedZip reads the directory of a zip stored inside another: a stored
// entry is read in place; a deflated one is inflated in memory up to
// maxInflatedJar (nil, nil beyond that).
func openNestedZip(outer io.ReaderAt, e *zip.File) (*zip.Reader, error) {
	size := int64(e.UncompressedSize64)
	if e.Method == zip.Store {
		off, err := e.DataOffset()
		if err != nil {
			return nil, err
		}
		r, err := zip.NewReader(io.NewSectionReader(outer, off, size), size)
		if err == zip.ErrInsecurePath {
			err = nil
		}
		return r, err
	}
	if size > maxInflatedJar {
		return nil, nil
	}
	rc, err := e.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxInflatedJar+1))
	if err != nil {
		return nil, err
	}
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err == zip.ErrInsecurePath {
		err = nil
	}
	return r, err
}
