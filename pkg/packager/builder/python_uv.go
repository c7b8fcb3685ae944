package builder

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Installers of Python dependencies, as package.installer names them.
const (
	installerAuto = "auto"
	installerPip  = "pip"
	installerUV   = "uv"
)

// pythonInstaller is the tool that installs a function's wheels: uv when
// package.installer says so, or when it is auto ("") and uv is on PATH;
// pip otherwise. uv is faster and judges environment markers for the
// runtime rather than for this machine.
func pythonInstaller(setting string) (string, error) {
	switch setting {
	case "", installerAuto:
		if _, err := exec.LookPath("uv"); err == nil {
			return installerUV, nil
		}
		return installerPip, nil
	case installerPip:
		return installerPip, nil
	case installerUV:
		if _, err := exec.LookPath("uv"); err != nil {
			return "", errors.New("package.installer is uv, but uv is not on PATH: install uv (pipx install uv), or set package.installer: auto to use pip")
		}
		return installerUV, nil
	}
	return "", fmt.Errorf("package.installer is %q: use auto, pip or uv", setting)
}

// uvPlatform is uv's name for the newest manylinux platform the runtime's
// glibc loads. uv has no name for glibc 2.26 (Amazon Linux 2), so those
// runtimes get manylinux_2_17 (manylinux2014): wheels that need glibc 2.18
// to 2.26, which few projects publish, are then passed over for an older
// release or a manylinux2014 wheel, where pip (given every tag up to 2_26)
// could take them. package.installer: pip restores that.
func uvPlatform(runtime string, a arch) string {
	machine := strings.TrimPrefix(a.pip, "manylinux2014_")
	minor := 17
	if glibcMinor(runtime) >= 34 {
		minor = 34
	}
	return fmt.Sprintf("%s-manylinux_2_%d", machine, minor)
}

var uvNoWheel = regexp.MustCompile(`(?m)\b([A-Za-z0-9][A-Za-z0-9._-]*)(?:==\S+)? (?:has no usable wheels|has no wheels with a matching platform tag|was not found in the (?:package registry|provided package locations))`)

// uvInstall installs req into target with uv for the runtime's Python
// version and platform. --python-version makes uv judge environment
// markers for the runtime, not for the interpreter it finds here.
func (b *builder) uvInstall(ctx context.Context, spec Spec, a arch, version, req, input, target string) error {
	spec.progress(fmt.Sprintf("installing Python dependencies with uv for linux/%s (python %s)", a.lambda, version))
	args := []string{"pip", "install", "--target", target, "--python-platform", uvPlatform(spec.Runtime, a),
		"--python-version", version, "--only-binary", ":all:", "-r", req,
		// Copies, not links into uv's cache: lamb rewrites RECORD in place.
		"--link-mode", "copy", "--no-python-downloads", "--quiet"}
	c := command{Dir: spec.Source, Name: "uv", Args: args, Env: []string{"UV_NO_PROGRESS=1"}, Log: spec.Log}
	machine, floor, _ := strings.Cut(uvPlatform(spec.Runtime, a), "-")
	return b.installBuildingSdists(ctx, spec, a, req, input, target, c, wheelInstaller{
		tool:    "uv",
		command: "uv pip install",
		tags:    floor + "_" + machine + " and older",
		noWheel: func(out []byte) string {
			if m := uvNoWheel.FindSubmatch(out); m != nil {
				// The match starts with the requirement as uv names it:
				// name==version.
				return strings.Fields(string(m[0]))[0]
			}
			return ""
		},
	})
}

// installerFiles are what pip and uv write differently into the same
// installed wheels: uv's lock file at the target's root, console scripts
// in bin/ (their shebang names this machine's interpreter, useless on
// Lambda), and in each .dist-info the installer's name (INSTALLER), which
// packages were asked for by name (REQUESTED: pip marks the top-level
// ones, uv every one) and where a local package was installed from
// (direct_url.json, a path on this machine). None of them is read at run
// time, so they are dropped; RECORD is then rewritten from what is left.
var (
	installerRootFiles     = []string{".lock", "bin"}
	installerDistInfoFiles = []string{"INSTALLER", "REQUESTED", "direct_url.json"}
)

// normaliseSite makes an install by pip and one by uv of the same wheels
// byte-identical, so the zip does not depend on which tool was on PATH.
func normaliseSite(site string) error {
	for _, name := range installerRootFiles {
		if err := os.RemoveAll(filepath.Join(site, name)); err != nil {
			return fmt.Errorf("tidy the installed packages: %w", err)
		}
	}
	infos, err := filepath.Glob(filepath.Join(site, "*.dist-info"))
	if err != nil {
		return err
	}
	for _, info := range infos {
		for _, name := range installerDistInfoFiles {
			if err := os.Remove(filepath.Join(info, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("tidy the installed packages: %w", err)
			}
		}
		if err := rewriteRecord(site, info); err != nil {
			return fmt.Errorf("tidy the installed packages: %w", err)
		}
	}
	return nil
}

// rewriteRecord rewrites a wheel's RECORD as the installed files under
// site that it lists, sorted, each with its sha256 and size as the wheel
// format spells them, and RECORD itself with neither. pip and uv order
// the lines differently and list the files they write themselves.
func rewriteRecord(site, info string) error {
	p := filepath.Join(info, "RECORD")
	raw, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	self := filepath.ToSlash(filepath.Join(filepath.Base(info), "RECORD"))
	var paths []string
	for _, row := range rows {
		if len(row) == 0 || row[0] == self {
			continue
		}
		// Entries leaving site (../../bin/...) name files no longer shipped.
		rel := filepath.ToSlash(filepath.Clean(filepath.FromSlash(row[0])))
		if rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
			continue
		}
		if fi, err := os.Lstat(filepath.Join(site, rel)); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		paths = append(paths, rel)
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	for _, rel := range paths {
		sum, size, err := fileDigest(filepath.Join(site, rel))
		if err != nil {
			return err
		}
		if err := w.Write([]string{rel, "sha256=" + sum, fmt.Sprint(size)}); err != nil {
			return err
		}
	}
	if err := w.Write([]string{self, "", ""}); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return os.WriteFile(p, out.Bytes(), 0o644)
}

// fileDigest is a file's sha256 in RECORD's urlsafe base64 without
// padding, and its size.
func fileDigest(p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)), n, nil
}
