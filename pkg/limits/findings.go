package limits

import "sort"

// Severity grades a finding. Only errors stop a deploy (exit code 3).
type Severity string

// Severities, most serious first.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// Finding is one result of a pre-flight check.
//
// JSON fields (stable; `lamb check --output json` prints them):
//
//	check     which check produced it: runtime, architecture, functionName,
//	          handler, handlerTarget, handlerLoad, memory, timeout, ephemeralStorage,
//	          description, alias, layers, layerCompatibility, vpc, tags, environment, zippedSize,
//	          unzippedSize, zipEntries, nativeBinary, installScripts,
//	          permissions, async, concurrency, functionUrl, events,
//	          invokePermissions, logs, edge, fileSystem, snapStart, image
//	severity  "error", "warning" or "info"
//	field     the lamb.yaml field concerned, e.g. "memory", "environment.AWS_REGION"
//	path      the path inside the bundle concerned, e.g. "node_modules/x/y.node"
//	message   what is wrong, with the measured value and the limit
//	hint      what to do about it
//	measured  the measured value, in unit (absent when not numeric)
//	limit     the limit it was compared with, in unit (absent when not numeric)
//	unit      "bytes", "MB", "s", "characters", "layers", "entries", ...
//	awsError  the error text AWS answers with for the same violation
//	details   supporting rows: largest files/folders, layer shares, largest
//	          environment variables (names and sizes only), candidates
type Finding struct {
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Field    string   `json:"field,omitempty"`
	Path     string   `json:"path,omitempty"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
	Measured *int64   `json:"measured,omitempty"`
	Limit    *int64   `json:"limit,omitempty"`
	Unit     string   `json:"unit,omitempty"`
	AWSError string   `json:"awsError,omitempty"`
	Details  []Detail `json:"details,omitempty"`
}

// Detail is a supporting row of a finding: a name with a size and, for
// shares of a total, the fraction of it.
//
// JSON fields: kind ("file", "folder", "function", "layer", "variable",
// "candidate", "package"), name, bytes (omitted when not a size), share (0–1, omitted
// when not a share).
type Detail struct {
	Kind  string  `json:"kind"`
	Name  string  `json:"name"`
	Bytes int64   `json:"bytes,omitempty"`
	Share float64 `json:"share,omitempty"`
}

// FunctionReport is the outcome of the checks for one function.
//
// JSON fields: function (the key in lamb.yaml), name (the AWS name),
// runtime, architecture, zippedBytes and unzippedBytes (the function's
// bundle), layersUnzippedBytes (sum over measured layers), findings.
type FunctionReport struct {
	Function            string    `json:"function"`
	Name                string    `json:"name"`
	Runtime             string    `json:"runtime,omitempty"`
	Architecture        string    `json:"architecture,omitempty"`
	ZippedBytes         int64     `json:"zippedBytes"`
	UnzippedBytes       int64     `json:"unzippedBytes"`
	LayersUnzippedBytes int64     `json:"layersUnzippedBytes"`
	Findings            []Finding `json:"findings"`
}

// Report is the document `lamb check` renders: with --output json it is
// this value marshalled.
//
// JSON fields: functions (one FunctionReport each, in the caller's order),
// skipped (notes on what could not be checked, e.g. account limits or a
// layer without AWS access), errors, warnings and infos (finding counts).
// A report with errors > 0 means a Lambda limit would be violated.
type Report struct {
	Functions []FunctionReport `json:"functions"`
	Skipped   []string         `json:"skipped"`
	Errors    int              `json:"errors"`
	Warnings  int              `json:"warnings"`
	Infos     int              `json:"infos"`
}

// NewReport gathers function reports and notes and counts the findings.
func NewReport(functions []FunctionReport, skipped []string) Report {
	r := Report{Functions: functions, Skipped: skipped}
	if r.Functions == nil {
		r.Functions = []FunctionReport{}
	}
	if r.Skipped == nil {
		r.Skipped = []string{}
	}
	for _, f := range functions {
		for _, x := range f.Findings {
			switch x.Severity {
			case SeverityError:
				r.Errors++
			case SeverityWarning:
				r.Warnings++
			default:
				r.Infos++
			}
		}
	}
	return r
}

// Failed reports whether any finding is an error, i.e. a deploy would be
// refused by AWS or cannot proceed as configured.
func (r Report) Failed() bool { return r.Errors > 0 }

// sortFindings orders findings errors first, keeping check order within a severity.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.rank() < fs[j].Severity.rank() })
}

func num(v int64) *int64 { return &v }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
