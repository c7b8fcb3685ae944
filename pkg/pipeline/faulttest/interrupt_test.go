package faulttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lambcli/lamb/internal/faultproxy"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// interruptLatency slows every call of the interrupted deploy, as AWS's
// distance would, so that several functions are in flight at every point.
const interruptLatency = 100 * time.Millisecond

// TestDeployInterrupted runs the built lamb binary on a project of four
// functions (one uploaded through S3 in parts) that are already deployed,
// with new code and settings for each, and stops it at chosen points: after
// the Nth AWS call the proxy received, it sends SIGINT (or SIGKILL) while
// holding that call. Read back with a plain client, every alias must then
// be on a published version with the code and settings of the deploy before
// or of the interrupted one; a SIGINT or SIGTERM must exit 130 and leave no
// multipart upload open. Running lamb deploy again must converge, and the run after
// that must write nothing.
func TestDeployInterrupted(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals other than kill cannot be sent to a process on Windows")
	}
	lamb := buildLamb(t)
	tests := []struct {
		name string
		// at is the call (counted from 1) during which the signal is sent.
		at     int
		signal os.Signal
	}{
		// The points are in a deploy of 50 calls: reads 2-17, the zip's
		// upload 15-30, updates 18-29 with their waits, publishing 35-42,
		// alias moves 43-45, and the S3 function's last steps 46-50.
		{"SIGINT during the pre-flight", 1, os.Interrupt},
		{"SIGINT while reading", 4, os.Interrupt},
		{"SIGINT while uploading parts", 23, os.Interrupt},
		{"SIGINT while updating code", 28, os.Interrupt},
		{"SIGINT while publishing", 36, os.Interrupt},
		{"SIGTERM while publishing", 37, syscall.SIGTERM},
		{"SIGINT while moving aliases", 44, os.Interrupt},
		{"SIGKILL while uploading parts", 23, os.Kill},
		{"SIGKILL while publishing", 36, os.Kill},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.Moto(t)
			fns := []*function{
				{key: "one", build: 1, memory: 128},
				{key: "two", build: 1, memory: 128},
				{key: "three", build: 1, memory: 128},
				{key: "four", s3: true, build: 1, memory: 128},
			}
			proj := newProject(t, env, fns...)
			rd := newReader(t, env)
			run := lambRunner(t, lamb, env, proj)

			if _, code := run(env.Endpoint, nil); code != 0 {
				t.Fatalf("first deploy exited %d", code)
			}
			before := map[string]release{}
			for _, f := range fns {
				before[f.key] = proj.released(t, f)
				f.build++
				f.memory += 64
				f.round++
			}
			proj.write(t)

			// The proxy holds each call for the latency; during the at-th
			// it sends the signal.
			var proc *os.Process
			started := make(chan struct{})
			var calls, sent atomic.Int32
			slow := newProxy(t, env, faultproxy.Options{
				Latency: interruptLatency,
				Sleep: func(ctx context.Context, d time.Duration) error {
					if calls.Add(1) == int32(tt.at) {
						<-started
						if err := proc.Signal(tt.signal); err == nil {
							sent.Store(1)
						}
					}
					wait, cancel := context.WithTimeout(ctx, d)
					defer cancel()
					<-wait.Done()
					return ctx.Err()
				},
			})
			out, code := run(slow.URL(), func(p *os.Process) { proc = p; close(started) })
			if sent.Load() == 0 {
				t.Fatalf("the deploy ended (exit %d) after %d calls, before call %d; move the signal earlier", code, calls.Load(), tt.at)
			}
			switch tt.signal {
			case os.Interrupt, syscall.SIGTERM:
				// With -o json stdout holds one document: the error, or the
				// report when the deploy had started, its functions stopped
				// by the interruption.
				if code != 130 || !oneInterruptedDocument(out.stdout) {
					t.Errorf("interrupted deploy exited %d with %q, want 130 and one JSON document saying it was interrupted", code, out.stdout)
				}
				if open, err := rd.uploadsInProgress(t.Context()); err != nil || len(open) > 0 {
					t.Errorf("multipart uploads left open after the interruption: %v %v", open, err)
				}
				checkUpdatesWaitedFor(t, slow.Calls())
			case os.Kill:
				if code != -1 {
					t.Errorf("killed deploy exited %d, want death by signal", code)
				}
			}
			if open, err := rd.uploadsInProgress(t.Context()); tt.signal == os.Kill && err == nil && len(open) > 0 {
				t.Logf("the killed deploy left multipart uploads open: %v", open)
			}
			for _, f := range fns {
				l, ok, err := rd.live(t.Context(), f.name())
				if err != nil || !ok {
					t.Fatalf("after the %s at call %d: alias of %s: found %v, %v", tt.signal, tt.at, f.key, ok, err)
				}
				if l.release != before[f.key] && l.release != proj.released(t, f) {
					t.Errorf("after the %s at call %d: alias of %s is on version %s with %s, which neither deploy asked for", tt.signal, tt.at, f.key, l.version, l.release)
				}
			}

			// Running it again converges; the run after writes nothing.
			checkConverges(t, env, rd, proj, func(endpoint string) (pipeline.DeployReport, error) {
				var report pipeline.DeployReport
				out, code := run(endpoint, nil)
				if code != 0 {
					return report, fmt.Errorf("lamb deploy exited %d: %s%s", code, out.stderr, out.stdout)
				}
				if err := json.Unmarshal([]byte(out.stdout), &report); err != nil {
					return report, fmt.Errorf("read its JSON report: %w\n%s", err, out.stdout)
				}
				return report, nil
			})
		})
	}
}

// checkUpdatesWaitedFor checks, in the proxy's call log, that every update
// Lambda applied is followed by a read of the same function (of any, for a
// CreateFunction, whose path names none): lamb waited for it to settle
// before it stopped.
func checkUpdatesWaitedFor(t *testing.T, calls []faultproxy.Call) {
	t.Helper()
	for i, c := range calls {
		if c.Status/100 != 2 || !slices.Contains([]string{"CreateFunction", "UpdateFunctionConfiguration", "UpdateFunctionCode", "PublishVersion"}, c.Operation) {
			continue
		}
		fn := functionInPath(c.Path)
		waited := slices.ContainsFunc(calls[i+1:], func(w faultproxy.Call) bool {
			return w.Operation == "GetFunction" && (fn == "" || functionInPath(w.Path) == fn) && w.Status/100 == 2
		})
		if fn == "" {
			fn = "a new function"
		}
		if !waited {
			t.Errorf("lamb stopped after %s of %s without waiting for it to settle", c.Operation, fn)
		}
	}
}

// functionInPath is the function a Lambda call's path names:
// /2015-03-31/functions/NAME/...
func functionInPath(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// output is what a lamb run printed.
type output struct{ stdout, stderr string }

// lambRunner returns a function that runs `lamb deploy -o json` in the
// project against endpoint and returns its output and exit status (-1 when
// a signal ended it); started, when set, is told of the process once it
// runs.
func lambRunner(t *testing.T, lamb string, env *testenv.Env, proj *project) func(endpoint string, started func(*os.Process)) (output, int) {
	home := t.TempDir()
	environ := append(env.Environ(),
		"PATH="+os.Getenv("PATH"), "HOME="+home, "LAMB_CACHE_DIR="+filepath.Join(home, "cache"), "NO_COLOR=1")
	return func(endpoint string, started func(*os.Process)) (output, int) {
		t.Helper()
		cmd := exec.Command(lamb, "deploy", "--endpoint-url", endpoint, "-o", "json")
		cmd.Dir, cmd.Env = proj.dir, environ
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if started != nil {
			started(cmd.Process)
		}
		err := cmd.Wait()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("run lamb deploy: %v", err)
		}
		return output{stdout.String(), stderr.String()}, cmd.ProcessState.ExitCode()
	}
}

// buildLamb builds the lamb binary from this module into a temporary folder.
func buildLamb(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lamb")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/lambcli/lamb")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build lamb: %v\n%s", err, out)
	}
	return bin
}

// TestInterruptAfterAnUpdateWaitsForIt interrupts a deploy at the worst
// moment: Lambda has applied an update and its answer is on the way back.
// lamb must still read the answer and wait for the update to settle before
// it stops, never leaving a function between an update and its wait.
func TestInterruptAfterAnUpdateWaitsForIt(t *testing.T) {
	tests := []struct{ operation, method, pathSuffix string }{
		{"CreateFunction", http.MethodPost, "/functions"},
		{"UpdateFunctionConfiguration", http.MethodPut, "/configuration"},
		{"UpdateFunctionCode", http.MethodPut, "/code"},
		{"PublishVersion", http.MethodPost, "/versions"},
	}
	for _, tt := range tests {
		t.Run(tt.operation, func(t *testing.T) {
			env := testenv.Moto(t)
			proxy := newProxy(t, env, faultproxy.Options{})
			f := &function{key: "one", build: 1, memory: 128}
			proj := newProject(t, env, f)
			if tt.operation != "CreateFunction" {
				if _, err := proj.deploy(t.Context(), t, clientsVia(env, proxy.URL(), 1), 1); err != nil {
					t.Fatalf("first deploy: %v", err)
				}
				f.build++
				f.memory = 256
				proj.write(t)
				proxy.Reset()
			}

			ctx, interrupt := context.WithCancel(t.Context())
			defer interrupt()
			answered := func(c *aws.Config) {
				c.HTTPClient = &interruptOnAnswer{next: c.HTTPClient, method: tt.method, suffix: tt.pathSuffix, interrupt: interrupt}
			}
			_, err := proj.deploy(ctx, t, clientsVia(env, proxy.URL(), 1, answered), 1)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted deploy returned %v, want context.Canceled", err)
			}
			calls := proxy.Calls()
			if !slices.ContainsFunc(calls, func(c faultproxy.Call) bool { return c.Operation == tt.operation && c.Status/100 == 2 }) {
				t.Fatalf("%s never reached Lambda: %v", tt.operation, proxy.Stats().ByOperation)
			}
			checkUpdatesWaitedFor(t, calls)
		})
	}
}

// interruptOnAnswer interrupts the deploy when Lambda has answered the
// first request with method and a path ending in suffix, and then behaves
// as Go's transport does for a request whose context ended before its
// answer was read: it fails it with the context's error.
type interruptOnAnswer struct {
	next           aws.HTTPClient
	method, suffix string
	interrupt      context.CancelFunc
	once           sync.Once
}

func (c *interruptOnAnswer) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(r)
	if err != nil || r.Method != c.method || !strings.HasSuffix(r.URL.Path, c.suffix) {
		return resp, err
	}
	c.once.Do(c.interrupt)
	if cerr := r.Context().Err(); cerr != nil {
		resp.Body.Close()
		return nil, cerr
	}
	return resp, nil
}

// oneInterruptedDocument reports whether stdout is exactly one JSON
// document that says the run was interrupted: lamb's error document, or a
// deploy report with a function stopped by the cancellation.
func oneInterruptedDocument(stdout string) bool {
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc struct {
		Error     *struct{ Message string } `json:"error"`
		Functions []struct{ Error string }  `json:"functions"`
	}
	if dec.Decode(&doc) != nil || dec.More() {
		return false
	}
	if doc.Error != nil {
		return doc.Error.Message == "interrupted"
	}
	for _, f := range doc.Functions {
		if strings.Contains(f.Error, "context canceled") {
			return true
		}
	}
	return false
}
