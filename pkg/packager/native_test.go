package packager

import (
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func elfHeader(machine uint16, bigEndian bool) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[4] = 2
	h[5] = 1
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		h[5] = 2
		order = binary.BigEndian
	}
	order.PutUint16(h[16:], 3) // ET_DYN
	order.PutUint16(h[18:], machine)
	return h
}

func peHeader(machine uint16) []byte {
	h := make([]byte, 256)
	copy(h, "MZ")
	binary.LittleEndian.PutUint32(h[0x3c:], 0x80)
	copy(h[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(h[0x84:], machine)
	return h
}

func be32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	return b
}

func le32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		head    []byte
		format  string
		machine string
		exec    bool
	}{
		{"elf x86_64", elfHeader(62, false), "elf", "x86_64", true},
		{"elf arm64", elfHeader(183, false), "elf", "arm64", true},
		{"elf 386", elfHeader(3, false), "elf", "386", true},
		{"elf arm", elfHeader(40, false), "elf", "arm", true},
		{"elf big-endian other", elfHeader(21, true), "elf", "unknown", true},
		{"mach-o 64 arm64", le32(0xfeedfacf, 0x0100000c), "macho", "arm64", false},
		{"mach-o 64 x86_64", le32(0xfeedfacf, 0x01000007), "macho", "x86_64", false},
		{"mach-o 32 big-endian", be32(0xfeedface, 7), "macho", "386", false},
		{"mach-o fat", be32(0xcafebabe, 2), "macho", "unknown", false},
		{"mach-o fat 64", be32(0xcafebabf, 2), "macho", "unknown", false},
		{"java class is not mach-o", be32(0xcafebabe, 0x00000041), "", "", false},
		{"pe x86_64", peHeader(0x8664), "pe", "x86_64", false},
		{"pe arm64", peHeader(0xaa64), "pe", "arm64", false},
		{"dos stub without pe header", []byte("MZ" + strings.Repeat("\x00", 100)), "", "", false},
		{"shebang", []byte("#!/usr/bin/env python3\n"), "", "", true},
		{"text", []byte("exports.handler = 1"), "", "", false},
		{"empty", nil, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sniff(tt.head)
			if got.Format != tt.format || got.Machine != tt.machine || got.exec() != tt.exec {
				t.Errorf("sniff = %+v (exec %v), want format %q machine %q exec %v", got, got.exec(), tt.format, tt.machine, tt.exec)
			}
		})
	}
}

func TestNativeBinariesInManifest(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"index.js":                          "x",
		"node_modules/sharp/build/arm.node": string(elfHeader(183, false)),
		"node_modules/fsevents/fse.node":    string(le32(0xfeedfacf, 0x0100000c)) + strings.Repeat("\x00", 64),
		"tools/win.exe":                     string(peHeader(0x8664)),
	})
	want := map[string]NativeBinary{
		"node_modules/fsevents/fse.node":    {Format: "macho", Machine: "arm64"},
		"node_modules/sharp/build/arm.node": {Format: "elf", Machine: "arm64"},
		"tools/win.exe":                     {Format: "pe", Machine: "x86_64"},
	}
	// A real shared object of this system, to read its GLIBC needs.
	libc := ""
	for _, p := range []string{"/bin/true", "/usr/bin/true"} {
		if f, err := elf.Open(p); err == nil {
			needs, _ := f.DynamicVersionNeeds()
			f.Close()
			if len(needs) > 0 {
				libc = p
				break
			}
		}
	}
	if libc != "" {
		b, err := os.ReadFile(libc)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, "bin-true"), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	spec := testSpec(t, src)
	for run := range 2 { // cold, then from the cache
		m := packTrees(t, spec)
		got := map[string]NativeBinary{}
		for _, n := range m.NativeBinaries {
			got[n.Path] = n
		}
		for p, w := range want {
			if g := got[p]; g.Format != w.Format || g.Machine != w.Machine {
				t.Errorf("run %d: %s = %+v, want %+v", run, p, g, w)
			}
		}
		if libc != "" {
			if g := got["bin-true"]; g.Format != "elf" || !strings.HasPrefix(g.GlibcVersion, "GLIBC_2.") {
				t.Errorf("run %d: bin-true = %+v, want an ELF needing GLIBC_2.x", run, g)
			}
		}
		if _, ok := got["index.js"]; ok {
			t.Errorf("run %d: index.js listed as a native binary", run)
		}
	}
}

func TestGlibcVersionOrder(t *testing.T) {
	t.Parallel()
	a, _ := glibcVersion("GLIBC_2.9")
	b, _ := glibcVersion("GLIBC_2.17")
	c, _ := glibcVersion("GLIBC_2.17.1")
	if !versionLess(a, b) || !versionLess(b, c) || versionLess(c, b) {
		t.Error("GLIBC versions must compare numerically: 2.9 < 2.17 < 2.17.1")
	}
	if _, ok := glibcVersion("GLIBC_PRIVATE"); ok {
		t.Error("GLIBC_PRIVATE is not a version")
	}
}
