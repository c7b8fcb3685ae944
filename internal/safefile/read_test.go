package safefile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	small := write("small", []byte("functions: {}\n"))
	exact := write("exact", bytes.Repeat([]byte("a"), 64))
	over := write("over", bytes.Repeat([]byte("a"), 65))
	if err := os.Symlink(small, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name     string
		path     string
		want     string
		wantErr  any
		wantText string
	}{
		{name: "regular file", path: small, want: "functions: {}\n"},
		{name: "exactly the limit", path: exact, want: strings.Repeat("a", 64)},
		{name: "link to a regular file", path: filepath.Join(dir, "link"), want: "functions: {}\n"},
		{name: "one byte over the limit", path: over, wantErr: new(*TooLargeError), wantText: "is larger than 64 bytes"},
		{name: "folder", path: dir, wantErr: new(*NotRegularError), wantText: "is a folder, not a regular file"},
		{name: "device", path: os.DevNull, wantErr: new(*NotRegularError), wantText: "is a device"},
		{name: "missing", path: filepath.Join(dir, "missing")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.path == os.DevNull && !isDevice(t, tt.path) {
				t.Skip(os.DevNull + " is not a device here")
			}
			got, err := ReadFile(t.Context(), tt.path, 64)
			switch {
			case tt.name == "missing":
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("err = %v, want one matching fs.ErrNotExist", err)
				}
			case tt.wantErr != nil:
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("err = %v (%T), want %T", err, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.path) || !strings.Contains(err.Error(), tt.wantText) {
					t.Errorf("err = %q, want the path and %q", err, tt.wantText)
				}
			case err != nil:
				t.Fatal(err)
			case string(got) != tt.want:
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func isDevice(t *testing.T, path string) bool {
	t.Helper()
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&fs.ModeDevice != 0
}

// /dev/zero never ends: reading it whole grows memory until the process
// is killed. It must be refused before a single byte is read.
func TestReadFileRefusesEndlessDevice(t *testing.T) {
	t.Parallel()
	if !isDevice(t, "/dev/zero") {
		t.Skip("no /dev/zero here")
	}
	_, err := ReadFile(t.Context(), "/dev/zero", 1<<20)
	var nr *NotRegularError
	if !errors.As(err, &nr) || nr.Path != "/dev/zero" {
		t.Fatalf("err = %v, want a *NotRegularError naming /dev/zero", err)
	}
}

func TestReadFileCancelled(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "lamb.yaml")
	if err := os.WriteFile(p, []byte("functions: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ReadFile(ctx, p, 1<<20); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadFile: err = %v, want context.Canceled", err)
	}
	if _, err := ReadFileIn(ctx, filepath.Dir(p), "lamb.yaml", 1<<20); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadFileIn: err = %v, want context.Canceled", err)
	}
}

// A reader that stops partway through a file stops at the next chunk.
func TestReadLimitedStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	r := &cancellingReader{cancel: cancel}
	_, err := readLimited(ctx, r, "big", 1<<30, 0)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if r.reads != 1 {
		t.Errorf("%d reads, want the one during which the context was cancelled", r.reads)
	}
}

// cancellingReader gives endless data and cancels its context on the first read.
type cancellingReader struct {
	cancel func()
	reads  int
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	r.reads++
	r.cancel()
	return len(p), nil
}

func TestReadFileIn(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("SECRET-LINE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "common"), []byte("node_modules/\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"inside":          "common",
		"sub/up":          "../common",
		"absolute-inside": filepath.Join(root, "common"),
		"outside":         secret,
		"outside-rel":     filepath.Join("..", filepath.Base(outside), "secret"),
		"dangling":        filepath.Join(outside, "missing"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}

	for _, tt := range []struct {
		name    string
		want    string
		outside bool
		missing bool
	}{
		{name: "common", want: "node_modules/\n"},
		{name: "inside", want: "node_modules/\n"},
		{name: "sub/up", want: "node_modules/\n"},
		{name: "absolute-inside", want: "node_modules/\n"},
		{name: "outside", outside: true},
		{name: "outside-rel", outside: true},
		{name: "dangling", missing: true},
		{name: "missing", missing: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadFileIn(t.Context(), root, tt.name, 1<<20)
			switch {
			case tt.outside:
				var oe *OutsideRootError
				if !errors.As(err, &oe) {
					t.Fatalf("err = %v, want *OutsideRootError", err)
				}
				if !strings.Contains(err.Error(), filepath.Join(root, tt.name)) || strings.Contains(err.Error(), "SECRET-LINE") {
					t.Errorf("err = %q, want the link named and nothing of its target's content", err)
				}
			case tt.missing:
				if !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("err = %v, want one matching fs.ErrNotExist", err)
				}
			case err != nil:
				t.Fatal(err)
			case string(got) != tt.want:
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadAll(t *testing.T) {
	t.Parallel()
	got, err := ReadAll(t.Context(), strings.NewReader("functions: {}\n"), "standard input", 64)
	if err != nil || string(got) != "functions: {}\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	_, err = ReadAll(t.Context(), strings.NewReader(strings.Repeat("a", 65)), "standard input", 64)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "standard input is larger than 64 bytes") {
		t.Fatalf("err = %v, want a *TooLargeError naming standard input and the bound", err)
	}
}

// A terminal or a pipe with no writer blocks in read(2); cancelling the
// context must still end ReadAll.
func TestReadAllReturnsWhenCancelledDuringABlockedRead(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	defer pw.Close()
	ctx, cancel := context.WithCancel(t.Context())
	r := &notifyingReader{r: pr, reading: make(chan struct{})}
	go func() {
		<-r.reading
		cancel()
	}()
	if _, err := ReadAll(ctx, r, "standard input", 1<<20); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// notifyingReader closes reading when the first read starts.
type notifyingReader struct {
	r       io.Reader
	reading chan struct{}
	once    bool
}

func (n *notifyingReader) Read(p []byte) (int, error) {
	if !n.once {
		n.once = true
		close(n.reading)
	}
	return n.r.Read(p)
}
