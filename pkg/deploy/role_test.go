package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/lambcli/lamb/internal/testenv"
)

const (
	basicPolicy = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
	vpcPolicy   = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
	xrayPolicy  = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
	// userPolicy stands for a policy the user attached to a lamb role by hand.
	userPolicy = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
)

var validRoleName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

func TestRoleName(t *testing.T) {
	t.Parallel()
	long54 := strings.Repeat("a", 54) // 54 + len("-lamb-exec") = 64
	long64 := strings.Repeat("b", 64)
	tests := []struct {
		name, function, want string
	}{
		{"short name keeps the function name", "orders-api", "orders-api-lamb-exec"},
		{"name that just fits is not cut", long54, long54 + "-lamb-exec"},
		{"name one over is cut and hashed", long54 + "x", strings.Repeat("a", 45) + "-" + hash8(long54+"x") + "-lamb-exec"},
		{"longest function name", long64, strings.Repeat("b", 45) + "-" + hash8(long64) + "-lamb-exec"},
		{"characters IAM refuses are replaced and hashed", "orders:api", "orders-api-" + hash8("orders:api") + "-lamb-exec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RoleName(tt.function)
			if got != tt.want {
				t.Errorf("RoleName(%q) = %q, want %q", tt.function, got, tt.want)
			}
			if !validRoleName.MatchString(got) {
				t.Errorf("RoleName(%q) = %q (%d chars) is not a valid IAM role name", tt.function, got, len(got))
			}
			if again := RoleName(tt.function); again != got {
				t.Errorf("RoleName(%q) is not deterministic: %q then %q", tt.function, got, again)
			}
		})
	}

	t.Run("long names sharing a prefix get distinct roles", func(t *testing.T) {
		a, b := RoleName(strings.Repeat("c", 60)+"-one"), RoleName(strings.Repeat("c", 60)+"-two")
		if a == b {
			t.Errorf("two functions share role name %q", a)
		}
	})
	t.Run("a cleaned name does not collide with the name it looks like", func(t *testing.T) {
		if a, b := RoleName("orders:api"), RoleName("orders-api"); a == b {
			t.Errorf("orders:api and orders-api share role name %q", a)
		}
	})
}

// hash8 is the suffix RoleName is documented to add: 8 hex digits of SHA-256.
func hash8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

func TestManagedPolicies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec RoleSpec
		want []string
	}{
		{"basic only", RoleSpec{FunctionName: "f"}, []string{basicPolicy}},
		{"vpc", RoleSpec{FunctionName: "f", VPC: true}, []string{basicPolicy, vpcPolicy}},
		{"tracing", RoleSpec{FunctionName: "f", Tracing: true}, []string{basicPolicy, xrayPolicy}},
		{"both", RoleSpec{FunctionName: "f", VPC: true, Tracing: true}, []string{basicPolicy, vpcPolicy, xrayPolicy}},
		{"other partition", RoleSpec{FunctionName: "f", VPC: true, Tracing: true, Partition: "aws-cn"}, []string{
			"arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
			"arn:aws-cn:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
			"arn:aws-cn:iam::aws:policy/AWSXRayDaemonWriteAccess",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ManagedPolicies(tt.spec); !slices.Equal(got, tt.want) {
				t.Errorf("ManagedPolicies(%+v) = %v, want %v", tt.spec, got, tt.want)
			}
		})
	}
}

// recordingIAM passes calls to moto and records every write, so tests can
// say exactly which changes a call made.
type recordingIAM struct {
	IAMAPI
	writes []string
	// beforeGetRole, when set, runs once before the first GetRole.
	beforeGetRole func()
}

func (r *recordingIAM) GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	if f := r.beforeGetRole; f != nil {
		r.beforeGetRole = nil
		f()
		return nil, &iamtypes.NoSuchEntityException{Message: aws.String("role not found (stale read)")}
	}
	return r.IAMAPI.GetRole(ctx, in, optFns...)
}

func (r *recordingIAM) CreateRole(ctx context.Context, in *iam.CreateRoleInput, optFns ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	r.writes = append(r.writes, "create "+aws.ToString(in.RoleName))
	return r.IAMAPI.CreateRole(ctx, in, optFns...)
}

func (r *recordingIAM) AttachRolePolicy(ctx context.Context, in *iam.AttachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error) {
	r.writes = append(r.writes, "attach "+aws.ToString(in.PolicyArn))
	return r.IAMAPI.AttachRolePolicy(ctx, in, optFns...)
}

func (r *recordingIAM) DetachRolePolicy(ctx context.Context, in *iam.DetachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error) {
	r.writes = append(r.writes, "detach "+aws.ToString(in.PolicyArn))
	return r.IAMAPI.DetachRolePolicy(ctx, in, optFns...)
}

func motoIAM(t *testing.T) *iam.Client {
	t.Helper()
	env := testenv.MotoWithManagedPolicies(t)
	client, err := env.Session(t).IAM(t.Context())
	if err != nil {
		t.Fatalf("IAM client: %v", err)
	}
	return client
}

// attachedARNs reads a role's managed policies straight from IAM, sorted.
func attachedARNs(t *testing.T, client *iam.Client, roleName string) []string {
	t.Helper()
	out, err := client.ListAttachedRolePolicies(t.Context(), &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil {
		t.Fatalf("list policies of %s: %v", roleName, err)
	}
	var arns []string
	for _, p := range out.AttachedPolicies {
		arns = append(arns, aws.ToString(p.PolicyArn))
	}
	slices.Sort(arns)
	return arns
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestEnsureRoleCreatesTaggedRole(t *testing.T) {
	client := motoIAM(t)
	api := &recordingIAM{IAMAPI: client}
	spec := RoleSpec{FunctionName: "orders-api", VPC: true, Tracing: true, Region: testenv.Region}

	arn, created, err := EnsureRole(t.Context(), api, spec)
	if err != nil {
		t.Fatalf("EnsureRole: %v", err)
	}
	if !created {
		t.Error("EnsureRole on a new function reported created = false")
	}
	wantARN := "arn:aws:iam::" + testenv.AccountID + ":role/orders-api-lamb-exec"
	if arn != wantARN {
		t.Errorf("EnsureRole returned ARN %q, want %q", arn, wantARN)
	}

	got, err := client.GetRole(t.Context(), &iam.GetRoleInput{RoleName: aws.String("orders-api-lamb-exec")})
	if err != nil {
		t.Fatalf("read back the role: %v", err)
	}
	tags := map[string]string{}
	for _, tag := range got.Role.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	wantTags := map[string]string{ManagedTagKey: ManagedTagValue, FunctionTagKey: "orders-api", RegionTagKey: testenv.Region}
	if fmt.Sprint(tags) != fmt.Sprint(wantTags) {
		t.Errorf("role tags = %v, want %v", tags, wantTags)
	}
	assertLambdaTrust(t, aws.ToString(got.Role.AssumeRolePolicyDocument))
	if want := sorted(basicPolicy, vpcPolicy, xrayPolicy); !slices.Equal(attachedARNs(t, client, "orders-api-lamb-exec"), want) {
		t.Errorf("attached policies = %v, want %v", attachedARNs(t, client, "orders-api-lamb-exec"), want)
	}

	api.writes = nil
	arn2, created2, err := EnsureRole(t.Context(), api, spec)
	if err != nil {
		t.Fatalf("second EnsureRole: %v", err)
	}
	if len(api.writes) != 0 {
		t.Errorf("second EnsureRole wrote %v, want no write", api.writes)
	}
	if created2 || arn2 != wantARN {
		t.Errorf("second EnsureRole = %q, created %v; want %q, false", arn2, created2, wantARN)
	}
}

// assertLambdaTrust checks that only the Lambda service may assume the role.
func assertLambdaTrust(t *testing.T, doc string) {
	t.Helper()
	if unescaped, err := url.QueryUnescape(doc); err == nil {
		doc = unescaped // IAM returns the document URL-encoded
	}
	var policy struct {
		Statement []struct {
			Effect    string
			Principal struct{ Service any }
			Action    any
		}
	}
	if err := json.Unmarshal([]byte(doc), &policy); err != nil {
		t.Fatalf("trust policy is not JSON: %v\n%s", err, doc)
	}
	if len(policy.Statement) != 1 {
		t.Fatalf("trust policy has %d statements, want 1: %s", len(policy.Statement), doc)
	}
	s := policy.Statement[0]
	if s.Effect != "Allow" || s.Principal.Service != "lambda.amazonaws.com" || s.Action != "sts:AssumeRole" {
		t.Errorf("trust policy = %s, want lambda.amazonaws.com allowed sts:AssumeRole", doc)
	}
}

func TestEnsureRoleSyncsLambPolicies(t *testing.T) {
	tests := []struct {
		name       string
		from, to   RoleSpec
		wantWrites []string
		wantFinal  []string
	}{
		{
			name: "vpc added", from: RoleSpec{}, to: RoleSpec{VPC: true},
			wantWrites: []string{"attach " + vpcPolicy},
			wantFinal:  sorted(basicPolicy, vpcPolicy, userPolicy),
		},
		{
			name: "tracing added", from: RoleSpec{VPC: true}, to: RoleSpec{VPC: true, Tracing: true},
			wantWrites: []string{"attach " + xrayPolicy},
			wantFinal:  sorted(basicPolicy, vpcPolicy, xrayPolicy, userPolicy),
		},
		{
			name: "vpc and tracing removed", from: RoleSpec{VPC: true, Tracing: true}, to: RoleSpec{},
			wantWrites: []string{"detach " + vpcPolicy, "detach " + xrayPolicy},
			wantFinal:  sorted(basicPolicy, userPolicy),
		},
		{
			name: "tracing swapped for vpc", from: RoleSpec{Tracing: true}, to: RoleSpec{VPC: true},
			wantWrites: []string{"attach " + vpcPolicy, "detach " + xrayPolicy},
			wantFinal:  sorted(basicPolicy, vpcPolicy, userPolicy),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := motoIAM(t)
			tt.from.FunctionName, tt.to.FunctionName = "orders-worker", "orders-worker"
			if _, _, err := EnsureRole(t.Context(), client, tt.from); err != nil {
				t.Fatalf("first EnsureRole: %v", err)
			}
			role := RoleName("orders-worker")
			if _, err := client.AttachRolePolicy(t.Context(), &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(userPolicy)}); err != nil {
				t.Fatalf("attach the user's own policy: %v", err)
			}

			plan, err := PlanRole(t.Context(), client, tt.to)
			if err != nil {
				t.Fatalf("PlanRole: %v", err)
			}
			if plan.Create || !plan.Changed() {
				t.Errorf("PlanRole = %+v, want a change to the existing role", plan)
			}

			api := &recordingIAM{IAMAPI: client}
			if _, created, err := EnsureRole(t.Context(), api, tt.to); err != nil || created {
				t.Fatalf("second EnsureRole: created %v, err %v", created, err)
			}
			if !slices.Equal(api.writes, tt.wantWrites) {
				t.Errorf("EnsureRole wrote %v, want %v", api.writes, tt.wantWrites)
			}
			if got := attachedARNs(t, client, role); !slices.Equal(got, tt.wantFinal) {
				t.Errorf("attached policies = %v, want %v", got, tt.wantFinal)
			}
		})
	}
}

func TestEnsureRoleRefusesRoleItDoesNotOwn(t *testing.T) {
	tests := []struct {
		name      string
		tags      map[string]string
		spec      RoleSpec
		wantOwner string
		wantInMsg string
	}{
		{
			name:      "untagged role",
			spec:      RoleSpec{FunctionName: "orders-api", VPC: true},
			wantInMsg: "was not created by lamb",
		},
		{
			name:      "managed tag with another value",
			tags:      map[string]string{ManagedTagKey: "false"},
			spec:      RoleSpec{FunctionName: "orders-api"},
			wantInMsg: "was not created by lamb",
		},
		{
			name:      "lamb role of another region",
			tags:      map[string]string{ManagedTagKey: ManagedTagValue, FunctionTagKey: "orders-api", RegionTagKey: "eu-west-1"},
			spec:      RoleSpec{FunctionName: "orders-api", Region: testenv.Region, Tracing: true},
			wantOwner: "orders-api",
			wantInMsg: "is lamb's role for function orders-api in eu-west-1",
		},
		{
			name:      "lamb role of another function",
			tags:      map[string]string{ManagedTagKey: ManagedTagValue, FunctionTagKey: "Orders-API"},
			spec:      RoleSpec{FunctionName: "orders-api"},
			wantOwner: "Orders-API",
			wantInMsg: "is lamb's role for function Orders-API",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := motoIAM(t)
			role := RoleName(tt.spec.FunctionName)
			in := &iam.CreateRoleInput{RoleName: aws.String(role), AssumeRolePolicyDocument: aws.String(lambdaTrustPolicy)}
			for k, v := range tt.tags {
				in.Tags = append(in.Tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
			}
			if _, err := client.CreateRole(t.Context(), in); err != nil {
				t.Fatalf("create the user's role: %v", err)
			}
			if _, err := client.AttachRolePolicy(t.Context(), &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(xrayPolicy)}); err != nil {
				t.Fatalf("attach the user's policy: %v", err)
			}

			api := &recordingIAM{IAMAPI: client}
			_, _, err := EnsureRole(t.Context(), api, tt.spec)
			var unmanaged *UnmanagedRoleError
			if !errors.As(err, &unmanaged) {
				t.Fatalf("EnsureRole error = %v, want *UnmanagedRoleError", err)
			}
			if unmanaged.RoleName != role || unmanaged.OwnerFunction != tt.wantOwner {
				t.Errorf("error = %+v, want role %s owned by %q", unmanaged, role, tt.wantOwner)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.wantInMsg) || !strings.Contains(msg, "set role:") {
				t.Errorf("error %q should contain %q and tell to set role:", msg, tt.wantInMsg)
			}
			if len(api.writes) != 0 {
				t.Errorf("EnsureRole wrote %v to a role it does not own", api.writes)
			}
			if got := attachedARNs(t, client, role); !slices.Equal(got, []string{xrayPolicy}) {
				t.Errorf("policies of the user's role = %v, want them untouched: [%s]", got, xrayPolicy)
			}
		})
	}
}

func TestEnsureRoleCreatedConcurrently(t *testing.T) {
	client := motoIAM(t)
	spec := RoleSpec{FunctionName: "orders-api", VPC: true}
	api := &recordingIAM{IAMAPI: client}
	// Another deploy creates the role (basic policy only) after our GetRole missed it.
	api.beforeGetRole = func() {
		if _, _, err := EnsureRole(t.Context(), client, RoleSpec{FunctionName: "orders-api"}); err != nil {
			t.Fatalf("the other deploy's EnsureRole: %v", err)
		}
	}

	arn, created, err := EnsureRole(t.Context(), api, spec)
	if err != nil {
		t.Fatalf("EnsureRole: %v", err)
	}
	if created || !strings.HasSuffix(arn, ":role/orders-api-lamb-exec") {
		t.Errorf("EnsureRole = %q, created %v; want the other deploy's role, not created", arn, created)
	}
	if want := []string{"create orders-api-lamb-exec", "attach " + vpcPolicy}; !slices.Equal(api.writes, want) {
		t.Errorf("writes = %v, want %v", api.writes, want)
	}
	if got, want := attachedARNs(t, client, "orders-api-lamb-exec"), sorted(basicPolicy, vpcPolicy); !slices.Equal(got, want) {
		t.Errorf("attached policies = %v, want %v", got, want)
	}
}

func TestIsRoleNotAssumable(t *testing.T) {
	t.Parallel()
	const msg = "The role defined for the function cannot be assumed by Lambda."
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"generic API error", &smithy.GenericAPIError{Code: "InvalidParameterValueException", Message: msg}, true},
		{"typed Lambda error", &lambdatypes.InvalidParameterValueException{Message: aws.String(msg)}, true},
		{"wrapped", fmt.Errorf("create function orders-api: %w", &smithy.GenericAPIError{Code: "InvalidParameterValueException", Message: msg}), true},
		{"other invalid parameter", &smithy.GenericAPIError{Code: "InvalidParameterValueException", Message: "Unzipped size must be smaller than 262144000 bytes"}, false},
		{"same words, other code", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: msg}, false},
		{"plain error with the message", errors.New(msg), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRoleNotAssumable(tt.err); got != tt.want {
				t.Errorf("IsRoleNotAssumable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

var (
	notAssumable = &smithy.GenericAPIError{Code: "InvalidParameterValueException", Message: "The role defined for the function cannot be assumed by Lambda."}
	noENIAccess  = &smithy.GenericAPIError{Code: "InvalidParameterValueException", Message: "The provided execution role does not have permissions to call CreateNetworkInterface on EC2"}
)

// fakeLambdaCall fails with errs in turn, then succeeds, counting its calls.
type fakeLambdaCall struct {
	errs  []error
	calls int
}

func (f *fakeLambdaCall) call(context.Context) error {
	f.calls++
	if f.calls <= len(f.errs) {
		return f.errs[f.calls-1]
	}
	return nil
}

// sleepRecorder stands in for the timer: it returns at once and keeps the waits.
type sleepRecorder struct{ waits []time.Duration }

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func (s *sleepRecorder) total() time.Duration {
	var sum time.Duration
	for _, d := range s.waits {
		sum += d
	}
	return sum
}

func TestRetryRolePropagationSucceedsOnceAssumable(t *testing.T) {
	t.Parallel()
	for _, failures := range []int{0, 1, 4} {
		t.Run(fmt.Sprintf("%d failures", failures), func(t *testing.T) {
			fn := &fakeLambdaCall{}
			for range failures {
				fn.errs = append(fn.errs, notAssumable)
			}
			var sl sleepRecorder
			err := RetryRolePropagation(t.Context(), fn.call, RetryOptions{RoleName: "r", Sleep: sl.sleep})
			if err != nil {
				t.Fatalf("RetryRolePropagation: %v", err)
			}
			if fn.calls != failures+1 || len(sl.waits) != failures {
				t.Errorf("%d calls and %d waits, want %d and %d", fn.calls, len(sl.waits), failures+1, failures)
			}
			for _, d := range sl.waits {
				if d < minRetryDelay || d > defaultMaxRetryDelay {
					t.Errorf("waited %s, want between %s and %s", d, minRetryDelay, defaultMaxRetryDelay)
				}
			}
		})
	}
}

func TestRetryRolePropagationGivesUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		maxWait time.Duration
		want    string
	}{
		{"not assumable", notAssumable, 0, "execution role orders-api-lamb-exec was still not assumable by Lambda after 60s"},
		{"no VPC permissions", noENIAccess, 0, "execution role orders-api-lamb-exec was still not allowed to create the network interfaces of a VPC function after 60s"},
		{"shorter bound", notAssumable, 5 * time.Second, "still not assumable by Lambda after 5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := &fakeLambdaCall{errs: slices.Repeat([]error{tt.err}, 1000)}
			var sl sleepRecorder
			err := RetryRolePropagation(t.Context(), fn.call, RetryOptions{RoleName: "orders-api-lamb-exec", MaxWait: tt.maxWait, Sleep: sl.sleep})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("error %v does not wrap Lambda's error", err)
			}
			wantTotal := tt.maxWait
			if wantTotal == 0 {
				wantTotal = DefaultRolePropagationWait
			}
			if sl.total() != wantTotal {
				t.Errorf("waited %s in all (%v), want exactly %s", sl.total(), sl.waits, wantTotal)
			}
			if fn.calls != len(sl.waits)+1 {
				t.Errorf("%d calls for %d waits: the last wait should be followed by a last try", fn.calls, len(sl.waits))
			}
		})
	}
}

func TestRetryRolePropagationStops(t *testing.T) {
	t.Parallel()
	other := &smithy.GenericAPIError{Code: "InvalidParameterValueException", Message: "Unzipped size must be smaller than 262144000 bytes"}

	t.Run("on another error", func(t *testing.T) {
		fn := &fakeLambdaCall{errs: []error{notAssumable, other}}
		var sl sleepRecorder
		err := RetryRolePropagation(t.Context(), fn.call, RetryOptions{RoleName: "r", Sleep: sl.sleep})
		if !errors.Is(err, other) || fn.calls != 2 {
			t.Errorf("error %v after %d calls, want the other error after 2", err, fn.calls)
		}
	})

	t.Run("when the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		fn := &fakeLambdaCall{errs: slices.Repeat([]error{notAssumable}, 10)}
		sleep := func(ctx context.Context, d time.Duration) error {
			cancel()
			return ctx.Err()
		}
		err := RetryRolePropagation(ctx, fn.call, RetryOptions{RoleName: "r", Sleep: sleep})
		if !errors.Is(err, context.Canceled) || fn.calls != 1 {
			t.Errorf("error %v after %d calls, want context.Canceled after 1", err, fn.calls)
		}
	})

	t.Run("with the real timer when the context ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		fn := &fakeLambdaCall{errs: []error{notAssumable}}
		if err := RetryRolePropagation(ctx, fn.call, RetryOptions{RoleName: "r"}); !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	})
}
