package cmd

import (
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// TestMain stops the AWS emulator the deploy commands' tests start.
func TestMain(m *testing.M) { testenv.Main(m) }
