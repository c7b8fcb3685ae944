package packager

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/lambcli/lamb/internal/lambdaarch"
	"github.com/lambcli/lamb/pkg/packager/builder"
)

// SkippedScript is a Node.js dependency whose install scripts did not run.
type SkippedScript = builder.SkippedScript

// DroppedPrebuilds is what package.prebuilds: match left out of the bundle:
// the prebuilt binaries of Node.js packages (prebuilds/<os>-<arch>/, as
// prebuildify lays them out and node-gyp-build loads them) for platforms
// other than the function's, and musl builds next to glibc ones.
type DroppedPrebuilds struct {
	// Paths are the folders (or, for musl builds, files) left out, sorted.
	Paths []string `json:"paths"`
	// Files and Bytes count the files left out and their unzipped size.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// nodePlatform is a folder name such as linux-x64, darwin-x64+arm64 or
// linux-arm64-musl read as Node.js's process.platform and process.arch.
type nodePlatform struct {
	os    string
	archs []string
	libc  string // "musl", "glibc" or "" for either
}

var nodeOSes = map[string]bool{
	"aix": true, "android": true, "darwin": true, "freebsd": true, "ios": true, "linux": true,
	"netbsd": true, "openbsd": true, "sunos": true, "win32": true,
}

var nodeArchs = map[string]bool{
	"arm": true, "arm64": true, "ia32": true, "loong64": true, "mips": true, "mipsel": true,
	"ppc": true, "ppc64": true, "riscv64": true, "s390": true, "s390x": true, "x64": true,
}

// parseNodePlatform reads a folder name as a platform; ok is false for any
// other name.
func parseNodePlatform(name string) (p nodePlatform, ok bool) {
	parts := strings.Split(name, "-")
	if len(parts) < 2 || len(parts) > 3 || !nodeOSes[parts[0]] {
		return p, false
	}
	p.os = parts[0]
	for _, a := range strings.Split(parts[1], "+") {
		if !nodeArchs[a] {
			return p, false
		}
		p.archs = append(p.archs, a)
	}
	if len(parts) == 3 {
		switch parts[2] {
		case "musl":
			p.libc = "musl"
		case "glibc", "gnu":
			p.libc = "glibc"
		default:
			return p, false
		}
	}
	return p, true
}

// runsOn reports whether binaries of platform p load on Lambda's Linux
// (glibc) for the Node.js architecture arch.
func (p nodePlatform) runsOn(arch string) bool {
	if p.os != "linux" || p.libc == "musl" {
		return false
	}
	for _, a := range p.archs {
		if a == arch {
			return true
		}
	}
	return false
}

// scriptsWarning is the line that names the packages whose install scripts
// were skipped and may be missed, or "" when there are none: a skipped
// node-gyp-build script whose package ships the function's prebuild
// loses nothing.
func scriptsWarning(skipped []SkippedScript) string {
	var names []string
	for _, s := range UnmetScripts(skipped) {
		names = append(names, s.Label())
	}
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("skipped the install scripts of %s (not in package.allowScripts)", strings.Join(names, ", "))
}

// UnmetScripts returns the skipped install scripts whose work the bundle
// may miss: all but those that only pick a prebuild it holds.
func UnmetScripts(skipped []SkippedScript) []SkippedScript {
	var out []SkippedScript
	for _, s := range skipped {
		if !s.Prebuilt {
			out = append(out, s)
		}
	}
	return out
}

// nodeArch spells a Lambda architecture as Node.js's process.arch.
func nodeArch(lambdaArch string) string {
	if lambdaArch == "arm64" {
		return "arm64"
	}
	return "x64"
}

// muslTagged reports whether a prebuild file name carries prebuildify's
// musl tag, as in bcrypt.musl.node.
func muslTagged(name string) bool {
	for _, t := range strings.Split(name, ".") {
		if t == "musl" {
			return true
		}
	}
	return false
}

// prebuildOf splits a zip path inside a prebuilds folder into the folder
// (node_modules/x/prebuilds), the platform folder's name and the rest.
func prebuildOf(zipPath string) (root, platform, rest string, ok bool) {
	segs := strings.Split(zipPath, "/")
	for i := len(segs) - 3; i >= 0; i-- {
		if segs[i] != "prebuilds" {
			continue
		}
		if _, ok := parseNodePlatform(segs[i+1]); ok {
			return strings.Join(segs[:i+1], "/"), segs[i+1], strings.Join(segs[i+2:], "/"), true
		}
	}
	return "", "", "", false
}

// dropForeignPrebuilds leaves out of entries the prebuilds a Lambda
// function of the Node.js architecture arch never loads. Only a prebuilds
// folder that holds a glibc (or untagged) build for linux-<arch> loses its
// other platforms: without one the package has nothing to load on Lambda,
// and the check should see what it ships.
func dropForeignPrebuilds(entries []*sourceEntry, arch string) ([]*sourceEntry, *DroppedPrebuilds) {
	usable := map[string]bool{} // prebuilds roots with a build for the function
	for _, e := range entries {
		if e.kind == kindDir {
			continue
		}
		root, platform, rest, ok := prebuildOf(e.zipPath)
		if !ok {
			continue
		}
		if p, _ := parseNodePlatform(platform); p.runsOn(arch) && !muslTagged(path.Base(rest)) {
			usable[root] = true
		}
	}
	if len(usable) == 0 {
		return entries, nil
	}
	d := &DroppedPrebuilds{}
	paths := map[string]bool{}
	kept := make([]*sourceEntry, 0, len(entries))
	for _, e := range entries {
		if e.kind != kindDir {
			if root, platform, rest, ok := prebuildOf(e.zipPath); ok && usable[root] {
				p, _ := parseNodePlatform(platform)
				drop := ""
				switch {
				case !p.runsOn(arch):
					drop = root + "/" + platform
				case muslTagged(path.Base(rest)):
					drop = e.zipPath
				}
				if drop != "" {
					paths[drop] = true
					d.Files++
					if e.kind == kindFile {
						d.Bytes += e.stat.Size
					}
					continue
				}
			}
		}
		kept = append(kept, e)
	}
	if d.Files == 0 {
		return entries, nil
	}
	for p := range paths {
		d.Paths = append(d.Paths, p)
	}
	sort.Strings(d.Paths)
	return dropEmptyFolders(kept), d
}

// dropEmptyFolders removes the folder entries no kept file lies in.
func dropEmptyFolders(entries []*sourceEntry) []*sourceEntry {
	used := map[string]bool{}
	for _, e := range entries {
		if e.kind == kindDir {
			continue
		}
		for d := path.Dir(e.zipPath); d != "." && !used[d]; d = path.Dir(d) {
			used[d] = true
		}
	}
	out := entries[:0]
	for _, e := range entries {
		if e.kind != kindDir || used[e.zipPath] {
			out = append(out, e)
		}
	}
	return out
}

// markPlatformSiblings fills PlatformSibling of each binary that does not
// run on the function's platform but sits in a platform folder (such as
// prebuilds/darwin-x64/) next to one that does (prebuilds/linux-x64/):
// the loader picks that one at run time.
func markPlatformSiblings(bins []NativeBinary, lambdaArch string) {
	if lambdaArch == "" {
		lambdaArch = lambdaarch.Default
	}
	arch := nodeArch(lambdaArch)
	runs := func(b NativeBinary) bool { return b.Format == "elf" && b.Machine == lambdaArch }
	sibling := map[string]string{} // parent of a platform folder -> a binary for the function
	for _, b := range bins {
		if !runs(b) || muslTagged(path.Base(b.Path)) {
			continue
		}
		segs := strings.Split(b.Path, "/")
		for i := 0; i < len(segs)-1; i++ {
			if p, ok := parseNodePlatform(segs[i]); ok && p.runsOn(arch) {
				parent := strings.Join(segs[:i], "/")
				if _, seen := sibling[parent]; !seen {
					sibling[parent] = b.Path
				}
			}
		}
	}
	if len(sibling) == 0 {
		return
	}
	for i, b := range bins {
		if runs(b) {
			continue
		}
		segs := strings.Split(b.Path, "/")
		for j := 0; j < len(segs)-1; j++ {
			if _, ok := parseNodePlatform(segs[j]); !ok {
				continue
			}
			if s, ok := sibling[strings.Join(segs[:j], "/")]; ok && s != b.Path {
				bins[i].PlatformSibling = s
				break
			}
		}
	}
}
