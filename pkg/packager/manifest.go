package packager

// Manifest describes one packaged function: the zip lamb wrote and what is in it.
// It is written beside the zip as .lamb/build/<function>.json and is the
// document `lamb package --output json` prints, so its JSON field names are a
// documented, stable interface.
type Manifest struct {
	// Function is the function's key in lamb.yaml.
	Function string `json:"function"`
	// Runtime and Architecture are the values the bundle was built for.
	Runtime      string `json:"runtime"`
	Architecture string `json:"architecture"`
	// Handler is the configured handler, kept so checks can look for its target.
	Handler string `json:"handler,omitempty"`
	// ZipPath is the path of the written zip.
	ZipPath string `json:"zipPath"`
	// CodeSha256 is the standard padded base64 of the SHA-256 of the zip bytes,
	// exactly as Lambda reports CodeSha256.
	CodeSha256 string `json:"codeSha256"`
	// Sha256 is the same digest in lower-case hex.
	Sha256 string `json:"sha256"`
	// ContentHash is a hex digest over the entries (path, mode, content) that
	// does not depend on compression; it names S3 objects.
	ContentHash string `json:"contentHash"`
	// ZippedBytes is the size of the zip file.
	ZippedBytes int64 `json:"zippedBytes"`
	// UnzippedBytes is the sum of the uncompressed sizes of all entries.
	UnzippedBytes int64 `json:"unzippedBytes"`
	// FileCount is the number of file and symlink entries (directories excluded).
	FileCount int `json:"fileCount"`
	// LargestFiles and LargestFolders are the ten biggest of each by unzipped size.
	LargestFiles   []PathSize `json:"largestFiles"`
	LargestFolders []PathSize `json:"largestFolders"`
	// NativeBinaries lists every ELF, Mach-O or PE file in the bundle.
	NativeBinaries []NativeBinary `json:"nativeBinaries"`
	// Files lists every entry in zip order. It is kept in memory for checks
	// (handler presence) and omitted from the JSON document.
	Files []FileEntry `json:"-"`
	// ExcludedEnvironmentFiles lists, by path in the bundle and sorted, the
	// files named in environment.files (or links to them) that were among
	// the function's files and were left out: they hold secrets.
	ExcludedEnvironmentFiles []string `json:"excludedEnvironmentFiles,omitempty"`
	// DroppedPrebuilds says which other platforms' prebuilt binaries of
	// Node.js packages were left out (package.prebuilds: match), when any were.
	DroppedPrebuilds *DroppedPrebuilds `json:"droppedPrebuilds,omitempty"`
	// SkippedInstallScripts lists the installed Node.js packages whose
	// install scripts did not run: package.allowScripts does not name them.
	SkippedInstallScripts []SkippedScript `json:"skippedInstallScripts,omitempty"`
	// PermissionFixes lists source files that were not world-readable and were
	// stored as 0644/0755 anyway.
	PermissionFixes []string `json:"permissionFixes,omitempty"`
	// NativeWheels lists the installed Python packages whose wheels are
	// built for a platform (not pure Python), sorted by name, each with the
	// wheel tag pip chose it by: which manylinux glibc floor it needs.
	NativeWheels []NativeWheel `json:"nativeWheels,omitempty"`
	// ExcludedScripts lists, by bundle path, the console scripts a Python
	// dependency install put in bin/, left out of the bundle: their first
	// line names the build machine's Python, which Lambda does not have.
	ExcludedScripts []string `json:"excludedScripts,omitempty"`
	// BackslashNames lists, as stored, the entries of package.artifact
	// whose names used \ as the folder separator; they are stored with /.
	BackslashNames []string `json:"backslashNames,omitempty"`
	// Cache reports how many entries were reused from the compression cache.
	Cache CacheStats `json:"cache"`
}

// PathSize is a path in the bundle with its unzipped size in bytes.
type PathSize struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// NativeBinary is a compiled executable or shared object found in the bundle.
type NativeBinary struct {
	Path string `json:"path"`
	// Format is "elf", "macho" or "pe".
	Format string `json:"format"`
	// Machine is "x86_64", "arm64", "386", "arm" or "unknown" (for ELF, from e_machine).
	Machine string `json:"machine"`
	// GlibcVersion is the newest GLIBC_x.y symbol version an ELF needs, when found.
	GlibcVersion string `json:"glibcVersion,omitempty"`
	// PlatformSibling, for a binary that does not run on the function's
	// platform, is a binary in a sibling platform folder that does and that
	// the package's loader picks instead (prebuilds/linux-x64/ beside
	// prebuilds/darwin-x64/).
	PlatformSibling string `json:"platformSibling,omitempty"`
}

// NativeWheel is an installed Python package built for a platform.
type NativeWheel struct {
	Package string `json:"package"`
	Version string `json:"version"`
	// Tag is the wheel's python-abi-platform tag as its file name spells
	// it, e.g. cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.
	Tag string `json:"tag"`
}

// FileEntry is one entry of the zip.
type FileEntry struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	Mode    uint32 `json:"mode"` // unix permission bits and type as stored (fs.FileMode)
	Symlink bool   `json:"symlink,omitempty"`
}

// CacheStats counts entries compressed in this run and entries reused.
// Only regular files are counted: folders and kept symlinks are never
// compressed. A reused file was copied as compressed bytes from the cache,
// either because its stat was unchanged or because its content was.
type CacheStats struct {
	Compressed int `json:"compressed"`
	Reused     int `json:"reused"`
}
