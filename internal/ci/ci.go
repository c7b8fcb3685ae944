// Package ci speaks the formats CI systems read from a tool: GitHub
// Actions workflow commands (annotations) and job summaries, and GitLab's
// Code Quality report. It formats and writes; what to report, and when,
// is the caller's.
package ci

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Env is what lamb reads of the CI system it runs in.
type Env struct {
	// GitHubActions is set when GITHUB_ACTIONS=true: findings are also
	// printed as workflow commands.
	GitHubActions bool
	// Root is the repository's folder (GITHUB_WORKSPACE, else GitLab's
	// CI_PROJECT_DIR): reported paths are relative to it, because both
	// place a finding by its path in the repository.
	Root string
	// StepSummary is GITHUB_STEP_SUMMARY, the file a step's Markdown
	// summary is appended to; empty when not set.
	StepSummary string
}

// EnvFrom reads the CI environment through getenv (os.Getenv outside tests).
func EnvFrom(getenv func(string) string) Env {
	return Env{
		GitHubActions: getenv("GITHUB_ACTIONS") == "true",
		Root:          cmp.Or(getenv("GITHUB_WORKSPACE"), getenv("CI_PROJECT_DIR")),
		StepSummary:   getenv("GITHUB_STEP_SUMMARY"),
	}
}

// Level is how serious an annotation is.
type Level string

// Levels, most serious first.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is one problem at a place in a file.
type Annotation struct {
	Level Level
	// File is the path as the user gave it; Line and Column start at 1,
	// 0 when unknown.
	File   string
	Line   int
	Column int
	// Check names the rule that found it (a check name, "validate").
	Check string
	// Key identifies the problem apart from where it sits (a key path
	// and the check), so that its fingerprint survives lines moving.
	Key     string
	Title   string
	Message string
}

// escapeData escapes a workflow command's message: the runner reads up to
// the end of the line, and decodes %XX.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value, where ':' ends the properties
// and ',' separates them.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// WorkflowCommand renders one annotation as a GitHub Actions workflow
// command line (without its newline):
// ::error file=lamb.yaml,line=5,col=5,title=...::message. file is the path
// to print, relative to the repository root.
func WorkflowCommand(a Annotation, file string) string {
	var props []string
	add := func(k, v string) { props = append(props, k+"="+escapeProperty(v)) }
	if file != "" {
		add("file", filepath.ToSlash(file))
	}
	if a.Line > 0 {
		add("line", strconv.Itoa(a.Line))
		if a.Column > 0 {
			add("col", strconv.Itoa(a.Column))
		}
	}
	if a.Title != "" {
		add("title", a.Title)
	}
	level := a.Level
	if level == "" {
		level = LevelError
	}
	cmd := "::" + string(level)
	if len(props) > 0 {
		cmd += " " + strings.Join(props, ",")
	}
	return cmd + "::" + escapeData(a.Message)
}

// WriteAnnotations prints every annotation as a workflow command on w
// (the runner reads them from standard output), with paths made relative
// to the repository's folder.
func (e Env) WriteAnnotations(w io.Writer, annotations []Annotation) error {
	var b strings.Builder
	for _, a := range annotations {
		b.WriteString(WorkflowCommand(a, e.repoPath(a.File)))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// repoPath is file relative to the repository's folder when it lies
// inside it, else file as given.
func (e Env) repoPath(file string) string {
	if e.Root == "" || file == "" {
		return file
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return file
	}
	rel, err := filepath.Rel(e.Root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return file
	}
	return rel
}

// AppendSummary appends markdown to the job summary file, when there is one.
func (e Env) AppendSummary(markdown string) error {
	if e.StepSummary == "" || markdown == "" {
		return nil
	}
	f, err := os.OpenFile(e.StepSummary, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open the job summary %s: %w", e.StepSummary, err)
	}
	if _, err := io.WriteString(f, markdown); err != nil {
		_ = f.Close()
		return fmt.Errorf("write the job summary %s: %w", e.StepSummary, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the job summary %s: %w", e.StepSummary, err)
	}
	return nil
}

// codeQualityIssue is one entry of a GitLab Code Quality report.
type codeQualityIssue struct {
	Description string              `json:"description"`
	CheckName   string              `json:"check_name"`
	Fingerprint string              `json:"fingerprint"`
	Severity    string              `json:"severity"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
}

// codeQualitySeverity maps a level onto GitLab's scale (info, minor,
// major, critical, blocker): an error stops lamb, so it is critical.
func codeQualitySeverity(l Level) string {
	switch l {
	case LevelWarning:
		return "minor"
	case LevelNotice:
		return "info"
	}
	return "critical"
}

// WriteCodeQuality writes annotations as a GitLab Code Quality report: a
// JSON array, empty when there is nothing to report. Each fingerprint is
// a hash of the file, check, key and message, not of the line, so GitLab
// sees the same issue as the same across commits.
func (e Env) WriteCodeQuality(w io.Writer, annotations []Annotation) error {
	issues := make([]codeQualityIssue, 0, len(annotations))
	for _, a := range annotations {
		path := filepath.ToSlash(e.repoPath(a.File))
		sum := sha256.Sum256([]byte(strings.Join([]string{path, a.Check, a.Key, a.Message}, "\x00")))
		issues = append(issues, codeQualityIssue{
			Description: a.Message,
			CheckName:   a.Check,
			Fingerprint: hex.EncodeToString(sum[:16]),
			Severity:    codeQualitySeverity(a.Level),
			Location:    codeQualityLocation{Path: path, Lines: codeQualityLines{Begin: max(a.Line, 1)}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(issues)
}
