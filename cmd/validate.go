package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
)

// ValidateOptions are the inputs of `lamb validate`; the file and stage
// come from the global --config and --stage.
type ValidateOptions struct {
	Reports ciReports
}

func newValidateCmd(f *Factory) *cobra.Command {
	return newValidateCmdWith(f, validateRun)
}

// newValidateCmdWith lets tests replace the run function to check flag parsing.
func newValidateCmdWith(f *Factory, run func(context.Context, *Factory, *ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{}
	c := readsConfig(&cobra.Command{
		Use:   "validate",
		Short: "Check lamb.yaml and report every problem with its line",
		Long: `Parse and check lamb.yaml (or the file given with --config): unknown keys
(with a did-you-mean), wrong types, enumerations, ${env:NAME} references and
dotenv files. Every problem is printed as file:line:column: key.path: message,
all at once, and the exit status is 2 when there is any.

With --stage the stage overlay is applied and its ${env:...} references must
resolve; every stage's structure is checked either way. Quota ranges (memory,
timeout, sizes) are checked by 'lamb check'.

On GitHub Actions (GITHUB_ACTIONS=true) every problem is also printed as a
workflow command, which annotates the line on the pull request;
--report gitlab-codequality=FILE writes a GitLab Code Quality report.`,
		Example: `  lamb validate
  lamb validate --stage prod
  lamb validate -c services/orders/lamb.yaml --output json | jq '.problems[]'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Reports.Env = f.ciEnv()
			return run(c.Context(), f, opts)
		},
	})
	addReportFlag(c, &opts.Reports)
	return c
}

// validateDocument is the --output json document of `lamb validate`.
type validateDocument struct {
	OK        bool             `json:"ok"`
	Functions int              `json:"functions"`
	Problems  []config.Problem `json:"problems"`
}

func validateRun(ctx context.Context, f *Factory, opts *ValidateOptions) error {
	if err := opts.Reports.parse(); err != nil {
		return err
	}
	cfg, err := f.LoadConfig()
	var ve *config.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	doc := validateDocument{OK: err == nil, Problems: []config.Problem{}}
	if ve != nil {
		doc.Problems = ve.Problems
	}
	if cfg != nil {
		doc.Functions = len(cfg.Functions)
	}
	if f.Settings.JSON() {
		if werr := ui.WriteJSON(f.IO.Out, doc); werr != nil {
			return werr
		}
	} else if werr := writeValidateText(f, cfg, doc); werr != nil {
		return werr
	}
	if werr := opts.Reports.publish(f.IO.Out, problemAnnotations(doc.Problems), !f.Settings.JSON()); werr != nil {
		return werr
	}
	if !doc.OK {
		return &silentError{code: ExitUsage}
	}
	return nil
}

func writeValidateText(f *Factory, cfg *config.Config, doc validateDocument) error {
	if !doc.OK {
		for _, p := range doc.Problems {
			if _, err := fmt.Fprintf(f.IO.Out, "%s %s\n", f.IO.OutPainter().Bold(fmt.Sprintf("%s:%d:%d:", p.File, p.Line, p.Column)), problemText(p)); err != nil {
				return err
			}
		}
		_, _ = fmt.Fprintf(f.IO.ErrOut, "%s %s in %s\n", f.IO.ErrPainter().Red("error:"), nounCount(len(doc.Problems), "problem"), f.Settings.Config)
		return nil
	}
	for _, fn := range cfg.Functions {
		f.IO.Verbosef("%s: %s (%s, %s)", fn.Key, fn.Name, dashIfEmpty(fn.Runtime), fn.Architecture)
	}
	_, err := fmt.Fprintf(f.IO.Out, "ok: %s\n", nounCount(doc.Functions, "function"))
	return err
}

func problemText(p config.Problem) string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

func nounCount(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
