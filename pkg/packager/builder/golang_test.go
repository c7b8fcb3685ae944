package builder

import (
	"context"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoBuildsBootstrapForTheArchitecture(t *testing.T) {
	t.Parallel()
	needTool(t, "go")
	tests := []struct {
		arch    string
		machine elf.Machine
	}{
		{"x86_64", elf.EM_X86_64},
		{"arm64", elf.EM_AARCH64},
	}
	src := fixture(t, "go")
	cache := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.arch, func(t *testing.T) {
			b, _ := newTestBuilder()
			res, err := b.build(context.Background(), Spec{Source: src, Runtime: "provided.al2023", Architecture: tt.arch, Handler: "bootstrap", CacheDir: cache})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Trees) != 1 || res.Trees[0].Prefix != "" {
				t.Fatalf("want one tree with the bootstrap at the root, got %+v", res.Trees)
			}
			names := listing(t, res.Trees[0].Dir)
			if _, ok := names["bootstrap"]; !ok || len(names) != 2 { // "." and bootstrap
				t.Errorf("the Go tree holds %v, want only bootstrap", names)
			}
			bin := filepath.Join(res.Trees[0].Dir, "bootstrap")
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatalf("bootstrap is not an ELF binary: %v", err)
			}
			defer f.Close()
			if f.Machine != tt.machine {
				t.Errorf("bootstrap is built for %v, want %v", f.Machine, tt.machine)
			}
			if _, err := f.DynamicSymbols(); err == nil {
				t.Errorf("bootstrap links dynamically; Lambda needs a static binary (CGO_ENABLED=0)")
			}
			if fi, _ := os.Stat(bin); fi.Mode().Perm()&0o111 == 0 {
				t.Errorf("bootstrap mode %v is not executable", fi.Mode())
			}
		})
	}
	if got := listing(t, src); len(got) != 3 { // ".", go.mod, main.go
		t.Errorf("the source folder changed: %v", got)
	}
}

func TestGoBuildFailureShowsCompilerOutput(t *testing.T) {
	t.Parallel()
	needTool(t, "go")
	src := fixture(t, "go")
	writeFile(t, filepath.Join(src, "main.go"), "package main\n\nfunc main() { undefinedCall() }\n", 0o644)
	b, _ := newTestBuilder()
	_, err := b.build(context.Background(), Spec{Source: src, Runtime: "provided.al2023", Architecture: "arm64", CacheDir: t.TempDir()})
	if err == nil {
		t.Fatal("want an error for code that does not compile")
	}
	mentions(t, err, "linux/arm64", "exit status 1", "undefined: undefinedCall")
}

func TestGoMainPackage(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "cmd", "hello", "main.go"), "package main\n", 0o644)
	for _, tc := range []struct {
		main, want, wantErr string
	}{
		{main: "", want: "."},
		{main: ".", want: "."},
		{main: "./cmd/hello", want: "./cmd/hello"},
		{main: "cmd/hello/", want: "./cmd/hello"},
		{main: `cmd\hello`, want: "./cmd/hello"},
		{main: "../elsewhere", wantErr: "not a folder inside"},
		{main: `cmd\..\..\x`, wantErr: "not a folder inside"},
		{main: "/usr/src/app", wantErr: "not a folder inside"},
		{main: "./cmd/missing", wantErr: "has no such folder"},
	} {
		t.Run(tc.main, func(t *testing.T) {
			got, err := goMainPackage(Spec{Source: src, Main: tc.main})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "package.main") {
					t.Fatalf("error = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("goMainPackage(%q) = %q, %v; want %q", tc.main, got, err, tc.want)
			}
		})
	}
}
