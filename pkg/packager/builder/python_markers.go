package builder

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/lambcli/lamb/internal/safefile"
)

// pipProbe succeeds only in an interpreter that runs and has pip; a
// version manager's shim for a version it has not activated fails it.
const pipProbe = "import pip"

// pipPython is the interpreter that runs pip for the runtime python3.X:
// python3.X itself when it is on PATH with pip, since pip judges
// environment markers (python_version == '3.12') by the interpreter that
// runs it, whatever --python-version says; python3 otherwise, with
// sameVersion false.
func (b *builder) pipPython(ctx context.Context, src, version string) (name string, sameVersion bool) {
	name = "python" + version
	if _, err := exec.LookPath(name); err == nil {
		if _, err := b.run(ctx, command{Dir: src, Name: name, Args: []string{"-c", pipProbe}}); err == nil {
			return name, true
		}
	}
	return "python3", false
}

// versionMarker finds the environment marker variables whose value is the
// running interpreter's version.
var versionMarker = regexp.MustCompile(`\b(python_version|python_full_version|implementation_version)\b`)

// checkVersionMarkers refuses a requirements file (or one it includes with
// -r or -c) holding a requirement whose marker depends on the Python
// version: pip run by another Python than the runtime's would judge it
// for that Python and silently install the wrong set. at says where a
// line of req comes from, for the error.
func checkVersionMarkers(ctx context.Context, req string, at func(line int) string, runtime string) error {
	return walkRequirements(ctx, req, map[string]bool{}, func(file string, line int, text string) error {
		spec, marker, ok := strings.Cut(text, ";")
		if !ok || strings.HasPrefix(spec, "-") {
			return nil
		}
		m := versionMarker.FindString(marker)
		if m == "" {
			return nil
		}
		where := fmt.Sprintf("%s line %d", file, line)
		if file == req {
			where = at(line)
		}
		return fmt.Errorf("%s: %q depends on %s, which pip judges by the Python that runs it, and no %s with pip is on PATH: put %s (with pip) on PATH, or install uv, which judges markers for the runtime, or drop the marker",
			where, strings.TrimSpace(text), m, runtime, runtime)
	})
}

// walkRequirements calls fn with each logical line of a requirements file
// (continuations joined, comments cut), then of the files it includes,
// which pip finds relative to the including file.
func walkRequirements(ctx context.Context, file string, seen map[string]bool, fn func(file string, line int, text string) error) error {
	if seen[file] {
		return nil
	}
	seen[file] = true
	raw, err := safefile.ReadFile(ctx, file, maxManifestBytes)
	if err != nil {
		return nil // pip reports the missing or unreadable file itself
	}
	lines := strings.Split(string(raw), "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		text := strings.TrimRight(lines[i], "\r")
		for strings.HasSuffix(text, `\`) && i+1 < len(lines) {
			i++
			text = strings.TrimSuffix(text, `\`) + strings.TrimRight(lines[i], "\r")
		}
		if c := strings.Index(text, "#"); c == 0 || (c > 0 && (text[c-1] == ' ' || text[c-1] == '\t')) {
			text = text[:c]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		if err := fn(file, start, text); err != nil {
			return err
		}
		if inc := includedFile(text); inc != "" {
			if !filepath.IsAbs(inc) {
				inc = filepath.Join(filepath.Dir(file), inc)
			}
			if err := walkRequirements(ctx, inc, seen, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// includedFile is the file a -r or -c line names, or "".
func includedFile(line string) string {
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return ""
	case len(f) > 1 && (f[0] == "-r" || f[0] == "-c" || f[0] == "--requirement" || f[0] == "--constraint"):
		return f[1]
	case strings.HasPrefix(f[0], "--requirement="), strings.HasPrefix(f[0], "--constraint="):
		_, name, _ := strings.Cut(f[0], "=")
		return name
	}
	return ""
}

// pythonName is the interpreter that runs pip: python3 unless the build
// chose the runtime's own.
func (s Spec) pythonName() string {
	if s.python != "" {
		return s.python
	}
	return "python3"
}
