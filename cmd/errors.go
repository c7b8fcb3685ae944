package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit codes, as documented by `lamb help exit-codes` and the README.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitLimit       = 3
	ExitCredentials = 4
	ExitRolledBack  = 5
	ExitChanges     = 10
	ExitInterrupted = 130
)

// ExitError carries the exit code (and an optional hint) inside an error, so
// commands return errors and only Main turns them into a process status.
type ExitError struct {
	Code int
	Err  error
	Hint string
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// usageError marks err as a usage or configuration problem (exit 2).
func usageError(err error, hint string) error {
	return &ExitError{Code: ExitUsage, Err: err, Hint: hint}
}

// usageHint follows every error about the command line itself.
const usageHint = "run 'lamb --help' for usage"

// typedArgErrors makes the argument errors of c and its subcommands usage
// errors: cobra's Args validators return plain errors, and an exit code is
// decided by an error's type, never by its text.
func typedArgErrors(c *cobra.Command) {
	if validate := c.Args; validate != nil {
		c.Args = func(c *cobra.Command, args []string) error {
			if err := validate(c, args); err != nil {
				return usageError(err, usageHint)
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		typedArgErrors(sub)
	}
}

// silentError is returned when a command has already printed its outcome
// (a validation report, a check report) and only the exit code remains.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// errorClassifier maps an error from a package to an exit code and hint.
type errorClassifier func(err error) (code int, hint string, ok bool)

// classifiers are asked in order; each lives in the file that knows the
// package whose errors it recognises.
var classifiers = []errorClassifier{classifyConfigError, classifyPackageLimit, classifyCredentialError, classifyShiftError}

// classify returns the exit code and hint for err.
func classify(err error) (int, string) {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code, ee.Hint
	}
	var se *silentError
	if errors.As(err, &se) {
		return se.code, ""
	}
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted, ""
	}
	for _, c := range classifiers {
		if code, hint, ok := c(err); ok {
			return code, hint
		}
	}
	return ExitFailure, ""
}
