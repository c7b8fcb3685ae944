package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newCompletionCmd(f *Factory) *cobra.Command {
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
			root, out := c.Root(), f.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usageError(fmt.Errorf("unsupported shell %q", args[0]), "use bash, zsh, fish or powershell")
		},
	}
}
