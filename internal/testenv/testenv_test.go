package testenv_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lambcli/lamb/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestServicesThroughAwsconf proves that the config and clients the CLI builds
// work against the emulator for every service lamb uses.
func TestServicesThroughAwsconf(t *testing.T) {
	env := testenv.Moto(t)
	sess := env.Session(t)
	ctx := t.Context()

	t.Run("sts identity", func(t *testing.T) {
		caller, err := sess.Identity(ctx)
		if err != nil {
			t.Fatalf("Identity: %v", err)
		}
		if caller.Account != testenv.AccountID {
			t.Errorf("account = %q, want %q", caller.Account, testenv.AccountID)
		}
	})

	t.Run("s3 put and head", func(t *testing.T) {
		c := must(sess.S3(ctx))(t)
		body := bytes.Repeat([]byte("lamb"), 1000)
		put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String("fn/app.zip"), Body: bytes.NewReader(body)})
		if err != nil {
			t.Fatalf("PutObject: %v", err)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String("fn/app.zip")})
		if err != nil {
			t.Fatalf("HeadObject: %v", err)
		}
		if aws.ToInt64(head.ContentLength) != int64(len(body)) {
			t.Errorf("ContentLength = %d, want %d", aws.ToInt64(head.ContentLength), len(body))
		}
		if aws.ToString(head.ETag) != aws.ToString(put.ETag) {
			t.Errorf("ETag = %s, want %s from PutObject", aws.ToString(head.ETag), aws.ToString(put.ETag))
		}
	})

	t.Run("lambda create, list and invoke", func(t *testing.T) {
		c := must(sess.Lambda(ctx))(t)
		createFunction(t, env, c, "hello")
		list, err := c.ListFunctions(ctx, &lambda.ListFunctionsInput{})
		if err != nil {
			t.Fatalf("ListFunctions: %v", err)
		}
		if len(list.Functions) != 1 || aws.ToString(list.Functions[0].FunctionName) != "hello" {
			t.Fatalf("ListFunctions = %d functions, want just hello", len(list.Functions))
		}
		env.QueueInvokeResults(t, `{"ok":1}`, `{"ok":2}`)
		for _, want := range []string{`{"ok":1}`, `{"ok":2}`} {
			out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("hello"), Payload: []byte(`{}`)})
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			if string(out.Payload) != want {
				t.Errorf("Invoke payload = %s, want queued %s", out.Payload, want)
			}
		}
	})

	t.Run("cloudwatch alarms", func(t *testing.T) {
		c := must(sess.CloudWatch(ctx))(t)
		_, err := c.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName:          aws.String("hello-errors"),
			MetricName:         aws.String("Errors"),
			Namespace:          aws.String("AWS/Lambda"),
			Statistic:          cwtypes.StatisticSum,
			Period:             aws.Int32(60),
			EvaluationPeriods:  aws.Int32(1),
			Threshold:          aws.Float64(1),
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
			Dimensions:         []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("hello")}},
		})
		if err != nil {
			t.Fatalf("PutMetricAlarm: %v", err)
		}
		if _, err := c.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
			AlarmName: aws.String("hello-errors"), StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("test"),
		}); err != nil {
			t.Fatalf("SetAlarmState: %v", err)
		}
		out, err := c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"hello-errors"}})
		if err != nil {
			t.Fatalf("DescribeAlarms: %v", err)
		}
		if len(out.MetricAlarms) != 1 || out.MetricAlarms[0].StateValue != cwtypes.StateValueAlarm {
			t.Fatalf("DescribeAlarms = %+v, want hello-errors in ALARM", out.MetricAlarms)
		}
	})
}

// TestEachCallStartsClean checks that state from one test never leaks into the
// next, and that the role and bucket are back after the reset.
func TestEachCallStartsClean(t *testing.T) {
	first := testenv.Moto(t)
	c := must(first.Session(t).Lambda(t.Context()))(t)
	createFunction(t, first, c, "leftover")
	first.QueueInvokeResults(t, `"stale"`)

	second := testenv.Moto(t)
	if second.Endpoint != first.Endpoint {
		t.Errorf("second call started another server: %s, then %s", first.Endpoint, second.Endpoint)
	}
	sess := second.Session(t)
	c = must(sess.Lambda(t.Context()))(t)
	list, err := c.ListFunctions(t.Context(), &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatalf("ListFunctions: %v", err)
	}
	if len(list.Functions) != 0 {
		t.Errorf("after reset, ListFunctions = %d functions, want none", len(list.Functions))
	}
	if second.RoleARN != "arn:aws:iam::"+testenv.AccountID+":role/"+testenv.RoleName {
		t.Errorf("RoleARN = %q", second.RoleARN)
	}
	if _, err := must(sess.S3(t.Context()))(t).HeadBucket(t.Context(), &s3.HeadBucketInput{Bucket: aws.String(second.Bucket)}); err != nil {
		t.Errorf("HeadBucket %s after reset: %v", second.Bucket, err)
	}
	createFunction(t, second, c, "fresh")
	out, err := c.Invoke(t.Context(), &lambda.InvokeInput{FunctionName: aws.String("fresh"), Payload: []byte(`{"echo":true}`)})
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	if string(out.Payload) != `{"echo":true}` {
		t.Errorf("Invoke after reset = %s, want the request echoed", out.Payload)
	}
}

// TestMotoMissing checks the contract CI relies on: without moto_server a test
// is skipped, unless LAMB_REQUIRE_MOTO is set, when it fails; a moto_server
// named by LAMB_MOTO_SERVER that does not exist always fails.
func TestMotoMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-moto_server")
	tests := []struct {
		name, require, server string
		wantFail              bool
		want                  []string
	}{
		{name: "not required", want: []string{"moto_server not found", "make emulator"}},
		{name: "required=0", require: "0", want: []string{"moto_server not found", "make emulator"}},
		{name: "required", require: "1", wantFail: true, want: []string{"moto_server not found", "make emulator"}},
		{name: "named server missing", server: missing, wantFail: true, want: []string{testenv.ServerEnv + "=" + missing, "unset it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Outside the module, so that its .venv is not found either.
			t.Chdir(t.TempDir())
			t.Setenv("PATH", t.TempDir())
			t.Setenv(testenv.RequireEnv, tt.require)
			t.Setenv(testenv.ServerEnv, tt.server)
			rec := &recordingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				testenv.Moto(rec)
				rec.returned = true
			}()
			<-done
			if rec.returned {
				t.Fatal("Moto returned without a moto_server to run")
			}
			if got := rec.failed != ""; got != tt.wantFail {
				t.Errorf("failed = %v (%q), want %v; skipped with %q", got, rec.failed, tt.wantFail, rec.skipped)
			}
			msg := rec.failed + rec.skipped
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// recordingTB stands in for the test given to Moto, recording a skip or a
// failure and stopping the goroutine the way testing does.
type recordingTB struct {
	testing.TB
	failed, skipped string
	returned        bool
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recordingTB) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recordingTB) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func createFunction(t *testing.T, env *testenv.Env, c *lambda.Client, name string) {
	t.Helper()
	_, err := c.CreateFunction(t.Context(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      lambdatypes.RuntimeNodejs22x,
		Handler:      aws.String("index.handler"),
		Role:         aws.String(env.RoleARN),
		Code:         &lambdatypes.FunctionCode{ZipFile: handlerZip(t)},
	})
	if err != nil {
		t.Fatalf("CreateFunction %s: %v (moto log: %s)", name, err, env.LogPath())
	}
}

func handlerZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("index.js")
	if err == nil {
		_, err = w.Write([]byte("exports.handler = async (e) => e;\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// must returns a function that fails the test on err and otherwise returns v,
// so a client can be taken from a session in one expression.
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
