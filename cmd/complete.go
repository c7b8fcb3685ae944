package cmd

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/templates"
)

// Dynamic completion: cobra's hidden __complete command calls these
// functions for every shell the completion scripts support. A completion
// never fails loudly: whatever goes wrong (no lamb.yaml, a broken one, an
// unset variable) completes nothing and never offers file names instead.

// completionLoadTimeout bounds the reading of lamb.yaml (and its dotenv
// files) while the user waits for a Tab.
const completionLoadTimeout = 2 * time.Second

// outputFormats are the values --output takes, with what each prints.
var outputFormats = []cobra.Completion{
	cobra.CompletionWithDesc("text", "readable text"),
	cobra.CompletionWithDesc("json", "one JSON document on stdout"),
}

// completeOutput offers the formats; markdown only where plan takes it.
func completeOutput(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	formats := outputFormats
	if c.Name() == "plan" {
		formats = append(formats[:len(formats):len(formats)], cobra.CompletionWithDesc("markdown", "a pull-request comment"))
	}
	return formats, cobra.ShellCompDirectiveNoFileComp
}

// flagCompletions complete a flag by its name, on whichever command has it,
// so a flag another command gains later (a --strategy on deploy, a
// --function naming one of lamb.yaml) completes the same way.
var flagCompletions = map[string]cobra.CompletionFunc{
	"stage":    completeStages,
	"output":   completeOutput,
	"strategy": completeStrategies,
	"runtime":  completeRuntimes,
	"function": completeFunctionFlag,
}

// registerCompletions wires the dynamic completions into the tree under
// root: the function keys of lamb.yaml for every FN argument, and the
// values of the flags in flagCompletions. A completion a command registered
// itself is kept.
func registerCompletions(root *cobra.Command) {
	_ = root.MarkPersistentFlagFilename("config", "yaml", "yml", "json")
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			c.ValidArgsFunction = completeArgs(c.Use)
		}
		register := func(fl *pflag.Flag) {
			complete, ok := flagCompletions[fl.Name]
			if !ok {
				return
			}
			if _, done := c.GetFlagCompletionFunc(fl.Name); done {
				return
			}
			_ = c.RegisterFlagCompletionFunc(fl.Name, complete)
		}
		c.LocalNonPersistentFlags().VisitAll(register)
		c.PersistentFlags().VisitAll(register)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completeArgs completes the positional arguments a command's usage line
// names: FN... takes any number of functions, FN exactly one; any other
// command takes no argument lamb could complete.
func completeArgs(use string) cobra.CompletionFunc {
	fields := strings.Fields(use)
	var many, one bool
	for _, f := range fields[1:] {
		switch strings.Trim(f, "[]") {
		case "FN...":
			many = true
		case "FN":
			one = true
		}
	}
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if !many && !(one && len(args) == 0) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return functionCompletions(c, args), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFunctionFlag completes a flag that names one function of lamb.yaml.
func completeFunctionFlag(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return functionCompletions(c, nil), cobra.ShellCompDirectiveNoFileComp
}

// functionCompletions lists the function keys of lamb.yaml (with the
// stage --stage names) that are not among taken, each described by its
// runtime and AWS name.
func functionCompletions(c *cobra.Command, taken []string) []cobra.Completion {
	s, ok := completionSettings(c)
	if !ok {
		return nil
	}
	cfg := loadForCompletion(c, s.Config, s.Stage)
	if cfg == nil {
		return nil
	}
	var out []cobra.Completion
	for _, fn := range cfg.Functions {
		if slices.Contains(taken, fn.Key) || slices.Contains(taken, fn.Name) {
			continue
		}
		desc := strings.TrimSpace(fn.Runtime + " " + fn.Name)
		out = append(out, cobra.CompletionWithDesc(fn.Key, desc))
	}
	return out
}

// completeStages lists the stages lamb.yaml defines.
func completeStages(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	s, ok := completionSettings(c)
	if !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	// Without an overlay: the stage being typed may not be one yet.
	cfg := loadForCompletion(c, s.Config, "")
	if cfg == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return cfg.Stages, cobra.ShellCompDirectiveNoFileComp
}

// completeStrategies lists all-at-once, the canary and linear forms of
// CodeDeploy's predefined configurations, and their CodeDeploy names.
func completeStrategies(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	out := []cobra.Completion{cobra.CompletionWithDesc("all-at-once", "move all traffic at once")}
	var names []cobra.Completion
	for _, name := range appspec.PredefinedNames() {
		st, err := appspec.ParseStrategy(name)
		if err != nil {
			continue
		}
		desc := strategyDescription(st)
		names = append(names, cobra.CompletionWithDesc(name, desc))
		if st.Kind == appspec.AllAtOnce {
			continue
		}
		st.PredefinedName = ""
		out = append(out, cobra.CompletionWithDesc(st.String(), desc))
	}
	return append(out, names...), cobra.ShellCompDirectiveNoFileComp
}

func strategyDescription(st appspec.Strategy) string {
	switch st.Kind {
	case appspec.Canary:
		return share(st.Percent) + " first, the rest " + minutes(st.Interval) + " later"
	case appspec.Linear:
		return share(st.Percent) + " more every " + minutes(st.Interval)
	}
	return "move all traffic at once"
}

func share(percent float64) string {
	return config.Percent(percent / 100).String()
}

// minutes words the bake times of CodeDeploy's configurations, all whole minutes.
func minutes(d time.Duration) string {
	if d%time.Minute != 0 {
		return d.String()
	}
	if d == time.Minute {
		return "minute"
	}
	return strconv.Itoa(int(d/time.Minute)) + " minutes"
}

// completeRuntimes lists the runtime families lamb init writes, then the
// Lambda runtimes of those families that are not deprecated.
func completeRuntimes(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	var out []cobra.Completion
	for _, family := range templates.Families() {
		out = append(out, cobra.CompletionWithDesc(family.Name, "writes "+family.Runtime))
	}
	for _, name := range limits.SupportedRuntimes(time.Now()) {
		if _, err := templates.Resolve(name); err == nil {
			out = append(out, name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completionSettings resolves the global settings from the flags parsed so
// far and the environment; PersistentPreRunE does not run for __complete.
func completionSettings(c *cobra.Command) (Settings, bool) {
	r, err := newSettingsResolver(c.Root().PersistentFlags())
	if err != nil {
		return Settings{}, false
	}
	s, err := r.resolve()
	// Standard input belongs to the shell while it completes.
	if err != nil || s.Config == stdinConfig {
		return Settings{}, false
	}
	return s, true
}

// loadForCompletion loads lamb.yaml, or returns nil. A variable that is not
// set here reads as empty, so a file written for CI still completes.
func loadForCompletion(c *cobra.Command, path, stage string) *config.Config {
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionLoadTimeout)
	defer cancel()
	cfg, err := config.Load(ctx, path, config.LoadOptions{Stage: stage, LookupEnv: lenientLookupEnv})
	if err != nil {
		return nil
	}
	return cfg
}

func lenientLookupEnv(name string) (string, bool) {
	v, _ := os.LookupEnv(name)
	return v, true
}
