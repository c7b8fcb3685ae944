package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/testenv"
)

// countingLambda passes every call on and counts reads and writes by
// operation, so tests can assert "zero writes" through the same interface
// deploy uses.
type countingLambda struct {
	LambdaAPI
	mu    sync.Mutex
	calls []string
}

func (c *countingLambda) record(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, op)
}

// writes returns the calls that change something.
func (c *countingLambda) writes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var w []string
	for _, op := range c.calls {
		if !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") {
			w = append(w, op)
		}
	}
	return w
}

func (c *countingLambda) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = nil
}

func (c *countingLambda) GetFunction(ctx context.Context, in *lambda.GetFunctionInput, o ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	c.record("GetFunction")
	return c.LambdaAPI.GetFunction(ctx, in, o...)
}
func (c *countingLambda) CreateFunction(ctx context.Context, in *lambda.CreateFunctionInput, o ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error) {
	c.record("CreateFunction")
	return c.LambdaAPI.CreateFunction(ctx, in, o...)
}
func (c *countingLambda) UpdateFunctionConfiguration(ctx context.Context, in *lambda.UpdateFunctionConfigurationInput, o ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	c.record("UpdateFunctionConfiguration")
	return c.LambdaAPI.UpdateFunctionConfiguration(ctx, in, o...)
}
func (c *countingLambda) UpdateFunctionCode(ctx context.Context, in *lambda.UpdateFunctionCodeInput, o ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	c.record("UpdateFunctionCode")
	return c.LambdaAPI.UpdateFunctionCode(ctx, in, o...)
}
func (c *countingLambda) PublishVersion(ctx context.Context, in *lambda.PublishVersionInput, o ...func(*lambda.Options)) (*lambda.PublishVersionOutput, error) {
	c.record("PublishVersion")
	return c.LambdaAPI.PublishVersion(ctx, in, o...)
}
func (c *countingLambda) TagResource(ctx context.Context, in *lambda.TagResourceInput, o ...func(*lambda.Options)) (*lambda.TagResourceOutput, error) {
	c.record("TagResource")
	return c.LambdaAPI.TagResource(ctx, in, o...)
}
func (c *countingLambda) GetAlias(ctx context.Context, in *lambda.GetAliasInput, o ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	c.record("GetAlias")
	return c.LambdaAPI.GetAlias(ctx, in, o...)
}
func (c *countingLambda) CreateAlias(ctx context.Context, in *lambda.CreateAliasInput, o ...func(*lambda.Options)) (*lambda.CreateAliasOutput, error) {
	c.record("CreateAlias")
	return c.LambdaAPI.CreateAlias(ctx, in, o...)
}
func (c *countingLambda) UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, o ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error) {
	c.record("UpdateAlias")
	return c.LambdaAPI.UpdateAlias(ctx, in, o...)
}
func (c *countingLambda) DeleteFunction(ctx context.Context, in *lambda.DeleteFunctionInput, o ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error) {
	c.record("DeleteFunction")
	return c.LambdaAPI.DeleteFunction(ctx, in, o...)
}

// motoDeployer returns a deployer on the emulator, with its Lambda client
// counted, and the raw client for reading state back independently.
func motoDeployer(t *testing.T) (*Deployer, *countingLambda, *lambda.Client, *testenv.Env) {
	t.Helper()
	env := testenv.Moto(t)
	raw, err := env.Session(t).Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingLambda{LambdaAPI: raw}
	return &Deployer{Lambda: counted, PollInterval: 10e6}, counted, raw, env
}

// bundle returns a zip holding one handler file with the given body, and
// its CodeSha256.
func bundle(t *testing.T, body string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("index.js")
	if err == nil {
		_, err = w.Write([]byte(body))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), base64.StdEncoding.EncodeToString(sum[:])
}

func desired(env *testenv.Env, name string) Desired {
	return Desired{
		Name: name, Runtime: "nodejs22.x", Handler: "index.handler", Role: env.RoleARN,
		Environment: map[string]string{"TABLE": "orders"},
	}.withDefaults()
}
