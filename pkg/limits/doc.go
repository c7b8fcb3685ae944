// Package limits holds Lambda's quotas as data and the pre-flight checks that
// compare a function's configuration and its packaged bundle with them.
//
// Every check runs before any AWS write. A check returns findings; each
// finding states what was measured, the limit, the lamb.yaml field or bundle
// path concerned, and what to do about it, and quotes AWS's own error text
// where there is one so users recognise it. The quota table (DefaultQuotas)
// is what `lamb limits` prints; WithAccountLimits replaces its code-size
// values with the account's own.
//
// The checks take plain values and do no I/O: no AWS call, no HTTP, no file
// read or written. The caller builds a Function from the configuration,
// reads the account's limits and measures layers on the AWS-facing side
// (pkg/deploy: LoadQuotas, MeasureLayers), searches a Java bundle's jars when
// JarClass asks (packager.JarHasClass), runs Check, and renders the Report
// with WriteText or encoding/json. The package does not package anything,
// load lamb.yaml or decide exit codes.
package limits
