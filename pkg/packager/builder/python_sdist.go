package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// errNoWheel stands for "pip found no wheel for the platform": each caller
// turns it into its own message naming the package and the tags asked.
var errNoWheel = errors.New("no wheel")

// sdistWheels holds the wheels lamb built from source archives during one
// install, in a folder the retried install reads with --find-links.
type sdistWheels struct {
	dir   string
	built map[string]bool // project names already built
}

var projectNamePattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`)

// buildPureSdist builds requirement (one pip found no wheel for) from its
// source archive into a wheel in s.dir, in a scratch folder with pip's
// build isolation, looking only where the install looked. It returns
// errNoWheel when there is nothing to build (no source archive either, or
// the built wheel was already offered), and an error naming the package
// and platform when the archive fails to build or builds a wheel for this
// machine rather than a pure-Python one.
func (b *builder) buildPureSdist(ctx context.Context, spec Spec, a arch, req, requirement string, s *sdistWheels) error {
	name := projectNamePattern.FindString(requirement)
	if name == "" || s.built[strings.ToLower(name)] {
		return errNoWheel
	}
	scratch, err := os.MkdirTemp(filepath.Dir(s.dir), "sdist-")
	if err != nil {
		return fmt.Errorf("create a folder to build %s in: %w", name, err)
	}
	defer os.RemoveAll(scratch)
	lines := append(indexOptions(ctx, req), requirement)
	scratchReq := filepath.Join(scratch, "requirements.txt")
	if err := os.WriteFile(scratchReq, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("stage the build of %s: %w", name, err)
	}
	out := filepath.Join(scratch, "wheel")
	spec.progress(fmt.Sprintf("building %s from its source archive (it publishes no wheel)", name))
	res, err := b.run(ctx, command{
		Dir:  spec.Source, // pip resolves a relative --find-links it cannot find next to the file from here
		Name: spec.pythonName(),
		Args: []string{"-m", "pip", "wheel", "--no-deps", "--no-binary", name, "--wheel-dir", out, "-r", scratchReq,
			"--disable-pip-version-check", "--no-input", "--quiet"},
		Env: []string{"PIP_REQUIRE_VIRTUALENV=false"},
		Log: spec.Log,
	})
	if err != nil {
		if noDistribution.Match(res) {
			return errNoWheel
		}
		return fmt.Errorf("%s publishes no wheel for %s on linux/%s (pip looked for %s), and its source archive failed to build into a pure-Python wheel with `python3 -m pip wheel`: %s; pin a version that publishes a wheel for linux/%s, or set package.dependencies: none and vendor a Linux build%s",
			name, spec.Runtime, a.lambda, tagRange(spec.Runtime, a), exitStatus(err), a.lambda, outputTail(res))
	}
	wheels, _ := filepath.Glob(filepath.Join(out, "*.whl"))
	if len(wheels) != 1 {
		return fmt.Errorf("build %s from its source archive: pip wrote %d wheels, want one", name, len(wheels))
	}
	if tag, pure := wheelFileTag(filepath.Base(wheels[0])); !pure {
		return fmt.Errorf("%s publishes no wheel for %s on linux/%s (pip looked for %s), and its source archive builds native code (a %s wheel for this machine, not for Lambda): pin a version that publishes a wheel for linux/%s, or set package.dependencies: none and vendor a Linux build",
			name, spec.Runtime, a.lambda, tagRange(spec.Runtime, a), tag, a.lambda)
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("keep the wheel built for %s: %w", name, err)
	}
	if err := os.Rename(wheels[0], filepath.Join(s.dir, filepath.Base(wheels[0]))); err != nil {
		return fmt.Errorf("keep the wheel built for %s: %w", name, err)
	}
	if s.built == nil {
		s.built = map[string]bool{}
	}
	s.built[strings.ToLower(name)] = true
	return nil
}

// wheelFileTag returns the python-abi-platform tag of a wheel file name and
// whether it is pure Python (abi none, platform any).
func wheelFileTag(file string) (string, bool) {
	f := strings.Split(strings.TrimSuffix(file, ".whl"), "-")
	if len(f) < 5 {
		return file, false
	}
	py, abi, plat := f[len(f)-3], f[len(f)-2], f[len(f)-1]
	return py + "-" + abi + "-" + plat, abi == "none" && plat == "any"
}

// tagRange names the platform tags pip was asked for, newest to oldest.
// noWheelError says that requirement has no wheel lamb can install for
// the function: tool (pip or uv) looked for the tags named.
func noWheelError(input, requirement, tool, tags string, spec Spec, a arch, out []byte) error {
	version := strings.ReplaceAll(strings.TrimPrefix(spec.Runtime, "python"), ".", "")
	return fmt.Errorf("install %s: no wheel of %s for %s on linux/%s (%s looked for cp%s wheels tagged %s, and pure-Python ones); lamb installs only wheels for Lambda's platform: pin a version that publishes one, or set package.dependencies: none and vendor a Linux build%s",
		input, requirement, spec.Runtime, a.lambda, tool, version, tags, outputTail(out))
}

func tagRange(runtime string, a arch) string {
	tags := pipPlatforms(runtime, a)
	return tags[0] + " down to " + tags[len(tags)-1]
}

// indexOptions collects the lines of a requirements file, and of the files
// it includes, that say where pip looks for packages, so that a build looks
// where the install did. A relative --find-links becomes absolute as pip
// resolves it: next to the file when it exists there, else left for pip to
// resolve from the project folder.
func indexOptions(ctx context.Context, req string) []string {
	var out []string
	eachRequirementLine(ctx, req, func(req, line string) {
		opt, val := requirementOption(line)
		switch opt {
		case "--no-index":
			out = append(out, opt)
		case "-i", "--index-url", "--extra-index-url", "--trusted-host":
			out = append(out, opt+" "+val)
		case "-f", "--find-links":
			if p := relativeTo(req, val); dirExists(p) || fileExists(p) {
				val = p
			}
			out = append(out, opt+" "+val)
		}
	})
	return out
}

// requirementOption splits an option line of a requirements file ("-f dir",
// "--find-links=dir", "--no-index") into the option and its value; a line
// that is no option gives "".
func requirementOption(line string) (string, string) {
	if i := strings.Index(line, " #"); i >= 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "-") {
		return "", ""
	}
	if opt, val, ok := strings.Cut(line, "="); ok && strings.HasPrefix(opt, "--") && !strings.ContainsAny(opt, " \t") {
		return opt, strings.TrimSpace(val)
	}
	f := strings.Fields(line)
	if len(f) == 1 {
		return f[0], ""
	}
	return f[0], strings.Join(f[1:], " ")
}
