package cmd

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/deploy"
)

// The fake's last update failed, live is split 90/10 over 3 and 2 and
// records 2, beta was created by lamb at 1.
func TestStatusGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		json bool
	}{{"status.txt", false}, {"status.json", true}} {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := ui.Test()
			opts := &StatusOptions{IO: io, Config: fixedConfig(t), Function: "api", JSON: tt.json,
				Lambda: func(context.Context) (deploy.LambdaAPI, error) { return routedLambda{strictLambda{t}}, nil }}
			if err := statusRun(t.Context(), opts); err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, filepath.Join("status", tt.name), out.Bytes())
		})
	}
}

func TestStatusOnMoto(t *testing.T) {
	dir, env, raw := deployedThrice(t)
	if code, _, stderr := lambMoto(t, env, dir, "rollback", "api"); code != 0 {
		t.Fatalf("rollback: %s", stderr)
	}
	code, stdout, stderr := lambMoto(t, env, dir, "status", "api", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := decode[statusDocument](t, stdout)
	latest, err := raw.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String("orders-api")})
	if err != nil {
		t.Fatal(err)
	}
	c := latest.Configuration
	if doc.Function != "api" || doc.Name != "orders-api" || doc.State != string(c.State) || doc.LastUpdateStatus != string(c.LastUpdateStatus) ||
		doc.CodeSha256 != aws.ToString(c.CodeSha256) || doc.CodeSize != c.CodeSize || doc.LastModified != aws.ToString(c.LastModified) {
		t.Errorf("status %+v does not match Lambda's %s/%s %s", doc, c.State, c.LastUpdateStatus, aws.ToString(c.CodeSha256))
	}
	if doc.Alias != "live" || len(doc.Aliases) != 1 || doc.Aliases[0].Name != "live" || doc.Aliases[0].Version != "2" || doc.Aliases[0].PreviousVersion != "3" {
		t.Errorf("aliases %+v; want live on 2, previous 3", doc.Aliases)
	}
}
