// Package suggest words what lamb proposes when it meets a name it does not
// know: the known name the user most likely meant, and the list of names it
// takes. lamb.yaml keys and values, function names and runtimes all use it,
// so every "did you mean" follows one rule.
package suggest

import (
	"strings"
	"unicode/utf8"
)

// Closest returns the candidate nearest to word when it is close enough to
// be a likely typo, or "". A candidate equal to word but for case wins
// outright. The allowed distance grows with the word's length (1 edit for
// up to 2 characters, 2 for up to 5, 3 beyond), so short words do not match
// everything and long ones still match with a few slips.
func Closest(word string, candidates []string) string {
	best, bestDist := "", -1
	lower := strings.ToLower(word)
	for _, c := range candidates {
		if strings.EqualFold(c, word) {
			return c
		}
		d := Distance(lower, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	allowed := max(1, min(3, utf8.RuneCountInString(word)/3+1))
	if bestDist >= 0 && bestDist <= allowed {
		return best
	}
	return ""
}

// Distance is the optimal-string-alignment (restricted Damerau–Levenshtein)
// distance between a and b in runes: an insertion, a deletion, a change or a
// swap of two neighbours, the commonest typo, each cost one.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// OrList joins alternatives for a message: "a", "a or b", "a, b or c".
func OrList(alternatives []string) string {
	switch n := len(alternatives); n {
	case 0:
		return ""
	case 1:
		return alternatives[0]
	default:
		return strings.Join(alternatives[:n-1], ", ") + " or " + alternatives[n-1]
	}
}
