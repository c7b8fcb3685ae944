package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/ui"
)

// The -update flag may also be declared by another test file of this
// package as a package-level variable (initialised before init runs).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func updatingGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// goldenFile compares got with testdata/name, or rewrites it with -update.
func goldenFile(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if updatingGolden() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (check, then go test -update):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// lamb runs the CLI with args against test streams (tty sets whether they
// claim to be a terminal).
func lamb(t *testing.T, tty bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, out, errOut := ui.Test(tty)
	code = Run(context.Background(), io, args)
	return code, out.String(), errOut.String()
}

func TestValidateFlags(t *testing.T) {
	io, _, _ := ui.Test(false)
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
			c := newValidateCmdWith(&Factory{IO: io}, func(*Factory, *ValidateOptions) error { called = true; return nil })
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
		goldenFile(t, "validate/bad.golden", stdout)
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
	goldenFile(t, "validate/bad.json.golden", stdout)
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
	os.Unsetenv("LAMB_VALIDATE_TEST_TABLE")
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
