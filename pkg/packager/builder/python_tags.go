package builder

import (
	"fmt"
	"strconv"
	"strings"
)

// glibcMinor is the glibc 2.x each Python runtime's Amazon Linux ships:
// Amazon Linux 2 (python3.11 and older) has 2.26, Amazon Linux 2023
// (python3.12 and newer) 2.34. A wheel built for a newer glibc fails to load.
func glibcMinor(runtime string) int {
	v, ok := strings.CutPrefix(runtime, "python3.")
	if !ok {
		return 26
	}
	minor, err := strconv.Atoi(v)
	if err != nil || minor < 12 {
		return 26
	}
	return 34
}

// pipPlatforms lists, newest first, every manylinux platform tag the
// runtime's glibc loads on the architecture, so pip (or uv) picks the newest
// release that publishes a compatible wheel. manylinux2014 (glibc 2.17) is
// the floor: pip widens it to manylinux2010 and manylinux1 itself.
func pipPlatforms(runtime string, a arch) []string {
	machine := strings.TrimPrefix(a.pip, "manylinux2014_")
	var tags []string
	for minor := glibcMinor(runtime); minor > 17; minor-- {
		tags = append(tags, fmt.Sprintf("manylinux_2_%d_%s", minor, machine))
	}
	return append(tags, fmt.Sprintf("manylinux_2_17_%s", machine), a.pip)
}
