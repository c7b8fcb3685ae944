package pipeline

import (
	"context"
	"os/exec"
	"strings"
	"time"
)

// provenance is the git commit a deploy comes from, when the project is in
// a repository.
type provenance struct {
	commit string
	dirty  bool
}

// gitProvenance asks git for the commit of dir and whether the work tree
// has uncommitted changes. Without git or a repository it returns nothing:
// the version description then leaves the commit out.
func gitProvenance(ctx context.Context, dir string) provenance {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return provenance{}
	}
	p := provenance{commit: strings.TrimSpace(string(out))}
	status, err := exec.CommandContext(ctx, "git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output()
	p.dirty = err == nil && len(strings.TrimSpace(string(status))) > 0
	return p
}
