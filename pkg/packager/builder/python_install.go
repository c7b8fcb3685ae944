package builder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// installPython installs the dependencies in into site with installer,
// staging the requirements it makes (from a lock or pyproject.toml) beside
// site, and leaves site the same whichever installer ran.
func (b *builder) installPython(ctx context.Context, spec Spec, a arch, version string, in pythonInput, installer, site string) error {
	input := in.path
	req := input
	// at says where a line of req comes from.
	at := func(n int) string { return fmt.Sprintf("%s line %d", input, n) }
	switch {
	case in.lock != nil:
		at = func(n int) string { return fmt.Sprintf("%s, as %s exports it, line %d", input, in.lock.tool, n) }
		req = filepath.Join(filepath.Dir(site), "requirements.txt")
		if err := b.exportLock(ctx, spec, in, req); err != nil {
			return err
		}
	case filepath.Base(input) == "pyproject.toml":
		deps, err := b.pyprojectDependencies(ctx, spec.Source, input)
		if err != nil {
			return err
		}
		req = filepath.Join(filepath.Dir(site), "requirements.txt")
		at = func(n int) string { return fmt.Sprintf("%s [project].dependencies entry %d", input, n) }
		if err := os.WriteFile(req, []byte(strings.Join(deps, "\n")+"\n"), 0o644); err != nil {
			return fmt.Errorf("stage the dependencies of %s: %w", input, err)
		}
		if len(deps) == 0 {
			return os.Mkdir(site, 0o755)
		}
	}
	// Local packages are built from copies, so neither installer writes
	// build/ or *.egg-info into the user's folders.
	staging := filepath.Join(filepath.Dir(site), "local")
	defer os.RemoveAll(staging)
	req, err := stageLocalRequirements(ctx, spec.Source, req, staging)
	if err != nil {
		return err
	}
	if installer == installerUV {
		if err := b.uvInstall(ctx, spec, a, version, req, input, site); err != nil {
			return err
		}
	} else {
		python, same := b.pipPython(ctx, spec.Source, version)
		if !same {
			if err := checkVersionMarkers(ctx, req, at, spec.Runtime); err != nil {
				return err
			}
		}
		spec.python = python
		if err := b.pipInstall(ctx, spec, a, version, req, input, site); err != nil {
			return err
		}
	}
	if scripts := installedScripts(site); len(scripts) > 0 {
		list := strings.Join(scripts, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(filepath.Dir(site), scriptsFile), []byte(list), 0o644); err != nil {
			return fmt.Errorf("record the console scripts left out: %w", err)
		}
	}
	return normaliseSite(site)
}
