package config

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// fuzzSecret is what every ${env:NAME} resolves to while fuzzing; no
// problem may show it unless the document itself contains it.
const fuzzSecret = "fuzz-secret-value"

// FuzzLoad feeds arbitrary documents, as lamb.yaml or lamb.json and with
// any stage, through the whole of loading. It must never panic, and every
// outcome must be one a user can act on: a configuration whose functions
// all have valid keys, problems located in the file and sorted, or an
// unknown stage.
func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool, stage string) {
		if readsSpecialFiles(data) {
			t.Skip("a dotenv path into /dev, /proc, /sys or ~ could block or read real files; dotenv reading is not what this target checks")
		}
		name := filepath.Join(dir, "lamb.yaml")
		if asJSON {
			name = filepath.Join(dir, "lamb.json")
		}
		lookupEnv := func(string) (string, bool) { return fuzzSecret, true }
		cfg, err := Parse(context.Background(), data, name, LoadOptions{Stage: stage, LookupEnv: lookupEnv})
		var ve *ValidationError
		switch {
		case err == nil:
			if len(cfg.Functions) == 0 {
				t.Fatal("a configuration without functions was accepted")
			}
			for _, fn := range cfg.Functions {
				if !validFunctionKey(fn.Key) {
					t.Fatalf("invalid function key %q was accepted", fn.Key)
				}
			}
		case errors.As(err, &ve):
			if len(ve.Problems) == 0 {
				t.Fatal("a validation error without problems")
			}
			for i, p := range ve.Problems {
				if p.File != name || p.Line < 1 || p.Column < 1 || p.Message == "" {
					t.Fatalf("problem not located: %+v", p)
				}
				if i > 0 && (p.Line < ve.Problems[i-1].Line || p.Line == ve.Problems[i-1].Line && p.Column < ve.Problems[i-1].Column) {
					t.Fatalf("problems not in file order:\n%v", err)
				}
				// Dotenv file names are reported as resolved: that part of
				// loading is checked elsewhere.
				if !bytes.Contains(data, []byte(fuzzSecret)) && !strings.Contains(p.Path, "environment.files") &&
					strings.Contains(p.String(), fuzzSecret) {
					t.Fatalf("a problem shows an environment value: %v", p)
				}
			}
		case !errors.Is(err, ErrUnknownStage) || stage == "":
			t.Fatalf("unexpected error: %v", err)
		}
	})
}

// readsSpecialFiles reports whether any value of the document names a
// device or kernel file, or one in the home folder, which a dotenv entry
// would read.
func readsSpecialFiles(data []byte) bool {
	var n yaml.Node
	if yaml.Unmarshal(bytes.ReplaceAll(data, []byte("\t"), []byte(" ")), &n) != nil {
		return false
	}
	var walk func(*yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if strings.HasPrefix(n.Value, "~") {
			return true
		}
		for _, special := range []string{"/dev", "/proc", "/sys"} {
			if strings.Contains(n.Value, special) {
				return true
			}
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	return walk(&n)
}
