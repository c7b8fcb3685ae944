package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/atomicfile"
	"github.com/lambcli/lamb/internal/ci"
	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// ciReports is what a command that finds problems (validate, check) tells
// a CI system besides its own output: annotations on GitHub Actions, and
// the report files --report asks for.
type ciReports struct {
	Env ci.Env
	// specs are the --report values, FORMAT=FILE.
	specs []string
	// codeQuality is the file of --report gitlab-codequality=FILE.
	codeQuality string
}

// reportCodeQuality is the --report format of a GitLab Code Quality report.
const reportCodeQuality = "gitlab-codequality"

// addReportFlag adds --report to c.
func addReportFlag(c *cobra.Command, r *ciReports) {
	c.Flags().StringArrayVar(&r.specs, "report", nil, "also write the problems as `FORMAT=FILE`; FORMAT: "+reportCodeQuality+" (GitLab Code Quality)")
}

// parse reads the --report values.
func (r *ciReports) parse() error {
	for _, spec := range r.specs {
		format, file, ok := strings.Cut(spec, "=")
		switch {
		case !ok || file == "":
			return usageError(fmt.Errorf("--report %q: expected FORMAT=FILE", spec), "use --report "+reportCodeQuality+"=gl-code-quality-report.json")
		case format != reportCodeQuality:
			return usageError(fmt.Errorf("--report %q: unknown format %q", spec, format), "the format is "+reportCodeQuality)
		}
		r.codeQuality = file
	}
	return nil
}

// publish prints the annotations as workflow commands on out when running
// on GitHub Actions and annotate is set (text output: a JSON document must
// stay alone on stdout), and writes every report file --report names, even
// when there is nothing to report, so a CI job always finds its file.
func (r *ciReports) publish(out io.Writer, annotations []ci.Annotation, annotate bool) error {
	if annotate && r.Env.GitHubActions {
		if err := r.Env.WriteAnnotations(out, annotations); err != nil {
			return err
		}
	}
	if r.codeQuality == "" {
		return nil
	}
	err := atomicfile.WriteFile(r.codeQuality, func(w io.Writer) error {
		return r.Env.WriteCodeQuality(w, annotations)
	})
	if err != nil {
		return fmt.Errorf("write --report %s=%s: %w", reportCodeQuality, r.codeQuality, err)
	}
	return nil
}

// problemAnnotations are lamb.yaml's problems, each at its line.
func problemAnnotations(problems []config.Problem) []ci.Annotation {
	out := make([]ci.Annotation, 0, len(problems))
	for _, p := range problems {
		out = append(out, ci.Annotation{
			Level: ci.LevelError, File: p.File, Line: p.Line, Column: p.Column,
			Check: "validate", Key: p.Path, Title: "lamb validate", Message: problemText(p),
		})
	}
	return out
}

// configProblems are the problems of a lamb.yaml that did not load, if
// that is why err happened.
func configProblems(err error) []config.Problem {
	var ve *config.ValidationError
	if errors.As(err, &ve) {
		return ve.Problems
	}
	return nil
}

// findingAnnotations are the check findings of r, each at the line of
// lamb.yaml that sets the field it is about (the function's key when the
// field is not written). file is lamb.yaml's path as the user named it,
// cfg the configuration loaded from it.
func findingAnnotations(ctx context.Context, file string, cfg *config.Config, r limits.Report) []ci.Annotation {
	// Without the file (read from stdin, or gone) findings still count,
	// at no line.
	data, _ := safefile.ReadFile(ctx, cfg.Path, config.MaxFileBytes)
	var out []ci.Annotation
	for _, fr := range r.Functions {
		for _, x := range fr.Findings {
			a := ci.Annotation{
				Level: annotationLevel(x.Severity), File: file, Check: x.Check,
				Key:     "functions." + fr.Function + "." + x.Field,
				Title:   "lamb check: " + x.Check + " (" + fr.Function + ")",
				Message: fr.Function + ": " + x.Message,
			}
			if x.Hint != "" {
				a.Message += "; " + x.Hint
			}
			if pos, ok := config.LocateField(data, cfg.Stage, fr.Function, x.Field); ok {
				a.Line, a.Column = pos.Line, pos.Column
			}
			out = append(out, a)
		}
	}
	return out
}

func annotationLevel(s limits.Severity) ci.Level {
	switch s {
	case limits.SeverityError:
		return ci.LevelError
	case limits.SeverityWarning:
		return ci.LevelWarning
	}
	return ci.LevelNotice
}

// ciEnv is the CI system lamb runs in, as the environment says.
// A factory without Getenv (made in a test) is outside any CI.
func (f *Factory) ciEnv() ci.Env {
	if f.Getenv == nil {
		return ci.Env{}
	}
	return ci.EnvFrom(f.Getenv)
}

// annotatePreflight prints, on GitHub Actions, the findings of the
// pre-flight that stopped a deploy or plan (runErr), as lamb check prints
// them: at the lines of lamb.yaml that set the fields. JSON output stays
// one document.
func annotatePreflight(ctx context.Context, out io.Writer, env ci.Env, file string, cfg *config.Config, runErr error, jsonOut bool) error {
	var lv *pipeline.LimitsViolated
	if jsonOut || !env.GitHubActions || !errors.As(runErr, &lv) {
		return nil
	}
	return env.WriteAnnotations(out, findingAnnotations(ctx, file, cfg, lv.Report))
}
