package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/config"
)

// PolicyReader reads a function's resource-based policy; lamb plan needs
// nothing more to say what the permissions step would change.
type PolicyReader interface {
	GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, optFns ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
}

// PermissionsAPI lists the Lambda calls that keep a function's invoke
// permissions in sync with lamb.yaml.
type PermissionsAPI interface {
	PolicyReader
	AddPermission(ctx context.Context, in *lambda.AddPermissionInput, optFns ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error)
	RemovePermission(ctx context.Context, in *lambda.RemovePermissionInput, optFns ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error)
	OwnershipAPI
}

var _ PermissionsAPI = (*lambda.Client)(nil)

// The OwnershipTag tokens that say lamb added statements to the deploy
// alias's policy, and to the function's own. lamb reads only the policies
// that lamb.yaml wants statements in or that lamb added some to.
const (
	ownPermissions         = "permissions"
	ownFunctionPermissions = "function-permissions"
)

// policies are the two policies entries go to: the deploy alias's, and the
// function's own (unqualified).
var policies = []struct{ qualifier, token string }{
	{config.QualifierAlias, ownPermissions},
	{config.QualifierFunction, ownFunctionPermissions},
}

// statementPrefix starts the statement IDs lamb derives; what follows is
// statementHashLen hex digits, so that lamb's other statements (the public
// function URL's) and anyone else's are never taken for one of these.
const (
	statementPrefix  = "lamb-"
	statementHashLen = 16
)

var lambStatement = regexp.MustCompile(`^` + statementPrefix + `[0-9a-f]{16}$`)

// StatementID is the ID of the statement that grants p: "lamb-" and a hash
// of what the statement says, so that an unchanged entry keeps its
// statement and a changed one gets a new statement in place of the old.
// The qualifier is left out: each qualifier has a policy of its own.
func StatementID(p config.Permission) string {
	h := sha256.New()
	for _, part := range []string{p.Principal, p.SourceArn, p.SourceAccount, p.Action, p.PrincipalOrgID, p.FunctionURLAuthType} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return statementPrefix + hex.EncodeToString(h.Sum(nil))[:statementHashLen]
}

// PermissionsSpec is what lamb.yaml asks of the function's resource-based
// policies, with the function as read.
type PermissionsSpec struct {
	// Function is the AWS function name; FunctionARN names it when lamb
	// updates its ownership record.
	Function    string
	FunctionARN string
	// Alias is the deploy alias, whose policy holds the entries with
	// qualifier alias.
	Alias string
	// New says the function did not exist when it was read: there is no
	// policy to read.
	New bool
	// Tags are the function's tags as read (OwnershipTag among them).
	Tags        map[string]string
	Permissions []config.Permission
}

// PermissionsFrom maps a lamb.yaml function and its state as read onto
// the permissions to keep.
func PermissionsFrom(fn *config.Function, r Remote) PermissionsSpec {
	s := PermissionsSpec{Function: fn.Name, Alias: fn.Deploy.Alias, New: !r.Exists, Tags: r.Tags, Permissions: fn.Permissions}
	if r.Latest != nil {
		s.FunctionARN = aws.ToString(r.Latest.FunctionArn)
	}
	return s
}

// None reports whether there is nothing to keep: lamb.yaml lists no
// permission and lamb added none earlier. Then nothing is read.
func (s PermissionsSpec) None() bool {
	for _, p := range policies {
		if s.wants(p.qualifier) || ownsToken(s.Tags, p.token) {
			return false
		}
	}
	return true
}

// wants reports whether lamb.yaml lists an entry for the policy of
// qualifier.
func (s PermissionsSpec) wants(qualifier string) bool {
	return slices.ContainsFunc(s.Permissions, func(p config.Permission) bool { return p.Qualifier == qualifier })
}

// statementOp adds or removes one statement.
type statementOp struct {
	add    *lambda.AddPermissionInput
	remove *lambda.RemovePermissionInput
	change Change
}

// PlanPermissions returns what SyncPermissions would change, from reads
// only: the policy of the alias and of the function, when there is a
// function to read.
func PlanPermissions(ctx context.Context, api PolicyReader, spec PermissionsSpec) ([]Change, error) {
	ops, err := planPermissions(ctx, api, spec)
	changes := []Change{}
	for _, op := range ops {
		changes = append(changes, op.change)
	}
	return changes, err
}

// SyncPermissions makes the function's invoke permissions match lamb.yaml:
// a statement is added for each entry whose statement is missing, and each
// statement lamb added (a "lamb-" ID of 16 hex digits) that no entry asks
// for is removed, after the additions so that a changed entry is never
// missing in between. Other statements are left alone. It returns the
// changes made, and stops at the first failure.
func SyncPermissions(ctx context.Context, api PermissionsAPI, spec PermissionsSpec) ([]Change, error) {
	ops, err := planPermissions(ctx, api, spec)
	if err != nil {
		return nil, err
	}
	changes := []Change{}
	var failed error
	for _, op := range ops {
		if failed = ctx.Err(); failed != nil {
			break
		}
		if op.add != nil {
			if _, err := api.AddPermission(ctx, op.add); err != nil {
				failed = fmt.Errorf("let %s invoke %s (AddPermission %s): %w", aws.ToString(op.add.Principal), where(spec.Function, op.add.Qualifier), aws.ToString(op.add.StatementId), err)
				break
			}
		} else {
			_, err := api.RemovePermission(ctx, op.remove)
			if err != nil && !isNotFound(err) {
				failed = fmt.Errorf("remove statement %s from the policy of %s (RemovePermission): %w", aws.ToString(op.remove.StatementId), where(spec.Function, op.remove.Qualifier), err)
				break
			}
		}
		changes = append(changes, op.change)
	}
	// lamb owns a policy's statements while lamb.yaml wants some there;
	// after a failure it keeps what it owned, so that the next deploy
	// looks again.
	record := map[string]bool{}
	for _, p := range policies {
		before := ownsToken(spec.Tags, p.token)
		owned := spec.wants(p.qualifier) || (failed != nil && before)
		if owned != before {
			record[p.token] = owned
		}
	}
	if len(record) > 0 {
		failed = errors.Join(failed, recordOwnership(ctx, api, spec.Function, spec.FunctionARN, record))
	}
	return changes, failed
}

func where(function string, qualifier *string) string {
	if q := aws.ToString(qualifier); q != "" {
		return function + ":" + q
	}
	return function
}

// planPermissions compares each policy with the entries meant for it:
// additions first, then removals.
func planPermissions(ctx context.Context, api PolicyReader, spec PermissionsSpec) ([]statementOp, error) {
	if spec.None() {
		return nil, nil
	}
	var adds, removes []statementOp
	for _, policy := range policies {
		if !spec.wants(policy.qualifier) && !ownsToken(spec.Tags, policy.token) {
			continue
		}
		name, label := aws.String(spec.Alias), "alias "+spec.Alias
		if policy.qualifier == config.QualifierFunction {
			name, label = nil, "the function"
		}
		have, err := readStatements(ctx, api, spec, name)
		if err != nil {
			return nil, err
		}
		wanted := map[string]bool{}
		for _, p := range spec.Permissions {
			if p.Qualifier != policy.qualifier {
				continue
			}
			sid := StatementID(p)
			if wanted[sid] {
				continue
			}
			wanted[sid] = true
			if _, ok := have[sid]; ok {
				continue
			}
			adds = append(adds, statementOp{
				add:    addInput(spec.Function, name, sid, p),
				change: Change{Field: "permissions." + sid, New: describePermission(p) + " on " + label},
			})
		}
		for _, sid := range slices.Sorted(maps.Keys(have)) {
			if wanted[sid] || !lambStatement.MatchString(sid) {
				continue
			}
			removes = append(removes, statementOp{
				remove: &lambda.RemovePermissionInput{FunctionName: aws.String(spec.Function), Qualifier: name, StatementId: aws.String(sid)},
				change: Change{Field: "permissions." + sid, Old: describePermission(have[sid]) + " on " + label},
			})
		}
	}
	return append(adds, removes...), nil
}

func addInput(function string, qualifier *string, sid string, p config.Permission) *lambda.AddPermissionInput {
	in := &lambda.AddPermissionInput{
		FunctionName: aws.String(function), Qualifier: qualifier, StatementId: aws.String(sid),
		Principal: aws.String(p.Principal), Action: aws.String(p.Action),
		FunctionUrlAuthType: lambdatypes.FunctionUrlAuthType(p.FunctionURLAuthType),
	}
	if p.SourceArn != "" {
		in.SourceArn = aws.String(p.SourceArn)
	}
	if p.SourceAccount != "" {
		in.SourceAccount = aws.String(p.SourceAccount)
	}
	if p.PrincipalOrgID != "" {
		in.PrincipalOrgID = aws.String(p.PrincipalOrgID)
	}
	return in
}

// describePermission says what a statement grants, for plans and reports.
func describePermission(p config.Permission) string {
	s := p.Principal
	if p.SourceArn != "" {
		s += " from " + p.SourceArn
	}
	if p.SourceAccount != "" {
		s += " of account " + p.SourceAccount
	}
	if p.PrincipalOrgID != "" {
		s += " in organization " + p.PrincipalOrgID
	}
	if p.Action != "" && p.Action != config.DefaultPermissionAction {
		s += " (" + p.Action + ")"
	}
	return s
}

// readStatements returns the statements of the function's policy (the
// alias's, or the function's when qualifier is nil) by ID, each read back
// into the entry that would have made it. A missing function, alias or
// policy has none.
func readStatements(ctx context.Context, api PolicyReader, spec PermissionsSpec, qualifier *string) (map[string]config.Permission, error) {
	if spec.New {
		return nil, nil
	}
	out, err := api.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(spec.Function), Qualifier: qualifier})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read resource policy of %s: %w", where(spec.Function, qualifier), err)
	}
	var doc struct {
		Statement []resourceStatement
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		return nil, fmt.Errorf("read resource policy of %s: %w", where(spec.Function, qualifier), err)
	}
	have := make(map[string]config.Permission, len(doc.Statement))
	for _, st := range doc.Statement {
		have[st.Sid] = st.permission()
	}
	return have, nil
}

// resourceStatement is a statement of a Lambda resource-based policy as
// GetPolicy returns it.
type resourceStatement struct {
	Sid       string
	Principal json.RawMessage
	Action    json.RawMessage
	Condition map[string]map[string]json.RawMessage
}

func (st resourceStatement) permission() config.Permission {
	p := config.Permission{Principal: principalText(st.Principal), Action: firstText(st.Action)}
	for op, kv := range st.Condition {
		for k, v := range kv {
			switch {
			case strings.EqualFold(k, "AWS:SourceArn"):
				p.SourceArn = firstText(v)
			case strings.EqualFold(k, "AWS:SourceAccount"):
				p.SourceAccount = firstText(v)
			case strings.EqualFold(k, "aws:PrincipalOrgID"):
				p.PrincipalOrgID = firstText(v)
			case strings.EqualFold(k, "lambda:FunctionUrlAuthType") && op == "StringEquals":
				p.FunctionURLAuthType = firstText(v)
			}
		}
	}
	return p
}

// principalText reads "*", {"Service": "s3.amazonaws.com"} or {"AWS": ARN}.
func principalText(raw json.RawMessage) string {
	var byKind map[string]json.RawMessage
	if json.Unmarshal(raw, &byKind) == nil {
		for _, kind := range []string{"Service", "AWS"} {
			if v, ok := byKind[kind]; ok {
				return firstText(v)
			}
		}
	}
	return firstText(raw)
}

// firstText reads a JSON string, or the first of a list of them.
func firstText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}
