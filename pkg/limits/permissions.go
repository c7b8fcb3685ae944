package limits

import (
	"fmt"
	"regexp"
	"strings"
)

// StatementIDMax is the longest statement ID AddPermission takes.
const StatementIDMax = 100

// InvokePermission is one entry of a function's permissions, with the
// statement ID lamb derives from it.
type InvokePermission struct {
	// Field is its lamb.yaml path, e.g. permissions[0].
	Field                                          string
	Principal, SourceArn, SourceAccount, Action    string
	PrincipalOrgID, FunctionURLAuthType, Qualifier string
	StatementID                                    string
}

var (
	servicePrincipal = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$`)
	accountID        = regexp.MustCompile(`^[0-9]{12}$`)
	// An IAM principal: an account's root, a role, a user, an assumed role.
	iamPrincipal = regexp.MustCompile(`^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:\S+$`)
	lambdaAction = regexp.MustCompile(`^lambda:[A-Za-z]+$`)
	orgID        = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	// The statement ID AddPermission accepts.
	statementID = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)
)

// CheckInvokePermissions checks what Lambda would refuse in a function's
// invoke permissions, and what would let others invoke it: a bucket
// notification with no bucket named, or without the account that owns it.
func CheckInvokePermissions(ps []InvokePermission) []Finding {
	var fs []Finding
	bad := func(field, msg, hint string) {
		fs = append(fs, Finding{Check: "invokePermissions", Severity: SeverityError, Field: field, Message: field + ": " + msg, Hint: hint})
	}
	seen := map[string]string{}
	for _, p := range ps {
		principal := p.Field + ".principal"
		switch {
		case p.Principal == "":
			bad(principal, "missing: a permission names who may invoke the function", "set principal to a service (s3.amazonaws.com), an account ID or an IAM ARN")
		case p.Principal == "*":
			bad(principal, "* would let anyone invoke the function", "name the service, account or role; a public endpoint is a functionUrl with authType NONE and public: true")
		case !servicePrincipal.MatchString(p.Principal) && !accountID.MatchString(p.Principal) && !iamPrincipal.MatchString(p.Principal):
			bad(principal, fmt.Sprintf("%q is neither a service principal, a 12-digit account ID nor an IAM ARN", p.Principal),
				"write e.g. s3.amazonaws.com, 123456789012 or arn:aws:iam::123456789012:role/caller")
		}
		if p.SourceArn != "" && !strings.HasPrefix(p.SourceArn, "arn:") {
			bad(p.Field+".sourceArn", fmt.Sprintf("%q is not an ARN", p.SourceArn), "write the ARN of the bucket, topic, rule or API that invokes the function, e.g. arn:aws:s3:::uploads")
		}
		if p.SourceAccount != "" && !accountID.MatchString(p.SourceAccount) {
			bad(p.Field+".sourceAccount", fmt.Sprintf("%q is not a 12-digit account ID", p.SourceAccount), "write the ID of the account that owns the source, e.g. 123456789012")
		}
		if !lambdaAction.MatchString(p.Action) {
			bad(p.Field+".action", fmt.Sprintf("%q is not a Lambda action", p.Action), "write lambda:InvokeFunction, or lambda:InvokeFunctionUrl for a function URL")
		}
		if p.PrincipalOrgID != "" && !orgID.MatchString(p.PrincipalOrgID) {
			bad(p.Field+".principalOrgId", fmt.Sprintf("%q is not an organization ID", p.PrincipalOrgID), "write the ID of the AWS Organizations organization, o- and 10 to 32 letters or digits")
		}
		if p.FunctionURLAuthType != "" && p.Action != "lambda:InvokeFunctionUrl" {
			bad(p.Field+".functionUrlAuthType", "applies only to action lambda:InvokeFunctionUrl", "set action: lambda:InvokeFunctionUrl, or remove functionUrlAuthType")
		}
		if p.Principal == "s3.amazonaws.com" {
			switch {
			case p.SourceArn == "":
				bad(p.Field+".sourceArn", "missing for s3.amazonaws.com: any bucket, in any account, could invoke the function",
					"set sourceArn to the bucket's ARN (arn:aws:s3:::BUCKET), and sourceAccount to the account that owns it")
			case p.SourceAccount == "":
				fs = append(fs, Finding{
					Check: "invokePermissions", Severity: SeverityWarning, Field: p.Field + ".sourceAccount",
					Message: p.Field + ": s3.amazonaws.com without sourceAccount: a bucket ARN names no account, so a bucket of that name in another account could invoke the function once yours is deleted",
					Hint:    "set sourceAccount to the ID of the account that owns the bucket",
				})
			}
		}
		if n := len(p.StatementID); n > StatementIDMax || !statementID.MatchString(p.StatementID) {
			fs = append(fs, Finding{
				Check: "invokePermissions", Severity: SeverityError, Field: p.Field,
				Message:  fmt.Sprintf("%s: statement ID %q is not one AddPermission takes (at most %d letters, digits, -, _ and .)", p.Field, p.StatementID, StatementIDMax),
				Measured: num(int64(n)), Limit: num(StatementIDMax), Unit: "characters",
			})
		}
		key := p.Qualifier + "/" + p.StatementID
		if first, ok := seen[key]; ok {
			bad(p.Field, "the same permission as "+first, "remove one of the two")
			continue
		}
		seen[key] = p.Field
	}
	return fs
}
