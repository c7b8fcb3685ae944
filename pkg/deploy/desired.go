package deploy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/config"
)

// Lambda's defaults for settings lamb.yaml leaves out: an unset setting is
// put back to its default, so a setting removed from lamb.yaml leaves AWS too.
const (
	defaultMemory           = 128
	defaultTimeout          = 3
	defaultEphemeralStorage = 512
	defaultTracing          = "PassThrough"
)

// Desired is the configuration lamb.yaml asks of a function, in Lambda's
// terms, with defaults filled in. These are the settings lamb owns on the
// function: each is set on create and compared and updated on every deploy.
type Desired struct {
	Name             string
	Runtime          string
	Handler          string
	Role             string
	Description      string
	Architecture     string
	Memory           int32
	Timeout          int32
	EphemeralStorage int32
	Environment      map[string]string
	KMSKeyArn        string
	Tracing          string
	DeadLetter       string
	Layers           []string
	SubnetIDs        []string
	SecurityGroupIDs []string
	Tags             map[string]string
	// Features are the container image, EFS and SnapStart settings
	// (features.go).
	Features
}

// DesiredFrom maps a resolved lamb.yaml function onto the configuration to
// deploy; role is the execution role's ARN (the configured one, or the one
// lamb manages for the function). Layers must already be version ARNs.
func DesiredFrom(fn *config.Function, role string) Desired {
	d := Desired{
		Name:             fn.Name,
		Runtime:          fn.Runtime,
		Handler:          fn.Handler,
		Role:             role,
		Description:      fn.Description,
		Architecture:     fn.Architecture,
		Memory:           int32(fn.Memory),
		Timeout:          int32(fn.Timeout),
		EphemeralStorage: int32(fn.EphemeralStorage),
		Environment:      maps.Clone(fn.Environment),
		KMSKeyArn:        fn.KMSKeyArn,
		Tracing:          fn.Tracing,
		DeadLetter:       fn.DeadLetter,
		Layers:           slices.Clone(fn.Layers),
		SubnetIDs:        slices.Clone(fn.VPC.SubnetIDs),
		SecurityGroupIDs: slices.Clone(fn.VPC.SecurityGroupIDs),
		Tags:             maps.Clone(fn.Tags),
		Features:         featuresFrom(fn),
	}
	return d.withDefaults()
}

func (d Desired) withDefaults() Desired {
	if d.Architecture == "" {
		d.Architecture = config.DefaultArchitecture
	}
	if d.Memory == 0 {
		d.Memory = defaultMemory
	}
	if d.Timeout == 0 {
		d.Timeout = defaultTimeout
	}
	if d.EphemeralStorage == 0 {
		d.EphemeralStorage = defaultEphemeralStorage
	}
	if d.Tracing == "" {
		d.Tracing = defaultTracing
	}
	if d.Environment == nil {
		d.Environment = map[string]string{}
	}
	if d.PackageType == "" {
		d.PackageType = string(lambdatypes.PackageTypeZip)
	}
	return d
}

// Deployed reads the same settings back from a function's configuration,
// so the two can be compared field by field.
func Deployed(c *lambdatypes.FunctionConfiguration) Desired {
	d := Desired{
		Name:         aws.ToString(c.FunctionName),
		Runtime:      string(c.Runtime),
		Handler:      aws.ToString(c.Handler),
		Role:         aws.ToString(c.Role),
		Description:  aws.ToString(c.Description),
		Memory:       aws.ToInt32(c.MemorySize),
		Timeout:      aws.ToInt32(c.Timeout),
		KMSKeyArn:    aws.ToString(c.KMSKeyArn),
		Architecture: config.DefaultArchitecture,
	}
	if len(c.Architectures) > 0 {
		d.Architecture = string(c.Architectures[0])
	}
	if c.EphemeralStorage != nil {
		d.EphemeralStorage = aws.ToInt32(c.EphemeralStorage.Size)
	}
	if c.Environment != nil {
		d.Environment = maps.Clone(c.Environment.Variables)
	}
	if c.TracingConfig != nil {
		d.Tracing = string(c.TracingConfig.Mode)
	}
	if c.DeadLetterConfig != nil {
		d.DeadLetter = aws.ToString(c.DeadLetterConfig.TargetArn)
	}
	for _, l := range c.Layers {
		d.Layers = append(d.Layers, aws.ToString(l.Arn))
	}
	if c.VpcConfig != nil {
		d.SubnetIDs = slices.Clone(c.VpcConfig.SubnetIds)
		d.SecurityGroupIDs = slices.Clone(c.VpcConfig.SecurityGroupIds)
	}
	d.Features = deployedFeatures(c)
	return d.withDefaults()
}

// Change is one setting that differs between what is deployed and what
// lamb.yaml asks for. For environment variables Old and New are never the
// values: they say "(set)", "(changed)" or "(removed)".
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// String renders the change for a plan: "memory: 128 → 512".
func (c Change) String() string {
	switch {
	case c.Old == "":
		return fmt.Sprintf("%s: %s", c.Field, c.New)
	case c.New == "":
		return fmt.Sprintf("%s: %s → (unset)", c.Field, c.Old)
	}
	return fmt.Sprintf("%s: %s → %s", c.Field, c.Old, c.New)
}

// ConfigChanges lists the configuration settings (everything but the code
// and tags) that differ from deployed to desired, in a fixed order.
// Environment values are masked.
func ConfigChanges(deployed, desired Desired) []Change {
	var cs []Change
	str := func(field, old, new string) {
		if old != new {
			cs = append(cs, Change{Field: field, Old: old, New: new})
		}
	}
	num := func(field string, old, new int32) {
		str(field, strconv.Itoa(int(old)), strconv.Itoa(int(new)))
	}
	list := func(field string, old, new []string, sorted bool) {
		if sorted {
			old, new = sortedCopy(old), sortedCopy(new)
		}
		if !slices.Equal(old, new) {
			cs = append(cs, Change{Field: field, Old: strings.Join(old, ","), New: strings.Join(new, ",")})
		}
	}
	str("runtime", deployed.Runtime, desired.Runtime)
	str("handler", deployed.Handler, desired.Handler)
	str("role", deployed.Role, desired.Role)
	str("description", deployed.Description, desired.Description)
	num("memory", deployed.Memory, desired.Memory)
	num("timeout", deployed.Timeout, desired.Timeout)
	num("ephemeralStorage", deployed.EphemeralStorage, desired.EphemeralStorage)
	str("kmsKeyArn", deployed.KMSKeyArn, desired.KMSKeyArn)
	str("tracing", deployed.Tracing, desired.Tracing)
	str("deadLetter", deployed.DeadLetter, desired.DeadLetter)
	list("layers", deployed.Layers, desired.Layers, false)
	list("vpc.subnetIds", deployed.SubnetIDs, desired.SubnetIDs, true)
	list("vpc.securityGroupIds", deployed.SecurityGroupIDs, desired.SecurityGroupIDs, true)
	cs = append(cs, featureChanges(deployed.Features, desired.Features)...)
	cs = append(cs, EnvironmentChanges(deployed.Environment, desired.Environment)...)
	return cs
}

// ArchitectureChanged reports whether the instruction set differs: it is
// set with the code (UpdateFunctionCode), not with the configuration.
func ArchitectureChanged(deployed, desired Desired) bool {
	return deployed.Architecture != desired.Architecture
}

// EnvironmentChanges lists the variables added, changed or removed, by
// name, never with a value.
func EnvironmentChanges(old, new map[string]string) []Change {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	var cs []Change
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		o, inOld := old[k]
		n, inNew := new[k]
		switch {
		case !inOld:
			cs = append(cs, Change{Field: "environment." + k, New: "(set)"})
		case !inNew:
			cs = append(cs, Change{Field: "environment." + k, Old: "(set)", New: ""})
		case o != n:
			cs = append(cs, Change{Field: "environment." + k, Old: "(set)", New: "(changed)"})
		}
	}
	return cs
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	sort.Strings(c)
	return c
}

// vpcConfig is the VPC part of a create or update request; an empty one
// detaches the function from its VPC.
func (d Desired) vpcConfig() *lambdatypes.VpcConfig {
	return &lambdatypes.VpcConfig{SubnetIds: nonNil(d.SubnetIDs), SecurityGroupIds: nonNil(d.SecurityGroupIDs)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// architectures is the request form of the instruction set.
func (d Desired) architectures() []lambdatypes.Architecture {
	return []lambdatypes.Architecture{lambdatypes.Architecture(d.Architecture)}
}

// deadLetterConfig clears the queue with an empty target.
func (d Desired) deadLetterConfig() *lambdatypes.DeadLetterConfig {
	return &lambdatypes.DeadLetterConfig{TargetArn: aws.String(d.DeadLetter)}
}
