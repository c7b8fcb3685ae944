package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/lambcli/lamb/cmd"
)

// TestMain lets the end-to-end scripts run `lamb` as a real executable:
// testscript re-executes this test binary under that name.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lamb": func() { os.Exit(cmd.Main(os.Args[1:])) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: each one is a
// fresh folder with its files, running the lamb binary as a user would.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:  filepath.Join("testdata", "script"),
		Cmds: map[string]func(*testscript.TestScript, bool, []string){"mkarchive": mkarchive},
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
			return nil
		},
	})
}
