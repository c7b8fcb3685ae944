package faulttest

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/lambcli/lamb/internal/faultproxy"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// The storm's size and seed; the defaults keep the test within a minute on
// two cores (-short makes 8 deploys). docs/faults.md records the figures
// of the defaults.
var (
	stormRuns        = flag.Int("faults.runs", 30, "deploys of the project in the fault storm")
	stormSeed        = flag.Uint64("faults.seed", 1, "seed of the storm's faults and of its changes to the project")
	stormRate        = flag.Float64("faults.rate", 0.06, "share of AWS calls the proxy answers with a random fault")
	stormConcurrency = flag.Int("faults.concurrency", 1, "functions deployed at once; above 1 calls arrive in no fixed order, so a seed no longer repeats the same faults")
)

// stormFaults are the faults the proxy draws at random, with equal chance,
// for any call.
var stormFaults = []faultproxy.Fault{
	faultproxy.Throttle, faultproxy.ServerError, faultproxy.Unavailable,
	faultproxy.CutMidBody, faultproxy.CutRequest, faultproxy.Delay(20 * time.Millisecond),
}

// stormRules are faults at chosen calls, placed by the seed: Lambda's
// ResourceConflictException on the writes AWS refuses that way while an
// update is in progress, and a cut after the write was applied on every
// kind of write a deploy makes, which the SDK cannot retry: the client sees
// an error, AWS has the change.
func stormRules(rng *rand.Rand) []faultproxy.Rule {
	var rules []faultproxy.Rule
	for _, op := range []string{"UpdateFunctionConfiguration", "UpdateFunctionCode", "PublishVersion"} {
		rules = append(rules, faultproxy.Rule{Service: "lambda", Operation: op, Nth: 1 + rng.IntN(8), Times: 1 + rng.IntN(3), Fault: faultproxy.Conflict})
	}
	writes := []struct {
		service, operation string
		// within is how many such calls a default storm makes at least.
		within int
	}{
		{"lambda", "CreateFunction", 3}, {"lambda", "CreateAlias", 3},
		{"lambda", "UpdateFunctionConfiguration", 10}, {"lambda", "UpdateFunctionCode", 10},
		{"lambda", "PublishVersion", 20}, {"lambda", "UpdateAlias", 20},
		{"s3", "CreateMultipartUpload", 4}, {"s3", "UploadPart", 6}, {"s3", "CompleteMultipartUpload", 4},
	}
	for _, w := range writes {
		rules = append(rules, faultproxy.Rule{Service: w.service, Operation: w.operation, Nth: 1 + rng.IntN(w.within), Fault: faultproxy.CutMidBody})
	}
	return rules
}

// failedStep reads the step and the function a deploy failure starts with.
var failedStep = regexp.MustCompile(`^(read|role|upload|sync|publish|alias|prune) ([a-z]+): `)

// TestDeployStormConverges deploys a project of three functions (two sent
// inline, one through S3 in a multipart upload) many times through the fault
// proxy, changing code and settings between deploys as a seeded random walk.
// Every deploy of a function must either succeed or fail with an error that
// names the step, the function and the AWS call; after every deploy, read
// back with a plain client, each alias must be on a published version whose
// code and settings are those of one deploy (the one just made, when it
// succeeded). At the end no published version may be missing, no multipart
// upload may be left open, and a fault-free deploy must converge: a second
// one writes nothing.
func TestDeployStormConverges(t *testing.T) {
	runs := *stormRuns
	if testing.Short() && !flagSet("faults.runs") {
		runs = 8
	}
	env := testenv.Moto(t)
	ctx := t.Context()
	proxy := newProxy(t, env, faultproxy.Options{Seed: int64(*stormSeed), Rate: *stormRate, Faults: stormFaults})
	rng := rand.New(rand.NewPCG(*stormSeed, 0x73746f726d))
	for _, r := range stormRules(rng) {
		proxy.Inject(r)
	}
	fns := []*function{
		{key: "alpha", build: 1, memory: 128},
		{key: "beta", build: 1, memory: 128},
		{key: "gamma", s3: true, build: 1, memory: 128},
	}
	proj := newProject(t, env, fns...)
	rd := newReader(t, env)

	asked := map[string][]release{}
	reported := map[string][]string{}
	var tally stormTally
	start := time.Now()
	for run := 1; run <= runs; run++ {
		if run > 1 {
			change(rng, fns, run)
		}
		proj.write(t)
		report, err := proj.deploy(ctx, t, clientsVia(env, proxy.URL(), 3), *stormConcurrency)
		if len(report.Functions) != len(fns) {
			t.Fatalf("deploy %d stopped before the functions ran: %v", run, err)
		}
		checkFailures(t, run, report, err)
		for i, f := range fns {
			res := report.Functions[i]
			if res.Function != f.key {
				t.Fatalf("deploy %d reported %s in place %d, want %s", run, res.Function, i, f.key)
			}
			want := proj.released(t, f)
			asked[f.key] = append(asked[f.key], want)
			tally.add(res)
			if res.Version != "" {
				reported[f.key] = append(reported[f.key], res.Version)
			}
			checkLive(t, rd, run, f, res, want, asked[f.key])
		}
	}
	tally.calls, tally.byFault = len(proxy.Calls()), proxy.Stats().ByFault
	tally.took = time.Since(start)

	for _, f := range fns {
		vs, err := rd.versions(ctx, f.name())
		if err != nil {
			t.Fatal(err)
		}
		// Without pruning, versions 1..N must all be there: none lost.
		for i, v := range vs {
			if v != i+1 {
				t.Errorf("%s has versions %v after the storm: version %d is missing", f.name(), vs, i+1)
				break
			}
		}
		for _, v := range reported[f.key] {
			if n, err := strconv.Atoi(v); err != nil || !slices.Contains(vs, n) {
				t.Errorf("%s: version %s, which a deploy reported, is gone (versions %v)", f.name(), v, vs)
			}
		}
		tally.versions += len(vs)
	}
	if open, err := rd.uploadsInProgress(ctx); err != nil || len(open) > 0 {
		t.Errorf("multipart uploads left open after the storm: %v %v", open, err)
	}

	// A fault-free deploy converges, and the one after it writes nothing.
	tally.repaired = checkConverges(t, env, rd, proj, func(endpoint string) (pipeline.DeployReport, error) {
		return proj.deploy(ctx, t, clientsVia(env, endpoint, 3), *stormConcurrency)
	})
	if open, err := rd.uploadsInProgress(ctx); err != nil || len(open) > 0 {
		t.Errorf("multipart uploads left open after the clean deploys: %v %v", open, err)
	}
	t.Logf("storm: %d deploys, seed %d, rate %.2f, concurrency %d\n%s", runs, *stormSeed, *stormRate, *stormConcurrency, tally.String())
}

// flagSet reports whether the command line set the flag.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// change is one step of the project's random walk: new code for some
// functions (less often for the one uploaded through S3, whose zip is
// large), new memory or a new ROUND variable for others.
func change(rng *rand.Rand, fns []*function, run int) {
	for _, f := range fns {
		p := 0.5
		if f.s3 {
			p = 0.3
		}
		if rng.Float64() < p {
			f.build++
		}
		if rng.Float64() < 0.3 {
			f.memory = []int{128, 192, 256}[rng.IntN(3)]
		}
		if rng.Float64() < 0.3 {
			f.round = run
		}
	}
}

// checkFailures checks that every failed function says which step, which
// function and which AWS call failed, and that the returned error holds
// one such failure per failed function.
func checkFailures(t *testing.T, run int, report pipeline.DeployReport, err error) {
	t.Helper()
	var failed []string
	for _, res := range report.Functions {
		if res.Outcome != pipeline.OutcomeFailed {
			continue
		}
		failed = append(failed, res.Function)
		t.Logf("deploy %d: %s", run, res.Error)
		m := failedStep.FindStringSubmatch(res.Error)
		if m == nil || m[2] != res.Function {
			t.Errorf("deploy %d: %s failed with %q, which does not start with the step and the function", run, res.Function, res.Error)
		}
	}
	if len(failed) != report.Failed {
		t.Errorf("deploy %d: report counts %d failures, the functions say %v", run, report.Failed, failed)
	}
	if (err == nil) != (len(failed) == 0) {
		t.Fatalf("deploy %d: error %v with failed functions %v", run, err, failed)
	}
	if err == nil {
		return
	}
	causes := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		causes = j.Unwrap()
	}
	if len(causes) != len(failed) {
		t.Errorf("deploy %d: error holds %d failures for %d failed functions: %v", run, len(causes), len(failed), err)
	}
	for _, c := range causes {
		var op *smithy.OperationError
		if !errors.As(c, &op) {
			t.Errorf("deploy %d: failure %q does not name the AWS call that failed", run, c)
		}
	}
}

// checkLive reads the alias of f after deploy run and checks that it serves
// a published version with the code and settings of one deploy: want when
// this deploy succeeded, else one of earlier (nil: only want).
func checkLive(t *testing.T, rd *reader, run int, f *function, res pipeline.DeployResult, want release, earlier []release) {
	t.Helper()
	l, ok, err := rd.live(t.Context(), f.name())
	switch {
	case err != nil:
		t.Fatalf("after deploy %d: %v", run, err)
	case !ok && res.Outcome != pipeline.OutcomeFailed:
		t.Fatalf("after deploy %d: %s is %q but has no alias %s", run, f.key, res.Outcome, alias)
	case !ok:
		return
	}
	if res.Outcome != pipeline.OutcomeFailed {
		if l.release != want {
			t.Fatalf("after deploy %d: %s is %q and its alias is on version %s with %s, want %s", run, f.key, res.Outcome, l.version, l.release, want)
		}
		if res.Version != "" && res.Version != l.version {
			t.Fatalf("after deploy %d: %s reported version %s, its alias is on %s", run, f.key, res.Version, l.version)
		}
		return
	}
	if !slices.Contains(earlier, l.release) {
		t.Fatalf("after deploy %d: the alias of %s is on version %s with %s, which no deploy asked for", run, f.key, l.version, l.release)
	}
}

// stormTally counts what the storm did, for the log and docs/faults.md.
type stormTally struct {
	deploys, deployed, upToDate, failed int
	failedIn                            map[string]int
	calls                               int
	byFault                             map[faultproxy.Fault]int
	versions                            int
	repaired                            int
	took                                time.Duration
}

func (s *stormTally) add(res pipeline.DeployResult) {
	s.deploys++
	switch res.Outcome {
	case pipeline.OutcomeDeployed:
		s.deployed++
	case pipeline.OutcomeUpToDate:
		s.upToDate++
	case pipeline.OutcomeFailed:
		s.failed++
		if s.failedIn == nil {
			s.failedIn = map[string]int{}
		}
		step, _, _ := strings.Cut(res.Error, " ")
		s.failedIn[step]++
	}
}

func (s *stormTally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "function deploys: %d (deployed %d, up to date %d, failed %d", s.deploys, s.deployed, s.upToDate, s.failed)
	for _, step := range slices.Sorted(maps.Keys(s.failedIn)) {
		fmt.Fprintf(&b, "; %d in %s", s.failedIn[step], step)
	}
	fmt.Fprintf(&b, ")\nAWS calls: %d, faulted: ", s.calls)
	kinds := slices.SortedFunc(maps.Keys(s.byFault), func(a, b faultproxy.Fault) int { return strings.Compare(a.String(), b.String()) })
	total := 0
	for i, k := range kinds {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %d", k, s.byFault[k])
		total += s.byFault[k]
	}
	fmt.Fprintf(&b, " (%d in all)\nversions published: %d; functions the first fault-free deploy had to fix: %d\nstorm time: %s",
		total, s.versions, s.repaired, s.took.Round(100*time.Millisecond))
	return b.String()
}
