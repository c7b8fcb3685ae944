// Package testenv runs lamb's integration tests against moto, an AWS emulator
// started on loopback: it starts one moto_server per test package, resets it for
// each test, creates the IAM role and S3 bucket every deploy needs, and builds the
// AWS config through pkg/awsconf, the same code the CLI uses.
//
// It leaves what moto cannot emulate (RevisionId conflicts, Pending states,
// CodeDeploy progress) to fakes in the tests that need them.
//
// The moto it runs is the one requirements-test.txt pins, installed by
// `make emulator` into the module's .venv or by .ci/run into its own virtual
// environment (named by LAMB_MOTO_SERVER); a moto_server on PATH is the last
// resort.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
//	func TestDeploy(t *testing.T) {
//		env := testenv.Moto(t)
//		cfg := env.AWSConfig(t)
//		...
//	}
//
// Every Moto call resets the shared emulator and sets environment variables with
// t.Setenv, so tests that use it cannot run in parallel with each other.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lambcli/lamb/pkg/awsconf"
)

const (
	// Region is the region every test environment uses.
	Region = "us-east-1"
	// AccountID is the only account moto knows.
	AccountID = "123456789012"
	// RoleName is the execution role created for each test.
	RoleName = "lamb-test"
	// BucketName is the artifact bucket created for each test.
	BucketName = "lamb-test-artifacts"

	// RequireEnv makes a missing moto_server fail the tests instead of skipping
	// them; .ci/run sets it so that CI never silently skips the emulator tests.
	RequireEnv = "LAMB_REQUIRE_MOTO"

	// ServerEnv names the moto_server to run, ahead of the module's .venv and
	// PATH; .ci/run points it at the one it installed from requirements-test.txt.
	ServerEnv = "LAMB_MOTO_SERVER"

	// venvDir is where `make emulator` installs the pinned moto, relative to
	// the module root.
	venvDir = ".venv"

	// AccessKeyID and SecretAccessKey are the static credentials the tests use;
	// moto accepts any.
	AccessKeyID     = "test"
	SecretAccessKey = "test"

	startTimeout   = 30 * time.Second
	controlTimeout = 15 * time.Second
	// awsCallTimeout bounds one SDK request to moto; uploads of the largest test
	// artifacts (tens of MB over loopback) fit comfortably.
	awsCallTimeout = 60 * time.Second
)

const lambdaTrustPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"
  }]
}`

// Env is one test's view of the emulator: where it is, and the role and bucket
// that were created for the test.
type Env struct {
	// Endpoint is the emulator's base URL, for --endpoint-url.
	Endpoint string
	// Region is the region the role and bucket live in.
	Region string
	// RoleARN is the ARN of the Lambda execution role RoleName.
	RoleARN string
	// Bucket is the artifact bucket BucketName.
	Bucket string

	srv *server
}

// The emulators are shared by all tests of one package: one test binary, one
// server of each kind. mainInUse records that Main will stop them.
// Both make Lambda resolve an image function's ImageUri in the emulated
// ECR, as AWS does, so its CodeSha256 is the image's digest.
var (
	plain        = &emulator{env: []string{realECR}}
	withPolicies = &emulator{env: []string{"MOTO_IAM_LOAD_MANAGED_POLICIES=true", realECR}}
	mainInUse    bool
)

const realECR = "MOTO_LAMBDA_STUB_ECR=false"

// emulator is one moto_server, started on first use with env added to its
// environment.
type emulator struct {
	once sync.Once
	srv  *server
	err  error
	env  []string
}

func (em *emulator) start(path string) (*server, error) {
	em.once.Do(func() { em.srv, em.err = start(path, em.env) })
	return em.srv, em.err
}

// Main runs the package's tests and then stops the emulator if a test started
// it. Call it from TestMain; it does not return.
func Main(m *testing.M) {
	os.Exit(WrapM(m).Run())
}

// Runner is what runs a package's tests: *testing.M, or a harness around
// it such as testscript's.
type Runner interface{ Run() int }

// WrapM returns m with the emulators stopped after its tests, for a
// TestMain that hands m to another harness (testscript.Main) instead of
// calling Main.
func WrapM(m Runner) Runner {
	mainInUse = true
	return runnerFunc(func() int {
		code := m.Run()
		for _, em := range []*emulator{plain, withPolicies} {
			if em.srv != nil {
				em.srv.stop(code == 0)
			}
		}
		return code
	})
}

type runnerFunc func() int

func (f runnerFunc) Run() int { return f() }

// Moto returns a freshly reset emulator with the test role and bucket in place,
// starting moto_server on first use (see findServer for which one). It skips
// the test when moto_server is not installed, unless LAMB_REQUIRE_MOTO is set,
// in which case it fails it.
func Moto(t testing.TB) *Env {
	t.Helper()
	return motoOn(t, plain)
}

// MotoWithManagedPolicies is Moto on a second emulator that also holds AWS's
// managed policies, for tests that attach them to roles (AttachRolePolicy
// refuses arn:aws:iam::aws:policy/... otherwise). Loading them makes each reset
// about two seconds slower, which tests that do not need them should not pay.
func MotoWithManagedPolicies(t testing.TB) *Env {
	t.Helper()
	return motoOn(t, withPolicies)
}

func motoOn(t testing.TB, em *emulator) *Env {
	t.Helper()
	path, err := findServer()
	var named *namedServerError
	switch {
	case errors.As(err, &named):
		t.Fatal(err)
	case err != nil:
		const install = "run make emulator to install the moto that requirements-test.txt pins into .venv"
		if v := os.Getenv(RequireEnv); v != "" && v != "0" {
			t.Fatalf("%v and %s=%s: %s", err, RequireEnv, v, install)
		}
		t.Skipf("skipping AWS emulator test: %v (%s; set %s=1 to make this a failure)", err, install, RequireEnv)
	}
	if !mainInUse {
		t.Fatal("testenv.Moto needs testenv.Main: add func TestMain(m *testing.M) { testenv.Main(m) } to the package so the emulator is stopped")
	}
	shared, err := em.start(path)
	if err != nil {
		t.Fatalf("start moto_server: %v", err)
	}

	e := &Env{Endpoint: shared.endpoint, Region: Region, Bucket: BucketName, srv: shared}
	e.setCredentialsEnv(t)
	if err := shared.post("/moto-api/reset", nil); err != nil {
		t.Fatalf("reset moto: %v (server log: %s)", err, shared.logPath)
	}

	ctx := t.Context()
	sess := e.Session(t)
	iamClient, err := sess.IAM(ctx)
	if err != nil {
		t.Fatalf("IAM client for moto: %v", err)
	}
	s3Client, err := sess.S3(ctx)
	if err != nil {
		t.Fatalf("S3 client for moto: %v", err)
	}
	var role *iam.CreateRoleOutput
	err = setupCall(func() (err error) {
		role, err = iamClient.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(RoleName),
			AssumeRolePolicyDocument: aws.String(lambdaTrustPolicy),
		})
		if err != nil && strings.Contains(err.Error(), "EntityAlreadyExists") {
			// The first attempt was applied; only its answer was lost.
			var got *iam.GetRoleOutput
			if got, err = iamClient.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(RoleName)}); err == nil {
				role = &iam.CreateRoleOutput{Role: got.Role}
			}
		}
		return err
	})
	if err != nil {
		t.Fatalf("create IAM role %s in moto: %v (server log: %s)", RoleName, err, shared.logPath)
	}
	e.RoleARN = aws.ToString(role.Role.Arn)
	err = setupCall(func() error {
		_, err := s3Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(BucketName)})
		return err
	})
	if err != nil {
		t.Fatalf("create S3 bucket %s in moto: %v (server log: %s)", BucketName, err, shared.logPath)
	}
	return e
}

// setupCall runs one of the harness's own setup calls, once more when the
// first attempt met a broken connection: under load the emulator's server
// occasionally drops one, and the harness (not the code under test, whose
// clients make one attempt) should not fail a test for it.
func setupCall(call func() error) error {
	err := call()
	if err != nil && (strings.Contains(err.Error(), "closed network connection") || strings.Contains(err.Error(), "connection reset")) {
		err = call()
	}
	return err
}

// namedServerError is a moto_server named by LAMB_MOTO_SERVER that cannot be
// run: a mistake to fix, never a reason to skip.
type namedServerError struct {
	path string
	err  error
}

func (e *namedServerError) Error() string {
	return fmt.Sprintf("%s=%s cannot be run: %v; point it at a moto_server or unset it", ServerEnv, e.path, e.err)
}

func (e *namedServerError) Unwrap() error { return e.err }

// findServer returns the moto_server to run: the one LAMB_MOTO_SERVER names,
// else the one `make emulator` installed in the module's .venv, else the first
// on PATH. The pinned installs come first so that tests run against the moto
// version the project chose, not whichever one the machine has.
func findServer() (string, error) {
	if p := os.Getenv(ServerEnv); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", &namedServerError{path: p, err: err}
		}
		return path, nil
	}
	if root, ok := moduleRoot(); ok {
		bin := "bin"
		if runtime.GOOS == "windows" {
			bin = "Scripts"
		}
		if path, err := exec.LookPath(filepath.Join(root, venvDir, bin, "moto_server")); err == nil {
			return path, nil
		}
	}
	if path, err := exec.LookPath("moto_server"); err == nil {
		return path, nil
	}
	return "", fmt.Errorf("moto_server not found (%s is not set, no %s in the module, none on PATH)", ServerEnv, venvDir)
}

// moduleRoot is the folder of the nearest go.mod at or above the working
// directory, which go test sets to the package being tested.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Options are the awsconf options that point lamb at this emulator: its
// endpoint, the test region, and a single attempt per call so that calls moto
// does not implement fail at once. The static credentials come from the
// environment that Moto and AWSConfig set.
func (e *Env) Options() awsconf.Options {
	return awsconf.Options{EndpointURL: e.Endpoint, Region: e.Region, MaxAttempts: 1}
}

// Session returns an AWS session for this emulator over AWSConfig: the same
// wiring lamb's commands use, with the harness's timeouts.
func (e *Env) Session(t testing.TB) *awsconf.Session {
	t.Helper()
	return awsconf.NewSessionFromConfig(e.AWSConfig(t), e.Options())
}

// AWSConfig builds the AWS config for this emulator through awsconf.Load, with
// static test credentials and no CA bundle in the environment, and an HTTP
// client whose timeouts keep a hung emulator from hanging the test.
func (e *Env) AWSConfig(t testing.TB) aws.Config {
	t.Helper()
	e.setCredentialsEnv(t)
	cfg, err := awsconf.Load(t.Context(), e.Options())
	if err != nil {
		t.Fatalf("load AWS config for moto at %s: %v", e.Endpoint, err)
	}
	// One connection per call: under load the emulator's server sometimes
	// drops a kept-alive connection while the next answer is read from it.
	cfg.HTTPClient = awshttp.NewBuildableClient().
		WithTimeout(awsCallTimeout).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 2 * time.Second }).
		WithTransportOptions(func(tr *http.Transport) { tr.DisableKeepAlives = true })
	return cfg
}

// Environ is the environment a lamb process needs to talk to this emulator, for
// end-to-end tests that run the built binary: add it to the command's Env.
func (e *Env) Environ() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_REGION=" + e.Region,
		"AWS_ENDPOINT_URL=" + e.Endpoint,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
	}
}

// QueueInvokeResults makes the next Lambda Invoke calls (in any function of the
// test region) return results, in order, instead of echoing the request payload.
func (e *Env) QueueInvokeResults(t testing.TB, results ...string) {
	t.Helper()
	body := map[string]any{"results": results, "region": e.Region, "account_id": AccountID}
	if err := e.srv.post("/moto-api/static/lambda-simple/response", body); err != nil {
		t.Fatalf("queue %d invoke results in moto: %v (server log: %s)", len(results), err, e.srv.logPath)
	}
}

// LogPath is the file that holds moto's output, for failure messages.
func (e *Env) LogPath() string { return e.srv.logPath }

// setCredentialsEnv removes every AWS_* variable of the host (profiles, CA
// bundle, endpoints, real keys) for the duration of the test and sets static
// credentials, so tests behave the same on every machine.
func (e *Env) setCredentialsEnv(t testing.TB) {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") {
			t.Setenv(name, "") // registers the restore at the end of the test
			if err := os.Unsetenv(name); err != nil {
				t.Fatalf("unset %s: %v", name, err)
			}
		}
	}
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", SecretAccessKey)
	t.Setenv("AWS_REGION", e.Region)
}

// server is a running moto_server process.
type server struct {
	cmd      *exec.Cmd
	endpoint string
	logPath  string
	logFile  *os.File
	exited   chan struct{}
	http     *http.Client
}

var runningOn = regexp.MustCompile(`Running on (http://127\.0\.0\.1:[0-9]+)`)

// start launches moto_server on a free loopback port, waits until it answers,
// and switches Lambda to simple mode (no Docker is available). env is added to
// the server's environment.
func start(path string, env []string) (*server, error) {
	logFile, err := os.CreateTemp("", "lamb-moto-*.log")
	if err != nil {
		return nil, fmt.Errorf("create moto log file: %w", err)
	}
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", "0")
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Env = append(append(os.Environ(), "PYTHONUNBUFFERED=1"), env...)
	configureProcess(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("run %s: %w", path, err)
	}
	s := &server{
		cmd:     cmd,
		logPath: logFile.Name(),
		logFile: logFile,
		exited:  make(chan struct{}),
		http:    &http.Client{Timeout: controlTimeout},
	}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(); err != nil {
		s.stop(false)
		return nil, fmt.Errorf("%w (server log: %s)", err, s.logPath)
	}
	return s, nil
}

// waitReady reads the port from moto's log and waits until its control API
// accepts the Lambda simple-mode setting.
func (s *server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	for s.endpoint == "" {
		if m := runningOn.FindSubmatch(readLog(s.logPath)); m != nil {
			s.endpoint = string(m[1])
			break
		}
		if err := s.pause(deadline); err != nil {
			return fmt.Errorf("wait for moto_server to print its address: %w", err)
		}
	}
	config := map[string]any{"lambda": map[string]any{"use_docker": false}}
	for {
		err := s.post("/moto-api/config", config)
		if err == nil {
			return nil
		}
		if perr := s.pause(deadline); perr != nil {
			return fmt.Errorf("set Lambda simple mode at %s: %w (last error: %v)", s.endpoint, perr, err)
		}
	}
}

// pause waits a little before the next readiness probe, and says why to stop.
func (s *server) pause(deadline time.Time) error {
	select {
	case <-s.exited:
		return errors.New("moto_server exited")
	case <-time.After(50 * time.Millisecond):
	}
	if time.Now().After(deadline) {
		return fmt.Errorf("not ready after %s", startTimeout)
	}
	return nil
}

// post sends a JSON body (or none) to moto's control API.
func (s *server) post(path string, body any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request for %s: %w", path, err)
		}
		r = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), controlTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// stop kills moto's process group and, when the tests passed, removes its log.
func (s *server) stop(removeLog bool) {
	killProcess(s.cmd)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
	}
	s.logFile.Close()
	if removeLog {
		os.Remove(s.logPath)
	}
}

func readLog(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}

// Python returns a Python that can import boto3, for tests that read AWS
// state back with an independent client: the one beside the moto_server in
// use (its virtual environment holds the pinned boto3), else python3. It
// skips the test when there is none, unless LAMB_REQUIRE_MOTO is set.
func Python(t testing.TB) string {
	t.Helper()
	var candidates []string
	if server, err := findServer(); err == nil {
		candidates = append(candidates, filepath.Join(filepath.Dir(server), "python"))
	}
	candidates = append(candidates, "python3")
	for _, c := range candidates {
		path, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import boto3").Run() == nil {
			return path
		}
	}
	msg := "no Python with boto3 (run make emulator)"
	if v := os.Getenv(RequireEnv); v != "" && v != "0" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
