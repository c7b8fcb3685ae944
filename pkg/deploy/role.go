package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/lambcli/lamb/internal/clock"
)

// IAMAPI is the part of IAM that lamb's own execution roles need.
type IAMAPI interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	CreateRole(ctx context.Context, in *iam.CreateRoleInput, optFns ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	AttachRolePolicy(ctx context.Context, in *iam.AttachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	DetachRolePolicy(ctx context.Context, in *iam.DetachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	PutRolePolicy(ctx context.Context, in *iam.PutRolePolicyInput, optFns ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	DeleteRolePolicy(ctx context.Context, in *iam.DeleteRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
	UpdateAssumeRolePolicy(ctx context.Context, in *iam.UpdateAssumeRolePolicyInput, optFns ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error)
}

var _ IAMAPI = (*iam.Client)(nil)

// RoleReader is the part of IAMAPI that PlanRole reads with.
type RoleReader interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
}

// Tags lamb puts on the execution roles it creates. ManagedTagKey=ManagedTagValue
// is what lets lamb change a role later: a role without it is never modified.
// The function and region tags keep two functions from fighting over one role
// (IAM names are global to the account and case-insensitive, function names are not).
const (
	ManagedTagKey   = "lamb:managed"
	ManagedTagValue = "true"
	FunctionTagKey  = "lamb:function"
	RegionTagKey    = "lamb:region"
)

const (
	roleNameSuffix = "-lamb-exec"
	maxRoleNameLen = 64
	roleHashLen    = 8
)

// lambdaTrustPolicy lets the Lambda service assume the role, and nothing else.
const lambdaTrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// RoleSpec is what a function needs from the execution role lamb makes for it.
type RoleSpec struct {
	// FunctionName is the function's AWS name; the role is named after it.
	FunctionName string
	// VPC adds AWSLambdaVPCAccessExecutionRole, for functions attached to a VPC.
	VPC bool
	// Tracing adds AWSXRayDaemonWriteAccess, for tracing: Active.
	Tracing bool
	// Partition is the AWS partition of the policy ARNs; "aws" when empty.
	Partition string
	// Region, when set, is recorded on a new role, and a lamb role recorded
	// for another region is refused rather than shared.
	Region string
	// Edge lets Lambda@Edge (edgelambda.amazonaws.com) assume the role too.
	Edge bool
	// FileSystemARN is the EFS access point the function mounts, which the
	// role's inline policy FileSystemPolicyName lets it mount and write.
	FileSystemARN string
}

func (s RoleSpec) partition() string {
	if s.Partition == "" {
		return "aws"
	}
	return s.Partition
}

var invalidRoleNameChars = regexp.MustCompile(`[^\w+=,.@-]`)

// RoleName is the name of the execution role lamb makes for a function:
// "<function>-lamb-exec". A name that would be longer than IAM's 64
// characters, or that holds characters IAM does not allow, is cut or cleaned
// and gets 8 hex digits of the full name's SHA-256, so distinct functions keep
// distinct roles.
func RoleName(functionName string) string {
	base := invalidRoleNameChars.ReplaceAllString(functionName, "-")
	if base == functionName && len(base)+len(roleNameSuffix) <= maxRoleNameLen {
		return base + roleNameSuffix
	}
	sum := sha256.Sum256([]byte(functionName))
	keep := maxRoleNameLen - len(roleNameSuffix) - 1 - roleHashLen
	if len(base) > keep {
		base = base[:keep]
	}
	return base + "-" + hex.EncodeToString(sum[:])[:roleHashLen] + roleNameSuffix
}

// ManagedPolicies returns the ARNs of the AWS managed policies the role of
// spec needs, basic execution (CloudWatch Logs) first.
func ManagedPolicies(spec RoleSpec) []string {
	prefix := "arn:" + spec.partition() + ":iam::aws:policy/"
	arns := []string{prefix + "service-role/AWSLambdaBasicExecutionRole"}
	if spec.VPC {
		arns = append(arns, prefix+"service-role/AWSLambdaVPCAccessExecutionRole")
	}
	if spec.Tracing {
		arns = append(arns, prefix+"AWSXRayDaemonWriteAccess")
	}
	return arns
}

// RolePlan is what EnsureRole would do to a function's execution role.
type RolePlan struct {
	RoleName string
	// RoleARN is empty when the role does not exist yet.
	RoleARN string
	Create  bool
	// Attach and Detach are managed policy ARNs. Detach only ever holds
	// policies lamb itself attaches; others on the role are left alone.
	Attach, Detach []string
	// Trust is the new trust policy of an existing role whose trusted
	// services change (Lambda@Edge on or off); "" keeps it.
	Trust string `json:"-"`
	// TrustServices are the services the role trusts once the plan is
	// applied, set when Create or Trust.
	TrustServices []string
	// PutPolicy is the inline policy FileSystemPolicyName to put; "" when
	// it is there as it should be, or should not be there.
	PutPolicy string `json:"-"`
	// DeletePolicy removes the inline policy FileSystemPolicyName.
	DeletePolicy bool
}

// Changed reports whether applying the plan writes anything. A Lambda call
// that passes a role just changed may need RetryRolePropagation.
func (p RolePlan) Changed() bool {
	return p.Create || len(p.Attach) > 0 || len(p.Detach) > 0 || p.Trust != "" || p.PutPolicy != "" || p.DeletePolicy
}

// UnmanagedRoleError says that the role lamb would make for a function
// already exists and is not lamb's role for that function, so lamb will not
// touch it. It is a configuration problem: the user names a role or frees the name.
type UnmanagedRoleError struct {
	RoleName     string
	FunctionName string
	// OwnerFunction and OwnerRegion are the function and region the role's
	// lamb tags name; both are empty when lamb did not create the role.
	OwnerFunction, OwnerRegion string
}

func (e *UnmanagedRoleError) Error() string {
	if e.OwnerFunction == "" && e.OwnerRegion == "" {
		return fmt.Sprintf("execution role %s for function %s exists but was not created by lamb (no tag %s=%s), and lamb does not modify roles it did not create: set role: to its ARN for this function in lamb.yaml, or rename or delete the role",
			e.RoleName, e.FunctionName, ManagedTagKey, ManagedTagValue)
	}
	owner := "function " + e.OwnerFunction
	if e.OwnerRegion != "" {
		owner += " in " + e.OwnerRegion
	}
	return fmt.Sprintf("execution role %s for function %s is lamb's role for %s: set role: for this function in lamb.yaml to share a role deliberately, or deploy it under another name",
		e.RoleName, e.FunctionName, owner)
}

// PlanRole reads the function's execution role and says what EnsureRole
// would change; it writes nothing. A role that exists but is not lamb's role
// for this function is an *UnmanagedRoleError.
func PlanRole(ctx context.Context, api RoleReader, spec RoleSpec) (RolePlan, error) {
	name := RoleName(spec.FunctionName)
	plan := RolePlan{RoleName: name}
	out, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var missing *types.NoSuchEntityException
	if errors.As(err, &missing) {
		plan.Create = true
		plan.Attach = ManagedPolicies(spec)
		plan.TrustServices = trustedServices(spec)
		plan.PutPolicy = FileSystemPolicy(spec)
		return plan, nil
	}
	if err != nil {
		return RolePlan{}, fmt.Errorf("get execution role %s of function %s: %w", name, spec.FunctionName, err)
	}
	if err := checkRoleOwner(name, spec, out.Role.Tags); err != nil {
		return RolePlan{}, err
	}
	plan.RoleARN = aws.ToString(out.Role.Arn)

	attached, err := attachedPolicies(ctx, api, name)
	if err != nil {
		return RolePlan{}, fmt.Errorf("list policies of execution role %s: %w", name, err)
	}
	want := ManagedPolicies(spec)
	for _, arn := range want {
		if !attached[arn] {
			plan.Attach = append(plan.Attach, arn)
		}
	}
	for _, arn := range ManagedPolicies(RoleSpec{Partition: spec.Partition, VPC: true, Tracing: true}) {
		if attached[arn] && !slices.Contains(want, arn) {
			plan.Detach = append(plan.Detach, arn)
		}
	}
	if err := planRoleFeatures(ctx, api, spec, aws.ToString(out.Role.AssumeRolePolicyDocument), &plan); err != nil {
		return RolePlan{}, err
	}
	return plan, nil
}

// checkRoleOwner accepts a role only when its tags say lamb made it, and made
// it for this function (and region, when both are known).
func checkRoleOwner(name string, spec RoleSpec, tags []types.Tag) error {
	byKey := map[string]string{}
	for _, t := range tags {
		byKey[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	refuse := &UnmanagedRoleError{RoleName: name, FunctionName: spec.FunctionName}
	if byKey[ManagedTagKey] != ManagedTagValue {
		return refuse
	}
	fn, region := byKey[FunctionTagKey], byKey[RegionTagKey]
	if (fn != "" && fn != spec.FunctionName) || (region != "" && spec.Region != "" && region != spec.Region) {
		refuse.OwnerFunction, refuse.OwnerRegion = fn, region
		return refuse
	}
	return nil
}

// attachedPolicies returns the ARNs of the managed policies attached to a role.
func attachedPolicies(ctx context.Context, api RoleReader, name string) (map[string]bool, error) {
	attached := map[string]bool{}
	pages := iam.NewListAttachedRolePoliciesPaginator(api, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range page.AttachedPolicies {
			attached[aws.ToString(p.PolicyArn)] = true
		}
	}
	return attached, nil
}

// ApplyRolePlan makes the changes of a plan from PlanRole and returns the
// role's ARN.
func ApplyRolePlan(ctx context.Context, api IAMAPI, spec RoleSpec, plan RolePlan) (string, error) {
	arn := plan.RoleARN
	if plan.Create {
		out, err := api.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(plan.RoleName),
			AssumeRolePolicyDocument: aws.String(trustPolicy(trustedServices(spec))),
			Description:              aws.String("Execution role of Lambda function " + spec.FunctionName + ", managed by lamb"),
			Tags:                     roleTags(spec),
		})
		if err != nil {
			return "", fmt.Errorf("create execution role %s for function %s: %w", plan.RoleName, spec.FunctionName, err)
		}
		arn = aws.ToString(out.Role.Arn)
	}
	for _, p := range plan.Attach {
		if _, err := api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(plan.RoleName), PolicyArn: aws.String(p)}); err != nil {
			return "", fmt.Errorf("attach policy %s to execution role %s: %w", p, plan.RoleName, err)
		}
	}
	for _, p := range plan.Detach {
		if _, err := api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(plan.RoleName), PolicyArn: aws.String(p)}); err != nil {
			return "", fmt.Errorf("detach policy %s from execution role %s: %w", p, plan.RoleName, err)
		}
	}
	if err := applyRoleFeatures(ctx, api, plan); err != nil {
		return "", err
	}
	return arn, nil
}

func roleTags(spec RoleSpec) []types.Tag {
	tags := []types.Tag{
		{Key: aws.String(ManagedTagKey), Value: aws.String(ManagedTagValue)},
		{Key: aws.String(FunctionTagKey), Value: aws.String(spec.FunctionName)},
	}
	if spec.Region != "" {
		tags = append(tags, types.Tag{Key: aws.String(RegionTagKey), Value: aws.String(spec.Region)})
	}
	return tags
}

// EnsureRole makes the function's execution role exist, tagged as lamb's,
// with exactly the managed policies spec needs among those lamb manages, and
// returns its ARN and whether it was created now. When nothing differs it
// makes no write call. It never modifies a role lamb did not create.
func EnsureRole(ctx context.Context, api IAMAPI, spec RoleSpec) (arn string, created bool, err error) {
	plan, err := PlanRole(ctx, api, spec)
	if err != nil {
		return "", false, err
	}
	arn, err = ApplyRolePlan(ctx, api, spec, plan)
	var exists *types.EntityAlreadyExistsException
	if plan.Create && errors.As(err, &exists) {
		// Another deploy of the same function created the role since GetRole;
		// its tags decide whether it may be used, as for any existing role.
		if plan, err = PlanRole(ctx, api, spec); err != nil {
			return "", false, err
		}
		arn, err = ApplyRolePlan(ctx, api, spec, plan)
	}
	if err != nil {
		return "", false, err
	}
	return arn, plan.Create, nil
}

// IsRoleNotAssumable reports whether err is Lambda refusing an execution role
// it cannot assume (yet): InvalidParameterValueException with "The role
// defined for the function cannot be assumed by Lambda.". Lambda gives this
// case no code of its own, so the message is matched too; right after
// CreateRole it is IAM's eventual consistency, not a wrong role.
func IsRoleNotAssumable(err error) bool {
	return isInvalidParameter(err, "cannot be assumed by lambda")
}

// lacksNetworkInterfacePermission reports whether err is Lambda saying the
// role may not create network interfaces: what a just-attached
// AWSLambdaVPCAccessExecutionRole looks like before it has propagated.
func lacksNetworkInterfacePermission(err error) bool {
	return isInvalidParameter(err, "does not have permissions to call createnetworkinterface")
}

func isInvalidParameter(err error, fragment string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) &&
		apiErr.ErrorCode() == "InvalidParameterValueException" &&
		strings.Contains(strings.ToLower(apiErr.ErrorMessage()), fragment)
}

// Defaults of RetryOptions.
const (
	DefaultRolePropagationWait = 60 * time.Second
	defaultMaxRetryDelay       = 8 * time.Second
	// minRetryDelay keeps a jitter near zero from spending attempts for nothing,
	// and bounds the number of attempts by MaxWait.
	minRetryDelay = 500 * time.Millisecond
)

// RetryOptions bound RetryRolePropagation.
type RetryOptions struct {
	// RoleName names the role in the error given up with.
	RoleName string
	// MaxWait is the most time spent waiting between attempts;
	// DefaultRolePropagationWait when zero.
	MaxWait time.Duration
	// MaxDelay caps one wait; 8s when zero.
	MaxDelay time.Duration
	// Sleep waits d, or returns ctx's error when ctx ends first; a timer when nil.
	Sleep func(ctx context.Context, d time.Duration) error
	// Backoff picks the wait after a failed attempt; full-jitter exponential
	// backoff up to MaxDelay when nil.
	Backoff retry.BackoffDelayer
}

func (o RetryOptions) withDefaults() RetryOptions {
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultRolePropagationWait
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = defaultMaxRetryDelay
	}
	if o.Sleep == nil {
		o.Sleep = clock.Sleep
	}
	if o.Backoff == nil {
		o.Backoff = retry.NewExponentialJitterBackoff(o.MaxDelay)
	}
	return o
}

// RetryRolePropagation calls fn (a CreateFunction or UpdateFunctionConfiguration
// that passes a role EnsureRole just created or changed) until Lambda stops
// refusing the role as not assumable, or as lacking its VPC permissions, for at
// most MaxWait in all. Any other error, and ctx ending, stop it at once. Use it
// only for a role that just changed: for a wrong role it only delays the error.
func RetryRolePropagation(ctx context.Context, fn func(ctx context.Context) error, opts RetryOptions) error {
	opts = opts.withDefaults()
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !(IsRoleNotAssumable(err) || lacksNetworkInterfacePermission(err)) {
			return err
		}
		if waited >= opts.MaxWait {
			what := "assumable by Lambda"
			if !IsRoleNotAssumable(err) {
				what = "allowed to create the network interfaces of a VPC function"
			}
			return fmt.Errorf("execution role %s was still not %s after %s; IAM changes can take longer to reach Lambda, run the deploy again: %w",
				opts.RoleName, what, seconds(waited), err)
		}
		delay, berr := opts.Backoff.BackoffDelay(attempt, err)
		if berr != nil {
			return fmt.Errorf("compute wait for role %s to propagate: %w", opts.RoleName, berr)
		}
		delay = min(max(delay, minRetryDelay), opts.MaxDelay, opts.MaxWait-waited)
		if err := opts.Sleep(ctx, delay); err != nil {
			return err
		}
		waited += delay
	}
}

// seconds formats d as "60s" or "2.5s", as users read a wait.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%gs", d.Seconds())
}
