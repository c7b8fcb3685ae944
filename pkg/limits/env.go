package limits

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/lambcli/lamb/internal/units"
)

// reservedEnvKeys are the variables Lambda sets itself and refuses to take
// from the configuration. TZ was once reserved and no longer is.
var reservedEnvKeys = []string{
	"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
	"AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
	"AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
	"AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
}

// ReservedEnvKey reports whether Lambda refuses key as an environment variable.
func ReservedEnvKey(key string) bool {
	for _, k := range reservedEnvKeys {
		if k == key {
			return true
		}
	}
	return false
}

var envKeySyntax = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]+$`)

// EnvSize returns the size in bytes Lambda counts against the 4 KB limit:
// the compact JSON of the map, keys sorted, with <, > and & unescaped (as
// json.Marshal would escape them and over-count), no trailing newline.
func EnvSize(vars map[string]string) int64 {
	if len(vars) == 0 {
		return 0
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(vars); err != nil {
		// A map[string]string always encodes.
		panic(err)
	}
	return int64(len(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))))
}

// envMemberSize is what one variable adds to EnvSize: "K":"V" (without the
// comma that separates members).
func envMemberSize(k, v string) int64 {
	return EnvSize(map[string]string{k: v}) - 2
}

// CheckEnvironment checks the variable map Lambda will receive: total size,
// key syntax and reserved keys. Findings name variables and their sizes,
// never their values.
func CheckEnvironment(vars map[string]string, q Quotas) []Finding {
	if len(vars) == 0 {
		return nil
	}
	var fs []Finding
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	var reserved []string
	for _, k := range keys {
		if ReservedEnvKey(k) {
			reserved = append(reserved, k)
			continue
		}
		if !envKeySyntax.MatchString(k) {
			fs = append(fs, Finding{
				Check: "environment", Severity: SeverityError, Field: "environment." + k,
				Message: fmt.Sprintf("environment: key %q is not a valid variable name", k),
				Hint:    "rename it: a letter first, then letters, digits or _, at least 2 characters",
			})
		}
	}
	if len(reserved) > 0 {
		fs = append(fs, Finding{
			Check: "environment", Severity: SeverityError, Field: "environment." + reserved[0],
			Message: fmt.Sprintf("environment: %s %s reserved by Lambda, which sets %s itself",
				strings.Join(reserved, ", "), plural(len(reserved), "is", "are"), plural(len(reserved), "it", "them")),
			Hint: "remove " + strings.Join(reserved, ", ") + " from the environment (dotenv files and environment.vars)",
			AWSError: "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: " +
				strings.Join(reserved, ", "),
		})
	}

	// The largest variables go in Details alone: the report lists them
	// under the message, so naming them in it too said everything twice.
	size, limit := EnvSize(vars), q.Value(QuotaEnvironmentSize)
	largest := largestVariables(vars, 5)
	switch {
	case size > limit:
		fs = append(fs, Finding{
			Check: "environment", Severity: SeverityError, Field: "environment",
			Message: fmt.Sprintf("environment: %s (as compact JSON) is above Lambda's limit of %s",
				units.ByteCount(size), units.ByteCount(limit)),
			Hint: fmt.Sprintf("remove at least %s: keep large values and secrets in SSM Parameter Store or Secrets Manager and read them at start-up",
				units.ByteCount(size-limit)),
			Measured: num(size), Limit: num(limit), Unit: "bytes",
			AWSError: "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {...}",
			Details:  largest,
		})
	case size*100 >= limit*95 && hasNonASCII(vars):
		fs = append(fs, Finding{
			Check: "environment", Severity: SeverityWarning, Field: "environment",
			Message: fmt.Sprintf("environment: %s (as compact JSON, UTF-8) is within 5%% of Lambda's limit of %s and contains non-ASCII characters, which AWS may count differently",
				units.ByteCount(size), units.ByteCount(limit)),
			Hint:     "leave more room: move large values to SSM Parameter Store or Secrets Manager",
			Measured: num(size), Limit: num(limit), Unit: "bytes",
			Details: largest,
		})
	}
	return fs
}

func largestVariables(vars map[string]string, n int) []Detail {
	var ds []Detail
	for k, v := range vars {
		ds = append(ds, Detail{Kind: "variable", Name: k, Bytes: envMemberSize(k, v)})
	}
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].Bytes != ds[j].Bytes {
			return ds[i].Bytes > ds[j].Bytes
		}
		return ds[i].Name < ds[j].Name
	})
	return firstDetails(ds, n)
}

func firstDetails(ds []Detail, n int) []Detail {
	if len(ds) > n {
		return ds[:n]
	}
	return ds
}

func hasNonASCII(vars map[string]string) bool {
	for k, v := range vars {
		for _, s := range []string{k, v} {
			for i := 0; i < len(s); i++ {
				if s[i] >= utf8.RuneSelf {
					return true
				}
			}
		}
	}
	return false
}
