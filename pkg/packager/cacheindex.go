package packager

import (
	"encoding/binary"
	"errors"
)

// The cache index is a flat list of varints and length-prefixed strings
// after a magic line. It is read on every warm run, where gob (which decodes
// through reflection, field by field) cost a tenth of the run on a bundle
// of 17,000 files; this reads the same index in a fraction of that. Nothing
// but this file reads or writes it, and a file it cannot read is an empty
// cache (openCache), so the format may change with cacheFormat.
const indexMagic = "lamb zip cache index 1\n"

var errIndex = errors.New("cache index is damaged or from another version")

func encodeIndex(idx *cacheIndex) []byte {
	e := indexEncoder{buf: make([]byte, 0, 64+len(idx.Records)*128)}
	e.buf = append(e.buf, indexMagic...)
	e.str(idx.Compressor)
	e.stat(idx.Pack)
	e.buf = append(e.buf, idx.ZipSha256[:]...)
	e.uint(uint64(len(idx.Records)))
	for i := range idx.Records {
		r := &idx.Records[i]
		e.str(r.Name)
		e.uint(uint64(r.Kind))
		e.stat(r.Stat)
		e.uint(uint64(r.Mode))
		e.uint(uint64(r.Method))
		e.uint(uint64(r.CRC))
		e.int(r.CSize)
		e.int(r.USize)
		e.buf = append(e.buf, r.Sha[:]...)
		e.int(r.Offset)
		e.str(r.Sniff.Format)
		e.str(r.Sniff.Machine)
		e.bool(r.Sniff.Shebang)
		e.bool(r.Sniff.ELF)
		e.str(r.Glibc)
	}
	return e.buf
}

func decodeIndex(b []byte) (*cacheIndex, error) {
	rest, ok := cutPrefix(b, indexMagic)
	if !ok {
		return nil, errIndex
	}
	d := newIndexDecoder(rest)
	idx := &cacheIndex{Compressor: d.str(), Pack: d.stat()}
	d.sum(&idx.ZipSha256)
	n := d.uint()
	// Each record takes at least 32 bytes (its digest): a count the rest of
	// the file cannot hold is damage, not a reason to allocate.
	if d.err != nil || n > uint64(len(d.buf))/32 {
		return nil, errIndex
	}
	idx.Records = make([]cacheRecord, n)
	for i := range idx.Records {
		r := &idx.Records[i]
		r.Name = d.str()
		r.Kind = entryKind(d.uint())
		r.Stat = d.stat()
		r.Mode = uint32(d.uint())
		r.Method = uint16(d.uint())
		r.CRC = uint32(d.uint())
		r.CSize = d.int()
		r.USize = d.int()
		d.sum(&r.Sha)
		r.Offset = d.int()
		r.Sniff.Format = d.str()
		r.Sniff.Machine = d.str()
		r.Sniff.Shebang = d.bool()
		r.Sniff.ELF = d.bool()
		r.Glibc = d.str()
		if d.err != nil {
			return nil, d.err
		}
	}
	if len(d.buf) != 0 {
		return nil, errIndex
	}
	return idx, nil
}

func cutPrefix(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return nil, false
	}
	return b[len(prefix):], true
}

type indexEncoder struct{ buf []byte }

func (e *indexEncoder) uint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *indexEncoder) int(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }
func (e *indexEncoder) str(s string) {
	e.uint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}
func (e *indexEncoder) bool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}
func (e *indexEncoder) stat(s fileStat) {
	e.int(s.Size)
	e.int(s.MtimeNs)
	e.int(s.CtimeNs)
	e.uint(s.Ino)
	e.uint(uint64(s.Mode))
}

// indexDecoder reads what indexEncoder wrote; after the first problem err
// is set and every read returns a zero value. text holds the same bytes as
// buf, converted once, so that the names are substrings of it rather than
// one allocation each.
type indexDecoder struct {
	buf  []byte
	text string
	err  error
}

func newIndexDecoder(b []byte) *indexDecoder { return &indexDecoder{buf: b, text: string(b)} }

func (d *indexDecoder) skip(n int) {
	d.buf, d.text = d.buf[n:], d.text[n:]
}

func (d *indexDecoder) fail() {
	if d.err == nil {
		d.err = errIndex
	}
	d.buf, d.text = nil, ""
}

func (d *indexDecoder) uint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.skip(n)
	return v
}

func (d *indexDecoder) int() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.skip(n)
	return v
}

func (d *indexDecoder) str() string {
	n := d.uint()
	if n > uint64(len(d.buf)) {
		d.fail()
		return ""
	}
	s := d.text[:n]
	d.skip(int(n))
	return s
}

func (d *indexDecoder) bool() bool {
	if len(d.buf) == 0 || d.buf[0] > 1 {
		d.fail()
		return false
	}
	v := d.buf[0] == 1
	d.skip(1)
	return v
}

func (d *indexDecoder) sum(dst *[32]byte) {
	if len(d.buf) < len(dst) {
		d.fail()
		return
	}
	copy(dst[:], d.buf)
	d.skip(len(dst))
}

func (d *indexDecoder) stat() fileStat {
	return fileStat{Size: d.int(), MtimeNs: d.int(), CtimeNs: d.int(), Ino: d.uint(), Mode: uint32(d.uint())}
}
