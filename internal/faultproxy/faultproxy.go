// Package faultproxy is an HTTP proxy for lamb's tests that sits between the
// AWS SDK and the moto emulator and makes AWS misbehave on purpose: it answers
// a chosen call, or calls picked at random from a seed, with throttling, 5xx
// errors, a Lambda update conflict, a cut connection or a delay, and it can add
// a fixed latency to every call as a stand-in for the distance to AWS.
//
// Moto never throttles, never fails and never reports a conflict, so the retry
// and recovery paths of pkg/deploy can only be exercised through this proxy:
//
//	env := testenv.Moto(t)
//	p, err := faultproxy.New(env.Endpoint, faultproxy.Options{})
//	if err != nil { t.Fatal(err) }
//	t.Cleanup(p.Close)
//	p.Inject(faultproxy.Rule{Service: "lambda", Operation: "UpdateFunctionConfiguration", Nth: 1, Fault: faultproxy.Conflict})
//	sess := awsconf.NewSession(awsconf.Options{EndpointURL: p.URL(), Region: env.Region, MaxAttempts: 1})
//	... deploy through sess, then read p.Calls() ...
//
// Every request is forwarded unchanged (body, headers and the original Host,
// so SigV4 signatures stay valid) unless a fault answers it. The proxy names
// each call's AWS operation from the request alone: the service from the
// SigV4 credential scope, the operation from X-Amz-Target (JSON protocols),
// the Action parameter (query protocols such as IAM and STS), the Lambda API
// model's method and path templates, or S3's method, path and sub-resources.
// Error answers are shaped as each protocol's AWS errors are, so the SDK
// decodes them into the same error types and retries them as it would AWS's.
//
// It leaves deciding what a fault should lead to to the tests: it only injects
// and records. S3 is recognised with path-style addressing only, which is what
// pkg/awsconf uses with a custom endpoint.
package faultproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	lambdaschemas "github.com/aws/aws-sdk-go-v2/service/lambda/schemas"
	"github.com/aws/smithy-go"
	smithytraits "github.com/aws/smithy-go/traits"

	"github.com/lambcli/lamb/internal/clock"
)

// DefaultAccountID is the account named in the ARNs of injected errors when
// Options.AccountID is empty: the only account moto knows.
const DefaultAccountID = "123456789012"

type faultKind int

const (
	kindNone faultKind = iota
	kindThrottle
	kindServerError
	kindUnavailable
	kindConflict
	kindCutMidBody
	kindCutRequest
	kindDelay
)

// Fault is what the proxy does to a call instead of, or on top of, forwarding
// it. The zero Fault forwards the call untouched. Faults are comparable, so
// they can be used as map keys and compared with ==.
type Fault struct {
	kind  faultKind
	delay time.Duration
}

// The faults. Each error answer is shaped for the call's protocol, with the
// status and code AWS uses there, so the SDK decodes it as it would AWS's own:
//
//   - Throttle: Lambda 429 TooManyRequestsException; JSON protocols 400
//     ThrottlingException; query protocols (IAM, STS) 400 Throttling; S3 503 SlowDown.
//   - ServerError: Lambda 500 ServiceException; S3 500 InternalError; others
//     500 InternalFailure.
//   - Unavailable: 503 ServiceUnavailableException (Lambda, JSON protocols) or
//     ServiceUnavailable (query protocols, S3).
//   - Conflict: Lambda and JSON protocols 409 ResourceConflictException; query
//     protocols 409 ConcurrentModification; S3 409 OperationAborted.
//
// The SDK's retryer retries Throttle, ServerError and Unavailable; it does not
// retry Conflict, as with AWS, which leaves it to lamb's own waiting. After a
// throttle, the adaptive retryer awsconf configures also slows the client's
// own request rate, which can hold the next attempt for a second or two.
var (
	// Throttle answers that the caller exceeded its request rate.
	Throttle = Fault{kind: kindThrottle}
	// ServerError answers 500, an internal error of the service.
	ServerError = Fault{kind: kindServerError}
	// Unavailable answers 503, the service briefly unable to serve.
	Unavailable = Fault{kind: kindUnavailable}
	// Conflict answers 409: for Lambda, AWS's ResourceConflictException for a
	// function whose previous update has not finished, naming its ARN.
	Conflict = Fault{kind: kindConflict}
	// CutMidBody forwards the call (so moto applies it), then sends the
	// client the status line, the headers and only part of the body before
	// closing the connection: the change happened, the client cannot know.
	// A response without a body is cut inside its headers instead.
	CutMidBody = Fault{kind: kindCutMidBody}
	// CutRequest reads the request and closes the connection without
	// forwarding it or answering: moto never sees the call. Go's HTTP client
	// resends a GET or HEAD cut this way on a reused connection before the
	// SDK sees an error; the proxy records the resent call as a new one.
	CutRequest = Fault{kind: kindCutRequest}
)

// Delay returns the fault that waits d (through Options.Sleep) before
// forwarding the call, on top of Options.Latency.
func Delay(d time.Duration) Fault { return Fault{kind: kindDelay, delay: d} }

// IsZero reports whether f is the zero Fault, which forwards untouched.
func (f Fault) IsZero() bool { return f.kind == kindNone }

// String names the fault, for test failure messages.
func (f Fault) String() string {
	switch f.kind {
	case kindNone:
		return "none"
	case kindThrottle:
		return "Throttle"
	case kindServerError:
		return "ServerError"
	case kindUnavailable:
		return "Unavailable"
	case kindConflict:
		return "Conflict"
	case kindCutMidBody:
		return "CutMidBody"
	case kindCutRequest:
		return "CutRequest"
	case kindDelay:
		return fmt.Sprintf("Delay(%s)", f.delay)
	}
	return fmt.Sprintf("Fault(%d)", f.kind)
}

// Rule injects Fault into chosen calls. Every call that matches Service and
// Operation is counted from 1, starting when the rule is injected; the rule
// fires on the Nth matching call and the Times-1 matching calls after it.
// Nth 0 means from the first matching call; Times 0 means once when Nth is
// set and on every matching call when it is not. A retry is a call of its own,
// so Rule{Operation: "GetFunction", Nth: 1, Fault: Throttle} fails the first
// attempt and lets the SDK's retry through.
type Rule struct {
	// Service is the SigV4 signing name ("lambda", "s3", "iam", "sts"); empty matches any.
	Service string
	// Operation is the operation name ("GetFunction", "PutObject"); empty matches any.
	Operation string
	// Nth is the 1-based count of matching calls the rule first fires on; 0 means the first.
	Nth int
	// Fault is what the rule does.
	Fault Fault
	// Times is how many matching calls, from the Nth on, the rule fires on; see Rule.
	Times int
}

// fires reports whether the rule fires on its n-th matching call.
func (r Rule) fires(n int) bool {
	first, times := max(r.Nth, 1), r.Times
	if times == 0 && r.Nth > 0 {
		times = 1
	}
	return n >= first && (times == 0 || n < first+times)
}

// Options configure random faults and added latency.
type Options struct {
	// Seed seeds the random faults: the same seed and the same sequence of
	// calls give the same faults. Concurrent calls arrive in no fixed order,
	// so only sequential call sequences repeat exactly.
	Seed int64
	// Rate is the probability, from 0 to 1, that a call not excluded gets a
	// random fault. 0 disables random faults.
	Rate float64
	// Faults are the faults random mode picks from, with equal chance.
	Faults []Fault
	// ExcludeOperations are never given random faults (rules still apply).
	// An entry is an operation name ("CreateRole") or service:operation
	// ("iam:CreateRole").
	ExcludeOperations []string
	// Latency is added to every call before it is forwarded or answered, as a
	// stand-in for the network distance to AWS in benchmarks.
	Latency time.Duration
	// AccountID is the account in the ARNs of injected errors; empty means
	// DefaultAccountID.
	AccountID string
	// Sleep waits d or until ctx ends; nil means a real timer. Tests that
	// check latency or delays inject one that records and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Call is one request the proxy received, in the order of arrival.
type Call struct {
	// Service is the SigV4 signing name from the credential scope; empty when unsigned.
	Service string
	// Operation is the recognised operation name, or "METHOD /path" when unknown.
	Operation string
	// Method and Path are the request's, for messages.
	Method, Path string
	// Fault is the fault injected, or the zero Fault.
	Fault Fault
	// Status is the HTTP status sent to the client: an injected error's,
	// moto's (also when cut mid-body), or 0 when the client got no status
	// line (CutRequest, or the call is still in flight).
	Status int
	// Slept is the latency and Delay the call waited before going on.
	Slept time.Duration

	seq int // 1-based order of arrival, for request IDs
}

// Name is "service:Operation", as in "lambda:GetFunction".
func (c Call) Name() string { return c.Service + ":" + c.Operation }

// Stats are counters over the calls recorded since the last Reset.
type Stats struct {
	// Calls is the number of calls received.
	Calls int
	// Faults is the number of calls that got a fault.
	Faults int
	// ByOperation counts calls by Call.Name.
	ByOperation map[string]int
	// ByFault counts faulted calls by fault.
	ByFault map[Fault]int
}

// Proxy is a running fault-injecting proxy on a loopback port. It is safe for
// concurrent use.
type Proxy struct {
	url       string
	opts      Options
	target    *url.URL
	srv       *http.Server
	forward   *httputil.ReverseProxy
	transport *http.Transport
	sleep     func(context.Context, time.Duration) error
	exclude   map[string]bool

	// closing ends in-flight sleeps and forwards when the proxy closes.
	closing context.Context
	stop    context.CancelFunc
	active  sync.WaitGroup

	mu     sync.Mutex
	closed bool
	seq    int
	calls  []*Call
	rules  []*ruleState
	random *rand.Rand
}

type ruleState struct {
	Rule
	seen int
}

// New starts a proxy on 127.0.0.1 that forwards to target, the emulator's base
// URL, with opts' random faults and latency.
func New(target string, opts Options) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("start fault proxy: target %q is not an absolute http URL such as http://127.0.0.1:5000", target)
	}
	if opts.Rate < 0 || opts.Rate > 1 {
		return nil, fmt.Errorf("start fault proxy: rate %v is outside 0..1", opts.Rate)
	}
	if opts.Rate > 0 && len(opts.Faults) == 0 {
		return nil, errors.New("start fault proxy: a random fault rate needs Options.Faults to pick from")
	}
	if slices.ContainsFunc(opts.Faults, Fault.IsZero) {
		return nil, errors.New("start fault proxy: Options.Faults holds a zero Fault")
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	opts.Faults = slices.Clone(opts.Faults)
	p := &Proxy{opts: opts, target: u, sleep: opts.Sleep, exclude: map[string]bool{}}
	if p.sleep == nil {
		p.sleep = clock.Sleep
	}
	for _, op := range opts.ExcludeOperations {
		p.exclude[op] = true
	}
	p.random = p.newRandom()
	p.closing, p.stop = context.WithCancel(context.Background())

	p.transport = http.DefaultTransport.(*http.Transport).Clone()
	// Pass bodies through as moto sent them, and keep connections to moto
	// for the many concurrent calls of deploy benchmarks.
	p.transport.DisableCompression = true
	p.transport.MaxIdleConnsPerHost = 64
	p.forward = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// The client signed the proxy's host; keeping it keeps the
			// signature valid and the URLs moto builds pointing at the proxy.
			pr.Out.Host = pr.In.Host
		},
		Transport: p.transport,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "fault proxy: forward to "+target+": "+err.Error(), http.StatusBadGateway)
		},
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start fault proxy: %w", err)
	}
	p.url = "http://" + ln.Addr().String()
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// URL is the proxy's base URL, to use as the SDK's endpoint.
func (p *Proxy) URL() string { return p.url }

// Close stops the proxy: it cuts open connections, ends in-flight sleeps and
// forwards, and waits for their handlers to return.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.stop()
	_ = p.srv.Close()
	p.active.Wait()
	p.transport.CloseIdleConnections()
}

// Inject adds a rule. Rules are checked in the order they were added and the
// first that fires gives the fault; every matching rule counts the call. A
// rule's fault takes the place of a random one. It panics on a negative Nth
// or Times, or a zero Fault, which are mistakes in the test.
func (p *Proxy) Inject(r Rule) {
	if r.Nth < 0 || r.Times < 0 || r.Fault.IsZero() {
		panic(fmt.Sprintf("faultproxy: invalid rule %+v: Nth and Times must be 0 or more and Fault set", r))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &ruleState{Rule: r})
}

// Reset forgets the recorded calls and the rules, and restarts the random
// faults from the seed, so that the next call sequence is faulted as if the
// proxy were new.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seq = 0
	p.calls = nil
	p.rules = nil
	p.random = p.newRandom()
}

// Calls returns the calls received since the last Reset, in order of arrival.
func (p *Proxy) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Call, len(p.calls))
	for i, c := range p.calls {
		out[i] = *c
	}
	return out
}

// Stats counts the calls received since the last Reset.
func (p *Proxy) Stats() Stats {
	s := Stats{ByOperation: map[string]int{}, ByFault: map[Fault]int{}}
	for _, c := range p.Calls() {
		s.Calls++
		s.ByOperation[c.Name()]++
		if !c.Fault.IsZero() {
			s.Faults++
			s.ByFault[c.Fault]++
		}
	}
	return s
}

func (p *Proxy) newRandom() *rand.Rand {
	// The second PCG word is fixed so that the seed alone picks the sequence.
	return rand.New(rand.NewPCG(uint64(p.opts.Seed), 0x6c616d62))
}

// begin records a new call and decides its fault.
func (p *Proxy) begin(r *http.Request, op operation) (*Call, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, false
	}
	p.active.Add(1)
	p.seq++
	c := &Call{Service: op.service, Operation: op.name, Method: r.Method, Path: r.URL.Path, seq: p.seq}
	c.Fault = p.decide(op)
	c.Slept = p.opts.Latency + c.Fault.delay
	p.calls = append(p.calls, c)
	return c, true
}

// decide picks the call's fault; p.mu is held. The random draws happen for
// every call not excluded, whatever the rules say, so adding a rule does not
// shift the random faults of later calls.
func (p *Proxy) decide(op operation) Fault {
	var fault Fault
	if p.opts.Rate > 0 && !p.exclude[op.name] && !p.exclude[op.service+":"+op.name] {
		chance, pick := p.random.Float64(), p.random.IntN(len(p.opts.Faults))
		if chance < p.opts.Rate {
			fault = p.opts.Faults[pick]
		}
	}
	ruled := false
	for _, rs := range p.rules {
		if (rs.Service != "" && rs.Service != op.service) || (rs.Operation != "" && rs.Operation != op.name) {
			continue
		}
		rs.seen++
		if !ruled && rs.fires(rs.seen) {
			fault, ruled = rs.Fault, true
		}
	}
	return fault
}

func (p *Proxy) finish(c *Call, status int) {
	p.mu.Lock()
	c.Status = status
	p.mu.Unlock()
	p.active.Done()
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	op, err := identify(r)
	if err != nil {
		http.Error(w, "fault proxy: "+err.Error(), http.StatusBadRequest)
		return
	}
	call, ok := p.begin(r, op)
	if !ok {
		http.Error(w, "fault proxy: closed", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(p.closing, cancel)()
	r = r.WithContext(ctx)

	status := 0
	defer func() { p.finish(call, status) }()

	// Fault and Slept are set once in begin, before any other goroutine
	// can see the call, so reading them here needs no lock.
	if call.Slept > 0 {
		if err := p.sleep(ctx, call.Slept); err != nil {
			// Closed, or the client left. Returning would let net/http
			// answer 200 for a handler that wrote nothing; aborting drops
			// the connection instead.
			panic(http.ErrAbortHandler)
		}
	}

	switch call.Fault.kind {
	case kindThrottle, kindServerError, kindUnavailable, kindConflict:
		// Read the whole request first, as AWS does, so the client gets the
		// error rather than a broken pipe while it is still uploading.
		_, _ = io.Copy(io.Discard, r.Body)
		status = p.writeError(w, r, op, call.Fault.kind, call.seq)
	case kindCutRequest:
		_, _ = io.Copy(io.Discard, r.Body)
		cut(w, nil)
	case kindCutMidBody:
		rec := httptest.NewRecorder()
		p.forward.ServeHTTP(rec, r)
		status = rec.Code
		cut(w, rec.Result())
	default:
		sw := &statusWriter{ResponseWriter: w}
		p.forward.ServeHTTP(sw, r)
		status = sw.status
	}
}

// cut hijacks the client's connection and closes it, after writing part of
// resp when there is one: all of its status line and headers and half of its
// body, or, for an empty body, only part of the headers.
func cut(w http.ResponseWriter, resp *http.Response) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Without a connection to cut, the closest is a response the client
		// cannot parse: panicking with ErrAbortHandler makes net/http drop it.
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	if resp == nil {
		return
	}
	body, _ := io.ReadAll(resp.Body)
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %03d %s\r\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	resp.Header.Del("Transfer-Encoding")
	resp.Header.Set("Content-Length", fmt.Sprint(len(body)))
	_ = resp.Header.Write(&head)
	if len(body) == 0 {
		_, _ = buf.Write(head.Bytes()[:head.Len()/2])
	} else {
		head.WriteString("\r\n")
		_, _ = buf.Write(head.Bytes())
		_, _ = buf.Write(body[:len(body)/2])
	}
	_ = buf.Flush()
}

// statusWriter remembers the final status forwarded to the client.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection for flushes.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// protocol is the wire protocol of a call, which decides the error shape.
type protocol int

const (
	restJSON  protocol = iota // Lambda and other REST JSON services
	awsJSON                   // X-Amz-Target services
	awsQuery                  // IAM, STS
	restXMLS3                 // S3
)

// operation is what the proxy knows of a call from its request.
type operation struct {
	service, region string
	name            string
	proto           protocol
	// params are the Lambda path parameters, such as FunctionName.
	params map[string]string
}

// identify names the call's service and operation.
func identify(r *http.Request) (operation, error) {
	op := operation{}
	op.service, op.region = credentialScope(r)
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		target := r.Header.Get("X-Amz-Target")
		op.proto, op.name = awsJSON, target[strings.LastIndex(target, ".")+1:]
	case r.URL.Query().Get("Action") != "":
		op.proto, op.name = awsQuery, r.URL.Query().Get("Action")
	case isForm(r):
		action, err := formAction(r)
		if err != nil {
			return op, err
		}
		op.proto, op.name = awsQuery, action
	case op.service == "s3":
		op.proto, op.name = restXMLS3, s3Operation(r)
	case op.service == "lambda":
		op.name, op.params = lambdaOperation(r)
	}
	if op.name == "" {
		op.name = r.Method + " " + r.URL.Path
	}
	return op, nil
}

// credentialScope reads region and service from the SigV4 credential scope,
// AKID/date/region/service/aws4_request, in the Authorization header or a
// presigned URL's X-Amz-Credential.
func credentialScope(r *http.Request) (service, region string) {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if _, after, ok := strings.Cut(r.Header.Get("Authorization"), "Credential="); ok {
		cred, _, _ = strings.Cut(after, ",")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	switch len(parts) {
	case 5:
		return parts[3], parts[2]
	case 4: // SigV4a has no region in its scope
		return parts[2], ""
	}
	return "", ""
}

func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && mt == "application/x-www-form-urlencoded"
}

// maxFormBody bounds the query-protocol body read to find the Action; such
// bodies are a few kilobytes (an IAM policy document at most).
const maxFormBody = 1 << 20

// formAction reads the Action of a query-protocol body and puts the body back
// for forwarding.
func formAction(r *http.Request) (string, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
	if err != nil {
		return "", fmt.Errorf("read form body of %s %s: %w", r.Method, r.URL.Path, err)
	}
	if len(body) > maxFormBody {
		// Too large to be a query-protocol call: forward it whole, unnamed.
		r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		return "", nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return "", nil
	}
	return values.Get("Action"), nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// lambdaRoute is one Lambda operation's method and URI template from the
// SDK's model, such as PUT /2015-03-31/functions/{FunctionName}/configuration.
type lambdaRoute struct {
	name     string
	method   string
	segments []string
	query    url.Values
}

// lambdaOperations are the Lambda operations the proxy names. Their routes
// come from the SDK's own model, so they cannot drift from what it sends.
var lambdaOperations = []*smithy.Schema{
	lambdaschemas.AddLayerVersionPermission, lambdaschemas.AddPermission,
	lambdaschemas.CreateAlias, lambdaschemas.CreateEventSourceMapping, lambdaschemas.CreateFunction,
	lambdaschemas.CreateFunctionUrlConfig, lambdaschemas.DeleteAlias, lambdaschemas.DeleteEventSourceMapping,
	lambdaschemas.DeleteFunction, lambdaschemas.DeleteFunctionCodeSigningConfig, lambdaschemas.DeleteFunctionConcurrency,
	lambdaschemas.DeleteFunctionEventInvokeConfig, lambdaschemas.DeleteFunctionUrlConfig, lambdaschemas.DeleteLayerVersion,
	lambdaschemas.DeleteProvisionedConcurrencyConfig, lambdaschemas.GetAccountSettings, lambdaschemas.GetAlias,
	lambdaschemas.GetEventSourceMapping, lambdaschemas.GetFunction, lambdaschemas.GetFunctionCodeSigningConfig,
	lambdaschemas.GetFunctionConcurrency, lambdaschemas.GetFunctionConfiguration, lambdaschemas.GetFunctionEventInvokeConfig,
	lambdaschemas.GetFunctionRecursionConfig, lambdaschemas.GetFunctionUrlConfig, lambdaschemas.GetLayerVersion,
	lambdaschemas.GetLayerVersionByArn, lambdaschemas.GetLayerVersionPolicy, lambdaschemas.GetPolicy,
	lambdaschemas.GetProvisionedConcurrencyConfig, lambdaschemas.GetRuntimeManagementConfig, lambdaschemas.Invoke,
	lambdaschemas.InvokeAsync, lambdaschemas.InvokeWithResponseStream, lambdaschemas.ListAliases,
	lambdaschemas.ListEventSourceMappings, lambdaschemas.ListFunctionEventInvokeConfigs, lambdaschemas.ListFunctions,
	lambdaschemas.ListFunctionUrlConfigs, lambdaschemas.ListLayers, lambdaschemas.ListLayerVersions,
	lambdaschemas.ListProvisionedConcurrencyConfigs, lambdaschemas.ListTags, lambdaschemas.ListVersionsByFunction,
	lambdaschemas.PublishLayerVersion, lambdaschemas.PublishVersion, lambdaschemas.PutFunctionCodeSigningConfig,
	lambdaschemas.PutFunctionConcurrency, lambdaschemas.PutFunctionEventInvokeConfig, lambdaschemas.PutFunctionRecursionConfig,
	lambdaschemas.PutProvisionedConcurrencyConfig, lambdaschemas.PutRuntimeManagementConfig,
	lambdaschemas.RemoveLayerVersionPermission, lambdaschemas.RemovePermission, lambdaschemas.TagResource,
	lambdaschemas.UntagResource, lambdaschemas.UpdateAlias, lambdaschemas.UpdateEventSourceMapping,
	lambdaschemas.UpdateFunctionCode, lambdaschemas.UpdateFunctionConfiguration, lambdaschemas.UpdateFunctionEventInvokeConfig,
	lambdaschemas.UpdateFunctionUrlConfig,
}

var lambdaRoutes = sync.OnceValue(func() []lambdaRoute {
	var routes []lambdaRoute
	for _, s := range lambdaOperations {
		h, ok := smithy.SchemaTrait[*smithytraits.HTTP](s)
		if !ok {
			continue
		}
		path, rawQuery, _ := strings.Cut(h.URI, "?")
		query, _ := url.ParseQuery(rawQuery)
		routes = append(routes, lambdaRoute{name: s.ID().Name, method: h.Method, segments: splitPath(path), query: query})
	}
	// A template with a query literal (?List=ALL) is a narrower form of the
	// same path without it, so it must be tried first.
	slices.SortStableFunc(routes, func(a, b lambdaRoute) int { return len(b.query) - len(a.query) })
	return routes
})

// splitPath splits a path into segments, ignoring a trailing slash, which the
// SDK sends on some list calls and the model leaves out.
func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

// lambdaOperation matches the request against the Lambda routes.
func lambdaOperation(r *http.Request) (string, map[string]string) {
	segments := splitPath(r.URL.EscapedPath())
	for i, s := range segments {
		if u, err := url.PathUnescape(s); err == nil {
			segments[i] = u
		}
	}
	query := r.URL.Query()
	for _, rt := range lambdaRoutes() {
		if params, ok := rt.match(r.Method, segments, query); ok {
			return rt.name, params
		}
	}
	return "", nil
}

func (rt lambdaRoute) match(method string, segments []string, query url.Values) (map[string]string, bool) {
	if method != rt.method || len(segments) != len(rt.segments) {
		return nil, false
	}
	for k, want := range rt.query {
		if !slices.Equal(query[k], want) {
			return nil, false
		}
	}
	params := map[string]string{}
	for i, tmpl := range rt.segments {
		name, isParam := strings.CutPrefix(tmpl, "{")
		if !isParam {
			if segments[i] != tmpl {
				return nil, false
			}
			continue
		}
		if segments[i] == "" {
			return nil, false
		}
		params[strings.TrimSuffix(name, "}")] = segments[i]
	}
	return params, true
}

// s3BucketSubresources name the bucket configuration calls by their query
// sub-resource: GET /bucket?versioning is GetBucketVersioning.
var s3BucketSubresources = map[string]string{
	"versioning": "Versioning", "tagging": "Tagging", "policy": "Policy",
	"acl": "Acl", "cors": "Cors", "encryption": "Encryption",
}

// s3Operation names a path-style S3 call. The Go SDK names most object calls
// itself in an x-id query parameter; the rest follow the S3 API reference.
func s3Operation(r *http.Request) string {
	q := r.URL.Query()
	if id := q.Get("x-id"); id != "" {
		return id
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	copySource := r.Header.Get("X-Amz-Copy-Source") != ""
	switch {
	case bucket == "":
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
		return ""
	case key == "":
		return s3BucketOperation(r.Method, q)
	}
	switch r.Method {
	case http.MethodPut:
		switch {
		case q.Has("partNumber") && q.Has("uploadId") && copySource:
			return "UploadPartCopy"
		case q.Has("partNumber") && q.Has("uploadId"):
			return "UploadPart"
		case q.Has("tagging"):
			return "PutObjectTagging"
		case copySource:
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return "CreateMultipartUpload"
		case q.Has("uploadId"):
			return "CompleteMultipartUpload"
		}
	case http.MethodDelete:
		switch {
		case q.Has("uploadId"):
			return "AbortMultipartUpload"
		case q.Has("tagging"):
			return "DeleteObjectTagging"
		}
		return "DeleteObject"
	case http.MethodGet:
		switch {
		case q.Has("uploadId"):
			return "ListParts"
		case q.Has("tagging"):
			return "GetObjectTagging"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	}
	return ""
}

func s3BucketOperation(method string, q url.Values) string {
	sub := ""
	for k, name := range s3BucketSubresources {
		if q.Has(k) {
			sub = name
		}
	}
	switch method {
	case http.MethodGet:
		switch {
		case q.Get("list-type") == "2":
			return "ListObjectsV2"
		case q.Has("versions"):
			return "ListObjectVersions"
		case q.Has("uploads"):
			return "ListMultipartUploads"
		case q.Has("location"):
			return "GetBucketLocation"
		case sub != "":
			return "GetBucket" + sub
		}
		return "ListObjects"
	case http.MethodPut:
		if sub != "" {
			return "PutBucket" + sub
		}
		return "CreateBucket"
	case http.MethodDelete:
		if sub != "" {
			return "DeleteBucket" + sub
		}
		return "DeleteBucket"
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodPost:
		if q.Has("delete") {
			return "DeleteObjects"
		}
	}
	return ""
}

// awsError is an injected error answer.
type awsError struct {
	status        int
	code, message string
}

// conflictMessage is Lambda's text for a call on a function whose previous
// update is still in progress.
const conflictMessage = "The operation cannot be performed at this time. An update is in progress for resource: "

// errorFor gives the fault's error as the call's protocol spells it.
func (p *Proxy) errorFor(op operation, kind faultKind) awsError {
	switch kind {
	case kindThrottle:
		switch op.proto {
		case restJSON:
			return awsError{http.StatusTooManyRequests, "TooManyRequestsException", "Rate exceeded"}
		case awsJSON:
			return awsError{http.StatusBadRequest, "ThrottlingException", "Rate exceeded"}
		case awsQuery:
			return awsError{http.StatusBadRequest, "Throttling", "Rate exceeded"}
		}
		return awsError{http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate."}
	case kindServerError:
		switch op.proto {
		case restJSON:
			return awsError{http.StatusInternalServerError, "ServiceException", "The AWS Lambda service encountered an internal error."}
		case restXMLS3:
			return awsError{http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again."}
		}
		return awsError{http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."}
	case kindUnavailable:
		msg := "The request has failed due to a temporary failure of the server."
		if op.proto == restJSON || op.proto == awsJSON {
			return awsError{http.StatusServiceUnavailable, "ServiceUnavailableException", msg}
		}
		return awsError{http.StatusServiceUnavailable, "ServiceUnavailable", msg}
	}
	switch op.proto {
	case awsQuery:
		return awsError{http.StatusConflict, "ConcurrentModification", "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again."}
	case restXMLS3:
		return awsError{http.StatusConflict, "OperationAborted", "A conflicting conditional operation is currently in progress against this resource. Try again."}
	}
	return awsError{http.StatusConflict, "ResourceConflictException", conflictMessage + p.resourceARN(op)}
}

// resourceARN is the ARN of the function or layer a Lambda call is about.
func (p *Proxy) resourceARN(op operation) string {
	if name, ok := op.params["FunctionName"]; ok {
		return functionARN(op.region, p.opts.AccountID, name)
	}
	if name, ok := op.params["LayerName"]; ok {
		if strings.HasPrefix(name, "arn:") {
			return name
		}
		return fmt.Sprintf("arn:aws:lambda:%s:%s:layer:%s", op.region, p.opts.AccountID, name)
	}
	return op.name
}

// functionARN turns any form Lambda accepts for a function (name, name with
// qualifier, partial ARN, ARN) into the unqualified function ARN AWS names in
// its messages.
func functionARN(region, account, name string) string {
	if strings.HasPrefix(name, "arn:") {
		parts := strings.Split(name, ":")
		return strings.Join(parts[:min(len(parts), 7)], ":")
	}
	if acct, fn, ok := strings.Cut(name, ":function:"); ok {
		account, name = acct, fn
	}
	name, _, _ = strings.Cut(name, ":")
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, name)
}

// writeError answers the call with the fault's error and returns the status.
func (p *Proxy) writeError(w http.ResponseWriter, r *http.Request, op operation, kind faultKind, seq int) int {
	e := p.errorFor(op, kind)
	// The request ID says where the error came from when a test prints it.
	requestID := fmt.Sprintf("faultproxy-%d", seq)
	h := w.Header()
	var body []byte
	switch op.proto {
	case restJSON, awsJSON:
		h.Set("X-Amzn-ErrorType", e.code)
		h.Set("X-Amzn-RequestId", requestID)
		h.Set("Content-Type", "application/json")
		if op.proto == awsJSON {
			h.Set("Content-Type", "application/x-amz-json-1.1")
		}
		errType := "User"
		if e.status >= 500 {
			errType = "Service"
		}
		body, _ = json.Marshal(struct {
			Code    string `json:"__type"`
			Type    string `json:"Type,omitempty"`
			Message string `json:"message"`
		}{e.code, errType, e.message})
	case awsQuery:
		h.Set("Content-Type", "text/xml")
		h.Set("X-Amzn-RequestId", requestID)
		errType := "Sender"
		if e.status >= 500 {
			errType = "Receiver"
		}
		type queryError struct {
			Type    string
			Code    string
			Message string
		}
		body, _ = xml.Marshal(struct {
			XMLName   xml.Name `xml:"ErrorResponse"`
			Error     queryError
			RequestID string `xml:"RequestId"`
		}{Error: queryError{errType, e.code, e.message}, RequestID: requestID})
	case restXMLS3:
		h.Set("Content-Type", "application/xml")
		h.Set("X-Amz-Request-Id", requestID)
		body, _ = xml.Marshal(struct {
			XMLName   xml.Name `xml:"Error"`
			Code      string
			Message   string
			RequestID string `xml:"RequestId"`
		}{Code: e.code, Message: e.message, RequestID: requestID})
		body = append([]byte(xml.Header), body...)
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(e.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return e.status
}
