package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with lamb.yaml, located precisely enough for
// an editor to jump to it.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	// Path is the key path, e.g. functions.api.environment.vars.TABLE;
	// empty for syntax errors.
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// String renders the problem as file:line:column: path: message.
func (p Problem) String() string {
	if p.Path == "" {
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", p.File, p.Line, p.Column, p.Path, p.Message)
}

// ValidationError carries every problem found in a configuration file, so
// a user can fix them all in one pass.
type ValidationError struct {
	Problems []Problem
}

// Error prints one problem per line, sorted by position.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// newValidationError sorts and de-duplicates problems; nil when there are none.
func newValidationError(problems []Problem) *ValidationError {
	if len(problems) == 0 {
		return nil
	}
	ps := slices.Clone(problems)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	ps = slices.Compact(ps)
	return &ValidationError{Problems: ps}
}
