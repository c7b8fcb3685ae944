package deploy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/config"
)

const testAccessPoint = "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-0123456789abcdef0"

// featureLambda is a one-function Lambda that keeps what the emulator
// drops: FileSystemConfigs and SnapStart. It records every request and
// fails the test on any call it does not know.
type featureLambda struct {
	LambdaAPI
	t       *testing.T
	cfg     *lambdatypes.FunctionConfiguration
	creates []*lambda.CreateFunctionInput
	updates []*lambda.UpdateFunctionConfigurationInput
}

func (f *featureLambda) GetFunction(context.Context, *lambda.GetFunctionInput, ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	c := *f.cfg
	return &lambda.GetFunctionOutput{Configuration: &c}, nil
}

func (f *featureLambda) CreateFunction(_ context.Context, in *lambda.CreateFunctionInput, _ ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error) {
	f.creates = append(f.creates, in)
	f.cfg = &lambdatypes.FunctionConfiguration{
		FunctionName: in.FunctionName, Runtime: in.Runtime, Handler: in.Handler, Role: in.Role, Description: in.Description,
		MemorySize: in.MemorySize, Timeout: in.Timeout, EphemeralStorage: in.EphemeralStorage, Architectures: in.Architectures,
		TracingConfig: &lambdatypes.TracingConfigResponse{Mode: in.TracingConfig.Mode}, PackageType: lambdatypes.PackageTypeZip,
		FileSystemConfigs: in.FileSystemConfigs, State: lambdatypes.StateActive, LastUpdateStatus: lambdatypes.LastUpdateStatusSuccessful,
		CodeSha256: aws.String("sha"),
		VpcConfig:  &lambdatypes.VpcConfigResponse{SubnetIds: in.VpcConfig.SubnetIds, SecurityGroupIds: in.VpcConfig.SecurityGroupIds},
	}
	if in.SnapStart != nil {
		f.cfg.SnapStart = &lambdatypes.SnapStartResponse{ApplyOn: in.SnapStart.ApplyOn}
	}
	return &lambda.CreateFunctionOutput{}, nil
}

func (f *featureLambda) UpdateFunctionConfiguration(_ context.Context, in *lambda.UpdateFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	f.updates = append(f.updates, in)
	if in.FileSystemConfigs != nil {
		f.cfg.FileSystemConfigs = in.FileSystemConfigs
	}
	if in.SnapStart != nil {
		f.cfg.SnapStart = &lambdatypes.SnapStartResponse{ApplyOn: in.SnapStart.ApplyOn}
	}
	return &lambda.UpdateFunctionConfigurationOutput{}, nil
}

// TestSyncFileSystemAndSnapStart: they are created with the function,
// compare equal afterwards (a redeploy is a no-op), and are sent on update
// only when they change.
func TestSyncFileSystemAndSnapStart(t *testing.T) {
	api := &featureLambda{t: t}
	d := (&fakeClock{}).deployer(api)
	fn := &config.Function{Name: "fn", Runtime: "java21", Handler: "a.B::handle", SnapStart: true,
		FileSystem: &config.FileSystem{ARN: testAccessPoint, MountPath: "/mnt/data"}, VPC: config.VPC{SubnetIDs: []string{"subnet-1"}}}
	want := DesiredFrom(fn, "arn:aws:iam::123456789012:role/r")
	if _, err := d.Sync(t.Context(), Remote{}, Plan{}, want, CodeLocation{ZipFile: true}, []byte("zip")); err != nil {
		t.Fatal(err)
	}
	in := api.creates[0]
	if len(in.FileSystemConfigs) != 1 || aws.ToString(in.FileSystemConfigs[0].Arn) != testAccessPoint || aws.ToString(in.FileSystemConfigs[0].LocalMountPath) != "/mnt/data" {
		t.Errorf("CreateFunction FileSystemConfigs = %+v", in.FileSystemConfigs)
	}
	if in.SnapStart == nil || in.SnapStart.ApplyOn != lambdatypes.SnapStartApplyOnPublishedVersions {
		t.Errorf("CreateFunction SnapStart = %+v", in.SnapStart)
	}
	if cs := ConfigChanges(Deployed(api.cfg), want); len(cs) != 0 {
		t.Errorf("after create, changes = %v, want none", cs)
	}

	// Another setting changes: the mount and SnapStart are not sent again.
	fn.Memory = 512
	want = DesiredFrom(fn, want.Role)
	r := Remote{Exists: true, Latest: api.cfg}
	p := PlanFunction(r, want, "sha", "")
	if _, err := d.Sync(t.Context(), r, p, want, CodeLocation{}, nil); err != nil {
		t.Fatal(err)
	}
	if u := api.updates[0]; u.FileSystemConfigs != nil || u.SnapStart != nil {
		t.Errorf("an update of memory sent FileSystemConfigs %v and SnapStart %v", u.FileSystemConfigs, u.SnapStart)
	}

	// Both leave lamb.yaml: an empty mount list and ApplyOn None remove them.
	fn.FileSystem, fn.SnapStart = nil, false
	want = DesiredFrom(fn, want.Role)
	r = Remote{Exists: true, Latest: api.cfg}
	p = PlanFunction(r, want, "sha", "")
	var fields []string
	for _, c := range p.ConfigChanges {
		fields = append(fields, c.Field)
	}
	if !slices.Equal(fields, []string{"memory", "fileSystem", "snapStart"}) {
		t.Errorf("changes = %v, want memory (the fake keeps 128), fileSystem, snapStart", fields)
	}
	if _, err := d.Sync(t.Context(), r, p, want, CodeLocation{}, nil); err != nil {
		t.Fatal(err)
	}
	u := api.updates[1]
	if u.FileSystemConfigs == nil || len(u.FileSystemConfigs) != 0 {
		t.Errorf("removal sent FileSystemConfigs %v, want an empty list", u.FileSystemConfigs)
	}
	if u.SnapStart == nil || u.SnapStart.ApplyOn != lambdatypes.SnapStartApplyOnNone {
		t.Errorf("removal sent SnapStart %+v, want ApplyOn None", u.SnapStart)
	}
}

func TestImageCreateRequest(t *testing.T) {
	api := &featureLambda{t: t}
	d := (&fakeClock{}).deployer(api)
	const uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1"
	want := DesiredFrom(&config.Function{Name: "fn", Image: uri, ImageConfig: &config.ImageConfig{Command: []string{"app.handler"}}}, "r")
	if _, err := d.Sync(t.Context(), Remote{}, Plan{}, want, CodeLocation{ImageURI: uri}, nil); err != nil {
		t.Fatal(err)
	}
	in := api.creates[0]
	if in.PackageType != lambdatypes.PackageTypeImage || aws.ToString(in.Code.ImageUri) != uri || in.Code.ZipFile != nil {
		t.Errorf("CreateFunction package %s, code %+v", in.PackageType, in.Code)
	}
	if in.Runtime != "" || in.Handler != nil {
		t.Errorf("an image function was created with runtime %q, handler %v", in.Runtime, in.Handler)
	}
	if in.ImageConfig == nil || !slices.Equal(in.ImageConfig.Command, []string{"app.handler"}) {
		t.Errorf("ImageConfig = %+v", in.ImageConfig)
	}
	if in.FileSystemConfigs != nil || in.SnapStart != nil {
		t.Errorf("unset settings were sent: %v, %v", in.FileSystemConfigs, in.SnapStart)
	}
}

func TestPackageTypeChange(t *testing.T) {
	t.Parallel()
	zip := &lambdatypes.FunctionConfiguration{FunctionName: aws.String("fn"), PackageType: lambdatypes.PackageTypeZip}
	image := DesiredFrom(&config.Function{Name: "fn", Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/a:b"}, "r")
	err := PackageTypeChange(Remote{Exists: true, Latest: zip}, image)
	var change *PackageTypeChangeError
	if !errors.As(err, &change) || change.From != "Zip" || change.To != "Image" {
		t.Fatalf("err = %v, want a Zip → Image change", err)
	}
	if !strings.Contains(err.Error(), "cannot change a function's package type in place") {
		t.Errorf("message = %q", err)
	}
	if err := PackageTypeChange(Remote{Exists: true, Latest: zip}, DesiredFrom(&config.Function{Name: "fn"}, "r")); err != nil {
		t.Errorf("zip to zip: %v", err)
	}
	if err := PackageTypeChange(Remote{}, image); err != nil {
		t.Errorf("new function: %v", err)
	}
}

// scriptedECR answers DescribeImages, BatchGetImage and
// GetDownloadUrlForLayer as told, and fails the test on any other call.
type scriptedECR struct {
	t        *testing.T
	describe *ecr.DescribeImagesOutput
	err      error
	manifest string
	link     string
	calls    []string
}

func (s *scriptedECR) DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error) {
	s.calls = append(s.calls, "DescribeImages")
	return s.describe, s.err
}

func (s *scriptedECR) BatchGetImage(_ context.Context, in *ecr.BatchGetImageInput, _ ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error) {
	s.calls = append(s.calls, "BatchGetImage")
	if !slices.Contains(in.AcceptedMediaTypes, "application/vnd.oci.image.index.v1+json") {
		s.t.Errorf("BatchGetImage accepts %v: an image index would be converted or refused", in.AcceptedMediaTypes)
	}
	if s.manifest == "" {
		s.t.Error("unexpected BatchGetImage")
	}
	return &ecr.BatchGetImageOutput{Images: []ecrtypes.Image{{ImageManifest: aws.String(s.manifest)}}}, nil
}

func (s *scriptedECR) GetDownloadUrlForLayer(context.Context, *ecr.GetDownloadUrlForLayerInput, ...func(*ecr.Options)) (*ecr.GetDownloadUrlForLayerOutput, error) {
	s.calls = append(s.calls, "GetDownloadUrlForLayer")
	if s.link == "" {
		s.t.Error("unexpected GetDownloadUrlForLayer")
		return nil, errors.New("unexpected")
	}
	return &ecr.GetDownloadUrlForLayerOutput{DownloadUrl: aws.String(s.link)}, nil
}

func TestReadImage(t *testing.T) {
	t.Parallel()
	const uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1"
	found := &ecr.DescribeImagesOutput{ImageDetails: []ecrtypes.ImageDetail{{ImageDigest: aws.String("sha256:aa"), ImageSizeInBytes: aws.Int64(4096)}}}
	blob := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"architecture":"arm64","os":"linux","config":{}}`))
	}))
	t.Cleanup(blob.Close)

	t.Run("single platform", func(t *testing.T) {
		api := &scriptedECR{t: t, describe: found, link: blob.URL,
			manifest: `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"digest":"sha256:cc"},"layers":[]}`}
		img, note, err := ReadImage(t.Context(), api, blob.Client(), uri)
		if err != nil || note != "" {
			t.Fatalf("ReadImage: %v, note %q", err, note)
		}
		if !img.Found || img.Digest != "sha256:aa" || img.SizeBytes != 4096 || img.Architecture != "arm64" || img.Index {
			t.Errorf("image = %+v", img)
		}
	})
	t.Run("index", func(t *testing.T) {
		api := &scriptedECR{t: t, describe: found,
			manifest: `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
				`{"digest":"sha256:11","platform":{"os":"linux","architecture":"amd64"}},` +
				`{"digest":"sha256:22","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},` +
				`{"digest":"sha256:33","platform":{"os":"unknown","architecture":"unknown"}}]}`}
		img, _, err := ReadImage(t.Context(), api, nil, uri)
		if err != nil {
			t.Fatal(err)
		}
		if !img.Index || img.Platforms["x86_64"] != "sha256:11" || img.Platforms["arm64"] != "sha256:22" || len(img.Platforms) != 2 {
			t.Errorf("image = %+v", img)
		}
	})
	t.Run("missing", func(t *testing.T) {
		api := &scriptedECR{t: t, err: &ecrtypes.ImageNotFoundException{Message: aws.String("no such tag")}}
		img, _, err := ReadImage(t.Context(), api, nil, uri)
		if err != nil || img.Found {
			t.Errorf("ReadImage = %+v, %v; want not found, no error", img, err)
		}
		if !slices.Equal(api.calls, []string{"DescribeImages"}) {
			t.Errorf("calls = %v", api.calls)
		}
	})
	t.Run("config unreadable", func(t *testing.T) {
		gone := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(gone.Close)
		api := &scriptedECR{t: t, describe: found, link: gone.URL,
			manifest: `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"digest":"sha256:cc"}}`}
		img, note, err := ReadImage(t.Context(), api, gone.Client(), uri)
		if err != nil || img.Architecture != "" || !strings.Contains(note, "architecture of image "+uri+" not checked") {
			t.Errorf("ReadImage = %+v, %q, %v", img, note, err)
		}
	})
}

// TestEnsureRoleEdgeAndFileSystem: the role of an edge function trusts
// edgelambda too, one with a file system gets the mount policy, and both
// go again when lamb.yaml drops them.
func TestEnsureRoleEdgeAndFileSystem(t *testing.T) {
	client := motoIAM(t)
	spec := RoleSpec{FunctionName: "edge-efs", Region: testenv.Region, Edge: true, FileSystemARN: testAccessPoint}
	if _, _, err := EnsureRole(t.Context(), client, spec); err != nil {
		t.Fatal(err)
	}
	role := RoleName(spec.FunctionName)
	trust := func() []string {
		got, err := client.GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String(role)})
		if err != nil {
			t.Fatal(err)
		}
		s, err := trustServices(aws.ToString(got.Role.AssumeRolePolicyDocument))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := trust(); !slices.Equal(got, []string{"edgelambda.amazonaws.com", "lambda.amazonaws.com"}) {
		t.Errorf("trusted services = %v", got)
	}
	pol, err := client.GetRolePolicy(t.Context(), &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(FileSystemPolicyName)})
	if err != nil {
		t.Fatalf("read the mount policy: %v", err)
	}
	doc, _ := url.QueryUnescape(aws.ToString(pol.PolicyDocument))
	for _, want := range []string{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", testAccessPoint, "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/*"} {
		if !strings.Contains(doc, want) {
			t.Errorf("mount policy %s lacks %s", doc, want)
		}
	}
	if p, err := PlanRole(t.Context(), client, spec); err != nil || p.Changed() {
		t.Errorf("plan after EnsureRole = %+v, %v; want no change", p, err)
	}

	spec.Edge, spec.FileSystemARN = false, ""
	p, err := PlanRole(t.Context(), client, spec)
	if err != nil || p.Trust == "" || !p.DeletePolicy {
		t.Fatalf("plan without edge and file system = %+v, %v", p, err)
	}
	if _, _, err := EnsureRole(t.Context(), client, spec); err != nil {
		t.Fatal(err)
	}
	if got := trust(); !slices.Equal(got, []string{"lambda.amazonaws.com"}) {
		t.Errorf("trusted services = %v, want Lambda alone", got)
	}
	if _, err := client.GetRolePolicy(t.Context(), &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(FileSystemPolicyName)}); err == nil {
		t.Error("the mount policy is still on the role")
	}
	if p, err := PlanRole(t.Context(), client, spec); err != nil || p.Changed() {
		t.Errorf("final plan = %+v, %v; want no change", p, err)
	}
}

// pruneLambda lists three versions and no aliases, and refuses to delete
// the ones CloudFront replicates.
type pruneLambda struct {
	LambdaAPI
	replicated map[string]bool
	deleted    []string
}

func (p *pruneLambda) ListVersionsByFunction(context.Context, *lambda.ListVersionsByFunctionInput, ...func(*lambda.Options)) (*lambda.ListVersionsByFunctionOutput, error) {
	var vs []lambdatypes.FunctionConfiguration
	for _, v := range []string{"$LATEST", "1", "2", "3"} {
		vs = append(vs, lambdatypes.FunctionConfiguration{Version: aws.String(v)})
	}
	return &lambda.ListVersionsByFunctionOutput{Versions: vs}, nil
}

func (p *pruneLambda) ListAliases(context.Context, *lambda.ListAliasesInput, ...func(*lambda.Options)) (*lambda.ListAliasesOutput, error) {
	return &lambda.ListAliasesOutput{}, nil
}

func (p *pruneLambda) DeleteFunction(_ context.Context, in *lambda.DeleteFunctionInput, _ ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error) {
	v := aws.ToString(in.Qualifier)
	if p.replicated[v] {
		return nil, &lambdatypes.InvalidParameterValueException{Message: aws.String("Lambda was unable to delete arn:aws:lambda:us-east-1:123456789012:function:edge:" + v +
			" because it is a replicated function. Please see our documentation for Deleting Lambda@Edge Functions and Replicas.")}
	}
	p.deleted = append(p.deleted, v)
	return &lambda.DeleteFunctionOutput{}, nil
}

func TestPruneKeepsReplicatedVersions(t *testing.T) {
	t.Parallel()
	api := &pruneLambda{replicated: map[string]bool{"1": true}}
	res, err := (&Deployer{Lambda: api}).Prune(t.Context(), "edge", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Deleted, []string{"2"}) || !slices.Equal(res.Protected, []string{"1"}) || !slices.Equal(api.deleted, []string{"2"}) {
		t.Errorf("prune = %+v, deleted %v; want 2 deleted and 1 kept for CloudFront", res, api.deleted)
	}
}
