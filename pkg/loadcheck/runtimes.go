package loadcheck

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Family is the kind of runtime a handler is loaded with, as
// limits.HandlerLoad.Family names it.
type Family string

// Families lamb loads.
const (
	Node   Family = "nodejs"
	Python Family = "python"
	Java   Family = "java"
)

// probeTimeout bounds asking an interpreter for its version.
const probeTimeout = 15 * time.Second

// interpreter is a local runtime found for a function.
type interpreter struct {
	// path is the executable to start, resolved through shims.
	path    string
	version string
}

func (i interpreter) describe(name string) string {
	return fmt.Sprintf("%s %s (%s)", name, i.version, i.path)
}

// want is the local runtime a function's runtime asks for.
type want struct {
	family Family
	// major is the Node.js or Java major version; for Python, "3.12".
	version string
	// provided lists the modules the runtime resolves from outside the
	// bundle (a trailing "/" names an npm scope).
	provided []string
}

var (
	nodeRuntime   = regexp.MustCompile(`^nodejs(\d+)\.x$`)
	pythonRuntime = regexp.MustCompile(`^python(3\.\d+)$`)
	javaRuntime   = regexp.MustCompile(`^java(\d+)(?:\.al2|\.al2023)?$`)
	javaVersion   = regexp.MustCompile(`version "((\d+)(?:\.(\d+))?[^"]*)"`)
)

// pythonProvided are the modules every Python runtime holds beside the
// bundle: boto3 and what it needs, and the runtime interface client.
var pythonProvided = []string{"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "awslambdaric"}

// wantFor maps a Lambda runtime onto the local runtime that loads its
// handlers, or says why none does.
func wantFor(runtime string) (want, string) {
	if m := nodeRuntime.FindStringSubmatch(runtime); m != nil {
		provided := []string{"aws-sdk"}
		if n, _ := strconv.Atoi(m[1]); n >= 18 {
			provided = []string{"@aws-sdk/", "@smithy/"}
		}
		return want{family: Node, version: m[1], provided: provided}, ""
	}
	if m := pythonRuntime.FindStringSubmatch(runtime); m != nil {
		return want{family: Python, version: m[1], provided: pythonProvided}, ""
	}
	if m := javaRuntime.FindStringSubmatch(runtime); m != nil {
		return want{family: Java, version: m[1]}, ""
	}
	switch {
	case runtime == "":
		return want{}, "handler load skipped: the function names no runtime"
	case strings.HasPrefix(runtime, "provided"), runtime == "go1.x":
		return want{}, fmt.Sprintf("handler load skipped: %s runs a bootstrap executable, which lamb does not start", runtime)
	}
	return want{}, fmt.Sprintf("handler load skipped: lamb loads Node.js, Python and Java handlers, not %s ones", runtime)
}

// find looks for a local runtime of w's version on PATH and returns it, or
// a note on what this machine has instead.
func (w want) find(ctx context.Context, runtime string) (interpreter, string) {
	skip := func(has string) string {
		return fmt.Sprintf("handler load skipped: the function runs %s and %s", runtime, has)
	}
	switch w.family {
	case Node:
		it, err := probe(ctx, "node", "-e", "console.log(process.versions.node, process.execPath)")
		if err != nil {
			return interpreter{}, skip("node is not on PATH")
		}
		if major, _, _ := strings.Cut(it.version, "."); major != w.version {
			return interpreter{}, skip("this machine has node " + major)
		}
		return it, ""
	case Python:
		const script = "import sys; print('%d.%d.%d' % sys.version_info[:3], sys.executable)"
		var found []string
		for _, name := range []string{"python" + w.version, "python3"} {
			it, err := probe(ctx, name, "-c", script)
			if err != nil {
				continue
			}
			if it.version == w.version || strings.HasPrefix(it.version, w.version+".") {
				return it, ""
			}
			found = append(found, "python "+it.version)
		}
		if len(found) == 0 {
			return interpreter{}, skip(fmt.Sprintf("neither python%s nor python3 is on PATH", w.version))
		}
		return interpreter{}, skip(fmt.Sprintf("this machine has %s (put python%s on PATH to load it)", found[0], w.version))
	case Java:
		return w.findJava(ctx, skip)
	}
	return interpreter{}, skip("lamb has no loader for it")
}

func (w want) findJava(ctx context.Context, skip func(string) string) (interpreter, string) {
	path, err := exec.LookPath("java")
	if err != nil {
		return interpreter{}, skip("java is not on PATH")
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "-version").CombinedOutput()
	m := javaVersion.FindSubmatch(out)
	if err != nil || m == nil {
		return interpreter{}, skip("java -version did not say its version")
	}
	major := string(m[2])
	if major == "1" { // "1.8.0_402" is Java 8
		major = string(m[3])
	}
	if major != w.version {
		return interpreter{}, skip("this machine has Java " + major)
	}
	if n, _ := strconv.Atoi(major); n < 11 {
		return interpreter{}, skip("the loader needs Java 11 or later to run")
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	if _, err := exec.LookPath(filepath.Join(filepath.Dir(path), "javac")); err != nil {
		return interpreter{}, skip("the loader needs a JDK (javac beside java), and this machine has a Java runtime only")
	}
	return interpreter{path: path, version: string(m[1])}, ""
}

// probe runs an interpreter (with lamb's own environment, so version
// managers' shims work) and reads "<version> <executable>" from it.
func probe(ctx context.Context, name string, args ...string) (interpreter, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return interpreter{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).Output()
	if err != nil {
		return interpreter{}, fmt.Errorf("%s: %w", name, err)
	}
	version, exe, ok := strings.Cut(strings.TrimSpace(string(out)), " ")
	if !ok || exe == "" {
		return interpreter{}, fmt.Errorf("%s said %q, not its version and path", name, out)
	}
	return interpreter{path: exe, version: version}, nil
}
