package packager

import (
	"archive/zip"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type zipFile = zip.File

func TestSymlinks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     string
		files    map[string]string
		want     map[string]string // zip path -> content (files) or target (kept links)
		wantLink []string          // entries stored as symlinks
		wantErr  []string          // substrings of the error
	}{
		{name: "follow materialises a file link", mode: "follow",
			files: map[string]string{"real.js": "real", "link.js": "->real.js"},
			want:  map[string]string{"real.js": "real", "link.js": "real"}},
		{name: "follow materialises a folder link", mode: "follow",
			files: map[string]string{"lib/a.js": "a", "lib/sub/b.js": "b", "alias": "->lib"},
			want:  map[string]string{"lib/a.js": "a", "lib/sub/b.js": "b", "alias/a.js": "a", "alias/sub/b.js": "b"}},
		{name: "default is follow", mode: "",
			files: map[string]string{"real.js": "real", "link.js": "->real.js"},
			want:  map[string]string{"real.js": "real", "link.js": "real"}},
		{name: "keep stores links", mode: "keep",
			files:    map[string]string{"lib/a.js": "a", "link.js": "->lib/a.js", "alias": "->lib"},
			want:     map[string]string{"lib/a.js": "a", "link.js": "lib/a.js", "alias": "lib"},
			wantLink: []string{"alias", "link.js"}},
		{name: "broken link", mode: "follow",
			files:   map[string]string{"index.js": "x", "dangling.js": "->missing.js"},
			wantErr: []string{"dangling.js", "missing.js", "does not exist"}},
		{name: "broken link kept", mode: "keep",
			files:   map[string]string{"index.js": "x", "dangling.js": "->missing.js"},
			wantErr: []string{"dangling.js", "missing.js", "does not exist"}},
		{name: "escaping link", mode: "follow",
			files:   map[string]string{"index.js": "x", "escape": "->../../../../../../etc/hostname"},
			wantErr: []string{"escape", "etc/hostname", "outside"}},
		{name: "escaping link kept", mode: "keep",
			files:   map[string]string{"index.js": "x", "escape": "->../outside.txt"},
			wantErr: []string{"escape", "../outside.txt", "outside"}},
		{name: "cycle", mode: "follow",
			files:   map[string]string{"lib/a.js": "a", "lib/loop": "->.."},
			wantErr: []string{"lib/loop", "cycle"}},
		{name: "excluded link is not checked", mode: "follow",
			files: map[string]string{"index.js": "x", "dangling.md": "->missing.md"},
			want:  map[string]string{"index.js": "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			writeFiles(t, src, tt.files)
			writeFiles(t, filepath.Dir(src), map[string]string{"outside.txt": "secret"})
			spec := testSpec(t, src)
			spec.Symlinks = tt.mode
			spec.Exclude = []string{"*.md"}
			m, err := packTreesErr(spec)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("packaging succeeded, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gotFiles, gotLinks []string
			for _, f := range readZip(t, m.ZipPath).File {
				if f.Mode().IsDir() {
					continue
				}
				gotFiles = append(gotFiles, f.Name)
				if f.Mode()&fs.ModeSymlink != 0 {
					gotLinks = append(gotLinks, f.Name)
					if f.Mode() != fs.ModeSymlink|0o777 {
						t.Errorf("%s: mode %v, want Lrwxrwxrwx", f.Name, f.Mode())
					}
				}
				if want, ok := tt.want[f.Name]; ok {
					if got := zipContent(t, m.ZipPath, f.Name); got != want {
						t.Errorf("%s = %q, want %q", f.Name, got, want)
					}
				}
			}
			var wantFiles []string
			for n := range tt.want {
				wantFiles = append(wantFiles, n)
			}
			slices.Sort(wantFiles)
			if !slices.Equal(gotFiles, wantFiles) {
				t.Errorf("zip files = %q, want %q", gotFiles, wantFiles)
			}
			if !slices.Equal(gotLinks, tt.wantLink) {
				t.Errorf("symlink entries = %q, want %q", gotLinks, tt.wantLink)
			}
			for _, f := range m.Files {
				if slices.Contains(tt.wantLink, f.Path) != f.Symlink {
					t.Errorf("manifest entry %s: Symlink = %v", f.Path, f.Symlink)
				}
			}
		})
	}
}

// The node staging folder is a separate tree outside the source; links
// inside it (node_modules/.bin) are fine when they stay inside that tree.
func TestSymlinksInsideAnotherTree(t *testing.T) {
	t.Parallel()
	src, staging := t.TempDir(), t.TempDir()
	writeFiles(t, src, map[string]string{"index.js": "x"})
	writeFiles(t, staging, map[string]string{
		"node_modules/tool/cli.js": "#!/usr/bin/env node\n",
		"node_modules/.bin/tool":   "->../tool/cli.js",
	})
	spec := testSpec(t, src)
	m := packTrees(t, spec, tree{Dir: src}, tree{Dir: filepath.Join(staging, "node_modules"), Prefix: "node_modules"})
	f := findEntry(t, m.ZipPath, "node_modules/.bin/tool")
	if f.Mode() != 0o755 {
		t.Errorf("materialised .bin/tool mode = %v, want 0755 (shebang)", f.Mode())
	}
	if got := zipContent(t, m.ZipPath, "node_modules/.bin/tool"); got != "#!/usr/bin/env node\n" {
		t.Errorf(".bin/tool = %q", got)
	}

	// A link from the staging tree into the source tree escapes its tree.
	writeFiles(t, staging, map[string]string{"node_modules/.bin/bad": "->" + filepath.Join(src, "index.js")})
	_, err := packTreesErr(spec, tree{Dir: src}, tree{Dir: filepath.Join(staging, "node_modules"), Prefix: "node_modules"})
	if err == nil || !strings.Contains(err.Error(), ".bin/bad") {
		t.Errorf("error = %v, want one naming .bin/bad", err)
	}
}

func TestKeptAbsoluteLinkIsRejected(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFiles(t, src, map[string]string{"a.js": "a"})
	writeFiles(t, src, map[string]string{"abs.js": "->" + filepath.Join(src, "a.js")})
	spec := testSpec(t, src)
	spec.Symlinks = "keep"
	_, err := packTreesErr(spec)
	if err == nil || !strings.Contains(err.Error(), "abs.js") || !strings.Contains(err.Error(), "relative") {
		t.Fatalf("error = %v, want one naming abs.js and asking for a relative link", err)
	}
	spec.Symlinks = "follow"
	if _, err := packTreesErr(spec); err != nil {
		t.Fatalf("follow mode: %v", err)
	}
}
