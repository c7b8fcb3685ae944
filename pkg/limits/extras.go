package limits

import "fmt"

// Ranges of the asynchronous invocation settings, fixed by the Lambda API
// (PutFunctionEventInvokeConfig: MaximumRetryAttempts 0–2,
// MaximumEventAgeInSeconds 60–21600); no account raises them.
const (
	AsyncRetriesMax     = 2
	AsyncMaxEventAgeMin = 60
	AsyncMaxEventAgeMax = 21600
)

// Extras are the settings lamb keeps beside a function's configuration:
// its URL, its concurrency and how its asynchronous invocations are handled.
// nil means unset.
type Extras struct {
	// PublicURL is a function URL with authType NONE.
	PublicURL bool
	// Reserved and Provisioned are concurrent executions; Provisioned 0 is none.
	Reserved    *int
	Provisioned int
	// Retries and MaxEventAge (seconds) are the asynchronous invocation settings.
	Retries     *int
	MaxEventAge *int
}

// CheckExtras checks what Lambda would refuse in the extras, and warns of a
// public function URL, which lamb.yaml must confirm but which deserves a
// second look on every check.
func CheckExtras(x Extras) []Finding {
	var fs []Finding
	if x.Retries != nil && *x.Retries > AsyncRetriesMax {
		v := int64(*x.Retries)
		fs = append(fs, Finding{
			Check: "async", Severity: SeverityError, Field: "async.retries",
			Message:  fmt.Sprintf("async.retries: %d is above Lambda's maximum of %d retries", v, AsyncRetriesMax),
			Hint:     fmt.Sprintf("set async.retries to 0, 1 or %d", AsyncRetriesMax),
			Measured: num(v), Limit: num(AsyncRetriesMax), Unit: "retries",
			AWSError: fmt.Sprintf("Value '%d' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to %d", v, AsyncRetriesMax),
		})
	}
	if x.MaxEventAge != nil {
		v := int64(*x.MaxEventAge)
		switch {
		case v < AsyncMaxEventAgeMin:
			fs = append(fs, Finding{
				Check: "async", Severity: SeverityError, Field: "async.maxEventAge",
				Message:  fmt.Sprintf("async.maxEventAge: %d s is below Lambda's minimum of %d s", v, AsyncMaxEventAgeMin),
				Hint:     "set async.maxEventAge to 60s or more, or leave it out for Lambda's default of 6h",
				Measured: num(v), Limit: num(AsyncMaxEventAgeMin), Unit: "s",
			})
		case v > AsyncMaxEventAgeMax:
			fs = append(fs, Finding{
				Check: "async", Severity: SeverityError, Field: "async.maxEventAge",
				Message:  fmt.Sprintf("async.maxEventAge: %d s is above Lambda's maximum of %d s (6h)", v, AsyncMaxEventAgeMax),
				Hint:     "set async.maxEventAge to 6h or less",
				Measured: num(v), Limit: num(AsyncMaxEventAgeMax), Unit: "s",
			})
		}
	}
	if x.Reserved != nil && x.Provisioned > *x.Reserved {
		fs = append(fs, Finding{
			Check: "concurrency", Severity: SeverityError, Field: "concurrency.provisioned",
			Message:  fmt.Sprintf("concurrency.provisioned: %d is above concurrency.reserved (%d); Lambda allocates provisioned concurrency out of the function's reserved concurrency", x.Provisioned, *x.Reserved),
			Hint:     fmt.Sprintf("raise concurrency.reserved to %d or more, or lower concurrency.provisioned", x.Provisioned),
			Measured: num(int64(x.Provisioned)), Limit: num(int64(*x.Reserved)), Unit: "executions",
		})
	}
	if x.PublicURL {
		fs = append(fs, Finding{
			Check: "functionUrl", Severity: SeverityWarning, Field: "functionUrl.authType",
			Message: "functionUrl: authType NONE: anyone on the internet may invoke the function through its URL, and every call is billed to the account",
			Hint:    "keep it for endpoints meant to be public; otherwise use authType AWS_IAM and sign the requests",
		})
	}
	return fs
}

// AddFindings adds findings to the function's report, keeping errors first.
func (r *FunctionReport) AddFindings(fs ...Finding) {
	r.Findings = append(r.Findings, fs...)
	sortFindings(r.Findings)
}
