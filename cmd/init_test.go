package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/templates"
)

func TestInitFlags(t *testing.T) {
	t.Parallel()
	io, _, _ := ui.Test()
	tests := []struct {
		args    []string
		want    InitOptions
		wantErr string
	}{
		{nil, InitOptions{Dir: "."}, ""},
		{[]string{"--runtime", "python", "--name", "jobs", "--force", "--dir", "svc"}, InitOptions{Dir: "svc", Runtime: "python", Name: "jobs", Force: true}, ""},
		{[]string{"--runtime=nodejs24.x"}, InitOptions{Dir: ".", Runtime: "nodejs24.x"}, ""},
		{[]string{"--from", "orders-api", "--name", "api"}, InitOptions{Dir: ".", From: "orders-api", Name: "api"}, ""},
		{[]string{"--hook", "--force", "--dir", "svc"}, InitOptions{Dir: "svc", Hook: true, Force: true}, ""},
		{[]string{"--hook", "--runtime", "go"}, InitOptions{}, "none of the others can be"},
		{[]string{"extra"}, InitOptions{}, `unknown command "extra"`},
		{[]string{"--runtime"}, InitOptions{}, "flag needs an argument: --runtime"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *InitOptions
			c := newInitCmdWith(&Factory{IO: io}, func(_ context.Context, _ *Factory, o *InitOptions) error { got = o; return nil })
			c.SetArgs(tt.args)
			c.SetOut(&bytes.Buffer{})
			c.SetErr(&bytes.Buffer{})
			err := c.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != nil {
					t.Errorf("err = %v, want %q without running", err, tt.wantErr)
				}
				return
			}
			if err != nil || got == nil || *got != tt.want {
				t.Errorf("options = %+v (err %v), want %+v", got, err, tt.want)
			}
		})
	}
}

// project makes a folder named name holding the given (empty) files.
func project(t *testing.T, name string, files ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestInitDetectsTheRuntime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		marker, runtime, handler, said string
	}{
		{"package.json", "nodejs22.x", "index.handler", "detected nodejs from package.json"},
		{"requirements.txt", "python3.12", "app.handler", "detected python from requirements.txt"},
		{"pyproject.toml", "python3.12", "app.handler", "detected python from pyproject.toml"},
		{"go.mod", "provided.al2023", "bootstrap", "detected go from go.mod"},
		{"pom.xml", "java21", "example.Handler::handleRequest", "detected java from pom.xml"},
		{"build.gradle", "java21", "example.Handler::handleRequest", "detected java from build.gradle"},
	}
	for _, tt := range tests {
		t.Run(tt.marker, func(t *testing.T) {
			dir := project(t, "orders-api", tt.marker)
			code, stdout, stderr := lamb(t, false, "init", "--dir", dir)
			if code != 0 || stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.said) || !strings.Contains(stderr, "wrote "+filepath.Join(dir, "lamb.yaml")) || !strings.Contains(stderr, "wrote "+filepath.Join(dir, ".lambignore")) {
				t.Errorf("stderr %q should say %q and name both files", stderr, tt.said)
			}
			c, err := config.Load(t.Context(), filepath.Join(dir, "lamb.yaml"), config.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			f := c.Functions[0]
			if f.Key != "orders-api" || f.Runtime != tt.runtime || f.Handler != tt.handler {
				t.Errorf("function %s runtime %s handler %s", f.Key, f.Runtime, f.Handler)
			}
			if code, stdout, _ := lamb(t, false, "validate", "-c", filepath.Join(dir, "lamb.yaml")); code != 0 || stdout != "ok: 1 function\n" {
				t.Errorf("lamb validate on the written file: exit %d, %q", code, stdout)
			}
		})
	}
}

func TestInitWithRuntimeAndName(t *testing.T) {
	t.Parallel()
	dir := project(t, "whatever", "package.json")
	code, stdout, stderr := lamb(t, false, "init", "--dir", dir, "--runtime", "python3.13", "--name", "jobs", "--output", "json")
	if code != 0 || strings.Contains(stderr, "detected") {
		t.Fatalf("exit %d, stderr %q (an explicit --runtime skips detection)", code, stderr)
	}
	var doc initDocument
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if doc.Function != "jobs" || doc.Runtime != "python3.13" || doc.Family != "python" || len(doc.Written) != 2 || doc.DetectedFrom != "" {
		t.Errorf("document = %+v", doc)
	}
}

func TestInitRefusesToOverwrite(t *testing.T) {
	t.Parallel()
	dir := project(t, "api", "package.json")
	if err := os.WriteFile(filepath.Join(dir, "lamb.yaml"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := lamb(t, false, "init", "--dir", dir)
	if code != ExitUsage || !strings.Contains(stderr, filepath.Join(dir, "lamb.yaml")+" already exists") || !strings.Contains(stderr, "--force") {
		t.Errorf("exit %d, stderr %q; want 2 naming the file and --force", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "lamb.yaml")); string(b) != "mine\n" {
		t.Errorf("lamb.yaml was changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, ".lambignore")); err == nil {
		t.Error("a refused init must write nothing, but .lambignore appeared")
	}

	// --force overwrites lamb.yaml; a user's .lambignore survives without it.
	if err := os.WriteFile(filepath.Join(dir, ".lambignore"), []byte("secret/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "lamb.yaml"))
	code, _, stderr = lamb(t, false, "init", "--dir", dir)
	if b, _ := os.ReadFile(filepath.Join(dir, ".lambignore")); code != 0 || string(b) != "secret/\n" || !strings.Contains(stderr, "kept the existing") {
		t.Errorf("exit %d, stderr %q, .lambignore %q: an existing .lambignore must be kept", code, stderr, b)
	}
	code, _, _ = lamb(t, false, "init", "--dir", dir, "--force")
	if b, _ := os.ReadFile(filepath.Join(dir, ".lambignore")); code != 0 || string(b) == "secret/\n" {
		t.Errorf("exit %d: --force must rewrite .lambignore", code)
	}
}

// A lamb.yaml or .lambignore that is a link may point at any file of the
// user's: --force must refuse it by name and change nothing, there or here.
func TestInitForceNeverWritesThroughALink(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"lamb.yaml", ".lambignore"} {
		t.Run(name, func(t *testing.T) {
			outside := filepath.Join(t.TempDir(), "precious")
			if err := os.WriteFile(outside, []byte("precious\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			dir := project(t, "api", "package.json")
			link := filepath.Join(dir, name)
			if err := os.Symlink(outside, link); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := lamb(t, false, "init", "--dir", dir, "--force")
			if code != ExitUsage || !strings.Contains(stderr, link+" is a symbolic link") || !strings.Contains(stderr, "hint: ") {
				t.Errorf("exit %d, stderr %q; want 2 naming %s", code, stderr, link)
			}
			if b, err := os.ReadFile(outside); err != nil || string(b) != "precious\n" {
				t.Errorf("the file the link points at was changed: %q, %v", b, err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link was replaced")
			}
			for _, other := range []string{"lamb.yaml", ".lambignore"} {
				if _, err := os.Lstat(filepath.Join(dir, other)); other != name && err == nil {
					t.Errorf("a refused init wrote %s", other)
				}
			}
		})
	}

	// Without --force a link, even a dangling one, is an existing file.
	dir := project(t, "api", "package.json")
	target := filepath.Join(t.TempDir(), "created")
	if err := os.Symlink(target, filepath.Join(dir, "lamb.yaml")); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := lamb(t, false, "init", "--dir", dir); code != ExitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("exit %d, stderr %q; want 2 and already exists", code, stderr)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("init created a file through a dangling link")
	}
}

// TestInitHook writes the example lifecycle hook alone: over no existing
// file without --force, through no link even with it.
func TestInitHook(t *testing.T) {
	t.Parallel()
	dir := project(t, "api")
	hook := filepath.Join(dir, "hooks", "codedeploy-hook.mjs")
	code, stdout, stderr := lamb(t, false, "init", "--hook", "--dir", dir, "--output", "json")
	if doc := decode[hookDocument](t, stdout); code != 0 || len(doc.Written) != 1 || doc.Written[0] != hook {
		t.Fatalf("exit %d, stdout %s, stderr %s; want %s written", code, stdout, stderr, hook)
	}
	if b, err := os.ReadFile(hook); err != nil || !bytes.Equal(b, templates.CodeDeployHook()) {
		t.Errorf("%s holds %q (%v), want the example hook", hook, b, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "lamb.yaml")); err == nil {
		t.Error("init --hook wrote lamb.yaml")
	}

	if err := os.WriteFile(hook, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = lamb(t, false, "init", "--hook", "--dir", dir)
	if b, _ := os.ReadFile(hook); code != ExitUsage || !strings.Contains(stderr, hook+" already exists") || string(b) != "mine\n" {
		t.Errorf("exit %d, stderr %q, file %q; want 2 naming the file and the file kept", code, stderr, b)
	}
	if code, _, stderr = lamb(t, false, "init", "--hook", "--dir", dir, "--force"); code != 0 {
		t.Errorf("--force: exit %d, %s", code, stderr)
	}
	if b, _ := os.ReadFile(hook); !bytes.Equal(b, templates.CodeDeployHook()) {
		t.Errorf("--force left %q", b)
	}

	// A link, at the file or at the folder, is never written through.
	outside := t.TempDir()
	precious := filepath.Join(outside, "codedeploy-hook.mjs")
	if err := os.WriteFile(precious, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, link := range map[string]func(dir string) (string, error){
		"file": func(dir string) (string, error) {
			if err := os.Mkdir(filepath.Join(dir, "hooks"), 0o755); err != nil {
				return "", err
			}
			p := filepath.Join(dir, "hooks", "codedeploy-hook.mjs")
			return p, os.Symlink(precious, p)
		},
		"folder": func(dir string) (string, error) {
			p := filepath.Join(dir, "hooks")
			return p, os.Symlink(outside, p)
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := project(t, "api")
			p, err := link(dir)
			if err != nil {
				t.Fatal(err)
			}
			code, _, stderr := lamb(t, false, "init", "--hook", "--dir", dir, "--force")
			if code != ExitUsage || !strings.Contains(stderr, p+" is a symbolic link") {
				t.Errorf("exit %d, stderr %q; want 2 naming %s", code, stderr, p)
			}
			if b, err := os.ReadFile(precious); err != nil || string(b) != "precious\n" {
				t.Errorf("the file behind the link was changed: %q, %v", b, err)
			}
		})
	}
}

func TestInitUsageErrors(t *testing.T) {
	t.Parallel()
	empty := project(t, "empty")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing to detect", []string{"--dir", empty}, "cannot tell the runtime"},
		{"unknown runtime", []string{"--dir", empty, "--runtime", "cobol"}, `unknown runtime "cobol"`},
		{"bad name", []string{"--dir", empty, "--runtime", "go", "--name", "my fn"}, `function name "my fn" is not usable`},
		{"missing folder", []string{"--dir", filepath.Join(empty, "nope"), "--runtime", "go"}, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := lamb(t, false, append([]string{"init"}, tt.args...)...)
			if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tt.want)
			}
			if _, err := os.Stat(filepath.Join(empty, "lamb.yaml")); err == nil {
				t.Error("a failed init must not write lamb.yaml")
			}
		})
	}
	if code, _, stderr := lamb(t, false, "init", "--dir", empty); !strings.Contains(stderr, "hint: pass --runtime nodejs|python|go|java|provided") || code != ExitUsage {
		t.Errorf("the hint should list the runtimes: %q", stderr)
	}
}

func TestInitQuietPrintsNothing(t *testing.T) {
	t.Parallel()
	dir := project(t, "api", "go.mod")
	code, stdout, stderr := lamb(t, false, "init", "--dir", dir, "--quiet")
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
