// Package config reads lamb.yaml (or the same document written as JSON):
// it parses the file into position-carrying YAML nodes, validates its
// structure and types, overlays a stage, interpolates ${env:NAME}
// references, reads dotenv files and resolves every function into a
// Function with its defaults applied. Every problem names the file, line,
// column and key path, and all of them are reported at once.
//
// Value ranges (memory 128–10240 MB, timeouts, sizes, environment size) are
// Lambda quotas and belong to pkg/limits; traffic-shift strategies are parsed
// by pkg/appspec. This package checks only that lamb.yaml is well formed,
// which includes numbers that no field can hold (negative, or beyond 32
// bits): those are reported here, naming the Lambda range.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	DefaultArchitecture = "x86_64"
	DefaultDependencies = "auto"
	DefaultSymlinks     = "follow"
	DefaultAlias        = "live"
	DefaultStrategy     = "all-at-once"
	DefaultEngine       = "direct"
	DefaultKeepVersions = 10
	DefaultURLAuthType  = "AWS_IAM"
)

// Config is a loaded lamb.yaml with the stage applied and every function
// resolved; it is what commands work from.
type Config struct {
	// Path is the absolute path of the loaded file and Dir its folder;
	// relative paths in the file (source, dotenv files, artifact) are
	// resolved against Dir.
	Path string `json:"path"`
	Dir  string `json:"dir"`

	Project string `json:"project,omitempty"`
	// Region and Profile are the file's level in the CLI's precedence
	// (flag > LAMB_* environment variable > lamb.yaml > default).
	Region  string `json:"region,omitempty"`
	Profile string `json:"profile,omitempty"`
	// Stage is the stage overlay that was applied, or "".
	Stage string `json:"stage,omitempty"`
	// Stages lists every stage the file defines, sorted.
	Stages []string `json:"stages,omitempty"`

	// Functions are sorted by Key.
	Functions []*Function `json:"functions"`
}

// Function is one function of lamb.yaml after defaults, the stage overlay,
// interpolation and dotenv files have been applied.
type Function struct {
	// Key is the function's key under functions: in lamb.yaml.
	Key string `json:"key"`
	// Name is the AWS function name: the explicit name, else
	// "<project>-<key>", else the key.
	Name string `json:"name"`
	// Source is the absolute folder to package.
	Source string `json:"source"`

	Handler      string `json:"handler,omitempty"`
	Runtime      string `json:"runtime,omitempty"`
	Architecture string `json:"architecture"`
	Role         string `json:"role,omitempty"`
	Description  string `json:"description,omitempty"`
	KMSKeyArn    string `json:"kmsKeyArn,omitempty"`
	Tracing      string `json:"tracing,omitempty"`
	DeadLetter   string `json:"deadLetter,omitempty"`

	// Memory and EphemeralStorage are in MB, Timeout in seconds; 0 means
	// unset (Lambda's own default applies).
	Memory           int `json:"memory,omitempty"`
	Timeout          int `json:"timeout,omitempty"`
	EphemeralStorage int `json:"ephemeralStorage,omitempty"`

	// Environment is the final variable map: the dotenv files in order,
	// then vars on top.
	Environment map[string]string `json:"environment,omitempty"`
	// EnvironmentFiles are the absolute paths of the dotenv files read.
	EnvironmentFiles []string `json:"environmentFiles,omitempty"`

	Layers       []string     `json:"layers,omitempty"`
	VPC          VPC          `json:"vpc"`
	Destinations Destinations `json:"destinations"`
	// FunctionURL is nil when the function has no function URL.
	FunctionURL *FunctionURL      `json:"functionUrl,omitempty"`
	Concurrency Concurrency       `json:"concurrency"`
	Tags        map[string]string `json:"tags,omitempty"`
	Package     Package           `json:"package"`
	Deploy      Deploy            `json:"deploy"`
}

// VPC attaches the function to subnets and security groups.
type VPC struct {
	SubnetIDs        []string `json:"subnetIds,omitempty"`
	SecurityGroupIDs []string `json:"securityGroupIds,omitempty"`
}

// Destinations are the asynchronous invocation targets (ARNs).
type Destinations struct {
	OnSuccess string `json:"onSuccess,omitempty"`
	OnFailure string `json:"onFailure,omitempty"`
}

// FunctionURL is the function's HTTPS endpoint.
type FunctionURL struct {
	// AuthType is AWS_IAM (the default) or NONE.
	AuthType string `json:"authType"`
	// CORS is nil when no cors section is given.
	CORS *CORS `json:"cors,omitempty"`
}

// CORS is the function URL's cross-origin policy.
type CORS struct {
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
	// MaxAge is in seconds.
	MaxAge int `json:"maxAge,omitempty"`
}

// Concurrency holds reserved and provisioned concurrency.
type Concurrency struct {
	// Reserved is nil when unset; 0 is meaningful (the function is throttled).
	Reserved *int `json:"reserved,omitempty"`
	// Provisioned is configured on the deploy alias; 0 means none.
	Provisioned int `json:"provisioned,omitempty"`
}

// Package says how the function's zip is built.
type Package struct {
	// Build is a shell command run in Source before bundling.
	Build string `json:"build,omitempty"`
	// Dependencies is "auto" (install production dependencies) or "none".
	Dependencies string   `json:"dependencies"`
	Include      []string `json:"include,omitempty"`
	Exclude      []string `json:"exclude,omitempty"`
	// Symlinks is "follow" (materialise) or "keep" (store as links).
	Symlinks string `json:"symlinks"`
	// Artifact is the absolute path of a prebuilt zip, if set.
	Artifact string `json:"artifact,omitempty"`
}

// Deploy says how a new version reaches traffic.
type Deploy struct {
	Alias string `json:"alias"`
	// Strategy is a CodeDeploy predefined config name or canary:P%:D,
	// linear:P%:D, all-at-once; pkg/appspec parses it.
	Strategy     string     `json:"strategy"`
	Engine       string     `json:"engine"`
	Hooks        Hooks      `json:"hooks"`
	Alarms       []string   `json:"alarms,omitempty"`
	KeepVersions int        `json:"keepVersions"`
	S3           S3         `json:"s3"`
	CodeDeploy   CodeDeploy `json:"codedeploy"`
}

// Hooks name the functions invoked around the traffic shift.
type Hooks struct {
	BeforeAllowTraffic string `json:"beforeAllowTraffic,omitempty"`
	AfterAllowTraffic  string `json:"afterAllowTraffic,omitempty"`
}

// S3 is where large artifacts are uploaded.
type S3 struct {
	Bucket string `json:"bucket,omitempty"`
	Prefix string `json:"prefix,omitempty"`
}

// CodeDeploy names the CodeDeploy resources the codedeploy engine uses.
type CodeDeploy struct {
	Application     string `json:"application,omitempty"`
	DeploymentGroup string `json:"deploymentGroup,omitempty"`
	ServiceRoleArn  string `json:"serviceRoleArn,omitempty"`
}

// LoadOptions select the stage and the environment lookup used for
// ${env:NAME} interpolation.
type LoadOptions struct {
	// Stage is the stage overlay to apply; "" applies none.
	Stage string
	// LookupEnv reads environment variables; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Load reads and resolves the configuration file at path (a folder means
// its lamb.yaml). A missing file wraps ErrNotFound; problems in the file
// are returned together as a *ValidationError.
func Load(path string, opts LoadOptions) (*Config, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, "lamb.yaml")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w: run 'lamb init' to create one, or pass --config PATH", path, ErrNotFound)
		}
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return Parse(data, path, opts)
}

// Parse resolves a configuration document as if it were read from filename,
// which names the file in problems and anchors relative paths.
func Parse(data []byte, filename string, opts LoadOptions) (*Config, error) {
	abs, err := filepath.Abs(filename)
	if err != nil {
		return nil, fmt.Errorf("resolve path of %s: %w", filename, err)
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	l := &loader{file: filename, path: abs, dir: filepath.Dir(abs), opts: opts}
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
			if s := suggest(name, keys); s != "" {
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

// RequireRole returns an error naming the field to set when the function
// has no execution role; only commands that create functions need one.
func (f *Function) RequireRole() error {
	if f.Role == "" {
		return fmt.Errorf("functions.%s.role is not set: add the execution role ARN to the function or to defaults in lamb.yaml", f.Key)
	}
	return nil
}
