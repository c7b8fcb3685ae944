package limits

import (
	"strings"
	"testing"
)

func TestCheckInvokePermissions(t *testing.T) {
	t.Parallel()
	ok := InvokePermission{Field: "permissions[0]", Principal: "s3.amazonaws.com", SourceArn: "arn:aws:s3:::uploads", SourceAccount: "123456789012",
		Action: "lambda:InvokeFunction", Qualifier: "alias", StatementID: "lamb-0123456789abcdef"}
	with := func(change func(*InvokePermission)) InvokePermission {
		p := ok
		change(&p)
		return p
	}
	tests := []struct {
		name string
		ps   []InvokePermission
		// want lists severity and field of each finding, in order.
		want []string
		text string
	}{
		{"a bucket with its account", []InvokePermission{ok}, nil, ""},
		{"an account", []InvokePermission{with(func(p *InvokePermission) { p.Principal, p.SourceArn, p.SourceAccount = "123456789012", "", "" })}, nil, ""},
		{"a role", []InvokePermission{with(func(p *InvokePermission) { p.Principal, p.SourceArn = "arn:aws:iam::123456789012:role/caller", "" })}, nil, ""},
		{"a GovCloud root", []InvokePermission{with(func(p *InvokePermission) { p.Principal = "arn:aws-us-gov:iam::123456789012:root" })}, nil, ""},
		{"a topic", []InvokePermission{with(func(p *InvokePermission) {
			p.Principal, p.SourceArn, p.SourceAccount = "sns.amazonaws.com", "arn:aws:sns:us-east-1:123456789012:t", ""
		})}, nil, ""},
		{"a URL permission", []InvokePermission{with(func(p *InvokePermission) {
			p.Principal, p.SourceArn, p.SourceAccount, p.Action, p.FunctionURLAuthType = "123456789012", "", "", "lambda:InvokeFunctionUrl", "AWS_IAM"
		})}, nil, ""},
		{"an organization", []InvokePermission{with(func(p *InvokePermission) { p.PrincipalOrgID = "o-abcdefghij" })}, nil, ""},

		{"no principal", []InvokePermission{with(func(p *InvokePermission) { p.Principal = "" })}, []string{"error permissions[0].principal"}, "missing"},
		{"everyone", []InvokePermission{with(func(p *InvokePermission) { p.Principal = "*" })}, []string{"error permissions[0].principal"}, "anyone"},
		{"a service outside AWS", []InvokePermission{with(func(p *InvokePermission) { p.Principal = "s3.example.com" })}, []string{"error permissions[0].principal"}, "neither"},
		{"an 11-digit account", []InvokePermission{with(func(p *InvokePermission) { p.Principal = "12345678901" })}, []string{"error permissions[0].principal"}, "neither"},
		{"a 13-digit account", []InvokePermission{with(func(p *InvokePermission) { p.Principal = "1234567890123" })}, []string{"error permissions[0].principal"}, "neither"},
		{"an ARN that is no IAM principal", []InvokePermission{with(func(p *InvokePermission) { p.Principal = "arn:aws:s3:::uploads" })}, []string{"error permissions[0].principal"}, "neither"},
		{"a source that is no ARN", []InvokePermission{with(func(p *InvokePermission) { p.SourceArn = "uploads" })}, []string{"error permissions[0].sourceArn"}, "not an ARN"},
		{"a short source account", []InvokePermission{with(func(p *InvokePermission) { p.SourceAccount = "12345" })}, []string{"error permissions[0].sourceAccount"}, "12-digit"},
		{"a wildcard action", []InvokePermission{with(func(p *InvokePermission) { p.Action = "lambda:*" })}, []string{"error permissions[0].action"}, "not a Lambda action"},
		{"an action of another service", []InvokePermission{with(func(p *InvokePermission) { p.Action = "s3:GetObject" })}, []string{"error permissions[0].action"}, "not a Lambda action"},
		{"a short organization", []InvokePermission{with(func(p *InvokePermission) { p.PrincipalOrgID = "o-abc" })}, []string{"error permissions[0].principalOrgId"}, "organization"},
		{"a URL auth type on InvokeFunction", []InvokePermission{with(func(p *InvokePermission) { p.FunctionURLAuthType = "NONE" })}, []string{"error permissions[0].functionUrlAuthType"}, "InvokeFunctionUrl"},
		{"a bucket without ARN", []InvokePermission{with(func(p *InvokePermission) { p.SourceArn = "" })}, []string{"error permissions[0].sourceArn"}, "any bucket"},
		{"a bucket without account", []InvokePermission{with(func(p *InvokePermission) { p.SourceAccount = "" })}, []string{"warning permissions[0].sourceAccount"}, "another account"},
		{"a statement ID of 100 characters", []InvokePermission{with(func(p *InvokePermission) { p.StatementID = strings.Repeat("a", 100) })}, nil, ""},
		{"a statement ID of 101 characters", []InvokePermission{with(func(p *InvokePermission) { p.StatementID = strings.Repeat("a", 101) })}, []string{"error permissions[0]"}, "at most 100"},
		{"a statement ID with a space", []InvokePermission{with(func(p *InvokePermission) { p.StatementID = "lamb 1" })}, []string{"error permissions[0]"}, "statement ID"},
		{"the same entry twice", []InvokePermission{ok, with(func(p *InvokePermission) { p.Field = "permissions[1]" })}, []string{"error permissions[1]"}, "same permission as permissions[0]"},
		{"the same entry on the alias and the function", []InvokePermission{ok, with(func(p *InvokePermission) { p.Field, p.Qualifier = "permissions[1]", "function" })}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := CheckInvokePermissions(tt.ps)
			var got []string
			for _, f := range fs {
				got = append(got, string(f.Severity)+" "+f.Field)
				if f.Check != "invokePermissions" || f.Hint == "" && f.Measured == nil {
					t.Errorf("finding %+v: want check invokePermissions and a hint", f)
				}
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Fatalf("findings = %q, want %q (%+v)", got, tt.want, fs)
			}
			if tt.text != "" && !strings.Contains(fs[0].Message, tt.text) {
				t.Errorf("message %q, want it to say %q", fs[0].Message, tt.text)
			}
		})
	}
}

func TestCheckLogRetention(t *testing.T) {
	t.Parallel()
	for _, days := range RetentionDays {
		if fs := CheckLogRetention(&days); len(fs) != 0 {
			t.Errorf("%d days: %+v, want it accepted", days, fs)
		}
	}
	if fs := CheckLogRetention(nil); len(fs) != 0 {
		t.Errorf("unset: %+v", fs)
	}
	tests := []struct {
		days int
		hint string
	}{
		{0, "set it to 1 (the nearest allowed)"},
		{2, "set it to 1 or 3 (the nearest allowed)"},
		{10, "set it to 7 or 14 (the nearest allowed)"},
		{366, "set it to 365 or 400 (the nearest allowed)"},
		{1095, "set it to 731 or 1096 (the nearest allowed)"},
		{3654, "set it to 3653 (the nearest allowed)"},
	}
	for _, tt := range tests {
		fs := CheckLogRetention(&tt.days)
		if len(fs) != 1 || fs[0].Severity != SeverityError || fs[0].Field != "logs.retentionDays" || !strings.HasPrefix(fs[0].Hint, tt.hint) {
			t.Errorf("%d days: %+v, want an error hinting %q", tt.days, fs, tt.hint)
		}
	}
}
