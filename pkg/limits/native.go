package limits

import (
	"fmt"
	"strings"

	"github.com/lambcli/lamb/pkg/packager"
)

func checkNativeBinaries(bins []packager.NativeBinary, arch, runtime string) []Finding {
	rt, rtKnown := LookupRuntime(runtime)
	var fs []Finding
	for _, b := range bins {
		switch b.Format {
		case "macho", "pe":
			kind := map[string]string{"macho": "a macOS (Mach-O)", "pe": "a Windows (PE)"}[b.Format]
			fs = append(fs, Finding{
				Check: "nativeBinary", Severity: SeverityError, Path: b.Path,
				Message: fmt.Sprintf("native binary: %s is %s binary; Lambda runs Linux and fails to load it with \"invalid ELF header\" or \"exec format error\"", b.Path, kind),
				Hint:    fmt.Sprintf("install dependencies for linux/%s (package.dependencies: auto does) or exclude the file", arch),
			})
			continue
		case "elf":
		default:
			continue
		}
		switch {
		case b.Machine == arch:
		case b.Machine == "unknown" || b.Machine == "":
			fs = append(fs, Finding{
				Check: "nativeBinary", Severity: SeverityWarning, Path: b.Path,
				Message: fmt.Sprintf("native binary: %s is an ELF file for an unrecognised machine; the function runs on %s", b.Path, arch),
				Hint:    fmt.Sprintf("make sure it is built for linux/%s, or exclude it", arch),
			})
			continue
		default:
			fs = append(fs, Finding{
				Check: "nativeBinary", Severity: SeverityError, Path: b.Path,
				Message: fmt.Sprintf("native binary: %s is built for %s but the function runs on %s; Lambda fails with \"exec format error\" or \"invalid ELF header\"", b.Path, b.Machine, arch),
				Hint:    fmt.Sprintf("rebuild or reinstall it for linux/%s, or set architecture to match", arch),
			})
			continue
		}
		if rtKnown && b.GlibcVersion != "" && versionNewer(b.GlibcVersion, rt.Glibc) {
			need := strings.TrimPrefix(b.GlibcVersion, "GLIBC_")
			fs = append(fs, Finding{
				Check: "nativeBinary", Severity: SeverityWarning, Path: b.Path,
				Message: fmt.Sprintf("native binary: %s needs glibc %s but %s (%s) provides glibc %s; it fails to load with \"GLIBC_%s not found\"",
					b.Path, need, rt.Name, osName(rt.OS), rt.Glibc, need),
				Hint: glibcHint(rt),
			})
		}
	}
	return fs
}

func osName(os string) string {
	switch os {
	case OSAL2023:
		return "Amazon Linux 2023"
	case OSAL2:
		return "Amazon Linux 2"
	}
	return "Amazon Linux"
}

func glibcHint(rt Runtime) string {
	switch rt.Family {
	case "python":
		// The runtime's glibc is the newest manylinux tag it loads, and the
		// one lamb asks pip for first.
		fix := fmt.Sprintf("install wheels tagged manylinux_%s or older (package.dependencies: auto asks pip for only those)", strings.ReplaceAll(rt.Glibc, ".", "_"))
		if rt.OS == OSAL2023 {
			return fix
		}
		return fix + ", or move to a runtime on Amazon Linux 2023"
	case "go", "provided":
		return "build with CGO_ENABLED=0, or against the glibc of the runtime"
	}
	return fmt.Sprintf("build it against glibc %s or older (e.g. on %s), or move to a runtime on Amazon Linux 2023", rt.Glibc, osName(rt.OS))
}
