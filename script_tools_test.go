package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/lambcli/lamb/internal/testenv"
)

// toolCondition answers a script's [tool:NAME] condition: whether NAME is
// on PATH and runs (a version manager's shim may be on PATH for a version
// it does not have installed or selected). A missing tool is an error instead when LAMB_REQUIRE_TOOLS=1
// (CI), so a script that says
//
//	[!tool:node] skip 'node is not on PATH'
//
// skips on a developer's machine without node and fails in CI.
func toolCondition(cond string) (bool, error) {
	name, ok := strings.CutPrefix(cond, "tool:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec.CommandContext(ctx, name, "--version").Run(); err != nil {
		if testenv.ToolsRequired() {
			return false, fmt.Errorf("%s is not on PATH and %s=1: install it", name, testenv.RequireToolsEnv)
		}
		return false, nil
	}
	return true, nil
}
