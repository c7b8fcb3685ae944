// Package packager turns a function's source into the zip Lambda runs: it
// has the runtime's builder produce the bundle's folders (package builder),
// selects files with gitignore rules, writes a byte-for-byte reproducible
// zip with parallel compression and a per-file compression cache, and
// describes the result in a Manifest. Checking the bundle against Lambda's
// limits and uploading it are left to pkg/limits and pkg/deploy.
package packager

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Spec says what to package and where the results go. The CLI fills it from
// lamb.yaml and flags.
type Spec struct {
	// Function is the key in lamb.yaml; it names <OutDir>/<Function>.zip and .json.
	Function string
	// Source is the absolute folder to package.
	Source string
	// Runtime, Architecture ("x86_64" or "arm64") and Handler are passed to
	// the builder and recorded in the manifest.
	Runtime, Architecture, Handler string
	// Build is the package.build command, run by the builder.
	Build string
	// Dependencies is "auto" (install production dependencies) or "none".
	Dependencies string
	// Artifact is an optional ready .zip, .jar or .tar.gz used as the
	// bundle; it is re-written deterministically.
	Artifact string
	// Include and Exclude are gitignore-style globs over zip paths. When
	// Include is set only matching files are taken.
	Include, Exclude []string
	// Symlinks is "follow" (the default: links inside the source become
	// copies) or "keep" (links are stored as links).
	Symlinks string
	// OutDir receives the zip and the manifest, e.g. <project>/.lamb/build.
	OutDir string
	// CacheDir holds the compression cache; "" means DefaultCacheDir().
	CacheDir string
	// NoCache makes a cold build: the cache is not read (but is refreshed).
	NoCache bool
	// Workers is the number of compressing goroutines; 0 means GOMAXPROCS.
	Workers int
	// Log receives build and install tool output; nil discards it.
	Log io.Writer
	// Progress receives step messages; nil discards them.
	Progress Progress

	// memFileLimit overrides the size from which files are streamed
	// through a spill file rather than compressed in memory (tests).
	memFileLimit int64
}

// Progress receives short human-readable step messages, so the caller
// decides how (and whether) to show them.
type Progress interface {
	Step(function, message string)
}

// DefaultCacheDir is where lamb keeps caches shared by all projects:
// $LAMB_CACHE_DIR when set, otherwise the "lamb" folder of the user cache
// folder ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS,
// %LocalAppData% on Windows). When no user cache folder is known it falls
// back to a "lamb-cache" folder in the system temporary folder.
func DefaultCacheDir() string {
	if d := os.Getenv("LAMB_CACHE_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "lamb")
	}
	return filepath.Join(os.TempDir(), "lamb-cache")
}

// Package builds, selects and zips one function and writes
// <OutDir>/<Function>.zip with its manifest <OutDir>/<Function>.json. Both
// are replaced atomically: an interrupted run leaves the previous ones.
func Package(ctx context.Context, spec Spec) (*Manifest, error) {
	if err := spec.normalize(); err != nil {
		return nil, err
	}
	spec.step("building")
	b, err := runBuilder(ctx, &spec)
	if err != nil {
		return nil, err
	}
	return packageBundle(ctx, &spec, b)
}

// bundle is what a builder produced: folders to merge, or one archive.
type bundle struct {
	trees   []tree
	archive string
}

func (s *Spec) step(msg string) {
	if s.Progress != nil {
		s.Progress.Step(s.Function, msg)
	}
}

func (s *Spec) normalize() error {
	if s.Function == "" {
		return errors.New("the function name is empty; name the function under functions: in lamb.yaml")
	}
	if strings.ContainsAny(s.Function, `/\`) || s.Function == "." || s.Function == ".." {
		return fmt.Errorf("function name %q contains a slash; rename it in lamb.yaml", s.Function)
	}
	if !filepath.IsAbs(s.Source) {
		abs, err := filepath.Abs(s.Source)
		if err != nil {
			return fmt.Errorf("resolve source %s: %w", s.Source, err)
		}
		s.Source = abs
	}
	if s.OutDir == "" {
		return errors.New("no output folder given")
	}
	out, err := filepath.Abs(s.OutDir)
	if err != nil {
		return fmt.Errorf("resolve output folder %s: %w", s.OutDir, err)
	}
	s.OutDir = out
	switch s.Symlinks {
	case "":
		s.Symlinks = "follow"
	case "follow", "keep":
	default:
		return fmt.Errorf("package.symlinks is %q; use follow or keep", s.Symlinks)
	}
	if s.CacheDir == "" {
		s.CacheDir = DefaultCacheDir()
	}
	if s.Workers <= 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	return nil
}

// packageBundle selects, zips and describes a built bundle.
func packageBundle(ctx context.Context, spec *Spec, b *bundle) (*Manifest, error) {
	if err := os.MkdirAll(spec.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder %s: %w", spec.OutDir, err)
	}
	tmpDir, err := os.MkdirTemp(spec.OutDir, "."+spec.Function+"-tmp-")
	if err != nil {
		return nil, fmt.Errorf("create a temporary folder in %s: %w", spec.OutDir, err)
	}
	defer os.RemoveAll(tmpDir)

	trees := b.trees
	if b.archive != "" {
		spec.step("unpacking " + b.archive)
		dir := filepath.Join(tmpDir, "artifact")
		if err := extractArchive(ctx, b.archive, dir, artifactLimits()); err != nil {
			return nil, err
		}
		trees = []tree{{Dir: dir}}
	}
	if len(trees) == 0 {
		return nil, errors.New("the build produced nothing to package; check source and package settings in lamb.yaml")
	}

	// Reading the cache index overlaps with the walk.
	cacheReady := make(chan *zipCache, 1)
	go func() { cacheReady <- openCache(spec.CacheDir, spec.Source, spec.Function, !spec.NoCache) }()
	var cache *zipCache
	defer func() {
		if cache == nil {
			cache = <-cacheReady
		}
		cache.close()
	}()

	spec.step("selecting files")
	lambignore, err := readIgnoreFile(filepath.Join(spec.Source, ".lambignore"))
	if err != nil {
		return nil, err
	}
	sel, err := newSelector(lambignore, spec.Include, spec.Exclude)
	if err != nil {
		return nil, err
	}
	src, err := selectFiles(ctx, trees, sel, spec.Symlinks, []string{spec.OutDir, tmpDir})
	if err != nil {
		return nil, err
	}
	entries, err := newZipEntries(src)
	if err != nil {
		return nil, err
	}

	cache = <-cacheReady
	zipPath := filepath.Join(spec.OutDir, spec.Function+".zip")
	job := &zipJob{entries: entries, cache: cache, workers: spec.Workers, tmpDir: tmpDir, memLimit: spec.memFileLimit}

	stats, err := reusePack(job, zipPath)
	if err != nil {
		return nil, err
	}
	if stats == nil {
		spec.step(fmt.Sprintf("zipping %d entries", len(entries)))
		stats, err = writeZipFile(ctx, job, zipPath)
		if err != nil {
			return nil, err
		}
		// The cache only ever saves time: failing to update it is not
		// worth failing a build that succeeded. It is updated while the
		// manifest is written.
		stored := make(chan struct{})
		go func() {
			defer close(stored)
			_ = cache.store(zipPath, stats.sha, stats.records)
		}()
		defer func() { <-stored }()
	}

	m := buildManifest(spec, zipPath, entries, stats)
	jsonPath := filepath.Join(spec.OutDir, spec.Function+".json")
	if err := writeFileAtomic(jsonPath, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}); err != nil {
		return nil, fmt.Errorf("write manifest %s: %w", jsonPath, err)
	}
	spec.step(fmt.Sprintf("wrote %s (%d bytes, %d files)", zipPath, m.ZippedBytes, m.FileCount))
	return m, nil
}

// reusePack handles the common warm case: every entry is unchanged since
// the cache's pack was written, so the pack is the zip. It returns nil
// stats when the zip has to be written.
func reusePack(job *zipJob, zipPath string) (*zipStats, error) {
	c := job.cache
	if c.index == nil || len(c.index.Records) != len(job.entries) {
		return nil, nil
	}
	for i, e := range job.entries {
		if !job.plan(e) {
			return nil, nil
		}
		r := &c.index.Records[i]
		if r.Name != e.src.name || r.Kind != e.src.kind || r.Mode != uint32(e.mode) || r.Sha != e.sha ||
			r.CRC != e.crc || r.USize != e.usize || r.CSize != e.csize || r.Method != e.method ||
			(e.fromPack && r.Offset != e.packOff) {
			return nil, nil
		}
	}
	if !sameFile(c.packPath(), zipPath) {
		if err := linkOrCopy(c.packPath(), zipPath); err != nil {
			return nil, fmt.Errorf("copy the cached zip to %s: %w", zipPath, err)
		}
	}
	c.touch()
	st := &zipStats{sha: c.index.ZipSha256, size: c.index.Pack.Size, records: c.index.Records}
	for _, e := range job.entries {
		if e.src.kind == kindFile {
			st.reused++
		}
	}
	return st, nil
}

// writeZipFile writes the zip through a temporary file and renames it into
// place, so an interrupted run never leaves half a zip.
func writeZipFile(ctx context.Context, job *zipJob, zipPath string) (*zipStats, error) {
	f, err := os.CreateTemp(filepath.Dir(zipPath), "."+filepath.Base(zipPath)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", zipPath, err)
	}
	tmp := f.Name()
	bw := bufio.NewWriterSize(f, 1<<20)
	stats, err := job.writeZip(ctx, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write %s: %w", zipPath, cerr)
	}
	if err == nil {
		if rerr := os.Rename(tmp, zipPath); rerr != nil {
			err = fmt.Errorf("write %s: %w", zipPath, rerr)
		}
	}
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return stats, nil
}
