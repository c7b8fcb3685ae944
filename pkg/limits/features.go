package limits

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CloudFront's limits on Lambda@Edge functions (CloudFront developer guide,
// "Quotas on Lambda@Edge"). They are CloudFront's, not the account's: no
// quota raises them.
const (
	EdgeRegion            = "us-east-1"
	EdgeViewerMemoryMax   = 128
	EdgeViewerTimeoutMax  = 5
	EdgeOriginTimeoutMax  = 30
	EdgeViewerZippedBytes = 1 << 20  // 1 MB, compressed function with its libraries
	EdgeOriginZippedBytes = 50 << 20 // 50 MB
)

// SnapStartStorageMax is the most ephemeral storage (MB) a SnapStart
// function may have.
const SnapStartStorageMax = 512

// MountPathMax is the longest LocalMountPath the Lambda API takes.
const MountPathMax = 160

// mountPathPattern is the Lambda API's pattern for LocalMountPath.
var mountPathPattern = regexp.MustCompile(`^/mnt/[a-zA-Z0-9_.-]+$`)

// accessPointPattern is the Lambda API's pattern for an EFS access point ARN.
var accessPointPattern = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:elasticfilesystem:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:access-point/fsap-[a-f0-9]{17}$`)

// Features are the settings that Lambda@Edge, Amazon EFS and SnapStart
// judge, resolved by the caller.
type Features struct {
	// Region is where the function is deployed; "" when unknown, which
	// skips the Lambda@Edge region check.
	Region       string
	Runtime      string
	Architecture string
	// Memory, EphemeralStorage (MB) and Timeout (s); 0 is Lambda's default.
	Memory, Timeout, EphemeralStorage int
	// ZippedBytes is the function's zip; 0 when not packaged (an image).
	ZippedBytes int64
	Image       bool
	// Environment, Layers, VPC, DeadLetter and Tracing say which of those
	// settings the function has.
	Environment, Layers, VPC, DeadLetter bool
	Tracing                              string
	// Provisioned is the provisioned concurrency on the deploy alias.
	Provisioned int
	// EdgeEvent is edge.event; "" for an ordinary function.
	EdgeEvent string
	// FileSystemARN and MountPath are fileSystem's; "" without one.
	FileSystemARN, MountPath string
	SnapStart                bool
}

// CheckFeatures checks a Lambda@Edge function against CloudFront's limits,
// a file system's mount, and SnapStart against what it cannot run with.
// Each finding names the lamb.yaml field to change.
func CheckFeatures(x Features) []Finding {
	var fs []Finding
	if x.EdgeEvent != "" {
		fs = append(fs, checkEdge(x)...)
	}
	if x.FileSystemARN != "" || x.MountPath != "" {
		fs = append(fs, checkFileSystem(x)...)
	}
	if x.SnapStart {
		fs = append(fs, checkSnapStart(x)...)
	}
	return fs
}

func checkEdge(x Features) []Finding {
	var fs []Finding
	viewer := strings.HasPrefix(x.EdgeEvent, "viewer-")
	refuse := func(field, what, hint string) {
		fs = append(fs, Finding{
			Check: "edge", Severity: SeverityError, Field: field,
			Message: fmt.Sprintf("%s: Lambda@Edge functions cannot have %s (CloudFront refuses to associate the function)", field, what),
			Hint:    hint,
		})
	}
	over := func(field string, v, limit int64, unit, hint string) {
		fs = append(fs, Finding{
			Check: "edge", Severity: SeverityError, Field: field,
			Message:  fmt.Sprintf("%s: %d %s is above CloudFront's limit of %d %s for %s functions", field, v, unit, limit, unit, x.EdgeEvent),
			Hint:     hint,
			Measured: num(v), Limit: num(limit), Unit: unit,
		})
	}
	if x.Region != "" && x.Region != EdgeRegion {
		fs = append(fs, Finding{
			Check: "edge", Severity: SeverityError, Field: "region",
			Message: fmt.Sprintf("region: Lambda@Edge functions must be created in %s, not %s; CloudFront replicates them from there", EdgeRegion, x.Region),
			Hint:    fmt.Sprintf("deploy this function with --region %s (or region: %s in its stage)", EdgeRegion, EdgeRegion),
		})
	}
	if r, ok := LookupRuntime(x.Runtime); ok && r.Family != "nodejs" && r.Family != "python" {
		refuse("runtime", "the "+x.Runtime+" runtime (only Node.js and Python run at the edge)", "use a nodejs or python runtime")
	}
	if x.Architecture == "arm64" {
		refuse("architecture", "the arm64 architecture", "set architecture: x86_64")
	}
	if x.Image {
		refuse("image", "a container image", "deploy a zip: remove image and set runtime and handler")
	}
	if x.Environment {
		refuse("environment", "environment variables", "remove environment; put settings in the code or read them at run time")
	}
	if x.Layers {
		refuse("layers", "layers", "remove layers and bundle their contents with the function")
	}
	if x.VPC {
		refuse("vpc", "a VPC", "remove vpc")
	}
	if x.DeadLetter {
		refuse("deadLetter", "a dead-letter queue", "remove deadLetter")
	}
	if x.Tracing == "Active" {
		refuse("tracing", "X-Ray tracing", "remove tracing or set it to PassThrough")
	}
	if viewer {
		if x.Memory > EdgeViewerMemoryMax {
			over("memory", int64(x.Memory), EdgeViewerMemoryMax, "MB", fmt.Sprintf("set memory to %d or leave it out", EdgeViewerMemoryMax))
		}
		if x.Timeout > EdgeViewerTimeoutMax {
			over("timeout", int64(x.Timeout), EdgeViewerTimeoutMax, "s", fmt.Sprintf("set timeout to %ds or less, or use an origin event (up to %ds)", EdgeViewerTimeoutMax, EdgeOriginTimeoutMax))
		}
		if x.ZippedBytes > EdgeViewerZippedBytes {
			over("package", x.ZippedBytes, EdgeViewerZippedBytes, "bytes", "shrink the zip to 1 MB (1,048,576 bytes) or less: exclude what the function does not need, or use an origin event (up to 50 MB)")
		}
		return fs
	}
	if x.Timeout > EdgeOriginTimeoutMax {
		over("timeout", int64(x.Timeout), EdgeOriginTimeoutMax, "s", fmt.Sprintf("set timeout to %ds or less", EdgeOriginTimeoutMax))
	}
	if x.ZippedBytes > EdgeOriginZippedBytes {
		over("package", x.ZippedBytes, EdgeOriginZippedBytes, "bytes", "shrink the zip to 50 MB (52,428,800 bytes) or less")
	}
	return fs
}

func checkFileSystem(x Features) []Finding {
	var fs []Finding
	if !x.VPC {
		fs = append(fs, Finding{
			Check: "fileSystem", Severity: SeverityError, Field: "fileSystem",
			Message: "fileSystem: a function reaches an EFS file system through its mount targets in a VPC, and this function has no vpc",
			Hint:    "add vpc with subnets that reach the file system's mount targets and a security group allowed to connect to them (NFS, port 2049)",
		})
	}
	if x.FileSystemARN != "" && !accessPointPattern.MatchString(x.FileSystemARN) {
		fs = append(fs, Finding{
			Check: "fileSystem", Severity: SeverityError, Field: "fileSystem.arn",
			Message: fmt.Sprintf("fileSystem.arn: %s is not the ARN of an EFS access point", x.FileSystemARN),
			Hint:    "use the access point's ARN, arn:aws:elasticfilesystem:REGION:ACCOUNT:access-point/fsap-... (aws efs describe-access-points), not the file system's",
		})
	}
	if p := x.MountPath; len(p) > MountPathMax || !mountPathPattern.MatchString(p) {
		f := Finding{
			Check: "fileSystem", Severity: SeverityError, Field: "fileSystem.mountPath",
			Message:  fmt.Sprintf("fileSystem.mountPath: %q must be /mnt/ followed by one name of letters, digits, -, _ and .", p),
			Hint:     "use a path such as /mnt/data",
			AWSError: fmt.Sprintf("1 validation error detected: Value '%s' at 'fileSystemConfigs.1.member.localMountPath' failed to satisfy constraint: Member must satisfy regular expression pattern: ^/mnt/[a-zA-Z0-9-_.]+$", p),
		}
		if len(p) > MountPathMax {
			f.Message = fmt.Sprintf("fileSystem.mountPath: %d characters is above Lambda's maximum of %d", len(p), MountPathMax)
			f.Measured, f.Limit, f.Unit = num(int64(len(p))), num(MountPathMax), "characters"
			f.AWSError = ""
		}
		fs = append(fs, f)
	}
	return fs
}

// SnapStartRuntime reports whether SnapStart supports a runtime: Java 11
// and later, Python 3.12 and later, .NET 8 and later.
func SnapStartRuntime(name string) bool {
	r, ok := LookupRuntime(name)
	if !ok {
		return false
	}
	version := strings.TrimPrefix(name, r.Family)
	// java11.al2023 is Java 11 on another base.
	major, _, _ := strings.Cut(version, ".")
	switch r.Family {
	case "java":
		n, err := strconv.Atoi(major)
		return err == nil && n >= 11
	case "dotnet":
		n, err := strconv.Atoi(major)
		return err == nil && n >= 8
	case "python":
		major, minor, _ := strings.Cut(version, ".")
		m, err := strconv.Atoi(minor)
		return major == "3" && err == nil && m >= 12
	}
	return false
}

func checkSnapStart(x Features) []Finding {
	var fs []Finding
	refuse := func(field, msg, hint string) {
		fs = append(fs, Finding{Check: "snapStart", Severity: SeverityError, Field: field, Message: msg, Hint: hint})
	}
	switch {
	case x.Image:
		refuse("snapStart", "snapStart: SnapStart works on managed runtimes, and a container image function has none", "remove snapStart, or deploy a zip on Java 11+, Python 3.12+ or .NET 8+")
	case !SnapStartRuntime(x.Runtime):
		refuse("snapStart", fmt.Sprintf("snapStart: the %s runtime does not support SnapStart (Java 11 and later, Python 3.12 and later, .NET 8 and later do)", orUnset(x.Runtime)), "remove snapStart, or move to a runtime that supports it")
	}
	if x.Provisioned > 0 {
		refuse("concurrency.provisioned", fmt.Sprintf("concurrency.provisioned: SnapStart cannot be used with provisioned concurrency (%d)", x.Provisioned), "remove snapStart or concurrency.provisioned")
	}
	if x.FileSystemARN != "" {
		refuse("fileSystem", "fileSystem: SnapStart cannot be used with Amazon EFS", "remove snapStart or fileSystem")
	}
	if x.EphemeralStorage > SnapStartStorageMax {
		fs = append(fs, Finding{
			Check: "snapStart", Severity: SeverityError, Field: "ephemeralStorage",
			Message:  fmt.Sprintf("ephemeralStorage: %d MB is above the %d MB SnapStart functions may have", x.EphemeralStorage, SnapStartStorageMax),
			Hint:     fmt.Sprintf("set ephemeralStorage to %d or leave it out, or remove snapStart", SnapStartStorageMax),
			Measured: num(int64(x.EphemeralStorage)), Limit: num(SnapStartStorageMax), Unit: "MB",
		})
	}
	return fs
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}
