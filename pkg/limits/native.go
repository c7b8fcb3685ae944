package limits

import (
	"fmt"
	"path"
	"strings"

	"github.com/lambcli/lamb/pkg/packager"
)

func checkNativeBinaries(bins []packager.NativeBinary, arch, runtime string, pkg PackageSettings) []Finding {
	rt, rtKnown := LookupRuntime(runtime)
	var fs []Finding
	var siblings []string // in the order first met
	foreign := map[string][]string{}
	for _, b := range bins {
		if s := b.PlatformSibling; s != "" {
			if foreign[s] == nil {
				siblings = append(siblings, s)
			}
			foreign[s] = append(foreign[s], b.Path)
			continue
		}
		switch b.Format {
		case "macho", "pe":
			kind := map[string]string{"macho": "a macOS (Mach-O)", "pe": "a Windows (PE)"}[b.Format]
			fs = append(fs, Finding{
				Check: "nativeBinary", Severity: SeverityError, Path: b.Path,
				Message: fmt.Sprintf("native binary: %s is %s binary; Lambda runs Linux and fails to load it with \"invalid ELF header\" or \"exec format error\"", b.Path, kind),
				Hint:    reinstallHint(b.Path, arch, pkg, "or exclude the file"),
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
				Hint:    reinstallHint(b.Path, arch, pkg, "or set architecture to match"),
			})
			continue
		}
		if rtKnown && b.GlibcVersion != "" && versionNewer(b.GlibcVersion, rt.Glibc) {
			need := strings.TrimPrefix(b.GlibcVersion, "GLIBC_")
			fs = append(fs, Finding{
				Check: "nativeBinary", Severity: SeverityWarning, Path: b.Path,
				Message: fmt.Sprintf("native binary: %s needs glibc %s but %s (%s) provides glibc %s; it fails to load with \"GLIBC_%s not found\"",
					b.Path, need, rt.Name, osName(rt.OS), rt.Glibc, need),
				Hint: glibcHint(rt, pkg),
			})
		}
	}
	for _, s := range siblings {
		fs = append(fs, foreignWithSibling(s, foreign[s], arch, pkg))
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

// foreignWithSibling judges the binaries for other platforms that sit
// beside sibling, one for the function's platform that the package's loader
// picks at run time: they only take space.
func foreignWithSibling(sibling string, files []string, arch string, pkg PackageSettings) Finding {
	folder := path.Dir(path.Dir(sibling))
	f := Finding{
		Check: "nativeBinary", Severity: SeverityWarning, Path: folder,
		Message: fmt.Sprintf("native binary: %s holds %d %s for other platforms than linux/%s; the package loads %s there, so they only take space",
			folder, len(files), plural(len(files), "build", "builds"), arch, sibling),
		Hint: fmt.Sprintf("leave them out with package.exclude, e.g. %s/", path.Dir(files[0])),
	}
	if pkg.Prebuilds == "all" {
		// Kept on purpose: worth a mention, not a warning.
		f.Severity = SeverityInfo
		f.Hint = "package.prebuilds: all keeps them; package.prebuilds: match leaves other platforms' prebuilds out"
	}
	for _, p := range files {
		f.Details = append(f.Details, Detail{Kind: "file", Name: p})
	}
	return f
}

// reinstallHint says how to get a binary for linux/arch, suggesting only
// what the settings do not already do; alternative ends it.
func reinstallHint(file, arch string, pkg PackageSettings, alternative string) string {
	switch {
	case pkg.Artifact:
		return fmt.Sprintf("rebuild package.artifact with binaries for linux/%s, %s", arch, alternative)
	case !pkg.installs():
		return fmt.Sprintf("set package.dependencies: auto so that lamb installs dependencies for linux/%s, %s", arch, alternative)
	case strings.HasPrefix(file, "node_modules/") || strings.Contains(file, "/node_modules/"):
		return fmt.Sprintf("lamb installed the package for linux/%s and it brought no build for it: use a version of the package that ships one, or build it in package.build, %s", arch, alternative)
	}
	return fmt.Sprintf("rebuild or reinstall it for linux/%s, %s", arch, alternative)
}

func glibcHint(rt Runtime, pkg PackageSettings) string {
	switch rt.Family {
	case "python":
		// The runtime's glibc is the newest manylinux tag it loads, and the
		// one lamb asks pip for first.
		tag := "manylinux_" + strings.ReplaceAll(rt.Glibc, ".", "_")
		fix := fmt.Sprintf("pin a version of the package with wheels tagged %s or older", tag)
		if !pkg.installs() {
			fix = fmt.Sprintf("install wheels tagged %s or older (set package.dependencies: auto and lamb does)", tag)
		}
		if rt.OS == OSAL2023 {
			return fix
		}
		return fix + ", or move to a runtime on Amazon Linux 2023"
	case "go", "provided":
		return "build with CGO_ENABLED=0, or against the glibc of the runtime"
	}
	return fmt.Sprintf("build it against glibc %s or older (e.g. on %s), or move to a runtime on Amazon Linux 2023", rt.Glibc, osName(rt.OS))
}

// checkSkippedScripts warns about installed Node.js packages whose install
// scripts were skipped, unless the script only picks a prebuild the
// package ships for the function's platform.
func checkSkippedScripts(skipped []packager.SkippedScript) []Finding {
	var f Finding
	for _, s := range packager.UnmetScripts(skipped) {
		f.Details = append(f.Details, Detail{Kind: "package", Name: s.Label() + " (" + strings.Join(s.Scripts, "; ") + ")"})
	}
	if len(f.Details) == 0 {
		return nil
	}
	f.Check, f.Severity, f.Field = "installScripts", SeverityWarning, "package.allowScripts"
	f.Message = fmt.Sprintf("install scripts: %d %s install scripts did not run, so what they build or download is not in the bundle",
		len(f.Details), plural(len(f.Details), "package's", "packages'"))
	f.Hint = "if the function needs it, add the package names to package.allowScripts (their scripts then run for linux on this machine)"
	return []Finding{f}
}
