package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestFindServer checks which moto_server the tests run: the one
// LAMB_MOTO_SERVER names, then the module's .venv, then PATH.
func TestFindServer(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake moto_server scripts need a Unix shell")
	}
	// A module with a .venv, the tests running in one of its packages.
	module := t.TempDir()
	pkg := filepath.Join(module, "pkg", "deep")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(module, "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	venv := fakeServer(t, filepath.Join(module, venvDir, "bin"))
	onPath := fakeServer(t, t.TempDir())
	named := fakeServer(t, t.TempDir())
	noModule := t.TempDir()

	tests := []struct {
		name, dir, env, path string
		want                 string
		wantNamedErr         bool
		wantErr              bool
	}{
		{name: "named wins over .venv and PATH", dir: pkg, env: named, path: filepath.Dir(onPath), want: named},
		{name: ".venv wins over PATH", dir: pkg, path: filepath.Dir(onPath), want: venv},
		{name: "PATH outside a module", dir: noModule, path: filepath.Dir(onPath), want: onPath},
		{name: "named but missing", dir: pkg, env: filepath.Join(noModule, "moto_server"), path: filepath.Dir(onPath), wantNamedErr: true},
		{name: "nowhere", dir: noModule, path: t.TempDir(), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.dir)
			t.Setenv(ServerEnv, tt.env)
			t.Setenv("PATH", tt.path)
			got, err := findServer()
			var ne *namedServerError
			if isNamed := errors.As(err, &ne); isNamed != tt.wantNamedErr {
				t.Fatalf("findServer() error = %v, want a %s error: %v", err, ServerEnv, tt.wantNamedErr)
			}
			if (err != nil) != (tt.wantErr || tt.wantNamedErr) {
				t.Fatalf("findServer() = %q, %v", got, err)
			}
			if got != tt.want {
				t.Errorf("findServer() = %q, want %q", got, tt.want)
			}
		})
	}
}

// fakeServer writes an executable moto_server into dir and returns its path.
func fakeServer(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "moto_server")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}
