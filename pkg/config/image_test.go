package config

import (
	"reflect"
	"strings"
	"testing"
)

const testImage = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1"

func TestImageEdgeFileSystemSnapStartAreRead(t *testing.T) {
	doc := `functions:
  api:
    image: ` + testImage + `
    imageConfig: {command: [app.handler], entrypoint: [/lambda-entrypoint.sh], workingDirectory: /var/task}
    edge: {event: origin-request}
    fileSystem: {arn: "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0", mountPath: /mnt/data}
    snapStart: true
  zip:
    runtime: python3.12
`
	cfg := mustLoad(t, doc, LoadOptions{})
	f := fn(t, cfg, "api")
	if f.Image != testImage || f.PackageType() != "Image" {
		t.Errorf("image = %q, package type %s", f.Image, f.PackageType())
	}
	wantIC := &ImageConfig{Command: []string{"app.handler"}, EntryPoint: []string{"/lambda-entrypoint.sh"}, WorkingDirectory: "/var/task"}
	if !reflect.DeepEqual(f.ImageConfig, wantIC) {
		t.Errorf("imageConfig = %+v, want %+v", f.ImageConfig, wantIC)
	}
	if f.Edge == nil || f.Edge.Event != "origin-request" || f.Edge.Viewer() {
		t.Errorf("edge = %+v", f.Edge)
	}
	if f.FileSystem == nil || f.FileSystem.MountPath != "/mnt/data" || !strings.HasSuffix(f.FileSystem.ARN, "fsap-0123456789abcdef0") {
		t.Errorf("fileSystem = %+v", f.FileSystem)
	}
	if !f.SnapStart {
		t.Error("snapStart not read")
	}
	z := fn(t, cfg, "zip")
	if z.Image != "" || z.ImageConfig != nil || z.Edge != nil || z.FileSystem != nil || z.SnapStart || z.PackageType() != "Zip" {
		t.Errorf("a plain function reads as %+v", z)
	}
}

func TestImageRefusesZipSettings(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"runtime and handler", "functions:\n  api:\n    image: " + testImage + "\n    runtime: python3.12\n    handler: app.handler\n",
			[]string{"lamb.yaml:4:14: functions.api.runtime: a container image function takes its runtime from the image",
				"lamb.yaml:5:14: functions.api.handler: a container image function takes its handler from the image"}},
		{"runtime from defaults", "defaults:\n  runtime: python3.12\nfunctions:\n  api:\n    image: " + testImage + "\n",
			[]string{"lamb.yaml:2:12: defaults.runtime: a container image function takes its runtime from the image (ENTRYPOINT and CMD; override them under imageConfig): remove runtime, from defaults too"}},
		{"package", "functions:\n  api:\n    image: " + testImage + "\n    package: {build: make, exclude: ['*.md']}\n",
			[]string{"functions.api.package.build: package settings build a zip", "functions.api.package.exclude: package settings build a zip"}},
		{"layers", "functions:\n  api:\n    image: " + testImage + "\n    layers: [arn:aws:lambda:us-east-1:123456789012:layer:x:1]\n",
			[]string{"functions.api.layers: a container image function cannot use layers"}},
		{"not ECR", "functions:\n  api:\n    image: public.ecr.aws/lambda/python:3.12\n",
			[]string{"lamb.yaml:3:12: functions.api.image: not an ECR image URI"}},
		{"imageConfig without image", "functions:\n  api:\n    runtime: python3.12\n    imageConfig: {command: [x]}\n",
			[]string{"functions.api.imageConfig: imageConfig applies to container images only"}},
		{"edge without event", "functions:\n  api:\n    edge: {}\n", []string{"functions.api.edge: edge needs event"}},
		{"bad edge event", "functions:\n  api:\n    edge: {event: viewer}\n", []string{`functions.api.edge.event: expected viewer-request, viewer-response, origin-request or origin-response, got "viewer"`}},
		{"fileSystem without mountPath", "functions:\n  api:\n    fileSystem: {arn: x}\n", []string{"functions.api.fileSystem: fileSystem needs mountPath"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.doc, LoadOptions{})
			ps := problems(t, err)
			if len(ps) != len(tt.want) {
				t.Fatalf("problems = %v, want %d", ps, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(ps[i].String(), w) {
					t.Errorf("problem %d = %s, want it to say %s", i, ps[i], w)
				}
			}
		})
	}
}
