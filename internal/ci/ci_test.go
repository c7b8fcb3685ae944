package ci

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWorkflowCommand(t *testing.T) {
	tests := []struct {
		name string
		a    Annotation
		file string
		want string
	}{
		{
			name: "error with place and title",
			a:    Annotation{Level: LevelError, Line: 5, Column: 5, Title: "lamb validate", Message: "functions.api.memory: must be a number"},
			file: "lamb.yaml",
			want: "::error file=lamb.yaml,line=5,col=5,title=lamb validate::functions.api.memory: must be a number",
		},
		{
			name: "message escapes percent and line breaks, keeps colons and commas",
			a:    Annotation{Level: LevelWarning, Message: "50% used,\r\nsee: docs"},
			want: "::warning::50%25 used,%0D%0Asee: docs",
		},
		{
			name: "properties escape colon and comma too",
			a:    Annotation{Level: LevelNotice, Line: 2, Title: "check: memory, 100%\n"},
			file: `dir,x/la:mb.yaml`,
			want: "::notice file=dir%2Cx/la%3Amb.yaml,line=2,title=check%3A memory%2C 100%25%0A::",
		},
		{
			name: "no line means no column",
			a:    Annotation{Column: 3, Message: "m"},
			file: "lamb.yaml",
			want: "::error file=lamb.yaml::m",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WorkflowCommand(tt.a, tt.file); got != tt.want {
				t.Errorf("WorkflowCommand:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestEnvFrom(t *testing.T) {
	env := map[string]string{"GITHUB_ACTIONS": "true", "CI_PROJECT_DIR": "/builds/x", "GITHUB_STEP_SUMMARY": "/tmp/s.md"}
	got := EnvFrom(func(k string) string { return env[k] })
	if want := (Env{GitHubActions: true, Root: "/builds/x", StepSummary: "/tmp/s.md"}); got != want {
		t.Errorf("EnvFrom = %+v, want %+v", got, want)
	}
	if EnvFrom(func(string) string { return "1" }).GitHubActions {
		t.Error(`GITHUB_ACTIONS=1 taken for "true"`)
	}
}

func TestWriteAnnotationsRepoPath(t *testing.T) {
	root := t.TempDir()
	e := Env{GitHubActions: true, Root: root}
	var out bytes.Buffer
	err := e.WriteAnnotations(&out, []Annotation{
		{File: filepath.Join(root, "services", "orders", "lamb.yaml"), Line: 3, Message: "inside"},
		{File: filepath.Join(filepath.Dir(root), "elsewhere.yaml"), Line: 1, Message: "outside"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "::error file=services/orders/lamb.yaml,line=3::inside\n" +
		"::error file=" + escapeProperty(filepath.ToSlash(filepath.Join(filepath.Dir(root), "elsewhere.yaml"))) + ",line=1::outside\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestWriteCodeQuality(t *testing.T) {
	e := Env{}
	annotations := []Annotation{
		{Level: LevelError, File: "lamb.yaml", Line: 7, Column: 5, Check: "memory", Key: "functions.api.memory", Message: "memory: 10241 MB is above Lambda's maximum"},
		{Level: LevelWarning, File: "lamb.yaml", Line: 2, Check: "runtime", Key: "functions.api.runtime", Message: "runtime is deprecated"},
		{Level: LevelNotice, File: "lamb.yaml", Check: "vpc", Message: "fyi"},
	}
	var out bytes.Buffer
	if err := e.WriteCodeQuality(&out, annotations); err != nil {
		t.Fatal(err)
	}
	var issues []map[string]any
	if err := json.Unmarshal(out.Bytes(), &issues); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if len(issues) != 3 {
		t.Fatalf("%d issues, want 3", len(issues))
	}
	first := issues[0]
	if first["description"] != annotations[0].Message || first["check_name"] != "memory" || first["severity"] != "critical" {
		t.Errorf("first issue = %v", first)
	}
	loc := first["location"].(map[string]any)
	if loc["path"] != "lamb.yaml" || loc["lines"].(map[string]any)["begin"] != float64(7) {
		t.Errorf("first location = %v", loc)
	}
	if s := issues[1]["severity"]; s != "minor" {
		t.Errorf("warning severity = %v, want minor", s)
	}
	if s := issues[2]["severity"]; s != "info" {
		t.Errorf("notice severity = %v, want info", s)
	}
	if b := issues[2]["location"].(map[string]any)["lines"].(map[string]any)["begin"]; b != float64(1) {
		t.Errorf("unknown line begins at %v, want 1 (GitLab needs a line)", b)
	}

	// The fingerprint is stable across runs and lines, and differs between issues.
	moved := annotations[0]
	moved.Line = 40
	var again bytes.Buffer
	if err := e.WriteCodeQuality(&again, []Annotation{moved}); err != nil {
		t.Fatal(err)
	}
	var issuesAgain []map[string]any
	if err := json.Unmarshal(again.Bytes(), &issuesAgain); err != nil {
		t.Fatal(err)
	}
	if issuesAgain[0]["fingerprint"] != first["fingerprint"] {
		t.Error("fingerprint changed when the line moved")
	}
	if issues[1]["fingerprint"] == first["fingerprint"] {
		t.Error("two issues share a fingerprint")
	}

	var empty bytes.Buffer
	if err := e.WriteCodeQuality(&empty, nil); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(empty.String()) != "[]" {
		t.Errorf("no findings = %q, want []", empty.String())
	}
}

func TestAppendSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(path, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := Env{StepSummary: path}
	if err := e.AppendSummary("## lamb deploy\n"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "earlier step\n## lamb deploy\n" {
		t.Errorf("summary = %q", got)
	}
	if err := (Env{}).AppendSummary("x"); err != nil {
		t.Errorf("no summary file: %v", err)
	}
}
