package builder

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/lambcli/lamb/internal/atomicfile"
)

// golang compiles the main package (package.main, the root of the source by
// default) into a static
// Linux bootstrap for the function's architecture. The Go build cache makes
// an unchanged rebuild cheap, so the binary itself is not cached.
func (b *builder) golang(ctx context.Context, spec Spec, a arch) (*Result, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return nil, fmt.Errorf("%s has a go.mod, so lamb builds it with go, which is not on PATH: install Go, or remove go.mod and have package.build write the bootstrap", spec.Source)
	}
	if spec.CacheDir == "" {
		return nil, errors.New("build the Go bootstrap: no cache folder given")
	}
	pkg, err := goMainPackage(spec)
	if err != nil {
		return nil, err
	}
	cacheDir, err := filepath.Abs(spec.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("build the Go bootstrap: resolve cache folder %s: %w", spec.CacheDir, err)
	}
	// One output folder per source and architecture, reused by every build.
	out := filepath.Join(cacheDir, "build", "go", cacheKey([]byte(spec.Source), []byte(pkg), []byte(a.lambda)))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("create Go output folder %s: %w", out, err)
	}
	spec.progress("building the Go bootstrap for linux/" + a.lambda)
	// Build beside the bootstrap and rename over it, so a failed or
	// interrupted build never leaves a half-written binary to be zipped.
	tmp, err := atomicfile.Create(filepath.Join(out, "bootstrap"))
	if err != nil {
		return nil, fmt.Errorf("create Go output in %s: %w", out, err)
	}
	defer tmp.Discard()
	// go build writes the file itself, under the temporary name.
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("create Go output in %s: %w", out, err)
	}
	goflags := strings.TrimSpace(os.Getenv("GOFLAGS") + " -buildvcs=false")
	c := command{
		Dir:  spec.Source,
		Name: "go",
		Args: []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", tmp.Name(), pkg},
		Env:  []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + a.goarch, "GOFLAGS=" + goflags},
		Log:  spec.Log,
	}
	if o, err := b.run(ctx, c); err != nil {
		return nil, fmt.Errorf("build %s in %s for linux/%s with `go build -tags lambda.norpc -trimpath`: %s%s", pkg, spec.Source, a.goarch, exitStatus(err), outputTail(o))
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return nil, fmt.Errorf("mark the Go bootstrap executable: %w", err)
	}
	if err := atomicfile.Replace(tmp); err != nil {
		return nil, fmt.Errorf("store the Go bootstrap in %s: %w", out, err)
	}
	return &Result{Trees: []Tree{{Dir: out}}}, nil
}

// goMainPackage turns package.main into the relative package path go build
// takes ("./cmd/hello"), refusing a folder outside the source or missing.
func goMainPackage(spec Spec) (string, error) {
	m := strings.ReplaceAll(spec.Main, `\`, "/")
	if m == "" {
		m = "."
	}
	clean := path.Clean(m)
	if path.IsAbs(clean) || filepath.IsAbs(spec.Main) || clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("package.main %s is not a folder inside %s: write the main package's folder relative to source, e.g. ./cmd/hello", spec.Main, spec.Source)
	}
	if !dirExists(filepath.Join(spec.Source, filepath.FromSlash(clean))) {
		return "", fmt.Errorf("package.main %s: %s has no such folder; point it at the folder of the main package, e.g. ./cmd/hello", spec.Main, spec.Source)
	}
	if clean == "." {
		return ".", nil
	}
	// Without ./ go build would take the folder for an import path.
	return "./" + clean, nil
}
