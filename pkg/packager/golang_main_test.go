package packager

import (
	"context"
	"debug/elf"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// TestGoMainInSubfolder builds a module whose main package is in
// cmd/hello, as package.main names it, into a zip holding bootstrap.
func TestGoMainInSubfolder(t *testing.T) {
	testenv.NeedTool(t, "go")
	src := t.TempDir()
	writeFiles(t, src, map[string]string{
		"go.mod":            "module example.com/hello\n\ngo 1.22\n",
		"greet/greet.go":    "package greet\n\nfunc Hello() string { return \"hello from cmd/hello\" }\n",
		"cmd/hello/main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/hello/greet\"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n",
		"cmd/other/main.go": "package main\n\nfunc main() {}\n",
	})
	spec := testSpec(t, src)
	spec.Runtime, spec.Handler, spec.Dependencies, spec.Main = "provided.al2023", "bootstrap", "auto", "./cmd/hello"
	m, err := Package(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if names := zipNames(t, m.ZipPath, true); !slices.Equal(names, []string{"bootstrap"}) {
		t.Fatalf("zip holds %v, want only bootstrap", names)
	}
	dir := unzipBundle(t, m.ZipPath)
	bin := filepath.Join(dir, "bootstrap")
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	f.Close()
	if mode := readZip(t, m.ZipPath).File[0].Mode(); mode.Perm()&0o111 == 0 {
		t.Errorf("bootstrap is stored with mode %v, want executable", mode)
	}
	// The x86_64 binary runs here when this machine is one: it must be
	// cmd/hello's, not the module root's (which has no main package).
	if out, err := exec.Command(bin).Output(); runtime.GOARCH == "amd64" && strings.TrimSpace(string(out)) != "hello from cmd/hello" {
		t.Errorf("bootstrap printed %q (%v), want cmd/hello's greeting", out, err)
	}
}
