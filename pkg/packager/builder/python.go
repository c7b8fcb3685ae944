package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/lambcli/lamb/internal/safefile"
)

// python installs the requirements as Linux wheels for the function's
// Python version and architecture into a cached folder merged at the zip root.
func (b *builder) python(ctx context.Context, spec Spec, a arch) (*Result, error) {
	src := spec.Source
	source := Tree{Dir: src}
	if spec.Dependencies == "none" {
		return &Result{Trees: []Tree{source}}, nil
	}
	version, ok := strings.CutPrefix(spec.Runtime, "python")
	if !ok || !pythonVersion.MatchString(version) {
		return nil, fmt.Errorf("runtime %q names no Python version lamb can install wheels for: use one like python3.12", spec.Runtime)
	}
	in, ok, err := findPythonInput(src)
	if err != nil {
		return nil, err
	}
	if !ok {
		return &Result{Trees: []Tree{source}}, nil
	}
	input := in.path
	if _, err := exec.LookPath("python3"); err != nil {
		return nil, fmt.Errorf("%s needs python3 with pip on PATH to install dependencies: install it, or set package.dependencies: none and vendor them", input)
	}
	installer, err := pythonInstaller(spec.Installer)
	if err != nil {
		return nil, err
	}
	var locals []string
	if filepath.Base(input) == "requirements.txt" {
		locals = localFolders(ctx, src, input)
	}
	// Local packages are built from source, which lamb never lets uv do
	// (--only-binary :all:): pip builds them.
	if installer == installerUV && len(locals) > 0 {
		if spec.Installer == installerUV {
			return nil, fmt.Errorf("%s names local packages (%s), which lamb builds with pip: set package.installer: auto or pip", input, strings.Join(locals, ", "))
		}
		installer = installerPip
	}
	content, err := safefile.ReadFile(ctx, input, maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read the dependencies: %w", err)
	}
	lockParts, err := lockCacheParts(ctx, in)
	if err != nil {
		return nil, err
	}
	parts := [][]byte{[]byte(installer), toolFingerprint("python3"), []byte(spec.Runtime), []byte(a.lambda), []byte(filepath.Base(input)), content}
	if installer == installerUV {
		parts = append(parts, toolFingerprint("uv"))
	} else {
		parts = append(parts, toolFingerprint("python"+version))
	}
	parts = append(parts, lockParts...)
	if filepath.Base(input) == "requirements.txt" {
		parts = append(parts, includedRequirements(ctx, src, content, map[string]bool{input: true})...)
		parts = append(parts, projectFingerprint(ctx, locals))
	}
	key := cacheKey(parts...)
	dir, err := cachedInstall(ctx, spec.CacheDir, "python", key, spec.NoCache, func(ctx context.Context, tmp string) error {
		return b.installPython(ctx, spec, a, version, in, installer, filepath.Join(tmp, "site"))
	})
	if err != nil {
		return nil, err
	}
	return pythonResult(ctx, source, filepath.Join(dir, "site")), nil
}

// pythonResult ships the source and the install, whose bin/ (console
// scripts whose shebang names this machine's Python) installPython removed
// and listed in scriptsFile.
func pythonResult(ctx context.Context, source Tree, site string) *Result {
	res := &Result{NativeWheels: nativeWheels(ctx, site), Trees: []Tree{source, {Dir: site}}}
	if raw, err := safefile.ReadFile(ctx, filepath.Join(filepath.Dir(site), scriptsFile), maxManifestBytes); err == nil {
		res.ExcludedScripts = strings.Fields(string(raw))
	}
	return res
}

var (
	pythonVersion  = regexp.MustCompile(`^3\.\d+$`)
	noDistribution = regexp.MustCompile(`No matching distribution found for (\S+)`)
)

func (b *builder) pipInstall(ctx context.Context, spec Spec, a arch, version, req, input, target string) error {
	spec.progress(fmt.Sprintf("installing pip dependencies for linux/%s (python %s)", a.lambda, version))
	args := []string{"-m", "pip", "install", "-r", req, "--target", target}
	for _, p := range pipPlatforms(spec.Runtime, a) {
		args = append(args, "--platform", p)
	}
	args = append(args, "--implementation", "cp", "--python-version", version,
		"--only-binary=:all:", "--no-compile", "--disable-pip-version-check", "--no-input", "--quiet")
	c := command{
		Dir:  spec.Source, // requirements may name files relative to the project
		Name: spec.pythonName(),
		Args: args,
		Env:  []string{"PIP_REQUIRE_VIRTUALENV=false"},
		Log:  spec.Log,
	}
	return b.installBuildingSdists(ctx, spec, a, req, input, target, c, wheelInstaller{
		tool:    "pip",
		command: spec.pythonName() + " -m pip install",
		tags:    tagRange(spec.Runtime, a),
		noWheel: func(out []byte) string {
			if m := noDistribution.FindSubmatch(out); m != nil {
				return string(m[1])
			}
			return ""
		},
	})
}

// wheelInstaller says how pip or uv reports a requirement it found no
// wheel for.
type wheelInstaller struct {
	// tool and command name the installer and its command line in errors;
	// tags are the platform tags it accepts.
	tool, command, tags string
	// noWheel returns the requirement the installer's output says has no
	// wheel, "" when it failed for another reason.
	noWheel func(out []byte) string
}

// installBuildingSdists runs the install c. A pure-Python package published
// only as a source archive is built into a wheel (by pip, isolated) and
// offered to the next attempt, so both installers accept the same
// requirements; each attempt may find one more.
func (b *builder) installBuildingSdists(ctx context.Context, spec Spec, a arch, req, input, target string, c command, w wheelInstaller) error {
	sdists := &sdistWheels{dir: filepath.Join(filepath.Dir(target), "sdist-wheels")}
	defer os.RemoveAll(sdists.dir)
	for {
		out, err := b.run(ctx, c)
		if err == nil {
			return nil
		}
		requirement := w.noWheel(out)
		if requirement == "" {
			return fmt.Errorf("install %s with `%s -r %s`: %s%s", input, w.command, filepath.Base(req), exitStatus(err), outputTail(out))
		}
		switch err := b.buildPureSdist(ctx, spec, a, req, requirement, sdists); {
		case errors.Is(err, errNoWheel):
			return noWheelError(input, requirement, w.tool, w.tags, spec, a, out)
		case err != nil:
			return fmt.Errorf("install %s: %w", input, err)
		}
		if !slices.Contains(c.Args, sdists.dir) {
			c.Args = append(c.Args, "--find-links", sdists.dir)
		}
	}
}

// pyprojectScript prints [project].dependencies one a line, or exits 3 when
// pyproject.toml has no [project] table, or 4 when tomllib is missing.
const pyprojectScript = `
import sys
try:
    import tomllib
except ImportError:
    sys.exit(4)
with open(sys.argv[1], "rb") as f:
    data = tomllib.load(f)
project = data.get("project")
if not isinstance(project, dict):
    sys.exit(3)
if "dependencies" in project.get("dynamic", []):
    sys.exit(5)
for d in project.get("dependencies", []):
    print(d)
`

// pyprojectDependencies reads [project].dependencies with the user's own
// Python, which parses TOML exactly as pip does.
func (b *builder) pyprojectDependencies(ctx context.Context, src, pyproject string) ([]string, error) {
	out, err := b.run(ctx, command{Dir: src, Name: "python3", Args: []string{"-c", pyprojectScript, pyproject}})
	if err != nil {
		fix := "add a requirements.txt next to it, or set package.dependencies: none"
		if ee, ok := err.(*exec.ExitError); ok {
			switch ee.ExitCode() {
			case 3:
				return nil, fmt.Errorf("%s has no [project] table listing dependencies: %s (for Poetry: poetry export -o requirements.txt)", pyproject, fix)
			case 4:
				return nil, fmt.Errorf("reading %s needs Python 3.11 or newer (tomllib): %s", pyproject, fix)
			case 5:
				return nil, fmt.Errorf("%s declares its dependencies dynamic, which lamb cannot read: %s", pyproject, fix)
			}
		}
		return nil, fmt.Errorf("read the dependencies of %s: %s%s", pyproject, exitStatus(err), outputTail(out))
	}
	var deps []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			deps = append(deps, l)
		}
	}
	return deps, nil
}

// includedRequirements reads the files a requirements file pulls in with
// -r or -c (relative to the project, where pip runs), so that editing one of
// them is a new install too. Unreadable ones are left to pip to report.
func includedRequirements(ctx context.Context, src string, content []byte, seen map[string]bool) [][]byte {
	var out [][]byte
	for _, line := range strings.Split(string(content), "\n") {
		name := includedFile(line)
		if name == "" {
			continue
		}
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(src, p)
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		raw, err := safefile.ReadFile(ctx, p, maxManifestBytes)
		if err != nil {
			continue
		}
		out = append(out, []byte(name), raw)
		out = append(out, includedRequirements(ctx, src, raw, seen)...)
	}
	return out
}
