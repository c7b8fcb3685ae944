package config

import (
	slashpath "path"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkPublicURL reports a function URL whose authType and public flag
// disagree. A URL with authType NONE lets anyone on the internet invoke the
// function, so lamb.yaml must say so twice: one mistyped value never opens
// a function to the world, and public: true alone never does either.
func checkPublicURL(v *validator, f *Function, n *yaml.Node) {
	u := f.FunctionURL
	if u == nil {
		return
	}
	auth, public := lookup(n, "authType"), lookup(n, "public")
	switch {
	case u.AuthType == "NONE" && !u.Public:
		v.add(auth, v.paths[auth], "authType NONE makes the function URL public: anyone on the internet may invoke the function; add public: true under functionUrl to confirm, or use authType AWS_IAM")
	case u.AuthType != "NONE" && u.Public:
		v.add(public, v.paths[public], "public: true needs authType: NONE (with %s only IAM-signed requests get through); set authType: NONE to make the URL public, or remove public", u.AuthType)
	}
}

// checkGoMain keeps package.main a relative folder inside the source: lamb
// builds it with go build, which must not reach outside the function.
func checkGoMain(v *validator, f *Function, n *yaml.Node) {
	m := f.Package.Main
	if isNull(n) || m == DefaultGoMain {
		return
	}
	slashed := strings.ReplaceAll(m, `\`, "/")
	clean := slashpath.Clean(slashed)
	switch {
	case slashpath.IsAbs(slashed) || filepath.IsAbs(m) || filepath.VolumeName(m) != "":
		v.add(n, v.paths[n], "%s is an absolute path: write the main package's folder relative to source, e.g. ./cmd/hello", m)
	case clean == ".." || strings.HasPrefix(clean, "../"):
		v.add(n, v.paths[n], "%s is outside the function's source folder: write a folder inside it, e.g. ./cmd/hello", m)
	}
}

// checkBundle reports bundle settings that cannot apply: esbuild bundles
// only for nodejs runtimes and not with a ready artifact, and its settings
// mean nothing without it.
func checkBundle(v *validator, f *Function, n *yaml.Node) {
	bundle, opts := path(n, "package", "bundle"), path(n, "package", "esbuild")
	switch {
	case f.Package.Bundle == "esbuild" && f.Runtime != "" && !strings.HasPrefix(f.Runtime, "nodejs"):
		v.add(bundle, v.paths[bundle], "bundle: esbuild bundles JavaScript and TypeScript for nodejs runtimes, not %s; remove bundle or use a nodejs runtime", f.Runtime)
	case f.Package.Bundle == "esbuild" && f.Package.Artifact != "":
		v.add(bundle, v.paths[bundle], "bundle: esbuild makes the bundle, artifact gives a ready one; remove one of them")
	case f.Package.Bundle != "esbuild" && !isNull(opts) && len(opts.Content) > 0:
		v.add(opts, v.paths[opts], "esbuild settings apply only with bundle: esbuild; add bundle: esbuild under package, or remove esbuild")
	}
}
