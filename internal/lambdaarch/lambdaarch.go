// Package lambdaarch lists the instruction-set architectures Lambda runs.
// It is the one list that lamb.yaml validation, lamb check and the builders
// read; how each tool spells an architecture stays with the builders.
package lambdaarch

import "slices"

// Default is the architecture Lambda gives a function that names none.
const Default = "x86_64"

// Names returns the architectures Lambda runs, Default first.
func Names() []string { return []string{Default, "arm64"} }

// Valid reports whether name is one of Names.
func Valid(name string) bool { return slices.Contains(Names(), name) }
