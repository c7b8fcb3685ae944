package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/lambcli/lamb/cmd"
	"github.com/lambcli/lamb/internal/testenv"
)

// TestMain lets the end-to-end scripts run `lamb` as a real executable:
// testscript re-executes this test binary under that name.
func TestMain(m *testing.M) {
	testscript.Main(testenv.WrapM(m), map[string]func(){
		"lamb": func() { os.Exit(cmd.Main(os.Args[1:])) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: each one is a
// fresh folder with its files, running the lamb binary as a user would.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams(filepath.Join("testdata", "script"), nil))
}

// TestDeployScripts runs the end-to-end scripts in testdata/deploy against
// the AWS emulator: lamb deploys to it, and the scripts read the state back
// with boto3 ($PYTHON), an independent client. Scripts run in parallel on
// one emulator, so each uses function names of its own.
func TestDeployScripts(t *testing.T) {
	env := testenv.MotoWithManagedPolicies(t)
	python := testenv.Python(t)
	testscript.Run(t, scriptParams(filepath.Join("testdata", "deploy"), func(s *testscript.Env) {
		for _, kv := range env.Environ() {
			name, value, _ := strings.Cut(kv, "=")
			s.Setenv(name, value)
		}
		s.Setenv("AWS_MAX_ATTEMPTS", "3")
		s.Setenv("PYTHON", python)
	}))
}

// scriptParams are the testscript settings every end-to-end script runs
// with; more adds to a script's environment.
func scriptParams(dir string, more func(*testscript.Env)) testscript.Params {
	return testscript.Params{
		Dir:       dir,
		Cmds:      map[string]func(*testscript.TestScript, bool, []string){"mkarchive": mkarchive},
		Condition: toolCondition,
		Setup: func(env *testscript.Env) error {
			// The cache and HOME live outside the packaged folder.
			home, err := os.MkdirTemp("", "lamb-script-home-")
			if err != nil {
				return err
			}
			env.Defer(func() { os.RemoveAll(home) })
			env.Setenv("HOME", home)
			env.Setenv("LAMB_CACHE_DIR", filepath.Join(home, "cache"))
			env.Setenv("NO_COLOR", "1")
			// No AWS access unless a script sets it up: checks must say what they skip.
			for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
				env.Setenv(k, "")
			}
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			// Package managers (uv, pip, npm) reach their registries as
			// from the user's shell: through its proxy and trusted certificates.
			for _, k := range []string{"SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"} {
				if v, ok := os.LookupEnv(k); ok {
					env.Setenv(k, v)
				}
			}
			if more != nil {
				more(env)
			}
			return nil
		},
	}
}
