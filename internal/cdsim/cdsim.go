// Package cdsim is a small simulator of AWS CodeDeploy for Lambda
// deployments, for tests: an http.Handler that speaks CodeDeploy's JSON 1.1
// protocol (X-Amz-Target CodeDeploy_20141006.<Op>, timestamps as epoch
// seconds, errors typed by __type) to the SDK's CodeDeploy client, keeps
// applications, deployment groups, deployment configurations and
// deployments in memory, and really runs a deployment: it reads the
// AppSpecContent, invokes the hooks and waits for their
// PutLifecycleEventHookExecutionStatus, moves the alias's weights step by
// step through a Lambda API (moto, in lamb's tests), watches the group's
// CloudWatch alarms, and rolls the alias back on failure, alarm or stop.
//
// It exists because the emulator lamb tests against accepts CodeDeploy
// deployments but never runs them. It covers the calls lamb's codedeploy
// engine makes and no more: Lambda deployments only, one target per
// deployment, no triggers, tags, on-premises instances or ECS.
//
// Time is the simulator's own: nothing happens between calls to Advance,
// which moves the clock and runs every step that has come due. A test
// usually advances it from the Sleep of the code under test, so a canary of
// several minutes runs in milliseconds and the same way every time.
//
// Hooks: after invoking a hook function the simulator calls Options.OnHook,
// outside its lock, with the deployment and execution ids the hook received;
// the hook stays pending until someone calls
// PutLifecycleEventHookExecutionStatus (the test itself through the SDK, or
// the example hook run by the test) or HookTimeout passes, which fails the
// deployment as CodeDeploy does after an hour.
package cdsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TargetPrefix starts the X-Amz-Target header of every CodeDeploy call.
const TargetPrefix = "CodeDeploy_20141006."

// DefaultHookTimeout is how long CodeDeploy waits for a hook's status.
const DefaultHookTimeout = time.Hour

// maxBody bounds a request body; the largest CodeDeploy input lamb sends is
// an AppSpec of a few hundred bytes.
const maxBody = 1 << 20

// Options configure a Simulator.
type Options struct {
	// Lambda moves aliases and invokes hooks; required.
	Lambda LambdaAPI
	// CloudWatch reads the state of the alarms of a deployment group; nil
	// leaves alarms unwatched.
	CloudWatch CloudWatchAPI
	// IAM checks that a deployment group's service role exists and trusts
	// CodeDeploy; nil accepts any role ARN.
	IAM IAMAPI
	// Region and AccountID make ARNs and ids; us-east-1 and 123456789012
	// when empty.
	Region, AccountID string
	// Start is the simulator clock's first reading; a fixed date when zero.
	Start time.Time
	// OnHook is told about every hook invoked, outside the simulator's lock,
	// so it may call the simulator (PutLifecycleEventHookExecutionStatus).
	OnHook func(HookCall)
	// HookTimeout is how long a hook may stay pending; DefaultHookTimeout
	// when zero.
	HookTimeout time.Duration
}

// HookCall is one invocation of a lifecycle hook: what the hook function
// received in its event.
type HookCall struct {
	DeploymentID                  string
	LifecycleEventHookExecutionID string
	// Hook is BeforeAllowTraffic or AfterAllowTraffic.
	Hook string
	// Function is the hook function as the AppSpec names it.
	Function string
}

// Simulator is a CodeDeploy endpoint for tests. It is safe for concurrent use.
type Simulator struct {
	opts Options

	// running serialises Advance, so one deployment step runs at a time.
	running sync.Mutex

	mu           sync.Mutex
	now          time.Time
	seq          int
	calls        map[string]int
	stops        []StopCall
	applications map[string]*application
	groups       map[string]*group // by application + "/" + group
	configs      map[string]*deploymentConfig
	deployments  map[string]*deployment
	order        []string // deployment ids in creation order
	hookCalls    []HookCall
}

// StopCall records one StopDeployment request.
type StopCall struct {
	DeploymentID        string
	AutoRollbackEnabled bool
}

// New returns a simulator with no applications and the predefined Lambda
// deployment configurations.
func New(o Options) *Simulator {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccountID == "" {
		o.AccountID = "123456789012"
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	}
	if o.HookTimeout <= 0 {
		o.HookTimeout = DefaultHookTimeout
	}
	s := &Simulator{
		opts:         o,
		now:          o.Start,
		calls:        map[string]int{},
		applications: map[string]*application{},
		groups:       map[string]*group{},
		configs:      map[string]*deploymentConfig{},
		deployments:  map[string]*deployment{},
	}
	for _, c := range predefinedConfigs() {
		c.CreateTime = epoch(o.Start)
		s.configs[c.DeploymentConfigName] = c
	}
	return s
}

// Now returns the simulator clock.
func (s *Simulator) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Calls returns how many requests of operation op (such as
// "CreateApplication") the simulator has served, failed ones included.
func (s *Simulator) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// TotalCalls returns how many requests the simulator has served.
func (s *Simulator) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// Stops returns the StopDeployment requests served, in order.
func (s *Simulator) Stops() []StopCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]StopCall(nil), s.stops...)
}

// HookCalls returns every hook invocation so far, in order.
func (s *Simulator) HookCalls() []HookCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]HookCall(nil), s.hookCalls...)
}

// apiError is a CodeDeploy error response: the SDK turns Type into the
// matching typed error (types.ApplicationDoesNotExistException, ...).
type apiError struct {
	Type    string
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func fail(typ, format string, args ...any) error {
	return &apiError{Type: typ, Message: fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one CodeDeploy call.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	if r.Method != http.MethodPost || !ok {
		writeError(w, &apiError{Type: "UnknownOperationException", Message: "expected a POST with X-Amz-Target " + TargetPrefix + "<Operation>"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, fail("SerializationException", "read request body: %v", err))
		return
	}
	handler, known := handlers[op]
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
	if !known {
		writeError(w, fail("UnknownOperationException", "the simulator does not implement %s", op))
		return
	}
	out, err := handler(s, body)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		// The client has gone; nothing else can be told.
		return
	}
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = &apiError{Type: "InternalFailure", Message: err.Error()}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	status := http.StatusBadRequest
	if e.Type == "InternalFailure" {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
}

// decode reads a request body into in; an empty body is an empty input.
func decode(body []byte, in any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, in); err != nil {
		return fail("SerializationException", "request body is not the expected JSON: %v", err)
	}
	return nil
}

// epoch is a timestamp as AWS JSON protocols send it: seconds since the
// epoch, as a number with up to millisecond fractions.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

func (s *Simulator) nowEpoch() *epoch {
	e := epoch(s.now)
	return &e
}

// nextID returns prefix followed by a number unique in this simulator.
func (s *Simulator) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%07d", prefix, s.seq)
}

// randomID is an opaque token nobody can guess, like CodeDeploy's hook
// execution ids: a hook must report with the id it was given.
func randomID() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
