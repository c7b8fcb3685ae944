package limits

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// nameChars is what function and alias names may be made of.
var nameChars = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// allDigits is an alias name Lambda keeps for version numbers.
var allDigits = regexp.MustCompile(`^[0-9]+$`)

// badChars lists, quoted and once each, the characters of s that nameChars
// does not allow, so a message can name what to remove.
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

// ARNService is the service field of an ARN: sqs in arn:aws:sqs:…; "" when
// there is none.
func ARNService(arn string) string { return strings.Split(arn+":::", ":")[2] }
