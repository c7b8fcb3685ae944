package packager

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
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
	for _, e := range entries {
		s := e.src
		fmt.Fprintf(content, "%s\x00%o\x00%x\n", s.name, uint32(e.mode), e.sha)
		m.Files = append(m.Files, FileEntry{Path: s.zipPath, Size: e.usize, Mode: uint32(e.mode), Symlink: s.kind == kindSymlink})
		if s.kind == kindDir {
			continue
		}
		m.FileCount++
		m.UnzippedBytes += e.usize
		files = append(files, PathSize{Path: s.zipPath, Bytes: e.usize})
		for d := path.Dir(s.zipPath); d != "."; d = path.Dir(d) {
			folders[d] += e.usize
		}
		if e.sniff.Format != "" {
			m.NativeBinaries = append(m.NativeBinaries, NativeBinary{Path: s.zipPath, Format: e.sniff.Format, Machine: e.sniff.Machine, GlibcVersion: e.glibc})
		}
		if s.kind == kindFile && fs.FileMode(s.stat.Mode)&0o004 == 0 {
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

// largest returns the topN biggest, ties broken by path so the list is stable.
func largest(all []PathSize) []PathSize {
	sort.Slice(all, func(i, j int) bool {
		if all[i].Bytes != all[j].Bytes {
			return all[i].Bytes > all[j].Bytes
		}
		return all[i].Path < all[j].Path
	})
	if len(all) > topN {
		all = all[:topN]
	}
	return append([]PathSize{}, all...)
}
