package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
)

// CompletionOptions are the inputs of `lamb completion`.
type CompletionOptions struct {
	IO    *ui.IOStreams
	Shell string
}

func newCompletionCmd(f *Factory, runF func(*cobra.Command, *CompletionOptions) error) *cobra.Command {
	opts := &CompletionOptions{IO: f.IO}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print the completion script for a shell to stdout.

Load it for the current shell, or install it where your shell looks for
completions. Release archives carry the generated scripts in completions/.`,
		Example: `  source <(lamb completion bash)
  lamb completion zsh > "${fpath[1]}/_lamb"
  lamb completion fish > ~/.config/fish/completions/lamb.fish
  lamb completion powershell | Out-String | Invoke-Expression`,
		ValidArgs:             []string{"bash", "zsh", "fish", "powershell"},
		Args:                  cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		DisableFlagsInUseLine: true,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Shell = args[0]
			if runF != nil {
				return runF(c, opts)
			}
			return completionRun(c, opts)
		},
	}
}

// completionRun writes the script for opts.Shell; it needs the command tree
// the script describes.
func completionRun(c *cobra.Command, opts *CompletionOptions) error {
	root, out := c.Root(), opts.IO.Out
	switch opts.Shell {
	case "bash":
		return root.GenBashCompletionV2(out, true)
	case "zsh":
		return root.GenZshCompletion(out)
	case "fish":
		return root.GenFishCompletion(out, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(out)
	}
	return usageError(fmt.Errorf("unsupported shell %q", opts.Shell), "use bash, zsh, fish or powershell")
}
