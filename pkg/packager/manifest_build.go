package packager

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// topN is how many largest files and folders the manifest lists.
const topN = 10

// buildManifest describes the written zip from its entries.
func buildManifest(spec *Spec, zipPath string, entries []*zipEntry, stats *zipStats) *Manifest {
	m := &Manifest{
		Function:       spec.Function,
		Runtime:        spec.Runtime,
		Architecture:   spec.Architecture,
		Handler:        spec.Handler,
		ZipPath:        zipPath,
		CodeSha256:     base64.StdEncoding.EncodeToString(stats.sha[:]),
		Sha256:         hex.EncodeToString(stats.sha[:]),
		ZippedBytes:    stats.size,
		LargestFiles:   []PathSize{},
		LargestFolders: []PathSize{},
		NativeBinaries: []NativeBinary{},
		Files:          make([]FileEntry, 0, len(entries)),
		Cache:          CacheStats{Compressed: stats.compressed, Reused: stats.reused},
	}
	content := sha256.New()
	folders := map[string]int64{}
	var files []PathSize
	var line []byte
	for _, e := range entries {
		s := e.src
		// name NUL octal-mode NUL hex-sha256 LF: the content hash's input.
		line = append(line[:0], s.name...)
		line = append(line, 0)
		line = strconv.AppendUint(line, uint64(uint32(e.mode)), 8)
		line = append(line, 0)
		line = hex.AppendEncode(line, e.sha[:])
		content.Write(append(line, '\n'))
		m.Files = append(m.Files, FileEntry{Path: s.zipPath, Size: e.usize, Mode: uint32(e.mode), Symlink: s.kind == kindSymlink})
		if s.kind == kindDir {
			continue
		}
		m.FileCount++
		m.UnzippedBytes += e.usize
		files = append(files, PathSize{Path: s.zipPath, Bytes: e.usize})
		// zip paths are clean and relative: each slash ends a parent folder.
		for i := strings.LastIndexByte(s.zipPath, '/'); i > 0; i = strings.LastIndexByte(s.zipPath[:i], '/') {
			folders[s.zipPath[:i]] += e.usize
		}
		if e.sniff.Format != "" {
			m.NativeBinaries = append(m.NativeBinaries, NativeBinary{Path: s.zipPath, Format: e.sniff.Format, Machine: e.sniff.Machine, GlibcVersion: e.glibc})
		}
		if s.kind == kindFile && fs.FileMode(s.stat.Mode)&0o004 == 0 && userFile(spec, s.diskPath) {
			m.PermissionFixes = append(m.PermissionFixes, s.zipPath)
		}
	}
	markPlatformSiblings(m.NativeBinaries, spec.Architecture)
	m.ContentHash = hex.EncodeToString(content.Sum(nil))
	m.LargestFiles = largest(files)
	dirs := make([]PathSize, 0, len(folders))
	for p, n := range folders {
		dirs = append(dirs, PathSize{Path: p, Bytes: n})
	}
	m.LargestFolders = largest(dirs)
	return m
}

// userFile says whether p is one of the user's own source files, which
// chmod can fix, rather than a dependency install or unpacked artifact in
// lamb's cache or output folder (which may lie inside the source).
func userFile(spec *Spec, p string) bool {
	if !within(spec.Source, p) {
		return false
	}
	for _, own := range []string{spec.CacheDir, spec.OutDir} {
		if own == "" {
			continue
		}
		if abs, err := filepath.Abs(own); err == nil && within(abs, p) {
			return false
		}
	}
	return true
}

// largest returns the topN biggest, ties broken by path so the list is stable.
func largest(all []PathSize) []PathSize {
	slices.SortFunc(all, func(a, b PathSize) int {
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	if len(all) > topN {
		all = all[:topN]
	}
	return append([]PathSize{}, all...)
}
