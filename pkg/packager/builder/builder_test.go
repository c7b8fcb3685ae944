package builder

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lambcli/lamb/internal/lambdaarch"
)

func TestBuildCommandRunsFirstInSource(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	var log bytes.Buffer
	b, runs := newTestBuilder()
	res, err := b.build(context.Background(), Spec{
		Source:   src,
		Runtime:  "ruby3.4",
		Build:    "echo building in $(basename \"$PWD\") && echo 'puts 1' > handler.rb",
		CacheDir: t.TempDir(),
		Log:      &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !fileExists(filepath.Join(src, "handler.rb")) {
		t.Errorf("package.build did not run in the source folder")
	}
	if want := "building in " + filepath.Base(src); !strings.Contains(log.String(), want) {
		t.Errorf("log = %q, want the build's output %q", log.String(), want)
	}
	if !reflect.DeepEqual(res.Trees, []Tree{{Dir: src}}) {
		t.Errorf("trees = %+v, want the source only", res.Trees)
	}
	if c := runs.last("sh"); c.Dir != src || !reflect.DeepEqual(c.Args, []string{"-c", "echo building in $(basename \"$PWD\") && echo 'puts 1' > handler.rb"}) {
		t.Errorf("build ran as %q in %s, want sh -c in %s", c, c.Dir, src)
	}
}

func TestBuildCommandFailureStopsTheBuild(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	// A Node project with dependencies but no lockfile would fail later with
	// another error; the build's failure must come first and alone.
	writeFile(t, filepath.Join(src, "package.json"), `{"dependencies":{"is-number":"7.0.0"}}`, 0o644)
	b, runs := newTestBuilder()
	_, err := b.build(context.Background(), Spec{
		Source:   src,
		Runtime:  "nodejs22.x",
		Build:    "for i in $(seq 1 80); do echo step$i; done; echo 'tsc: cannot find module' >&2; exit 3",
		CacheDir: t.TempDir(),
	})
	if err == nil {
		t.Fatal("want an error from the failing build")
	}
	msg := err.Error()
	for _, want := range []string{"package.build", src, "exit status 3", "step80", "tsc: cannot find module", "first 31 lines left out"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "step30\n") {
		t.Errorf("error repeats more than the last 50 lines:\n%s", msg)
	}
	if len(runs.calls) != 1 {
		t.Errorf("ran %d commands, want only the build: %q", len(runs.calls), runs.calls)
	}
}

// TestToolArchsCoverLambdaArchitectures keeps the tools' spellings in step
// with the one list of architectures the configuration accepts.
func TestToolArchsCoverLambdaArchitectures(t *testing.T) {
	t.Parallel()
	for _, name := range lambdaarch.Names() {
		if a, err := targetArch(name); err != nil || a.lambda != name {
			t.Errorf("architecture %s: %+v, %v; add it to toolArchs", name, a, err)
		}
	}
	if len(toolArchs) != len(lambdaarch.Names()) {
		t.Errorf("toolArchs has %d entries, lambdaarch.Names %d", len(toolArchs), len(lambdaarch.Names()))
	}
}

func TestBuildRejectsBadSpecs(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"unknown architecture", Spec{Source: src, Runtime: "nodejs22.x", Architecture: "aarch64"}, []string{`"aarch64"`, "x86_64 or arm64"}},
		{"unknown dependencies mode", Spec{Source: src, Runtime: "python3.12", Dependencies: "all"}, []string{`"all"`, "auto or none"}},
		{"relative source", Spec{Source: "functions/orders", Runtime: "python3.12"}, []string{"functions/orders", "absolute"}},
		{"missing source", Spec{Source: filepath.Join(src, "gone"), Runtime: "python3.12"}, []string{filepath.Join(src, "gone")}},
		{"missing artifact", Spec{Source: src, Runtime: "dotnet8", Artifact: "bin/release/app.zip"}, []string{filepath.Join(src, "bin", "release", "app.zip"), "does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.CacheDir = t.TempDir()
			tt.spec.Build = "touch built"
			b, _ := newTestBuilder()
			_, err := b.build(context.Background(), tt.spec)
			if err == nil {
				t.Fatal("want an error")
			}
			mentions(t, err, tt.want...)
		})
	}
}

func TestArtifactIsUsedAsIs(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	// Any runtime: an artifact replaces the builder, even one that would
	// otherwise install dependencies.
	writeFile(t, filepath.Join(src, "requirements.txt"), "six==1.16.0\n", 0o644)
	b, runs := newTestBuilder()
	res, err := b.build(context.Background(), Spec{Source: src, Runtime: "python3.12", Build: "mkdir -p dist && echo zip > dist/fn.zip", Artifact: "dist/fn.zip", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(src, "dist", "fn.zip"); res.Archive != want || len(res.Trees) != 0 {
		t.Errorf("result = %+v, want archive %s", res, want)
	}
	if n := runs.count("python3", ""); n != 0 {
		t.Errorf("pip ran %d times for a function with an artifact", n)
	}
}

func TestProvidedNeedsBootstrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build string
		want  string // "" means success
	}{
		{"build writes bootstrap", "printf '#!/bin/sh\\necho hi\\n' > bootstrap && chmod +x bootstrap", ""},
		{"no build", "", "provided.al2023 needs an executable bootstrap at the root of SRC: set package.build to a command that writes it"},
		{"build writes elsewhere", "mkdir -p out && touch out/bootstrap", "provided.al2023 needs an executable bootstrap at the root of SRC: set package.build to a command that writes it"},
		{"bootstrap not executable", "touch bootstrap", "chmod +x bootstrap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := t.TempDir()
			b, _ := newTestBuilder()
			res, err := b.build(context.Background(), Spec{Source: src, Runtime: "provided.al2023", Build: tt.build, CacheDir: t.TempDir()})
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(res.Trees, []Tree{{Dir: src}}) {
					t.Errorf("trees = %+v, want the source", res.Trees)
				}
				return
			}
			want := strings.ReplaceAll(tt.want, "SRC", src)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error = %v, want %q", err, want)
			}
		})
	}
}

func TestOtherRuntimesShipTheSource(t *testing.T) {
	t.Parallel()
	for _, rt := range []string{"ruby3.4", "dotnet8", "ruby4.0"} {
		t.Run(rt, func(t *testing.T) {
			src := t.TempDir()
			writeFile(t, filepath.Join(src, "Gemfile.lock"), "GEM\n", 0o644)
			b, runs := newTestBuilder()
			res, err := b.build(context.Background(), Spec{Source: src, Runtime: rt, Architecture: "arm64", CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res, &Result{Trees: []Tree{{Dir: src}}}) {
				t.Errorf("result = %+v, want the source only", res)
			}
			if len(runs.calls) > 0 {
				t.Errorf("ran %q for %s", runs.calls[0], rt)
			}
		})
	}
}

func TestBuildCancelStopsTheCommandAndItsChildren(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	started := filepath.Join(src, "started")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &builder{run: func(ctx context.Context, c command) ([]byte, error) {
		go func() {
			// The user presses Ctrl-C once the build is under way.
			waitFor(t, "the build to start", func() bool { return fileExists(started) })
			cancel()
		}()
		return execRunner(ctx, c)
	}}
	// The build's child records its process id, then would write "finished".
	build := `(echo $(exec sh -c 'echo $PPID') > child.pid; sleep 5; touch finished) & while [ ! -s child.pid ]; do sleep 0.01; done; touch started; wait`
	_, err := b.build(ctx, Spec{Source: src, Runtime: "ruby3.4", Build: build, CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("error = %v, want the cancellation", err)
	}
	raw, err := os.ReadFile(filepath.Join(src, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("child.pid = %q: %v", raw, err)
	}
	// Had only sh been killed, its child would live on for seconds and then
	// write the file; the child must be gone, not merely late.
	waitFor(t, fmt.Sprintf("the build's child process %d to exit", pid), func() bool { return !processAlive(pid) })
	if fileExists(filepath.Join(src, "finished")) {
		t.Errorf("the build's child process outlived the cancellation")
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline: it waits on a condition, never for a fixed time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
