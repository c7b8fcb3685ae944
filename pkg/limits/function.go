package limits

import (
	"github.com/lambcli/lamb/internal/lambdaarch"
	"github.com/lambcli/lamb/pkg/packager"
)

// Function is the configuration the checks read, resolved from lamb.yaml by
// the caller (stage overlays, dotenv files and defaults applied). Zero values
// mean "unset": AWS applies its default (128 MB, 3 s, 512 MB, x86_64) and the
// check passes, except for the numbers Explicit marks as written out.
//
// HandlerJar is the one field that is not configuration: it is what the
// caller found in the packaged bundle's jars, because the checks read no
// files.
type Function struct {
	// Key is the function's key in lamb.yaml; Name is its AWS name.
	Key, Name string
	Runtime   string
	// Architecture is "x86_64" or "arm64"; empty means x86_64.
	Architecture string
	Handler      string
	Description  string
	// Alias is deploy.alias; S3Bucket is deploy.s3.bucket.
	Alias, S3Bucket string
	// Memory and EphemeralStorage are in MB, Timeout in seconds.
	Memory, Timeout, EphemeralStorage int
	// Explicit marks which of them lamb.yaml writes out. Lambda refuses a
	// 0 that is sent, so a written 0 is checked like any other value.
	Explicit Explicit
	// Environment is the final variable map sent to Lambda.
	Environment map[string]string
	// Layers are layer version ARNs or paths of local layer zips.
	Layers                      []string
	SecurityGroupIDs, SubnetIDs []string
	Tags                        map[string]string
	// Image is true for a container image function, which has no runtime
	// or handler of its own (CheckImage checks the image).
	Image bool
	// HandlerJar is the search of the bundle's jars for a Java handler's
	// class, made by the caller when JarClass names one.
	HandlerJar JarSearch
	// Package is what the package settings say, so that a hint never
	// suggests a setting already in effect.
	Package PackageSettings
}

// PackageSettings are the package settings of lamb.yaml the hints read.
type PackageSettings struct {
	// Dependencies is "auto" or "none"; "" means auto, the default.
	Dependencies string
	// Artifact says package.artifact is set: lamb installed nothing.
	Artifact bool
	// Prebuilds is "match" or "all"; "" means match, the default.
	Prebuilds string
}

// installs reports whether lamb installed the bundle's dependencies.
func (p PackageSettings) installs() bool {
	return !p.Artifact && p.Dependencies != "none"
}

// Explicit marks the optional numbers of a Function that the configuration
// sets, zero included.
type Explicit struct {
	Memory, Timeout, EphemeralStorage bool
}

// JarSearch is what the caller found when it looked for a Java handler's
// class inside the bundle's jars, which the check does not open: JarClass
// says which class to look for, packager.JarHasClass looks. The zero value
// means no jar holds it.
type JarSearch struct {
	Found bool
	// Err says why the jars could not be searched; the check then warns
	// instead of failing.
	Err error
}

// Layer is a measured layer of a function, as deploy.MeasureLayers reports
// it.
//
// JSON fields: ref (the ARN or local path as configured), unzippedBytes,
// zippedBytes, local (true for a local layer zip or a layer of lamb.yaml),
// runtimes and architectures (what the layer says it is compatible with;
// absent when it says nothing, or for a layer zip).
type Layer struct {
	Ref           string   `json:"ref"`
	UnzippedBytes int64    `json:"unzippedBytes"`
	ZippedBytes   int64    `json:"zippedBytes"`
	Local         bool     `json:"local"`
	Runtimes      []string `json:"runtimes,omitempty"`
	Architectures []string `json:"architectures,omitempty"`
}

func (fn Function) architecture(m *packager.Manifest) string {
	if fn.Architecture != "" {
		return fn.Architecture
	}
	if m != nil && m.Architecture != "" {
		return m.Architecture
	}
	return lambdaarch.Default
}

func (fn Function) runtime(m *packager.Manifest) string {
	if fn.Runtime == "" && m != nil {
		return m.Runtime
	}
	return fn.Runtime
}

func (fn Function) handler(m *packager.Manifest) string {
	if fn.Handler == "" && m != nil {
		return m.Handler
	}
	return fn.Handler
}
