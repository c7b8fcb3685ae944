package cmd

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newGenManCmd is the hidden command the release runs to write the man
// pages that ship in the archives, from the same command tree users run.
func newGenManCmd() *cobra.Command {
	source := "lamb"
	c := &cobra.Command{
		Use:    "gen-man DIR",
		Short:  "Write a man page for every command into DIR",
		Hidden: true,
		Long: `Write lamb.1 and one lamb-COMMAND.1 page per command into DIR, creating it.
The date in the pages is SOURCE_DATE_EPOCH when set, so a release writes
the same pages from the same commit.`,
		Example: `  lamb gen-man manpages
  lamb gen-man --source "lamb 1.4.0" manpages
  man -l manpages/lamb-deploy.1`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return genManPages(c.Root(), args[0], source)
		},
	}
	c.Flags().StringVar(&source, "source", source, "the program and version the page footers name")
	return c
}

// genManPages writes the pages of root and every command under it.
func genManPages(root *cobra.Command, dir, source string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create man page folder: %w", err)
	}
	// The generator stamps "Auto generated" with the date on every page
	// whose command does not opt out; the date is in the header already.
	var quiet func(*cobra.Command)
	quiet = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			quiet(sub)
		}
	}
	quiet(root)
	header := &doc.GenManHeader{Title: "LAMB", Section: "1", Source: source, Manual: "lamb manual"}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("write man pages into %s: %w", dir, err)
	}
	return nil
}
