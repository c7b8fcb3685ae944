package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

var errUnexpectedCall = errors.New("unexpected Lambda call")

// strictLambda fails the test on every call; fakes embed it and answer
// only the calls their test expects.
type strictLambda struct{ t *testing.T }

func (s strictLambda) unexpected(op string) error {
	s.t.Helper()
	s.t.Errorf("unexpected Lambda call %s", op)
	return errUnexpectedCall
}

func (s strictLambda) GetFunction(context.Context, *lambda.GetFunctionInput, ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	return nil, s.unexpected("GetFunction")
}
func (s strictLambda) CreateFunction(context.Context, *lambda.CreateFunctionInput, ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error) {
	return nil, s.unexpected("CreateFunction")
}
func (s strictLambda) UpdateFunctionConfiguration(context.Context, *lambda.UpdateFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	return nil, s.unexpected("UpdateFunctionConfiguration")
}
func (s strictLambda) UpdateFunctionCode(context.Context, *lambda.UpdateFunctionCodeInput, ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	return nil, s.unexpected("UpdateFunctionCode")
}
func (s strictLambda) PublishVersion(context.Context, *lambda.PublishVersionInput, ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error) {
	return nil, s.unexpected("PublishVersion")
}
func (s strictLambda) TagResource(context.Context, *lambda.TagResourceInput, ...func(*lambda.Options)) (*lambda.TagResourceOutput, error) {
	return nil, s.unexpected("TagResource")
}
func (s strictLambda) GetAlias(context.Context, *lambda.GetAliasInput, ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	return nil, s.unexpected("GetAlias")
}
func (s strictLambda) CreateAlias(context.Context, *lambda.CreateAliasInput, ...func(*lambda.Options)) (*lambda.CreateAliasOutput, error) {
	return nil, s.unexpected("CreateAlias")
}
func (s strictLambda) UpdateAlias(context.Context, *lambda.UpdateAliasInput, ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error) {
	return nil, s.unexpected("UpdateAlias")
}
func (s strictLambda) ListVersionsByFunction(context.Context, *lambda.ListVersionsByFunctionInput, ...func(*lambda.Options)) (*lambda.ListVersionsByFunctionOutput, error) {
	return nil, s.unexpected("ListVersionsByFunction")
}
func (s strictLambda) ListAliases(context.Context, *lambda.ListAliasesInput, ...func(*lambda.Options)) (*lambda.ListAliasesOutput, error) {
	return nil, s.unexpected("ListAliases")
}
func (s strictLambda) DeleteFunction(context.Context, *lambda.DeleteFunctionInput, ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error) {
	return nil, s.unexpected("DeleteFunction")
}
func (s strictLambda) Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	return nil, s.unexpected("Invoke")
}

var _ deploy.LambdaAPI = strictLambda{}

// routedLambda answers the reads of versions and status with a fixed
// function: versions 1–3 (and $LATEST), live on 3 with a tenth of the
// traffic on 2, beta on 1, the last update failed.
type routedLambda struct{ strictLambda }

func (routedLambda) ListVersionsByFunction(_ context.Context, in *lambda.ListVersionsByFunctionInput, _ ...func(*lambda.Options)) (*lambda.ListVersionsByFunctionOutput, error) {
	v := func(n, date, sha string, size int64, desc string) lambdatypes.FunctionConfiguration {
		return lambdatypes.FunctionConfiguration{Version: aws.String(n), LastModified: aws.String(date), CodeSha256: aws.String(sha), CodeSize: size, Description: aws.String(desc)}
	}
	return &lambda.ListVersionsByFunctionOutput{Versions: []lambdatypes.FunctionConfiguration{
		v("$LATEST", "2026-03-02T09:30:00.000+0000", "bGF0ZXN0LWNvZGUtaGFzaA==", 2048, ""),
		v("1", "2026-03-01T08:00:00.000+0000", "b25lLWNvZGUtaGFzaC1oZXJl", 1024, "lamb 1.2.0 content 1111aaaa2222"),
		v("2", "2026-03-01T12:15:59.000+0000", "dHdvLWNvZGUtaGFzaC1oZXJl", 1536, ""),
		v("3", "2026-03-02T09:30:00.000+0000", "dGhyZWUtY29kZS1oYXNoLWg=", 2048, "lamb 1.3.0 content 3333cccc4444"),
	}}, nil
}

func (routedLambda) ListAliases(context.Context, *lambda.ListAliasesInput, ...func(*lambda.Options)) (*lambda.ListAliasesOutput, error) {
	return &lambda.ListAliasesOutput{Aliases: []lambdatypes.AliasConfiguration{
		{Name: aws.String("live"), FunctionVersion: aws.String("3"), Description: aws.String("lamb: previous=2"),
			RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.1}}},
		{Name: aws.String("beta"), FunctionVersion: aws.String("1"), Description: aws.String("lamb: created")},
	}}, nil
}

func (routedLambda) GetFunction(_ context.Context, in *lambda.GetFunctionInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	return &lambda.GetFunctionOutput{Configuration: &lambdatypes.FunctionConfiguration{
		FunctionName: in.FunctionName, State: lambdatypes.StateActive, LastUpdateStatus: lambdatypes.LastUpdateStatusFailed,
		LastUpdateStatusReason: aws.String("The role defined for the function cannot be assumed by Lambda."),
		CodeSha256:             aws.String("bGF0ZXN0LWNvZGUtaGFzaA=="), CodeSize: 2048, LastModified: aws.String("2026-03-02T09:30:00.000+0000"),
	}}, nil
}

// fixedConfig is a lamb.yaml with one function, api, named orders-api.
func fixedConfig(t *testing.T) func() (*config.Config, error) {
	t.Helper()
	cfg, err := config.Parse(t.Context(), []byte("functions:\n  api:\n    name: orders-api\n    runtime: nodejs22.x\n    handler: index.handler\n"), filepath.Join(t.TempDir(), "lamb.yaml"), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return func() (*config.Config, error) { return cfg, nil }
}

func TestVersionsGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		json bool
	}{{"table.txt", false}, {"doc.json", true}} {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := ui.Test()
			opts := &VersionsOptions{IO: io, Config: fixedConfig(t), Function: "api", JSON: tt.json,
				Lambda: func(context.Context) (deploy.LambdaAPI, error) { return routedLambda{strictLambda{t}}, nil }}
			if err := versionsRun(t.Context(), opts); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("versions", tt.name), out.Bytes())
		})
	}
}

// opsProject is a project with one function, api (orders-api), on the
// emulator's role; the stage "small" keeps one version.
func opsProject(t *testing.T, env *testenv.Env) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("LAMB_CACHE_DIR", t.TempDir())
	yaml := "functions:\n  api:\n    name: orders-api\n    runtime: nodejs22.x\n    handler: index.handler\n    role: " + env.RoleARN +
		"\n    package: {dependencies: none}\nstages:\n  small:\n    functions: {api: {deploy: {keepVersions: 1}}}\n"
	write(t, filepath.Join(dir, "lamb.yaml"), []byte(yaml))
	return dir
}

// deployedThrice deploys api with three different codes through `lamb
// deploy`, so that versions 1–3 exist and live is on 3, recording 2.
func deployedThrice(t *testing.T) (dir string, env *testenv.Env, raw *lambda.Client) {
	t.Helper()
	env = testenv.Moto(t)
	dir = opsProject(t, env)
	for i := range 3 {
		write(t, filepath.Join(dir, "index.js"), []byte("exports.handler = async () => "+string(rune('1'+i))+";\n"))
		if code, _, stderr := lambMoto(t, env, dir, "deploy"); code != 0 {
			t.Fatalf("deploy %d: exit %d\n%s", i+1, code, stderr)
		}
	}
	raw, err := env.Session(t).Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return dir, env, raw
}

// lambMoto runs lamb with args on the project in dir, against the emulator.
func lambMoto(t *testing.T, env *testenv.Env, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, out, errOut := ui.Test()
	code = Run(t.Context(), io, append(args, "-c", filepath.Join(dir, "lamb.yaml"), "--endpoint-url", env.Endpoint))
	return code, out.String(), errOut.String()
}

// aliasOn reads where an alias is, with the SDK directly.
func aliasOn(t *testing.T, raw *lambda.Client, alias string) (string, map[string]float64) {
	t.Helper()
	a, err := raw.GetAlias(t.Context(), &lambda.GetAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String(alias)})
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]float64
	if a.RoutingConfig != nil {
		w = a.RoutingConfig.AdditionalVersionWeights
	}
	return aws.ToString(a.FunctionVersion), w
}

func decode[T any](t *testing.T, stdout string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("stdout is not the JSON document: %v\n%s", err, stdout)
	}
	return v
}

func TestVersionsOnMoto(t *testing.T) {
	dir, env, raw := deployedThrice(t)

	code, stdout, stderr := lambMoto(t, env, dir, "versions", "api", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := decode[versionsDocument](t, stdout)
	var got []string
	for _, v := range doc.Versions {
		got = append(got, v.Version)
		want := map[string]float64{}
		if v.Version == "3" {
			want["live"] = 1
		}
		if !mapsEqual(v.Aliases, want) {
			t.Errorf("version %s aliases = %v, want %v", v.Version, v.Aliases, want)
		}
		fc, err := raw.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("orders-api"), Qualifier: aws.String(v.Version)})
		if err != nil {
			t.Fatal(err)
		}
		if v.CodeSha256 != aws.ToString(fc.Configuration.CodeSha256) {
			t.Errorf("version %s code = %s, Lambda says %s", v.Version, v.CodeSha256, aws.ToString(fc.Configuration.CodeSha256))
		}
	}
	if !slices.Equal(got, []string{"3", "2", "1"}) || doc.Function != "api" || doc.Name != "orders-api" {
		t.Fatalf("versions of %s (%s) = %v, want 3 2 1 of api (orders-api)", doc.Function, doc.Name, got)
	}

	// A shift under way: nine tenths on 3, one on 2; the table shows both.
	_, err := raw.UpdateAlias(t.Context(), &lambda.UpdateAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String("live"),
		FunctionVersion: aws.String("3"), RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.1}}})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = lambMoto(t, env, dir, "versions", "orders-api")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "3 ") || !strings.HasSuffix(lines[1], "live (90%)") ||
		!strings.HasPrefix(lines[2], "2 ") || !strings.HasSuffix(lines[2], "live (10%)") || !strings.HasSuffix(lines[3], "-") {
		t.Errorf("table does not show live split 90/10 over 3 and 2:\n%s", stdout)
	}
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestVersionsOfAFunctionNotDeployed(t *testing.T) {
	env := testenv.Moto(t)
	dir := opsProject(t, env)
	code, _, stderr := lambMoto(t, env, dir, "versions", "api")
	if code != ExitFailure || !strings.Contains(stderr, "orders-api") || !strings.Contains(stderr, "hint: is orders-api deployed") {
		t.Errorf("exit %d, stderr %q; want 1 with a hint to deploy", code, stderr)
	}
}
