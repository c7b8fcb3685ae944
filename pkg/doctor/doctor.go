// Package doctor checks what this machine and AWS account need for a
// lamb.yaml: the build tools each function's runtime uses, with their
// versions; the AWS region, endpoint and credentials with where they come
// from; whether the account answers; and whether lamb's cache folder is
// writable. It reports; the command prints.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/packager"
	"github.com/lambcli/lamb/pkg/packager/builder"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// Status is the outcome of one check.
type Status string

// A required check that is Missing or Fail makes the report not ready; Warn
// is something that works but may not be what is wanted, or an optional
// tool that is absent.
const (
	OK      Status = "ok"
	Warn    Status = "warn"
	Missing Status = "missing"
	Fail    Status = "fail"
	Skipped Status = "skipped"
)

// Check is one line of the report.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail says what was found: a version and path, a region and its source.
	Detail string `json:"detail,omitempty"`
	// Hint says how to install or fix what is missing or wrong.
	Hint     string `json:"hint,omitempty"`
	Required bool   `json:"required"`
	Version  string `json:"version,omitempty"`
	Path     string `json:"path,omitempty"`
	// Functions are the lamb.yaml keys of the functions that need a tool.
	Functions []string `json:"functions,omitempty"`
}

// Report is every check, in a stable order, with counts.
type Report struct {
	Checks   []Check `json:"checks"`
	Ready    bool    `json:"ready"`
	Missing  int     `json:"missing"`
	Failed   int     `json:"failed"`
	Warnings int     `json:"warnings"`
}

func newReport(checks []Check) Report {
	r := Report{Checks: checks}
	for _, c := range checks {
		switch c.Status {
		case Missing:
			r.Missing++
		case Fail:
			r.Failed++
		case Warn:
			r.Warnings++
		}
	}
	r.Ready = r.Missing == 0 && r.Failed == 0
	return r
}

// Runner finds and runs the programs whose versions are checked.
type Runner interface {
	LookPath(name string) (string, error)
	// Output runs path with args and returns what it printed on standard
	// output and standard error together.
	Output(ctx context.Context, path string, args ...string) ([]byte, error)
}

// AWS is the account side: what the settings resolve to, and who the
// credentials belong to.
type AWS interface {
	Describe(ctx context.Context) awsconf.Setup
	Identity(ctx context.Context) (*awsconf.Caller, error)
}

// Options are the inputs of Run.
type Options struct {
	// Config is the loaded lamb.yaml; nil when there is none or it did not load.
	Config *config.Config
	// ConfigErr is why lamb.yaml did not load; wrapping config.ErrNotFound
	// when there is none, and then only the generic checks run.
	ConfigErr  error
	ConfigPath string
	CacheDir   string
	AWS        AWS
	// Offline skips the call to AWS (STS GetCallerIdentity).
	Offline bool
	// Runner defaults to the programs on PATH.
	Runner Runner
}

// Run makes every check.
func Run(ctx context.Context, o Options) (Report, error) {
	if o.Runner == nil {
		o.Runner = execRunner{}
	}
	checks := []Check{configCheck(o)}
	var needs []need
	if o.Config != nil {
		var problems []Check
		needs, problems = functionNeeds(ctx, o.Config)
		checks = append(checks, problems...)
	} else {
		for _, t := range builder.AllTools() {
			needs = append(needs, need{tool: t})
		}
	}
	tools, err := checkTools(ctx, o.Runner, needs)
	if err != nil {
		return Report{}, err
	}
	checks = append(checks, tools...)
	checks = append(checks, cacheCheck(o.CacheDir))
	if o.AWS != nil {
		aws, err := awsChecks(ctx, o.AWS, o.Offline)
		if err != nil {
			return Report{}, err
		}
		checks = append(checks, aws...)
	}
	return newReport(checks), nil
}

func configCheck(o Options) Check {
	c := Check{Name: "lamb.yaml", Path: o.ConfigPath}
	switch {
	case o.Config != nil:
		c.Status, c.Path = OK, o.Config.Path
		c.Detail = fmt.Sprintf("%d %s", len(o.Config.Functions), plural(len(o.Config.Functions), "function", "functions"))
		if o.Config.Stage != "" {
			c.Detail += ", stage " + o.Config.Stage
		}
	case errors.Is(o.ConfigErr, config.ErrNotFound):
		c.Status, c.Detail = Warn, "not found: checking the tools of every runtime, none required"
		c.Hint = "run 'lamb init' in the project, or pass --config PATH"
	default:
		c.Status, c.Required = Fail, true
		c.Detail = firstLine(fmt.Sprint(o.ConfigErr))
		c.Hint = "run 'lamb validate' for every problem"
	}
	return c
}

// need is a tool and the functions that need it.
type need struct {
	tool      builder.Tool
	functions []string
}

// functionNeeds merges the tools of every function: one need per tool and
// wanted version. A function whose build cannot succeed becomes a failed check.
func functionNeeds(ctx context.Context, cfg *config.Config) ([]need, []Check) {
	var needs []need
	var problems []Check
	index := map[string]int{}
	for _, fn := range cfg.Functions {
		tools, err := packager.Tools(ctx, pipeline.PackageSpec(fn))
		if err != nil {
			problems = append(problems, Check{Name: "build of " + fn.Key, Status: Fail, Required: true,
				Detail: firstLine(err.Error()), Functions: []string{fn.Key}, Hint: "run 'lamb package " + fn.Key + "' for the whole message"})
		}
		for _, t := range tools {
			key := t.Name + "@" + t.Want
			i, ok := index[key]
			if !ok {
				index[key] = len(needs)
				needs = append(needs, need{tool: t, functions: []string{fn.Key}})
				continue
			}
			n := &needs[i]
			n.tool.Required = n.tool.Required || t.Required
			if !strings.Contains(n.tool.Why, t.Why) {
				n.tool.Why += ", " + t.Why
			}
			if !slices.Contains(n.functions, fn.Key) {
				n.functions = append(n.functions, fn.Key)
			}
		}
	}
	return needs, problems
}

// probeTimeout bounds one version command: a JVM starting cold is the slowest.
const probeTimeout = 30 * time.Second

// checkTools probes the tools, a few at a time, and returns their checks
// in the order of needs.
func checkTools(ctx context.Context, r Runner, needs []need) ([]Check, error) {
	out := make([]Check, len(needs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	var mu sync.Mutex
	for i, n := range needs {
		g.Go(func() error {
			c := probe(gctx, r, n)
			mu.Lock()
			out[i] = c
			mu.Unlock()
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

func probe(ctx context.Context, r Runner, n need) Check {
	t := n.tool
	c := Check{Name: t.Name, Required: t.Required, Functions: n.functions}
	absent := func(detail string) Check {
		c.Detail, c.Hint = detail, t.Install
		if t.Required {
			c.Status, c.Detail = Missing, detail+"; needed for "+t.Why
		} else {
			c.Status, c.Detail = Warn, detail+"; optional, for "+t.Why
		}
		return c
	}
	if t.File != "" {
		c.Path = t.File
		fi, err := os.Stat(t.File)
		switch {
		case err != nil:
			return absent(t.File + " not found")
		case fi.Mode().Perm()&0o111 == 0 && runtime.GOOS != "windows":
			return absent(t.File + " is not executable")
		}
		c.Status, c.Detail = OK, t.File
		return c
	}
	if len(t.Command) == 0 {
		return absent("no command to look for")
	}
	path, err := r.LookPath(t.Command[0])
	if err != nil {
		return absent(t.Command[0] + " not found on PATH")
	}
	c.Path = path
	if len(t.Command) == 1 {
		c.Status, c.Detail = OK, path
		return c
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	output, err := r.Output(pctx, path, t.Command[1:]...)
	if err != nil {
		if ctx.Err() != nil {
			return c
		}
		detail := fmt.Sprintf("%s at %s does not run: %v", strings.Join(t.Command, " "), path, err)
		if line := firstLine(string(output)); line != "" {
			detail += ": " + line
		}
		return absent(detail)
	}
	c.Version = versionIn(string(output))
	at := path
	if t.Command[0] != t.Name {
		at = strings.Join(append([]string{path}, t.Command[1:len(t.Command)-1]...), " ")
	}
	c.Status, c.Detail = OK, strings.TrimSpace(c.Version+" at "+at)
	if t.Want != "" && !sameRelease(c.Version, t.Want) {
		c.Status = Warn
		c.Detail += fmt.Sprintf("; wanted %s for %s", t.Want, t.Why)
		c.Hint = t.Install
	}
	return c
}

var versionPattern = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)+`)

// versionIn is the first dotted number a version command printed.
func versionIn(output string) string {
	return versionPattern.FindString(output)
}

// sameRelease reports whether version belongs to the release want names:
// 22.3.0 to 22, 3.12.4 to 3.12, and Java's old 1.8.0_392 to 8.
func sameRelease(version, want string) bool {
	return version == want || strings.HasPrefix(version, want+".") || strings.HasPrefix(version, "1."+want+".")
}

// cacheCheck creates lamb's cache folder if needed and writes a file in it.
func cacheCheck(dir string) Check {
	c := Check{Name: "cache folder", Required: true, Path: dir}
	fail := func(err error) Check {
		c.Status, c.Detail = Fail, fmt.Sprintf("cannot write in %s: %v", dir, err)
		c.Hint = "make it writable, or set LAMB_CACHE_DIR to a folder you can write"
		return c
	}
	if dir == "" {
		return fail(errors.New("no cache folder"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return fail(err)
	}
	name := f.Name()
	err = f.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	if err != nil {
		return fail(err)
	}
	c.Status, c.Detail = OK, dir+" is writable"
	return c
}

// identityTimeout bounds the one call doctor makes to AWS.
const identityTimeout = 30 * time.Second

func awsChecks(ctx context.Context, a AWS, offline bool) ([]Check, error) {
	s := a.Describe(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	region := Check{Name: "region", Required: true, Status: OK, Detail: s.Region + sourceSuffix(s.RegionSource)}
	if s.RegionErr != nil || s.Region == "" {
		region.Status, region.Detail = Missing, "no AWS region is set"
		region.Hint = "pass --region, set AWS_REGION, or write region: in lamb.yaml or the profile"
	}
	endpoint := Check{Name: "endpoint", Status: OK, Detail: "AWS's own endpoints"}
	if s.Endpoint != "" {
		endpoint.Detail = s.Endpoint + sourceSuffix(s.EndpointSource)
	}
	creds := Check{Name: "credentials", Required: true, Status: OK, Detail: s.CredentialSource}
	if !s.CredentialsExpire.IsZero() {
		creds.Detail += ", expire " + s.CredentialsExpire.UTC().Format(time.RFC3339)
	}
	if s.CredentialsErr != nil {
		creds.Status, creds.Detail = Missing, firstLine(s.CredentialsErr.Error())
		creds.Hint = "set AWS_PROFILE, run aws configure or aws sso login, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
		if !awsconf.IsCredentialError(s.CredentialsErr) {
			creds.Status = Fail
		}
	}
	account := Check{Name: "account", Required: true}
	switch {
	case offline:
		account.Status, account.Detail, account.Required = Skipped, "not asked (--offline)", false
	case creds.Status != OK || region.Status != OK:
		account.Status, account.Detail, account.Required = Skipped, "not asked: no credentials or region", false
	default:
		ictx, cancel := context.WithTimeout(ctx, identityTimeout)
		caller, err := a.Identity(ictx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			account.Status, account.Detail = Fail, firstLine(err.Error())
			account.Hint = "check the network, the endpoint and the credentials; --offline skips this check"
			break
		}
		account.Status, account.Detail = OK, fmt.Sprintf("%s as %s", caller.Account, caller.ARN)
	}
	return []Check{region, endpoint, creds, account}, nil
}

func sourceSuffix(source string) string {
	if source == "" {
		return ""
	}
	return " (from " + source + ")"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// execRunner runs the programs on PATH with no input.
type execRunner struct{}

func (execRunner) LookPath(name string) (string, error) { return exec.LookPath(name) }

func (execRunner) Output(ctx context.Context, path string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, path, args...).CombinedOutput()
}
