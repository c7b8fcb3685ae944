package limits

import (
	"fmt"
	"regexp"
	"strings"
)

// ImageMaxBytes is the largest container image Lambda runs: 10 GB
// uncompressed, all layers included.
const ImageMaxBytes = 10 << 30 // 10,737,418,240 bytes

// Image is what the caller read of a function's container image in ECR
// (deploy.ReadImage reads it).
type Image struct {
	// URI is the image as lamb.yaml names it.
	URI string
	// Found is false when ECR has no image under that tag or digest.
	Found bool
	// Digest is the image manifest's digest (sha256:...).
	Digest string
	// SizeBytes is ECR's size of the image: the sum of its compressed
	// layers, so the image is at least this large once unpacked.
	SizeBytes int64
	// Architecture is the image's, in Lambda's terms (x86_64, arm64), or
	// another platform's name; "" when it could not be read.
	Architecture string
	// Index is true for a manifest list or OCI image index (a
	// multi-platform image), which Lambda does not run; Platforms then
	// maps each architecture it holds to that image's digest.
	Index     bool
	Platforms map[string]string
}

// CheckImage checks a function's container image: that it exists, is one
// platform's image, matches the function's architecture, and fits in 10 GB.
func CheckImage(arch string, img Image) []Finding {
	if arch == "" {
		arch = "x86_64"
	}
	if !img.Found {
		return []Finding{{
			Check: "image", Severity: SeverityError, Field: "image",
			Message: fmt.Sprintf("image: %s is not in ECR", img.URI),
			Hint:    "push the image first (see README, Container images), and check the repository, the tag or digest and the region",
		}}
	}
	var fs []Finding
	if img.Index {
		f := Finding{
			Check: "image", Severity: SeverityError, Field: "image",
			Message:  fmt.Sprintf("image: %s is a multi-platform image (a manifest list or image index), which Lambda does not run", img.URI),
			Hint:     "push a single-platform image (docker buildx build --platform linux/amd64 --provenance=false ...)",
			AWSError: fmt.Sprintf("The image manifest or layer media type for the source image %s is not supported.", img.URI),
		}
		if d := img.Platforms[arch]; d != "" {
			f.Hint = fmt.Sprintf("name the %s image of the list by its digest: %s@%s", arch, repository(img.URI), d)
		}
		return append(fs, f)
	}
	if img.Architecture != "" && img.Architecture != arch {
		fs = append(fs, Finding{
			Check: "image", Severity: SeverityError, Field: "architecture",
			Message: fmt.Sprintf("architecture: the function is %s but image %s is built for %s", arch, img.URI, img.Architecture),
			Hint:    fmt.Sprintf("set architecture: %s, or push an image built for %s (docker buildx build --platform %s)", lambdaArch(img.Architecture), arch, platformOf(arch)),
		})
	}
	if img.SizeBytes > ImageMaxBytes {
		fs = append(fs, Finding{
			Check: "image", Severity: SeverityError, Field: "image",
			Message:  fmt.Sprintf("image: %s is %d bytes compressed, already above Lambda's limit of %d bytes (10 GB) for an unpacked image", img.URI, img.SizeBytes, int64(ImageMaxBytes)),
			Hint:     "make the image smaller: a slimmer base image, fewer layers, no build tools in the final stage",
			Measured: num(img.SizeBytes), Limit: num(ImageMaxBytes), Unit: "bytes",
		})
	}
	return fs
}

// repository is an image URI without its tag or digest.
func repository(uri string) string {
	if at := strings.IndexByte(uri, '@'); at >= 0 {
		return uri[:at]
	}
	if c := strings.LastIndexByte(uri, ':'); c > strings.LastIndexByte(uri, '/') {
		return uri[:c]
	}
	return uri
}

// lambdaArch names an image architecture as lamb.yaml does, when it can.
func lambdaArch(a string) string {
	if a == "x86_64" || a == "arm64" {
		return a
	}
	return a + " (Lambda runs x86_64 and arm64 only)"
}

// platformOf is the container platform of a Lambda architecture.
func platformOf(arch string) string {
	if arch == "arm64" {
		return "linux/arm64"
	}
	return "linux/amd64"
}

// ImageRef is an ECR image URI taken apart.
type ImageRef struct {
	// Registry is the account ID that owns the repository.
	Registry, Region, Repository string
	// Tag or Digest (sha256:...) names the image; one of them is set.
	Tag, Digest string
}

// imageURI is ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPO(:TAG|@sha256:HEX).
var imageURI = regexp.MustCompile(`^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9][a-z0-9._/-]*)(?::([\w][\w.-]{0,127})|@(sha256:[a-f0-9]{64}))$`)

// ParseImageURI reads an ECR image URI; Lambda runs images from ECR only,
// named by tag or digest.
func ParseImageURI(uri string) (ImageRef, error) {
	m := imageURI.FindStringSubmatch(uri)
	if m == nil {
		return ImageRef{}, fmt.Errorf("image %q is not an ECR image URI: write ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG or .../REPOSITORY@sha256:DIGEST (Lambda runs images from ECR only)", uri)
	}
	return ImageRef{Registry: m[1], Region: m[2], Repository: m[3], Tag: m[4], Digest: m[5]}, nil
}
