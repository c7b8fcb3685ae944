package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lambcli/lamb/internal/faultproxy"
	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/packager"
	"github.com/lambcli/lamb/pkg/pipeline"
)

func TestPlanFlags(t *testing.T) {
	t.Parallel()
	io, _, _ := ui.Test()
	tests := []struct {
		args    []string
		want    PlanOptions
		wantErr string
	}{
		{nil, PlanOptions{Concurrency: pipeline.DefaultConcurrency}, ""},
		{[]string{"api", "worker", "--exit-code", "--no-cache", "--concurrency", "2"}, PlanOptions{Functions: []string{"api", "worker"}, ExitCode: true, NoCache: true, Concurrency: 2}, ""},
		{[]string{"--exit-code=false"}, PlanOptions{Concurrency: pipeline.DefaultConcurrency}, ""},
		{[]string{"--concurrency", "x"}, PlanOptions{}, "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *PlanOptions
			c := newPlanCmd(&Factory{IO: io}, func(_ context.Context, o *PlanOptions) error { got = o; return nil })
			// Not nil: cobra would read the test binary's own arguments.
			c.SetArgs(append([]string{}, tt.args...))
			c.SetOut(&bytes.Buffer{})
			c.SetErr(&bytes.Buffer{})
			err := c.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Errorf("err = %v, want %q without running", err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil {
				t.Fatalf("err = %v, ran = %v", err, got != nil)
			}
			if !slices.Equal(got.Functions, tt.want.Functions) || got.ExitCode != tt.want.ExitCode || got.NoCache != tt.want.NoCache || got.Concurrency != tt.want.Concurrency {
				t.Errorf("options = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// awsProject is a lamb project on the emulator: plans go through a proxy
// that records every AWS call, deploys go straight to the emulator.
type awsProject struct {
	t     *testing.T
	env   *testenv.Env
	proxy *faultproxy.Proxy
	dir   string
}

func newAWSProject(t *testing.T) *awsProject {
	t.Helper()
	env := testenv.Moto(t)
	p, err := faultproxy.New(env.Endpoint, faultproxy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	t.Setenv("LAMB_CACHE_DIR", t.TempDir())
	dir := t.TempDir()
	write(t, filepath.Join(dir, "index.mjs"), []byte("export const handler = async () => 1;\n"))
	return &awsProject{t: t, env: env, proxy: p, dir: dir}
}

// yaml writes lamb.yaml; ROLE stands for the emulator's execution role.
func (p *awsProject) yaml(doc string) {
	p.t.Helper()
	write(p.t, filepath.Join(p.dir, "lamb.yaml"), []byte(strings.ReplaceAll(doc, "ROLE", p.env.RoleARN)))
}

// lamb runs lamb on the project against the emulator itself.
func (p *awsProject) lamb(args ...string) (code int, stdout, stderr string) {
	p.t.Helper()
	return run(p.t, append(args, "-c", filepath.Join(p.dir, "lamb.yaml"), "--endpoint-url", p.env.Endpoint)...)
}

// deploy runs lamb deploy on the project and stops the test when it fails.
func (p *awsProject) deploy() (stdout string) {
	p.t.Helper()
	code, stdout, stderr := p.lamb("deploy")
	if code != ExitOK {
		p.t.Fatalf("deploy: exit %d\n%s%s", code, stdout, stderr)
	}
	return stdout
}

// planFunction runs lamb plan -o json and returns its exit code and the
// plan of the project's first function.
func (p *awsProject) planFunction() (int, pipeline.PlanResult) {
	p.t.Helper()
	code, stdout, _ := p.plan("-o", "json")
	return code, planJSON(p.t, stdout).Functions[0]
}

// plan runs lamb plan through the recording proxy and fails the test on
// any AWS call that is not a read.
func (p *awsProject) plan(args ...string) (code int, stdout, stderr string) {
	p.t.Helper()
	p.proxy.Reset()
	code, stdout, stderr = run(p.t, append([]string{"plan", "-c", filepath.Join(p.dir, "lamb.yaml"), "--endpoint-url", p.proxy.URL()}, args...)...)
	p.assertOnlyReads()
	return code, stdout, stderr
}

// assertOnlyReads checks every call the proxy saw since its last reset:
// any whose operation does not start with Get, List, Describe or Head is
// a write.
func (p *awsProject) assertOnlyReads() {
	p.t.Helper()
	calls := p.proxy.Calls()
	read := false
	for _, c := range calls {
		if !slices.ContainsFunc([]string{"Get", "List", "Describe", "Head"}, func(read string) bool { return strings.HasPrefix(c.Operation, read) }) {
			p.t.Errorf("lamb plan made a write call: %s (%s %s)", c.Name(), c.Method, c.Path)
		}
		read = read || c.Name() == "lambda:GetFunction"
	}
	if !read {
		p.t.Errorf("lamb plan did not read the function through the proxy (calls %v)", calls)
	}
}

var skippedNotes = regexp.MustCompile(`"skipped": \[[^\]]*\]`)

func planJSON(t *testing.T, stdout string) pipeline.PlanReport {
	t.Helper()
	var r pipeline.PlanReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("plan output is not a plan document: %v\n%s", err, stdout)
	}
	return r
}

func fields(cs []deploy.Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Field)
	}
	return out
}

const planYAML = `functions:
  api:
    name: plan-api
    runtime: nodejs22.x
    handler: index.handler
    role: ROLE
    memory: MEMORY
    environment:
      vars: {TABLE: "${env:PLAN_TABLE}"}
    tags: {team: orders}
    package: {dependencies: none}
`

// TestPlanFollowsTheFunctionThroughItsLife plans a function before it
// exists, right after a deploy, and after lamb.yaml changes; no plan writes.
func TestPlanFollowsTheFunctionThroughItsLife(t *testing.T) {
	p := newAWSProject(t)
	const first, second = "orders-v1-s3cr3t", "orders-v2-s3cr3t"
	t.Setenv("PLAN_TABLE", first)
	p.yaml(strings.ReplaceAll(planYAML, "MEMORY", "256"))
	noSecret := func(outputs ...string) {
		t.Helper()
		for _, o := range outputs {
			if strings.Contains(o, first) || strings.Contains(o, second) {
				t.Errorf("an environment value reached the output:\n%s", o)
			}
		}
	}

	// Missing: create, exit 0 without --exit-code, 10 with it.
	code, stdout, stderr := p.plan()
	if code != ExitOK || !strings.Contains(stdout, "api (plan-api)  create") || !strings.Contains(stdout, "environment.TABLE  (set)") {
		t.Fatalf("plan of a missing function: exit %d\n%s%s", code, stdout, stderr)
	}
	noSecret(stdout, stderr)
	code, stdout, _ = p.plan("--exit-code", "-o", "json")
	r := planJSON(t, stdout)
	if code != ExitChanges || r.Changes != 1 || r.Functions[0].Action != pipeline.ActionCreate ||
		r.Functions[0].Upload == nil || r.Functions[0].Upload.Route != pipeline.RouteDirect || r.Functions[0].Alias.Action != pipeline.AliasCreate {
		t.Errorf("plan --exit-code of a missing function: exit %d, %+v", code, r)
	}
	noSecret(stdout)

	// Deployed: up to date, exit 0 even with --exit-code.
	p.deploy()
	code, stdout, stderr = p.plan("--exit-code")
	if code != ExitOK || !strings.Contains(stdout, "api (plan-api)  up to date") || !strings.Contains(stdout, "0 to create, 0 to update, 1 up to date") {
		t.Errorf("plan after deploy: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = p.plan("--exit-code", "-o", "json")
	if r := planJSON(t, stdout); code != ExitOK || r.Changes != 0 || r.Functions[0].Action != pipeline.ActionUpToDate || r.Functions[0].Upload != nil {
		t.Errorf("plan -o json after deploy: exit %d, %+v", code, r)
	}

	// More memory: exit 10 with the difference.
	p.yaml(strings.ReplaceAll(planYAML, "MEMORY", "512"))
	code, stdout, stderr = p.plan("--exit-code")
	if code != ExitChanges || !strings.Contains(stdout, "  memory    256 → 512\n") || !strings.Contains(stdout, "  alias     live: 1 → new version\n") {
		t.Errorf("plan after a memory change: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = p.plan("--exit-code", "-o", "json")
	if r := planJSON(t, stdout); code != ExitChanges || !slices.Equal(fields(r.Functions[0].ConfigChanges), []string{"memory"}) || r.Functions[0].Code.Changed {
		t.Errorf("plan -o json after a memory change: exit %d, %+v", code, r)
	}

	// A new environment value: named, never shown.
	t.Setenv("PLAN_TABLE", second)
	code, stdout, stderr = p.plan("--exit-code")
	if code != ExitChanges || !strings.Contains(stdout, "  environment.TABLE  (changed)\n") {
		t.Errorf("plan after an environment change: exit %d\n%s%s", code, stdout, stderr)
	}
	noSecret(stdout, stderr)
	golden.Assert(t, "plan/update.golden", []byte(stdout))

	// The same plan for a pull-request comment, and as the job summary.
	summary := filepath.Join(t.TempDir(), "summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	code, stdout, stderr = p.plan("-o", "markdown")
	t.Setenv("GITHUB_STEP_SUMMARY", "")
	if code != ExitOK {
		t.Errorf("plan -o markdown: exit %d\n%s", code, stderr)
	}
	noSecret(stdout, stderr)
	// What the pre-flight skipped depends on what the emulator implements.
	md := regexp.MustCompile(`(?m)^- skipped: .*\n`).ReplaceAllString(stdout, "")
	golden.Assert(t, "plan/update.md.golden", []byte(md))
	if written, err := os.ReadFile(summary); err != nil || string(written) != stdout {
		t.Errorf("job summary = %q, %v; want what plan -o markdown printed", written, err)
	}
	code, stdout, stderr = p.plan("--exit-code", "-o", "json")
	if code != ExitChanges || stderr != "" {
		t.Errorf("plan -o json after an environment change: exit %d, stderr %q", code, stderr)
	}
	noSecret(stdout)
	// What the pre-flight skipped depends on what the emulator implements.
	doc := skippedNotes.ReplaceAllString(stdout, `"skipped": ["(the pre-flight's notes)"]`)
	golden.Assert(t, "plan/update.json.golden", []byte(doc))
}

// TestPlanManagedRoleAndStoredZip plans a function whose role lamb would
// create and whose zip goes through S3, before and after the zip is there.
func TestPlanManagedRoleAndStoredZip(t *testing.T) {
	p := newAWSProject(t)
	p.yaml(`functions:
  worker:
    runtime: nodejs22.x
    handler: index.handler
    package: {dependencies: none}
    deploy: {s3: {bucket: ` + p.env.Bucket + `, prefix: lamb/}}
`)
	code, stdout, stderr := p.plan("-o", "json")
	r := planJSON(t, stdout)
	if code != ExitOK || len(r.Functions) != 1 {
		t.Fatalf("plan: exit %d\n%s%s", code, stdout, stderr)
	}
	f := r.Functions[0]
	if f.Role == nil || !f.Role.Create || f.Role.Name != "worker-lamb-exec" || len(f.Role.Attach) != 1 {
		t.Errorf("role = %+v, want worker-lamb-exec to create with basic execution", f.Role)
	}
	if f.Upload == nil || f.Upload.Route != pipeline.RouteS3 || f.Upload.Bucket != p.env.Bucket || f.Upload.AlreadyUploaded {
		t.Fatalf("upload = %+v, want s3 into %s, not there yet", f.Upload, p.env.Bucket)
	}

	// Store the zip where deploy would, as deploy would, then plan again.
	m := readManifest(t, filepath.Join(p.dir, ".lamb", "build", "worker.json"))
	zip, err := os.ReadFile(m.ZipPath)
	if err != nil {
		t.Fatal(err)
	}
	s3c, err := p.env.Session(t).S3(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String(p.env.Bucket), Key: aws.String(f.Upload.Key), Body: bytes.NewReader(zip),
		Metadata: map[string]string{deploy.CodeSha256Metadata: m.CodeSha256},
	}); err != nil {
		t.Fatal(err)
	}
	if want := "lamb/worker/" + m.ContentHash + ".zip"; f.Upload.Key != want {
		t.Errorf("key = %s, want %s", f.Upload.Key, want)
	}
	code, stdout, stderr = p.plan()
	if code != ExitOK || !strings.Contains(stdout, "(s3, already uploaded)") || !strings.Contains(stdout, "  role      create worker-lamb-exec with AWSLambdaBasicExecutionRole\n") {
		t.Errorf("plan with the zip in S3: exit %d\n%s%s", code, stdout, stderr)
	}
}

func readManifest(t *testing.T, path string) packager.Manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m packager.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPlanStopsAtALimitViolation: like deploy, exit 3 before any function
// is read.
func TestPlanStopsAtALimitViolation(t *testing.T) {
	p := newAWSProject(t)
	p.yaml(`functions:
  api: {runtime: nodejs22.x, handler: index.handler, role: ROLE, memory: 20000, package: {dependencies: none}}
`)
	p.proxy.Reset()
	code, stdout, stderr := run(t, "plan", "-c", filepath.Join(p.dir, "lamb.yaml"), "--endpoint-url", p.proxy.URL())
	if code != ExitLimit || !strings.Contains(stdout, "memory") {
		t.Errorf("exit %d, want %d with the finding\n%s%s", code, ExitLimit, stdout, stderr)
	}
	for _, c := range p.proxy.Calls() {
		if c.Name() != "lambda:GetAccountSettings" {
			t.Errorf("call %s before the pre-flight passed", c.Name())
		}
	}
}
