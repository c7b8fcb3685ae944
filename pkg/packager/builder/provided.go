package builder

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// providedResult ships the source as it is once the build has left the
// bootstrap the custom runtime starts.
func providedResult(spec Spec) (*Result, error) {
	p := filepath.Join(spec.Source, "bootstrap")
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s needs an executable bootstrap at the root of %s: set package.build to a command that writes it", spec.Runtime, spec.Source)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("%s needs an executable bootstrap, but %s is not executable: end package.build with chmod +x bootstrap", spec.Runtime, p)
	}
	return &Result{Trees: []Tree{{Dir: spec.Source}}}, nil
}
