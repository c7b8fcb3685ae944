package limits

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestChecksDoNoIO keeps the checks on plain values: the AWS SDK must not be
// linked into this package at any depth, and neither this package nor a lamb
// package it uses may reach for the network or the file system. Reading
// accounts and layers belongs to pkg/deploy, reading zips to pkg/packager;
// the packager is not followed, since limits only reads its Manifest type.
func TestChecksDoNoIO(t *testing.T) {
	t.Parallel()
	const self = "github.com/lambcli/lamb/pkg/limits"
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Standard", ".").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath string
		Imports    []string
		Standard   bool
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}
	if _, ok := pkgs[self]; !ok {
		t.Fatalf("go list did not list %s", self)
	}
	for path := range pkgs {
		if strings.HasPrefix(path, "github.com/aws/") {
			t.Errorf("%s links the AWS SDK (%s); AWS calls belong in pkg/deploy", self, path)
		}
	}
	forbidden := map[string]string{
		"net":         "the network",
		"net/http":    "HTTP",
		"os":          "the file system",
		"os/exec":     "processes",
		"archive/zip": "zip reading",
	}
	seen := map[string]bool{}
	var walk func(path string)
	walk = func(path string) {
		if seen[path] {
			return
		}
		seen[path] = true
		for _, imp := range pkgs[path].Imports {
			if what, bad := forbidden[imp]; bad {
				t.Errorf("%s imports %s: the checks must not do %s", path, imp, what)
			}
			p, ok := pkgs[imp]
			if ok && !p.Standard && imp != "github.com/lambcli/lamb/pkg/packager" {
				walk(imp)
			}
		}
	}
	walk(self)
}
