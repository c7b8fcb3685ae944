package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
)

func s3Permission() config.Permission {
	return config.Permission{Principal: "s3.amazonaws.com", SourceArn: "arn:aws:s3:::uploads", SourceAccount: "123456789012",
		Qualifier: config.QualifierAlias, Action: config.DefaultPermissionAction}
}

// TestStatementIDIsStable pins the derivation: a deployed statement keeps
// its ID across lamb versions, or every deploy after an upgrade would
// rewrite every statement.
func TestStatementIDIsStable(t *testing.T) {
	t.Parallel()
	p := s3Permission()
	if got := StatementID(p); got != "lamb-8c0f7b04cacff171" {
		t.Errorf("StatementID = %s; changing the derivation replaces every deployed statement", got)
	}
	same := p
	same.Qualifier = config.QualifierFunction
	if StatementID(same) != StatementID(p) {
		t.Error("the qualifier changed the ID: each qualifier has a policy of its own, the ID need not tell them apart")
	}
	for name, change := range map[string]func(*config.Permission){
		"principal":           func(p *config.Permission) { p.Principal = "sns.amazonaws.com" },
		"sourceArn":           func(p *config.Permission) { p.SourceArn = "arn:aws:s3:::downloads" },
		"sourceAccount":       func(p *config.Permission) { p.SourceAccount = "210987654321" },
		"action":              func(p *config.Permission) { p.Action = "lambda:InvokeFunctionUrl" },
		"principalOrgId":      func(p *config.Permission) { p.PrincipalOrgID = "o-abcdefghij" },
		"functionUrlAuthType": func(p *config.Permission) { p.FunctionURLAuthType = "AWS_IAM" },
		// Fields run together must not collide: "ab"+"c" is not "a"+"bc".
		"boundary": func(p *config.Permission) { p.Principal, p.SourceArn = p.Principal+"arn:aws:s3:::", "uploads" },
	} {
		changed := p
		change(&changed)
		if StatementID(changed) == StatementID(p) {
			t.Errorf("a different %s kept the ID %s", name, StatementID(p))
		}
	}
	long := p
	long.SourceArn = "arn:aws:s3:::" + strings.Repeat("b", 1000)
	id := StatementID(long)
	if len(id) > limits.StatementIDMax || !regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`).MatchString(id) || !lambStatement.MatchString(id) {
		t.Errorf("StatementID = %q: not one AddPermission takes, or not recognised as lamb's", id)
	}
	for _, other := range []string{sidPublicURL, sidPublicInvoke, "manual", "lamb-0123456789abcdeg", "lamb-0123456789abcdef0", "xlamb-0123456789abcdef"} {
		if lambStatement.MatchString(other) {
			t.Errorf("%q is taken for a statement lamb derives, and would be removed", other)
		}
	}
}

// scriptedPermissions adds the ownership reads to scriptedExtras.
type scriptedPermissions struct{ *scriptedExtras }

func (s scriptedPermissions) ListTags(_ context.Context, in *lambda.ListTagsInput, _ ...func(*lambda.Options)) (*lambda.ListTagsOutput, error) {
	return scriptedAnswer[lambda.ListTagsOutput](s.scriptedExtras, "ListTags", in)
}

var _ PermissionsAPI = scriptedPermissions{}

// policyOf is a GetPolicy answer holding statements as Lambda writes them.
func policyOf(t *testing.T, statements ...map[string]any) *lambda.GetPolicyOutput {
	t.Helper()
	doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Id": "default", "Statement": statements})
	if err != nil {
		t.Fatal(err)
	}
	return &lambda.GetPolicyOutput{Policy: aws.String(string(doc))}
}

func statement(sid, service, sourceArn string) map[string]any {
	st := map[string]any{"Sid": sid, "Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "lambda:InvokeFunction",
		"Resource": fnARN + ":live"}
	if sourceArn != "" {
		st["Condition"] = map[string]any{"ArnLike": map[string]any{"AWS:SourceArn": sourceArn}}
	}
	return st
}

// TestSyncPermissionsKeepsEachPolicyApart runs what moto cannot show: the
// alias's policy and the function's are two, an entry that moves from one
// to the other is added to the new one before it leaves the old, and only
// lamb's derived statements are ever removed.
func TestSyncPermissionsKeepsEachPolicyApart(t *testing.T) {
	t.Parallel()
	s3 := s3Permission()
	sns := config.Permission{Principal: "sns.amazonaws.com", SourceArn: "arn:aws:sns:us-east-1:123456789012:t", Qualifier: config.QualifierFunction, Action: config.DefaultPermissionAction}
	s3ID, snsID := StatementID(s3), StatementID(sns)
	gone := StatementID(config.Permission{Principal: "events.amazonaws.com", Action: config.DefaultPermissionAction})
	api := scriptedPermissions{&scriptedExtras{t: t, script: []scripted{
		// The alias's policy: the sns entry was there before it moved, s3
		// is missing, and two statements are not lamb's to remove.
		{op: "GetPolicy", out: policyOf(t, statement(snsID, "sns.amazonaws.com", sns.SourceArn), statement(sidPublicURL, "*", ""), statement("manual", "events.amazonaws.com", ""))},
		// The function's: an entry lamb added and lamb.yaml dropped.
		{op: "GetPolicy", out: policyOf(t, statement(gone, "events.amazonaws.com", ""))},
		{op: "AddPermission"},
		{op: "AddPermission"},
		{op: "RemovePermission"},
		{op: "RemovePermission", err: notFound()}, // already gone: fine
		// The URL's token, written by the step before, survives.
		{op: "ListTags", out: &lambda.ListTagsOutput{Tags: map[string]string{OwnershipTag: "permissions url"}}},
		{op: "TagResource"},
	}}}
	spec := PermissionsSpec{Function: "fn", FunctionARN: fnARN, Alias: "live", Tags: map[string]string{OwnershipTag: "permissions"},
		Permissions: []config.Permission{s3, sns}}
	changes, err := SyncPermissions(t.Context(), api, spec)
	if err != nil {
		t.Fatal(err)
	}
	api.done()
	in := api.inputs
	if a := in[0].(*lambda.GetPolicyInput); aws.ToString(a.Qualifier) != "live" {
		t.Errorf("first policy read: qualifier %q, want the alias", aws.ToString(a.Qualifier))
	}
	if f := in[1].(*lambda.GetPolicyInput); f.Qualifier != nil {
		t.Errorf("second policy read: qualifier %q, want the function's own", aws.ToString(f.Qualifier))
	}
	add := in[2].(*lambda.AddPermissionInput)
	if aws.ToString(add.Qualifier) != "live" || aws.ToString(add.StatementId) != s3ID || aws.ToString(add.Principal) != "s3.amazonaws.com" ||
		aws.ToString(add.SourceArn) != s3.SourceArn || aws.ToString(add.SourceAccount) != s3.SourceAccount || aws.ToString(add.Action) != "lambda:InvokeFunction" {
		t.Errorf("first AddPermission = %+v, want the s3 entry on the alias", add)
	}
	if add := in[3].(*lambda.AddPermissionInput); add.Qualifier != nil || aws.ToString(add.StatementId) != snsID {
		t.Errorf("second AddPermission = %+v, want the sns entry on the function", add)
	}
	if rm := in[4].(*lambda.RemovePermissionInput); aws.ToString(rm.Qualifier) != "live" || aws.ToString(rm.StatementId) != snsID {
		t.Errorf("first RemovePermission = %+v, want the sns entry off the alias", rm)
	}
	if rm := in[5].(*lambda.RemovePermissionInput); rm.Qualifier != nil || aws.ToString(rm.StatementId) != gone {
		t.Errorf("second RemovePermission = %+v, want the dropped entry off the function", rm)
	}
	if tag := in[7].(*lambda.TagResourceInput); tag.Tags[OwnershipTag] != "function-permissions permissions url" {
		t.Errorf("ownership record = %q", tag.Tags[OwnershipTag])
	}
	want := "permissions." + s3ID + ": s3.amazonaws.com from arn:aws:s3:::uploads of account 123456789012 on alias live; " +
		"permissions." + snsID + ": sns.amazonaws.com from arn:aws:sns:us-east-1:123456789012:t on the function; " +
		"permissions." + snsID + ": sns.amazonaws.com from arn:aws:sns:us-east-1:123456789012:t on alias live → (unset); " +
		"permissions." + gone + ": events.amazonaws.com on the function → (unset)"
	if got := fields(changes); got != want {
		t.Errorf("changes:\n%s\nwant\n%s", got, want)
	}
}

func TestSyncPermissionsReadsOnlyThePoliciesLambUses(t *testing.T) {
	t.Parallel()
	s3 := s3Permission()
	t.Run("unchanged: one read, no write", func(t *testing.T) {
		t.Parallel()
		api := scriptedPermissions{&scriptedExtras{t: t, script: []scripted{
			{op: "GetPolicy", out: policyOf(t, statement(StatementID(s3), "s3.amazonaws.com", s3.SourceArn))},
		}}}
		spec := PermissionsSpec{Function: "fn", FunctionARN: fnARN, Alias: "live", Tags: map[string]string{OwnershipTag: "permissions"}, Permissions: []config.Permission{s3}}
		changes, err := SyncPermissions(t.Context(), api, spec)
		api.done()
		if err != nil || len(changes) != 0 {
			t.Errorf("changes %v, err %v; want none", changes, err)
		}
	})
	t.Run("none listed, none owned: nothing read", func(t *testing.T) {
		t.Parallel()
		api := scriptedPermissions{&scriptedExtras{t: t}}
		spec := PermissionsSpec{Function: "fn", FunctionARN: fnARN, Alias: "live", Tags: map[string]string{OwnershipTag: "url"}}
		if !spec.None() {
			t.Error("None() = false")
		}
		if _, err := SyncPermissions(t.Context(), api, spec); err != nil {
			t.Error(err)
		}
	})
	t.Run("all left lamb.yaml: removed, and the record dropped", func(t *testing.T) {
		t.Parallel()
		api := scriptedPermissions{&scriptedExtras{t: t, script: []scripted{
			{op: "GetPolicy", out: policyOf(t, statement(StatementID(s3), "s3.amazonaws.com", s3.SourceArn))},
			{op: "RemovePermission"},
			{op: "ListTags", out: &lambda.ListTagsOutput{Tags: map[string]string{OwnershipTag: "permissions"}}},
			{op: "UntagResource"},
		}}}
		spec := PermissionsSpec{Function: "fn", FunctionARN: fnARN, Alias: "live", Tags: map[string]string{OwnershipTag: "permissions"}}
		if _, err := SyncPermissions(t.Context(), api, spec); err != nil {
			t.Fatal(err)
		}
		api.done()
		if un := api.inputs[3].(*lambda.UntagResourceInput); un.TagKeys[0] != OwnershipTag {
			t.Errorf("untag %v", un.TagKeys)
		}
	})
	t.Run("a new function: nothing to read, the record written", func(t *testing.T) {
		t.Parallel()
		api := scriptedPermissions{&scriptedExtras{t: t, script: []scripted{
			{op: "AddPermission"},
			{op: "ListTags", out: &lambda.ListTagsOutput{}},
			{op: "TagResource"},
		}}}
		spec := PermissionsSpec{Function: "fn", FunctionARN: fnARN, Alias: "live", New: true, Permissions: []config.Permission{s3}}
		if _, err := SyncPermissions(t.Context(), api, spec); err != nil {
			t.Fatal(err)
		}
		api.done()
	})
}

// TestSyncPermissionsFailureKeepsTheRecord: an addition that fails stops
// the sync, names the statement, and lamb still owns what it owned.
func TestSyncPermissionsFailureKeepsTheRecord(t *testing.T) {
	t.Parallel()
	s3 := s3Permission()
	old := StatementID(config.Permission{Principal: "sns.amazonaws.com", Action: config.DefaultPermissionAction})
	denied := errors.New("AccessDeniedException: not authorized to perform lambda:AddPermission")
	api := scriptedPermissions{&scriptedExtras{t: t, script: []scripted{
		{op: "GetPolicy", out: policyOf(t, statement(old, "sns.amazonaws.com", ""))},
		{op: "AddPermission", err: denied},
	}}}
	spec := PermissionsSpec{Function: "fn", FunctionARN: fnARN, Alias: "live", Tags: map[string]string{OwnershipTag: "permissions"}, Permissions: []config.Permission{s3}}
	changes, err := SyncPermissions(t.Context(), api, spec)
	api.done()
	if !errors.Is(err, denied) || !strings.Contains(err.Error(), StatementID(s3)) || !strings.Contains(err.Error(), "fn:live") {
		t.Errorf("err = %v, want the denial naming the statement and fn:live", err)
	}
	if len(changes) != 0 {
		t.Errorf("changes = %v; the old statement must stay until the new one is in", changes)
	}
}
