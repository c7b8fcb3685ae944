package limits

import (
	"strings"
	"testing"
)

// fieldsOfFindings renders findings as "severity field", in order.
func fieldsOfFindings(fs []Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Severity)+" "+f.Field)
	}
	return strings.Join(out, ", ")
}

func TestCheckFeaturesEdge(t *testing.T) {
	t.Parallel()
	viewer := func(x Features) Features {
		x.EdgeEvent, x.Region, x.Runtime = "viewer-request", "us-east-1", "nodejs22.x"
		return x
	}
	origin := func(x Features) Features {
		x.EdgeEvent, x.Region, x.Runtime = "origin-response", "us-east-1", "python3.12"
		return x
	}
	tests := []struct {
		name string
		x    Features
		want string
	}{
		{"viewer at every limit", viewer(Features{Memory: 128, Timeout: 5, ZippedBytes: 1048576}), ""},
		{"viewer with defaults", viewer(Features{}), ""},
		{"viewer 129 MB", viewer(Features{Memory: 129}), "error memory"},
		{"viewer 6 s", viewer(Features{Timeout: 6}), "error timeout"},
		{"viewer 1 MB and a byte", viewer(Features{ZippedBytes: 1048577}), "error package"},
		{"origin 10 GB memory", origin(Features{Memory: 10240, Timeout: 30, ZippedBytes: 52428800}), ""},
		{"origin 31 s", origin(Features{Timeout: 31}), "error timeout"},
		{"origin 50 MB and a byte", origin(Features{ZippedBytes: 52428801}), "error package"},
		{"origin 6 s and 2 MB", origin(Features{Timeout: 6, ZippedBytes: 2 << 20}), ""},
		{"wrong region", func() Features { x := viewer(Features{}); x.Region = "eu-west-1"; return x }(), "error region"},
		{"region unknown", func() Features { x := viewer(Features{}); x.Region = ""; return x }(), ""},
		{"java", func() Features { x := origin(Features{}); x.Runtime = "java21"; return x }(), "error runtime"},
		{"everything CloudFront refuses", viewer(Features{Architecture: "arm64", Image: true, Environment: true, Layers: true, VPC: true, DeadLetter: true, Tracing: "Active"}),
			"error architecture, error image, error environment, error layers, error vpc, error deadLetter, error tracing"},
		{"tracing PassThrough", viewer(Features{Tracing: "PassThrough"}), ""},
		{"not an edge function", Features{Memory: 10240, Timeout: 900, Environment: true, Architecture: "arm64", Region: "eu-west-1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldsOfFindings(CheckFeatures(tt.x)); got != tt.want {
				t.Errorf("findings = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEdgeFindingNamesTheLimit(t *testing.T) {
	t.Parallel()
	fs := CheckFeatures(Features{EdgeEvent: "viewer-request", Memory: 129})
	if len(fs) != 1 {
		t.Fatalf("findings = %+v", fs)
	}
	f := fs[0]
	want := "memory: 129 MB is above CloudFront's limit of 128 MB for viewer-request functions"
	if f.Message != want || *f.Measured != 129 || *f.Limit != 128 || f.Unit != "MB" {
		t.Errorf("finding = %q (%v/%v %s), want %q", f.Message, *f.Measured, *f.Limit, f.Unit, want)
	}
}

const accessPoint = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"

func TestCheckFeaturesFileSystem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		x    Features
		want string
	}{
		{"mounted in a VPC", Features{FileSystemARN: accessPoint, MountPath: "/mnt/data", VPC: true}, ""},
		{"no VPC", Features{FileSystemARN: accessPoint, MountPath: "/mnt/data"}, "error fileSystem"},
		{"names with . - _", Features{FileSystemARN: accessPoint, MountPath: "/mnt/my-data_1.0", VPC: true}, ""},
		{"not under /mnt", Features{FileSystemARN: accessPoint, MountPath: "/data", VPC: true}, "error fileSystem.mountPath"},
		{"two levels", Features{FileSystemARN: accessPoint, MountPath: "/mnt/a/b", VPC: true}, "error fileSystem.mountPath"},
		{"/mnt alone", Features{FileSystemARN: accessPoint, MountPath: "/mnt/", VPC: true}, "error fileSystem.mountPath"},
		{"160 characters", Features{FileSystemARN: accessPoint, MountPath: "/mnt/" + strings.Repeat("a", 155), VPC: true}, ""},
		{"161 characters", Features{FileSystemARN: accessPoint, MountPath: "/mnt/" + strings.Repeat("a", 156), VPC: true}, "error fileSystem.mountPath"},
		{"file system ARN", Features{FileSystemARN: "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-0123456789abcdef0", MountPath: "/mnt/data", VPC: true}, "error fileSystem.arn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldsOfFindings(CheckFeatures(tt.x)); got != tt.want {
				t.Errorf("findings = %q, want %q", got, tt.want)
			}
		})
	}
	fs := CheckFeatures(Features{FileSystemARN: accessPoint, MountPath: "/data", VPC: true})
	if want := "Value '/data' at 'fileSystemConfigs.1.member.localMountPath' failed to satisfy constraint: Member must satisfy regular expression pattern: ^/mnt/[a-zA-Z0-9-_.]+$"; !strings.Contains(fs[0].AWSError, want) {
		t.Errorf("awsError = %q, want it to hold %q", fs[0].AWSError, want)
	}
}

func TestCheckFeaturesSnapStart(t *testing.T) {
	t.Parallel()
	on := func(runtime string) Features { return Features{SnapStart: true, Runtime: runtime} }
	with := func(x Features, f func(*Features)) Features { f(&x); return x }
	tests := []struct {
		name string
		x    Features
		want string
	}{
		{"java11", on("java11"), ""},
		{"java11.al2023", on("java11.al2023"), ""},
		{"java21", on("java21"), ""},
		{"java8.al2", on("java8.al2"), "error snapStart"},
		{"python3.12", on("python3.12"), ""},
		{"python3.14", on("python3.14"), ""},
		{"python3.11", on("python3.11"), "error snapStart"},
		{"dotnet8", on("dotnet8"), ""},
		{"dotnet10", on("dotnet10"), ""},
		{"dotnet6", on("dotnet6"), "error snapStart"},
		{"nodejs22.x", on("nodejs22.x"), "error snapStart"},
		{"arm64", with(on("java21"), func(x *Features) { x.Architecture = "arm64" }), ""},
		{"image", with(on(""), func(x *Features) { x.Image = true }), "error snapStart"},
		{"provisioned concurrency", with(on("java21"), func(x *Features) { x.Provisioned = 1 }), "error concurrency.provisioned"},
		{"EFS", with(on("java21"), func(x *Features) { x.FileSystemARN, x.MountPath, x.VPC = accessPoint, "/mnt/data", true }), "error fileSystem"},
		{"512 MB of /tmp", with(on("java21"), func(x *Features) { x.EphemeralStorage = 512 }), ""},
		{"513 MB of /tmp", with(on("java21"), func(x *Features) { x.EphemeralStorage = 513 }), "error ephemeralStorage"},
		{"off", Features{Runtime: "nodejs22.x", Provisioned: 5, EphemeralStorage: 10240}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fieldsOfFindings(CheckFeatures(tt.x)); got != tt.want {
				t.Errorf("findings = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckImage(t *testing.T) {
	t.Parallel()
	const uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1"
	img := func(f func(*Image)) Image {
		i := Image{URI: uri, Found: true, Digest: "sha256:aa", Architecture: "x86_64", SizeBytes: 100}
		if f != nil {
			f(&i)
		}
		return i
	}
	tests := []struct {
		name, arch string
		img        Image
		want       string
		hint       string
	}{
		{"fits", "x86_64", img(nil), "", ""},
		{"default architecture", "", img(nil), "", ""},
		{"missing", "x86_64", img(func(i *Image) { i.Found = false }), "error image", "push the image first"},
		{"arm64 image on x86_64", "x86_64", img(func(i *Image) { i.Architecture = "arm64" }), "error architecture", "set architecture: arm64"},
		{"architecture unread", "arm64", img(func(i *Image) { i.Architecture = "" }), "", ""},
		{"10 GB", "x86_64", img(func(i *Image) { i.SizeBytes = 10737418240 }), "", ""},
		{"10 GB and a byte", "x86_64", img(func(i *Image) { i.SizeBytes = 10737418241 }), "error image", ""},
		{"index holding the architecture", "arm64", img(func(i *Image) {
			i.Index, i.Platforms = true, map[string]string{"arm64": "sha256:bb", "x86_64": "sha256:cc"}
		}), "error image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:bb"},
		{"index without it", "arm64", img(func(i *Image) { i.Index, i.Platforms = true, map[string]string{"x86_64": "sha256:cc"} }), "error image", "--provenance=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := CheckImage(tt.arch, tt.img)
			if got := fieldsOfFindings(fs); got != tt.want {
				t.Fatalf("findings = %q, want %q: %+v", got, tt.want, fs)
			}
			if tt.hint != "" && !strings.Contains(fs[0].Hint, tt.hint) {
				t.Errorf("hint = %q, want it to hold %q", fs[0].Hint, tt.hint)
			}
		})
	}
}

func TestCheckSkipsRuntimeForImages(t *testing.T) {
	t.Parallel()
	fn := Function{Key: "api", Name: "api", Image: true}
	if fs := findingsOf(Check(fn, nil, nil, DefaultQuotas(), today), "runtime"); len(fs) != 0 {
		t.Errorf("an image function got runtime findings: %+v", fs)
	}
	fn.Image = false
	if fs := findingsOf(Check(fn, nil, nil, DefaultQuotas(), today), "runtime"); len(fs) != 1 {
		t.Errorf("a zip function without runtime got %+v, want one runtime finding", fs)
	}
}

func TestParseImageURI(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		uri     string
		want    ImageRef
		wantErr bool
	}{
		{"123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:v1.2", ImageRef{Registry: "123456789012", Region: "eu-west-1", Repository: "team/api", Tag: "v1.2"}, false},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/api@" + digest, ImageRef{Registry: "123456789012", Region: "us-east-1", Repository: "api", Digest: digest}, false},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/api", ImageRef{}, true},
		{"docker.io/library/python:3.12", ImageRef{}, true},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/api@sha256:short", ImageRef{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			got, err := ParseImageURI(tt.uri)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseImageURI = %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
