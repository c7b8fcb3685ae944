// Package limits holds Lambda's quotas as data and the pre-flight checks that
// compare a function's configuration and its packaged bundle with them.
//
// Every check runs before any AWS write. A check returns findings; each
// finding states what was measured, the limit, the lamb.yaml field or bundle
// path concerned, and what to do about it, and quotes AWS's own error text
// where there is one so users recognise it. The quota table (DefaultQuotas)
// is what `lamb limits` prints; LoadQuotas replaces its code-size values with
// the account's own where GetAccountSettings answers.
//
// The package reads packager.Manifest values but does not package anything,
// load lamb.yaml or decide exit codes: the caller builds a Function from the
// configuration, measures layers with MeasureLayers, runs Check, and renders
// the Report with WriteText or encoding/json.
package limits
