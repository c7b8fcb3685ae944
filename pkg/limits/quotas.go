package limits

// Quota names, the keys of the quota table. They are stable: `lamb limits
// --output json` prints them and checks look values up by them.
const (
	QuotaZippedSize          = "zippedSize"
	QuotaUnzippedSize        = "unzippedSize"
	QuotaZipEntries          = "zipEntries"
	QuotaEnvironmentSize     = "environmentSize"
	QuotaMemoryMin           = "memoryMin"
	QuotaMemoryMax           = "memoryMax"
	QuotaTimeoutMin          = "timeoutMin"
	QuotaTimeoutMax          = "timeoutMax"
	QuotaEphemeralStorageMin = "ephemeralStorageMin"
	QuotaEphemeralStorageMax = "ephemeralStorageMax"
	QuotaDescriptionLength   = "descriptionLength"
	QuotaHandlerLength       = "handlerLength"
	QuotaFunctionNameLength  = "functionNameLength"
	QuotaAliasNameLength     = "aliasNameLength"
	QuotaLayersPerFunction   = "layersPerFunction"
	QuotaSecurityGroups      = "securityGroups"
	QuotaSubnets             = "subnets"
	QuotaTagKeyLength        = "tagKeyLength"
	QuotaTagValueLength      = "tagValueLength"
)

// Quota sources: where a value in the table came from.
const (
	// SourceDefault marks Lambda's published default, which lamb ships.
	SourceDefault = "Lambda default"
	// SourceAccount marks a value read from GetAccountSettings for this account.
	SourceAccount = "GetAccountSettings"
)

// Quota is one Lambda limit with its unit and where the value came from.
// Description says how the value is compared, because AWS mixes "must be
// smaller than" and "at most" limits.
//
// JSON fields (stable; `lamb limits --output json` prints a list of them):
// name (one of the Quota* constants), value, unit ("bytes", "MB", "s",
// "characters", ...), source ("Lambda default" or "GetAccountSettings
// (AccountLimit.<field>)"), description.
type Quota struct {
	Name        string `json:"name"`
	Value       int64  `json:"value"`
	Unit        string `json:"unit"`
	Source      string `json:"source"`
	Description string `json:"description"`
}

// Quotas is the table every check reads, in the order `lamb limits` prints it.
type Quotas []Quota

// DefaultQuotas returns Lambda's published limits for ordinary (zip)
// functions; they stand wherever the account's own values cannot be read.
func DefaultQuotas() Quotas {
	return Quotas{
		{QuotaZippedSize, 52428800, "bytes", SourceDefault, "zip uploaded directly (ZipFile) must be smaller than this; larger zips go through S3"},
		{QuotaUnzippedSize, 262144000, "bytes", SourceDefault, "unzipped function code plus all its layers must be smaller than this"},
		{QuotaZipEntries, 65535, "entries", SourceDefault, "zip entries (files and folders) must be fewer than this; from this many on the zip needs zip64, which Lambda is not known to accept"},
		{QuotaEnvironmentSize, 4096, "bytes", SourceDefault, "environment variables as compact JSON, at most"},
		{QuotaMemoryMin, 128, "MB", SourceDefault, "memory, at least"},
		{QuotaMemoryMax, 10240, "MB", SourceDefault, "memory, at most"},
		{QuotaTimeoutMin, 1, "s", SourceDefault, "timeout, at least"},
		{QuotaTimeoutMax, 900, "s", SourceDefault, "timeout, at most"},
		{QuotaEphemeralStorageMin, 512, "MB", SourceDefault, "ephemeral storage (/tmp), at least"},
		{QuotaEphemeralStorageMax, 10240, "MB", SourceDefault, "ephemeral storage (/tmp), at most"},
		{QuotaDescriptionLength, 256, "characters", SourceDefault, "description, at most"},
		{QuotaHandlerLength, 128, "characters", SourceDefault, "handler, at most (no whitespace)"},
		{QuotaFunctionNameLength, 64, "characters", SourceDefault, "function name of letters, digits, - and _, at most"},
		{QuotaAliasNameLength, 128, "characters", SourceDefault, "alias name of letters, digits, - and _ (not all digits), at most"},
		{QuotaLayersPerFunction, 5, "layers", SourceDefault, "layers per function, at most, never two versions of one layer"},
		{QuotaSecurityGroups, 5, "security groups", SourceDefault, "VPC security groups per function, at most"},
		{QuotaSubnets, 16, "subnets", SourceDefault, "VPC subnets per function, at most"},
		{QuotaTagKeyLength, 128, "characters", SourceDefault, "tag key, at most (aws: prefix reserved)"},
		{QuotaTagValueLength, 256, "characters", SourceDefault, "tag value, at most"},
	}
}

// Lookup returns the quota called name. It falls back to the default table
// so a caller's partial table never turns a check off.
func (q Quotas) Lookup(name string) (Quota, bool) {
	for _, x := range q {
		if x.Name == name {
			return x, true
		}
	}
	for _, x := range DefaultQuotas() {
		if x.Name == name {
			return x, true
		}
	}
	return Quota{}, false
}

// Value returns the value of the quota called name, or 0 for a name the
// package does not know.
func (q Quotas) Value(name string) int64 {
	x, _ := q.Lookup(name)
	return x.Value
}

// AccountLimit is what Lambda's GetAccountSettings reports of the code-size
// limits of an account, in bytes; 0 means not reported.
type AccountLimit struct {
	CodeSizeZipped, CodeSizeUnzipped int64
}

// WithAccountLimits returns a copy of q in which the values the account
// reports replace the defaults. Zero values in l are treated as unanswered.
func (q Quotas) WithAccountLimits(l AccountLimit) Quotas {
	out := append(Quotas(nil), q...)
	set := func(name string, v int64, field string) {
		if v <= 0 {
			return
		}
		for i := range out {
			if out[i].Name == name {
				out[i].Value = v
				out[i].Source = SourceAccount + " (AccountLimit." + field + ")"
			}
		}
	}
	set(QuotaZippedSize, l.CodeSizeZipped, "CodeSizeZipped")
	set(QuotaUnzippedSize, l.CodeSizeUnzipped, "CodeSizeUnzipped")
	return out
}
