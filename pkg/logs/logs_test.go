package logs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestReadFromEmulator writes events into streams of two versions in the
// emulator and reads them back: all, one version's, and matching a filter.
func TestReadFromEmulator(t *testing.T) {
	env := testenv.Moto(t)
	ctx := t.Context()
	api, err := env.Session(t).Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	group := DefaultGroup("logs-fn")
	if _, err := api.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	base := time.Now().Add(-5 * time.Minute).Truncate(time.Millisecond).UTC()
	streams := map[string][]string{
		"2026/12/04/[1]aaaa": {"START v1", "ERROR boom in v1", "END v1"},
		"2026/12/04/[2]bbbb": {"START v2", "END v2"},
	}
	i := 0
	for _, name := range []string{"2026/12/04/[1]aaaa", "2026/12/04/[2]bbbb"} {
		if _, err := api.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		var events []logtypes.InputLogEvent
		for _, m := range streams[name] {
			events = append(events, logtypes.InputLogEvent{Message: aws.String(m + "\n"), Timestamp: aws.Int64(base.Add(time.Duration(i) * time.Second).UnixMilli())})
			i++
		}
		if _, err := api.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(name), LogEvents: events}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(q Query) []string {
		t.Helper()
		var got []string
		err := Read(ctx, api, q, func(e Event) error {
			got = append(got, e.Message)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	since := base.Add(-time.Minute)
	if got, want := read(Query{Target: Target{Group: group}, Since: since}), []string{"START v1", "ERROR boom in v1", "END v1", "START v2", "END v2"}; !slices.Equal(got, want) {
		t.Errorf("all events = %q, want %q in time order without trailing newlines", got, want)
	}
	if got, want := read(Query{Target: Target{Group: group, Versions: []string{"2"}}, Since: since}), []string{"START v2", "END v2"}; !slices.Equal(got, want) {
		t.Errorf("version 2's events = %q, want %q", got, want)
	}
	if got, want := read(Query{Target: Target{Group: group}, Since: since, Filter: "ERROR"}), []string{"ERROR boom in v1"}; !slices.Equal(got, want) {
		t.Errorf("filtered events = %q, want %q", got, want)
	}
	if got := read(Query{Target: Target{Group: group}, Since: base.Add(10 * time.Second)}); len(got) != 0 {
		t.Errorf("events after the last one = %q, want none", got)
	}
	err = Read(ctx, api, Query{Target: Target{Group: DefaultGroup("never-ran")}, Since: since}, func(Event) error { return nil })
	if !errors.Is(err, ErrNoGroup) || !strings.Contains(err.Error(), "/aws/lambda/never-ran") {
		t.Errorf("missing group: err = %v, want ErrNoGroup naming the group", err)
	}
}

// pagedLogs serves FilterLogEvents from a list of events that grows with
// each poll, two events a page, honouring StartTime.
type pagedLogs struct {
	polls  [][]logtypes.FilteredLogEvent // what exists at each poll
	poll   int
	starts []int64
}

func (p *pagedLogs) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	if in.NextToken == nil {
		p.starts = append(p.starts, aws.ToInt64(in.StartTime))
	}
	all := p.polls[min(p.poll, len(p.polls)-1)]
	var match []logtypes.FilteredLogEvent
	for _, e := range all {
		if aws.ToInt64(e.Timestamp) >= aws.ToInt64(in.StartTime) {
			match = append(match, e)
		}
	}
	off := 0
	if in.NextToken != nil {
		if _, err := fmt.Sscan(*in.NextToken, &off); err != nil {
			return nil, err
		}
	}
	end := min(off+2, len(match))
	out := &cloudwatchlogs.FilterLogEventsOutput{Events: match[off:end]}
	if end < len(match) {
		out.NextToken = aws.String(fmt.Sprint(end))
	}
	return out, nil
}

func event(id string, ms int64) logtypes.FilteredLogEvent {
	return logtypes.FilteredLogEvent{EventId: aws.String(id), Timestamp: aws.Int64(ms), Message: aws.String(id), LogStreamName: aws.String("2026/12/04/[$LATEST]x")}
}

// TestFollowShowsEachEventOnce follows through three polls in which
// events arrive, some late (with a time before the newest one shown), and
// checks each is shown exactly once, in arrival order, and that following
// ends with the context.
func TestFollowShowsEachEventOnce(t *testing.T) {
	t.Parallel()
	const t0 = 1_000_000
	e1, e2, e3, late, e4 := event("e1", t0), event("e2", t0+1000), event("e3", t0+1000), event("late", t0+500), event("e4", t0+5000)
	api := &pagedLogs{polls: [][]logtypes.FilteredLogEvent{
		{e1, e2},
		{e1, late, e2, e3},
		{e1, late, e2, e3, e4},
	}}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sleep := func(ctx context.Context, d time.Duration) error {
		if d != 2*time.Second {
			t.Errorf("poll interval %v, want the default 2s", d)
		}
		api.poll++
		if api.poll == len(api.polls) {
			cancel()
		}
		return ctx.Err()
	}
	var got []string
	err := Read(ctx, api, Query{Target: Target{Group: "g"}, Since: time.UnixMilli(t0 - 10), Follow: true, Sleep: sleep}, func(e Event) error {
		got = append(got, e.ID)
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Read ended with %v, want the context's end", err)
	}
	if want := []string{"e1", "e2", "late", "e3", "e4"}; !slices.Equal(got, want) {
		t.Errorf("followed events = %q, want %q", got, want)
	}
	if api.starts[0] != t0-10 {
		t.Errorf("first read started at %d, want --since %d", api.starts[0], t0-10)
	}
}

type fakeFunctions struct {
	group string
	alias *lambda.GetAliasOutput
}

func (f fakeFunctions) GetFunctionConfiguration(context.Context, *lambda.GetFunctionConfigurationInput, ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error) {
	out := &lambda.GetFunctionConfigurationOutput{}
	if f.group != "" {
		out.LoggingConfig = &lambdatypes.LoggingConfig{LogGroup: aws.String(f.group)}
	}
	return out, nil
}

func (f fakeFunctions) GetAlias(_ context.Context, in *lambda.GetAliasInput, _ ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	if f.alias == nil {
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Alias not found: " + aws.ToString(in.Name))}
	}
	return f.alias, nil
}

func TestResolve(t *testing.T) {
	t.Parallel()
	shifting := &lambda.GetAliasOutput{FunctionVersion: aws.String("7"), RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"8": 0.1}}}
	tests := []struct {
		name, qualifier string
		api             fakeFunctions
		want            Target
		wantErr         string
	}{
		{name: "every version", api: fakeFunctions{}, want: Target{Group: "/aws/lambda/fn"}},
		{name: "logging config group", api: fakeFunctions{group: "/shared/app"}, want: Target{Group: "/shared/app"}},
		{name: "version", qualifier: "12", want: Target{Group: "/aws/lambda/fn", Versions: []string{"12"}}},
		{name: "latest", qualifier: "$LATEST", want: Target{Group: "/aws/lambda/fn", Versions: []string{"$LATEST"}}},
		{name: "alias mid-shift", qualifier: "live", api: fakeFunctions{alias: shifting}, want: Target{Group: "/aws/lambda/fn", Versions: []string{"7", "8"}}},
		{name: "unknown alias", qualifier: "nope", wantErr: "--qualifier takes a version number, $LATEST or an alias"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(t.Context(), tt.api, "fn", tt.qualifier)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Group != tt.want.Group || !slices.Equal(got.Versions, tt.want.Versions) {
				t.Errorf("Resolve = %+v, want %+v", got, tt.want)
			}
		})
	}
}
