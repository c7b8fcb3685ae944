package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/lambcli/lamb/pkg/limits"
)

// ImageConfig overrides the settings a container image carries
// (CMD, ENTRYPOINT, WORKDIR).
type ImageConfig struct {
	Command          []string `json:"command,omitempty" lamb:"command" doc:"Replaces the image's CMD, e.g. [app.handler]."`
	EntryPoint       []string `json:"entrypoint,omitempty" lamb:"entrypoint" doc:"Replaces the image's ENTRYPOINT."`
	WorkingDirectory string   `json:"workingDirectory,omitempty" lamb:"workingDirectory" doc:"Replaces the image's WORKDIR."`
}

// Edge marks a Lambda@Edge function.
type Edge struct {
	// Event is the CloudFront event the function is meant for; it decides
	// which of CloudFront's limits apply.
	Event string `json:"event" lamb:"event,enum=viewer-request|viewer-response|origin-request|origin-response" doc:"The CloudFront event the function is associated with: viewer-request, viewer-response, origin-request or origin-response."`
}

// Viewer reports whether the function runs on a viewer event, where
// CloudFront's limits are the tightest.
func (e *Edge) Viewer() bool {
	return e != nil && (e.Event == "viewer-request" || e.Event == "viewer-response")
}

// FileSystem is an Amazon EFS access point mounted into the function.
type FileSystem struct {
	ARN       string `json:"arn" lamb:"arn" doc:"ARN of the EFS access point (arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-...)."`
	MountPath string `json:"mountPath" lamb:"mountPath" doc:"Where the file system appears in the function: /mnt/ and a name, e.g. /mnt/data."`
}

// PackageType is how Lambda takes a function's code: "Image" for a
// container image, else "Zip".
func (f *Function) PackageType() string {
	if f.Image != "" {
		return "Image"
	}
	return "Zip"
}

// special reads image, imageConfig, edge, fileSystem and snapStart, and
// reports the combinations lamb.yaml cannot mean: a container image
// carries its own runtime, handler and files, so the keys that describe a
// zip do not apply to it. Limits (CloudFront's, SnapStart's, the mount
// path's) are lamb check's.
func (l *loader) special(v *validator, f *Function, n *yaml.Node) {
	f.Image = text(lookup(n, "image"))
	ic := lookup(n, "imageConfig")
	if !isNull(ic) {
		f.ImageConfig = &ImageConfig{
			Command:          list(lookup(ic, "command")),
			EntryPoint:       list(lookup(ic, "entrypoint")),
			WorkingDirectory: text(lookup(ic, "workingDirectory")),
		}
	}
	f.SnapStart = text(lookup(n, "snapStart")) == "true"
	if e := lookup(n, "edge"); !isNull(e) {
		f.Edge = &Edge{Event: text(lookup(e, "event"))}
		if isNull(lookup(e, "event")) {
			v.add(e, v.paths[e], "edge needs event: viewer-request, viewer-response, origin-request or origin-response")
		}
	}
	if fs := lookup(n, "fileSystem"); !isNull(fs) {
		f.FileSystem = &FileSystem{ARN: text(lookup(fs, "arn")), MountPath: text(lookup(fs, "mountPath"))}
		for _, k := range []string{"arn", "mountPath"} {
			if isNull(lookup(fs, k)) {
				v.add(fs, v.paths[fs], "fileSystem needs %s: the EFS access point's ARN and where to mount it, e.g. {arn: arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0, mountPath: /mnt/data}", k)
			}
		}
	}
	img := lookup(n, "image")
	if isNull(img) {
		if !isNull(ic) {
			v.add(ic, v.paths[ic], "imageConfig applies to container images only: set image, or remove imageConfig")
		}
		return
	}
	if _, err := limits.ParseImageURI(f.Image); err != nil {
		v.add(img, v.paths[img], "not an ECR image URI (Lambda runs images from ECR only): write ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG or .../REPOSITORY@sha256:DIGEST")
	}
	for _, k := range []string{"runtime", "handler"} {
		if at := lookup(n, k); !isNull(at) {
			v.add(at, v.paths[at], "a container image function takes its %s from the image (ENTRYPOINT and CMD; override them under imageConfig): remove %s, from defaults too, or remove image to deploy a zip", k, k)
		}
	}
	if at := lookup(n, "layers"); !isNull(at) {
		v.add(at, v.paths[at], "a container image function cannot use layers: copy what they hold into the image, and remove layers (from defaults too)")
	}
	if pkg := lookup(n, "package"); !isNull(pkg) && pkg.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(pkg.Content); i += 2 {
			if val := pkg.Content[i+1]; !isNull(val) {
				v.add(pkg.Content[i], join(v.paths[pkg], pkg.Content[i].Value), "package settings build a zip, and a function with image deploys the container image as it is in ECR (lamb builds no images): remove package.%s, from defaults too, or remove image", pkg.Content[i].Value)
			}
		}
	}
}
