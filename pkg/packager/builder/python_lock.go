package builder

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/lambcli/lamb/internal/safefile"
)

// pythonInput is the file a Python function's dependencies are read from.
type pythonInput struct {
	path     string    // requirements.txt, a lockfile or pyproject.toml
	manifest string    // the project file a lockfile goes with; "" for the others
	lock     *lockTool // the tool that exports path; nil when it is not a lockfile
}

// lockTool exports one kind of lockfile to pinned requirements.
type lockTool struct {
	file     string // uv.lock
	manifest string // pyproject.toml
	tool     string // uv
	install  string // what to install when tool is missing
	// args export the production dependencies to out; stdout says the
	// tool prints them instead of writing out.
	args   func(out string) []string
	stdout bool
	env    []string
}

// lockTools are tried in this order; a project holding more than one of
// these lockfiles is refused, since lamb cannot tell which is current.
var lockTools = []lockTool{
	{
		file: "uv.lock", manifest: "pyproject.toml", tool: "uv",
		install: "uv (pipx install uv)",
		// The project itself is the function's source, which ships as it
		// is; --frozen never rewrites uv.lock.
		args: func(out string) []string {
			return []string{"export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project",
				"--format", "requirements-txt", "--quiet", "--output-file", out}
		},
		env: []string{"UV_NO_PROGRESS=1"},
	},
	{
		file: "poetry.lock", manifest: "pyproject.toml", tool: "poetry",
		install: "Poetry with its export plugin (pipx install poetry && pipx inject poetry poetry-plugin-export)",
		args: func(out string) []string {
			return []string{"export", "--without-hashes", "--format", "requirements.txt", "--output", out, "--no-interaction", "--no-ansi"}
		},
	},
	{
		file: "Pipfile.lock", manifest: "Pipfile", tool: "pipenv",
		install: "pipenv (pipx install pipenv)",
		args:    func(string) []string { return []string{"requirements"} },
		stdout:  true,
		env:     []string{"PIPENV_VERBOSITY=-1", "PIPENV_NOSPIN=1"},
	},
}

// findPythonInput picks what to install, in this order: requirements.txt
// (the explicit, tool-free list, and what a project commits when it
// exports its lock for deployment), then a uv, Poetry or Pipenv lockfile,
// then [project].dependencies of pyproject.toml (unpinned). ok is false
// when the project declares no dependencies.
func findPythonInput(src string) (in pythonInput, ok bool, err error) {
	if p := filepath.Join(src, "requirements.txt"); fileExists(p) {
		return pythonInput{path: p}, true, nil
	}
	var found []string
	for i, t := range lockTools {
		if !fileExists(filepath.Join(src, t.file)) {
			continue
		}
		found = append(found, t.file)
		if len(found) == 1 {
			in = pythonInput{path: filepath.Join(src, t.file), manifest: filepath.Join(src, t.manifest), lock: &lockTools[i]}
		}
	}
	switch {
	case len(found) > 1:
		return pythonInput{}, false, fmt.Errorf("%s holds %s: lamb cannot tell which lock is current; delete the stale one, or export the one you use to requirements.txt, which takes precedence",
			src, strings.Join(found, " and "))
	case len(found) == 1:
		if !fileExists(in.manifest) {
			return pythonInput{}, false, fmt.Errorf("%s has no %s beside it: %s cannot export the lock without it", in.path, filepath.Base(in.manifest), in.lock.tool)
		}
		return in, true, nil
	}
	if p := filepath.Join(src, "Pipfile"); fileExists(p) {
		return pythonInput{}, false, fmt.Errorf("%s has no Pipfile.lock: run pipenv lock, or add a requirements.txt", p)
	}
	if p := filepath.Join(src, "pyproject.toml"); fileExists(p) {
		return pythonInput{path: p}, true, nil
	}
	return pythonInput{}, false, nil
}

// lockCacheParts are the inputs of a lockfile export besides the lock:
// the project file it goes with and the exporting tool.
func lockCacheParts(ctx context.Context, in pythonInput) ([][]byte, error) {
	if in.lock == nil {
		return nil, nil
	}
	manifest, err := safefile.ReadFile(ctx, in.manifest, maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read the dependencies: %w", err)
	}
	return [][]byte{[]byte(in.lock.tool), toolFingerprint(in.lock.tool), manifest}, nil
}

// exportLock has the lock's own tool write its production dependencies,
// pinned and without hashes, to out.
func (b *builder) exportLock(ctx context.Context, spec Spec, in pythonInput, out string) error {
	t := in.lock
	if _, err := exec.LookPath(t.tool); err != nil {
		return fmt.Errorf("%s needs %s on PATH to export it to requirements: install %s, or export it yourself to a requirements.txt beside it (which lamb installs instead)",
			in.path, t.tool, t.install)
	}
	spec.progress(fmt.Sprintf("exporting %s", t.file))
	c := command{Dir: spec.Source, Name: t.tool, Args: t.args(out), Env: t.env, Log: spec.Log}
	var f *os.File
	if t.stdout {
		var err error
		if f, err = os.Create(out); err != nil {
			return fmt.Errorf("stage the export of %s: %w", in.path, err)
		}
		defer f.Close()
		c.Stdout = f
	}
	msg, err := b.run(ctx, c)
	if err != nil {
		if t.tool == "poetry" && strings.Contains(string(msg), `"export" does not exist`) {
			return fmt.Errorf("export %s: this Poetry has no export command (Poetry 2 moved it to a plugin): run poetry self add poetry-plugin-export (or pipx inject poetry poetry-plugin-export), or export it yourself to a requirements.txt beside it", in.path)
		}
		return fmt.Errorf("export %s with `%s`: %s%s", in.path, c, exitStatus(err), outputTail(msg))
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("stage the export of %s: %w", in.path, err)
		}
	}
	return nil
}
