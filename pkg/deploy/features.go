package deploy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/config"
)

// Features are the settings of Desired for container images, EFS and
// SnapStart.
type Features struct {
	// PackageType is "Zip" or "Image"; Lambda cannot change it in place.
	PackageType string
	// ImageURI is the image as lamb.yaml names it. Lambda reports it
	// beside the configuration, not in it, so it is not compared: the
	// image's digest, Lambda's CodeSha256, stands for the code.
	ImageURI string
	// Command, EntryPoint and WorkingDirectory override the image's own.
	Command, EntryPoint []string
	WorkingDirectory    string
	// FileSystemARN and MountPath are the EFS access point mounted.
	FileSystemARN, MountPath string
	// SnapStart applies SnapStart to published versions.
	SnapStart bool
}

func featuresFrom(fn *config.Function) Features {
	f := Features{PackageType: fn.PackageType(), ImageURI: fn.Image, SnapStart: fn.SnapStart}
	if ic := fn.ImageConfig; ic != nil {
		f.Command, f.EntryPoint, f.WorkingDirectory = slices.Clone(ic.Command), slices.Clone(ic.EntryPoint), ic.WorkingDirectory
	}
	if fs := fn.FileSystem; fs != nil {
		f.FileSystemARN, f.MountPath = fs.ARN, fs.MountPath
	}
	return f
}

func deployedFeatures(c *lambdatypes.FunctionConfiguration) Features {
	f := Features{PackageType: string(c.PackageType)}
	if r := c.ImageConfigResponse; r != nil && r.ImageConfig != nil {
		f.Command, f.EntryPoint = r.ImageConfig.Command, r.ImageConfig.EntryPoint
		f.WorkingDirectory = aws.ToString(r.ImageConfig.WorkingDirectory)
	}
	if len(c.FileSystemConfigs) > 0 {
		f.FileSystemARN, f.MountPath = aws.ToString(c.FileSystemConfigs[0].Arn), aws.ToString(c.FileSystemConfigs[0].LocalMountPath)
	}
	f.SnapStart = c.SnapStart != nil && c.SnapStart.ApplyOn == lambdatypes.SnapStartApplyOnPublishedVersions
	return f
}

// image reports whether the function deploys a container image.
func (f Features) image() bool {
	return f.PackageType == string(lambdatypes.PackageTypeImage)
}

// featureChanges lists the differences in these settings. The package
// type is not among them: PackageTypeChange refuses that change.
func featureChanges(have, want Features) []Change {
	var cs []Change
	list := func(field string, old, new []string) {
		if !slices.Equal(old, new) {
			cs = append(cs, Change{Field: field, Old: strings.Join(old, " "), New: strings.Join(new, " ")})
		}
	}
	str := func(field, old, new string) {
		if old != new {
			cs = append(cs, Change{Field: field, Old: old, New: new})
		}
	}
	if want.image() {
		list("imageConfig.command", have.Command, want.Command)
		list("imageConfig.entrypoint", have.EntryPoint, want.EntryPoint)
		str("imageConfig.workingDirectory", have.WorkingDirectory, want.WorkingDirectory)
	}
	str("fileSystem", mount(have), mount(want))
	if have.SnapStart != want.SnapStart {
		cs = append(cs, Change{Field: "snapStart", Old: snapStartApplyOn(have.SnapStart), New: snapStartApplyOn(want.SnapStart)})
	}
	return cs
}

// mount renders a file system mount as "ARN at PATH".
func mount(f Features) string {
	if f.FileSystemARN == "" {
		return ""
	}
	return f.FileSystemARN + " at " + f.MountPath
}

func snapStartApplyOn(on bool) string {
	if on {
		return string(lambdatypes.SnapStartApplyOnPublishedVersions)
	}
	return string(lambdatypes.SnapStartApplyOnNone)
}

func (f Features) imageConfig() *lambdatypes.ImageConfig {
	c := &lambdatypes.ImageConfig{Command: nonNil(f.Command), EntryPoint: nonNil(f.EntryPoint)}
	if f.WorkingDirectory != "" {
		c.WorkingDirectory = aws.String(f.WorkingDirectory)
	}
	return c
}

// fileSystemConfigs is the request form of the mount; an empty list
// removes one.
func (f Features) fileSystemConfigs() []lambdatypes.FileSystemConfig {
	if f.FileSystemARN == "" {
		return []lambdatypes.FileSystemConfig{}
	}
	return []lambdatypes.FileSystemConfig{{Arn: aws.String(f.FileSystemARN), LocalMountPath: aws.String(f.MountPath)}}
}

// create adds the settings to a CreateFunction request. An image function
// has neither runtime nor handler; the other settings are sent only when
// set, so a function without them makes the same request as before.
func (f Features) create(in *lambda.CreateFunctionInput) {
	if f.image() {
		in.PackageType = lambdatypes.PackageTypeImage
		in.Runtime, in.Handler = "", nil
		if len(f.Command) > 0 || len(f.EntryPoint) > 0 || f.WorkingDirectory != "" {
			in.ImageConfig = f.imageConfig()
		}
	}
	if f.FileSystemARN != "" {
		in.FileSystemConfigs = f.fileSystemConfigs()
	}
	if f.SnapStart {
		in.SnapStart = &lambdatypes.SnapStart{ApplyOn: lambdatypes.SnapStartApplyOnPublishedVersions}
	}
}

// update adds the settings to an UpdateFunctionConfiguration request: each
// optional one only when it changes, so functions that use none of them
// send what they always sent.
func (f Features) update(in *lambda.UpdateFunctionConfigurationInput, changed []Change) {
	has := func(prefix string) bool {
		return slices.ContainsFunc(changed, func(c Change) bool { return strings.HasPrefix(c.Field, prefix) })
	}
	if f.image() {
		in.Runtime, in.Handler = "", nil
		if has("imageConfig.") {
			in.ImageConfig = f.imageConfig()
		}
	}
	if has("fileSystem") {
		in.FileSystemConfigs = f.fileSystemConfigs()
	}
	if has("snapStart") {
		in.SnapStart = &lambdatypes.SnapStart{ApplyOn: lambdatypes.SnapStartApplyOn(snapStartApplyOn(f.SnapStart))}
	}
}

// PackageTypeChangeError says lamb.yaml turns a zip function into an image
// function or back, which Lambda does not do in place.
type PackageTypeChangeError struct {
	Function string
	// From is the deployed package type, To lamb.yaml's.
	From, To string
}

func (e *PackageTypeChangeError) Error() string {
	what := map[string]string{"Zip": "a zip", "Image": "a container image"}
	return fmt.Sprintf("function %s is deployed from %s and lamb.yaml makes it %s; Lambda cannot change a function's package type in place: delete the function (aws lambda delete-function --function-name %s) and deploy again, or deploy it under another name",
		e.Function, what[e.From], what[e.To], e.Function)
}

// PackageTypeChange returns a *PackageTypeChangeError when the function
// exists with another package type than want's, else nil.
func PackageTypeChange(r Remote, want Desired) error {
	if !r.Exists {
		return nil
	}
	have := Deployed(r.Latest).PackageType
	if have != want.PackageType {
		return &PackageTypeChangeError{Function: want.Name, From: have, To: want.PackageType}
	}
	return nil
}

// isReplicated reports whether err is Lambda refusing to delete a version
// of a Lambda@Edge function that CloudFront still has replicas of
// ("... because it is a replicated function."). Lambda gives this case no
// code of its own, so the message is matched too; the version can go once
// no distribution uses it, which takes CloudFront hours.
func isReplicated(err error) bool {
	return err != nil && isInvalidParameter(err, "because it is a replicated function")
}
