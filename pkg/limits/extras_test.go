package limits

import (
	"strings"
	"testing"
)

func TestCheckExtras(t *testing.T) {
	t.Parallel()
	n := func(v int) *int { return &v }
	tests := []struct {
		name string
		x    Extras
		// want is the "severity field: message; hint" of each finding, in order.
		want []string
	}{
		{"nothing set", Extras{}, nil},
		{"retries 0", Extras{Retries: n(0)}, nil},
		{"retries 2", Extras{Retries: n(2)}, nil},
		{"retries 3", Extras{Retries: n(3)}, []string{"error async.retries: async.retries: 3 is above Lambda's maximum of 2 retries; set async.retries to 0, 1 or 2"}},
		{"max event age 59s", Extras{MaxEventAge: n(59)}, []string{"error async.maxEventAge: async.maxEventAge: 59 s is below Lambda's minimum of 60 s; set async.maxEventAge to 60s or more, or leave it out for Lambda's default of 6h"}},
		{"max event age 60s", Extras{MaxEventAge: n(60)}, nil},
		{"max event age 6h", Extras{MaxEventAge: n(21600)}, nil},
		{"max event age 6h1s", Extras{MaxEventAge: n(21601)}, []string{"error async.maxEventAge: async.maxEventAge: 21601 s is above Lambda's maximum of 21600 s (6h); set async.maxEventAge to 6h or less"}},
		{"provisioned within reserved", Extras{Reserved: n(5), Provisioned: 5}, nil},
		{"provisioned without reserved", Extras{Provisioned: 50}, nil},
		{"provisioned above reserved", Extras{Reserved: n(2), Provisioned: 3}, []string{"error concurrency.provisioned: concurrency.provisioned: 3 is above concurrency.reserved (2); Lambda allocates provisioned concurrency out of the function's reserved concurrency; raise concurrency.reserved to 3 or more, or lower concurrency.provisioned"}},
		{"public URL", Extras{PublicURL: true}, []string{"warning functionUrl.authType: functionUrl: authType NONE: anyone on the internet may invoke the function through its URL, and every call is billed to the account; keep it for endpoints meant to be public; otherwise use authType AWS_IAM and sign the requests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range CheckExtras(tt.x) {
				got = append(got, string(f.Severity)+" "+f.Field+": "+f.Message+"; "+f.Hint)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestAddFindingsKeepsErrorsFirst(t *testing.T) {
	t.Parallel()
	r := FunctionReport{Findings: []Finding{{Check: "runtime", Severity: SeverityError}, {Check: "nativeBinary", Severity: SeverityInfo}}}
	r.AddFindings(CheckExtras(Extras{PublicURL: true, Retries: new(int)})...)
	r.AddFindings(Finding{Check: "async", Severity: SeverityError})
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Check)
	}
	if want := "runtime async functionUrl nativeBinary"; strings.Join(got, " ") != want {
		t.Errorf("order = %s, want %s", strings.Join(got, " "), want)
	}
}
