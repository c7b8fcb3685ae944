package safefile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func write(t *testing.T, p string, size int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Repeat("x", size)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadFile(t *testing.T) {
	const limit = 1 << 10
	root := t.TempDir()
	outside := t.TempDir()
	write(t, filepath.Join(root, "ok"), limit)
	write(t, filepath.Join(root, "big"), limit+1)
	write(t, filepath.Join(outside, "secret"), 10)
	if err := os.Mkdir(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"inside":     "ok",
		"escape":     filepath.Join(outside, "secret"),
		"escape-rel": filepath.Join("..", filepath.Base(outside), "secret"),
	}
	if runtime.GOOS != "windows" {
		for name, target := range links {
			if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name  string
		path  string
		unix  bool
		want  error
		text  string
		bytes int
	}{
		{name: "a file at the limit is read", path: filepath.Join(root, "ok"), bytes: limit},
		{name: "a link inside the root is followed", path: filepath.Join(root, "inside"), unix: true, bytes: limit},
		{name: "a file over the limit is refused", path: filepath.Join(root, "big"), want: ErrTooLarge, text: "larger than the 1 KiB limit"},
		{name: "a folder is refused", path: filepath.Join(root, "dir"), want: ErrNotRegular, text: "it is a folder"},
		{name: "a device is refused", path: "/dev/zero", unix: true, want: ErrNotRegular, text: "it is a device"},
		{name: "a link out of the root is refused", path: filepath.Join(root, "escape"), unix: true, want: ErrOutsideRoot, text: "outside " + root},
		{name: "a relative link out of the root is refused", path: filepath.Join(root, "escape-rel"), unix: true, want: ErrOutsideRoot},
		{name: "a path out of the root is refused", path: filepath.Join(root, "..", filepath.Base(outside), "secret"), want: ErrOutsideRoot},
		{name: "a missing file is not found", path: filepath.Join(root, "missing"), want: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unix && runtime.GOOS == "windows" {
				t.Skip("needs unix devices and symlinks")
			}
			r := root
			if tt.path == "/dev/zero" {
				r = ""
			}
			data, err := ReadFile(context.Background(), r, tt.path, limit)
			if tt.want == nil {
				if err != nil || len(data) != tt.bytes {
					t.Fatalf("ReadFile = %d bytes, %v; want %d bytes", len(data), err, tt.bytes)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadFile error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not say %q", err, tt.text)
			}
			if strings.Contains(err.Error(), "xxx") {
				t.Errorf("error %q holds the file's content", err)
			}
		})
	}
}

func TestReadFileCancelled(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	write(t, p, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadFile(ctx, "", p, 100); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 3 << 20: "3 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes", (1 << 20) + 1: "1048577 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
