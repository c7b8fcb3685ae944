package limits

import (
	"fmt"
	"slices"
	"strings"
)

// checkLayerCompat reports a layer whose compatible runtimes or
// architectures, when it states them, leave out the function's: its
// content was built for another runtime (a Python layer's python/ folder
// means nothing to Node.js) or instruction set (native code that does not
// load).
func checkLayerCompat(runtime, arch string, layers []Layer) []Finding {
	var fs []Finding
	for _, l := range layers {
		if len(l.Runtimes) > 0 && runtime != "" && !slices.Contains(l.Runtimes, runtime) {
			fs = append(fs, Finding{
				Check: "layerCompatibility", Severity: SeverityError, Field: "layers",
				Message: fmt.Sprintf("layers: layer %s is compatible with runtimes %s, not with the function's runtime %s", l.Ref, strings.Join(l.Runtimes, ", "), runtime),
				Hint:    fmt.Sprintf("use a layer built for %s, or add %s to the layer's runtimes when its content works there", runtime, runtime),
			})
		}
		if len(l.Architectures) > 0 && arch != "" && !slices.Contains(l.Architectures, arch) {
			fs = append(fs, Finding{
				Check: "layerCompatibility", Severity: SeverityError, Field: "layers",
				Message: fmt.Sprintf("layers: layer %s is built for %s, not for the function's architecture %s", l.Ref, strings.Join(l.Architectures, ", "), arch),
				Hint:    fmt.Sprintf("use a layer built for %s, or add %s to the layer's architectures and rebuild it", arch, arch),
			})
		}
	}
	return fs
}
