package pipeline

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
)

const testImageURI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1"

func TestFeatureFindingsReadTheUnit(t *testing.T) {
	t.Parallel()
	u := &Unit{
		Function: &config.Function{Key: "edge", Architecture: "x86_64", Edge: &config.Edge{Event: "viewer-request"}},
		Manifest: &packager.Manifest{Runtime: "nodejs22.x", ZippedBytes: limits.EdgeViewerZippedBytes + 1},
	}
	fs := featureFindings(u, "us-east-1")
	if len(fs) != 1 || fs[0].Field != "package" {
		t.Errorf("findings = %+v, want the zip over CloudFront's 1 MB", fs)
	}
	img := &Unit{Function: &config.Function{Key: "img", Image: testImageURI, Architecture: "arm64"},
		Image: &limits.Image{URI: testImageURI, Found: true, Architecture: "x86_64"}}
	if fs := featureFindings(img, ""); len(fs) != 1 || fs[0].Field != "architecture" {
		t.Errorf("findings = %+v, want the image's architecture", fs)
	}
}

func TestImageUnits(t *testing.T) {
	t.Parallel()
	digest := "sha256:" + strings.Repeat("ab", 32)
	unread := &Unit{Function: &config.Function{Name: "img", Image: testImageURI}}
	if err := checkImageRead(unread); err == nil || !strings.Contains(err.Error(), "was not read from ECR") {
		t.Errorf("checkImageRead of an unread image = %v", err)
	}
	read := &Unit{Function: &config.Function{Name: "img", Image: testImageURI}, Image: &limits.Image{Found: true, Digest: digest}}
	if err := checkImageRead(read); err != nil {
		t.Errorf("checkImageRead = %v", err)
	}
	if got := codeSha256(read); got != strings.Repeat("ab", 32) {
		t.Errorf("codeSha256 = %q, want the digest's hex", got)
	}

	// The same image under another URI is a code update, shown as such.
	read.Deploy.Remote = deploy.Remote{Exists: true, ImageURI: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:old"}
	read.Deploy.Plan = deploy.Plan{UpToDate: true}
	planImageURI(read)
	p := read.Deploy.Plan
	if !p.CodeChanged || p.UpToDate || len(p.ConfigChanges) != 1 || p.ConfigChanges[0].Field != "image" {
		t.Errorf("plan = %+v, want the image URI as a code change", p)
	}
}

func TestEdgeVersionARN(t *testing.T) {
	t.Parallel()
	latest := &lambdatypes.FunctionConfiguration{FunctionArn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:edge")}
	u := &Unit{Function: &config.Function{Edge: &config.Edge{Event: "origin-request"}}}
	u.Deploy.Latest, u.Deploy.Version = latest, "7"
	if got, want := edgeVersionARN(u), "arn:aws:lambda:us-east-1:123456789012:function:edge:7"; got != want {
		t.Errorf("published: %q, want %q", got, want)
	}
	// Up to date: the version the alias serves, from the ARN of $LATEST.
	u.Deploy = DeployState{Remote: deploy.Remote{Exists: true, Alias: &deploy.Alias{Version: "6"},
		Latest: &lambdatypes.FunctionConfiguration{FunctionArn: aws.String("arn:aws:lambda:us-east-1:123456789012:function:edge:$LATEST")}}}
	if got, want := edgeVersionARN(u), "arn:aws:lambda:us-east-1:123456789012:function:edge:6"; got != want {
		t.Errorf("up to date: %q, want %q", got, want)
	}
	u.Function.Edge = nil
	if got := edgeVersionARN(u); got != "" {
		t.Errorf("not an edge function: %q", got)
	}
}
