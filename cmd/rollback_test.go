package cmd

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/ui"
)

func TestRollbackFlags(t *testing.T) {
	t.Parallel()
	io, _, _ := ui.Test()
	f := NewFactory(io)
	var got *RollbackOptions
	c := newRollbackCmd(f, func(_ context.Context, o *RollbackOptions) error { got = o; return nil })
	root := NewRootCmd(f)
	for _, old := range root.Commands() {
		if old.Name() == "rollback" {
			root.RemoveCommand(old)
		}
	}
	root.AddCommand(c)
	root.SetArgs([]string{"rollback", "api", "--to", "7", "--alias", "beta", "-o", "json", "-c", "-"})
	io.In = strings.NewReader("functions: {api: {runtime: nodejs22.x, handler: index.handler}}\n")
	if err := root.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Function != "api" || got.To != "7" || got.Alias != "beta" || !got.JSON {
		t.Errorf("options = %+v", got)
	}
}

func TestRollbackOnMoto(t *testing.T) {
	dir, env, raw := deployedThrice(t)

	code, stdout, stderr := lambMoto(t, env, dir, "rollback", "api")
	if code != 0 || stdout != "api: live 3 → 2\n" {
		t.Fatalf("rollback: exit %d, stdout %q, stderr %q; want api: live 3 → 2", code, stdout, stderr)
	}
	if v, w := aliasOn(t, raw, "live"); v != "2" || len(w) != 0 {
		t.Fatalf("after rollback live is on %s %v, want 2 alone", v, w)
	}

	// A rollback records where it came from: a second one undoes the first.
	code, stdout, _ = lambMoto(t, env, dir, "rollback", "api", "-o", "json")
	doc := decode[rollbackDocument](t, stdout)
	if code != 0 || doc.Function != "api" || doc.Name != "orders-api" || doc.Alias != "live" || doc.From != "2" || doc.To != "3" || !doc.Moved {
		t.Fatalf("second rollback: exit %d, document %+v; want live 2 → 3, moved", code, doc)
	}
	if v, _ := aliasOn(t, raw, "live"); v != "3" {
		t.Fatalf("after the second rollback live is on %s, want 3", v)
	}

	for _, tt := range []struct {
		name, to, want string
	}{
		{"missing version", "9", "version 9 does not exist"},
		{"$LATEST", "$LATEST", "$LATEST is not a published version"},
		{"an alias name", "live", `"live" is not a version number`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := lambMoto(t, env, dir, "rollback", "api", "--to", tt.to)
			if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.want) || !strings.Contains(stderr, "lamb versions api") {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 saying %q with a hint", code, stdout, stderr, tt.want)
			}
			if v, w := aliasOn(t, raw, "live"); v != "3" || len(w) != 0 {
				t.Errorf("refused rollback moved live to %s %v", v, w)
			}
		})
	}

	// Already there: nothing moves.
	code, stdout, _ = lambMoto(t, env, dir, "rollback", "api", "--to", "3")
	if code != 0 || stdout != "api: live already on 3\n" {
		t.Errorf("rollback to where it is: exit %d, stdout %q", code, stdout)
	}
}

func TestRollbackOfAnAliasLambNeverMoved(t *testing.T) {
	dir, env, raw := deployedThrice(t)
	_, err := raw.CreateAlias(t.Context(), &lambda.CreateAliasInput{FunctionName: aws.String("orders-api"), Name: aws.String("beta"), FunctionVersion: aws.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	for alias, want := range map[string]string{
		"beta":  "alias beta of orders-api: lamb recorded no version the alias left (it serves version 1)",
		"gamma": "alias gamma of orders-api: the alias does not exist",
	} {
		code, _, stderr := lambMoto(t, env, dir, "rollback", "api", "--alias", alias)
		if code != ExitUsage || !strings.Contains(stderr, want) {
			t.Errorf("rollback --alias %s: exit %d, stderr %q; want 2 saying %q", alias, code, stderr, want)
		}
	}
	if v, _ := aliasOn(t, raw, "beta"); v != "1" {
		t.Errorf("beta moved to %s", v)
	}
}
