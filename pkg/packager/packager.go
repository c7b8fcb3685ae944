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
	"time"

	"github.com/lambcli/lamb/internal/atomicfile"
	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/pkg/progress"
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
	// Main is the folder of a Go module's main package relative to
	// Source ("" or "." for the root).
	Main string
	// Installer is the Python installer: "auto" (uv when on PATH), "pip"
	// or "uv".
	Installer string
	// Bundle is "none" or "esbuild"; esbuild bundles a nodejs handler
	// with Esbuild's settings.
	Bundle  string
	Esbuild BundleOptions
	// Include and Exclude are gitignore-style globs over zip paths. When
	// Include is set only matching files are taken.
	Include, Exclude []string
	// Symlinks is "follow" (the default: links inside the source become
	// copies) or "keep" (links are stored as links).
	Symlinks string
	// Prebuilds is "match" (the default: of a Node.js package's
	// prebuilds/<os>-<arch>/ folders only the function's platform's are
	// kept) or "all".
	Prebuilds string
	// AllowScripts names the Node.js dependencies whose install scripts
	// may run.
	AllowScripts []string
	// Prefix places the whole bundle under a folder of the zip (a
	// layer's python/ or nodejs/: see LayerLayout); "" is the root.
	Prefix string
	// EnvironmentFiles are the absolute paths of the function's dotenv
	// files. They never enter the bundle, whatever their names and the
	// patterns, nor does any link to them.
	EnvironmentFiles []string
	// OutDir receives the zip and the manifest, e.g. <project>/.lamb/build.
	OutDir string
	// Project is the folder OutDir lies in, that of lamb.yaml. The folders
	// from it down to OutDir are lamb's own and must not be symbolic
	// links, so a project cannot send lamb's writes elsewhere; "" means
	// only OutDir itself is checked.
	Project string
	// CacheDir holds the compression and dependency caches; the caller
	// decides where (cmd resolves it with the other settings).
	CacheDir string
	// NoCache makes a cold build: the cache is not read (but is refreshed).
	NoCache bool
	// Workers is the number of compressing goroutines; 0 means GOMAXPROCS.
	Workers int
	// Log receives build and install tool output; nil discards it.
	Log io.Writer
	// Events receives what the packaging is doing (step "package"); nil
	// discards them.
	Events progress.Sink

	// memFileLimit overrides the size from which files are streamed
	// through a spill file rather than compressed in memory (tests).
	memFileLimit int64
}

// Package builds, selects and zips one function and writes
// <OutDir>/<Function>.zip with its manifest <OutDir>/<Function>.json. The
// two are replaced together: a run that fails or is interrupted leaves the
// previous pair.
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
	// What the dependency install reports for the manifest.
	nativeWheels    []NativeWheel
	excludedScripts []string
	skipped         []SkippedScript
}

// StepName is the name of the packaging step in progress events.
const StepName = "package"

// step reports a detail of the packaging, shown with --verbose.
func (s *Spec) step(msg string) {
	s.emit(progress.Note, msg)
}

// phase reports a long phase of the packaging ("installing npm dependencies
// for linux/arm64"), shown as it begins.
func (s *Spec) phase(msg string) {
	s.emit(progress.Advanced, msg)
}

func (s *Spec) emit(kind progress.Kind, msg string) {
	progress.OrDiscard(s.Events).Event(progress.Event{Function: s.Function, Step: StepName, Kind: kind, Message: msg})
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
	files := make([]string, len(s.EnvironmentFiles))
	for i, f := range s.EnvironmentFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			return fmt.Errorf("resolve dotenv file %s: %w", f, err)
		}
		files[i] = abs
	}
	s.EnvironmentFiles = files
	if s.OutDir == "" {
		return errors.New("no output folder given")
	}
	out, err := filepath.Abs(s.OutDir)
	if err != nil {
		return fmt.Errorf("resolve output folder %s: %w", s.OutDir, err)
	}
	s.OutDir = out
	if s.Project != "" {
		p, err := filepath.Abs(s.Project)
		if err != nil {
			return fmt.Errorf("resolve project folder %s: %w", s.Project, err)
		}
		s.Project = p
	}
	switch s.Symlinks {
	case "":
		s.Symlinks = "follow"
	case "follow", "keep":
	default:
		return fmt.Errorf("package.symlinks is %q; use follow or keep", s.Symlinks)
	}
	switch s.Prebuilds {
	case "":
		s.Prebuilds = "match"
	case "match", "all":
	default:
		return fmt.Errorf("package.prebuilds is %q; use match or all", s.Prebuilds)
	}
	if s.CacheDir == "" {
		return errors.New("no cache folder given")
	}
	if s.Workers <= 0 {
		s.Workers = runtime.GOMAXPROCS(0)
	}
	return nil
}

// staleTempAge is how old a temporary file or folder in lamb's own folders
// must be before a run removes it as left behind by a killed run. A run in
// progress keeps its temporary files younger than that: they exist only
// while one function is zipped, and a file being written is modified as it
// grows.
const staleTempAge = time.Hour

// packageBundle selects, zips and describes a built bundle.
func packageBundle(ctx context.Context, spec *Spec, b *bundle) (*Manifest, error) {
	if err := makeOutDir(spec); err != nil {
		return nil, fmt.Errorf("create output folder %s: %w", spec.OutDir, err)
	}
	atomicfile.Sweep(spec.OutDir, staleTempAge)
	tmpDir, err := os.MkdirTemp(spec.OutDir, atomicfile.TempPattern(spec.Function))
	if err != nil {
		return nil, fmt.Errorf("create a temporary folder in %s: %w", spec.OutDir, err)
	}
	defer os.RemoveAll(tmpDir)

	trees := b.trees
	var backslashed []string
	if b.archive != "" {
		spec.step("unpacking " + b.archive)
		dir := filepath.Join(tmpDir, "artifact")
		if backslashed, err = extractArtifact(ctx, b.archive, dir, artifactLimits()); err != nil {
			return nil, err
		}
		if len(backslashed) > 0 {
			spec.step(fmt.Sprintf("%s: %d entry names used \\ as the folder separator (PowerShell 5's Compress-Archive writes them so), e.g. %s; stored with /", b.archive, len(backslashed), backslashed[0]))
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
	lambignore, err := readIgnoreFile(ctx, spec.Source, ".lambignore")
	if err != nil {
		return nil, err
	}
	sel, err := newSelector(lambignore, spec.Include, spec.Exclude)
	if err != nil {
		return nil, err
	}
	sel.secrets = newSecretFiles(spec.Source, spec.EnvironmentFiles)
	src, err := selectFiles(ctx, trees, sel, spec.Symlinks, []string{spec.OutDir, tmpDir})
	if err != nil {
		return nil, err
	}
	var dropped *DroppedPrebuilds
	if spec.Prebuilds != "all" && strings.HasPrefix(spec.Runtime, "nodejs") {
		src, dropped = dropForeignPrebuilds(src, nodeArch(spec.Architecture))
	}
	if dropped != nil {
		spec.step(fmt.Sprintf("left out %d prebuilt files for other platforms (%d bytes)", dropped.Files, dropped.Bytes))
	}
	if w := scriptsWarning(b.skipped); w != "" {
		spec.phase(w)
	}
	entries := newZipEntries(src)

	cache = <-cacheReady
	zipPath := filepath.Join(spec.OutDir, spec.Function+".zip")
	job := &zipJob{entries: entries, cache: cache, workers: spec.Workers, tmpDir: tmpDir, memLimit: spec.memFileLimit}

	// The new zip and its manifest are written under temporary names and
	// replaced together, manifest last: a failed or killed run leaves the
	// previous pair as it was, never a zip its manifest does not describe.
	stats, zipFile, err := reusePack(job, zipPath)
	if err != nil {
		return nil, err
	}
	compressed := stats == nil
	if compressed {
		spec.step(fmt.Sprintf("zipping %d entries", len(entries)))
		stats, zipFile, err = writeZipFile(ctx, job, zipPath)
		if err != nil {
			return nil, err
		}
	}
	defer zipFile.Discard()

	m := buildManifest(spec, zipPath, entries, stats)
	m.ExcludedEnvironmentFiles = sel.secrets.leftOut()
	m.NativeWheels, m.ExcludedScripts = b.nativeWheels, b.excludedScripts
	m.BackslashNames = backslashed
	m.DroppedPrebuilds, m.SkippedInstallScripts = dropped, b.skipped
	jsonPath := filepath.Join(spec.OutDir, spec.Function+".json")
	jsonFile, err := writeManifest(m, jsonPath)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.Replace(zipFile, jsonFile); err != nil {
		return nil, fmt.Errorf("write %s and its manifest: %w", zipPath, err)
	}
	if compressed {
		// The cache only ever saves time: failing to update it is not
		// worth failing a build that succeeded. It links the zip in its
		// final place because a rename changes the linked file's change
		// time, which the cache compares.
		_ = cache.store(zipPath, stats.sha, stats.records)
	}
	spec.step(fmt.Sprintf("wrote %s (%d bytes, %d files)", zipPath, m.ZippedBytes, m.FileCount))
	return m, nil
}

// writeManifest writes m to a temporary file that replaces jsonPath later.
func writeManifest(m *Manifest, jsonPath string) (*atomicfile.File, error) {
	f, err := atomicfile.Create(jsonPath)
	if err != nil {
		return nil, fmt.Errorf("write manifest %s: %w", jsonPath, err)
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	err = enc.Encode(m)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		f.Discard()
		return nil, fmt.Errorf("write manifest %s: %w", jsonPath, err)
	}
	return f, nil
}

// makeOutDir creates OutDir and the folders between it and the project,
// refusing any of them that is a symbolic link.
func makeOutDir(spec *Spec) error {
	root, rel := filepath.Dir(spec.OutDir), filepath.Base(spec.OutDir)
	if r, err := filepath.Rel(spec.Project, spec.OutDir); spec.Project != "" && err == nil && filepath.IsLocal(r) {
		root, rel = spec.Project, r
	} else if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	_, err := safefile.MkdirIn(root, rel, 0o755)
	return err
}

// reusePack handles the common warm case: every entry is unchanged since
// the cache's pack was written, so the pack is the zip. It returns nil
// stats when the zip has to be written, and a nil file when zipPath
// already is the pack.
func reusePack(job *zipJob, zipPath string) (*zipStats, *atomicfile.File, error) {
	c := job.cache
	if c.index == nil || len(c.index.Records) != len(job.entries) {
		return nil, nil, nil
	}
	for i, e := range job.entries {
		if !job.plan(e) {
			return nil, nil, nil
		}
		r := &c.index.Records[i]
		if r.Name != e.src.name || r.Kind != e.src.kind || r.Mode != uint32(e.mode) || r.Sha != e.sha ||
			r.CRC != e.crc || r.USize != e.usize || r.CSize != e.csize || r.Method != e.method ||
			(e.fromPack && r.Offset != e.packOff) {
			return nil, nil, nil
		}
	}
	var zipFile *atomicfile.File
	if !sameFile(c.packPath(), zipPath) {
		f, err := atomicfile.Link(c.packPath(), zipPath)
		if err != nil {
			return nil, nil, fmt.Errorf("copy the cached zip to %s: %w", zipPath, err)
		}
		zipFile = f
	}
	c.touch()
	st := &zipStats{sha: c.index.ZipSha256, size: c.index.Pack.Size, records: c.index.Records}
	for _, e := range job.entries {
		if e.src.kind == kindFile {
			st.reused++
		}
	}
	return st, zipFile, nil
}

// writeZipFile writes the zip to a temporary file that replaces zipPath
// later, so an interrupted run never leaves half a zip.
func writeZipFile(ctx context.Context, job *zipJob, zipPath string) (*zipStats, *atomicfile.File, error) {
	f, err := atomicfile.Create(zipPath)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", zipPath, err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	stats, err := job.writeZip(ctx, bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		if cerr := f.Close(); cerr != nil {
			err = fmt.Errorf("write %s: %w", zipPath, cerr)
		}
	}
	if err != nil {
		f.Discard()
		return nil, nil, err
	}
	return stats, f, nil
}
