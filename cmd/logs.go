package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/logs"
)

// LogsOptions are the inputs of `lamb logs`.
type LogsOptions struct {
	IO     *ui.IOStreams
	Config func() (*config.Config, error)
	Lambda func(context.Context) (logs.FunctionAPI, error)
	Logs   func(context.Context) (logs.API, error)
	Now    func() time.Time

	Function  string
	Since     string
	Filter    string
	Qualifier string
	Follow    bool
	JSON      bool
}

func newLogsCmd(f *Factory, runF func(context.Context, *LogsOptions) error) *cobra.Command {
	opts := &LogsOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.logsLambda, Logs: f.logsClient, Now: time.Now}
	c := &cobra.Command{
		Use:   "logs FN",
		Short: "Print a function's log events, or follow them as they arrive",
		Long: `Print the events of the function's CloudWatch Logs group (the one its
logging configuration names, else /aws/lambda/<name>), oldest first, one line
each: time, log stream, message. --follow keeps reading new events every two
seconds until Ctrl-C.

--qualifier keeps the events of one version ($LATEST or a number), or of the
versions an alias routes to (both sides of a traffic shift). --filter takes a
CloudWatch Logs filter pattern (ERROR, "timed out", { $.level = "error" }).
With --output json each event is one JSON object on a line of its own.

` + fnArgHelp,
		Example: `  lamb logs api --since 1h --filter ERROR
  lamb logs api -f --qualifier live
  lamb logs api --since 2026-12-04T09:00:00Z -o json | jq -r .message`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Function, opts.JSON = args[0], f.Settings.JSON()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return logsRun(c.Context(), opts)
		},
	}
	c.Flags().StringVar(&opts.Since, "since", "10m", "how far back to start: a duration (90s, 10m, 2h) or a time (2026-12-04T09:00:00Z)")
	c.Flags().BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new events until interrupted")
	c.Flags().StringVar(&opts.Filter, "filter", "", "CloudWatch Logs filter pattern the events must match")
	c.Flags().StringVar(&opts.Qualifier, "qualifier", "", "only the events of this version, $LATEST, or the versions of this alias")
	return readsConfig(c)
}

// parseSince reads --since: a duration back from now, or a time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &ExitError{Code: ExitUsage, Err: fmt.Errorf("--since %q is neither a duration nor a time", s), Hint: "use a duration such as 10m or 2h, or a time such as 2026-12-04T09:00:00Z"}
}

func logsRun(ctx context.Context, opts *LogsOptions) error {
	since, err := parseSince(opts.Since, opts.Now())
	if err != nil {
		return err
	}
	fn, err := oneFunction(opts.Config, opts.Function)
	if err != nil {
		return err
	}
	lambdaAPI, err := opts.Lambda(ctx)
	if err != nil {
		return err
	}
	target, err := logs.Resolve(ctx, lambdaAPI, fn.Name, opts.Qualifier)
	if err != nil {
		return notDeployedHint(err, fn)
	}
	api, err := opts.Logs(ctx)
	if err != nil {
		return err
	}
	var enc *json.Encoder
	if opts.JSON {
		enc = json.NewEncoder(opts.IO.Out)
		enc.SetEscapeHTML(false)
	}
	err = logs.Read(ctx, api, logs.Query{Target: target, Since: since, Filter: opts.Filter, Follow: opts.Follow}, func(e logs.Event) error {
		if enc != nil {
			return enc.Encode(e)
		}
		_, err := fmt.Fprintf(opts.IO.Out, "%s  %s  %s\n", e.Time.Format("2006-01-02T15:04:05.000Z07:00"), shortStream(e.Stream), e.Message)
		return err
	})
	if errors.Is(err, logs.ErrNoGroup) {
		return &ExitError{Code: ExitFailure, Err: err, Hint: fmt.Sprintf("%s has written no logs yet: invoke it ('lamb invoke %s'), or wait for them with --follow", fn.Name, fn.Key)}
	}
	return err
}

// shortStream drops the date from a Lambda log stream name: what is left,
// [version] and the execution environment's id, tells the events apart.
func shortStream(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 && strings.HasPrefix(s[i+1:], "[") {
		return s[i+1:]
	}
	return s
}

func (f *Factory) logsLambda(ctx context.Context) (logs.FunctionAPI, error) {
	c, err := f.AWS().Lambda(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (f *Factory) logsClient(ctx context.Context) (logs.API, error) {
	c, err := f.AWS().Logs(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}
