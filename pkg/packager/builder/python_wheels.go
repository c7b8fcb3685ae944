package builder

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/lambcli/lamb/internal/safefile"
)

// Wheel is an installed Python distribution whose wheel was built for a
// platform rather than pure Python, with the tag pip chose it by.
type Wheel struct {
	Package string // the distribution's name as its METADATA spells it
	Version string
	// Tag is the wheel's tag, compressed as in its file name:
	// cp312-cp312-manylinux_2_27_aarch64.manylinux_2_28_aarch64.
	Tag string
}

// maxWheelMetadataBytes bounds a dist-info WHEEL or METADATA file lamb reads;
// only their headers matter.
const maxWheelMetadataBytes = 4 << 20

// nativeWheels reads the WHEEL and METADATA files of every *.dist-info
// folder at the top of an install, sorted by package name. A folder whose
// files cannot be read is left out: the manifest reports, it does not judge.
func nativeWheels(ctx context.Context, site string) []Wheel {
	infos, _ := filepath.Glob(filepath.Join(site, "*.dist-info"))
	var out []Wheel
	for _, info := range infos {
		raw, err := safefile.ReadFile(ctx, filepath.Join(info, "WHEEL"), maxWheelMetadataBytes)
		if err != nil {
			continue
		}
		tag, native := wheelTag(headerValues(raw, "Tag"))
		if !native {
			continue
		}
		meta, err := safefile.ReadFile(ctx, filepath.Join(info, "METADATA"), maxWheelMetadataBytes)
		if err != nil {
			continue
		}
		name, version := headerValues(meta, "Name"), headerValues(meta, "Version")
		if len(name) == 0 || len(version) == 0 {
			continue
		}
		out = append(out, Wheel{Package: name[0], Version: version[0], Tag: tag})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Package) < strings.ToLower(out[j].Package) })
	return out
}

// headerValues returns the values of an email-style header in the header
// block (up to the first blank line) of a WHEEL or METADATA file.
func headerValues(raw []byte, key string) []string {
	var vals []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), key) {
			vals = append(vals, strings.TrimSpace(v))
		}
	}
	return vals
}

// wheelTag compresses a wheel's Tag lines the way its file name does (each
// part the dot-joined set of its values, in order of appearance) and says
// whether any of them names a platform.
func wheelTag(tags []string) (string, bool) {
	var parts [3][]string
	native := false
	for _, t := range tags {
		f := strings.Split(t, "-")
		if len(f) != 3 {
			continue
		}
		for i, v := range f {
			if !slices.Contains(parts[i], v) {
				parts[i] = append(parts[i], v)
			}
		}
		if f[2] != "any" {
			native = true
		}
	}
	if !native {
		return "", false
	}
	return strings.Join(parts[0], ".") + "-" + strings.Join(parts[1], ".") + "-" + strings.Join(parts[2], "."), true
}

// scriptsFile, beside a cached install's site folder, lists the console
// scripts left out of it (installedScripts), one a line: the manifest
// names them on every build, warm ones too, after bin/ is gone.
const scriptsFile = "excluded-scripts"

// installedScripts lists, as bundle paths, the files the installer put in
// the install's bin/: console scripts whose shebang names this machine's
// interpreter, which Lambda neither has nor puts on PATH.
func installedScripts(site string) []string {
	entries, err := os.ReadDir(filepath.Join(site, "bin"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		out = append(out, "bin/"+e.Name())
	}
	return out
}
