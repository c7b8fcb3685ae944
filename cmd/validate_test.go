package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/golden"
	"github.com/lambcli/lamb/internal/ui"
)

// lamb runs the CLI with args against test streams (tty sets whether both
// claim to be a terminal).
func lamb(t *testing.T, tty bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, out, errOut := ui.Test()
	io.SetStdoutTTY(tty)
	io.SetStderrTTY(tty)
	code = Run(context.Background(), io, args)
	return code, out.String(), errOut.String()
}

func TestValidateFlags(t *testing.T) {
	t.Parallel()
	io, _, _ := ui.Test()
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, ""},
		{[]string{"extra"}, `unknown command "extra"`},
		{[]string{"--no-such-flag"}, "unknown flag: --no-such-flag"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			called := false
			c := newValidateCmdWith(&Factory{IO: io}, func(context.Context, *Factory, *ValidateOptions) error { called = true; return nil })
			c.SetArgs(tt.args)
			c.SetOut(&bytes.Buffer{})
			c.SetErr(&bytes.Buffer{})
			err := c.Execute()
			if tt.wantErr == "" {
				if err != nil || !called {
					t.Errorf("err = %v, called = %v", err, called)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || called {
				t.Errorf("err = %v, want %q without running", err, tt.wantErr)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		code, stdout, stderr := lamb(t, tty, "validate", "-c", "testdata/validate/bad.yaml")
		if code != ExitUsage {
			t.Errorf("tty=%v: exit %d, want 2", tty, code)
		}
		if tty {
			if !strings.Contains(stdout, "\x1b[1mtestdata/validate/bad.yaml:5:5:\x1b[0m") {
				t.Errorf("on a terminal the position is bold: %q", stdout)
			}
			continue
		}
		golden.Assert(t, "validate/bad.golden", []byte(stdout))
		if stderr != "error: 4 problems in testdata/validate/bad.yaml\n" {
			t.Errorf("stderr = %q", stderr)
		}
	}
}

func TestValidateJSON(t *testing.T) {
	code, stdout, stderr := lamb(t, false, "validate", "-c", "testdata/validate/bad.yaml", "--output", "json")
	if code != ExitUsage || stderr != "" {
		t.Errorf("exit %d, stderr %q; want 2 and nothing on stderr", code, stderr)
	}
	golden.Assert(t, "validate/bad.json.golden", []byte(stdout))
	var doc validateDocument
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.OK || len(doc.Problems) != 4 || doc.Problems[0].Line != 5 {
		t.Errorf("document = %+v (%v)", doc, err)
	}

	t.Setenv("LAMB_VALIDATE_TEST_TABLE", "orders")
	code, stdout, _ = lamb(t, false, "validate", "-c", "testdata/validate/good.yaml", "-o", "json")
	if code != 0 || stdout != "{\n  \"ok\": true,\n  \"functions\": 2,\n  \"problems\": []\n}\n" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

func TestValidateValidFile(t *testing.T) {
	t.Setenv("LAMB_VALIDATE_TEST_TABLE", "orders")
	code, stdout, stderr := lamb(t, false, "validate", "-c", "testdata/validate/good.yaml")
	if code != 0 || stdout != "ok: 2 functions\n" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = lamb(t, false, "validate", "-c", "testdata/validate/good.yaml", "--stage", "prod", "--verbose")
	if code != 0 || stdout != "ok: 2 functions\n" || !strings.Contains(stderr, "api: orders-api (python3.12, x86_64)") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestValidateUnsetVariableNamesFieldAndVariable(t *testing.T) {
	t.Setenv("LAMB_VALIDATE_TEST_TABLE", "")
	if err := os.Unsetenv("LAMB_VALIDATE_TEST_TABLE"); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := lamb(t, false, "validate", "-c", "testdata/validate/good.yaml")
	want := "testdata/validate/good.yaml:7:65: functions.worker.environment.vars.TABLE: environment variable LAMB_VALIDATE_TEST_TABLE is not set"
	if code != ExitUsage || !strings.Contains(stdout, want) {
		t.Errorf("exit %d, stdout %q; want 2 and %q", code, stdout, want)
	}
}

func TestValidateConfigErrors(t *testing.T) {
	t.Setenv("LAMB_VALIDATE_TEST_TABLE", "orders")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"-c", filepath.Join(t.TempDir(), "lamb.yaml")}, "run 'lamb init' to create one, or pass --config PATH"},
		{"unknown stage", []string{"-c", "testdata/validate/good.yaml", "--stage", "qa"}, `unknown stage "qa" in testdata/validate/good.yaml: known stages: prod`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := lamb(t, false, append([]string{"validate"}, tt.args...)...)
			if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tt.want)
			}
		})
	}
}
