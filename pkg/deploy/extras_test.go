package deploy

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/config"
)

// extrasOnMoto deploys a function with its alias live on the emulator and
// returns a deployer whose calls are logged, the log, the raw client for
// reading state back, and the function as lamb.yaml would give it.
func extrasOnMoto(t *testing.T) (*Deployer, *testenv.Calls, *lambda.Client, *config.Function) {
	t.Helper()
	d, _, raw, env := motoDeployer(t)
	zip, sha := bundle(t, "exports.handler = async () => 1;\n")
	deployOnce(t, d, desired(env, "orders-api"), zip, sha)
	calls := &testenv.Calls{}
	d.Lambda = lambda.New(raw.Options(), func(o *lambda.Options) { o.APIOptions = append(o.APIOptions, calls.Record) })
	return d, calls, raw, &config.Function{Name: "orders-api", Deploy: config.Deploy{Alias: "live"}}
}

// syncExtras reads the function as the read step does, then syncs its
// extras; the log holds only the calls SyncExtras made.
func syncExtras(t *testing.T, d *Deployer, log *testenv.Calls, fn *config.Function) []Change {
	t.Helper()
	r, err := d.Read(t.Context(), fn.Name, fn.Deploy.Alias)
	if err != nil {
		t.Fatal(err)
	}
	log.Reset()
	changes, err := d.SyncExtras(t.Context(), ExtrasFrom(fn, r))
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

func fields(cs []Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	return strings.Join(out, "; ")
}

// ownership reads lamb's record straight from the function's tags.
func ownership(t *testing.T, raw *lambda.Client, name string) (string, bool) {
	t.Helper()
	out, err := raw.GetFunction(t.Context(), &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := out.Tags[OwnershipTag]
	return v, ok
}

func readURL(t *testing.T, raw *lambda.Client) *lambda.GetFunctionUrlConfigOutput {
	t.Helper()
	out, err := raw.GetFunctionUrlConfig(t.Context(), &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("orders-api"), Qualifier: aws.String("live")})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFunctionURLCreatedUpdatedAndRemovedWhenLambOwnsIt(t *testing.T) {
	d, log, raw, fn := extrasOnMoto(t)

	// functionUrl: {cors: ...} — AWS_IAM unless lamb.yaml says otherwise.
	fn.FunctionURL = &config.FunctionURL{AuthType: config.DefaultURLAuthType, CORS: &config.CORS{AllowOrigins: []string{"https://a.example"}, MaxAge: 60}}
	changes := syncExtras(t, d, log, fn)
	if got, want := fields(changes), "functionUrl.authType: AWS_IAM; functionUrl.cors.allowOrigins: https://a.example; functionUrl.cors.maxAge: 60"; got != want {
		t.Errorf("changes = %s, want %s", got, want)
	}
	u := readURL(t, raw)
	if u == nil || u.AuthType != lambdatypes.FunctionUrlAuthTypeAwsIam || u.Cors == nil || !slices.Equal(u.Cors.AllowOrigins, []string{"https://a.example"}) {
		t.Fatalf("function URL = %+v, want AWS_IAM with the origin", u)
	}
	if v, _ := ownership(t, raw, "orders-api"); v != "url" {
		t.Errorf("%s = %q, want url", OwnershipTag, v)
	}

	// Unchanged: one read, no write.
	if changes := syncExtras(t, d, log, fn); len(changes) != 0 {
		t.Errorf("unchanged URL: changes %s", fields(changes))
	}
	if all, writes := log.All(), log.Writes(); len(writes) != 0 || len(all) != 1 {
		t.Errorf("unchanged URL made calls %q, want one read and no write", all)
	}

	// A change to the CORS policy alone is applied.
	fn.FunctionURL.CORS.AllowOrigins = []string{"https://b.example"}
	if got, want := fields(syncExtras(t, d, log, fn)), "functionUrl.cors.allowOrigins: https://a.example → https://b.example"; got != want {
		t.Errorf("changes = %s, want %s", got, want)
	}
	if writes := log.Writes(); !slices.Equal(writes, []string{"UpdateFunctionUrlConfig"}) {
		t.Errorf("CORS change wrote %q", writes)
	}
	if u := readURL(t, raw); u == nil || !slices.Equal(u.Cors.AllowOrigins, []string{"https://b.example"}) {
		t.Errorf("function URL after the CORS change = %+v", u)
	}

	// functionUrl leaves lamb.yaml: lamb made it, so lamb deletes it.
	fn.FunctionURL = nil
	if got := fields(syncExtras(t, d, log, fn)); !strings.HasPrefix(got, "functionUrl: https://") || !strings.HasSuffix(got, "→ (unset)") {
		t.Errorf("changes = %s, want the URL removed", got)
	}
	if u := readURL(t, raw); u != nil {
		t.Errorf("function URL still there after it left lamb.yaml: %+v", u)
	}
	if v, ok := ownership(t, raw, "orders-api"); ok {
		t.Errorf("%s = %q after lamb deleted all it owned, want the tag gone", OwnershipTag, v)
	}

	// Nothing set, nothing owned: no call at all.
	syncExtras(t, d, log, fn)
	if all := log.All(); len(all) != 0 {
		t.Errorf("a function without extras made calls %q, want none", all)
	}
}

func TestFunctionURLLambDidNotCreateIsNeverRemoved(t *testing.T) {
	d, log, raw, fn := extrasOnMoto(t)
	_, err := raw.CreateFunctionUrlConfig(t.Context(), &lambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String("orders-api"), Qualifier: aws.String("live"), AuthType: lambdatypes.FunctionUrlAuthTypeAwsIam,
	})
	if err != nil {
		t.Fatal(err)
	}

	// lamb.yaml without functionUrl: someone else's URL is left alone,
	// without even a read.
	syncExtras(t, d, log, fn)
	if all := log.All(); len(all) != 0 {
		t.Errorf("calls %q, want none", all)
	}

	// lamb.yaml takes it over: it is kept in sync, but not recorded as lamb's.
	fn.FunctionURL = &config.FunctionURL{AuthType: "AWS_IAM", CORS: &config.CORS{AllowMethods: []string{"GET"}}}
	if got, want := fields(syncExtras(t, d, log, fn)), "functionUrl.cors.allowMethods: GET"; got != want {
		t.Errorf("changes = %s, want %s", got, want)
	}
	if writes := log.Writes(); !slices.Equal(writes, []string{"UpdateFunctionUrlConfig"}) {
		t.Errorf("writes = %q, want the update alone (no ownership record)", writes)
	}

	fn.FunctionURL = nil
	syncExtras(t, d, log, fn)
	if u := readURL(t, raw); u == nil {
		t.Error("lamb deleted a function URL it did not create")
	}
	if _, ok := ownership(t, raw, "orders-api"); ok {
		t.Errorf("%s set on a function whose extras lamb did not create", OwnershipTag)
	}
}

func TestReservedConcurrencySetChangedAndRemoved(t *testing.T) {
	d, log, raw, fn := extrasOnMoto(t)
	reserved := func() *int32 {
		out, err := raw.GetFunctionConcurrency(t.Context(), &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("orders-api")})
		if err != nil {
			t.Fatal(err)
		}
		return out.ReservedConcurrentExecutions
	}
	n := func(v int) *int { return &v }
	steps := []struct {
		name    string
		set     *int
		changes string
		want    *int32
	}{
		{"set", n(50), "concurrency.reserved: 50", aws.Int32(50)},
		{"unchanged", n(50), "", aws.Int32(50)},
		{"changed", n(20), "concurrency.reserved: 50 → 20", aws.Int32(20)},
		{"zero throttles", n(0), "concurrency.reserved: 20 → 0", aws.Int32(0)},
		{"removed", nil, "concurrency.reserved: 0 → (unset)", nil},
	}
	for _, s := range steps {
		fn.Concurrency.Reserved = s.set
		if got := fields(syncExtras(t, d, log, fn)); got != s.changes {
			t.Errorf("%s: changes = %q, want %q", s.name, got, s.changes)
		}
		if got := reserved(); (got == nil) != (s.want == nil) || (got != nil && *got != *s.want) {
			t.Errorf("%s: reserved concurrency = %v, want %v", s.name, aws.ToInt32(got), aws.ToInt32(s.want))
		}
	}
	if _, ok := ownership(t, raw, "orders-api"); ok {
		t.Errorf("%s still set after the last owned setting left", OwnershipTag)
	}
}

func TestAsyncSettingsSetAndRemoved(t *testing.T) {
	d, log, raw, fn := extrasOnMoto(t)
	one := 1
	fn.Async = config.Async{Retries: &one}
	fn.Destinations = config.Destinations{OnFailure: "arn:aws:sqs:us-east-1:123456789012:failed"}
	want := "async.retries: 1; async.maxEventAge: 21600; destinations.onFailure: arn:aws:sqs:us-east-1:123456789012:failed"
	if got := fields(syncExtras(t, d, log, fn)); got != want {
		t.Errorf("changes = %s, want %s", got, want)
	}
	in := &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("orders-api"), Qualifier: aws.String("live")}
	out, err := raw.GetFunctionEventInvokeConfig(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.MaximumRetryAttempts) != 1 || out.DestinationConfig == nil || aws.ToString(out.DestinationConfig.OnFailure.Destination) != fn.Destinations.OnFailure {
		t.Errorf("asynchronous invocation settings = %+v", out)
	}

	syncExtras(t, d, log, fn)
	if all, writes := log.All(), log.Writes(); len(writes) != 0 || len(all) != 1 {
		t.Errorf("unchanged settings made calls %q, want one read", all)
	}

	fn.Async, fn.Destinations = config.Async{}, config.Destinations{}
	syncExtras(t, d, log, fn)
	if _, err := raw.GetFunctionEventInvokeConfig(t.Context(), in); !isNotFound(err) {
		t.Errorf("after async left lamb.yaml: %v, want the settings gone", err)
	}
}

func TestNoOpSyncOfEveryExtraMakesNoWrite(t *testing.T) {
	d, log, _, fn := extrasOnMoto(t)
	fifty := 50
	fn.FunctionURL = &config.FunctionURL{AuthType: "AWS_IAM"}
	fn.Concurrency.Reserved = &fifty
	fn.Async.MaxEventAge = aws.Int(3600)
	if changes := syncExtras(t, d, log, fn); len(changes) == 0 {
		t.Fatal("first sync changed nothing")
	}
	if writes := log.Writes(); !slices.Equal(writes, []string{"CreateFunctionUrlConfig", "PutFunctionConcurrency", "PutFunctionEventInvokeConfig", "TagResource"}) {
		t.Errorf("first sync wrote %q", writes)
	}

	r, err := d.Read(t.Context(), fn.Name, "live")
	if err != nil {
		t.Fatal(err)
	}
	log.Reset()
	spec := ExtrasFrom(fn, r)
	planned, err := d.PlanExtras(t.Context(), spec)
	if err != nil || len(planned) != 0 {
		t.Fatalf("plan = %s, %v; want nothing to change", fields(planned), err)
	}
	if changes, err := d.SyncExtras(t.Context(), spec); err != nil || len(changes) != 0 {
		t.Fatalf("sync = %s, %v; want nothing changed", fields(changes), err)
	}
	all, writes := log.All(), log.Writes()
	if len(writes) != 0 {
		t.Errorf("a no-op sync wrote %q", writes)
	}
	if len(all) != 6 {
		t.Errorf("plan and sync read %q, want one read per setting each", all)
	}
}

func TestNothingToKeepMeansNoCall(t *testing.T) {
	t.Parallel()
	// A client that is not there: any call would panic.
	d := &Deployer{}
	spec := ExtrasSpec{Function: "fn", Alias: "live", Tags: map[string]string{"team": "orders"}}
	if !spec.None() {
		t.Fatal("a function without extras and without lamb's record has something to keep")
	}
	if cs, err := d.PlanExtras(t.Context(), spec); err != nil || len(cs) != 0 {
		t.Errorf("plan = %v, %v", cs, err)
	}
	if cs, err := d.SyncExtras(t.Context(), spec); err != nil || len(cs) != 0 {
		t.Errorf("sync = %v, %v", cs, err)
	}
	spec.Tags[OwnershipTag] = "reserved"
	if spec.None() {
		t.Error("a function whose record names a setting lamb owns has nothing to keep")
	}
}

func TestExtrasNeedAClientWithTheCalls(t *testing.T) {
	t.Parallel()
	d := &Deployer{Lambda: &scriptedLambda{t: t}}
	_, err := d.PlanExtras(t.Context(), ExtrasSpec{Function: "fn", Alias: "live", URL: &config.FunctionURL{AuthType: "AWS_IAM"}})
	if err == nil || !strings.Contains(err.Error(), "of fn: the Lambda client lacks the calls") {
		t.Fatalf("error = %v, want one naming the function", err)
	}
}
