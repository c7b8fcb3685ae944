package packager

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/lambcli/lamb/internal/atomicfile"
)

// The compression cache keeps, per function, the last zip lamb wrote (the
// "pack") and an index of its entries. An unchanged file (same zip path,
// size, mtime, inode and mode) is copied from the pack as compressed bytes;
// a file whose stat changed but whose content did not (a touch, a fresh
// checkout, a re-extracted archive) is hashed and, when the content is in
// the pack, copied too. A pack is replaced by every run, so the cache holds
// one zip per function and source folder; packs unused for a month are
// deleted.

const (
	cacheFormat = "lamb-zip-cache/3"
	// cacheMaxAge is how long an unused pack and index are kept.
	cacheMaxAge = 30 * 24 * time.Hour
)

// compressorID names the compressor, its version and level: entries made by
// another compressor are never reused.
func compressorID() string {
	v := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/klauspost/compress" {
				v = d.Version
				if d.Replace != nil {
					v = d.Replace.Path + "@" + d.Replace.Version
				}
			}
		}
	}
	return fmt.Sprintf("%s klauspost/compress@%s flate level %d", cacheFormat, v, deflateLevel)
}

// cacheRecord is one entry of a pack, in zip order.
type cacheRecord struct {
	Name   string // zip name (folders end in a slash)
	Kind   entryKind
	Stat   fileStat // of the source file when the entry was made
	Mode   uint32   // stored fs.FileMode
	Method uint16
	CRC    uint32
	CSize  int64
	USize  int64
	Sha    [32]byte // SHA-256 of the uncompressed content
	Offset int64    // where the entry's data starts in the pack
	Sniff  sniffResult
	Glibc  string
}

// cacheIndex describes one pack.
type cacheIndex struct {
	Compressor string
	Pack       fileStat // the pack file this index describes
	ZipSha256  [32]byte
	Records    []cacheRecord
}

// zipCache is the cache of one function, opened for one run.
type zipCache struct {
	dir      string // <CacheDir>/zip
	key      string
	index    *cacheIndex // nil: nothing to reuse
	pack     *os.File    // open pack when index is set
	byPath   map[string]*cacheRecord
	bySha    map[[32]byte]*cacheRecord
	disabled bool // no cache folder could be used: never write
}

// cacheKey names a function's pack: the source folder and function name.
func cacheKey(source, function string) string {
	h := sha256.Sum256([]byte(source + "\x00" + function))
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, function)
	if len(name) > 40 {
		name = name[:40]
	}
	return name + "-" + hex.EncodeToString(h[:8])
}

func (c *zipCache) packPath() string  { return filepath.Join(c.dir, c.key+".zip") }
func (c *zipCache) indexPath() string { return filepath.Join(c.dir, c.key+".idx") }

// openCache opens the cache for a function. With read false (a cold
// build) the index is not read, but the run still refreshes it. A cache
// that cannot be read is treated as empty: it only ever saves time.
func openCache(cacheDir, source, function string, read bool) *zipCache {
	c := &zipCache{dir: filepath.Join(cacheDir, "zip"), key: cacheKey(source, function)}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		c.disabled = true
		return c
	}
	atomicfile.Sweep(c.dir, staleTempAge)
	if !read {
		return c
	}
	idx, err := readIndex(c.indexPath())
	if err != nil || idx.Compressor != compressorID() {
		return c
	}
	f, err := os.Open(c.packPath())
	if err != nil {
		return c
	}
	fi, err := f.Stat()
	if err != nil || statOf(fi) != idx.Pack {
		f.Close()
		return c
	}
	c.index, c.pack = idx, f
	c.byPath = make(map[string]*cacheRecord, len(idx.Records))
	c.bySha = make(map[[32]byte]*cacheRecord, len(idx.Records))
	for i := range idx.Records {
		r := &idx.Records[i]
		if r.Kind != kindFile {
			continue
		}
		c.byPath[r.Name] = r
		c.bySha[r.Sha] = r
	}
	return c
}

func readIndex(path string) (*cacheIndex, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeIndex(b)
}

// lookup returns the record for an unchanged file.
func (c *zipCache) lookup(e *sourceEntry) *cacheRecord {
	if c.index == nil {
		return nil
	}
	if r := c.byPath[e.name]; r != nil && r.Stat == e.stat {
		return r
	}
	return nil
}

// lookupContent returns a record with the given content, made by the same
// compressor, wherever it was in the bundle.
func (c *zipCache) lookupContent(sha [32]byte) *cacheRecord {
	if c.index == nil {
		return nil
	}
	return c.bySha[sha]
}

// hasContent reports whether content lookups can ever hit.
func (c *zipCache) hasContent() bool { return c.index != nil && len(c.bySha) > 0 }

func (c *zipCache) close() {
	if c.pack != nil {
		c.pack.Close()
	}
}

// store makes zipPath the function's new pack and records its index. It
// hard-links the zip when it can and copies it otherwise.
func (c *zipCache) store(zipPath string, sum [32]byte, records []cacheRecord) error {
	if c.disabled {
		return nil
	}
	pack, err := atomicfile.Link(zipPath, c.packPath())
	if err != nil {
		return fmt.Errorf("copy %s into the cache: %w", zipPath, err)
	}
	if err := atomicfile.Replace(pack); err != nil {
		return fmt.Errorf("update cache %s: %w", c.packPath(), err)
	}
	fi, err := os.Stat(c.packPath())
	if err != nil {
		return fmt.Errorf("update cache %s: %w", c.packPath(), err)
	}
	idx := cacheIndex{Compressor: compressorID(), Pack: statOf(fi), ZipSha256: sum, Records: records}
	if err := atomicfile.WriteFile(c.indexPath(), func(w io.Writer) error {
		_, err := w.Write(encodeIndex(&idx))
		return err
	}); err != nil {
		return fmt.Errorf("update cache %s: %w", c.indexPath(), err)
	}
	c.prune()
	return nil
}

// prune deletes the packs and indexes of other functions unused for
// cacheMaxAge. An index is touched by every run that uses it.
func (c *zipCache) prune() {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	cutoff := time.Now().Add(-cacheMaxAge)
	for _, de := range des {
		key, ok := strings.CutSuffix(de.Name(), ".idx")
		if !ok || key == c.key {
			continue
		}
		if fi, err := de.Info(); err == nil && fi.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(c.dir, de.Name()))
			os.Remove(filepath.Join(c.dir, key+".zip"))
		}
	}
}

// touch marks the index as used without changing the pack.
func (c *zipCache) touch() {
	now := time.Now()
	// A touch that fails only lets the entry age out sooner.
	_ = os.Chtimes(c.indexPath(), now, now)
}

// sameFile reports whether two paths are the same file on disk.
func sameFile(a, b string) bool {
	ai, err := os.Stat(a)
	if err != nil {
		return false
	}
	bi, err := os.Stat(b)
	return err == nil && os.SameFile(ai, bi)
}
