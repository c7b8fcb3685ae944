package limits

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/lambcli/lamb/internal/units"
)

// WriteText renders r for people: one block per function, one line per
// finding ("severity  message; hint"), AWS's error text and supporting rows
// indented below, then a summary and what was skipped. The output is plain
// text with no colour codes and depends only on r, so it is stable.
func WriteText(w io.Writer, r Report) error {
	bw := bufio.NewWriter(w)
	for i, f := range r.Functions {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		writeFunction(bw, f)
	}
	if len(r.Functions) > 0 {
		fmt.Fprintln(bw)
	}
	fmt.Fprintf(bw, "%s, %s, %s in %d %s\n",
		count(r.Errors, "error", "errors"), count(r.Warnings, "warning", "warnings"),
		count(r.Infos, "note", "notes"), len(r.Functions), plural(len(r.Functions), "function", "functions"))
	for _, s := range r.Skipped {
		fmt.Fprintf(bw, "skipped: %s\n", s)
	}
	return bw.Flush()
}

func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}

// writeFunction and writeDetails write to a bufio.Writer, which keeps the first
// write error for WriteText's Flush to return.
func writeFunction(w *bufio.Writer, f FunctionReport) {
	title := f.Function
	if f.Name != "" && f.Name != f.Function {
		title = fmt.Sprintf("%s (%s)", f.Function, f.Name)
	}
	var facts []string
	if f.Runtime != "" {
		facts = append(facts, f.Runtime)
	}
	if f.Architecture != "" {
		facts = append(facts, f.Architecture)
	}
	if f.ZippedBytes > 0 || f.UnzippedBytes > 0 {
		facts = append(facts, fmt.Sprintf("zipped %s, unzipped %s", units.Bytes(f.ZippedBytes), units.Bytes(f.UnzippedBytes)))
	}
	if f.LayersUnzippedBytes > 0 {
		facts = append(facts, fmt.Sprintf("layers %s unzipped", units.Bytes(f.LayersUnzippedBytes)))
	}
	if len(facts) > 0 {
		title += ": " + strings.Join(facts, ", ")
	}
	fmt.Fprintln(w, title)
	if len(f.Findings) == 0 {
		fmt.Fprintln(w, "  ok       every check passed")
		return
	}
	for _, x := range f.Findings {
		line := x.Message
		if x.Hint != "" {
			line += "; " + x.Hint
		}
		fmt.Fprintf(w, "  %-8s %s\n", x.Severity, line)
		if x.AWSError != "" {
			fmt.Fprintf(w, "           AWS says: %s\n", x.AWSError)
		}
		writeDetails(w, x.Details)
	}
}

func writeDetails(w *bufio.Writer, ds []Detail) {
	kw, nw, sw := 0, 0, 0
	for _, d := range ds {
		kw = max(kw, len(d.Kind))
		nw = max(nw, len(d.Name))
		sw = max(sw, len(detailSize(d)))
	}
	for _, d := range ds {
		line := fmt.Sprintf("%-*s  %-*s  %*s", kw, d.Kind, nw, d.Name, sw, detailSize(d))
		if d.Share > 0 {
			line += fmt.Sprintf("  %5.1f%%", d.Share*100)
		}
		fmt.Fprintf(w, "           %s\n", strings.TrimRight(line, " "))
	}
}

func detailSize(d Detail) string {
	if d.Bytes <= 0 {
		return ""
	}
	return units.ByteCount(d.Bytes)
}

// WriteQuotas renders the quota table for `lamb limits`: name, value with
// unit, source and what the limit means, one quota a line.
func WriteQuotas(w io.Writer, q Quotas) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUOTA\tVALUE\tSOURCE\tMEANING")
	for _, x := range q {
		fmt.Fprintf(tw, "%s\t%d %s\t%s\t%s\n", x.Name, x.Value, x.Unit, x.Source, x.Description)
	}
	return tw.Flush()
}
