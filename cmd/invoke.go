package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// InvokeOptions are the inputs of `lamb invoke`.
type InvokeOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Lambda returns the client of the resolved settings.
	Lambda func(context.Context) (deploy.InvokeAPI, error)

	Function string
	// Qualifier is the alias or version to invoke; "" means deploy.alias.
	Qualifier string
	// Payload is the JSON itself, @FILE, or - for standard input; "" sends {}.
	Payload string
	JSON    bool
}

// invokeDocument is what `lamb invoke --output json` prints: the
// function's key and AWS name, the qualifier invoked and the version that
// ran, Lambda's status code, the function error ("" when none), the
// response payload (as JSON when it is JSON, else as a string), and the
// decoded tail of the function's log.
type invokeDocument struct {
	Function      string          `json:"function"`
	Name          string          `json:"name"`
	Qualifier     string          `json:"qualifier"`
	Version       string          `json:"version"`
	StatusCode    int             `json:"statusCode"`
	FunctionError string          `json:"functionError"`
	Payload       json.RawMessage `json:"payload"`
	LogTail       string          `json:"logTail"`
}

// payloadHint follows every refused payload.
const payloadHint = `--payload takes a JSON document, @FILE or - (standard input), e.g. --payload '{"id": 1}'`

func newInvokeCmd(f *Factory, runF func(context.Context, *InvokeOptions) error) *cobra.Command {
	opts := &InvokeOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.invokeLambda}
	c := &cobra.Command{
		Use:   "invoke FN",
		Short: "Invoke a function and print its response (a smoke test)",
		Long: `Invoke the function synchronously — its deploy alias by default, or the
alias or version --qualifier names ($LATEST included) — and print the
response payload on stdout and the tail of its log on stderr. With
--output json, one document carries both.

The payload is a JSON document: given inline, read from a file (@FILE) or
from standard input (-); {} when none is given. A synchronous invoke takes at
most 6 MB (6,291,456 bytes): a larger payload is refused before anything is
sent (exit 3). lamb waits as long as the function may run (up to 15
minutes). When the function fails (Lambda's FunctionError), its error
payload is printed like a response and the exit status is 1.

` + fnArgHelp,
		Example: `  lamb invoke api
  lamb invoke api --payload '{"path": "/health"}'
  lamb invoke api --qualifier 12 --payload @event.json
  echo '{"id": 1}' | lamb invoke api --payload - --output json | jq .payload`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Function, opts.JSON = args[0], f.Settings.JSON()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return invokeRun(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.Qualifier, "qualifier", "", "alias or version to invoke (default: deploy.alias from lamb.yaml)")
	c.Flags().StringVar(&opts.Payload, "payload", "", "the event: JSON, @FILE, or - for standard input (default {})")
	return readsConfig(c)
}

func invokeRun(ctx context.Context, opts *InvokeOptions) error {
	fn, err := oneFunction(opts.Config, opts.Function)
	if err != nil {
		return err
	}
	payload, err := readPayload(ctx, opts.IO, opts.Payload)
	if err != nil {
		return err
	}
	qualifier := opts.Qualifier
	if qualifier == "" {
		qualifier = fn.Deploy.Alias
	}
	api, err := opts.Lambda(ctx)
	if err != nil {
		return err
	}
	inv, err := deploy.Invoke(ctx, api, fn.Name, qualifier, payload)
	if err != nil {
		return notDeployedHint(err, fn)
	}
	var failed error
	if inv.FunctionError != "" {
		failed = fmt.Errorf("invoke %s:%s: the function failed (%s)", fn.Name, qualifier, inv.FunctionError)
	}
	if opts.JSON {
		doc := invokeDocument{
			Function: fn.Key, Name: fn.Name, Qualifier: qualifier, Version: inv.Version,
			StatusCode: inv.StatusCode, FunctionError: inv.FunctionError, Payload: jsonOrString(inv.Payload), LogTail: inv.LogTail,
		}
		if err := ui.WriteJSON(opts.IO.Out, doc); err != nil {
			return err
		}
		if failed != nil {
			return &silentError{code: ExitFailure}
		}
		return nil
	}
	if inv.LogTail != "" && !opts.IO.Quiet {
		_, _ = fmt.Fprint(opts.IO.ErrOut, withNewline(inv.LogTail))
	}
	if _, err := fmt.Fprint(opts.IO.Out, withNewline(string(inv.Payload))); err != nil {
		return err
	}
	if failed != nil {
		return &ExitError{Code: ExitFailure, Err: failed, Hint: "its error payload is on standard output, its log tail above"}
	}
	return nil
}

// readPayload returns the event --payload gives, read and checked: a JSON
// document of at most deploy.MaxSyncPayload bytes.
func readPayload(ctx context.Context, io *ui.IOStreams, arg string) ([]byte, error) {
	var data []byte
	var err error
	from := "--payload"
	switch {
	case arg == "":
		return []byte("{}"), nil
	case arg == "-":
		from = "the payload on standard input"
		data, err = safefile.ReadAll(ctx, io.In, from, deploy.MaxSyncPayload)
	case strings.HasPrefix(arg, "@"):
		from = arg[1:]
		data, err = safefile.ReadFile(ctx, from, deploy.MaxSyncPayload)
	default:
		data = []byte(arg)
		if len(data) > deploy.MaxSyncPayload {
			err = &deploy.PayloadTooLargeError{Size: len(data)}
		}
	}
	var tooLarge *safefile.TooLargeError
	var tooLargePayload *deploy.PayloadTooLargeError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.As(err, &tooLarge) || errors.As(err, &tooLargePayload):
		return nil, &ExitError{Code: ExitLimit, Err: fmt.Errorf("read the payload: %w", err),
			Hint: "a synchronous invoke takes at most 6,291,456 bytes (6 MB) of payload"}
	default:
		return nil, usageError(fmt.Errorf("read the payload: %w", err), payloadHint)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, usageError(fmt.Errorf("%s is not a JSON document: %w", from, err), payloadHint)
	}
	return data, nil
}

// jsonOrString keeps a payload that is JSON as it is, and quotes any other
// as a JSON string; an empty payload is null.
func jsonOrString(b []byte) json.RawMessage {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// invokeLambda returns the Lambda client invoke uses.
func (f *Factory) invokeLambda(ctx context.Context) (deploy.InvokeAPI, error) {
	c, err := f.AWS().Lambda(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}
