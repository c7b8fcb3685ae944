package deploy

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestLayerDescriptionCarriesTheHash(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	tests := []struct{ description, want string }{
		{"", "lamb:sha256=" + hash},
		{"shared deps", "shared deps lamb:sha256=" + hash},
	}
	for _, tt := range tests {
		got := LayerDescription(tt.description, hash)
		if got != tt.want || LayerHash(got) != hash {
			t.Errorf("LayerDescription(%q) = %q (hash %q), want %q", tt.description, got, LayerHash(got), tt.want)
		}
	}
	for _, d := range []string{"", "made by hand", "lamb:sha25=" + hash} {
		if h := LayerHash(d); h != "" {
			t.Errorf("LayerHash(%q) = %q, want none", d, h)
		}
	}
}

func TestPlanLayer(t *testing.T) {
	spec := LayerSpec{Name: "deps", Runtimes: []string{"python3.12"}, Architectures: []string{"arm64"}, ContentHash: "h1"}
	const base = "arn:aws:lambda:us-east-1:123456789012:layer:deps"
	latest := &LayerVersion{Version: 3, ARN: base + ":3", LayerARN: base, Description: LayerDescription("", "h1"),
		Runtimes: []string{"python3.12"}, Architectures: []string{"arm64"}}
	with := func(f func(v *LayerVersion)) *LayerVersion {
		v := *latest
		f(&v)
		return &v
	}
	tests := []struct {
		name    string
		latest  *LayerVersion
		reasons []string
		version int64
		arn     string
	}{
		{"never published", nil, []string{"new layer"}, 1, ""},
		{"unchanged", latest, nil, 3, base + ":3"},
		{"new content", with(func(v *LayerVersion) { v.Description = LayerDescription("", "h0") }), []string{"content"}, 4, base + ":4"},
		{"published by hand", with(func(v *LayerVersion) { v.Description = "by hand" }), []string{"content"}, 4, base + ":4"},
		{"other runtimes", with(func(v *LayerVersion) { v.Runtimes = []string{"python3.11"} }), []string{"runtimes"}, 4, base + ":4"},
		{"other architectures", with(func(v *LayerVersion) { v.Architectures = nil }), []string{"architectures"}, 4, base + ":4"},
		{"new description", with(func(v *LayerVersion) { v.Description = LayerDescription("old", "h1") }), []string{"description"}, 4, base + ":4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PlanLayer(spec, tt.latest)
			if p.Publish != (len(tt.reasons) > 0) || !slices.Equal(p.Reasons, tt.reasons) || p.Version != tt.version || p.ARN != tt.arn {
				t.Errorf("plan = %+v, want reasons %q, version %d, arn %q", p, tt.reasons, tt.version, tt.arn)
			}
		})
	}
}

// TestPublishAndPruneLayerOnEmulator publishes two versions of a layer,
// gives a function version the first, and prunes: the first stays while a
// function version uses it, and goes once none does; the newest always
// stays, and a version lamb did not publish is never touched.
func TestPublishAndPruneLayerOnEmulator(t *testing.T) {
	_, _, client, env := motoDeployer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := "lamb-prune-layer"
	zip1, _ := bundle(t, "v1")
	zip2, _ := bundle(t, "v2")

	byHand, err := client.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String(name), Description: aws.String("by hand"),
		Content: &lambdatypes.LayerVersionContentInput{ZipFile: zip1}})
	if err != nil {
		t.Fatal(err)
	}
	spec := LayerSpec{Name: name, Runtimes: []string{"python3.12"}, Architectures: []string{"arm64"}, ContentHash: "h1"}
	v1, err := PublishLayer(ctx, client, spec, CodeLocation{ZipFile: true}, zip1)
	if err != nil {
		t.Fatal(err)
	}
	spec.ContentHash = "h2"
	v2, err := PublishLayer(ctx, client, spec, CodeLocation{ZipFile: true}, zip2)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != byHand.Version+1 || v2.Version != v1.Version+1 || !strings.HasSuffix(v2.ARN, ":"+name+":3") {
		t.Fatalf("versions %d, %d, %d (%s)", byHand.Version, v1.Version, v2.Version, v2.ARN)
	}

	// Read back with the SDK: the hash is in the description, the
	// compatible runtimes and architectures are set.
	got, err := client.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String(name), VersionNumber: aws.Int64(v2.Version)})
	if err != nil {
		t.Fatal(err)
	}
	if LayerHash(aws.ToString(got.Description)) != "h2" || len(got.CompatibleRuntimes) != 1 || got.CompatibleArchitectures[0] != lambdatypes.ArchitectureArm64 {
		t.Errorf("published version = %+v", got)
	}
	versions, err := LayerVersions(ctx, client, name)
	if err != nil || len(versions) != 3 || versions[0].Version != v2.Version {
		t.Fatalf("LayerVersions = %+v, %v", versions, err)
	}
	if p := PlanLayer(spec, &versions[0]); p.Publish || p.ARN != v2.ARN {
		t.Errorf("unchanged layer planned as %+v", p)
	}
	if vs, err := LayerVersions(ctx, client, "lamb-no-such-layer"); err != nil || len(vs) != 0 {
		t.Errorf("missing layer: %+v, %v", vs, err)
	}

	// A function version uses v1.
	fn := "lamb-layer-user"
	in := desired(env, fn)
	in.Layers = []string{v1.ARN}
	code, _ := bundle(t, "fn")
	if _, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(fn), Role: aws.String(in.Role),
		Runtime: lambdatypes.RuntimePython312, Handler: aws.String("app.handler"), Code: &lambdatypes.FunctionCode{ZipFile: code},
		Layers: in.Layers, Publish: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String(fn), Layers: []string{v2.ARN}}); err != nil {
		t.Fatal(err)
	}
	used, err := LayerVersionsInUse(ctx, client, nil)
	if err != nil || !used[v1.ARN] || !used[v2.ARN] {
		t.Fatalf("in use = %v, %v; want %s and %s", used, err, v1.ARN, v2.ARN)
	}
	if but, err := LayerVersionsInUse(ctx, client, map[string]bool{fn + ":1": true}); err != nil || but[v1.ARN] || !but[v2.ARN] {
		t.Fatalf("in use but version 1 = %v, %v; want %s alone", but, err, v2.ARN)
	}
	res, err := PruneLayer(ctx, client, name, used, false)
	if err != nil || len(res.Deleted) != 0 || !slices.Equal(res.InUse, []int64{v1.Version}) || res.Newest != v2.Version {
		t.Fatalf("prune while used = %+v, %v", res, err)
	}

	// Once the function version is gone, v1 goes; the version made by hand stays.
	if _, err := client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(fn), Qualifier: aws.String("1")}); err != nil && !isNotFound(err) {
		t.Fatal(err)
	}
	used, err = LayerVersionsInUse(ctx, client, nil)
	if err != nil || used[v1.ARN] {
		t.Fatalf("in use after the version's deletion = %v, %v", used, err)
	}
	dry, err := PruneLayer(ctx, client, name, used, true)
	if err != nil || !slices.Equal(dry.Deleted, []int64{v1.Version}) {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	if res, err = PruneLayer(ctx, client, name, used, false); err != nil || !slices.Equal(res.Deleted, []int64{v1.Version}) {
		t.Fatalf("prune = %+v, %v", res, err)
	}
	left, err := client.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	var nums []int64
	for _, lv := range left.LayerVersions {
		nums = append(nums, lv.Version)
	}
	slices.Sort(nums)
	if !slices.Equal(nums, []int64{byHand.Version, v2.Version}) {
		t.Errorf("versions left %v, want %d (by hand) and %d (newest)", nums, byHand.Version, v2.Version)
	}
}
