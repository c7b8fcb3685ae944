package limits

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// envOfSize builds a variable map whose compact JSON is exactly size bytes.
// Its value starts with tricky (HTML-escapable or multi-byte) text and is
// padded with ASCII; SECRET_TOKEN carries a value that must never appear
// in a finding.
func envOfSize(t *testing.T, size int, tricky string) map[string]string {
	t.Helper()
	vars := map[string]string{"SECRET_TOKEN": "hunter2-do-not-print", "TABLE": "orders"}
	// {"BIG":"<v>","SECRET_TOKEN":"...","TABLE":"orders"}
	fixed := EnvSize(vars) + int64(len(`,"BIG":""`))
	pad := size - int(fixed) - len(tricky)
	if pad < 0 {
		t.Fatalf("size %d too small", size)
	}
	vars["BIG"] = tricky + strings.Repeat("x", pad)
	return vars
}

func TestEnvSizeBoundary(t *testing.T) {
	t.Parallel()
	tricky := map[string]string{
		"ascii":          "",
		"html":           "<script>&amp;</script>", // json.Marshal would count each as 6 bytes
		"non-ascii":      "café € 東京 🚀",            // 2-, 3- and 4-byte UTF-8
		"html+non-ascii": "a<b>&c é€",
	}
	for name, tr := range tricky {
		for _, size := range []int{4096, 4097} {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				vars := envOfSize(t, size, tr)
				if got := EnvSize(vars); got != int64(size) {
					t.Fatalf("EnvSize = %d, want %d", got, size)
				}
				fs := findingsOf(Check(Function{Key: "api", Environment: vars}, nil, nil, DefaultQuotas(), today), "environment")
				var errs []Finding
				for _, f := range fs {
					if f.Severity == SeverityError {
						errs = append(errs, f)
					}
				}
				if size == 4096 && len(errs) != 0 {
					t.Fatalf("4096 bytes must pass, got %q", lines(errs))
				}
				if size == 4097 {
					if len(errs) != 1 {
						t.Fatalf("4097 bytes must fail once, got %q", lines(fs))
					}
					f := errs[0]
					if *f.Measured != 4097 || *f.Limit != 4096 || f.Unit != "bytes" {
						t.Errorf("measured %d limit %d %s", *f.Measured, *f.Limit, f.Unit)
					}
					if f.Details[0].Name != "BIG" || f.Details[0].Kind != "variable" {
						t.Errorf("largest variable should be BIG, got %+v", f.Details)
					}
					if !strings.HasPrefix(f.AWSError, "Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.") {
						t.Errorf("awsError = %q", f.AWSError)
					}
					if !strings.HasPrefix(f.Hint, "remove at least 1 byte:") {
						t.Errorf("hint should ask for 1 byte less: %q", f.Hint)
					}
					if !strings.Contains(f.Hint, "SSM Parameter Store or Secrets Manager") {
						t.Errorf("hint should point at SSM or Secrets Manager: %q", f.Hint)
					}
				}
				// Values never leak into findings, in any field.
				b, _ := json.Marshal(fs)
				if strings.Contains(string(b), "hunter2") || (tr != "" && strings.Contains(string(b), vars["BIG"][:10])) {
					t.Errorf("a finding contains a variable's value: %s", b)
				}
			})
		}
	}
}

func TestEnvSizeMatchesAWSNotMarshal(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"Q": "a<b&c>"}
	// {"Q":"a<b&c>"} is 14 bytes as AWS counts it.
	if got := EnvSize(vars); got != 14 {
		t.Errorf("EnvSize = %d, want 14", got)
	}
	b, _ := json.Marshal(vars)
	if len(b) == 14 {
		t.Error("json.Marshal no longer escapes HTML; the test lost its point")
	}
	if got := EnvSize(map[string]string{"K": "é"}); got != 10 {
		t.Errorf("EnvSize counts UTF-8 bytes: got %d, want 10", got)
	}
	if got := EnvSize(nil); got != 0 {
		t.Errorf("no variables: got %d, want 0", got)
	}
}

func TestEnvNearLimitNonASCIIWarns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		size   int
		tricky string
		warn   bool
	}{
		{"ascii near limit", 4000, "", false},
		{"non-ascii near limit", 4000, "é", true},
		{"non-ascii at limit", 4096, "東京", true},
		{"non-ascii far below", 3000, "é", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := envOfSize(t, tt.size, tt.tricky)
			fs := findingsOf(CheckEnvironment(vars, DefaultQuotas()), "environment")
			if tt.warn != (len(fs) == 1 && fs[0].Severity == SeverityWarning) {
				t.Errorf("warn = %v, findings %q", tt.warn, lines(fs))
			}
			if tt.warn && strings.Contains(fs[0].Message, "xxxx") {
				t.Errorf("warning leaks a value: %s", fs[0].Message)
			}
		})
	}
}

func TestEnvKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"good keys", map[string]string{"TZ": "Europe/Paris", "a1": "x", "Table_Name": "x"}, nil},
		{"one character", map[string]string{"A": "x"}, []string{`environment: key "A" is not a valid variable name; rename it: a letter first, then letters, digits or _, at least 2 characters`}},
		{"starts with digit", map[string]string{"1ST": "x"}, []string{`environment: key "1ST" is not a valid variable name; rename it: a letter first, then letters, digits or _, at least 2 characters`}},
		{"dash", map[string]string{"MY-VAR": "x"}, []string{`environment: key "MY-VAR" is not a valid variable name; rename it: a letter first, then letters, digits or _, at least 2 characters`}},
		{"leading underscore", map[string]string{"_PRIVATE": "x"}, []string{`environment: key "_PRIVATE" is not a valid variable name; rename it: a letter first, then letters, digits or _, at least 2 characters`}},
		{"reserved", map[string]string{"AWS_REGION": "eu-west-1", "_HANDLER": "x", "LAMBDA_TASK_ROOT": "/"},
			[]string{"environment: AWS_REGION, LAMBDA_TASK_ROOT, _HANDLER are reserved by Lambda, which sets them itself; remove AWS_REGION, LAMBDA_TASK_ROOT, _HANDLER from the environment (dotenv files and environment.vars)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := CheckEnvironment(tt.vars, DefaultQuotas())
			if strings.Join(lines(fs), "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got  %q\nwant %q", lines(fs), tt.want)
			}
		})
	}
	fs := CheckEnvironment(map[string]string{"AWS_REGION": "x"}, DefaultQuotas())
	if want := "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION"; fs[0].AWSError != want {
		t.Errorf("awsError = %q", fs[0].AWSError)
	}
	for _, k := range reservedEnvKeys {
		if !ReservedEnvKey(k) {
			t.Errorf("%s should be reserved", k)
		}
	}
	if ReservedEnvKey("TZ") {
		t.Error("TZ is no longer reserved")
	}
}

func TestEnvFindingListsFiveLargest(t *testing.T) {
	t.Parallel()
	vars := map[string]string{}
	for i, k := range []string{"AA", "BB", "CC", "DD", "EE", "FF", "GG"} {
		vars[k] = strings.Repeat("v", 600+i*10)
	}
	fs := CheckEnvironment(vars, DefaultQuotas())
	if len(fs) != 1 || len(fs[0].Details) != 5 {
		t.Fatalf("want one finding with five variables, got %q", lines(fs))
	}
	if fs[0].Details[0].Name != "GG" || fs[0].Details[4].Name != "CC" {
		t.Errorf("details not largest first: %+v", fs[0].Details)
	}
	// The report prints the details under the message: the message
	// itself names no variable, or each would be listed twice.
	for _, k := range []string{"GG", "CC"} {
		if strings.Contains(fs[0].Message, k) || strings.Contains(fs[0].Hint, k) {
			t.Errorf("finding text names %s, which its details already list: %q", k, lines(fs))
		}
	}
}
