// Package builder turns a function's source folder into the folders (or the
// one ready archive) that make up its Lambda bundle: it runs the user's
// package.build command, installs production dependencies for the function's
// runtime and architecture, and compiles Go functions into a bootstrap.
//
// It leaves file selection, zipping and the compression cache to package
// packager, which merges the returned trees in order into one zip.
package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lambcli/lamb/internal/lambdaarch"
	"github.com/lambcli/lamb/internal/suggest"
)

// Spec says what to build; the packager fills it from the function's
// package settings in lamb.yaml.
type Spec struct {
	Source       string    // absolute folder of the function's source
	Runtime      string    // e.g. nodejs22.x, python3.12, java21, provided.al2023
	Architecture string    // "x86_64" | "arm64"; "" means x86_64, Lambda's default
	Handler      string    // the function's handler, as configured
	Build        string    // package.build shell command, run first in Source for any runtime
	Dependencies string    // "auto" | "none"; "" means auto
	Artifact     string    // optional ready .zip/.jar/.tar.gz to use as is; relative to Source unless absolute
	Main         string    // Go: folder of the main package relative to Source; "" means "."
	Installer    string    // Python: "auto" | "pip" | "uv"; "" means auto
	CacheDir     string    // root of lamb's cache; dependency installs live under CacheDir/deps
	NoCache      bool      // reinstall dependencies even when cached
	Log          io.Writer // tool output when verbose; may be nil
	// Progress is told, in a short phrase, what a long phase is doing
	// ("installing npm dependencies for linux/arm64"); may be nil.
	Progress func(message string)

	python string // the interpreter that runs pip; "" means python3
	// AllowScripts names the Node.js dependencies whose install scripts
	// may run (npm and pnpm); the others are skipped and reported.
	AllowScripts []string
	// Bundle is "none" or "esbuild" ("" means none); Esbuild holds the
	// settings of an esbuild bundle.
	Bundle  string
	Esbuild BundleOptions
}

func (s Spec) progress(message string) {
	if s.Progress != nil {
		s.Progress(message)
	}
}

// maxManifestBytes bounds each package manifest, lockfile, requirements
// file and package manager setting lamb reads: the lockfiles of large
// projects run to tens of megabytes.
const maxManifestBytes = 64 << 20

// Result is the bundle a builder produced: folders to merge, or one archive.
type Result struct {
	// Trees are merged in order into one zip tree; a later tree's file
	// replaces an earlier one's at the same zip path.
	Trees []Tree
	// Archive, when set, is a ready .zip/.jar/.tar.gz whose entries are the
	// bundle; Trees is then empty.
	Archive string
	// NativeWheels are the installed Python packages whose wheels are built
	// for a platform, with the tag each was chosen by, sorted by name.
	NativeWheels []Wheel
	// ExcludedScripts are the files of a Python install's bin/ (pip's
	// console scripts), by bundle path, left out of the bundle.
	ExcludedScripts []string
	// SkippedScripts are the installed Node.js packages whose install
	// scripts did not run, in path order.
	SkippedScripts []SkippedScript
}

// Tree is one folder on disk placed under a prefix in the zip.
type Tree struct {
	Dir    string   // folder on disk
	Prefix string   // zip path prefix: "" for the root, "node_modules", "lib", ...
	Skip   []string // top-level names under Dir to leave out (e.g. the source's own node_modules)
	// KeepLinks stores the links under Dir as links, whatever
	// package.symlinks says: an isolated node_modules (pnpm's) loads only
	// with its links, as a package finds its own dependencies next to the
	// real folder a link leads to.
	KeepLinks bool
	// Only, when not nil, lists the files (slash paths relative to Dir) to
	// take from Dir, as a package.json "files" list selects them.
	Only []string
}

// Build runs the function's build command, then produces its bundle the way
// its runtime expects it. Dependency installs are cached under
// spec.CacheDir/deps by the hash of the lockfile, runtime, architecture and
// tool, so an unchanged lockfile is never installed twice.
func Build(ctx context.Context, spec Spec) (*Result, error) {
	b := &builder{run: execRunner}
	return b.build(ctx, spec)
}

// builder carries what tests replace: the way commands are run.
type builder struct {
	run runner
}

func (b *builder) build(ctx context.Context, spec Spec) (*Result, error) {
	if !filepath.IsAbs(spec.Source) {
		return nil, fmt.Errorf("build %s: the source folder must be an absolute path", spec.Source)
	}
	if fi, err := os.Stat(spec.Source); err != nil {
		return nil, fmt.Errorf("build %s: read source folder: %w", spec.Source, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("build %s: source is not a folder; point source at the function's folder", spec.Source)
	}
	arch, err := targetArch(spec.Architecture)
	if err != nil {
		return nil, err
	}
	switch spec.Dependencies {
	case "", "auto", "none":
	default:
		return nil, fmt.Errorf("package.dependencies is %q: use auto or none", spec.Dependencies)
	}
	switch spec.Bundle {
	case "", "none":
	case "esbuild":
		if !strings.HasPrefix(spec.Runtime, "nodejs") {
			return nil, fmt.Errorf("package.bundle esbuild bundles JavaScript and TypeScript for nodejs runtimes, not %q: remove package.bundle or use a nodejs runtime", spec.Runtime)
		}
	default:
		hint := ""
		if s := suggest.Closest(spec.Bundle, Bundlers); s != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", s)
		}
		return nil, fmt.Errorf("package.bundle is %q%s: use %s", spec.Bundle, hint, suggest.OrList(Bundlers))
	}
	if spec.Build != "" {
		if err := b.runBuildCommand(ctx, spec); err != nil {
			return nil, err
		}
	}
	if spec.Artifact != "" {
		return artifactResult(spec)
	}
	rt := spec.Runtime
	switch {
	case strings.HasPrefix(rt, "nodejs") && spec.Bundle == "esbuild":
		return b.esbuild(ctx, spec, arch)
	case strings.HasPrefix(rt, "nodejs"):
		return b.node(ctx, spec, arch)
	case strings.HasPrefix(rt, "python"):
		return b.python(ctx, spec, arch)
	case strings.HasPrefix(rt, "java"):
		return b.java(ctx, spec)
	case strings.HasPrefix(rt, "provided") || strings.HasPrefix(rt, "go"):
		if fileExists(filepath.Join(spec.Source, "go.mod")) {
			return b.golang(ctx, spec, arch)
		}
		return providedResult(spec)
	default:
		return &Result{Trees: []Tree{{Dir: spec.Source}}}, nil
	}
}

// arch names one Lambda architecture in the words each tool uses.
type arch struct {
	lambda string // x86_64 | arm64
	npm    string // x64 | arm64
	pip    string // manylinux2014_x86_64 | manylinux2014_aarch64
	goarch string // amd64 | arm64
}

// toolArchs spells each of lambdaarch.Names for the tools; a test keeps
// the two lists in step.
var toolArchs = map[string]arch{
	"x86_64": {lambda: "x86_64", npm: "x64", pip: "manylinux2014_x86_64", goarch: "amd64"},
	"arm64":  {lambda: "arm64", npm: "arm64", pip: "manylinux2014_aarch64", goarch: "arm64"},
}

func targetArch(a string) (arch, error) {
	if a == "" {
		a = lambdaarch.Default
	}
	if t, ok := toolArchs[a]; ok && lambdaarch.Valid(a) {
		return t, nil
	}
	return arch{}, fmt.Errorf("architecture %q is not one Lambda runs: use %s", a, strings.Join(lambdaarch.Names(), " or "))
}

func artifactResult(spec Spec) (*Result, error) {
	p := spec.Artifact
	if !filepath.IsAbs(p) {
		p = filepath.Join(spec.Source, p)
	}
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("package.artifact %s does not exist: run the build that makes it, or fix the path", p)
		}
		return nil, fmt.Errorf("read package.artifact %s: %w", p, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("package.artifact %s is not a file: point it at a .zip, .jar or .tar.gz", p)
	}
	return &Result{Archive: p}, nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
