package builder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/lambcli/lamb/internal/atomicfile"
)

// cacheKey hashes everything an install depends on. Parts are length-prefixed
// so that no two different lists hash alike.
func cacheKey(parts ...[]byte) string {
	h := sha256.New()
	io.WriteString(h, "lamb-deps-v1\n")
	for _, p := range parts {
		io.WriteString(h, strconv.Itoa(len(p)))
		h.Write([]byte{0})
		h.Write(p)
	}
	// 96 bits keep entries unique while leaving room for deep
	// node_modules paths on systems with short path limits.
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// toolFingerprint identifies the installed tool without running it: the
// resolved path of the executable with its size and modification time, which
// change when the tool is upgraded.
func toolFingerprint(name string) []byte {
	p, err := exec.LookPath(name)
	if err != nil {
		return []byte(name)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	fi, err := os.Stat(p)
	if err != nil {
		return []byte(p)
	}
	return fmt.Appendf(nil, "%s %d %d", p, fi.Size(), fi.ModTime().UnixNano())
}

// staleTemp is how old a leftover install folder must be before it is
// taken for the remains of an interrupted run rather than a concurrent one.
const staleTemp = 24 * time.Hour

// cachedInstall returns the folder CacheDir/deps/<kind>/<key>, running
// install into a fresh temporary folder and renaming it into place when the
// entry is missing (or noCache is set). A complete entry appears in one
// rename, so an interrupted install never leaves a partial one behind.
func cachedInstall(ctx context.Context, cacheDir, kind, key string, noCache bool, install func(ctx context.Context, dir string) error) (string, error) {
	if cacheDir == "" {
		return "", errors.New("install dependencies: no cache folder given")
	}
	if !filepath.IsAbs(cacheDir) {
		abs, err := filepath.Abs(cacheDir)
		if err != nil {
			return "", fmt.Errorf("install dependencies: resolve cache folder %s: %w", cacheDir, err)
		}
		cacheDir = abs
	}
	parent := filepath.Join(cacheDir, "deps", kind)
	final := filepath.Join(parent, key)
	if !noCache && dirExists(final) {
		return final, nil
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create dependency cache %s: %w", parent, err)
	}
	atomicfile.Sweep(parent, staleTemp)
	tmp, err := os.MkdirTemp(parent, atomicfile.TempPattern(key))
	if err != nil {
		return "", fmt.Errorf("create dependency cache entry in %s: %w", parent, err)
	}
	if err := install(ctx, tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if dirExists(final) {
		// The entry being replaced moves into a temporary folder of its
		// own, which Sweep recognises if this run is killed before removing it.
		old, err := os.MkdirTemp(parent, atomicfile.TempPattern(key))
		if err == nil {
			err = os.Rename(final, filepath.Join(old, key))
		}
		if err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("replace dependency cache entry %s: %w", final, err)
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		if !noCache && dirExists(final) {
			// Another lamb finished the same install first; its entry is as good.
			return final, nil
		}
		return "", fmt.Errorf("store dependency cache entry %s: %w", final, err)
	}
	return final, nil
}
