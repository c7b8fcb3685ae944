package faulttest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"

	"github.com/lambcli/lamb/internal/faultproxy"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/pipeline"
)

const (
	projectName = "faults"
	alias       = config.DefaultAlias
	// blobBytes makes an S3-route zip larger than one upload part
	// (deploy.DefaultPartSize), so it goes up in a multipart upload.
	blobBytes = deploy.DefaultPartSize + 512<<10
)

// function is one function of the test project with the settings the next
// deploy asks for; the tests change them between deploys.
type function struct {
	key string
	// s3 sends the zip through the test bucket, in parts.
	s3 bool
	// build is written into index.js: a new build is new code.
	build  int
	memory int
	// round is the ROUND environment variable.
	round int
}

func (f *function) name() string { return projectName + "-" + f.key }

// release is what a deploy asks of one function, or what a version holds:
// the code and the settings the tests vary.
type release struct {
	code   string // CodeSha256
	memory int32
	round  string
}

func (r release) String() string {
	return fmt.Sprintf("code %s memory %d ROUND=%s", r.code[:8], r.memory, r.round)
}

// project is a lamb.yaml folder on disk.
type project struct {
	dir, cache   string
	role, bucket string
	fns          []*function
}

func newProject(t *testing.T, env *testenv.Env, fns ...*function) *project {
	t.Helper()
	p := &project{dir: t.TempDir(), cache: t.TempDir(), role: env.RoleARN, bucket: env.Bucket, fns: fns}
	for _, f := range fns {
		if err := os.MkdirAll(filepath.Join(p.dir, f.key), 0o755); err != nil {
			t.Fatal(err)
		}
		if !f.s3 {
			continue
		}
		// Random bytes do not compress, so the zip stays above one part.
		if err := os.WriteFile(filepath.Join(p.dir, f.key, "blob.bin"), randomBytes(blobBytes, 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.write(t)
	return p
}

// randomBytes returns n bytes drawn from seed.
func randomBytes(n int64, seed uint64) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, 2))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// write puts lamb.yaml and each function's index.js on disk as the
// functions' fields say.
func (p *project) write(t *testing.T) {
	t.Helper()
	var y strings.Builder
	fmt.Fprintf(&y, "project: %s\ndefaults:\n  runtime: nodejs22.x\n  handler: index.handler\n  role: %s\n  package: {dependencies: none}\nfunctions:\n", projectName, p.role)
	for _, f := range p.fns {
		s3 := ""
		if f.s3 {
			s3 = ", s3: {bucket: " + p.bucket + "}"
		}
		// keepVersions 0: every published version must still be there at
		// the end (moto also numbers a new version after the count of
		// versions, so a pruned one would make it reuse a number).
		fmt.Fprintf(&y, "  %s:\n    source: %s\n    memory: %d\n    environment: {vars: {ROUND: %q}}\n    deploy: {keepVersions: 0%s}\n",
			f.key, f.key, f.memory, strconv.Itoa(f.round), s3)
		code := fmt.Sprintf("exports.handler = async () => ({function: %q, build: %d});\n", f.key, f.build)
		if err := os.WriteFile(filepath.Join(p.dir, f.key, "index.js"), []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(p.dir, "lamb.yaml"), []byte(y.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// released returns what the last packaging of f asks for: the CodeSha256 of
// the zip lamb wrote, and the settings of lamb.yaml.
func (p *project) released(t *testing.T, f *function) release {
	t.Helper()
	zip, err := os.ReadFile(filepath.Join(p.dir, ".lamb", "build", f.key+".zip"))
	if err != nil {
		t.Fatalf("read the zip of %s: %v", f.key, err)
	}
	sum := sha256.Sum256(zip)
	return release{code: base64.StdEncoding.EncodeToString(sum[:]), memory: int32(f.memory), round: strconv.Itoa(f.round)}
}

// deploy runs lamb's deploy of the whole project in this process, with the
// deployer's waits shortened (moto's functions are settled at once).
func (p *project) deploy(ctx context.Context, t *testing.T, clients func(context.Context) (pipeline.DeployClients, error), concurrency int) (pipeline.DeployReport, error) {
	t.Helper()
	cfg, err := config.Load(ctx, p.dir, config.LoadOptions{})
	if err != nil {
		t.Fatalf("load the project's lamb.yaml: %v", err)
	}
	return pipeline.Deploy(ctx, cfg, cfg.Functions, pipeline.DeployOptions{
		CheckOptions: pipeline.CheckOptions{
			Options: pipeline.Options{CacheDir: p.cache, Concurrency: concurrency, Workers: 1},
			Now:     time.Now(),
		},
		Clients:     clients,
		LambVersion: "faulttest",
		Tune: func(d *deploy.Deployer) {
			d.PollInterval = time.Millisecond
			d.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
		},
	})
}

// clientsVia returns lamb's AWS clients for endpoint, built by awsconf as
// the CLI builds them (adaptive retries, maxAttempts per call), with the
// retryer's backoff shortened so that a storm of retries does not sleep
// for seconds. The adaptive retryer's own rate limiting after a throttle is
// kept: it is what a throttle costs lamb. tweaks change the configuration
// further.
func clientsVia(env *testenv.Env, endpoint string, maxAttempts int, tweaks ...func(*aws.Config)) func(context.Context) (pipeline.DeployClients, error) {
	return func(ctx context.Context) (pipeline.DeployClients, error) {
		opts := awsconf.Options{EndpointURL: endpoint, Region: env.Region, MaxAttempts: maxAttempts}
		cfg, err := awsconf.Load(ctx, opts)
		if err != nil {
			return pipeline.DeployClients{}, err
		}
		for _, tweak := range tweaks {
			tweak(&cfg)
		}
		// The SDK warns of every cut body; the test judges them itself.
		cfg.Logger = logging.Nop{}
		retryer := cfg.Retryer
		cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxBackoffDelay(retryer(), time.Millisecond) }
		sess := awsconf.NewSessionFromConfig(cfg, opts)
		lam, err := sess.Lambda(ctx)
		if err != nil {
			return pipeline.DeployClients{}, err
		}
		s3c, err := sess.S3(ctx)
		if err != nil {
			return pipeline.DeployClients{}, err
		}
		iamc, err := sess.IAM(ctx)
		if err != nil {
			return pipeline.DeployClients{}, err
		}
		return pipeline.DeployClients{Lambda: lam, S3: s3c, IAM: iamc, Region: env.Region}, nil
	}
}

// newProxy starts a fault proxy in front of the emulator for the test.
func newProxy(t *testing.T, env *testenv.Env, opts faultproxy.Options) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.New(env.Endpoint, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// checkConverges deploys the project twice through a fault-free proxy with
// deploy: the first must succeed and leave every alias on the code and
// settings the project asks for now, the second must find every function
// up to date and write nothing. It returns how many functions the first
// deployed.
func checkConverges(t *testing.T, env *testenv.Env, rd *reader, proj *project, deploy func(endpoint string) (pipeline.DeployReport, error)) int {
	t.Helper()
	clean := newProxy(t, env, faultproxy.Options{})
	deployed := 0
	for pass := 1; pass <= 2; pass++ {
		clean.Reset()
		report, err := deploy(clean.URL())
		if err != nil {
			t.Fatalf("fault-free deploy %d: %v", pass, err)
		}
		for i, f := range proj.fns {
			switch outcome := report.Functions[i].Outcome; {
			case pass == 1 && outcome == pipeline.OutcomeDeployed:
				deployed++
			case pass == 2 && outcome != pipeline.OutcomeUpToDate:
				t.Errorf("second fault-free deploy: %s is %q, want %q", f.key, outcome, pipeline.OutcomeUpToDate)
			}
			want := proj.released(t, f)
			if l, _, err := rd.live(t.Context(), f.name()); err != nil || l.release != want {
				t.Errorf("fault-free deploy %d: alias of %s serves %s (%v), want %s", pass, f.key, l.release, err, want)
			}
		}
		if w := writes(clean.Calls()); pass == 2 && len(w) > 0 {
			t.Errorf("second fault-free deploy wrote %v, want no write", w)
		}
	}
	return deployed
}

// reader reads what moto holds with plain SDK clients that bypass the proxy
// and lamb's own read functions.
type reader struct {
	lambda *lambda.Client
	s3     *s3.Client
	bucket string
}

func newReader(t *testing.T, env *testenv.Env) *reader {
	t.Helper()
	sess := env.Session(t)
	lc, err := sess.Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := sess.S3(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return &reader{lambda: lc, s3: sc, bucket: env.Bucket}
}

// live is what a function's alias serves.
type live struct {
	version string
	release release
}

// live reads the alias of name and the version it points at; ok is false
// when the alias does not exist. An alias on $LATEST or with weights is an
// error: lamb only ever points it at one published version.
func (r *reader) live(ctx context.Context, name string) (l live, ok bool, err error) {
	a, err := r.lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(name), Name: aws.String(alias)})
	var nf *lambdatypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return live{}, false, nil
	}
	if err != nil {
		return live{}, false, fmt.Errorf("read alias %s of %s: %w", alias, name, err)
	}
	l.version = aws.ToString(a.FunctionVersion)
	if _, err := strconv.Atoi(l.version); err != nil {
		return l, true, fmt.Errorf("alias %s of %s is on %q, not on a published version", alias, name, l.version)
	}
	if a.RoutingConfig != nil && len(a.RoutingConfig.AdditionalVersionWeights) > 0 {
		return l, true, fmt.Errorf("alias %s of %s still routes to %v besides version %s", alias, name, a.RoutingConfig.AdditionalVersionWeights, l.version)
	}
	v, err := r.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name), Qualifier: aws.String(l.version)})
	if err != nil {
		return l, true, fmt.Errorf("alias %s of %s is on version %s, which cannot be read: %w", alias, name, l.version, err)
	}
	c := v.Configuration
	l.release = release{code: aws.ToString(c.CodeSha256), memory: aws.ToInt32(c.MemorySize)}
	if c.Environment != nil {
		l.release.round = c.Environment.Variables["ROUND"]
	}
	return l, true, nil
}

// versions lists the published version numbers of name, in order.
func (r *reader) versions(ctx context.Context, name string) ([]int, error) {
	var out []int
	p := lambda.NewListVersionsByFunctionPaginator(r.lambda, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list versions of %s: %w", name, err)
		}
		for _, v := range page.Versions {
			if n, err := strconv.Atoi(aws.ToString(v.Version)); err == nil {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// uploadsInProgress lists the multipart uploads left open in the bucket.
func (r *reader) uploadsInProgress(ctx context.Context) ([]string, error) {
	out, err := r.s3.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(r.bucket)})
	if err != nil {
		return nil, fmt.Errorf("list multipart uploads in %s: %w", r.bucket, err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key)+" "+aws.ToString(u.UploadId))
	}
	return keys, nil
}

// writes lists the calls that change something in AWS.
func writes(calls []faultproxy.Call) []string {
	var w []string
	for _, c := range calls {
		if !isRead(c.Operation) {
			w = append(w, c.Name())
		}
	}
	return w
}

func isRead(op string) bool {
	for _, prefix := range []string{"Get", "List", "Head"} {
		if strings.HasPrefix(op, prefix) {
			return true
		}
	}
	return false
}
