package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
)

// TestCheckFindsAJavaHandlerInsideAJar packages a Java function whose
// handler class lives only in a dependency jar (classes/ holds a resource,
// lib/app.jar the class): the check step searches the bundle's jars, which
// the checks themselves do not open.
func TestCheckFindsAJavaHandlerInsideAJar(t *testing.T) {
	t.Parallel()
	var jar bytes.Buffer
	w := zip.NewWriter(&jar)
	for _, name := range []string{"META-INF/MANIFEST.MF", "com/example/Handler.class"} {
		if _, err := w.Create(name); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		handler  string
		severity limits.Severity // "" = no finding
	}{
		{"com.example.Handler::handleRequest", ""},
		{"com.example.Missing::handleRequest", limits.SeverityError},
	} {
		t.Run(tt.handler, func(t *testing.T) {
			yaml := "functions:\n  api:\n    runtime: java21\n    handler: " + tt.handler + "\n    package: {dependencies: none}\n"
			got := checkFindings(t, map[string][]byte{
				"lamb.yaml": []byte(yaml), "classes/app.properties": []byte("greeting=hi\n"), "lib/app.jar": jar.Bytes(),
			}, "handlerTarget", false)
			switch {
			case tt.severity == "" && len(got) != 0:
				t.Errorf("the class is in lib/app.jar, got %+v", got)
			case tt.severity != "" && (len(got) != 1 || got[0].Severity != tt.severity):
				t.Errorf("the class is nowhere, want one %s, got %+v", tt.severity, got)
			}
		})
	}
}

// TestCheckLoadsTheHandlerOnlyWhenAsked: lamb check sets Load and gets the
// missing module as an error; deploy and plan, which leave Load unset, do
// not start the runtime.
func TestCheckLoadsTheHandlerOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	node := testenv.NeedTool(t, "node")
	out, err := exec.Command(node, "-p", "process.versions.node.split('.')[0]").Output()
	if err != nil {
		t.Fatal(err)
	}
	yaml := "functions:\n  api:\n    runtime: nodejs" + strings.TrimSpace(string(out)) + ".x\n    handler: index.handler\n    package: {dependencies: none}\n"
	files := map[string][]byte{"lamb.yaml": []byte(yaml), "index.js": []byte("require('uuid');\nexports.handler = async () => 1;\n")}
	for _, load := range []bool{true, false} {
		got := checkFindings(t, files, "handlerLoad", load)
		switch {
		case load && (len(got) != 1 || got[0].Severity != limits.SeverityError || !strings.Contains(got[0].Message, "'uuid'")):
			t.Errorf("Load: want one error naming uuid, got %+v", got)
		case !load && len(got) != 0:
			t.Errorf("without Load: want no load, got %+v", got)
		}
	}
}

// checkFindings writes a project (lamb.yaml among files), runs the
// pre-flight on it offline and returns the findings of one check.
func checkFindings(t *testing.T, files map[string][]byte, check string, load bool) []limits.Finding {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(context.Background(), dir, config.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	report, err := Check(context.Background(), cfg, cfg.Functions, CheckOptions{
		Options: Options{CacheDir: t.TempDir()},
		Offline: true,
		Now:     time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		Load:    load,
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []limits.Finding
	for _, f := range report.Functions[0].Findings {
		if f.Check == check {
			got = append(got, f)
		}
	}
	return got
}
