package suggest

import "testing"

func TestClosest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"memroy", []string{"memory", "timeout"}, "memory"},    // swap
		{"Handler", []string{"handler", "runtime"}, "handler"}, // case only
		{"NodeJS22.x", []string{"nodejs20.x", "nodejs22.x"}, "nodejs22.x"},
		{"pyhton3.12", []string{"python3.11", "python3.12"}, "python3.12"},
		{"node", []string{"nodejs", "python"}, "nodejs"}, // 2 edits for 4 letters
		{"ab", []string{"xy"}, ""},                       // 2 edits for 2 letters is too many
		{"apx", []string{"api", "cron"}, "api"},
		{"beforeAllowTrafic", []string{"beforeAllowTraffic"}, "beforeAllowTraffic"},
		{"cobol", []string{"go1.x", "java21", "ruby3.4"}, ""},
		{"xyz", []string{"memory", "timeout"}, ""},
		{"zones", nil, ""},
	}
	for _, tt := range tests {
		if got := Closest(tt.word, tt.candidates); got != tt.want {
			t.Errorf("Closest(%q, %q) = %q, want %q", tt.word, tt.candidates, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"memory", "memory", 0},
		{"memroy", "memory", 1},
		{"memry", "memory", 1},
		{"handlr", "handler", 1},
		{"kitten", "sitting", 3},
		{"ab", "ba", 1},       // a swap is one edit
		{"ca", "abc", 3},      // no edit of a swapped pair
		{"héllo", "hello", 1}, // runes, not bytes
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestOrList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"x86_64", "arm64"}, "x86_64 or arm64"},
		{[]string{"a.js", "a.mjs", "a.cjs"}, "a.js, a.mjs or a.cjs"},
	}
	for _, tt := range tests {
		if got := OrList(tt.in); got != tt.want {
			t.Errorf("OrList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
