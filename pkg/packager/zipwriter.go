package packager

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"sync"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

const (
	// deflateLevel (a klauspost/compress/flate level) is chosen by
	// measurement on the benchmark corpus (docs/benchmarks.md): a quarter of
	// `zip -r`'s time, for a zip 4% larger. A higher level for the few large
	// files cut the size by 1% and cost a fifth more time.
	// Changing it invalidates the cache (see compressorID).
	deflateLevel = 6
	// memFileLimit is the largest file compressed in memory (unless a
	// zipJob says otherwise); bigger files
	// stream to a spill file so memory stays flat whatever their size.
	memFileLimit = 4 << 20
	// memBudget bounds the bytes held by entries compressed but not yet
	// written.
	memBudget = 96 << 20
	// streamChunk is the read buffer for files streamed from disk.
	streamChunk = 256 << 10
	// localHeaderLen is the fixed part of a zip local file header.
	localHeaderLen = 30
	// dosDate1980 is 1980-01-01 in MS-DOS date format; the time is 00:00.
	dosDate1980 = 1<<5 | 1
)

// zipEntry is one entry on its way into the zip: its header fields and
// where its data bytes are.
type zipEntry struct {
	src    *sourceEntry
	mode   fs.FileMode // as stored
	method uint16
	crc    uint32
	csize  int64
	usize  int64
	sha    [32]byte
	sniff  sniffResult
	glibc  string

	// Exactly one data source is used.
	mem      []byte  // bytes in memory
	memBuf   *[]byte // pooled buffer behind mem
	spill    string  // temporary file holding the bytes
	packOff  int64   // offset in the cache pack, when fromPack
	fromPack bool    // bytes come from the cache pack
	rawPath  string  // stored large file: read again from disk, checked against crc
	reused   bool    // counted as reused rather than compressed
	weight   int64   // memory budget held until written
	done     chan struct{}
	err      error
}

// zipStats is what writing a zip reports back.
type zipStats struct {
	sha        [32]byte
	size       int64
	records    []cacheRecord
	compressed int
	reused     int
}

// zipJob writes one zip from selected entries.
type zipJob struct {
	entries []*zipEntry
	cache   *zipCache
	workers int
	tmpDir  string // for spill files
	// memLimit is the largest file compressed in memory; 0 means
	// memFileLimit. Tests lower it to exercise streaming cheaply.
	memLimit int64
	sem      *semaphore.Weighted
	pool     *sync.Pool // *[]byte buffers
	flates   *sync.Pool // *flate.Writer at deflateLevel

	mu       sync.Mutex
	firstErr error
}

// fail records the first compression error, which is what the user sees.
func (j *zipJob) fail(err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.firstErr == nil {
		j.firstErr = err
	}
}

func (j *zipJob) failure() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.firstErr
}

// newZipEntries prepares the selected entries for writing. Any number is
// written (archive/zip switches to zip64 when needed); whether Lambda takes
// that many is a limit, judged by pkg/limits like every other.
func newZipEntries(src []*sourceEntry) []*zipEntry {
	out := make([]*zipEntry, len(src))
	for i, s := range src {
		out[i] = &zipEntry{src: s}
	}
	return out
}

// storedMode is the mode written to the zip: world-readable, and
// executable for folders and for files that are meant to run.
func storedMode(e *zipEntry) fs.FileMode {
	switch e.src.kind {
	case kindDir:
		return fs.ModeDir | 0o755
	case kindSymlink:
		return fs.ModeSymlink | 0o777
	}
	if fs.FileMode(e.src.stat.Mode)&0o111 != 0 || e.sniff.exec() || path.Base(e.src.zipPath) == "bootstrap" {
		return 0o755
	}
	return 0o644
}

// writeZip writes the entries to w in order, compressing on j.workers
// goroutines while this goroutine writes. The bytes depend only on the
// entries' paths, contents and stored modes.
func (j *zipJob) writeZip(ctx context.Context, w io.Writer) (*zipStats, error) {
	if j.memLimit <= 0 {
		j.memLimit = memFileLimit
	}
	j.sem = semaphore.NewWeighted(memBudget)
	j.pool = &sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}
	j.flates = &sync.Pool{New: func() any {
		fw, _ := flate.NewWriter(nil, deflateLevel)
		return fw
	}}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var work []*zipEntry
	for _, e := range j.entries {
		e.done = make(chan struct{})
		if j.plan(e) {
			close(e.done)
		} else {
			work = append(work, e)
		}
	}

	dispatch := make(chan struct{})
	go func() {
		defer close(dispatch)
		var wg errgroup.Group
		wg.SetLimit(max(j.workers, 1))
		for _, e := range work {
			e.weight = j.workWeight(e.src.stat.Size)
			if err := j.sem.Acquire(ctx, e.weight); err != nil {
				e.weight = 0
				e.err = err
				close(e.done)
				continue
			}
			wg.Go(func() error {
				if err := j.compress(ctx, e); err != nil {
					e.err = err
					j.fail(err)
					cancel()
				}
				close(e.done)
				return nil
			})
		}
		_ = wg.Wait() // the tasks return nil; a failure travels in e.err
	}()

	stats, err := j.emit(ctx, w)
	cancel()
	<-dispatch
	for _, e := range j.entries {
		j.release(e)
	}
	return stats, err
}

func (j *zipJob) workWeight(size int64) int64 {
	if size > j.memLimit {
		return 2 * streamChunk
	}
	return 2*size + 4096
}

// plan fills in entries that need no work: folders, symlinks and files
// unchanged since the cache's pack. It reports whether e is complete.
func (j *zipJob) plan(e *zipEntry) bool {
	switch e.src.kind {
	case kindDir:
		e.method = zip.Store
		e.sha = sha256.Sum256(nil)
		e.mode = storedMode(e)
		return true
	case kindSymlink:
		body := []byte(e.src.linkTarget)
		e.method = zip.Store
		e.mem = body
		e.crc = crc32.ChecksumIEEE(body)
		e.csize, e.usize = int64(len(body)), int64(len(body))
		e.sha = sha256.Sum256(body)
		e.mode = storedMode(e)
		return true
	}
	if r := j.cache.lookup(e.src); r != nil {
		j.fromRecord(e, r)
		return true
	}
	return false
}

func (j *zipJob) fromRecord(e *zipEntry, r *cacheRecord) {
	e.method, e.crc, e.csize, e.usize, e.sha = r.Method, r.CRC, r.CSize, r.USize, r.Sha
	e.sniff, e.glibc = r.Sniff, r.Glibc
	e.fromPack, e.packOff, e.reused = true, r.Offset, true
	e.mode = storedMode(e)
}

func (j *zipJob) getBuf(n int) *[]byte {
	b := j.pool.Get().(*[]byte)
	if cap(*b) < n {
		*b = make([]byte, 0, n)
	}
	*b = (*b)[:0]
	return b
}

func (j *zipJob) putBuf(b *[]byte) {
	if b != nil && cap(*b) <= 2*memFileLimit+64<<10 {
		j.pool.Put(b)
	}
}

// release returns e's buffers and budget once it is written or abandoned.
func (j *zipJob) release(e *zipEntry) {
	if e.memBuf != nil {
		j.putBuf(e.memBuf)
		e.memBuf = nil
	}
	e.mem = nil
	if e.spill != "" {
		os.Remove(e.spill)
		e.spill = ""
	}
	if e.weight > 0 {
		j.sem.Release(e.weight)
		e.weight = 0
	}
}

// compress reads one file and produces its entry data.
func (j *zipJob) compress(ctx context.Context, e *zipEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	if e.src.stat.Size > j.memLimit {
		err = j.compressLarge(ctx, e)
	} else {
		err = j.compressSmall(e)
	}
	if err != nil {
		return err
	}
	if e.sniff.ELF && !e.reused {
		e.glibc = newestGlibc(e.src.diskPath)
	}
	e.mode = storedMode(e)
	return nil
}

func (j *zipJob) compressSmall(e *zipEntry) error {
	raw := j.getBuf(int(e.src.stat.Size))
	data, err := readSmallFile(e.src.diskPath, *raw, e.src.stat.Size)
	if err != nil {
		j.putBuf(raw)
		return fmt.Errorf("read %s: %w", e.src.name, err)
	}
	*raw = data
	e.usize = int64(len(data))
	e.sha = sha256.Sum256(data)
	e.crc = crc32.ChecksumIEEE(data)
	e.sniff = sniff(data[:min(len(data), headLen)])
	if r := j.cache.lookupContent(e.sha); r != nil && r.USize == e.usize {
		j.putBuf(raw)
		e.method, e.csize, e.fromPack, e.packOff, e.reused, e.glibc = r.Method, r.CSize, true, r.Offset, true, r.Glibc
		return nil
	}
	if len(data) > 0 {
		comp := j.getBuf(len(data) + 64)
		bw := sliceWriter{buf: *comp}
		pool := j.flates
		fw := pool.Get().(*flate.Writer)
		fw.Reset(&bw)
		if _, err := fw.Write(data); err != nil {
			return fmt.Errorf("compress %s: %w", e.src.diskPath, err)
		}
		if err := fw.Close(); err != nil {
			return fmt.Errorf("compress %s: %w", e.src.diskPath, err)
		}
		pool.Put(fw)
		*comp = bw.buf
		if len(bw.buf) < len(data) {
			j.putBuf(raw)
			e.method, e.mem, e.memBuf, e.csize = zip.Deflate, bw.buf, comp, int64(len(bw.buf))
			return nil
		}
		j.putBuf(comp)
	}
	e.method, e.mem, e.memBuf, e.csize = zip.Store, data, raw, int64(len(data))
	return nil
}

// sliceWriter appends to a byte slice.
type sliceWriter struct{ buf []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// compressLarge streams a big file through the compressor into a spill
// file, so memory use does not grow with the file.
func (j *zipJob) compressLarge(ctx context.Context, e *zipEntry) error {
	f, err := os.Open(e.src.diskPath)
	if err != nil {
		return fmt.Errorf("read %s: %w", e.src.name, err)
	}
	defer f.Close()
	buf := make([]byte, streamChunk)
	if j.cache.hasContent() {
		// Hash first: compressing is far dearer than reading twice.
		sum, crc, size, head, err := hashStream(ctx, f, buf)
		if err != nil {
			return fmt.Errorf("read %s: %w", e.src.diskPath, err)
		}
		if r := j.cache.lookupContent(sum); r != nil && r.USize == size && r.CRC == crc {
			e.sha, e.crc, e.usize, e.sniff = sum, crc, size, sniff(head)
			e.method, e.csize, e.fromPack, e.packOff, e.reused, e.glibc = r.Method, r.CSize, true, r.Offset, true, r.Glibc
			return nil
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("read %s: %w", e.src.diskPath, err)
		}
	}
	sp, err := os.CreateTemp(j.tmpDir, "spill-*")
	if err != nil {
		return fmt.Errorf("create a temporary file in %s: %w", j.tmpDir, err)
	}
	e.spill = sp.Name()
	cw := &countWriter{w: bufio.NewWriterSize(sp, streamChunk)}
	pool := j.flates
	fw := pool.Get().(*flate.Writer)
	fw.Reset(cw)
	sh, crc := sha256.New(), crc32.NewIEEE()
	var head []byte
	var size int64
	for {
		if err := ctx.Err(); err != nil {
			sp.Close()
			return err
		}
		n, rerr := f.Read(buf)
		if n > 0 {
			if len(head) < headLen {
				head = append(head, buf[:min(n, headLen-len(head))]...)
			}
			sh.Write(buf[:n])
			crc.Write(buf[:n])
			size += int64(n)
			if _, err := fw.Write(buf[:n]); err != nil {
				sp.Close()
				return fmt.Errorf("compress %s: %w", e.src.diskPath, err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			sp.Close()
			return fmt.Errorf("read %s: %w", e.src.diskPath, rerr)
		}
	}
	err = fw.Close()
	pool.Put(fw)
	if err == nil {
		err = cw.w.(*bufio.Writer).Flush()
	}
	if cerr := sp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write a temporary file in %s: %w", j.tmpDir, err)
	}
	copy(e.sha[:], sh.Sum(nil))
	e.crc, e.usize, e.sniff = crc.Sum32(), size, sniff(head)
	if cw.n < size {
		e.method, e.csize = zip.Deflate, cw.n
		return nil
	}
	os.Remove(e.spill)
	e.spill = ""
	e.method, e.csize, e.rawPath = zip.Store, size, e.src.diskPath
	return nil
}

func hashStream(ctx context.Context, r io.Reader, buf []byte) (sum [32]byte, crc uint32, size int64, head []byte, err error) {
	sh, ch := sha256.New(), crc32.NewIEEE()
	for {
		if err = ctx.Err(); err != nil {
			return
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if len(head) < headLen {
				head = append(head, buf[:min(n, headLen-len(head))]...)
			}
			sh.Write(buf[:n])
			ch.Write(buf[:n])
			size += int64(n)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			err = rerr
			return
		}
	}
	copy(sum[:], sh.Sum(nil))
	return sum, ch.Sum32(), size, head, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// hashWriter hashes and counts everything written through it.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (h *hashWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// emit writes the entries in order as they become ready.
func (j *zipJob) emit(ctx context.Context, out io.Writer) (*zipStats, error) {
	hw := &hashWriter{w: out, h: sha256.New()}
	zw := zip.NewWriter(hw)
	stats := &zipStats{records: make([]cacheRecord, 0, len(j.entries))}
	var off int64
	for _, e := range j.entries {
		select {
		case <-e.done:
		case <-ctx.Done():
			if err := j.failure(); err != nil {
				return nil, err
			}
			return nil, ctx.Err()
		}
		if e.err != nil {
			if err := j.failure(); err != nil {
				return nil, err // the cause, not the cancellation it led to
			}
			return nil, e.err
		}
		name := e.src.name
		fh := &zip.FileHeader{
			Name:               name,
			Method:             e.method,
			CRC32:              e.crc,
			CompressedSize64:   uint64(e.csize),
			UncompressedSize64: uint64(e.usize),
			CreatorVersion:     20,
			ReaderVersion:      20,
		}
		//lint:ignore SA1019 CreateRaw writes only the MS-DOS date and time (Modified is read by CreateHeader alone), so the fixed 1980-01-01 that keeps zips identical across machines is set here
		fh.ModifiedDate = dosDate1980
		fh.SetMode(e.mode)
		if !isASCII(name) && utf8.ValidString(name) {
			fh.Flags |= 0x800
		}
		dst, err := zw.CreateRaw(fh)
		if err != nil {
			return nil, fmt.Errorf("write zip entry %s: %w", name, err)
		}
		dataOff := off + localHeaderLen + int64(len(name))
		if err := j.copyData(dst, e); err != nil {
			return nil, err
		}
		off = dataOff + e.csize
		stats.records = append(stats.records, cacheRecord{
			Name: name, Kind: e.src.kind, Stat: e.src.stat, Mode: uint32(e.mode),
			Method: e.method, CRC: e.crc, CSize: e.csize, USize: e.usize, Sha: e.sha,
			Offset: dataOff, Sniff: e.sniff, Glibc: e.glibc,
		})
		if e.src.kind == kindFile {
			if e.reused {
				stats.reused++
			} else {
				stats.compressed++
			}
		}
		j.release(e)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("finish zip: %w", err)
	}
	copy(stats.sha[:], hw.h.Sum(nil))
	stats.size = hw.n
	return stats, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// errChanged reports a file that changed while it was being packaged.
var errChanged = errors.New("it changed while being packaged; run lamb package again")

// copyData writes e's data bytes.
func (j *zipJob) copyData(dst io.Writer, e *zipEntry) error {
	switch {
	case e.src.kind == kindDir:
		return nil
	case e.mem != nil || e.csize == 0:
		_, err := dst.Write(e.mem)
		if err != nil {
			return fmt.Errorf("write zip entry %s: %w", e.src.name, err)
		}
		return nil
	case e.fromPack:
		n, err := io.Copy(dst, io.NewSectionReader(j.cache.pack, e.packOff, e.csize))
		if err == nil && n != e.csize {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("copy %s from the cache %s: %w (run again with --no-cache)", e.src.name, j.cache.packPath(), err)
		}
		return nil
	case e.spill != "":
		f, err := os.Open(e.spill)
		if err != nil {
			return fmt.Errorf("read a temporary file: %w", err)
		}
		defer f.Close()
		if _, err := io.Copy(dst, f); err != nil {
			return fmt.Errorf("write zip entry %s: %w", e.src.name, err)
		}
		return nil
	case e.rawPath != "":
		f, err := os.Open(e.rawPath)
		if err != nil {
			return fmt.Errorf("read %s: %w", e.rawPath, err)
		}
		defer f.Close()
		crc := crc32.NewIEEE()
		n, err := io.Copy(io.MultiWriter(dst, crc), io.LimitReader(f, e.csize+1))
		if err != nil {
			return fmt.Errorf("write zip entry %s: %w", e.src.name, err)
		}
		if n != e.csize || crc.Sum32() != e.crc {
			return fmt.Errorf("read %s: %w", e.rawPath, errChanged)
		}
		return nil
	}
	return fmt.Errorf("write zip entry %s: no data was produced", e.src.name)
}
