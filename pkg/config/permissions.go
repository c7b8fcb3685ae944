package config

import "go.yaml.in/yaml/v3"

// Defaults of an invoke permission.
const (
	DefaultPermissionQualifier = "alias"
	DefaultPermissionAction    = "lambda:InvokeFunction"
)

// Qualifiers of an invoke permission.
const (
	QualifierAlias    = "alias"
	QualifierFunction = "function"
)

// Permission lets a principal invoke the function: one statement of the
// function's resource-based policy, on the deploy alias or on the function
// itself.
type Permission struct {
	Principal     string `json:"principal" lamb:"principal" doc:"Who may invoke: a service principal such as s3.amazonaws.com, sns.amazonaws.com, events.amazonaws.com or apigateway.amazonaws.com, a 12-digit account ID, or an IAM ARN (role, user, account root)."`
	SourceArn     string `json:"sourceArn,omitempty" lamb:"sourceArn" doc:"ARN of the resource allowed to invoke (bucket, topic, rule, API); required for s3.amazonaws.com."`
	SourceAccount string `json:"sourceAccount,omitempty" lamb:"sourceAccount" doc:"12-digit account that must own the source; recommended with s3.amazonaws.com, whose bucket ARNs name no account."`
	// Qualifier is alias (the deploy alias) or function (unqualified).
	Qualifier      string `json:"qualifier" lamb:"qualifier,enum=alias|function,default=alias" doc:"alias: the statement is on the deploy alias, which callers then invoke by its ARN; function: on the function itself (its unqualified ARN)."`
	Action         string `json:"action" lamb:"action,default=lambda:InvokeFunction" doc:"The Lambda action allowed, e.g. lambda:InvokeFunction (the default) or lambda:InvokeFunctionUrl."`
	PrincipalOrgID string `json:"principalOrgId,omitempty" lamb:"principalOrgId" doc:"Only principals of this AWS Organizations organization (o-...) may invoke."`
	// FunctionURLAuthType goes with action lambda:InvokeFunctionUrl.
	FunctionURLAuthType string `json:"functionUrlAuthType,omitempty" lamb:"functionUrlAuthType,enum=AWS_IAM|NONE" doc:"With action lambda:InvokeFunctionUrl: the auth type of the function URL the statement applies to."`
}

// Logs are the settings of the function's CloudWatch Logs log group.
type Logs struct {
	// RetentionDays is nil when unset: lamb leaves the retention alone.
	RetentionDays *int `json:"retentionDays,omitempty" lamb:"retentionDays,count" doc:"Days the log group keeps events: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653. lamb deploy creates the group when missing; leave the key out to keep the retention as it is."`
}

// permissions reads a function's permissions list; validation has checked
// its shape.
func permissions(n *yaml.Node) []Permission {
	if isNull(n) || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]Permission, 0, len(n.Content))
	for _, item := range n.Content {
		out = append(out, Permission{
			Principal:           text(lookup(item, "principal")),
			SourceArn:           text(lookup(item, "sourceArn")),
			SourceAccount:       text(lookup(item, "sourceAccount")),
			Qualifier:           or(text(lookup(item, "qualifier")), DefaultPermissionQualifier),
			Action:              or(text(lookup(item, "action")), DefaultPermissionAction),
			PrincipalOrgID:      text(lookup(item, "principalOrgId")),
			FunctionURLAuthType: text(lookup(item, "functionUrlAuthType")),
		})
	}
	return out
}
