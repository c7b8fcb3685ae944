package cmd

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/deploy"
)

// invokeLambda expects one synchronous invoke of orders-api:qualifier
// with its log tail, and answers with out.
type invokeLambda struct {
	strictLambda
	qualifier string
	out       *lambda.InvokeOutput
	calls     int
	payload   []byte
}

func (f *invokeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.calls++
	if aws.ToString(in.FunctionName) != "orders-api" || aws.ToString(in.Qualifier) != f.qualifier ||
		in.InvocationType != lambdatypes.InvocationTypeRequestResponse || in.LogType != lambdatypes.LogTypeTail {
		f.t.Errorf("Invoke(%s:%s, %s, log %s), want orders-api:%s, RequestResponse, log Tail",
			aws.ToString(in.FunctionName), aws.ToString(in.Qualifier), in.InvocationType, in.LogType, f.qualifier)
	}
	if len(optFns) == 0 {
		f.t.Error("Invoke without a per-call option: the client's 2-minute response timeout would cut long functions")
	}
	f.payload = in.Payload
	return f.out, nil
}

// invokeWith runs `lamb invoke` as the command line builds it, on fake.
func invokeWith(t *testing.T, fake *invokeLambda, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, out, errOut := ui.Test()
	io.In = strings.NewReader(stdin)
	f := NewFactory(io)
	root := NewRootCmd(f)
	for _, c := range root.Commands() {
		if c.Name() == "invoke" {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(newInvokeCmd(f, func(ctx context.Context, opts *InvokeOptions) error {
		opts.Config = fixedConfig(t)
		opts.Lambda = func(context.Context) (deploy.InvokeAPI, error) { return fake, nil }
		return invokeRun(ctx, opts)
	}))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err != nil {
		code, hint := classify(err)
		var silent *silentError
		if !errors.As(err, &silent) {
			errOut.WriteString("error: " + err.Error() + "\nhint: " + hint + "\n")
		}
		return code, out.String(), errOut.String()
	}
	return 0, out.String(), errOut.String()
}

const logTail = "START RequestId: 1\nboom at line 3\nEND RequestId: 1\n"

func failingInvoke(t *testing.T) *invokeLambda {
	return &invokeLambda{strictLambda: strictLambda{t}, qualifier: "live", out: &lambda.InvokeOutput{
		StatusCode: 200, ExecutedVersion: aws.String("3"), FunctionError: aws.String("Unhandled"),
		Payload:   []byte(`{"errorType":"Error","errorMessage":"boom"}`),
		LogResult: aws.String(base64.StdEncoding.EncodeToString([]byte(logTail))),
	}}
}

func TestInvokeFunctionError(t *testing.T) {
	t.Parallel()
	t.Run("text", func(t *testing.T) {
		code, stdout, stderr := invokeWith(t, failingInvoke(t), "", "invoke", "api")
		if code != ExitFailure {
			t.Errorf("exit = %d, want 1", code)
		}
		if stdout != `{"errorType":"Error","errorMessage":"boom"}`+"\n" {
			t.Errorf("stdout = %q, want the error payload", stdout)
		}
		if !strings.HasPrefix(stderr, logTail) || !strings.Contains(stderr, "invoke orders-api:live: the function failed (Unhandled)") {
			t.Errorf("stderr = %q, want the log tail, then the error", stderr)
		}
	})
	t.Run("json", func(t *testing.T) {
		fake := failingInvoke(t)
		fake.qualifier = "2"
		code, stdout, stderr := invokeWith(t, fake, "", "invoke", "api", "--qualifier", "2", "-o", "json")
		if code != ExitFailure || stderr != "" {
			t.Errorf("exit = %d, stderr %q; want 1 and nothing on stderr", code, stderr)
		}
		doc := decode[map[string]any](t, stdout)
		payload, _ := doc["payload"].(map[string]any)
		if doc["function"] != "api" || doc["name"] != "orders-api" || doc["qualifier"] != "2" || doc["version"] != "3" ||
			doc["statusCode"] != 200.0 || doc["functionError"] != "Unhandled" || payload["errorMessage"] != "boom" || doc["logTail"] != logTail {
			t.Errorf("document = %v", doc)
		}
	})
	t.Run("quiet success", func(t *testing.T) {
		fake := failingInvoke(t)
		fake.out.FunctionError, fake.out.Payload = nil, []byte("not json")
		code, stdout, stderr := invokeWith(t, fake, "", "invoke", "api", "-q")
		if code != 0 || stdout != "not json\n" || stderr != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want the payload alone", code, stdout, stderr)
		}
		code, stdout, _ = invokeWith(t, fake, "", "invoke", "api", "-o", "json")
		if doc := decode[map[string]any](t, stdout); code != 0 || doc["payload"] != "not json" || doc["functionError"] != "" {
			t.Errorf("exit %d, document %v; a payload that is not JSON should be a string", code, doc)
		}
	})
}

func TestInvokePayloads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fileOf := func(name string, size int) string {
		path := filepath.Join(dir, name)
		// A JSON string of exactly size bytes.
		write(t, path, []byte(`"`+strings.Repeat("a", size-2)+`"`))
		return path
	}
	atLimit := fileOf("at-limit.json", deploy.MaxSyncPayload)
	overLimit := fileOf("over-limit.json", deploy.MaxSyncPayload+1)
	for _, tt := range []struct {
		name    string
		payload string
		stdin   string
		code    int
		sent    int // bytes sent, when code is 0
		message string
	}{
		{name: "none sends {}", code: 0, sent: 2},
		{name: "inline", payload: `{"id": 1}`, sent: 9},
		{name: "stdin", payload: "-", stdin: `[1, 2]`, sent: 6},
		{name: "file at the limit", payload: "@" + atLimit, sent: deploy.MaxSyncPayload},
		{name: "file over the limit", payload: "@" + overLimit, code: ExitLimit, message: "over-limit.json is larger than 6 MiB"},
		{name: "stdin over the limit", payload: "-", stdin: strings.Repeat(" ", deploy.MaxSyncPayload+1), code: ExitLimit, message: "the payload on standard input is larger"},
		{name: "inline over the limit", payload: strings.Repeat(" ", deploy.MaxSyncPayload+1), code: ExitLimit, message: "a synchronous invoke takes at most 6291456"},
		{name: "not JSON", payload: "{id: 1}", code: ExitUsage, message: "--payload is not a JSON document"},
		{name: "missing file", payload: "@" + filepath.Join(dir, "nope.json"), code: ExitUsage, message: "nope.json"},
		{name: "a folder", payload: "@" + dir, code: ExitUsage, message: "not a regular file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := &invokeLambda{strictLambda: strictLambda{t}, qualifier: "live", out: &lambda.InvokeOutput{StatusCode: 200, Payload: []byte("null")}}
			args := []string{"invoke", "api"}
			if tt.payload != "" {
				args = append(args, "--payload", tt.payload)
			}
			code, _, stderr := invokeWith(t, fake, tt.stdin, args...)
			if code != tt.code || !strings.Contains(stderr, tt.message) {
				t.Fatalf("exit %d, stderr %q; want %d saying %q", code, stderr, tt.code, tt.message)
			}
			if tt.code != 0 {
				if fake.calls != 0 {
					t.Errorf("a refused payload was sent")
				}
				return
			}
			if fake.calls != 1 || len(fake.payload) != tt.sent {
				t.Errorf("%d calls sent %d bytes, want one call with %d", fake.calls, len(fake.payload), tt.sent)
			}
		})
	}
}

func TestInvokeOnMoto(t *testing.T) {
	dir, env, _ := deployedThrice(t)

	env.QueueInvokeResults(t, `{"ok":true}`)
	code, stdout, stderr := lambMoto(t, env, dir, "invoke", "api", "--payload", `{"a":1}`)
	if code != 0 || stdout != `{"ok":true}`+"\n" {
		t.Errorf("invoke: exit %d, stdout %q, stderr %q; want the queued result", code, stdout, stderr)
	}

	// Without a queued result moto echoes the event: the file's content
	// reached the function.
	event := filepath.Join(dir, "event.json")
	write(t, event, []byte(`{"path": "/health"}`))
	code, stdout, stderr = lambMoto(t, env, dir, "invoke", "api", "--qualifier", "2", "--payload", "@"+event, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc := decode[invokeDocument](t, stdout)
	if doc.Function != "api" || doc.Qualifier != "2" || doc.StatusCode != 200 || doc.FunctionError != "" ||
		!bytes.Equal(compactJSON(t, doc.Payload), []byte(`{"path":"/health"}`)) {
		t.Errorf("document %+v, payload %s", doc, doc.Payload)
	}
}

func compactJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
