package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestPermissionsAndLogsAreRead(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `functions:
  api:
    permissions:
      - {principal: s3.amazonaws.com, sourceArn: "arn:aws:s3:::uploads", sourceAccount: "123456789012"}
      - {principal: "arn:aws:iam::123456789012:role/caller", qualifier: function, action: lambda:InvokeFunctionUrl, functionUrlAuthType: AWS_IAM}
    logs: {retentionDays: 14}
  quiet: {}
`, LoadOptions{})
	api := fn(t, c, "api")
	want := []Permission{
		{Principal: "s3.amazonaws.com", SourceArn: "arn:aws:s3:::uploads", SourceAccount: "123456789012", Qualifier: "alias", Action: "lambda:InvokeFunction"},
		{Principal: "arn:aws:iam::123456789012:role/caller", Qualifier: "function", Action: "lambda:InvokeFunctionUrl", FunctionURLAuthType: "AWS_IAM"},
	}
	if !reflect.DeepEqual(api.Permissions, want) {
		t.Errorf("permissions = %+v, want %+v", api.Permissions, want)
	}
	if r := api.Logs.RetentionDays; r == nil || *r != 14 {
		t.Errorf("logs.retentionDays = %v, want 14", r)
	}
	quiet := fn(t, c, "quiet")
	if quiet.Permissions != nil || quiet.Logs.RetentionDays != nil {
		t.Errorf("a function without them: permissions %v, retention %v; want none", quiet.Permissions, quiet.Logs.RetentionDays)
	}
}

func TestPermissionsShapeProblems(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, doc, want string }{
		{"not a list", "functions: {api: {permissions: {principal: s3.amazonaws.com}}}", "functions.api.permissions: expected a list, got a mapping"},
		{"an item that is text", "functions: {api: {permissions: [s3.amazonaws.com]}}", "functions.api.permissions[0]: expected a mapping"},
		{"an unknown key", "functions: {api: {permissions: [{principal: s3.amazonaws.com, sourceARN: x}]}}", `functions.api.permissions[0].sourceARN: unknown key (did you mean "sourceArn"?)`},
		{"a qualifier lamb does not know", "functions: {api: {permissions: [{principal: s3.amazonaws.com, qualifier: latest}]}}", "functions.api.permissions[0].qualifier: expected alias or function"},
		{"retention in words", "functions: {api: {logs: {retentionDays: two weeks}}}", "functions.api.logs.retentionDays: expected a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.doc, LoadOptions{})
			ps := problems(t, err)
			var msgs []string
			for _, p := range ps {
				msgs = append(msgs, p.Path+": "+p.Message)
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tt.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", strings.Join(msgs, "\n"), tt.want)
			}
		})
	}
}
