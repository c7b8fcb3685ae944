package deploy

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// LayerVersionLister is the one call that reads a layer's versions.
type LayerVersionLister interface {
	ListLayerVersions(ctx context.Context, in *lambda.ListLayerVersionsInput, optFns ...func(*lambda.Options)) (*lambda.ListLayerVersionsOutput, error)
}

// LayerPublishAPI lists the Lambda calls that publish the layers of
// lamb.yaml and prune their old versions.
type LayerPublishAPI interface {
	LayerVersionLister
	PublishLayerVersion(ctx context.Context, in *lambda.PublishLayerVersionInput, optFns ...func(*lambda.Options)) (*lambda.PublishLayerVersionOutput, error)
	DeleteLayerVersion(ctx context.Context, in *lambda.DeleteLayerVersionInput, optFns ...func(*lambda.Options)) (*lambda.DeleteLayerVersionOutput, error)
	ListFunctions(ctx context.Context, in *lambda.ListFunctionsInput, optFns ...func(*lambda.Options)) (*lambda.ListFunctionsOutput, error)
}

var (
	_ LayerPublishAPI    = (*lambda.Client)(nil)
	_ LayerVersionLister = (*lambda.Client)(nil)
)

// layerHashMark introduces the content hash lamb records in the
// description of each layer version it publishes: layer versions carry no
// tags, and the description is what ListLayerVersions returns.
const layerHashMark = "lamb:sha256="

// LayerSpec is a layer of lamb.yaml, packaged and ready to publish.
type LayerSpec struct {
	// Name is the AWS layer name.
	Name string
	// Description is lamb.yaml's; LayerDescription adds the hash to it.
	Description string
	License     string
	// Runtimes and Architectures are the compatible ones.
	Runtimes, Architectures []string
	// ContentHash is the manifest's digest of the layer zip's entries.
	ContentHash string
}

// LayerDescription is the description of a layer version: lamb.yaml's
// description followed by the content hash.
func LayerDescription(description, contentHash string) string {
	mark := layerHashMark + contentHash
	if description == "" {
		return mark
	}
	return description + " " + mark
}

// LayerHash returns the content hash recorded in a layer version's
// description, or "" when lamb did not publish it.
func LayerHash(description string) string {
	i := strings.LastIndex(description, layerHashMark)
	if i < 0 {
		return ""
	}
	hash, _, _ := strings.Cut(description[i+len(layerHashMark):], " ")
	return hash
}

// LayerVersion is one published version of a layer.
type LayerVersion struct {
	Version int64
	// ARN is the version's ARN; LayerARN the layer's, without version.
	ARN, LayerARN           string
	Description, License    string
	Runtimes, Architectures []string
}

func layerVersionOf(lv lambdatypes.LayerVersionsListItem, layerARN string) LayerVersion {
	v := LayerVersion{
		Version: lv.Version, ARN: aws.ToString(lv.LayerVersionArn), LayerARN: layerARN,
		Description: aws.ToString(lv.Description), License: aws.ToString(lv.LicenseInfo),
	}
	for _, r := range lv.CompatibleRuntimes {
		v.Runtimes = append(v.Runtimes, string(r))
	}
	for _, a := range lv.CompatibleArchitectures {
		v.Architectures = append(v.Architectures, string(a))
	}
	if v.LayerARN == "" {
		v.LayerARN = strings.TrimSuffix(v.ARN, ":"+strconv.FormatInt(v.Version, 10))
	}
	return v
}

// LayerVersions lists the versions of a layer, newest first; none when
// the layer does not exist.
func LayerVersions(ctx context.Context, api LayerVersionLister, name string) ([]LayerVersion, error) {
	var out []LayerVersion
	var marker *string
	for {
		page, err := api.ListLayerVersions(ctx, &lambda.ListLayerVersionsInput{LayerName: aws.String(name), Marker: marker})
		if isNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list versions of layer %s: %w", name, err)
		}
		for _, lv := range page.LayerVersions {
			out = append(out, layerVersionOf(lv, ""))
		}
		if marker = page.NextMarker; aws.ToString(marker) == "" {
			break
		}
	}
	slices.SortFunc(out, func(a, b LayerVersion) int { return int(b.Version - a.Version) })
	return out, nil
}

// LayerPlan says whether a deploy publishes a new version of a layer, and
// which version the functions that use it refer to.
type LayerPlan struct {
	Name string
	// Latest is the newest version, nil when the layer has none.
	Latest *LayerVersion
	// Publish is set when the content or a setting of the layer differs
	// from Latest's; Reasons say which ("content", "runtimes", ...).
	Publish bool
	Reasons []string
	// Version is the version the functions use: Latest's, or the one
	// publishing makes (Lambda numbers a layer's versions one up from the
	// highest ever published; deleted ones included, so this is a guess
	// until published).
	Version int64
	// ARN is that version's ARN; for a layer never published it is not
	// known before it is (the account is part of it), and is "".
	ARN string
}

// PlanLayer compares a layer of lamb.yaml with its newest version.
func PlanLayer(spec LayerSpec, latest *LayerVersion) LayerPlan {
	p := LayerPlan{Name: spec.Name, Latest: latest}
	if latest == nil {
		p.Publish, p.Reasons, p.Version = true, []string{"new layer"}, 1
		return p
	}
	if LayerHash(latest.Description) != spec.ContentHash {
		p.Reasons = append(p.Reasons, "content")
	}
	if latest.Description != LayerDescription(spec.Description, spec.ContentHash) && len(p.Reasons) == 0 {
		p.Reasons = append(p.Reasons, "description")
	}
	if !sameSet(latest.Runtimes, spec.Runtimes) {
		p.Reasons = append(p.Reasons, "runtimes")
	}
	if !sameSet(latest.Architectures, spec.Architectures) {
		p.Reasons = append(p.Reasons, "architectures")
	}
	if latest.License != spec.License {
		p.Reasons = append(p.Reasons, "license")
	}
	p.Publish = len(p.Reasons) > 0
	p.Version, p.ARN = latest.Version, latest.ARN
	if p.Publish {
		p.Version = latest.Version + 1
		p.ARN = latest.LayerARN + ":" + strconv.FormatInt(p.Version, 10)
	}
	return p
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// PublishLayer publishes a version of the layer with the code at loc (zip
// is its content on the direct route) and returns it.
func PublishLayer(ctx context.Context, api LayerPublishAPI, spec LayerSpec, loc CodeLocation, zip []byte) (LayerVersion, error) {
	in := &lambda.PublishLayerVersionInput{
		LayerName:   aws.String(spec.Name),
		Description: aws.String(LayerDescription(spec.Description, spec.ContentHash)),
		LicenseInfo: optional(spec.License),
		Content:     &lambdatypes.LayerVersionContentInput{},
	}
	if loc.ZipFile {
		in.Content.ZipFile = zip
	} else {
		in.Content.S3Bucket, in.Content.S3Key, in.Content.S3ObjectVersion = aws.String(loc.Bucket), aws.String(loc.Key), optional(loc.ObjectVersion)
	}
	for _, r := range spec.Runtimes {
		in.CompatibleRuntimes = append(in.CompatibleRuntimes, lambdatypes.Runtime(r))
	}
	for _, a := range spec.Architectures {
		in.CompatibleArchitectures = append(in.CompatibleArchitectures, lambdatypes.Architecture(a))
	}
	out, err := api.PublishLayerVersion(ctx, in)
	if err != nil {
		return LayerVersion{}, fmt.Errorf("publish a version of layer %s: %w", spec.Name, err)
	}
	return LayerVersion{
		Version: out.Version, ARN: aws.ToString(out.LayerVersionArn), LayerARN: aws.ToString(out.LayerArn),
		Description: aws.ToString(out.Description), License: aws.ToString(out.LicenseInfo),
		Runtimes: spec.Runtimes, Architectures: spec.Architectures,
	}, nil
}

// LayerVersionsInUse returns the layer version ARNs that some version of
// some function in the region uses, $LATEST included: ListFunctions with
// FunctionVersion ALL lists every published version's configuration.
// Function versions in except ("<function name>:<version>") are not
// counted: a dry run's prune would delete them first.
func LayerVersionsInUse(ctx context.Context, api LayerPublishAPI, except map[string]bool) (map[string]bool, error) {
	used := map[string]bool{}
	var marker *string
	for {
		page, err := api.ListFunctions(ctx, &lambda.ListFunctionsInput{FunctionVersion: lambdatypes.FunctionVersionAll, Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("list the functions' versions to find the layers they use: %w", err)
		}
		for _, fn := range page.Functions {
			if except[aws.ToString(fn.FunctionName)+":"+aws.ToString(fn.Version)] {
				continue
			}
			for _, l := range fn.Layers {
				used[aws.ToString(l.Arn)] = true
			}
		}
		if marker = page.NextMarker; aws.ToString(marker) == "" {
			break
		}
	}
	return used, nil
}

// LayerPruneResult says which versions of a layer a prune deleted (or
// would delete), which it kept because a function version uses them, and
// the newest, always kept.
//
// JSON fields: layer (AWS name), newest (0 when none), deleted, inUse
// (version numbers).
type LayerPruneResult struct {
	Layer   string  `json:"layer"`
	Newest  int64   `json:"newest"`
	Deleted []int64 `json:"deleted"`
	InUse   []int64 `json:"inUse"`
}

// PruneLayer deletes the versions of a layer that lamb published, except
// the newest and those whose ARN is in inUse (LayerVersionsInUse). A
// version lamb did not publish (no content hash in its description) is
// left alone. With dryRun it deletes nothing.
func PruneLayer(ctx context.Context, api LayerPublishAPI, name string, inUse map[string]bool, dryRun bool) (LayerPruneResult, error) {
	res := LayerPruneResult{Layer: name, Deleted: []int64{}, InUse: []int64{}}
	versions, err := LayerVersions(ctx, api, name)
	if err != nil || len(versions) == 0 {
		return res, err
	}
	res.Newest = versions[0].Version
	var doomed []int64
	for _, v := range versions[1:] {
		switch {
		case LayerHash(v.Description) == "":
		case inUse[v.ARN]:
			res.InUse = append(res.InUse, v.Version)
		default:
			doomed = append(doomed, v.Version)
		}
	}
	if dryRun {
		res.Deleted = append(res.Deleted, doomed...)
		return res, nil
	}
	for _, v := range doomed {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		_, err := api.DeleteLayerVersion(ctx, &lambda.DeleteLayerVersionInput{LayerName: aws.String(name), VersionNumber: aws.Int64(v)})
		if err != nil && !isNotFound(err) {
			return res, fmt.Errorf("delete version %d of layer %s: %w", v, name, err)
		}
		res.Deleted = append(res.Deleted, v)
	}
	return res, nil
}
