package limits

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lambcli/lamb/internal/lambdaarch"
	"github.com/lambcli/lamb/internal/suggest"
)

func checkRuntime(name string, now time.Time) []Finding {
	if name == "" {
		return []Finding{{
			Check: "runtime", Severity: SeverityError, Field: "runtime",
			Message: "runtime: not set",
			Hint:    "set runtime to one of " + strings.Join(SupportedRuntimes(now), ", "),
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
		if s := suggest.Closest(name, names); s != "" {
			f.Hint = fmt.Sprintf("did you mean %q?", s)
		} else {
			f.Hint = "use one of " + strings.Join(SupportedRuntimes(now), ", ")
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
	if arch == "" || lambdaarch.Valid(arch) {
		return nil
	}
	f := Finding{
		Check: "architecture", Severity: SeverityError, Field: "architecture",
		Message: fmt.Sprintf("architecture: %q is not a Lambda architecture", arch),
		Hint:    "set architecture to " + strings.Join(lambdaarch.Names(), " or "),
	}
	switch strings.ToLower(arch) {
	case "amd64", "x86-64", "x64", "x86_64":
		f.Hint = "set architecture to x86_64"
	case "aarch64", "arm", "arm64":
		f.Hint = "set architecture to arm64"
	}
	return []Finding{f}
}

func checkFunctionName(name string, q Quotas) []Finding {
	if name == "" {
		return nil
	}
	limit := q.Value(QuotaFunctionNameLength)
	var fs []Finding
	if n := int64(utf8.RuneCountInString(name)); n > limit {
		fs = append(fs, Finding{
			Check: "functionName", Severity: SeverityError, Field: "name",
			Message:  fmt.Sprintf("name: %q is %d characters, above Lambda's maximum of %d", name, n, limit),
			Hint:     fmt.Sprintf("set name (or shorten project and key) to %d characters or fewer", limit),
			Measured: num(n), Limit: num(limit), Unit: "characters",
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
	limit := q.Value(QuotaHandlerLength)
	if n := int64(utf8.RuneCountInString(handler)); n > limit {
		fs = append(fs, Finding{
			Check: "handler", Severity: SeverityError, Field: "handler",
			Message:  fmt.Sprintf("handler: %d characters is above Lambda's maximum of %d", n, limit),
			Hint:     fmt.Sprintf("shorten handler to %d characters or fewer (move the file closer to the bundle root)", limit),
			Measured: num(n), Limit: num(limit), Unit: "characters",
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
	limit := q.Value(QuotaDescriptionLength)
	n := int64(utf8.RuneCountInString(d))
	if n <= limit {
		return nil
	}
	return []Finding{{
		Check: "description", Severity: SeverityError, Field: "description",
		Message:  fmt.Sprintf("description: %d characters is above Lambda's maximum of %d characters", n, limit),
		Hint:     fmt.Sprintf("shorten description to %d characters or fewer", limit),
		Measured: num(n), Limit: num(limit), Unit: "characters",
	}}
}

func checkAlias(alias string, q Quotas) []Finding {
	if alias == "" {
		return nil
	}
	limit := q.Value(QuotaAliasNameLength)
	var fs []Finding
	if n := int64(utf8.RuneCountInString(alias)); n > limit {
		fs = append(fs, Finding{
			Check: "alias", Severity: SeverityError, Field: "deploy.alias",
			Message:  fmt.Sprintf("deploy.alias: %d characters is above Lambda's maximum of %d characters", n, limit),
			Hint:     fmt.Sprintf("shorten deploy.alias to %d characters or fewer", limit),
			Measured: num(n), Limit: num(limit), Unit: "characters",
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

func checkLayerRefs(refs []string, q Quotas) []Finding {
	var fs []Finding
	limit := q.Value(QuotaLayersPerFunction)
	if n := int64(len(refs)); n > limit {
		fs = append(fs, Finding{
			Check: "layers", Severity: SeverityError, Field: "layers",
			Message:  fmt.Sprintf("layers: %d layers is above Lambda's maximum of %d", n, limit),
			Hint:     fmt.Sprintf("use %d layers or fewer: merge small layers or bundle their contents into the function", limit),
			Measured: num(n), Limit: num(limit), Unit: "layers",
			AWSError: fmt.Sprintf("Cannot reference more than %d layers.", limit),
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
	if n, limit := int64(len(sgs)), q.Value(QuotaSecurityGroups); n > limit {
		fs = append(fs, Finding{
			Check: "vpc", Severity: SeverityError, Field: "vpc.securityGroupIds",
			Message:  fmt.Sprintf("vpc.securityGroupIds: %d security groups is above Lambda's maximum of %d", n, limit),
			Hint:     fmt.Sprintf("list %d security groups or fewer", limit),
			Measured: num(n), Limit: num(limit), Unit: "security groups",
		})
	}
	if n, limit := int64(len(subnets)), q.Value(QuotaSubnets); n > limit {
		fs = append(fs, Finding{
			Check: "vpc", Severity: SeverityError, Field: "vpc.subnetIds",
			Message:  fmt.Sprintf("vpc.subnetIds: %d subnets is above Lambda's maximum of %d", n, limit),
			Hint:     fmt.Sprintf("list %d subnets or fewer", limit),
			Measured: num(n), Limit: num(limit), Unit: "subnets",
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

// checkBackslashNames notes the artifact entries whose Windows separators
// the packager turned into /, so the user knows the bundle's names differ
// from the archive's.
func checkBackslashNames(names []string) []Finding {
	if len(names) == 0 {
		return nil
	}
	f := Finding{
		Check: "artifact", Severity: SeverityInfo,
		Message: fmt.Sprintf("artifact: %d %s \\ as the folder separator and %s stored with / (Lambda would otherwise see one file named %s at the root)",
			len(names), plural(len(names), "entry name uses", "entry names use"), plural(len(names), "was", "were"), names[0]),
		Hint: "nothing to do for the bundle; to silence this, make the zip with a tool that writes / (PowerShell 7's Compress-Archive, tar -a -cf, or zip)",
	}
	for _, n := range names {
		f.Details = append(f.Details, Detail{Kind: "file", Name: n})
	}
	return []Finding{f}
}
