package limits

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/lambcli/lamb/pkg/packager"
)

func files(paths ...string) []packager.FileEntry {
	var out []packager.FileEntry
	for _, p := range paths {
		mode := uint32(0o644)
		if p == "bootstrap" || p == "main" {
			mode = 0o755
		}
		out = append(out, packager.FileEntry{Path: p, Size: 10, Mode: mode})
	}
	return out
}

func TestHandlerTarget(t *testing.T) {
	tests := []struct {
		name     string
		runtime  string
		handler  string
		files    []packager.FileEntry
		layers   []string
		severity Severity // "" = must pass
		want     string
	}{
		{"node js", "nodejs22.x", "index.handler", files("index.js"), nil, "", ""},
		{"node mjs nested", "nodejs22.x", "src/app.handler", files("src/app.mjs"), nil, "", ""},
		{"node cjs", "nodejs22.x", "lib/main.handlers.get", files("lib/main.cjs"), nil, "", ""},
		{"node folder module", "nodejs22.x", "api.handler", files("api/index.js"), nil, "", ""},
		{"node missing", "nodejs22.x", "src/index.handler", files("dist/index.js", "src/other.js", "node_modules/x/index.js"), nil, SeverityError,
			`handler: "src/index.handler" needs src/index.js, src/index.mjs or src/index.cjs in the bundle, and it is not there; fix handler or the bundle contents; nearest files: dist/index.js, src/other.js`},
		{"node missing with a layer", "nodejs22.x", "index.handler", files("README.md"), []string{"arn:aws:lambda:us-east-1:123456789012:layer:code:1"}, SeverityWarning,
			`handler: "index.handler" needs index.js, index.mjs or index.cjs in the bundle, and it is not there; it may come from a layer; fix handler or include the file (package.include)`},
		{"node handler without function", "nodejs22.x", "index", files("index.js"), nil, SeverityError,
			`handler: "index" is not a nodejs handler; set handler like index.handler (index.js, export handler)`},
		{"python module", "python3.12", "app.handler", files("app.py"), nil, "", ""},
		{"python dotted", "python3.12", "pkg.sub.mod.handler", files("pkg/sub/mod.py"), nil, "", ""},
		{"python slashed", "python3.12", "pkg/sub/mod.handler", files("pkg/sub/mod.py"), nil, "", ""},
		{"python package", "python3.12", "service.handler", files("service/__init__.py"), nil, "", ""},
		{"python missing", "python3.12", "app.handler", files("src/app.py", "setup.py"), nil, SeverityError,
			`handler: "app.handler" needs app.py, app/__init__.py or app.pyc in the bundle, and it is not there; fix handler or the bundle contents; nearest files: src/app.py, setup.py`},
		{"java root", "java21", "com.example.Handler::handleRequest", files("com/example/Handler.class"), nil, "", ""},
		{"java classes dir", "java21", "com.example.Handler", files("classes/com/example/Handler.class"), nil, "", ""},
		{"java missing", "java21", "com.example.Handler::handleRequest", files("com/example/Other.class"), nil, SeverityError,
			`handler: "com.example.Handler::handleRequest" needs com/example/Handler.class at the bundle root, in classes/ or in a jar of the bundle, and it is not there; fix handler or the bundle contents; nearest files: com/example/Other.class`},
		{"dotnet", "dotnet8", "Orders::Orders.Function::Handler", files("Orders.dll"), nil, "", ""},
		{"ruby", "ruby3.4", "app/handler.process", files("app/handler.rb"), nil, "", ""},
		{"provided bootstrap", "provided.al2023", "", files("bootstrap"), nil, "", ""},
		{"provided bootstrap missing", "provided.al2023", "bootstrap", files("main"), nil, SeverityError,
			`handler: runtime provided.al2023 needs an executable bootstrap at the bundle root, and it is not there; build an executable named bootstrap at the bundle root (Go: GOOS=linux go build -o bootstrap); executables at the root: main`},
		{"provided bootstrap not executable", "provided.al2023", "bootstrap", []packager.FileEntry{{Path: "bootstrap", Mode: 0o644}}, nil, SeverityError,
			`handler: bootstrap is in the bundle but not executable (mode 0644); Lambda fails with "fork/exec /var/task/bootstrap: permission denied"; make bootstrap executable (chmod 0755) before packaging`},
		{"provided bootstrap from a layer", "provided.al2023", "", files("config.json"), []string{"layer.zip"}, SeverityWarning,
			`handler: runtime provided.al2023 needs an executable bootstrap at the bundle root, and it is not there; it may come from a layer; build an executable named bootstrap at the bundle root (Go: GOOS=linux go build -o bootstrap)`},
		{"go1.x executable", "go1.x", "main", files("main"), nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := base()
			fn.Runtime, fn.Handler, fn.Layers = tt.runtime, tt.handler, tt.layers
			m := manifest(1000, 1000)
			m.Files = tt.files
			fs := findingsOf(Check(fn, m, nil, DefaultQuotas(), today), "handlerTarget")
			if tt.severity == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %q", lines(fs))
				}
				return
			}
			if len(fs) != 1 || fs[0].Severity != tt.severity || line(fs[0]) != tt.want {
				t.Fatalf("got %q %v\nwant %s %q", lines(fs), severities(fs), tt.severity, tt.want)
			}
		})
	}
}

func TestHandlerTargetWithoutFileList(t *testing.T) {
	// A manifest read back from JSON has no file list: the check cannot tell
	// and stays quiet rather than guess.
	fn := base()
	m := manifest(1000, 1000)
	if fs := findingsOf(Check(fn, m, nil, DefaultQuotas(), today), "handlerTarget"); len(fs) != 0 {
		t.Errorf("got %q", lines(fs))
	}
}

// writeZip writes entries (name → content) to a zip, storing or deflating
// each as method says.
func writeZip(t *testing.T, method uint16, entries map[string][]byte, order ...string) []byte {
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

func TestJavaHandlerInNestedJar(t *testing.T) {
	jar := writeZip(t, zip.Deflate, map[string][]byte{
		"META-INF/MANIFEST.MF":           []byte("Manifest-Version: 1.0\n"),
		"com/example/Handler.class":      bytes.Repeat([]byte{0xca, 0xfe}, 100),
		"com/example/util/Strings.class": []byte{1, 2, 3},
	}, "META-INF/MANIFEST.MF", "com/example/Handler.class", "com/example/util/Strings.class")
	for _, method := range []uint16{zip.Store, zip.Deflate} {
		name := map[uint16]string{zip.Store: "stored jar", zip.Deflate: "deflated jar"}[method]
		t.Run(name, func(t *testing.T) {
			bundle := writeZip(t, method, map[string][]byte{"lib/app.jar": jar, "lib/other.jar": jar[:0], "config.json": []byte("{}")},
				"config.json", "lib/app.jar")
			path := filepath.Join(t.TempDir(), "api.zip")
			if err := os.WriteFile(path, bundle, 0o644); err != nil {
				t.Fatal(err)
			}
			m := manifest(int64(len(bundle)), 1000)
			m.ZipPath = path
			m.Files = files("config.json", "lib/app.jar")
			fn := base()
			fn.Runtime = "java21"
			for handler, wantFound := range map[string]bool{
				"com.example.Handler::handleRequest": true,
				"com.example.Missing::handleRequest": false,
			} {
				fn.Handler = handler
				fs := findingsOf(Check(fn, m, nil, DefaultQuotas(), today), "handlerTarget")
				if wantFound && len(fs) != 0 {
					t.Errorf("%s is in lib/app.jar, got %q", handler, lines(fs))
				}
				if !wantFound && (len(fs) != 1 || fs[0].Severity != SeverityError) {
					t.Errorf("%s is nowhere, want one error, got %q", handler, lines(fs))
				}
			}
		})
	}
}

func TestJavaHandlerJarsUnreadable(t *testing.T) {
	m := manifest(1000, 1000)
	m.ZipPath = filepath.Join(t.TempDir(), "gone.zip")
	m.Files = files("lib/app.jar")
	fn := base()
	fn.Runtime, fn.Handler = "java21", "com.example.Handler::handleRequest"
	fs := findingsOf(Check(fn, m, nil, DefaultQuotas(), today), "handlerTarget")
	if len(fs) != 1 || fs[0].Severity != SeverityWarning {
		t.Fatalf("an unreadable bundle should warn, not fail: %q", lines(fs))
	}
}
