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
