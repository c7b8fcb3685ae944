package release

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The action's installer (scripts/action/install.sh) run against a fake
// release served over HTTP: archives named as .goreleaser.yml names them,
// and their checksums.txt.

const fakeVersion = "1.2.3"

// fakeRelease serves the archives of one release under /v<version>/, and
// the API's latest release under /api/releases/latest. It counts requests.
type fakeRelease struct {
	files map[string][]byte
	mu    sync.Mutex
	hits  []string
	auth  []string
}

func (r *fakeRelease) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.hits = append(r.hits, req.URL.Path)
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	r.mu.Unlock()
	if req.URL.Path == "/api/releases/latest" {
		_, _ = fmt.Fprintf(w, `{"url": "x", "tag_name": "v%s", "name": "lamb %s"}`, fakeVersion, fakeVersion)
		return
	}
	data, ok := r.files[strings.TrimPrefix(req.URL.Path, "/v"+fakeVersion+"/")]
	if !ok {
		http.NotFound(w, req)
		return
	}
	_, _ = w.Write(data)
}

// serve starts a server of the release for the test and returns its URL.
func (r *fakeRelease) serve(t *testing.T) string {
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (r *fakeRelease) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.hits...)
}

// newFakeRelease builds every archive of a release: each holds a lamb that
// prints the platform it was built for.
func newFakeRelease(t *testing.T) *fakeRelease {
	t.Helper()
	r := &fakeRelease{files: map[string][]byte{}}
	var sums strings.Builder
	for _, os := range []string{"linux", "darwin", "windows"} {
		for _, arch := range []string{"amd64", "arm64"} {
			script := fmt.Sprintf("#!/bin/sh\necho \"lamb %s %s_%s $*\"\n", fakeVersion, os, arch)
			name := fmt.Sprintf("lamb_%s_%s_%s.tar.gz", fakeVersion, os, arch)
			data := tarGz(t, map[string]string{"lamb": script, "README.md": "readme", "completions/lamb.bash": "# bash"})
			if os == "windows" {
				name = strings.TrimSuffix(name, ".tar.gz") + ".zip"
				data = zipOf(t, map[string]string{"lamb.exe": script, "README.md": "readme"})
			}
			r.files[name] = data
			sum := sha256.Sum256(data)
			fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), name)
		}
	}
	r.files["checksums.txt"] = []byte(sums.String())
	return r
}

func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// runner is one job's environment: its tool cache, PATH and output files.
type runner struct {
	os, arch             string
	toolCache, temp      string
	githubPath, ghOutput string
}

func newRunner(t *testing.T, os, arch string) runner {
	dir := t.TempDir()
	return runner{
		os: os, arch: arch,
		toolCache:  filepath.Join(dir, "toolcache"),
		temp:       filepath.Join(dir, "temp"),
		githubPath: filepath.Join(dir, "github_path"),
		ghOutput:   filepath.Join(dir, "github_output"),
	}
}

// install runs the installer as action.yml does, with env added.
func (r runner) install(t *testing.T, serverURL, version string, env ...string) (string, error) {
	t.Helper()
	for _, d := range []string{r.toolCache, r.temp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not on PATH; the action runs its installer with bash")
	}
	cmd := exec.Command(bash, filepath.Join("..", "..", "scripts", "action", "install.sh"))
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"LAMB_VERSION=" + version,
		"LAMB_DOWNLOAD_URL=" + serverURL,
		"LAMB_API_URL=" + serverURL + "/api",
		"RUNNER_OS=" + r.os,
		"RUNNER_ARCH=" + r.arch,
		"RUNNER_TOOL_CACHE=" + r.toolCache,
		"RUNNER_TEMP=" + r.temp,
		"GITHUB_PATH=" + r.githubPath,
		"GITHUB_OUTPUT=" + r.ghOutput,
	}, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestActionInstallPicksTheRunnersArchive(t *testing.T) {
	t.Parallel()
	rel := newFakeRelease(t)
	server := rel.serve(t)
	tests := []struct {
		os, arch, version string
		archive, exe, dir string
	}{
		{"Linux", "X64", "1.2.3", "lamb_1.2.3_linux_amd64.tar.gz", "lamb", "lamb/1.2.3/x64"},
		{"Linux", "ARM64", "v1.2.3", "lamb_1.2.3_linux_arm64.tar.gz", "lamb", "lamb/1.2.3/arm64"},
		{"macOS", "ARM64", "1.2.3", "lamb_1.2.3_darwin_arm64.tar.gz", "lamb", "lamb/1.2.3/arm64"},
		{"macOS", "X64", "1.2.3", "lamb_1.2.3_darwin_amd64.tar.gz", "lamb", "lamb/1.2.3/x64"},
		{"Windows", "X64", "1.2.3", "lamb_1.2.3_windows_amd64.zip", "lamb.exe", "lamb/1.2.3/x64"},
	}
	for _, tt := range tests {
		t.Run(tt.os+"/"+tt.arch, func(t *testing.T) {
			t.Parallel()
			r := newRunner(t, tt.os, tt.arch)
			out, err := r.install(t, server, tt.version)
			if err != nil {
				t.Fatalf("install: %v\n%s", err, out)
			}
			dir := filepath.Join(r.toolCache, filepath.FromSlash(tt.dir))
			// The archive unpacked is the one for this platform: its lamb says so.
			platform := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(tt.archive, "lamb_1.2.3_"), ".tar.gz"), ".zip")
			if got := readFile(t, filepath.Join(dir, tt.exe)); !strings.Contains(got, platform) {
				t.Errorf("installed %s is\n%s\nwant the %s build", tt.exe, got, platform)
			}
			if !strings.Contains(out, "downloading "+tt.archive) || !strings.Contains(out, "matches checksums.txt") {
				t.Errorf("output:\n%s", out)
			}
			if got := readFile(t, r.githubPath); got != dir+"\n" {
				t.Errorf("GITHUB_PATH = %q, want %q", got, dir+"\n")
			}
			if got, want := readFile(t, r.ghOutput), "version=1.2.3\npath="+filepath.Join(dir, tt.exe)+"\n"; got != want {
				t.Errorf("GITHUB_OUTPUT = %q, want %q", got, want)
			}
			if _, err := os.Stat(dir + ".complete"); err != nil {
				t.Errorf("no .complete marker beside the cached folder: %v", err)
			}
		})
	}
}

func TestActionInstallRunsTheInstalledLamb(t *testing.T) {
	t.Parallel()
	server := newFakeRelease(t).serve(t)
	r := newRunner(t, "Linux", "X64")
	if out, err := r.install(t, server, fakeVersion); err != nil {
		t.Fatalf("install: %v\n%s", err, out)
	}
	bin := filepath.Join(r.toolCache, "lamb", fakeVersion, "x64", "lamb")
	out, err := exec.Command(bin, "plan", "--output", "markdown").CombinedOutput()
	if err != nil || string(out) != "lamb 1.2.3 linux_amd64 plan --output markdown\n" {
		t.Errorf("installed lamb: %v, %q (is it executable?)", err, out)
	}
}

func TestActionInstallCacheHitSkipsTheDownload(t *testing.T) {
	t.Parallel()
	rel := newFakeRelease(t)
	server := rel.serve(t)
	r := newRunner(t, "Linux", "ARM64")
	if out, err := r.install(t, server, fakeVersion); err != nil {
		t.Fatalf("first install: %v\n%s", err, out)
	}
	before := len(rel.requests())
	out, err := r.install(t, server, fakeVersion)
	if err != nil {
		t.Fatalf("second install: %v\n%s", err, out)
	}
	if got := rel.requests()[before:]; len(got) != 0 {
		t.Errorf("a cache hit downloaded %v", got)
	}
	if !strings.Contains(out, "found in the tool cache") {
		t.Errorf("output:\n%s", out)
	}
	// A folder left half-written (no .complete marker) is not a hit.
	if err := os.Remove(filepath.Join(r.toolCache, "lamb", fakeVersion, "arm64.complete")); err != nil {
		t.Fatal(err)
	}
	if out, err := r.install(t, server, fakeVersion); err != nil || !strings.Contains(out, "downloading") {
		t.Errorf("install over an unfinished cache folder: %v\n%s", err, out)
	}
}

func TestActionInstallRefusesABadChecksum(t *testing.T) {
	t.Parallel()
	rel := newFakeRelease(t)
	// The archive changed after the checksums were published.
	name := "lamb_1.2.3_linux_amd64.tar.gz"
	rel.files[name] = tarGz(t, map[string]string{"lamb": "#!/bin/sh\necho evil\n"})
	server := rel.serve(t)
	r := newRunner(t, "Linux", "X64")
	out, err := r.install(t, server, fakeVersion)
	if err == nil {
		t.Fatalf("install of a tampered archive succeeded:\n%s", out)
	}
	if !strings.Contains(out, "::error title=lamb install::"+name+" has SHA-256") || !strings.Contains(out, "nothing was installed") {
		t.Errorf("output:\n%s", out)
	}
	dir := filepath.Join(r.toolCache, "lamb", fakeVersion, "x64")
	for _, p := range []string{filepath.Join(dir, "lamb"), dir + ".complete"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists after a checksum mismatch", p)
		}
	}
	if _, err := os.Stat(r.githubPath); err == nil {
		t.Error("GITHUB_PATH written after a checksum mismatch")
	}
}

func TestActionInstallLatest(t *testing.T) {
	t.Parallel()
	rel := newFakeRelease(t)
	server := rel.serve(t)
	r := newRunner(t, "macOS", "ARM64")
	out, err := r.install(t, server, "latest", "GITHUB_TOKEN=tok123")
	if err != nil {
		t.Fatalf("install latest: %v\n%s", err, out)
	}
	if !strings.Contains(readFile(t, r.ghOutput), "version=1.2.3\n") {
		t.Errorf("latest resolved to:\n%s", readFile(t, r.ghOutput))
	}
	rel.mu.Lock()
	defer rel.mu.Unlock()
	for i, p := range rel.hits {
		// The token goes to the API only, never to the download host.
		want := ""
		if p == "/api/releases/latest" {
			want = "Bearer tok123"
		}
		if rel.auth[i] != want {
			t.Errorf("request %s carried Authorization %q, want %q", p, rel.auth[i], want)
		}
	}
}

func TestActionInstallErrors(t *testing.T) {
	t.Parallel()
	rel := newFakeRelease(t)
	rel.files["checksums.txt"] = []byte(strings.ReplaceAll(string(rel.files["checksums.txt"]), "linux_arm64", "linux_other"))
	server := rel.serve(t)
	tests := []struct {
		name, os, arch, version, want string
	}{
		{"no version", "Linux", "X64", "", "no lamb version"},
		{"unknown release", "Linux", "X64", "9.9.9", "is 9.9.9 a lamb release?"},
		{"not a version", "Linux", "X64", "1.0;rm -rf", "is not a release version"},
		{"32-bit runner", "Linux", "X86", fakeVersion, `runner architecture "X86"`},
		{"unknown OS", "Plan9", "X64", fakeVersion, `runner OS "Plan9"`},
		{"archive missing from checksums.txt", "Linux", "ARM64", fakeVersion, "lists no lamb_1.2.3_linux_arm64.tar.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := newRunner(t, tt.os, tt.arch).install(t, server, tt.version)
			if err == nil || !strings.Contains(out, "::error title=lamb install::") || !strings.Contains(out, tt.want) {
				t.Errorf("err = %v, output:\n%s\nwant an error with %q", err, out, tt.want)
			}
		})
	}
}

// TestActionMatchesTheReleaseNames keeps the installer and .goreleaser.yml
// naming the same files: the installer builds the archive's name itself.
func TestActionMatchesTheReleaseNames(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ProjectName string `yaml:"project_name"`
		Archives    []struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"checksum"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ProjectName != "lamb" || len(cfg.Archives) != 1 ||
		cfg.Archives[0].NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" ||
		cfg.Checksum.NameTemplate != "checksums.txt" {
		t.Errorf("release names changed (%+v): update scripts/action/install.sh to match", cfg)
	}
	script := readFile(t, filepath.Join("..", "..", "scripts", "action", "install.sh"))
	for _, want := range []string{`archive="lamb_${version}_${os}_${arch}.${ext}"`, `/checksums.txt"`} {
		if !strings.Contains(script, want) {
			t.Errorf("install.sh does not name %s", want)
		}
	}
	action := readFile(t, filepath.Join("..", "..", "action.yml"))
	if !strings.Contains(action, `bash "$GITHUB_ACTION_PATH/scripts/action/install.sh"`) {
		t.Error("action.yml does not run scripts/action/install.sh")
	}
}
