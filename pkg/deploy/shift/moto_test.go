package shift

import (
	"archive/zip"
	"bytes"
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/progress"
)

const (
	fn    = "orders"
	alias = "live"
)

// moto is one test's emulator with raw clients, to set things up and read
// state back independently of the code under test.
type moto struct {
	env    *testenv.Env
	lambda *lambda.Client
	cw     *cloudwatch.Client
}

func newMoto(t *testing.T) *moto {
	t.Helper()
	env := testenv.Moto(t)
	sess := env.Session(t)
	lc, err := sess.Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cw, err := sess.CloudWatch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return &moto{env: env, lambda: lc, cw: cw}
}

// function creates fn with published versions 1 and 2 and the alias on
// version 1, recording previous version "0" the way lamb would.
func (m *moto) function(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	_, err := m.lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(fn), Runtime: lambdatypes.RuntimeNodejs22x, Handler: aws.String("index.handler"),
		Role: aws.String(m.env.RoleARN), Code: &lambdatypes.FunctionCode{ZipFile: handlerZip(t, "1")}, Publish: true,
	})
	if err != nil {
		t.Fatalf("create %s: %v", fn, err)
	}
	m.publish(t, "2")
	if _, err := m.lambda.CreateAlias(ctx, &lambda.CreateAliasInput{
		FunctionName: aws.String(fn), Name: aws.String(alias), FunctionVersion: aws.String("1"),
		Description: aws.String("lamb: previous=0"),
	}); err != nil {
		t.Fatalf("create alias: %v", err)
	}
}

// publish uploads new code and publishes it as the next version.
func (m *moto) publish(t *testing.T, body string) {
	t.Helper()
	if _, err := m.lambda.UpdateFunctionCode(t.Context(), &lambda.UpdateFunctionCodeInput{
		FunctionName: aws.String(fn), ZipFile: handlerZip(t, body), Publish: true,
	}); err != nil {
		t.Fatalf("publish %s: %v", fn, err)
	}
}

func handlerZip(t *testing.T, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("index.js")
	if err == nil {
		_, err = w.Write([]byte("exports.handler = async () => " + body))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// aliasState is the alias as moto holds it.
type aliasState struct {
	Version     string
	Weights     map[string]float64
	Description string
}

func (m *moto) alias(t *testing.T) aliasState {
	t.Helper()
	out, err := m.lambda.GetAlias(context.Background(), &lambda.GetAliasInput{FunctionName: aws.String(fn), Name: aws.String(alias)})
	if err != nil {
		t.Fatalf("read alias back: %v", err)
	}
	st := aliasState{Version: aws.ToString(out.FunctionVersion), Description: aws.ToString(out.Description)}
	if out.RoutingConfig != nil && len(out.RoutingConfig.AdditionalVersionWeights) > 0 {
		st.Weights = maps.Clone(out.RoutingConfig.AdditionalVersionWeights)
	}
	return st
}

func (m *moto) alarm(t *testing.T, name string, state cwtypes.StateValue) {
	t.Helper()
	ctx := context.Background()
	if _, err := m.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), MetricName: aws.String("Errors"), Namespace: aws.String("AWS/Lambda"),
		Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
		Dimensions:         []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String(fn)}},
	}); err != nil {
		t.Fatalf("PutMetricAlarm %s: %v", name, err)
	}
	m.setAlarm(t, name, state)
}

func (m *moto) setAlarm(t *testing.T, name string, state cwtypes.StateValue) {
	t.Helper()
	if _, err := m.cw.SetAlarmState(context.Background(), &cloudwatch.SetAlarmStateInput{
		AlarmName: aws.String(name), StateValue: state, StateReason: aws.String("test"),
	}); err != nil {
		t.Fatalf("SetAlarmState %s: %v", name, err)
	}
}

// metrics puts Lambda's per-version sums for one minute at at, with the
// dimensions Lambda publishes them under for an alias.
func (m *moto) metrics(t *testing.T, version string, at time.Time, errs, invocations float64) {
	t.Helper()
	dims := []cwtypes.Dimension{
		{Name: aws.String("FunctionName"), Value: aws.String(fn)},
		{Name: aws.String("Resource"), Value: aws.String(fn + ":" + alias)},
		{Name: aws.String("ExecutedVersion"), Value: aws.String(version)},
	}
	if _, err := m.cw.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("AWS/Lambda"),
		MetricData: []cwtypes.MetricDatum{
			{MetricName: aws.String("Errors"), Dimensions: dims, Timestamp: aws.Time(at), Value: aws.Float64(errs), Unit: cwtypes.StandardUnitCount},
			{MetricName: aws.String("Invocations"), Dimensions: dims, Timestamp: aws.Time(at), Value: aws.Float64(invocations), Unit: cwtypes.StandardUnitCount},
		},
	}); err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
}

// fakeClock advances only when the engine sleeps; onSleep runs after each
// sleep with its number (from 1), standing in for the world changing
// during a bake.
type fakeClock struct {
	now     time.Time
	sleeps  int
	onSleep func(n int)
	slept   []time.Duration
}

func newClock() *fakeClock {
	// Whole minutes keep the metric windows easy to reason about; recent
	// enough that CloudWatch keeps the datapoints.
	return &fakeClock{now: time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)}
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.now = c.now.Add(d)
	c.sleeps++
	c.slept = append(c.slept, d)
	if c.onSleep != nil {
		c.onSleep(c.sleeps)
	}
	return ctx.Err()
}

// engine returns a direct engine on moto driven by clock.
func (m *moto) engine(clock *fakeClock) *Direct {
	return &Direct{Lambda: m.lambda, CloudWatch: m.cw, PollInterval: 30 * time.Second, Sleep: clock.Sleep, Now: clock.Now}
}

// events records progress events.
type events struct {
	mu  sync.Mutex
	all []progress.Event
}

func (e *events) Event(ev progress.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) of(kind progress.Kind) []progress.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []progress.Event
	for _, ev := range e.all {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}
