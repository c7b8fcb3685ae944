package deploy

import (
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Plan is what a deploy would change on one function. It is computed from
// reads only.
type Plan struct {
	Function string `json:"function"`
	// Create is true when the function does not exist yet.
	Create bool `json:"create"`
	// OldCodeSha256 is $LATEST's code ("" when creating); NewCodeSha256 the bundle's.
	OldCodeSha256 string `json:"oldCodeSha256,omitempty"`
	NewCodeSha256 string `json:"newCodeSha256"`
	CodeChanged   bool   `json:"codeChanged"`
	// ArchitectureChanged: the instruction set is updated with the code.
	ArchitectureChanged bool `json:"architectureChanged,omitempty"`
	// ConfigChanges are $LATEST's settings that would change (environment masked).
	ConfigChanges []Change `json:"configChanges"`
	// TagChanges are tags that would be added or changed.
	TagChanges []Change `json:"tagChanges"`
	// Alias is the deploy alias; AliasFrom its version now ("" when missing).
	Alias     string `json:"alias"`
	AliasFrom string `json:"aliasFrom,omitempty"`
	// UpToDate means nothing would be written: code and configuration are
	// deployed and the alias is on a version that has both.
	UpToDate bool `json:"upToDate"`
}

// PlanFunction compares the function's state with what lamb.yaml and the
// bundle ask for.
func PlanFunction(r Remote, want Desired, codeSha256, alias string) Plan {
	p := Plan{Function: want.Name, NewCodeSha256: codeSha256, Alias: alias, ConfigChanges: []Change{}, TagChanges: []Change{}}
	if !r.Exists {
		p.Create, p.CodeChanged = true, true
		p.ConfigChanges = ConfigChanges(Desired{}.withDefaults(), want)
		p.TagChanges = tagChanges(nil, want.Tags)
		return p
	}
	have := Deployed(r.Latest)
	p.OldCodeSha256 = aws.ToString(r.Latest.CodeSha256)
	p.CodeChanged = p.OldCodeSha256 != codeSha256
	p.ArchitectureChanged = ArchitectureChanged(have, want)
	p.ConfigChanges = append(p.ConfigChanges, ConfigChanges(have, want)...)
	p.TagChanges = append(p.TagChanges, tagChanges(r.Tags, want.Tags)...)
	if r.Alias != nil {
		p.AliasFrom = r.Alias.Version
	}
	p.UpToDate = !p.CodeChanged && !p.ArchitectureChanged && len(p.ConfigChanges) == 0 && len(p.TagChanges) == 0 &&
		aliasHolds(r, want, codeSha256)
	return p
}

// aliasHolds reports whether the alias already serves, alone, a published
// version with this code and configuration.
func aliasHolds(r Remote, want Desired, codeSha256 string) bool {
	if r.Alias == nil || r.AliasTarget == nil || r.Alias.Version == "$LATEST" || len(r.Alias.Weights) > 0 {
		return false
	}
	target := deployedVersion(r.AliasTarget, want)
	return aws.ToString(r.AliasTarget.CodeSha256) == codeSha256 && len(ConfigChanges(target, want)) == 0 && !ArchitectureChanged(target, want)
}

// tagChanges lists tags lamb.yaml sets that are missing or different. lamb
// adds and updates tags; it removes none, since others (consoles, cost
// tools) tag functions too.
func tagChanges(have, want map[string]string) []Change {
	var cs []Change
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if old, ok := have[k]; !ok || old != want[k] {
			cs = append(cs, Change{Field: "tags." + k, Old: old, New: want[k]})
		}
	}
	return cs
}
