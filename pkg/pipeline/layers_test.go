package pipeline

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/deploy"
)

// TestLayerPublishedOnceForSeveralFunctions: two functions, deployed at
// once, share a local layer: one version is published, before both, and
// each function's configuration names its ARN; a second deploy writes
// nothing.
func TestLayerPublishedOnceForSeveralFunctions(t *testing.T) {
	env := testenv.MotoWithManagedPolicies(t)
	cfg := project(t, `layers:
  shared: {name: pl-shared, source: layer, runtimes: [nodejs22.x], package: {dependencies: none}}
functions:
  pl-api: {source: fn, runtime: nodejs22.x, handler: index.handler, layers: [shared], package: {dependencies: none}}
  pl-worker: {source: fn, runtime: nodejs22.x, handler: index.handler, layers: [shared], package: {dependencies: none}}
`, map[string]string{"fn/index.js": "exports.handler = async () => require('greeting');\n", "layer/greeting.js": "module.exports = 'hi';\n"})
	log := &callLog{}
	o := deployOptions(t, env, log)
	clients, err := o.Clients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	clients.Layers = clients.Lambda.(deploy.LayerPublishAPI)
	o.Clients = func(context.Context) (DeployClients, error) { return clients, nil }

	rep, err := Deploy(t.Context(), cfg, cfg.Functions, o)
	if err != nil {
		t.Fatalf("deploy: %v (%+v)", err, rep)
	}
	if len(rep.Layers) != 1 || rep.Layers[0].Action != LayerPublished || rep.Layers[0].Version != 1 {
		t.Fatalf("layers = %+v", rep.Layers)
	}
	published := 0
	publishedAt, firstFunctionWrite := -1, -1
	for i, c := range log.calls {
		switch {
		case c == "Lambda:PublishLayerVersion":
			published++
			publishedAt = i
		case c == "Lambda:CreateFunction" && firstFunctionWrite < 0:
			firstFunctionWrite = i
		}
	}
	if published != 1 || publishedAt > firstFunctionWrite {
		t.Errorf("PublishLayerVersion called %d times, at %d, first CreateFunction at %d: %q", published, publishedAt, firstFunctionWrite, log.calls)
	}
	raw := lambda.NewFromConfig(env.AWSConfig(t))
	for _, fn := range []string{"pl-api", "pl-worker"} {
		c, err := raw.GetFunctionConfiguration(t.Context(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(fn)})
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Layers) != 1 || aws.ToString(c.Layers[0].Arn) != rep.Layers[0].ARN || !strings.HasSuffix(rep.Layers[0].ARN, ":layer:pl-shared:1") {
			t.Errorf("%s layers = %+v, want %s", fn, c.Layers, rep.Layers[0].ARN)
		}
	}
	if rep.Layers[0].Bytes == 0 {
		t.Errorf("layer zip size not reported: %+v", rep.Layers[0])
	}

	log.reset()
	rep, err = Deploy(t.Context(), cfg, cfg.Functions, o)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := log.writes(); len(w) != 0 {
		t.Errorf("redeploy wrote %q", w)
	}
	if rep.Layers[0].Action != LayerUpToDate || slices.ContainsFunc(rep.Functions, func(f DeployResult) bool { return f.Outcome != OutcomeUpToDate }) {
		t.Errorf("redeploy = %+v", rep)
	}
}
