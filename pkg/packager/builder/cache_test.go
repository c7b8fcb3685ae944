package builder

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCachedInstallNeverLeavesAHalfEntry(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	key := cacheKey([]byte("lock"))
	installs := 0
	failing := func(ctx context.Context, dir string) error {
		installs++
		writeFile(t, filepath.Join(dir, "node_modules", "half", "index.js"), "x", 0o644)
		return errors.New("network gone")
	}
	if _, err := cachedInstall(context.Background(), cache, "node", key, false, failing); err == nil || !strings.Contains(err.Error(), "network gone") {
		t.Fatalf("error = %v, want the install's", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(cache, "deps", "node")); len(entries) != 0 {
		t.Fatalf("a failed install left %v in the cache", entries)
	}

	good := func(ctx context.Context, dir string) error {
		installs++
		writeFile(t, filepath.Join(dir, "node_modules", "ok", "index.js"), "y", 0o644)
		return nil
	}
	dir, err := cachedInstall(context.Background(), cache, "node", key, false, good)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "deps", "node", key); dir != want {
		t.Errorf("entry = %s, want %s", dir, want)
	}
	if fileExists(filepath.Join(dir, "node_modules", "half", "index.js")) || !fileExists(filepath.Join(dir, "node_modules", "ok", "index.js")) {
		t.Errorf("the entry does not hold exactly the good install")
	}
	if _, err := cachedInstall(context.Background(), cache, "node", key, false, good); err != nil {
		t.Fatal(err)
	}
	if installs != 2 {
		t.Errorf("installed %d times, want 2 (the failure, then one good install reused)", installs)
	}

	// NoCache replaces the entry whole.
	replaced := func(ctx context.Context, dir string) error {
		installs++
		writeFile(t, filepath.Join(dir, "node_modules", "new", "index.js"), "z", 0o644)
		return nil
	}
	if _, err := cachedInstall(context.Background(), cache, "node", key, true, replaced); err != nil {
		t.Fatal(err)
	}
	if fileExists(filepath.Join(dir, "node_modules", "ok", "index.js")) || !fileExists(filepath.Join(dir, "node_modules", "new", "index.js")) {
		t.Errorf("NoCache did not replace the entry")
	}
	if entries, _ := os.ReadDir(filepath.Join(cache, "deps", "node")); len(entries) != 1 {
		t.Errorf("cache holds %d entries after the reinstall, want 1", len(entries))
	}
}

func TestCachedInstallSweepsAbandonedTemps(t *testing.T) {
	t.Parallel()
	cache := t.TempDir()
	parent := filepath.Join(cache, "deps", "python")
	old := filepath.Join(parent, ".abc.tmp-123")
	recent := filepath.Join(parent, ".def.tmp-456")
	for _, d := range []string{old, recent} {
		writeFile(t, filepath.Join(d, "six.py"), "", 0o644)
	}
	long := time.Now().Add(-2 * staleTemp)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	if _, err := cachedInstall(context.Background(), cache, "python", "k", false, func(ctx context.Context, dir string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if dirExists(old) {
		t.Errorf("an install abandoned long ago is still in the cache")
	}
	if !dirExists(recent) {
		t.Errorf("a recent install (perhaps still running) was removed")
	}
}

func TestCacheKeySeparatesParts(t *testing.T) {
	t.Parallel()
	if cacheKey([]byte("ab"), []byte("c")) == cacheKey([]byte("a"), []byte("bc")) {
		t.Error("different part lists share a cache key")
	}
	if cacheKey([]byte("nodejs22.x"), []byte("x86_64")) == cacheKey([]byte("nodejs22.x"), []byte("arm64")) {
		t.Error("architectures share a cache key")
	}
}
