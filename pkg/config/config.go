// Package config reads lamb.yaml (or the same document written as JSON):
// it parses the file into position-carrying YAML nodes, validates its
// structure and types, overlays a stage, interpolates ${env:NAME}
// references, reads dotenv files and resolves every function into a
// Function with its defaults applied. Every problem names the file, line,
// column and key path, and all of them are reported at once.
//
// Value ranges (memory 128–10240 MB, timeouts, sizes, environment size) are
// Lambda quotas and belong to pkg/limits; traffic-shift strategies are parsed
// by pkg/appspec, whose parser this package runs so that a bad strategy is
// reported with the rest. This package checks only that lamb.yaml is well
// formed, which includes numbers that no field can hold (negative, or beyond
// 32 bits): those are reported here, naming the Lambda range.
package config

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/lambcli/lamb/internal/lambdaarch"
	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/internal/suggest"
)

// Sentinel errors let callers (the CLI's exit codes) tell a configuration
// problem apart from other failures with errors.Is.
var (
	// ErrNotFound means the configuration file does not exist.
	ErrNotFound = errors.New("configuration file not found")
	// ErrUnknownStage means --stage named a stage lamb.yaml does not define.
	ErrUnknownStage = errors.New("unknown stage")
	// ErrUnknownFunction means a function named on the command line is not in lamb.yaml.
	ErrUnknownFunction = errors.New("unknown function")
)

// Defaults applied to a function when lamb.yaml leaves a field unset.
const (
	DefaultArchitecture = lambdaarch.Default
	DefaultDependencies = "auto"
	DefaultSymlinks     = "follow"
	DefaultGoMain       = "."
	DefaultInstaller    = "auto"
	DefaultPrebuilds    = "match"
	DefaultBundle       = "none"
	DefaultAlias        = "live"
	DefaultStrategy     = "all-at-once"
	DefaultEngine       = "direct"
	DefaultKeepVersions = 10
	DefaultURLAuthType  = "AWS_IAM"
	// DefaultMaxErrorRate and DefaultMinInvocations are the limits of an
	// error-rate gate that sets none: more than 1% errors over at least 20
	// invocations rolls the shift back.
	DefaultMaxErrorRate   Percent = 0.01
	DefaultMinInvocations int     = 20
)

// Config is a loaded lamb.yaml with the stage applied and every function
// resolved; it is what commands work from.
//
// The lamb and doc tags here and on Function and the types it holds say
// where each field is written in lamb.yaml; validation and the JSON Schema
// are derived from them (see fieldsOf in schema.go). The file's defaults:,
// functions: and stages: keys are assembled in schema.go.
type Config struct {
	// Path is the absolute path of the loaded file and Dir its folder;
	// relative paths in the file (source, dotenv files, artifact) are
	// resolved against Dir.
	Path string `json:"path" lamb:"-"`
	Dir  string `json:"dir" lamb:"-"`

	Project string `json:"project,omitempty" lamb:"project" doc:"Prefixes AWS function names: <project>-<key>."`
	// Region and Profile are the file's level in the CLI's precedence
	// (flag > LAMB_* environment variable > lamb.yaml > default).
	Region  string `json:"region,omitempty" lamb:"region" doc:"AWS region; --region and LAMB_REGION win over it, AWS_REGION comes after it."`
	Profile string `json:"profile,omitempty" lamb:"profile" doc:"AWS shared-config profile; --profile and LAMB_PROFILE win over it, AWS_PROFILE comes after it."`
	// Stage is the stage overlay that was applied, or "".
	Stage string `json:"stage,omitempty" lamb:"-"`
	// Stages lists every stage the file defines, sorted.
	Stages []string `json:"stages,omitempty" lamb:"-"`

	// Functions are sorted by Key.
	Functions []*Function `json:"functions" lamb:"-"`
	// Layers are the local layers, sorted by Key.
	Layers []*Layer `json:"layers,omitempty" lamb:"-"`
}

// Function is one function of lamb.yaml after defaults, the stage overlay,
// interpolation and dotenv files have been applied.
type Function struct {
	// Key is the function's key under functions: in lamb.yaml.
	Key string `json:"key" lamb:"-"`
	// Name is the AWS function name: the explicit name, else
	// "<project>-<key>", else the key.
	Name string `json:"name" lamb:"name,max=functionNameLength" doc:"AWS function name; default <project>-<key>, else the key. Not allowed in defaults."`
	// Source is the absolute folder to package.
	Source string `json:"source" lamb:"source" doc:"Folder to package, relative to lamb.yaml (~/ starts in the home folder); default the folder of lamb.yaml."`

	Handler      string `json:"handler,omitempty" lamb:"handler,max=handlerLength" doc:"What Lambda calls: index.handler (Node.js), app.handler (Python), example.Handler::handleRequest (Java), bootstrap (provided runtimes)."`
	Runtime      string `json:"runtime,omitempty" lamb:"runtime,runtime" doc:"Lambda runtime identifier, e.g. nodejs22.x, python3.12, java21, provided.al2023."`
	Architecture string `json:"architecture" lamb:"architecture,architectures,default=x86_64" doc:"Instruction set: x86_64, or arm64 (Graviton)."`
	Role         string `json:"role,omitempty" lamb:"role" doc:"ARN of the execution role; without it lamb deploy creates and manages one per function."`
	Description  string `json:"description,omitempty" lamb:"description,max=descriptionLength" doc:"Description shown in the Lambda console."`
	KMSKeyArn    string `json:"kmsKeyArn,omitempty" lamb:"kmsKeyArn" doc:"ARN of the KMS key that encrypts the environment variables; empty for the AWS managed key."`
	Tracing      string `json:"tracing,omitempty" lamb:"tracing,enum=Active|PassThrough" doc:"X-Ray tracing: Active samples and traces requests; PassThrough only passes on an upstream decision."`
	DeadLetter   string `json:"deadLetter,omitempty" lamb:"deadLetter" doc:"ARN of the SQS queue or SNS topic that receives events whose asynchronous invocation failed."`

	// Memory and EphemeralStorage are in MB, Timeout in seconds; 0 means
	// unset (Lambda's own default applies).
	Memory           int `json:"memory,omitempty" lamb:"memory,mb,min=memoryMin,max=memoryMax" doc:"Memory in MB; CPU grows with it."`
	Timeout          int `json:"timeout,omitempty" lamb:"timeout,seconds,min=timeoutMin,max=timeoutMax" doc:"Time limit of one invocation: a number of seconds, or a duration like 30s or 1m30s."`
	EphemeralStorage int `json:"ephemeralStorage,omitempty" lamb:"ephemeralStorage,mb,min=ephemeralStorageMin,max=ephemeralStorageMax" doc:"Size of /tmp in MB."`
	// Explicit marks which of them lamb.yaml writes out, so that a written
	// 0, which Lambda refuses, is not taken for "unset".
	Explicit Explicit `json:"-" lamb:"-"`

	// Environment is the final variable map: the dotenv files in order,
	// then vars on top.
	Environment map[string]string `json:"environment,omitempty" lamb:"environment.vars" doc:"Variables by name, laid over the dotenv files."`
	// EnvironmentFiles are the absolute paths of the dotenv files read.
	EnvironmentFiles []string `json:"environmentFiles,omitempty" lamb:"environment.files" doc:"Dotenv files, relative to lamb.yaml, read in order; a later file wins."`

	Layers       []string     `json:"layers,omitempty" lamb:"layers,max=layersPerFunction" doc:"Layers in order: keys of layers under layers:, layer version ARNs, or paths of layer zips (measured by lamb check, refused by lamb deploy)."`
	VPC          VPC          `json:"vpc" lamb:"vpc" doc:"Attaches the function to subnets and security groups of a VPC."`
	Destinations Destinations `json:"destinations" lamb:"destinations" doc:"Where the results of asynchronous invocations go."`
	Async        Async        `json:"async" lamb:"async" doc:"How asynchronous invocations through the deploy alias are retried and how long events may wait."`
	// FunctionURL is nil when the function has no function URL.
	FunctionURL *FunctionURL `json:"functionUrl,omitempty" lamb:"functionUrl" doc:"Gives the function an HTTPS endpoint (an empty mapping is enough); leave the key out for none."`
	Concurrency Concurrency  `json:"concurrency" lamb:"concurrency" doc:"Reserved and provisioned concurrency."`
	// Events are deployed as event source mappings on the deploy alias.
	Events  []EventSource     `json:"events,omitempty" lamb:"events,oneKey" doc:"Queues and streams Lambda polls to invoke the function: a list of sqs, kinesis or dynamodb entries, one key each."`
	Tags    map[string]string `json:"tags,omitempty" lamb:"tags,maxKey=tagKeyLength,max=tagValueLength" doc:"Tags of the function by key; the aws: prefix is reserved."`
	Package Package           `json:"package" lamb:"package" doc:"How the function's zip is built."`
	Deploy  Deploy            `json:"deploy" lamb:"deploy" doc:"How a new version reaches traffic."`

	// Permissions are statements of the function's resource-based policy.
	Permissions []Permission `json:"permissions,omitempty" lamb:"permissions" doc:"Who else may invoke the function (services, accounts, roles): statements of its resource-based policy, kept by lamb deploy."`
	Logs        Logs         `json:"logs" lamb:"logs" doc:"The function's CloudWatch Logs log group."`

	// Image, Edge, FileSystem and SnapStart are read and checked in image.go.
	Image       string       `json:"image,omitempty" lamb:"image" doc:"URI of a container image in ECR (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG or REPO@sha256:DIGEST) to deploy instead of a zip; lamb builds no image, and runtime, handler and package do not apply."`
	ImageConfig *ImageConfig `json:"imageConfig,omitempty" lamb:"imageConfig" doc:"Overrides of the container image's own settings; only with image."`
	Edge        *Edge        `json:"edge,omitempty" lamb:"edge" doc:"Marks a Lambda@Edge function for a CloudFront trigger; lamb check applies CloudFront's limits and deploy prints the version ARN to associate."`
	FileSystem  *FileSystem  `json:"fileSystem,omitempty" lamb:"fileSystem" doc:"Mounts an Amazon EFS access point; the function needs vpc."`
	SnapStart   bool         `json:"snapStart,omitempty" lamb:"snapStart" doc:"Snapshots published versions after initialisation so they start faster (Java 11+, Python 3.12+, .NET 8+)."`
}

// Explicit marks the optional numbers of a Function that lamb.yaml sets,
// zero included.
type Explicit struct {
	Memory, Timeout, EphemeralStorage bool
}

// VPC attaches the function to subnets and security groups.
type VPC struct {
	SubnetIDs        []string `json:"subnetIds,omitempty" lamb:"subnetIds,max=subnets" doc:"IDs of the subnets (subnet-...)."`
	SecurityGroupIDs []string `json:"securityGroupIds,omitempty" lamb:"securityGroupIds,max=securityGroups" doc:"IDs of the security groups (sg-...)."`
}

// Destinations are the asynchronous invocation targets (ARNs).
type Destinations struct {
	OnSuccess string `json:"onSuccess,omitempty" lamb:"onSuccess" doc:"ARN of the SQS queue, SNS topic, Lambda function or EventBridge bus that receives successful results."`
	OnFailure string `json:"onFailure,omitempty" lamb:"onFailure" doc:"ARN of the SQS queue, SNS topic, Lambda function or EventBridge bus that receives failed invocations."`
}

// FunctionURL is the function's HTTPS endpoint.
type FunctionURL struct {
	// AuthType is AWS_IAM (the default) or NONE.
	AuthType string `json:"authType" lamb:"authType,enum=AWS_IAM|NONE,default=AWS_IAM" doc:"AWS_IAM: callers sign requests with IAM credentials; NONE: anyone may call the URL (needs public: true)."`
	// Public confirms AuthType NONE: a URL anyone on the internet may
	// call is never made by accident.
	Public bool `json:"public,omitempty" lamb:"public" doc:"Must be true with authType NONE, to confirm that anyone on the internet may invoke the function through its URL."`
	// CORS is nil when no cors section is given.
	CORS *CORS `json:"cors,omitempty" lamb:"cors" doc:"Cross-origin policy of the function URL."`
}

// CORS is the function URL's cross-origin policy.
type CORS struct {
	AllowOrigins     []string `json:"allowOrigins,omitempty" lamb:"allowOrigins" doc:"Origins that may call the URL, e.g. https://example.com, or *."`
	AllowMethods     []string `json:"allowMethods,omitempty" lamb:"allowMethods" doc:"HTTP methods allowed, e.g. GET, POST, or *."`
	AllowHeaders     []string `json:"allowHeaders,omitempty" lamb:"allowHeaders" doc:"Request headers allowed."`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty" lamb:"exposeHeaders" doc:"Response headers the browser may read."`
	AllowCredentials bool     `json:"allowCredentials,omitempty" lamb:"allowCredentials" doc:"Whether cookies and authorization headers may be sent."`
	// MaxAge is in seconds.
	MaxAge int `json:"maxAge,omitempty" lamb:"maxAge,seconds" doc:"How long browsers cache the preflight answer: a number of seconds, or a duration like 1h."`
}

// Concurrency holds reserved and provisioned concurrency.
type Concurrency struct {
	// Reserved is nil when unset; 0 is meaningful (the function is throttled).
	Reserved *int `json:"reserved,omitempty" lamb:"reserved,count" doc:"Concurrent executions reserved for the function; 0 stops it from running."`
	// Provisioned is configured on the deploy alias; 0 means none.
	Provisioned int `json:"provisioned,omitempty" lamb:"provisioned,count" doc:"Execution environments kept initialised on the deploy alias; 0 means none."`
}

// Async is how Lambda handles asynchronous invocations (events from S3,
// SNS, EventBridge, ...) that fail or wait; Destinations say where their
// results go. Both are set on the deploy alias.
type Async struct {
	// Retries is nil when unset (Lambda retries twice); 0 is meaningful.
	Retries *int `json:"retries,omitempty" lamb:"retries,count" doc:"How many times Lambda retries a failed asynchronous invocation: 0, 1 or 2 (Lambda's default)."`
	// MaxEventAge is in seconds; nil when unset (Lambda keeps events 6 hours).
	MaxEventAge *int `json:"maxEventAge,omitempty" lamb:"maxEventAge,seconds" doc:"How long an event may wait to be processed before Lambda drops it (or sends it to onFailure): 60s to 6h (the default)."`
}

// Package says how the function's zip is built.
type Package struct {
	// Build is a shell command run in Source before bundling.
	Build string `json:"build,omitempty" lamb:"build" doc:"Shell command run in source before the zip is made, e.g. npm run build."`
	// Dependencies is "auto" (install production dependencies) or "none".
	Dependencies string   `json:"dependencies" lamb:"dependencies,enum=auto|none,default=auto" doc:"auto: install the production dependencies for the runtime and architecture; none: ship the folder as it is."`
	Include      []string `json:"include,omitempty" lamb:"include,patterns" doc:"Patterns in gitignore syntax; when set, only matching files are packaged."`
	Exclude      []string `json:"exclude,omitempty" lamb:"exclude,patterns" doc:"Patterns in gitignore syntax of files to leave out; ! negates."`
	// Symlinks is "follow" (materialise) or "keep" (store as links).
	Symlinks string `json:"symlinks" lamb:"symlinks,enum=follow|keep,default=follow" doc:"follow: store the content of a link's target; keep: store links as links."`
	// Prebuilds is "match" (keep only the function's platform's folder of a
	// package's prebuilds/<os>-<arch>/) or "all".
	Prebuilds string `json:"prebuilds" lamb:"prebuilds,enum=match|all,default=match" doc:"match: of a Node.js package's prebuilds/<os>-<arch>/ folders keep only linux-<architecture> (glibc builds over musl) when the package ships it; all: keep every platform's."`
	// AllowScripts names the dependencies whose install scripts run.
	AllowScripts []string `json:"allowScripts,omitempty" lamb:"allowScripts" doc:"Node.js packages whose install scripts (preinstall, install, postinstall) may run when npm or pnpm installs dependencies; every other package's are skipped and reported."`
	// Artifact is the absolute path of a prebuilt zip, if set.
	Artifact string `json:"artifact,omitempty" lamb:"artifact" doc:"A ready .zip, .jar or .tar.gz to ship instead of packaging source, relative to lamb.yaml; it is rewritten deterministically."`
	// Main is the folder of a Go module's main package, relative to Source.
	Main string `json:"main" lamb:"main,default=." doc:"Go functions: the folder of the main package to build into bootstrap, relative to source, e.g. ./cmd/hello."`
	// Installer picks the tool that installs Python dependencies.
	Installer string `json:"installer" lamb:"installer,enum=auto|pip|uv,default=auto" doc:"Python only: auto installs with uv when it is on PATH, else pip; pip or uv forces one. Both give the same zip."`
	// Bundle is "none" or "esbuild" (nodejs runtimes only).
	Bundle  string  `json:"bundle" lamb:"bundle,enum=none|esbuild,default=none" doc:"none: ship the source with its node_modules; esbuild: bundle the handler's JavaScript or TypeScript and its dependencies into one file (nodejs runtimes)."`
	Esbuild Esbuild `json:"esbuild,omitzero" lamb:"esbuild" doc:"Settings of bundle: esbuild."`
}

// Esbuild holds the settings of package.bundle: esbuild.
type Esbuild struct {
	External  []string `json:"external,omitempty" lamb:"external" doc:"Packages left out of the bundle and shipped in node_modules with their dependencies, e.g. sharp; @aws-sdk/* and @smithy/* are always external and never shipped (the runtime provides them)."`
	Minify    bool     `json:"minify,omitempty" lamb:"minify" doc:"Minify the bundle."`
	Sourcemap bool     `json:"sourcemap,omitempty" lamb:"sourcemap" doc:"Write a .map next to the bundle; set NODE_OPTIONS=--enable-source-maps for stack traces that use it."`
}

// Deploy says how a new version reaches traffic.
type Deploy struct {
	Alias string `json:"alias" lamb:"alias,default=live,max=aliasNameLength" doc:"The alias that receives traffic."`
	// Strategy is a CodeDeploy predefined config name or canary:P%:D,
	// linear:P%:D, all-at-once, as appspec.ParseStrategy accepts it.
	Strategy     string     `json:"strategy" lamb:"strategy,strategy,default=all-at-once" doc:"How traffic moves to a new version: all-at-once, canary:10%:5m, linear:10%:1m, or a CodeDeploy configuration name such as LambdaCanary10Percent5Minutes."`
	Engine       string     `json:"engine" lamb:"engine,enum=direct|codedeploy,default=direct" doc:"direct: lamb moves the alias; codedeploy: CodeDeploy does."`
	Hooks        Hooks      `json:"hooks" lamb:"hooks" doc:"Functions invoked around the traffic shift."`
	Alarms       []string   `json:"alarms,omitempty" lamb:"alarms" doc:"Names of CloudWatch alarms watched during the shift; one in ALARM rolls it back."`
	Gate         *Gate      `json:"gate,omitempty" lamb:"gate" doc:"The built-in error-rate gate: the new version's own error rate during each bake of the shift rolls it back when above maxErrorRate ({} takes the defaults); leave the key out for none."`
	KeepVersions int        `json:"keepVersions" lamb:"keepVersions,count,default=10" doc:"How many older versions to keep; older ones are pruned, aliased ones never."`
	S3           S3         `json:"s3" lamb:"s3" doc:"Upload the zip through S3, which zips above the direct-upload limit need."`
	CodeDeploy   CodeDeploy `json:"codedeploy" lamb:"codedeploy" doc:"The CodeDeploy resources the codedeploy engine uses."`
}

// Hooks name the functions invoked around the traffic shift.
type Hooks struct {
	BeforeAllowTraffic string `json:"beforeAllowTraffic,omitempty" lamb:"beforeAllowTraffic" doc:"Function invoked before traffic shifts to the new version; its failure stops the deploy."`
	AfterAllowTraffic  string `json:"afterAllowTraffic,omitempty" lamb:"afterAllowTraffic" doc:"Function invoked after all traffic has shifted; its failure rolls the deploy back."`
}

// Gate is the built-in error-rate gate of a traffic shift.
type Gate struct {
	MaxErrorRate   Percent `json:"maxErrorRate" lamb:"maxErrorRate,percent,default=1%" doc:"The highest error rate the new version may have during a bake: a percentage such as 1% or 0.5%, or a fraction such as 0.01; below 100%."`
	MinInvocations int     `json:"minInvocations" lamb:"minInvocations,count,default=20" doc:"How many invocations the new version must have served in a bake before its error rate is judged; fewer say too little."`
}

// Percent is a share written in lamb.yaml as a percentage (1%) or a
// fraction (0.01); it holds the fraction.
type Percent float64

// String renders the share as a percentage: 1%, 0.5%.
func (p Percent) String() string {
	return strconv.FormatFloat(math.Round(float64(p)*1e8)/1e6, 'f', -1, 64) + "%"
}

// S3 is where large artifacts are uploaded.
type S3 struct {
	Bucket   string `json:"bucket,omitempty" lamb:"bucket" doc:"Name of the S3 bucket."`
	Prefix   string `json:"prefix,omitempty" lamb:"prefix" doc:"Key prefix of the uploads, e.g. lamb/."`
	SSE      string `json:"sse,omitempty" lamb:"sse,enum=AES256|aws:kms" doc:"Server-side encryption of the uploaded zips: AES256, or aws:kms with kmsKeyId."`
	KMSKeyID string `json:"kmsKeyId,omitempty" lamb:"kmsKeyId" doc:"KMS key for aws:kms encryption of the uploads; empty means the bucket's AWS managed key."`
}

// CodeDeploy names the CodeDeploy resources the codedeploy engine uses.
type CodeDeploy struct {
	Application     string `json:"application,omitempty" lamb:"application" doc:"Name of the CodeDeploy application."`
	DeploymentGroup string `json:"deploymentGroup,omitempty" lamb:"deploymentGroup" doc:"Name of the deployment group."`
	ServiceRoleArn  string `json:"serviceRoleArn,omitempty" lamb:"serviceRoleArn" doc:"ARN of the role CodeDeploy acts with."`
}

// LoadOptions select the stage and the environment lookup used for
// ${env:NAME} interpolation.
type LoadOptions struct {
	// Stage is the stage overlay to apply; "" applies none.
	Stage string
	// LookupEnv reads environment variables; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// MaxFileBytes bounds the configuration file: far above any real lamb.yaml,
// far below what would exhaust memory.
const MaxFileBytes = 4 << 20

// Load reads and resolves the configuration file at path (a folder means
// its lamb.yaml). Only a regular file of at most MaxFileBytes is read, and
// a cancelled ctx stops the read. A missing file wraps ErrNotFound;
// problems in the file are returned together as a *ValidationError.
func Load(ctx context.Context, path string, opts LoadOptions) (*Config, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "lamb.yaml")
	}
	data, err := safefile.ReadFile(ctx, path, MaxFileBytes)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: run 'lamb init' to create one, or pass --config PATH", path, ErrNotFound)
		}
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return Parse(ctx, data, path, opts)
}

// Parse resolves a configuration document as if it were read from filename,
// which names the file in problems and anchors relative paths. A cancelled
// ctx stops the reading of dotenv files.
func Parse(ctx context.Context, data []byte, filename string, opts LoadOptions) (*Config, error) {
	abs, err := filepath.Abs(filename)
	if err != nil {
		return nil, fmt.Errorf("resolve path of %s: %w", filename, err)
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	l := &loader{ctx: ctx, file: filename, path: abs, dir: filepath.Dir(abs), opts: opts}
	return l.load(data)
}

// Lookup returns the functions named by key or AWS name, in the order
// given; no names means every function. An unknown name wraps
// ErrUnknownFunction and lists the known keys.
func (c *Config) Lookup(names ...string) ([]*Function, error) {
	if len(names) == 0 {
		return slices.Clone(c.Functions), nil
	}
	var out []*Function
	seen := map[*Function]bool{}
	for _, name := range names {
		f := c.function(name)
		if f == nil {
			keys := c.Keys()
			msg := fmt.Sprintf("%q is not in %s", name, filepath.Base(c.Path))
			if s := suggest.Closest(name, keys); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return nil, fmt.Errorf("%w: %s; known functions: %s", ErrUnknownFunction, msg, strings.Join(keys, ", "))
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

func (c *Config) function(name string) *Function {
	for _, f := range c.Functions {
		if f.Key == name {
			return f
		}
	}
	for _, f := range c.Functions {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Keys returns the function keys, sorted.
func (c *Config) Keys() []string {
	keys := make([]string, len(c.Functions))
	for i, f := range c.Functions {
		keys[i] = f.Key
	}
	return keys
}
