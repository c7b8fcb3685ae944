package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
)

// Set at release time with -ldflags "-X github.com/lambcli/lamb/cmd.version=...".
var (
	version = ""
	commit  = ""
	date    = ""
)

// buildInfo is what `lamb version` reports.
type buildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// currentBuild uses the ldflags values and falls back to the module's build
// information (go install) for whatever they leave empty.
func currentBuild(read func() (*debug.BuildInfo, bool)) buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date, Go: runtime.Version()}
	if info, ok := read(); ok {
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

// VersionOptions are the inputs of `lamb version`.
type VersionOptions struct {
	IO *ui.IOStreams
	// ReadBuildInfo reads the binary's module information; tests replace it.
	ReadBuildInfo func() (*debug.BuildInfo, bool)
	JSON          bool
}

func newVersionCmd(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IO, ReadBuildInfo: debug.ReadBuildInfo}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print lamb's version, commit and build date",
		Example: "  lamb version\n  lamb version --output json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.JSON = f.Settings.JSON()
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
}

func versionRun(opts *VersionOptions) error {
	b := currentBuild(opts.ReadBuildInfo)
	if opts.JSON {
		return ui.WriteJSON(opts.IO.Out, b)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "lamb %s (commit %s, built %s, %s)\n", b.Version, b.Commit, b.Date, b.Go)
	return err
}
