package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
)

// RouteECR is the route of a container image: Lambda pulls it from ECR,
// lamb sends no code.
const RouteECR = "ecr"

// ImageStep reads an image function's container image from ECR (in place
// of packaging), so that the check can judge it and the deploy knows its
// digest.
type ImageStep struct {
	// API reads ECR; nil leaves the image unread, with a note.
	API deploy.ImageReader
	// Why says why API is nil.
	Why string
	// HTTP fetches the image's config blob; nil means a default client.
	HTTP *http.Client
}

// Name implements Step.
func (ImageStep) Name() string { return "image" }

// Describe implements describer.
func (ImageStep) Describe(u *Unit) string { return "reading image " + u.Function.Image + " from ECR" }

// Skip implements Step.
func (ImageStep) Skip(u *Unit) string {
	if u.Function.Image == "" {
		return "not a container image"
	}
	return ""
}

// Run implements Step.
func (s ImageStep) Run(ctx context.Context, u *Unit) error {
	if s.API == nil {
		u.Notes = append(u.Notes, fmt.Sprintf("image %s not read from ECR: %s", u.Function.Image, s.Why))
		return nil
	}
	img, note, err := deploy.ReadImage(ctx, s.API, s.HTTP, u.Function.Image)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		// Like the other optional reads, a failed one is a note for lamb
		// check; a deploy refuses the function when it plans it.
		u.Notes = append(u.Notes, fmt.Sprintf("image %s not read from ECR: %v", u.Function.Image, err))
		return nil
	}
	if note != "" {
		u.Notes = append(u.Notes, note)
	}
	u.Image = &img
	return nil
}

// imageFunctions reports whether any function deploys a container image.
func imageFunctions(fns []*config.Function) bool {
	for _, fn := range fns {
		if fn.Image != "" {
			return true
		}
	}
	return false
}

// imageReader returns the ECR client of o, or why there is none.
func imageReader(ctx context.Context, o CheckOptions, fns []*config.Function) (deploy.ImageReader, string) {
	switch {
	case !imageFunctions(fns):
		return nil, ""
	case o.Offline:
		return nil, "--offline"
	case o.Images == nil:
		return nil, "no AWS access"
	}
	c, err := o.Images(ctx)
	if err != nil {
		return nil, err.Error()
	}
	return c, ""
}

// featureFindings are the findings of the image, Lambda@Edge, EFS and
// SnapStart checks of a packaged (or image) unit.
func featureFindings(u *Unit, region string) []limits.Finding {
	fn := u.Function
	x := limits.Features{
		Region: region, Runtime: fn.Runtime, Architecture: fn.Architecture,
		Memory: fn.Memory, Timeout: fn.Timeout, EphemeralStorage: fn.EphemeralStorage,
		Image: fn.Image != "", Environment: len(fn.Environment) > 0, Layers: len(fn.Layers) > 0,
		VPC: len(fn.VPC.SubnetIDs) > 0 || len(fn.VPC.SecurityGroupIDs) > 0, DeadLetter: fn.DeadLetter != "",
		Tracing: fn.Tracing, Provisioned: fn.Concurrency.Provisioned, SnapStart: fn.SnapStart,
	}
	if m := u.Manifest; m != nil {
		x.ZippedBytes = m.ZippedBytes
		if x.Runtime == "" {
			x.Runtime = m.Runtime
		}
		if x.Architecture == "" {
			x.Architecture = m.Architecture
		}
	}
	if fn.Edge != nil {
		x.EdgeEvent = fn.Edge.Event
	}
	if fs := fn.FileSystem; fs != nil {
		x.FileSystemARN, x.MountPath = fs.ARN, fs.MountPath
	}
	out := limits.CheckFeatures(x)
	if u.Image != nil {
		out = append(out, limits.CheckImage(fn.Architecture, *u.Image)...)
	}
	return out
}

// codeSha256 is the CodeSha256 Lambda reports for the unit's code: the
// zip's, or the image digest's.
func codeSha256(u *Unit) string {
	if u.Function.Image != "" {
		if u.Image == nil {
			return ""
		}
		return deploy.ImageCodeSha256(u.Image.Digest)
	}
	return u.Manifest.CodeSha256
}

// contentHash names the content in the version's description.
func contentHash(u *Unit) string {
	if u.Function.Image != "" {
		return codeSha256(u)
	}
	return u.Manifest.ContentHash
}

// checkImageRead refuses to plan an image function whose image was not
// read: its digest is what tells whether the code changed.
func checkImageRead(u *Unit) error {
	if u.Function.Image != "" && (u.Image == nil || !u.Image.Found) {
		return fmt.Errorf("image %s was not read from ECR, and its digest decides whether the code changed: check ECR access (ecr:DescribeImages, ecr:BatchGetImage) and the region", u.Function.Image)
	}
	return nil
}

// EdgeVersionARN is the qualified ARN of the version the deploy alias
// serves, which a CloudFront trigger names; "" for other functions or
// before a version exists.
func edgeVersionARN(u *Unit) string {
	if u.Function.Edge == nil {
		return ""
	}
	s := u.Deploy
	version := s.Version
	if version == "" && s.Remote.Alias != nil {
		version = s.Remote.Alias.Version
	}
	latest := s.Latest
	if latest == nil {
		latest = s.Remote.Latest
	}
	if version == "" || latest == nil {
		return ""
	}
	arn := aws.ToString(latest.FunctionArn)
	if i := strings.Index(arn, ":function:"); i >= 0 {
		if j := strings.IndexByte(arn[i+len(":function:"):], ':'); j >= 0 {
			arn = arn[:i+len(":function:")+j]
		}
	}
	return arn + ":" + version
}

// withImages makes o read images through api, and check Lambda@Edge's
// region against region, unless o already says otherwise.
func withImages(o CheckOptions, api deploy.ImageReader, region string) CheckOptions {
	if o.Images == nil && api != nil {
		o.Images = func(context.Context) (deploy.ImageReader, error) { return api, nil }
	}
	if o.Region == "" {
		o.Region = region
	}
	return o
}

// planImageURI makes lamb.yaml naming another image URI a code change even
// when it is the same image (a new tag on it, or its digest): Lambda then
// shows the URI lamb.yaml names.
func planImageURI(u *Unit) {
	p, r := &u.Deploy.Plan, u.Deploy.Remote
	if u.Function.Image == "" || !r.Exists || r.ImageURI == "" || r.ImageURI == u.Function.Image {
		return
	}
	p.CodeChanged, p.UpToDate = true, false
	p.ConfigChanges = append(p.ConfigChanges, deploy.Change{Field: "image", Old: r.ImageURI, New: u.Function.Image})
}
