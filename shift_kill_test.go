package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/testenv"
)

// TestShiftSurvivesSIGKILL kills the lamb binary in the middle of a shift,
// as a machine that dies would, and finishes the job with other lamb
// processes: status shows the shift, rollback undoes it, and after a second
// kill shift --resume completes it. The emulator's state is read back with
// the SDK.
func TestShiftSurvivesSIGKILL(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL on Windows")
	}
	env := testenv.Moto(t)
	raw, err := env.Session(t).Lambda(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	k := &killTest{t: t, bin: buildLamb(t), dir: t.TempDir(), raw: raw}
	home := t.TempDir()
	k.env = append(env.Environ(), "PATH="+os.Getenv("PATH"), "HOME="+home, "LAMB_CACHE_DIR="+filepath.Join(home, "cache"), "NO_COLOR=1",
		"AWS_CONFIG_FILE="+filepath.Join(home, "no-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-credentials"))
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(k.dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lamb.yaml", "functions:\n  api:\n    name: kill-orders\n    runtime: nodejs22.x\n    handler: index.handler\n    role: "+env.RoleARN+"\n    package: {dependencies: none}\n")
	write("index.js", "exports.handler = async () => 1;\n")
	k.lamb(0, "deploy")
	write("index.js", "exports.handler = async () => 2;\n")
	k.lamb(0, "deploy", "--force") // version 2; live moves to it
	k.lamb(0, "rollback", "api")   // live back on 1, version 2 beside it

	k.killMidShift()
	if out := k.lamb(0, "status", "api"); !strings.Contains(out, "shift                1 → 2 by canary:10%:30s, step 1/2 (10% on 2)") {
		t.Errorf("status after the kill:\n%s", out)
	}
	if out := k.lamb(0, "rollback", "api"); !strings.Contains(out, "api: live 1 (90%), 2 (10%) → 1: undid the shift to 2") {
		t.Errorf("rollback after the kill: %s", out)
	}
	if v, w, _ := k.alias(); v != "1" || len(w) != 0 {
		t.Fatalf("after the rollback live is on %s %v, want 1 alone", v, w)
	}

	// Killed again; the record is moved a minute back so that the rest of
	// its bake is over, and another lamb finishes the shift.
	k.killMidShift()
	v, w, desc := k.alias()
	since := regexp.MustCompile(`since \S+`)
	if !since.MatchString(desc) {
		t.Fatalf("live records %q, not a shift", desc)
	}
	desc = since.ReplaceAllString(desc, "since "+time.Now().UTC().Add(-time.Minute).Format(time.RFC3339))
	if _, err := raw.UpdateAlias(t.Context(), &lambda.UpdateAliasInput{FunctionName: aws.String("kill-orders"), Name: aws.String("live"),
		FunctionVersion: aws.String(v), Description: aws.String(desc), RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: w}}); err != nil {
		t.Fatal(err)
	}
	if out := k.lamb(0, "shift", "api", "--resume"); !strings.Contains(out, "live 1 → 2 by canary:10%:30s (10%, 100%): shifted") {
		t.Errorf("shift --resume: %s", out)
	}
	if v, w, desc := k.alias(); v != "2" || len(w) != 0 || desc != "lamb: previous=1" {
		t.Errorf("after the resume live is on %s %v recording %q, want 2 alone recording previous=1", v, w, desc)
	}
}

type killTest struct {
	t   *testing.T
	bin string
	dir string
	env []string
	raw *lambda.Client
}

// lamb runs the binary in the project and returns its stdout; it fails the
// test on another exit status than want.
func (k *killTest) lamb(want int, args ...string) string {
	k.t.Helper()
	cmd := exec.Command(k.bin, args...)
	cmd.Dir, cmd.Env = k.dir, k.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		k.t.Fatal(err)
	}
	if code != want {
		k.t.Fatalf("lamb %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func (k *killTest) alias() (version string, weights map[string]float64, description string) {
	k.t.Helper()
	a, err := k.raw.GetAlias(k.t.Context(), &lambda.GetAliasInput{FunctionName: aws.String("kill-orders"), Name: aws.String("live")})
	if err != nil {
		k.t.Fatal(err)
	}
	if a.RoutingConfig != nil {
		weights = a.RoutingConfig.AdditionalVersionWeights
	}
	return aws.ToString(a.FunctionVersion), weights, aws.ToString(a.Description)
}

// killMidShift starts shifting live from 1 to 2 with a bake far longer
// than the test, waits until the canary weight is on, and SIGKILLs lamb.
func (k *killTest) killMidShift() {
	k.t.Helper()
	cmd := exec.Command(k.bin, "shift", "api", "--to", "2", "--strategy", "canary:10%:30s")
	cmd.Dir, cmd.Env = k.dir, k.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		k.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, w, _ := k.alias(); w["2"] == 0.1 {
			break
		}
		select {
		case err := <-exited:
			k.t.Fatalf("lamb shift ended (%v) before it set the canary weight:\n%s", err, out.String())
		case <-deadline:
			_ = cmd.Process.Kill()
			k.t.Fatalf("live never took the canary weight:\n%s", out.String())
		case <-tick.C:
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		k.t.Fatal(err)
	}
	if err := <-exited; err == nil {
		k.t.Fatal("lamb exited cleanly although it was killed")
	}
}

// buildLamb builds the lamb binary into a temporary folder.
func buildLamb(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "lamb")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
