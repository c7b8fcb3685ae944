package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Version is one published version with the aliases that route to it.
type Version struct {
	Version      string `json:"version"`
	LastModified string `json:"lastModified"`
	CodeSha256   string `json:"codeSha256"`
	CodeSize     int64  `json:"codeSize"`
	Description  string `json:"description"`
	// Aliases maps each alias routing to this version to its share of
	// traffic (1 for the primary version of an unweighted alias).
	Aliases map[string]float64 `json:"aliases"`
}

// Versions lists the published versions, newest first, with their aliases,
// and the aliases themselves.
func (d *Deployer) Versions(ctx context.Context, function string) ([]Version, []Alias, error) {
	var versions []Version
	var marker *string
	for {
		out, err := d.Lambda.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String(function), Marker: marker})
		if err != nil {
			return nil, nil, fmt.Errorf("list versions of %s: %w", function, err)
		}
		for _, c := range out.Versions {
			v := aws.ToString(c.Version)
			if v == "$LATEST" {
				continue
			}
			versions = append(versions, Version{
				Version: v, LastModified: aws.ToString(c.LastModified), CodeSha256: aws.ToString(c.CodeSha256),
				CodeSize: c.CodeSize, Description: aws.ToString(c.Description), Aliases: map[string]float64{},
			})
		}
		if marker = out.NextMarker; aws.ToString(marker) == "" {
			break
		}
	}
	aliases, err := d.aliases(ctx, function)
	if err != nil {
		return nil, nil, err
	}
	byVersion := map[string]*Version{}
	for i := range versions {
		byVersion[versions[i].Version] = &versions[i]
	}
	for _, a := range aliases {
		primary := 1.0
		for v, w := range a.Weights {
			primary -= w
			if x := byVersion[v]; x != nil {
				x.Aliases[a.Name] = w
			}
		}
		if x := byVersion[a.Version]; x != nil {
			x.Aliases[a.Name] = primary
		}
	}
	slices.SortFunc(versions, func(a, b Version) int { return versionNumber(b.Version) - versionNumber(a.Version) })
	return versions, aliases, nil
}

func (d *Deployer) aliases(ctx context.Context, function string) ([]Alias, error) {
	var aliases []Alias
	var marker *string
	for {
		out, err := d.Lambda.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String(function), Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("list aliases of %s: %w", function, err)
		}
		for _, a := range out.Aliases {
			aliases = append(aliases, *AliasOf(a.Name, a.FunctionVersion, a.Description, a.RevisionId, a.RoutingConfig))
		}
		if marker = out.NextMarker; aws.ToString(marker) == "" {
			break
		}
	}
	return aliases, nil
}

func versionNumber(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// PruneResult says what a prune deleted (or would delete) and what it kept
// because an alias uses it, or CloudFront still runs its replicas.
type PruneResult struct {
	Deleted   []string `json:"deleted"`
	Protected []string `json:"protected"`
}

// Prune deletes the published versions beyond the keep newest, never one
// that an alias routes to (as its version or an additional weighted one).
// With dryRun it deletes nothing and says what it would delete. It reads
// the aliases right before deleting, so a version an alias moved to in the
// meantime is kept.
func (d *Deployer) Prune(ctx context.Context, function string, keep int, dryRun bool) (PruneResult, error) {
	res := PruneResult{Deleted: []string{}, Protected: []string{}}
	if keep < 1 {
		return res, fmt.Errorf("prune %s: keep must be at least 1, got %d", function, keep)
	}
	versions, aliases, err := d.Versions(ctx, function)
	if err != nil {
		return res, err
	}
	used := map[string]bool{}
	for _, a := range aliases {
		used[a.Version] = true
		for v := range maps.Keys(a.Weights) {
			used[v] = true
		}
	}
	for i, v := range versions {
		if i < keep {
			continue
		}
		if used[v.Version] {
			res.Protected = append(res.Protected, v.Version)
			continue
		}
		res.Deleted = append(res.Deleted, v.Version)
	}
	if dryRun {
		return res, nil
	}
	planned := res.Deleted
	res.Deleted = []string{}
	for _, v := range planned {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		_, err := d.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(function), Qualifier: aws.String(v)})
		if isReplicated(err) {
			// CloudFront still runs this version of a Lambda@Edge function.
			res.Protected = append(res.Protected, v)
			continue
		}
		if err != nil && !isNotFound(err) {
			return res, fmt.Errorf("delete version %s of %s: %w", v, function, err)
		}
		res.Deleted = append(res.Deleted, v)
	}
	return res, nil
}
