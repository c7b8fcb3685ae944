package packager

import (
	"os"
	"path/filepath"
	"strings"
)

// LayerLayout says how a layer's content is laid out for its runtimes, as
// Lambda adds a layer's folders to each runtime's search path: the first
// runtime decides, and is the runtime dependencies are installed for.
//
//   - python*: the source and its installed requirements under python/
//   - nodejs*: the source under nodejs/, its production dependencies
//     (package.json) under nodejs/node_modules/
//   - java*: the source's files (jars) under java/lib/, no build
//   - anything else (provided.*, a custom layout): the source as it is
//
// A source that already holds the runtime's top folder (python/, nodejs/,
// java/) is taken as it is, with no install: it is laid out already.
//
// runtime is what the builder builds for ("" builds nothing beyond
// package.build) and prefix the folder the bundle goes under.
func LayerLayout(runtimes []string, source string) (runtime, prefix string) {
	if len(runtimes) == 0 {
		return "", ""
	}
	first := runtimes[0]
	var top string
	switch {
	case strings.HasPrefix(first, "python"):
		runtime, top, prefix = first, "python", "python"
	case strings.HasPrefix(first, "nodejs"):
		runtime, top, prefix = first, "nodejs", "nodejs"
	case strings.HasPrefix(first, "java"):
		// Java layers ship jars as they are: the runtime puts each jar of
		// java/lib on the class path; lamb builds no jar for a layer.
		runtime, top, prefix = "", "java", "java/lib"
	default:
		return "", ""
	}
	if fi, err := os.Stat(filepath.Join(source, top)); err == nil && fi.IsDir() {
		return "", ""
	}
	return runtime, prefix
}
