package packager

import (
	"reflect"
	"testing"
)

func TestCacheIndexRoundTrips(t *testing.T) {
	t.Parallel()
	idx := &cacheIndex{
		Compressor: compressorID(),
		Pack:       fileStat{Size: 1 << 40, MtimeNs: -5, CtimeNs: 1_700_000_000_000_000_000, Ino: 1<<64 - 1, Mode: 0o644},
		ZipSha256:  [32]byte{1, 2, 3, 31: 255},
		Records: []cacheRecord{
			{Name: "node_modules/", Kind: kindDir, Mode: 0o755 | 1<<31},
			{Name: "bin/ünï tool", Kind: kindFile, Stat: fileStat{Size: 12, MtimeNs: 9, CtimeNs: 10, Ino: 7, Mode: 0o755}, Mode: 0o755,
				Method: 8, CRC: 0xdeadbeef, CSize: 10, USize: 12, Sha: [32]byte{9: 9}, Offset: 1 << 33,
				Sniff: sniffResult{Format: "elf", Machine: "arm64", ELF: true}, Glibc: "GLIBC_2.34"},
			{Name: "run.sh", Kind: kindSymlink, Sniff: sniffResult{Shebang: true}},
		},
	}
	raw := encodeIndex(idx)
	got, err := decodeIndex(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, idx) {
		t.Errorf("decoded index differs:\n got %+v\nwant %+v", got, idx)
	}
	// Every truncation, a trailing byte, an old format and a count larger
	// than the file are errors (an empty cache), never a panic.
	for n := range len(raw) {
		if _, err := decodeIndex(raw[:n]); err == nil {
			t.Fatalf("an index cut to %d of %d bytes decoded", n, len(raw))
		}
	}
	if _, err := decodeIndex(append(raw[:len(raw):len(raw)], 0)); err == nil {
		t.Error("an index with a trailing byte decoded")
	}
	if _, err := decodeIndex([]byte("\x0f\xff\x81\x03\x01\x02")); err == nil {
		t.Error("a gob-encoded index of an older lamb decoded")
	}
	huge := encodeIndex(&cacheIndex{})
	huge = append(huge[:len(huge)-1], 0xff, 0xff, 0xff, 0xff, 0x0f)
	if _, err := decodeIndex(huge); err == nil {
		t.Error("a record count the file cannot hold decoded")
	}
}

func FuzzCacheIndex(f *testing.F) {
	f.Add(encodeIndex(&cacheIndex{Compressor: "x", Records: []cacheRecord{{Name: "a"}}}))
	f.Fuzz(func(t *testing.T, raw []byte) {
		idx, err := decodeIndex(raw)
		if err != nil {
			return
		}
		if again, err := decodeIndex(encodeIndex(idx)); err != nil || !reflect.DeepEqual(again, idx) {
			t.Fatalf("re-encoded index does not round-trip: %v", err)
		}
	})
}
