// Command lamb packages AWS Lambda functions deterministically, checks every
// Lambda quota before anything reaches AWS, and deploys with safe traffic shifting.
package main

import (
	"os"

	"github.com/lambcli/lamb/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:]))
}
