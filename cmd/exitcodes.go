package cmd

import "github.com/spf13/cobra"

// exitCodesHelp is the table `lamb help exit-codes` prints; the README
// carries the same table.
const exitCodesHelp = `lamb exits with one of these codes, so scripts and CI can tell outcomes apart:

  0    success, or nothing to do (deploy found everything up to date)
  1    failure (a build, an upload or an AWS call failed)
  2    usage or configuration error (bad flag, invalid lamb.yaml)
  3    a Lambda limit would be violated (lamb check / deploy pre-flight,
       or a package.artifact that unpacks too big)
  4    AWS credentials missing or rejected, or permission denied
  5    the traffic shift was rolled back (an alarm, the error-rate gate or a
       hook failed; 130 when it was interrupted)
  10   lamb plan --exit-code: a deploy would change something (0: nothing to change)
  130  interrupted (Ctrl-C or SIGTERM)

With --output json a failure also prints {"error":{"code":N,"message":"...","hint":"..."}} on stdout.`

// newExitCodesTopic is a help topic: `lamb help exit-codes`.
func newExitCodesTopic(*Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "exit-codes",
		Short:   "The exit codes lamb uses",
		Long:    exitCodesHelp,
		Example: "  lamb deploy; echo \"exit status $?\"",
	}
}
