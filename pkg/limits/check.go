package limits

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lambcli/lamb/pkg/packager"
)

// Function is the configuration the checks read, resolved from lamb.yaml by
// the caller (stage overlays, dotenv files and defaults applied). Zero values
// mean "unset": AWS applies its default (128 MB, 3 s, 512 MB, x86_64) and the
// check passes, except for the numbers Explicit marks as written out.
type Function struct {
	// Key is the function's key in lamb.yaml; Name is its AWS name.
	Key, Name string
	Runtime   string
	// Architecture is "x86_64" or "arm64"; empty means x86_64.
	Architecture string
	Handler      string
	Description  string
	// Alias is deploy.alias; S3Bucket is deploy.s3.bucket.
	Alias, S3Bucket string
	// Memory and EphemeralStorage are in MB, Timeout in seconds.
	Memory, Timeout, EphemeralStorage int
	// Explicit marks which of them lamb.yaml writes out. Lambda refuses a
	// 0 that is sent, so a written 0 is checked like any other value.
	Explicit Explicit
	// Environment is the final variable map sent to Lambda.
	Environment map[string]string
	// Layers are layer version ARNs or paths of local layer zips.
	Layers                      []string
	SecurityGroupIDs, SubnetIDs []string
	Tags                        map[string]string
}

// Explicit marks the optional numbers of a Function that the configuration
// sets, zero included.
type Explicit struct {
	Memory, Timeout, EphemeralStorage bool
}

func (fn Function) architecture(m *packager.Manifest) string {
	if fn.Architecture != "" {
		return fn.Architecture
	}
	if m != nil && m.Architecture != "" {
		return m.Architecture
	}
	return "x86_64"
}

func (fn Function) runtime(m *packager.Manifest) string {
	if fn.Runtime == "" && m != nil {
		return m.Runtime
	}
	return fn.Runtime
}

func (fn Function) handler(m *packager.Manifest) string {
	if fn.Handler == "" && m != nil {
		return m.Handler
	}
	return fn.Handler
}

// Check runs every pre-flight check on one function and returns its
// findings, errors first and otherwise in a fixed order. m is the packaged
// bundle (nil checks the configuration only); layers are the measured
// layers from MeasureLayers; now decides runtime deprecation.
func Check(fn Function, m *packager.Manifest, layers []Layer, q Quotas, now time.Time) []Finding {
	var fs []Finding
	add := func(f ...Finding) { fs = append(fs, f...) }
	add(checkRuntime(fn.runtime(m), now)...)
	add(checkArchitecture(fn.Architecture)...)
	add(checkFunctionName(fn.Name, q)...)
	add(checkHandlerSyntax(fn.handler(m), fn.runtime(m), q)...)
	add(checkRange("memory", int64(fn.Memory), fn.Explicit.Memory, q, QuotaMemoryMin, QuotaMemoryMax)...)
	add(checkRange("timeout", int64(fn.Timeout), fn.Explicit.Timeout, q, QuotaTimeoutMin, QuotaTimeoutMax)...)
	add(checkRange("ephemeralStorage", int64(fn.EphemeralStorage), fn.Explicit.EphemeralStorage, q, QuotaEphemeralStorageMin, QuotaEphemeralStorageMax)...)
	add(checkDescription(fn.Description, q)...)
	add(checkAlias(fn.Alias, q)...)
	add(checkLayerRefs(fn.Layers, q)...)
	add(checkVPC(fn.SecurityGroupIDs, fn.SubnetIDs, q)...)
	add(checkTags(fn.Tags, q)...)
	add(CheckEnvironment(fn.Environment, q)...)
	if m != nil {
		add(checkZipped(m.ZippedBytes, fn.S3Bucket, q)...)
		add(checkUnzipped(m, layers, q)...)
		add(checkEntries(m, q)...)
		add(checkHandlerTarget(fn.handler(m), fn.runtime(m), m, len(fn.Layers) > 0)...)
		add(checkNativeBinaries(m.NativeBinaries, fn.architecture(m), fn.runtime(m))...)
		add(checkPermissionFixes(m.PermissionFixes)...)
	}
	sortFindings(fs)
	if fs == nil {
		fs = []Finding{}
	}
	return fs
}

func checkRuntime(name string, now time.Time) []Finding {
	if name == "" {
		return []Finding{{
			Check: "runtime", Severity: SeverityError, Field: "runtime",
			Message: "runtime: not set",
			Hint:    "set runtime to one of " + strings.Join(supportedRuntimes(now), ", "),
		}}
	}
	r, ok := LookupRuntime(name)
	if !ok {
		f := Finding{
			Check: "runtime", Severity: SeverityError, Field: "runtime",
			Message: fmt.Sprintf("runtime: %q is not a Lambda runtime (names are case-sensitive)", name),
		}
		var names []string
		for _, r := range Runtimes() {
			names = append(names, r.Name)
		}
		if s := didYouMean(name, names); s != "" {
			f.Hint = fmt.Sprintf("did you mean %q?", s)
		} else {
			f.Hint = "use one of " + strings.Join(supportedRuntimes(now), ", ")
		}
		return []Finding{f}
	}
	upgrade := "move to a supported runtime"
	if r.Successor != "" {
		upgrade = "move to " + r.Successor
	}
	switch {
	case !r.BlockCreate.IsZero() && !now.Before(r.BlockCreate):
		msg := fmt.Sprintf("runtime: %s is deprecated; AWS blocks creating functions on it since %s", name, r.BlockCreate.Format(time.DateOnly))
		if !r.BlockUpdate.IsZero() && !now.Before(r.BlockUpdate) {
			msg = fmt.Sprintf("runtime: %s is deprecated; AWS blocks creating functions on it since %s and updating them since %s",
				name, r.BlockCreate.Format(time.DateOnly), r.BlockUpdate.Format(time.DateOnly))
		}
		return []Finding{{Check: "runtime", Severity: SeverityError, Field: "runtime", Message: msg, Hint: upgrade}}
	case !r.Deprecated.IsZero() && !now.Before(r.Deprecated):
		return []Finding{{
			Check: "runtime", Severity: SeverityWarning, Field: "runtime",
			Message: fmt.Sprintf("runtime: %s is deprecated since %s; AWS no longer patches it and will block creating and then updating functions on it", name, r.Deprecated.Format(time.DateOnly)),
			Hint:    upgrade,
		}}
	}
	return nil
}

func checkArchitecture(arch string) []Finding {
	if arch == "" || arch == "x86_64" || arch == "arm64" {
		return nil
	}
	f := Finding{
		Check: "architecture", Severity: SeverityError, Field: "architecture",
		Message: fmt.Sprintf("architecture: %q is not a Lambda architecture", arch),
		Hint:    "set architecture to x86_64 or arm64",
	}
	switch strings.ToLower(arch) {
	case "amd64", "x86-64", "x64", "x86_64":
		f.Hint = "set architecture to x86_64"
	case "aarch64", "arm", "arm64":
		f.Hint = "set architecture to arm64"
	}
	return []Finding{f}
}

var nameChars = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

func checkFunctionName(name string, q Quotas) []Finding {
	if name == "" {
		return nil
	}
	max := q.Value(QuotaFunctionNameLength)
	var fs []Finding
	if n := int64(utf8.RuneCountInString(name)); n > max {
		fs = append(fs, Finding{
			Check: "functionName", Severity: SeverityError, Field: "name",
			Message:  fmt.Sprintf("name: %q is %d characters, above Lambda's maximum of %d", name, n, max),
			Hint:     fmt.Sprintf("set name (or shorten project and key) to %d characters or fewer", max),
			Measured: num(n), Limit: num(max), Unit: "characters",
		})
	}
	if !nameChars.MatchString(name) {
		fs = append(fs, Finding{
			Check: "functionName", Severity: SeverityError, Field: "name",
			Message: fmt.Sprintf("name: %q contains %s; function names may contain only letters, digits, - and _", name, badChars(name)),
			Hint:    "rename the function using letters, digits, - and _ only",
		})
	}
	return fs
}

func badChars(s string) string {
	seen := map[rune]bool{}
	var out []string
	for _, r := range s {
		if r < 128 && (r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			continue
		}
		if !seen[r] {
			seen[r] = true
			out = append(out, fmt.Sprintf("%q", r))
		}
	}
	return strings.Join(out, ", ")
}

func checkHandlerSyntax(handler, runtime string, q Quotas) []Finding {
	if handler == "" {
		if r, ok := LookupRuntime(runtime); ok && r.Family == "provided" {
			return nil
		}
		if runtime == "" {
			return nil
		}
		return []Finding{{
			Check: "handler", Severity: SeverityError, Field: "handler",
			Message: "handler: not set; Lambda needs it for a zip function",
			Hint:    "set handler, e.g. " + exampleHandler(runtime),
		}}
	}
	var fs []Finding
	max := q.Value(QuotaHandlerLength)
	if n := int64(utf8.RuneCountInString(handler)); n > max {
		fs = append(fs, Finding{
			Check: "handler", Severity: SeverityError, Field: "handler",
			Message:  fmt.Sprintf("handler: %d characters is above Lambda's maximum of %d", n, max),
			Hint:     fmt.Sprintf("shorten handler to %d characters or fewer (move the file closer to the bundle root)", max),
			Measured: num(n), Limit: num(max), Unit: "characters",
		})
	}
	if strings.IndexFunc(handler, unicode.IsSpace) >= 0 {
		fs = append(fs, Finding{
			Check: "handler", Severity: SeverityError, Field: "handler",
			Message: fmt.Sprintf("handler: %q contains whitespace, which Lambda does not accept", handler),
			Hint:    "remove the whitespace from handler",
		})
	}
	return fs
}

func exampleHandler(runtime string) string {
	r, _ := LookupRuntime(runtime)
	switch r.Family {
	case "python":
		return "app.handler (app.py, def handler)"
	case "java":
		return "com.example.Handler::handleRequest"
	case "dotnet":
		return "MyAssembly::MyNamespace.Function::Handler"
	case "ruby":
		return "app.handler (app.rb, def handler)"
	case "go":
		return "bootstrap"
	}
	return "index.handler (index.js, export handler)"
}

// checkRange checks the value of field against a min and max quota. A 0
// that is not explicit means unset.
func checkRange(field string, v int64, explicit bool, q Quotas, minName, maxName string) []Finding {
	if v == 0 && !explicit {
		return nil
	}
	check := field
	lo, hi := q.Value(minName), q.Value(maxName)
	qd, _ := q.Lookup(maxName)
	unit := qd.Unit
	switch {
	case v < lo:
		hint := fmt.Sprintf("set %s to %d or more", field, lo)
		if v == 0 {
			// 0 is sent as written and refused; it does not mean "default".
			hint += fmt.Sprintf(", or leave %s out for Lambda's default", field)
		}
		return []Finding{{
			Check: check, Severity: SeverityError, Field: field,
			Message:  fmt.Sprintf("%s: %d %s is below Lambda's minimum of %d %s", field, v, unit, lo, unit),
			Hint:     hint,
			Measured: num(v), Limit: num(lo), Unit: unit,
		}}
	case v > hi:
		return []Finding{{
			Check: check, Severity: SeverityError, Field: field,
			Message:  fmt.Sprintf("%s: %d %s is above Lambda's maximum of %d %s", field, v, unit, hi, unit),
			Hint:     fmt.Sprintf("set %s to %d or less", field, hi),
			Measured: num(v), Limit: num(hi), Unit: unit,
		}}
	}
	return nil
}

func checkDescription(d string, q Quotas) []Finding {
	max := q.Value(QuotaDescriptionLength)
	n := int64(utf8.RuneCountInString(d))
	if n <= max {
		return nil
	}
	return []Finding{{
		Check: "description", Severity: SeverityError, Field: "description",
		Message:  fmt.Sprintf("description: %d characters is above Lambda's maximum of %d characters", n, max),
		Hint:     fmt.Sprintf("shorten description to %d characters or fewer", max),
		Measured: num(n), Limit: num(max), Unit: "characters",
	}}
}

var allDigits = regexp.MustCompile(`^[0-9]+$`)

func checkAlias(alias string, q Quotas) []Finding {
	if alias == "" {
		return nil
	}
	max := q.Value(QuotaAliasNameLength)
	var fs []Finding
	if n := int64(utf8.RuneCountInString(alias)); n > max {
		fs = append(fs, Finding{
			Check: "alias", Severity: SeverityError, Field: "deploy.alias",
			Message:  fmt.Sprintf("deploy.alias: %d characters is above Lambda's maximum of %d characters", n, max),
			Hint:     fmt.Sprintf("shorten deploy.alias to %d characters or fewer", max),
			Measured: num(n), Limit: num(max), Unit: "characters",
		})
	}
	switch {
	case !nameChars.MatchString(alias):
		fs = append(fs, Finding{
			Check: "alias", Severity: SeverityError, Field: "deploy.alias",
			Message: fmt.Sprintf("deploy.alias: %q contains %s; alias names may contain only letters, digits, - and _", alias, badChars(alias)),
			Hint:    "rename the alias using letters, digits, - and _ only",
		})
	case allDigits.MatchString(alias):
		fs = append(fs, Finding{
			Check: "alias", Severity: SeverityError, Field: "deploy.alias",
			Message: fmt.Sprintf("deploy.alias: %q is all digits, which Lambda reserves for version numbers", alias),
			Hint:    "use an alias name with at least one letter, - or _, e.g. live",
		})
	}
	return fs
}

// layerBase returns a layer version ARN without its version, or "" when ref
// is not a layer version ARN.
func layerBase(ref string) string {
	parts := strings.Split(ref, ":")
	if len(parts) != 8 || parts[0] != "arn" || parts[5] != "layer" {
		return ""
	}
	return strings.Join(parts[:7], ":")
}

func isARN(ref string) bool { return strings.HasPrefix(ref, "arn:") }

func checkLayerRefs(refs []string, q Quotas) []Finding {
	var fs []Finding
	max := q.Value(QuotaLayersPerFunction)
	if n := int64(len(refs)); n > max {
		fs = append(fs, Finding{
			Check: "layers", Severity: SeverityError, Field: "layers",
			Message:  fmt.Sprintf("layers: %d layers is above Lambda's maximum of %d", n, max),
			Hint:     fmt.Sprintf("use %d layers or fewer: merge small layers or bundle their contents into the function", max),
			Measured: num(n), Limit: num(max), Unit: "layers",
			AWSError: fmt.Sprintf("Cannot reference more than %d layers.", max),
		})
	}
	seen := map[string]string{}
	exact := map[string]bool{}
	for _, ref := range refs {
		if exact[ref] {
			fs = append(fs, Finding{
				Check: "layers", Severity: SeverityWarning, Field: "layers",
				Message: fmt.Sprintf("layers: %s is listed twice", ref),
				Hint:    "remove the duplicate entry from layers",
			})
			continue
		}
		exact[ref] = true
		base := layerBase(ref)
		if base == "" {
			continue
		}
		if other, ok := seen[base]; ok {
			fs = append(fs, Finding{
				Check: "layers", Severity: SeverityError, Field: "layers",
				Message:  fmt.Sprintf("layers: %s and %s are two versions of the same layer", other, ref),
				Hint:     "keep one version of the layer in layers",
				AWSError: "Two different versions of the same layer are not allowed to be referenced in the same function.",
			})
			continue
		}
		seen[base] = ref
	}
	if ref := firstInvalidARN(refs); ref != "" {
		fs = append(fs, Finding{
			Check: "layers", Severity: SeverityError, Field: "layers",
			Message: fmt.Sprintf("layers: %q is not a layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)", ref),
			Hint:    "give the layer's version ARN including the version number, or the path of a local layer zip",
		})
	}
	return fs
}

func firstInvalidARN(refs []string) string {
	for _, ref := range refs {
		if isARN(ref) && layerBase(ref) == "" {
			return ref
		}
	}
	return ""
}

func checkVPC(sgs, subnets []string, q Quotas) []Finding {
	var fs []Finding
	if n, max := int64(len(sgs)), q.Value(QuotaSecurityGroups); n > max {
		fs = append(fs, Finding{
			Check: "vpc", Severity: SeverityError, Field: "vpc.securityGroupIds",
			Message:  fmt.Sprintf("vpc.securityGroupIds: %d security groups is above Lambda's maximum of %d", n, max),
			Hint:     fmt.Sprintf("list %d security groups or fewer", max),
			Measured: num(n), Limit: num(max), Unit: "security groups",
		})
	}
	if n, max := int64(len(subnets)), q.Value(QuotaSubnets); n > max {
		fs = append(fs, Finding{
			Check: "vpc", Severity: SeverityError, Field: "vpc.subnetIds",
			Message:  fmt.Sprintf("vpc.subnetIds: %d subnets is above Lambda's maximum of %d", n, max),
			Hint:     fmt.Sprintf("list %d subnets or fewer", max),
			Measured: num(n), Limit: num(max), Unit: "subnets",
		})
	}
	return fs
}

func checkTags(tags map[string]string, q Quotas) []Finding {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kmax, vmax := q.Value(QuotaTagKeyLength), q.Value(QuotaTagValueLength)
	var fs []Finding
	for _, k := range keys {
		field := "tags." + k
		n := int64(utf8.RuneCountInString(k))
		switch {
		case n == 0:
			fs = append(fs, Finding{
				Check: "tags", Severity: SeverityError, Field: "tags",
				Message: "tags: a tag key is empty", Hint: "give every tag a key of 1 to " + fmt.Sprint(kmax) + " characters",
			})
		case n > kmax:
			fs = append(fs, Finding{
				Check: "tags", Severity: SeverityError, Field: field,
				Message:  fmt.Sprintf("tags: key %q is %d characters, above Lambda's maximum of %d", k, n, kmax),
				Hint:     fmt.Sprintf("shorten the tag key to %d characters or fewer", kmax),
				Measured: num(n), Limit: num(kmax), Unit: "characters",
			})
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			fs = append(fs, Finding{
				Check: "tags", Severity: SeverityError, Field: field,
				Message: fmt.Sprintf("tags: key %q uses the aws: prefix, which AWS reserves", k),
				Hint:    "rename the tag key without the aws: prefix",
			})
		}
		if vn := int64(utf8.RuneCountInString(tags[k])); vn > vmax {
			fs = append(fs, Finding{
				Check: "tags", Severity: SeverityError, Field: field,
				Message:  fmt.Sprintf("tags: value of %q is %d characters, above Lambda's maximum of %d", k, vn, vmax),
				Hint:     fmt.Sprintf("shorten the tag value to %d characters or fewer", vmax),
				Measured: num(vn), Limit: num(vmax), Unit: "characters",
			})
		}
	}
	return fs
}

func checkPermissionFixes(paths []string) []Finding {
	if len(paths) == 0 {
		return nil
	}
	f := Finding{
		Check: "permissions", Severity: SeverityInfo,
		Message: fmt.Sprintf("permissions: %d %s not world-readable in the source and %s stored as 0644/0755 by the packager",
			len(paths), plural(len(paths), "file was", "files were"), plural(len(paths), "was", "were")),
		Hint: "nothing to do for the bundle; fix the source modes (chmod a+r) to silence this",
	}
	for _, p := range paths {
		f.Details = append(f.Details, Detail{Kind: "file", Name: p})
	}
	return []Finding{f}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// didYouMean returns the candidate closest to s, or "" when none is close.
func didYouMean(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if strings.EqualFold(c, s) {
			return c
		}
		d := levenshtein(strings.ToLower(s), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= max(2, len(s)/4) {
		return best
	}
	return ""
}

// levenshtein is the optimal-string-alignment distance: edits and adjacent
// swaps (the commonest typo) cost one.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
