package packager

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"strconv"
	"strings"
)

// headLen is how much of a file's start detection needs: enough for the ELF,
// Mach-O and PE headers of ordinary binaries.
const headLen = 1024

// sniffResult is what a file's first bytes say about it.
type sniffResult struct {
	Format  string // "elf", "macho", "pe" or "" for none
	Machine string
	Shebang bool
	ELF     bool
}

// exec reports whether the content alone makes the file executable.
func (s sniffResult) exec() bool { return s.ELF || s.Shebang }

// sniff classifies a file from its first bytes.
func sniff(head []byte) sniffResult {
	switch {
	case len(head) >= 2 && head[0] == '#' && head[1] == '!':
		return sniffResult{Shebang: true}
	case len(head) >= 20 && bytes.Equal(head[:4], []byte{0x7f, 'E', 'L', 'F'}):
		var order binary.ByteOrder = binary.LittleEndian
		if head[5] == 2 {
			order = binary.BigEndian
		}
		return sniffResult{Format: "elf", ELF: true, Machine: elfMachine(order.Uint16(head[18:20]))}
	case len(head) >= 8:
		if m, ok := machO(head); ok {
			return sniffResult{Format: "macho", Machine: m}
		}
		if m, ok := pe(head); ok {
			return sniffResult{Format: "pe", Machine: m}
		}
	}
	return sniffResult{}
}

func elfMachine(m uint16) string {
	switch m {
	case 62:
		return "x86_64"
	case 183:
		return "arm64"
	case 3:
		return "386"
	case 40:
		return "arm"
	}
	return "unknown"
}

func machO(head []byte) (string, bool) {
	be := binary.BigEndian.Uint32(head[:4])
	switch be {
	case 0xfeedface, 0xfeedfacf: // big-endian thin
		return machOCPU(binary.BigEndian.Uint32(head[4:8])), true
	case 0xcefaedfe, 0xcffaedfe: // little-endian thin
		return machOCPU(binary.LittleEndian.Uint32(head[4:8])), true
	case 0xcafebabe, 0xcafebabf:
		// Java class files share 0xcafebabe; there the next word is the
		// class version (45 or more), in a fat Mach-O the architecture count.
		if n := binary.BigEndian.Uint32(head[4:8]); n > 0 && n < 30 {
			return "unknown", true
		}
	case 0xbebafeca, 0xbfbafeca:
		if n := binary.LittleEndian.Uint32(head[4:8]); n > 0 && n < 30 {
			return "unknown", true
		}
	}
	return "", false
}

func machOCPU(c uint32) string {
	switch c {
	case 0x01000007:
		return "x86_64"
	case 0x0100000c:
		return "arm64"
	case 7:
		return "386"
	case 12:
		return "arm"
	}
	return "unknown"
}

func pe(head []byte) (string, bool) {
	if len(head) < 0x40 || head[0] != 'M' || head[1] != 'Z' {
		return "", false
	}
	off := int(binary.LittleEndian.Uint32(head[0x3c:0x40]))
	if off <= 0 || off+6 > len(head) || !bytes.Equal(head[off:off+4], []byte{'P', 'E', 0, 0}) {
		return "", false
	}
	switch binary.LittleEndian.Uint16(head[off+4 : off+6]) {
	case 0x8664:
		return "x86_64", true
	case 0xaa64:
		return "arm64", true
	case 0x14c:
		return "386", true
	case 0x1c0, 0x1c4:
		return "arm", true
	}
	return "unknown", true
}

// newestGlibc returns the newest GLIBC_x.y version the ELF file at path
// needs, or "" when it needs none or cannot be read as ELF.
func newestGlibc(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	needs, err := f.DynamicVersionNeeds()
	if err != nil {
		return ""
	}
	best, bestV := "", []int(nil)
	for _, n := range needs {
		for _, d := range n.Needs {
			v, ok := glibcVersion(d.Dep)
			if ok && versionLess(bestV, v) {
				best, bestV = d.Dep, v
			}
		}
	}
	return best
}

func glibcVersion(s string) ([]int, bool) {
	rest, ok := strings.CutPrefix(s, "GLIBC_")
	if !ok {
		return nil, false
	}
	var v []int
	for _, p := range strings.Split(rest, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, false
		}
		v = append(v, n)
	}
	return v, true
}

func versionLess(a, b []int) bool {
	if a == nil {
		return true
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
