package cmd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
)

// VersionsOptions are the inputs of `lamb versions`: its dependencies
// first, then what the arguments and settings say.
type VersionsOptions struct {
	IO *ui.IOStreams
	// Config returns lamb.yaml as loaded for this command.
	Config func() (*config.Config, error)
	// Lambda returns the client of the resolved settings.
	Lambda func(context.Context) (deploy.LambdaAPI, error)

	Function string
	JSON     bool
}

// versionsDocument is what `lamb versions --output json` prints: the
// function's key and AWS name, its published versions newest first (each:
// version, lastModified, codeSha256, codeSize, description, aliases as a
// map of alias name to share of traffic, 0–1), and its aliases by name
// (each: name, version, weights, description).
type versionsDocument struct {
	Function string           `json:"function"`
	Name     string           `json:"name"`
	Versions []deploy.Version `json:"versions"`
	Aliases  []deploy.Alias   `json:"aliases"`
}

// fnArgHelp ends the help of every command that acts on one deployed
// function.
const fnArgHelp = `FN is the function's key in lamb.yaml, or its AWS name; either way the
function must be in lamb.yaml, which gives its AWS name, its deploy alias
and deploy.keepVersions.`

func newVersionsCmd(f *Factory, runF func(context.Context, *VersionsOptions) error) *cobra.Command {
	opts := &VersionsOptions{IO: f.IO, Config: f.LoadConfig, Lambda: f.deployLambda}
	c := &cobra.Command{
		Use:   "versions FN",
		Short: "List a function's published versions and the aliases on each",
		Long: `List the function's published versions, newest first: number, date, code
hash (short), size, description, and the aliases that route to each with
their share of traffic, e.g. "live (90%)" while a shift is under way.

` + fnArgHelp,
		Example: `  lamb versions api
  lamb versions api --stage prod --output json | jq '.versions[] | select(.aliases.live)'`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Function, opts.JSON = args[0], f.Settings.JSON()
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return versionsRun(c.Context(), opts)
		},
	}
	return readsConfig(c)
}

func versionsRun(ctx context.Context, opts *VersionsOptions) error {
	fn, d, err := deployedFunction(ctx, opts.Config, opts.Lambda, opts.Function)
	if err != nil {
		return err
	}
	versions, aliases, err := d.Versions(ctx, fn.Name)
	if err != nil {
		return notDeployedHint(err, fn)
	}
	doc := versionsDocument{Function: fn.Key, Name: fn.Name, Versions: versions, Aliases: aliases}
	if doc.Versions == nil {
		doc.Versions = []deploy.Version{}
	}
	if doc.Aliases == nil {
		doc.Aliases = []deploy.Alias{}
	}
	slices.SortFunc(doc.Aliases, func(a, b deploy.Alias) int { return strings.Compare(a.Name, b.Name) })
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, doc)
	}
	return writeVersionsTable(opts.IO, doc)
}

func writeVersionsTable(io *ui.IOStreams, doc versionsDocument) error {
	if len(doc.Versions) == 0 {
		_, err := fmt.Fprintf(io.Out, "%s has no published versions; 'lamb deploy %s' publishes one\n", doc.Name, doc.Function)
		return err
	}
	p := io.OutPainter()
	tw := newTable(io)
	fmt.Fprintln(tw, "VERSION\tDATE\tCODE\tSIZE\tDESCRIPTION\tALIASES")
	for _, v := range doc.Versions {
		names := make([]string, 0, len(v.Aliases))
		for _, name := range slices.Sorted(maps.Keys(v.Aliases)) {
			if w := v.Aliases[name]; w < 1 {
				name += " (" + percent(w) + ")"
			}
			names = append(names, p.Green(name))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.Version, lambdaDate(v.LastModified), shortSha(v.CodeSha256),
			ui.Bytes(v.CodeSize), dashIfEmpty(v.Description), dashIfEmpty(strings.Join(names, ", ")))
	}
	return tw.Flush()
}

// percent formats a share of traffic (0–1) as a percentage with at most
// one decimal: 0.1 → "10%", 1/3 → "33.3%".
func percent(w float64) string {
	return strconv.FormatFloat(math.Round(w*1000)/10, 'f', -1, 64) + "%"
}

// route formats where an alias sends traffic: "3", or "3 (90%), 4 (10%)".
func route(version string, weights map[string]float64) string {
	if len(weights) == 0 {
		return version
	}
	primary := 1.0
	var rest []string
	for _, v := range slices.Sorted(maps.Keys(weights)) {
		primary -= weights[v]
		rest = append(rest, v+" ("+percent(weights[v])+")")
	}
	return strings.Join(append([]string{version + " (" + percent(primary) + ")"}, rest...), ", ")
}

// lambdaDate shows a LastModified as a UTC minute, or as it came when it
// does not parse. Lambda writes "2024-05-01T10:04:05.000+0000"; emulators
// may write RFC 3339.
func lambdaDate(s string) string {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	return dashIfEmpty(s)
}

// shortSha is the start of a CodeSha256: enough to tell versions apart.
func shortSha(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return dashIfEmpty(s)
}

// deployedFunction returns the one function FN names in lamb.yaml and a
// Deployer on the Lambda client.
func deployedFunction(ctx context.Context, load func() (*config.Config, error), lambda func(context.Context) (deploy.LambdaAPI, error), name string) (*config.Function, *deploy.Deployer, error) {
	fn, err := oneFunction(load, name)
	if err != nil {
		return nil, nil, err
	}
	d, err := deployerOn(ctx, lambda)
	return fn, d, err
}

// oneFunction returns the function FN names in lamb.yaml.
func oneFunction(load func() (*config.Config, error), name string) (*config.Function, error) {
	_, fns, err := selectFunctions(load, []string{name})
	if err != nil {
		return nil, err
	}
	return fns[0], nil
}

func deployerOn(ctx context.Context, lambda func(context.Context) (deploy.LambdaAPI, error)) (*deploy.Deployer, error) {
	api, err := lambda(ctx)
	if err != nil {
		return nil, err
	}
	return &deploy.Deployer{Lambda: api}, nil
}

func newTable(io *ui.IOStreams) *tabwriter.Writer {
	return tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
}

// deployLambda returns the Lambda client the deploy commands use.
func (f *Factory) deployLambda(ctx context.Context) (deploy.LambdaAPI, error) {
	c, err := f.AWS().Lambda(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// notDeployedHint adds what to do when Lambda does not know the function.
func notDeployedHint(err error, fn *config.Function) error {
	var nf *lambdatypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return &ExitError{Code: ExitFailure, Err: err, Hint: fmt.Sprintf("is %s deployed in this region? 'lamb deploy %s' creates it; --region picks another region", fn.Name, fn.Key)}
	}
	return err
}
