package loadcheck

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/lambcli/lamb/internal/lambdaarch"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
)

// DefaultTimeout bounds one load: long enough for a large bundle's imports,
// short enough that a module waiting on the network at import time does not
// hold up the check.
const DefaultTimeout = 30 * time.Second

// maxOutput bounds what is kept of the load process's output.
const maxOutput = 16 << 10

//go:embed loaders
var loaders embed.FS

// Request is one handler to load.
type Request struct {
	// ZipPath is the packaged bundle.
	ZipPath string
	// Function is the function's AWS name, given to the load process as
	// AWS_LAMBDA_FUNCTION_NAME.
	Function string
	Runtime  string
	// Architecture is the function's; empty means x86_64.
	Architecture string
	Handler      string
	// Native lists the bundle's native binaries (packager.Manifest's).
	Native []packager.NativeBinary
	// Timeout bounds the load process; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Load unpacks the bundle into a scratch folder and loads the handler with
// the local runtime of the function's version. A load that cannot run is a
// skipped result with a note; an error is lamb's own failure (the scratch
// folder, the bundle unreadable).
func Load(ctx context.Context, req Request) (limits.HandlerLoad, error) {
	w, why := wantFor(req.Runtime)
	if why != "" {
		return skipped(req, why), nil
	}
	if why := foreignNative(req); why != "" {
		return skipped(req, why), nil
	}
	it, why := w.find(ctx, req.Runtime)
	if why != "" {
		return skipped(req, why), nil
	}
	scratch, err := os.MkdirTemp("", "lamb-load-")
	if err != nil {
		return limits.HandlerLoad{}, fmt.Errorf("make a scratch folder for the handler load: %w", err)
	}
	defer os.RemoveAll(scratch)
	// The scratch folder is outside the project, so Node's lookup of
	// node_modules in parent folders finds none of the project's.
	root := filepath.Join(scratch, "task")
	if err := packager.ExtractBundle(ctx, req.ZipPath, root); err != nil {
		return limits.HandlerLoad{}, err
	}
	for _, dir := range []string{"home", "tmp", "loader"} {
		if err := os.Mkdir(filepath.Join(scratch, dir), 0o700); err != nil {
			return limits.HandlerLoad{}, fmt.Errorf("make a scratch folder for the handler load: %w", err)
		}
	}
	args, err := loaderArgs(w, it, scratch, req.Handler)
	if err != nil {
		return limits.HandlerLoad{}, err
	}
	r, err := run(ctx, w, it, scratch, req, args)
	if err != nil {
		return limits.HandlerLoad{}, err
	}
	r.Family, r.Handler, r.Tool = string(w.family), req.Handler, it.describe(map[Family]string{Node: "node", Python: "python", Java: "java"}[w.family])
	return r, nil
}

func skipped(req Request, why string) limits.HandlerLoad {
	return limits.HandlerLoad{Outcome: limits.HandlerLoadSkipped, Note: why, Handler: req.Handler}
}

// foreignNative says why a bundle with native binaries cannot be loaded
// here: they are for another architecture or operating system than this
// machine's. Pure JavaScript and Python load anywhere.
func foreignNative(req Request) string {
	if len(req.Native) == 0 {
		return ""
	}
	arch := req.Architecture
	if arch == "" {
		arch = lambdaarch.Default
	}
	host := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH]
	first := req.Native[0].Path
	switch {
	case runtime.GOOS != "linux":
		return fmt.Sprintf("handler load skipped: the bundle holds native binaries for Linux (%s) and this machine runs %s", first, runtime.GOOS)
	case host != arch:
		if host == "" {
			host = runtime.GOARCH
		}
		return fmt.Sprintf("handler load skipped: the function runs on %s, this machine is %s, and the bundle holds native binaries (%s)", arch, host, first)
	}
	return ""
}

// loaderArgs writes the family's loader into the scratch folder and returns
// the arguments to start it with.
func loaderArgs(w want, it interpreter, scratch, handler string) ([]string, error) {
	dir := filepath.Join(scratch, "loader")
	root := filepath.Join(scratch, "task")
	result := filepath.Join(scratch, "result.json")
	files := map[Family][]string{Node: {"load.cjs", "hooks.mjs"}, Python: {"load.py"}, Java: {"Loader.java"}}[w.family]
	for _, name := range files {
		data, err := loaders.ReadFile("loaders/" + name)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, fmt.Errorf("write the handler loader: %w", err)
		}
	}
	provided := strings.Join(w.provided, ",")
	switch w.family {
	case Node:
		return []string{filepath.Join(dir, "load.cjs"), root, handler, result, filepath.Join(dir, "hooks.mjs"), provided}, nil
	case Python:
		// -I -S: no user or site packages of this machine, only the bundle.
		return []string{"-I", "-S", "-B", filepath.Join(dir, "load.py"), root, handler, result, provided}, nil
	}
	return []string{"-Xshare:auto", filepath.Join(dir, "Loader.java"), root, handler, result}, nil
}

// run starts the loader and reads what it found.
func run(parent context.Context, w want, it interpreter, scratch string, req Request, args []string) (limits.HandlerLoad, error) {
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	root := filepath.Join(scratch, "task")
	out := &boundedBuffer{max: maxOutput}
	cmd := exec.CommandContext(ctx, it.path, args...)
	cmd.Dir = root
	cmd.Env = childEnv(w, it, scratch, req.Function)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	runErr := cmd.Run()
	if err := parent.Err(); err != nil {
		return limits.HandlerLoad{}, err // lamb was interrupted
	}
	data, err := os.ReadFile(filepath.Join(scratch, "result.json"))
	if err != nil {
		r := limits.HandlerLoad{Outcome: limits.HandlerLoadFailed, Kind: limits.LoadNoResult, Output: out.String()}
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			r.Message = fmt.Sprintf("the load did not finish in %s", timeout)
		case runErr != nil:
			r.Message = fmt.Sprintf("the load process ended before the handler was loaded (%v)", runErr)
		default:
			r.Message = "the load process exited before the handler was loaded"
		}
		return r, nil
	}
	r, err := parseReport(w.family, root, data)
	if err != nil {
		return limits.HandlerLoad{}, fmt.Errorf("read the handler loader's result: %w", err)
	}
	r.Output = out.String()
	return r, nil
}

// childEnv is the whole environment of the load process: nothing of
// lamb's own (so no AWS credentials, profiles or tokens), only what Lambda
// sets that a module may read at import time, with harmless values.
func childEnv(w want, it interpreter, scratch, function string) []string {
	root := filepath.Join(scratch, "task")
	home := filepath.Join(scratch, "home")
	if function == "" {
		function = "lamb-check"
	}
	path := strings.Join([]string{filepath.Dir(it.path), "/usr/local/bin", "/usr/bin", "/bin"}, string(os.PathListSeparator))
	env := []string{
		"PATH=" + path,
		"HOME=" + home,
		"TMPDIR=" + filepath.Join(scratch, "tmp"),
		"LANG=C.UTF-8",
		"TZ=UTC",
		"LAMBDA_TASK_ROOT=" + root,
		"AWS_LAMBDA_FUNCTION_NAME=" + function,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		// SDK clients made at import time need a region; without
		// credentials no call they make can reach AWS.
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials"),
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
	}
	if w.family == Node {
		// Lambda's NODE_PATH ends with the task root.
		env = append(env, "NODE_PATH="+root)
	}
	if v, ok := os.LookupEnv("SYSTEMROOT"); ok { // Windows cannot start a process without it
		env = append(env, "SYSTEMROOT="+v)
	}
	return env
}

// boundedBuffer keeps the first max bytes written to it.
type boundedBuffer struct {
	max int
	buf []byte
	cut bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	room := b.max - len(b.buf)
	switch {
	case room >= len(p):
		b.buf = append(b.buf, p...)
	case room > 0:
		b.buf, b.cut = append(b.buf, p[:room]...), true
	default:
		b.cut = true
	}
	return len(p), nil
}

func (b *boundedBuffer) String() string {
	if b.cut {
		return string(b.buf) + "\n[output cut]"
	}
	return string(b.buf)
}
