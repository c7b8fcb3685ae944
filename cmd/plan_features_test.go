package cmd

import (
	"testing"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// TestPlanShowsImageEdgeFileSystemAndSnapStart renders what the plan says
// of an image function whose tag moved, an EFS mount and SnapStart being
// turned on, the role changes they bring, and a package type change.
func TestPlanShowsImageEdgeFileSystemAndSnapStart(t *testing.T) {
	t.Parallel()
	const ap = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"
	image := &config.Function{Key: "img", Name: "img", Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:v2",
		ImageConfig: &config.ImageConfig{Command: []string{"app.handler"}, WorkingDirectory: "/srv"}}
	imgHave := deploy.DesiredFrom(&config.Function{Name: "img", Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:v1"}, "r")
	java := &config.Function{Key: "java", Name: "java", Runtime: "java21", Handler: "a.B::handle", SnapStart: true,
		FileSystem: &config.FileSystem{ARN: ap, MountPath: "/mnt/data"}}
	javaHave := deploy.DesiredFrom(&config.Function{Name: "java", Runtime: "java21", Handler: "a.B::handle"}, "r")
	r := pipeline.PlanReport{Functions: []pipeline.PlanResult{
		{Function: "img", Name: "img", Action: pipeline.ActionUpdate,
			Code:          pipeline.CodePlan{Old: "1111111111aa", New: "2222222222bb", Changed: true},
			ConfigChanges: deploy.ConfigChanges(imgHave, deploy.DesiredFrom(image, "r")),
			Upload:        &pipeline.UploadPlan{Route: pipeline.RouteECR, Bytes: 52428800, AlreadyUploaded: true},
			Alias:         pipeline.AliasPlan{Name: "live", From: "1", Action: pipeline.AliasMove}},
		{Function: "java", Name: "java", Action: pipeline.ActionUpdate,
			Code:          pipeline.CodePlan{Old: "3333333333cc", New: "3333333333cc"},
			ConfigChanges: deploy.ConfigChanges(javaHave, deploy.DesiredFrom(java, "r")),
			Role:          &pipeline.RolePlan{Name: "java-lamb-exec", PutPolicy: []string{deploy.FileSystemPolicyName}},
			Alias:         pipeline.AliasPlan{Name: "live", From: "4", Action: pipeline.AliasMove}},
		{Function: "edge", Name: "edge", Action: pipeline.ActionCreate,
			Code:  pipeline.CodePlan{New: "5555555555dd", Changed: true},
			Role:  &pipeline.RolePlan{Name: "edge-lamb-exec", Create: true, Attach: []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, Trust: []string{"edgelambda.amazonaws.com", "lambda.amazonaws.com"}},
			Alias: pipeline.AliasPlan{Name: "live", Action: pipeline.AliasCreate}},
		{Function: "moved", Name: "moved", Action: pipeline.ActionFailed,
			Error: (&deploy.PackageTypeChangeError{Function: "moved", From: "Zip", To: "Image"}).Error()},
	}}
	io, out, _ := ui.Test()
	if err := writePlan(io, r); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "plan/features.golden", out.Bytes())
}
