package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/progress"
)

// fakeStep records what it ran and can fail, skip or block.
type fakeStep struct {
	name string
	skip func(*Unit) string
	run  func(context.Context, *Unit) error
}

func (s fakeStep) Name() string { return s.name }
func (s fakeStep) Skip(u *Unit) string {
	if s.skip == nil {
		return ""
	}
	return s.skip(u)
}
func (s fakeStep) Run(ctx context.Context, u *Unit) error {
	if s.run == nil {
		return nil
	}
	return s.run(ctx, u)
}

type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) Event(e progress.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := fmt.Sprintf("%s %s %s", e.Function, e.Step, e.Kind)
	if e.Message != "" {
		line += ": " + e.Message
	}
	r.events = append(r.events, line)
}

func newTestUnits(keys ...string) []*Unit {
	cfg := &config.Config{Dir: "/project"}
	var fns []*config.Function
	for _, k := range keys {
		fns = append(fns, &config.Function{Key: k})
	}
	return NewUnits(cfg, fns)
}

func TestRunnerRunsStepsInOrderAndSaysWhatItSkipped(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	r := &Runner{Concurrency: 1, Events: rec, Steps: []Step{
		fakeStep{name: "first", run: func(_ context.Context, u *Unit) error {
			u.Emit(progress.Event{Kind: progress.Advanced, Message: "halfway"})
			return nil
		}},
		fakeStep{name: "second", skip: func(u *Unit) string { return "nothing to do for " + u.Key() }},
		fakeStep{name: "third"},
	}}
	if err := r.Run(context.Background(), newTestUnits("api")); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"api first started", "api first advanced: halfway", "api first finished",
		"api second skipped: nothing to do for api",
		"api third started", "api third finished",
	}
	if !slices.Equal(rec.events, want) {
		t.Errorf("events =\n%s\nwant\n%s", strings.Join(rec.events, "\n"), strings.Join(want, "\n"))
	}
}

func TestRunnerBoundsConcurrency(t *testing.T) {
	t.Parallel()
	var running, peak atomic.Int32
	gate := make(chan struct{})
	step := fakeStep{name: "work", run: func(ctx context.Context, u *Unit) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-gate
		return nil
	}}
	r := &Runner{Concurrency: 2, Steps: []Step{step}}
	done := make(chan error)
	go func() { done <- r.Run(context.Background(), newTestUnits("a", "b", "c", "d", "e")) }()
	// Let every unit through one by one; at most two may ever wait at once.
	for range 5 {
		gate <- struct{}{}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d units ran at once, want at most 2", p)
	}
}

func TestRunnerFailureNamesStepAndFunctionAndStopsTheOthers(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	var cancelled atomic.Bool
	goodStarted := make(chan struct{})
	r := &Runner{Concurrency: 2, Steps: []Step{fakeStep{name: "package", run: func(ctx context.Context, u *Unit) error {
		if u.Key() == "bad" {
			<-goodStarted
			return boom
		}
		close(goodStarted)
		<-ctx.Done()
		cancelled.Store(true)
		return ctx.Err()
	}}}}
	err := r.Run(context.Background(), newTestUnits("good", "bad"))
	if !errors.Is(err, boom) || err.Error() != "package bad: disk full" {
		t.Fatalf("error = %v, want \"package bad: disk full\"", err)
	}
	if !cancelled.Load() {
		t.Error("the other function was not stopped")
	}
}

func TestRunnerInterruptedBeforeStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	r := &Runner{Steps: []Step{fakeStep{name: "x", run: func(context.Context, *Unit) error { ran = true; return nil }}}}
	if err := r.Run(ctx, newTestUnits("a")); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if ran {
		t.Error("a step ran after the interruption")
	}
}

func TestPackageStepDescribesTheFolderRelativeToLambYAML(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ source, want string }{
		{"/project/services/api", "packaging api from services/api"},
		{"/project", "packaging api from the lamb.yaml folder"},
	} {
		u := newTestUnits("api")[0]
		u.Function.Source = tc.source
		if got := (PackageStep{}).Describe(u); got != tc.want {
			t.Errorf("Describe with source %s = %q, want %q", tc.source, got, tc.want)
		}
	}
}
