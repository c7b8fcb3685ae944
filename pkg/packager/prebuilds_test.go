package packager

import (
	"reflect"
	"strings"
	"testing"
)

// prebuildFixture is a package laid out as prebuildify does, with ELF,
// Mach-O and PE builds that the sniffer recognises.
func prebuildFixture() map[string]string {
	x64, arm64 := string(elfHeader(62, false)), string(elfHeader(183, false))
	return map[string]string{
		"index.js":                    "exports.handler = async () => 1\n",
		"node_modules/b/package.json": `{"name":"b"}`,
		"node_modules/b/prebuilds/darwin-x64/b.node":        string(be32(0xcffaedfe)) + string(le32(0x01000007)) + strings.Repeat("m", 100),
		"node_modules/b/prebuilds/win32-x64/b.node":         string(peHeader(0x8664)),
		"node_modules/b/prebuilds/linux-arm64/b.glibc.node": arm64,
		"node_modules/b/prebuilds/linux-arm64/b.musl.node":  arm64,
		"node_modules/b/prebuilds/linux-x64/b.glibc.node":   x64,
		"node_modules/b/prebuilds/linux-x64/b.musl.node":    x64,
		"node_modules/b/prebuilds/README":                   "not a platform folder",
		// Only darwin builds: nothing loads on Lambda, so nothing is
		// dropped and the check sees the Mach-O file.
		"node_modules/c/prebuilds/darwin-arm64/c.node": string(be32(0xcffaedfe)) + string(le32(0x0100000c)),
	}
}

func TestDropForeignPrebuilds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		arch, prebuilds string
		want            []string // prebuild files kept
		dropped         []string
	}{
		{"arm64", "", []string{
			"node_modules/b/prebuilds/linux-arm64/b.glibc.node",
			"node_modules/c/prebuilds/darwin-arm64/c.node",
		}, []string{
			"node_modules/b/prebuilds/darwin-x64",
			"node_modules/b/prebuilds/linux-arm64/b.musl.node",
			"node_modules/b/prebuilds/linux-x64",
			"node_modules/b/prebuilds/win32-x64",
		}},
		{"x86_64", "match", []string{
			"node_modules/b/prebuilds/linux-x64/b.glibc.node",
			"node_modules/c/prebuilds/darwin-arm64/c.node",
		}, []string{
			"node_modules/b/prebuilds/darwin-x64",
			"node_modules/b/prebuilds/linux-arm64",
			"node_modules/b/prebuilds/linux-x64/b.musl.node",
			"node_modules/b/prebuilds/win32-x64",
		}},
		{"arm64", "all", []string{
			"node_modules/b/prebuilds/darwin-x64/b.node",
			"node_modules/b/prebuilds/linux-arm64/b.glibc.node",
			"node_modules/b/prebuilds/linux-arm64/b.musl.node",
			"node_modules/b/prebuilds/linux-x64/b.glibc.node",
			"node_modules/b/prebuilds/linux-x64/b.musl.node",
			"node_modules/b/prebuilds/win32-x64/b.node",
			"node_modules/c/prebuilds/darwin-arm64/c.node",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.arch+" "+tt.prebuilds, func(t *testing.T) {
			t.Parallel()
			src := t.TempDir()
			writeFiles(t, src, prebuildFixture())
			spec := testSpec(t, src)
			spec.Architecture, spec.Prebuilds = tt.arch, tt.prebuilds
			m := packTrees(t, spec)
			var kept []string
			for _, n := range zipNames(t, m.ZipPath, false) {
				if strings.Contains(n, "/prebuilds/") && strings.HasSuffix(n, ".node") {
					kept = append(kept, n)
				}
				if strings.HasSuffix(n, "/darwin-x64/") && tt.prebuilds != "all" {
					t.Errorf("the emptied folder %s is still in the zip", n)
				}
			}
			if !reflect.DeepEqual(kept, tt.want) {
				t.Errorf("prebuilds kept:\n%s\nwant:\n%s", strings.Join(kept, "\n"), strings.Join(tt.want, "\n"))
			}
			if tt.dropped == nil {
				if m.DroppedPrebuilds != nil {
					t.Errorf("nothing should be dropped, got %+v", m.DroppedPrebuilds)
				}
				return
			}
			d := m.DroppedPrebuilds
			if d == nil || !reflect.DeepEqual(d.Paths, tt.dropped) || d.Files != 5 || d.Bytes <= 0 {
				t.Fatalf("dropped = %+v, want 5 files in %v", d, tt.dropped)
			}
			var inZip int64
			for _, f := range m.Files {
				if strings.Contains(f.Path, "/prebuilds/") {
					inZip += f.Size
				}
			}
			var all int64
			for p, body := range prebuildFixture() {
				if strings.Contains(p, "/prebuilds/") {
					all += int64(len(body))
				}
			}
			if inZip+d.Bytes != all || inZip != int64(len(fixtureBytes(tt.want))+len("not a platform folder")) {
				t.Errorf("prebuild bytes: %d in the zip + %d saved, want %d in all", inZip, d.Bytes, all)
			}
		})
	}
}

func fixtureBytes(paths []string) string {
	f := prebuildFixture()
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(f[p])
	}
	return b.String()
}

func TestDropForeignPrebuildsOnlyForNode(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, prebuildFixture())
	spec := testSpec(t, src)
	spec.Runtime = "python3.12"
	if m := packTrees(t, spec); m.DroppedPrebuilds != nil {
		t.Errorf("a Python bundle keeps its files: %+v", m.DroppedPrebuilds)
	}
}

func TestPlatformSiblings(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, prebuildFixture())
	spec := testSpec(t, src)
	spec.Architecture, spec.Prebuilds = "arm64", "all"
	m := packTrees(t, spec)
	got := map[string]string{}
	for _, b := range m.NativeBinaries {
		got[b.Path] = b.PlatformSibling
	}
	want := map[string]string{
		"node_modules/b/prebuilds/darwin-x64/b.node":        "node_modules/b/prebuilds/linux-arm64/b.glibc.node",
		"node_modules/b/prebuilds/win32-x64/b.node":         "node_modules/b/prebuilds/linux-arm64/b.glibc.node",
		"node_modules/b/prebuilds/linux-x64/b.glibc.node":   "node_modules/b/prebuilds/linux-arm64/b.glibc.node",
		"node_modules/b/prebuilds/linux-x64/b.musl.node":    "node_modules/b/prebuilds/linux-arm64/b.glibc.node",
		"node_modules/b/prebuilds/linux-arm64/b.glibc.node": "",
		"node_modules/b/prebuilds/linux-arm64/b.musl.node":  "",
		"node_modules/c/prebuilds/darwin-arm64/c.node":      "",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("siblings:\n%v\nwant\n%v", got, want)
	}
}

func TestParseNodePlatform(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"linux-x64": true, "linux-arm64-musl": true, "darwin-x64+arm64": true, "win32-ia32": true, "linux-x64-gnu": true,
		"linux": false, "linux-x86_64": false, "prebuilds": false, "node-v115-linux-x64": false, "linux-x64-static": false,
	} {
		if _, ok := parseNodePlatform(name); ok != want {
			t.Errorf("parseNodePlatform(%q) ok = %v, want %v", name, ok, want)
		}
	}
}
