package doctor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lambcli/lamb/pkg/awsconf"
	"github.com/lambcli/lamb/pkg/config"
)

// fakeRunner has the programs in found, each printing its output, or
// failing when the output starts with "!".
type fakeRunner struct{ found map[string]string }

func (r fakeRunner) LookPath(name string) (string, error) {
	if _, ok := r.found[name]; ok {
		return "/opt/bin/" + name, nil
	}
	return "", errors.New("not found")
}

func (r fakeRunner) Output(_ context.Context, path string, args ...string) ([]byte, error) {
	name := filepath.Base(path)
	key := strings.Join(append([]string{name}, args...), " ")
	out, ok := r.found[key]
	if !ok {
		out = r.found[name]
	}
	if rest, failed := strings.CutPrefix(out, "!"); failed {
		return []byte(rest), errors.New("exit status 1")
	}
	return []byte(out), nil
}

type fakeAWS struct {
	setup    awsconf.Setup
	caller   *awsconf.Caller
	err      error
	identity int
}

func (a *fakeAWS) Describe(context.Context) awsconf.Setup { return a.setup }

func (a *fakeAWS) Identity(context.Context) (*awsconf.Caller, error) {
	a.identity++
	return a.caller, a.err
}

func loadProject(t *testing.T, yaml string, files map[string]string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	files["lamb.yaml"] = yaml
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(context.Background(), filepath.Join(dir, "lamb.yaml"), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func byName(r Report) map[string]Check {
	m := map[string]Check{}
	for _, c := range r.Checks {
		m[c.Name] = c
	}
	return m
}

const twoNodeFunctions = `functions:
  api:
    runtime: nodejs22.x
    handler: index.handler
    source: api
  worker:
    runtime: nodejs22.x
    handler: index.handler
    source: worker
  legacy:
    runtime: nodejs20.x
    handler: index.handler
    source: legacy
`

func nodeProject(t *testing.T) *config.Config {
	deps := `{"dependencies":{"a":"1"}}`
	return loadProject(t, twoNodeFunctions, map[string]string{
		"api/package.json": deps, "api/package-lock.json": "{}",
		"worker/package.json": deps, "worker/yarn.lock": "",
		"legacy/package.json": `{}`,
	})
}

var goodSetup = awsconf.Setup{Region: "eu-west-1", RegionSource: "AWS_REGION", CredentialSource: "environment variables (AWS_ACCESS_KEY_ID)"}

func TestRunTools(t *testing.T) {
	runner := fakeRunner{found: map[string]string{"node": "v22.3.0\n", "yarn": "1.22.22\n"}}
	r, err := Run(context.Background(), Options{Config: nodeProject(t), CacheDir: t.TempDir(), Runner: runner, Offline: true, AWS: &fakeAWS{setup: goodSetup}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range r.Checks {
		names = append(names, c.Name)
	}
	// One node line per wanted release, one per package manager.
	want := "lamb.yaml node npm node yarn cache folder region endpoint credentials account"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("checks = %s, want %s", got, want)
	}
	node22, npm, node20, yarn := r.Checks[1], r.Checks[2], r.Checks[3], r.Checks[4]
	if node22.Status != OK || node22.Version != "22.3.0" || !node22.Required || strings.Join(node22.Functions, ",") != "api,worker" {
		t.Errorf("node 22 = %+v, want ok 22.3.0, required, for api and worker", node22)
	}
	if node20.Status != Warn || node20.Required || !strings.Contains(node20.Detail, "wanted 20 for runtime nodejs20.x") || node20.Hint == "" {
		t.Errorf("node 20 = %+v, want an optional warning naming the runtime, with a hint", node20)
	}
	if npm.Status != Missing || !npm.Required || !strings.Contains(npm.Detail, "needed for package-lock.json") || !strings.Contains(npm.Hint, "https://nodejs.org") {
		t.Errorf("npm = %+v, want missing with the install hint", npm)
	}
	if yarn.Status != OK || yarn.Version != "1.22.22" {
		t.Errorf("yarn = %+v", yarn)
	}
	if r.Ready || r.Missing != 1 || r.Warnings != 1 {
		t.Errorf("ready=%v missing=%d warnings=%d, want not ready, 1 missing, 1 warning", r.Ready, r.Missing, r.Warnings)
	}
}

func TestRunToolThatDoesNotRun(t *testing.T) {
	cfg := loadProject(t, "functions:\n  api:\n    runtime: python3.12\n    handler: app.handler\n",
		map[string]string{"requirements.txt": "requests\n"})
	runner := fakeRunner{found: map[string]string{
		"python3": "Python 3.12.1", "python3 -m pip --version": "!No module named pip",
		"python3.12": "Python 3.12.1",
	}}
	r, err := Run(context.Background(), Options{Config: cfg, CacheDir: t.TempDir(), Runner: runner, Offline: true, AWS: &fakeAWS{setup: goodSetup}})
	if err != nil {
		t.Fatal(err)
	}
	checks := byName(r)
	pip := checks["pip"]
	if pip.Status != Missing || !strings.Contains(pip.Detail, "does not run") || !strings.Contains(pip.Detail, "No module named pip") {
		t.Errorf("pip = %+v, want missing because python3 -m pip fails", pip)
	}
	if c := checks["python3.12"]; c.Status != OK || c.Required {
		t.Errorf("python3.12 = %+v, want ok and optional", c)
	}
	if c := checks["uv"]; c.Status != Warn || c.Required {
		t.Errorf("uv = %+v, want an optional warning", c)
	}
}

func TestRunJavaVersions(t *testing.T) {
	cfg := loadProject(t, "functions:\n  api:\n    runtime: java8.al2023\n    handler: a.B::handle\n",
		map[string]string{"pom.xml": "<project/>"})
	runner := fakeRunner{found: map[string]string{
		"java":  `openjdk version "1.8.0_392"` + "\nOpenJDK Runtime Environment",
		"javac": "javac 1.8.0_392", "mvn": "Apache Maven 3.9.6 (bc0240f3c744dd6b6ec2920b3cd08dcc295161ae)",
	}}
	r, err := Run(context.Background(), Options{Config: cfg, CacheDir: t.TempDir(), Runner: runner, Offline: true, AWS: &fakeAWS{setup: goodSetup}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Ready || r.Warnings != 0 {
		t.Errorf("report = %+v, want ready without warnings (1.8.0 is Java 8)", r)
	}
	if v := byName(r)["mvn"].Version; v != "3.9.6" {
		t.Errorf("mvn version = %q", v)
	}
}

func TestRunGradleWrapper(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no executable bit")
	}
	cfg := loadProject(t, "functions:\n  api:\n    runtime: java21\n    handler: a.B::handle\n",
		map[string]string{"build.gradle": "", "gradlew": "#!/bin/sh\n"})
	runner := fakeRunner{found: map[string]string{"java": `openjdk version "21.0.2"`, "javac": "javac 21.0.2"}}
	r, err := Run(context.Background(), Options{Config: cfg, CacheDir: t.TempDir(), Runner: runner, Offline: true, AWS: &fakeAWS{setup: goodSetup}})
	if err != nil {
		t.Fatal(err)
	}
	if c := byName(r)["gradlew"]; c.Status != Missing || !strings.Contains(c.Detail, "not executable") || c.Hint != "make it executable: chmod +x gradlew" {
		t.Errorf("gradlew = %+v, want missing: not executable", c)
	}
}

func TestRunWithoutConfig(t *testing.T) {
	r, err := Run(context.Background(), Options{ConfigErr: config.ErrNotFound, CacheDir: t.TempDir(), Runner: fakeRunner{}, Offline: true, AWS: &fakeAWS{setup: goodSetup}})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Ready {
		t.Errorf("report = %+v, want ready: no tool is required without lamb.yaml", r)
	}
	checks := byName(r)
	if c := checks["lamb.yaml"]; c.Status != Warn {
		t.Errorf("lamb.yaml = %+v, want a warning", c)
	}
	for _, name := range []string{"node", "npm", "python3", "pip", "go", "java", "mvn"} {
		if c, ok := checks[name]; !ok || c.Status != Warn || c.Required {
			t.Errorf("%s = %+v, want an optional warning", name, c)
		}
	}
}

func TestRunBrokenConfig(t *testing.T) {
	r, err := Run(context.Background(), Options{ConfigErr: errors.New("lamb.yaml:3:5: functions.api.memory: want a number\nand more"), CacheDir: t.TempDir(), Runner: fakeRunner{}, Offline: true, AWS: &fakeAWS{setup: goodSetup}})
	if err != nil {
		t.Fatal(err)
	}
	c := byName(r)["lamb.yaml"]
	if c.Status != Fail || !c.Required || c.Detail != "lamb.yaml:3:5: functions.api.memory: want a number" || r.Ready {
		t.Errorf("lamb.yaml = %+v (ready %v), want a required failure with the first problem", c, r.Ready)
	}
}

func TestRunBuildThatCannotSucceed(t *testing.T) {
	cfg := loadProject(t, "functions:\n  api:\n    runtime: python3.12\n    handler: app.handler\n",
		map[string]string{"uv.lock": "", "poetry.lock": "", "pyproject.toml": ""})
	r, err := Run(context.Background(), Options{Config: cfg, CacheDir: t.TempDir(), Runner: fakeRunner{}, Offline: true, AWS: &fakeAWS{setup: goodSetup}})
	if err != nil {
		t.Fatal(err)
	}
	c := byName(r)["build of api"]
	if c.Status != Fail || !strings.Contains(c.Detail, "cannot tell which lock is current") || r.Ready {
		t.Errorf("build of api = %+v, want a failure naming the two locks", c)
	}
}

func TestCacheCheck(t *testing.T) {
	dir := t.TempDir()
	if c := cacheCheck(filepath.Join(dir, "new", "cache")); c.Status != OK {
		t.Errorf("new folder: %+v, want ok (created)", c)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := cacheCheck(filepath.Join(file, "cache"))
	if c.Status != Fail || !c.Required || !strings.Contains(c.Hint, "LAMB_CACHE_DIR") {
		t.Errorf("cache under a file: %+v, want a required failure naming LAMB_CACHE_DIR", c)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "new", "cache")); len(entries) != 0 {
		t.Errorf("the probe left %d files behind", len(entries))
	}
}

func TestAWSChecks(t *testing.T) {
	expires := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		setup    awsconf.Setup
		offline  bool
		caller   *awsconf.Caller
		err      error
		want     map[string]Status
		detail   map[string]string
		identity int
	}{
		{
			name:   "all good",
			setup:  awsconf.Setup{Region: "eu-west-1", RegionSource: "AWS_REGION", Endpoint: "http://127.0.0.1:5000", EndpointSource: "AWS_ENDPOINT_URL", CredentialSource: `SSO, profile "dev"`, CredentialsExpire: expires},
			caller: &awsconf.Caller{Account: "123456789012", ARN: "arn:aws:sts::123456789012:assumed-role/dev/alice"},
			want:   map[string]Status{"region": OK, "endpoint": OK, "credentials": OK, "account": OK},
			detail: map[string]string{
				"region":      "eu-west-1 (from AWS_REGION)",
				"endpoint":    "http://127.0.0.1:5000 (from AWS_ENDPOINT_URL)",
				"credentials": `SSO, profile "dev", expire 2026-12-04T12:00:00Z`,
				"account":     "123456789012 as arn:aws:sts::123456789012:assumed-role/dev/alice",
			},
			identity: 1,
		},
		{
			name:    "offline",
			setup:   goodSetup,
			offline: true,
			want:    map[string]Status{"region": OK, "credentials": OK, "account": Skipped},
		},
		{
			name:  "rejected",
			setup: goodSetup,
			err:   &awsconf.CredentialError{Err: errors.New("InvalidClientTokenId")},
			want:  map[string]Status{"account": Fail}, identity: 1,
		},
		{
			name:  "no region, no credentials",
			setup: awsconf.Setup{RegionErr: awsconf.ErrNoRegion, CredentialsErr: &awsconf.CredentialError{Err: errors.New("no EC2 IMDS role found")}},
			want:  map[string]Status{"region": Missing, "credentials": Missing, "account": Skipped},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &fakeAWS{setup: tt.setup, caller: tt.caller, err: tt.err}
			checks, err := awsChecks(context.Background(), a, tt.offline)
			if err != nil {
				t.Fatal(err)
			}
			got := byName(Report{Checks: checks})
			for name, status := range tt.want {
				if got[name].Status != status {
					t.Errorf("%s = %+v, want %s", name, got[name], status)
				}
				if got[name].Status != OK && got[name].Status != Skipped && got[name].Hint == "" {
					t.Errorf("%s has no hint", name)
				}
			}
			for name, detail := range tt.detail {
				if got[name].Detail != detail {
					t.Errorf("%s detail = %q, want %q", name, got[name].Detail, detail)
				}
			}
			if a.identity != tt.identity {
				t.Errorf("STS asked %d times, want %d", a.identity, tt.identity)
			}
		})
	}
}
