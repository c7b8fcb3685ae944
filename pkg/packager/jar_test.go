package packager

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// zipBytes writes entries (name → content) to a zip in the order given,
// storing or deflating each as method says.
func zipBytes(t *testing.T, method uint16, entries map[string][]byte, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range order {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(entries[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestJarHasClass(t *testing.T) {
	t.Parallel()
	jar := zipBytes(t, zip.Deflate, map[string][]byte{
		"META-INF/MANIFEST.MF":           []byte("Manifest-Version: 1.0\n"),
		"com/example/Handler.class":      bytes.Repeat([]byte{0xca, 0xfe}, 100),
		"com/example/util/Strings.class": {1, 2, 3},
	}, "META-INF/MANIFEST.MF", "com/example/Handler.class", "com/example/util/Strings.class")
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		name := map[uint16]string{zip.Store: "stored jar", zip.Deflate: "deflated jar"}[method]
		t.Run(name, func(t *testing.T) {
			bundle := zipBytes(t, method, map[string][]byte{"lib/app.jar": jar, "config.json": []byte("{}")},
				"config.json", "lib/app.jar")
			path := filepath.Join(t.TempDir(), "api.zip")
			if err := os.WriteFile(path, bundle, 0o644); err != nil {
				t.Fatal(err)
			}
			for class, want := range map[string]bool{
				"com/example/Handler.class":  true,
				"com/example/Missing.class":  false,
				"META-INF/MANIFEST.MF.class": false,
			} {
				got, err := JarHasClass(path, class)
				if err != nil || got != want {
					t.Errorf("JarHasClass(%s) = %v, %v; want %v", class, got, err, want)
				}
			}
		})
	}
}

func TestJarHasClassWithoutJars(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "api.zip")
	bundle := zipBytes(t, zip.Deflate, map[string][]byte{"com/example/Handler.class": {1}}, "com/example/Handler.class")
	if err := os.WriteFile(path, bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	// A class at the root is not "in a jar": the caller checks the file list.
	if got, err := JarHasClass(path, "com/example/Handler.class"); got || err != nil {
		t.Errorf("JarHasClass = %v, %v; want false, nil", got, err)
	}
}

func TestJarHasClassUnreadable(t *testing.T) {
	t.Parallel()
	for name, path := range map[string]string{
		"missing zip": filepath.Join(t.TempDir(), "gone.zip"),
		"no zip":      "",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := JarHasClass(path, "com/example/Handler.class"); err == nil {
				t.Error("want an error")
			}
		})
	}
	t.Run("not a zip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "api.zip")
		if err := os.WriteFile(path, []byte("not a zip"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := JarHasClass(path, "com/example/Handler.class"); err == nil {
			t.Error("want an error")
		}
	})
}
