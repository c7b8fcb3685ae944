package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
)

// run executes lamb with args against test streams.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, out, errOut := ui.Test()
	code = Run(context.Background(), io, args)
	return code, out.String(), errOut.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"no-such-command"},
		{"--no-such-flag"},
		{"version", "extra"},
		{"--output", "yaml", "version"},
		{"completion", "tcsh"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, args...)
			if code != ExitUsage {
				t.Errorf("exit = %d, want %d (stderr %q)", code, ExitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout = %q, want nothing", stdout)
			}
			if strings.Count(stderr, "error:") != 1 {
				t.Errorf("stderr should carry the error exactly once, got %q", stderr)
			}
		})
	}
}

func TestJSONErrorGoesToStdout(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := run(t, "--output", "json", "completion", "tcsh")
	if code != ExitUsage {
		t.Fatalf("exit = %d, want 2", code)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing with --output json", stderr)
	}
	var doc jsonError
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not a JSON error document: %v\n%s", err, stdout)
	}
	if doc.Error.Code != ExitUsage || !strings.Contains(doc.Error.Message, "tcsh") {
		t.Errorf("error document = %+v", doc)
	}
}

func TestFlagAndArgumentErrorsAreJSONWithOutputJSON(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--output", "json", "no-such-command"},
		{"--no-such-flag", "--output", "json", "version"},
		{"-o", "json", "version", "--no-such-flag"},
		{"version", "extra", "-o", "json"},
		{"-o", "json", "completion"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, args...)
			if code != ExitUsage {
				t.Errorf("exit = %d, want %d", code, ExitUsage)
			}
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing with --output json", stderr)
			}
			var doc jsonError
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Error.Code != ExitUsage || doc.Error.Hint == "" {
				t.Errorf("stdout is not the JSON error document (%v):\n%s", err, stdout)
			}
		})
	}
}

func TestUnknownCommandSuggestsTheNearestOne(t *testing.T) {
	t.Parallel()
	code, _, stderr := run(t, "valdate")
	if code != ExitUsage || !strings.Contains(stderr, `unknown command "valdate" for "lamb" (did you mean "validate"?)`) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestRequiredAndGroupedFlagErrorsAreUsageErrors(t *testing.T) {
	t.Parallel()
	for name, mark := range map[string]func(*cobra.Command){
		"required":  func(c *cobra.Command) { _ = c.MarkFlagRequired("a") },
		"exclusive": func(c *cobra.Command) { c.MarkFlagsMutuallyExclusive("a", "b") },
	} {
		t.Run(name, func(t *testing.T) {
			io, _, _ := ui.Test()
			root := NewRootCmd(&Factory{IO: io})
			sub := &cobra.Command{Use: "sub", RunE: func(*cobra.Command, []string) error { return nil }}
			sub.Flags().String("a", "", "")
			sub.Flags().String("b", "", "")
			mark(sub)
			root.AddCommand(sub)
			args := []string{"sub"}
			if name == "exclusive" {
				args = append(args, "--a", "1", "--b", "2")
			}
			root.SetArgs(args)
			if code, _ := classify(root.Execute()); code != ExitUsage {
				t.Errorf("exit = %d, want %d", code, ExitUsage)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{errors.New("boom"), ExitFailure},
		// A failure whose text reads like cobra's is still a failure:
		// only the error's type makes a usage error.
		{errors.New("package api: run package.build: exit status 1\n    tsc: unknown flag: --strict"), ExitFailure},
		{errors.New("build: mytool accepts 1 arg(s), received 2"), ExitFailure},
		{errors.New("required flag(s) \"x\" not set"), ExitFailure},
		{usageError(errors.New("bad"), ""), ExitUsage},
		{&ExitError{Code: ExitLimit, Err: errors.New("too big")}, ExitLimit},
		{context.Canceled, ExitInterrupted},
		{&silentError{code: ExitLimit}, ExitLimit},
	}
	for _, tt := range tests {
		if got, _ := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run(t, "version", "--output", "json")
	if code != 0 {
		t.Fatalf("exit = %d", code)
	}
	var b buildInfo
	if err := json.Unmarshal([]byte(stdout), &b); err != nil || b.Version == "" || b.Go == "" {
		t.Fatalf("version json = %q (%v)", stdout, err)
	}
}

// It sets the package's version stamps, so it does not run in parallel.
func TestVersionFallsBackToBuildInfo(t *testing.T) {
	read := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			Main:     debug.Module{Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-11-30T00:00:00Z"}},
		}, true
	}
	got := currentBuild(read)
	if got.Version != "v1.2.3" || got.Commit != "abc123" || got.Date != "2026-11-30T00:00:00Z" {
		t.Errorf("build = %+v", got)
	}
	version, commit = "v9.9.9", "fff"
	t.Cleanup(func() { version, commit = "", "" })
	got = currentBuild(read)
	if got.Version != "v9.9.9" || got.Commit != "fff" {
		t.Errorf("ldflags values must win: %+v", got)
	}
}

func TestCompletionScripts(t *testing.T) {
	t.Parallel()
	for shell, marker := range map[string]string{"bash": "complete -o", "zsh": "#compdef lamb", "fish": "complete -c lamb", "powershell": "Register-ArgumentCompleter"} {
		code, stdout, stderr := run(t, "completion", shell)
		if code != 0 || !strings.Contains(stdout, marker) {
			t.Errorf("%s: exit %d, stderr %q, script lacks %q", shell, code, stderr, marker)
		}
	}
}

func TestEveryCommandHasAnExample(t *testing.T) {
	t.Parallel()
	io, _, _ := ui.Test()
	root := NewRootCmd(&Factory{IO: io})
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("lamb %s --help has no example", c.Name())
		}
	}
}

func TestInterruptedExits130(t *testing.T) {
	io, out, errOut := ui.Test()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	t.Setenv("LAMB_CACHE_DIR", t.TempDir())
	if err := os.WriteFile(filepath.Join(dir, "lamb.yaml"), []byte("functions:\n  fn: {runtime: nodejs22.x, handler: index.handler}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code := Run(ctx, io, []string{"package", "-c", filepath.Join(dir, "lamb.yaml")})
	if code != ExitInterrupted {
		t.Errorf("exit = %d, want %d (stderr %q)", code, ExitInterrupted, errOut)
	}
	if got := errOut.String(); got != "error: interrupted\n" {
		t.Errorf("stderr = %q, want the plain interruption line", got)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", out)
	}
	if _, err := os.Stat(filepath.Join(dir, ".lamb", "build", "fn.zip")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an interrupted package must not leave a zip: %v", err)
	}
}

// TestInterruptedAfterTheReportPrintsNothingMore: a command that wrote its
// JSON document and was then interrupted leaves stdout to that one document.
func TestInterruptedAfterTheReportPrintsNothingMore(t *testing.T) {
	t.Parallel()
	io, out, errOut := ui.Test()
	f := NewFactory(io)
	f.Settings.Output = "json"
	if code := reportError(f, &silentError{code: ExitInterrupted}); code != ExitInterrupted {
		t.Errorf("exit = %d, want %d", code, ExitInterrupted)
	}
	if out.Len() != 0 || errOut.Len() != 0 {
		t.Errorf("printed %q / %q after the command's own document, want nothing", out, errOut)
	}
}
