package loadcheck

import (
	"archive/zip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
)

func TestWantFor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		runtime, family, version, provided, skip string
	}{
		{runtime: "nodejs22.x", family: "nodejs", version: "22", provided: "@aws-sdk/ @smithy/"},
		{runtime: "nodejs16.x", family: "nodejs", version: "16", provided: "aws-sdk"},
		{runtime: "python3.12", family: "python", version: "3.12", provided: strings.Join(pythonProvided, " ")},
		{runtime: "java21", family: "java", version: "21"},
		{runtime: "java17.al2023", family: "java", version: "17"},
		{runtime: "java8.al2", family: "java", version: "8"},
		{runtime: "provided.al2023", skip: "handler load skipped: provided.al2023 runs a bootstrap executable, which lamb does not start"},
		{runtime: "go1.x", skip: "handler load skipped: go1.x runs a bootstrap executable, which lamb does not start"},
		{runtime: "ruby3.4", skip: "handler load skipped: lamb loads Node.js, Python and Java handlers, not ruby3.4 ones"},
		{runtime: "", skip: "handler load skipped: the function names no runtime"},
	} {
		t.Run(tt.runtime, func(t *testing.T) {
			t.Parallel()
			w, skip := wantFor(tt.runtime)
			if skip != tt.skip || string(w.family) != tt.family || w.version != tt.version || strings.Join(w.provided, " ") != tt.provided {
				t.Errorf("wantFor(%q) = %+v, %q", tt.runtime, w, skip)
			}
		})
	}
}

// TestForeignNativeSkips: native binaries only stop the load when the
// function runs on another architecture than this machine; pure bundles
// load anywhere.
func TestForeignNativeSkips(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the host architecture cases are for Linux")
	}
	host := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH]
	other := map[string]string{"x86_64": "arm64", "arm64": "x86_64"}[host]
	bins := []packager.NativeBinary{{Path: "node_modules/sharp/build/Release/sharp.node", Format: "elf", Machine: other}}
	if got := foreignNative(Request{Architecture: other}); got != "" {
		t.Errorf("a pure bundle on %s is skipped: %s", other, got)
	}
	if got := foreignNative(Request{Architecture: host, Native: bins}); got != "" {
		t.Errorf("native binaries on this machine's architecture are skipped: %s", got)
	}
	want := "handler load skipped: the function runs on " + other + ", this machine is " + host + ", and the bundle holds native binaries (node_modules/sharp/build/Release/sharp.node)"
	if got := foreignNative(Request{Architecture: other, Native: bins}); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestBoundedBufferKeepsTheStart(t *testing.T) {
	t.Parallel()
	b := &boundedBuffer{max: 5}
	for _, s := range []string{"abc", "def", "ghi"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v: the writer must take everything", s, n, err)
		}
	}
	if got := b.String(); got != "abcde\n[output cut]" {
		t.Errorf("got %q", got)
	}
}

// bundle zips files (name → content) as a packaged function.
func bundle(t *testing.T, files map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fn.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	for name, content := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o644)
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadPython312 loads with python3.12 (pyenv's in CI): the interpreter
// that ran is named in the result.
func TestLoadPython312(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "python3.12")
	zipPath := bundle(t, map[string]string{"app.py": "import yaml\n\ndef handler(e, c):\n    pass\n"})
	r, err := Load(t.Context(), Request{ZipPath: zipPath, Runtime: "python3.12", Handler: "app.handler"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("interpreter: %s", r.Tool)
	if !regexp.MustCompile(`^python 3\.12\.\d+ \(`).MatchString(r.Tool) {
		t.Errorf("the load ran with %q, want python 3.12", r.Tool)
	}
	if r.Outcome != limits.HandlerLoadFailed || r.Kind != limits.LoadMissingModule || r.Module != "yaml" || r.From != "app.py" {
		t.Errorf("got %+v, want yaml missing, imported by app.py", r)
	}
}

// TestLoadTimesOut: a module that never finishes loading is stopped at the
// timeout and reported without a result; its output is kept.
func TestLoadTimesOut(t *testing.T) {
	t.Parallel()
	testenv.NeedTool(t, "python3")
	out, err := exec.Command("python3", "-c", "import sys; print('3.%d' % sys.version_info[1])").Output()
	if err != nil {
		t.Fatal(err)
	}
	zipPath := bundle(t, map[string]string{"app.py": "import time\nprint('connecting', flush=True)\ntime.sleep(600)\n\ndef handler(e, c):\n    pass\n"})
	r, err := Load(t.Context(), Request{ZipPath: zipPath, Runtime: "python" + strings.TrimSpace(string(out)), Handler: "app.handler", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != limits.HandlerLoadFailed || r.Kind != limits.LoadNoResult || r.Message != "the load did not finish in 1s" || !strings.Contains(r.Output, "connecting") {
		t.Errorf("got %+v", r)
	}
}

// TestLoadJava compiles a handler with javac and loads it with the local
// JVM: a class the bundle lacks, a missing method, and a good handler.
func TestLoadJava(t *testing.T) {
	t.Parallel()
	javac := testenv.NeedTool(t, "javac")
	testenv.NeedTool(t, "java")
	out, _ := exec.Command("java", "-version").CombinedOutput()
	m := javaVersion.FindSubmatch(out)
	if m == nil {
		t.Fatalf("java -version said %s", out)
	}
	major := string(m[2])
	src := t.TempDir()
	classes := filepath.Join(t.TempDir(), "classes")
	for name, code := range map[string]string{
		"Handler.java": "package com.example;\npublic class Handler {\n  static final Dep DEP = new Dep();\n  public String handleRequest(Object in) { return DEP.toString(); }\n}\n",
		"Dep.java":     "package com.example;\npublic class Dep {}\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(javac, "-d", classes, filepath.Join(src, "Handler.java"), filepath.Join(src, "Dep.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(classes, "com", "example", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	handler, dep := read("Handler.class"), read("Dep.class")
	for _, tt := range []struct {
		name    string
		files   map[string]string
		handler string
		check   func(limits.HandlerLoad) bool
	}{
		{"class the bundle lacks", map[string]string{"com/example/Handler.class": handler}, "com.example.Handler::handleRequest",
			func(r limits.HandlerLoad) bool {
				return r.Kind == limits.LoadMissingModule && r.Module == "com.example.Dep" && r.IsError()
			}},
		{"missing method", map[string]string{"com/example/Handler.class": handler, "com/example/Dep.class": dep}, "com.example.Handler::handle",
			func(r limits.HandlerLoad) bool { return r.Kind == limits.LoadMissingHandler && r.IsError() }},
		{"good", map[string]string{"com/example/Handler.class": handler, "com/example/Dep.class": dep}, "com.example.Handler::handleRequest",
			func(r limits.HandlerLoad) bool { return r.Outcome == limits.HandlerLoaded }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Load(context.Background(), Request{ZipPath: bundle(t, tt.files), Runtime: "java" + major, Handler: tt.handler})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(r) {
				t.Errorf("got %+v", r)
			}
		})
	}
}

// TestChildEnvHoldsNoCredentials: the load process's environment is built
// from nothing, so lamb's credentials, profile and tool options never reach
// code a module runs at import time.
func TestChildEnvHoldsNoCredentials(t *testing.T) {
	parent := map[string]string{
		"AWS_ACCESS_KEY_ID":                  "AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY":              "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_SESSION_TOKEN":                  "parent-session-token",
		"AWS_PROFILE":                        "parent-profile",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.2/creds",
		"AWS_WEB_IDENTITY_TOKEN_FILE":        "/var/run/token",
		"NODE_OPTIONS":                       "--require /tmp/x.js",
		"PYTHONPATH":                         "/parent/site",
	}
	for k, v := range parent {
		t.Setenv(k, v)
	}
	for _, fam := range []Family{Node, Python, Java} {
		env := childEnv(want{family: fam}, interpreter{path: "/usr/bin/tool"}, "/tmp/lamb-load-1", "api")
		for _, kv := range env {
			name, value, _ := strings.Cut(kv, "=")
			if _, ok := parent[name]; ok {
				t.Errorf("%s: %s reaches the load", fam, name)
			}
			for _, secret := range parent {
				if strings.Contains(value, secret) {
					t.Errorf("%s: %s carries a value of lamb's environment", fam, name)
				}
			}
		}
	}
}
