package limits

import (
	"errors"
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
	t.Parallel()
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
			wantHandlerFinding(t, Check(fn, m, nil, DefaultQuotas(), today), tt.severity, tt.want)
		})
	}
}

// wantHandlerFinding fails unless fs has no handlerTarget finding (severity
// "") or exactly one, of severity, reading want.
func wantHandlerFinding(t *testing.T, fs []Finding, severity Severity, want string) {
	t.Helper()
	fs = findingsOf(fs, "handlerTarget")
	if severity == "" {
		if len(fs) != 0 {
			t.Fatalf("want no finding, got %q", lines(fs))
		}
		return
	}
	if len(fs) != 1 || fs[0].Severity != severity || line(fs[0]) != want {
		t.Fatalf("got %q %v\nwant %s %q", lines(fs), severities(fs), severity, want)
	}
}

func TestHandlerTargetWithoutFileList(t *testing.T) {
	t.Parallel()
	// A manifest read back from JSON has no file list: the check cannot tell
	// and stays quiet rather than guess.
	fn := base()
	m := manifest(1000, 1000)
	if fs := findingsOf(Check(fn, m, nil, DefaultQuotas(), today), "handlerTarget"); len(fs) != 0 {
		t.Errorf("got %q", lines(fs))
	}
}

// TestJavaHandlerInJar takes the caller's search of the bundle's jars as
// given: found passes, not found fails, a search that failed warns.
func TestJavaHandlerInJar(t *testing.T) {
	t.Parallel()
	m := manifest(1000, 1000)
	m.Files = files("config.json", "lib/app.jar")
	tests := []struct {
		name     string
		jar      JarSearch
		severity Severity // "" = must pass
		want     string
	}{
		{"in a jar", JarSearch{Found: true}, "", ""},
		{"in no jar", JarSearch{}, SeverityError,
			`handler: "com.example.Handler::handleRequest" needs com/example/Handler.class at the bundle root, in classes/ or in a jar of the bundle, and it is not there; fix handler or the bundle contents; nearest files: lib/app.jar`},
		{"jars unreadable", JarSearch{Err: errors.New("open bundle: no such file")}, SeverityWarning,
			`handler: com/example/Handler.class is not at the bundle root and the jars in the bundle could not be searched (open bundle: no such file); make sure the class is in the bundle or in lib/*.jar`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := base()
			fn.Runtime, fn.Handler, fn.HandlerJar = "java21", "com.example.Handler::handleRequest", tt.jar
			wantHandlerFinding(t, Check(fn, m, nil, DefaultQuotas(), today), tt.severity, tt.want)
		})
	}
}

func TestJarClass(t *testing.T) {
	t.Parallel()
	const handler = "com.example.Handler::handleRequest"
	tests := []struct {
		name, runtime, handler string
		files                  []packager.FileEntry
		want                   string
	}{
		{"class in a jar maybe", "java21", handler, files("lib/app.jar"), "com/example/Handler.class"},
		{"class at the root", "java21", handler, files("com/example/Handler.class", "lib/app.jar"), ""},
		{"class in classes/", "java21", handler, files("classes/com/example/Handler.class", "lib/app.jar"), ""},
		{"no jar", "java21", handler, files("config.json"), ""},
		{"no file list", "java21", handler, nil, ""},
		{"not java", "nodejs22.x", "index.handler", files("lib/app.jar"), ""},
		{"no handler", "java21", "", files("lib/app.jar"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := base()
			fn.Runtime, fn.Handler = tt.runtime, tt.handler
			m := manifest(1000, 1000)
			m.Files = tt.files
			if got := JarClass(fn, m); got != tt.want {
				t.Errorf("JarClass = %q, want %q", got, tt.want)
			}
		})
	}
	if got := JarClass(base(), nil); got != "" {
		t.Errorf("JarClass without a bundle = %q", got)
	}
}
