package main

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/lambcli/lamb/internal/testenv"
)

// toolCondition answers a script's [tool:NAME] condition: whether NAME is
// on PATH. A missing tool is an error instead when LAMB_REQUIRE_TOOLS=1
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
	if _, err := exec.LookPath(name); err != nil {
		if testenv.ToolsRequired() {
			return false, fmt.Errorf("%s is not on PATH and %s=1: install it", name, testenv.RequireToolsEnv)
		}
		return false, nil
	}
	return true, nil
}
