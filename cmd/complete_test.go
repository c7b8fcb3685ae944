package cmd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
)

const completionYAML = `project: shop
functions:
  api:
    runtime: nodejs22.x
    handler: index.handler
    environment:
      vars:
        TOKEN: ${env:LAMB_TEST_UNSET_TOKEN}
  worker:
    runtime: python3.12
    handler: app.handler
stages:
  prod:
    region: eu-west-1
  staging: {}
`

// complete drives cobra's hidden __complete command the way the shell
// scripts do, and returns the candidates (without descriptions) and the
// directive line.
func complete(t *testing.T, args ...string) (candidates []string, described []string, directive string) {
	t.Helper()
	code, stdout, stderr := run(t, append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != ExitOK {
		t.Fatalf("__complete %q: exit %d, stderr %q", args, code, stderr)
	}
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		if strings.HasPrefix(line, ":") {
			directive = line
			continue
		}
		if line == "" {
			continue
		}
		described = append(described, line)
		name, _, _ := strings.Cut(line, "\t")
		candidates = append(candidates, name)
	}
	return candidates, described, directive
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lamb.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// noFiles is cobra's directive line for ShellCompDirectiveNoFileComp.
const noFiles = ":4"

func TestCompletion(t *testing.T) {
	t.Parallel()
	good := writeConfig(t, completionYAML)
	broken := writeConfig(t, "functions:\n  api: [\n")
	missing := filepath.Join(t.TempDir(), "lamb.yaml")
	tests := []struct {
		name    string
		args    []string
		want    []string // exactly these, in order; nil means none
		include []string // at least these
	}{
		{name: "functions", args: []string{"deploy", "-c", good, ""}, want: []string{"api", "worker"}},
		{name: "functions not yet given", args: []string{"deploy", "-c", good, "api", ""}, want: []string{"worker"}},
		{name: "AWS name counts as given", args: []string{"package", "-c", good, "shop-worker", ""}, want: []string{"api"}},
		{name: "one function only", args: []string{"status", "-c", good, "api", ""}, want: nil},
		{name: "one function", args: []string{"logs", "-c", good, ""}, want: []string{"api", "worker"}},
		{name: "with a stage", args: []string{"plan", "-c", good, "--stage", "prod", ""}, want: []string{"api", "worker"}},
		{name: "stages", args: []string{"deploy", "-c", good, "--stage", ""}, want: []string{"prod", "staging"}},
		{name: "broken lamb.yaml", args: []string{"deploy", "-c", broken, ""}, want: nil},
		{name: "broken lamb.yaml stages", args: []string{"deploy", "-c", broken, "--stage", ""}, want: nil},
		{name: "no lamb.yaml", args: []string{"deploy", "-c", missing, ""}, want: nil},
		{name: "unknown stage", args: []string{"deploy", "-c", good, "--stage", "nope", ""}, want: nil},
		{name: "standard input is not read", args: []string{"deploy", "-c", "-", ""}, want: nil},
		{name: "command without arguments", args: []string{"validate", "-c", good, ""}, want: nil},
		{name: "output formats", args: []string{"deploy", "--output", ""}, want: []string{"text", "json"}},
		{name: "plan output formats", args: []string{"plan", "--output", ""}, want: []string{"text", "json", "markdown"}},
		{name: "strategies", args: []string{"shift", "api", "--strategy", ""}, include: []string{
			"all-at-once", "canary:10%:5m", "linear:10%:1m", "CodeDeployDefault.LambdaCanary10Percent5Minutes",
			"CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
		}},
		{name: "runtimes", args: []string{"init", "--runtime", ""}, include: []string{"nodejs", "python", "go", "nodejs22.x", "python3.12", "java21", "provided.al2023"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, directive := complete(t, tt.args...)
			if directive != noFiles {
				t.Errorf("directive = %q, want %q (no file names)", directive, noFiles)
			}
			if tt.include == nil && !slices.Equal(got, tt.want) {
				t.Errorf("candidates = %q, want %q", got, tt.want)
			}
			for _, w := range tt.include {
				if !slices.Contains(got, w) {
					t.Errorf("candidates %q lack %q", got, w)
				}
			}
		})
	}
}

func TestCompletionDescribesFunctions(t *testing.T) {
	t.Parallel()
	good := writeConfig(t, completionYAML)
	_, described, _ := complete(t, "deploy", "-c", good, "")
	want := []string{"api\tnodejs22.x shop-api", "worker\tpython3.12 shop-worker"}
	if !slices.Equal(described, want) {
		t.Errorf("completions = %q, want %q", described, want)
	}
}

// Runtimes that AWS no longer accepts, or that lamb init cannot write, are
// not offered.
func TestCompletionRuntimesAreWritable(t *testing.T) {
	t.Parallel()
	got, _, _ := complete(t, "init", "--runtime", "")
	for _, bad := range []string{"nodejs16.x", "go1.x", "dotnet10", "ruby3.4"} {
		if slices.Contains(got, bad) {
			t.Errorf("candidates %q include %q", got, bad)
		}
	}
}

// Every command whose usage names FN completes the functions of lamb.yaml.
func TestCompletionEveryFunctionCommand(t *testing.T) {
	t.Parallel()
	good := writeConfig(t, completionYAML)
	io, _, _ := ui.Test()
	root := NewRootCmd(NewFactory(io))
	n := 0
	for _, c := range root.Commands() {
		if !strings.Contains(c.Use, "FN") {
			continue
		}
		n++
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			got, _, _ := complete(t, c.Name(), "-c", good, "")
			// Cobra offers a command's required flags alongside.
			got = slices.DeleteFunc(got, func(s string) bool { return strings.HasPrefix(s, "-") })
			if !slices.Equal(got, []string{"api", "worker"}) {
				t.Errorf("lamb %s completes %q, want the functions of lamb.yaml", c.Name(), got)
			}
		})
	}
	if n < 5 {
		t.Fatalf("found %d commands taking FN; the usage lines changed?", n)
	}
}

// A flag named function, on any command, completes the functions of lamb.yaml.
func TestCompletionFunctionFlag(t *testing.T) {
	t.Parallel()
	good := writeConfig(t, completionYAML)
	io, out, _ := ui.Test()
	root := NewRootCmd(NewFactory(io))
	probe := &cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error { return nil }}
	probe.Flags().String("function", "", "a function of lamb.yaml")
	root.AddCommand(probe)
	registerCompletions(root)
	root.SetOut(io.Out)
	root.SetArgs([]string{cobra.ShellCompRequestCmd, "probe", "-c", good, "--function", ""})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if want := "api\tnodejs22.x shop-api\nworker\tpython3.12 shop-worker\n:4\n"; out.String() != want {
		t.Errorf("completions = %q, want %q", out.String(), want)
	}
}
