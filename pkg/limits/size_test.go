package limits

import (
	"path"
	"strings"
	"testing"

	"github.com/lambcli/lamb/pkg/packager"
)

func TestZippedSizeBoundary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		zipped   int64
		bucket   string
		severity Severity // "" = no finding
		want     string
	}{
		{"just below, no bucket", 52428799, "", "", ""},
		{"at limit, no bucket", 52428800, "", SeverityError,
			"zipped size: 52428800 bytes (50.0 MiB) is not below Lambda's direct-upload limit of 52428800 bytes (50.0 MiB); set deploy.s3.bucket so lamb uploads the zip through S3, or make the bundle smaller"},
		{"just below, bucket", 52428799, "artifacts", "", ""},
		{"at limit, bucket", 52428800, "artifacts", SeverityInfo,
			"zipped size: 52428800 bytes (50.0 MiB) is not below Lambda's direct-upload limit of 52428800 bytes; lamb will upload it via s3://artifacts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := base()
			fn.S3Bucket = tt.bucket
			fs := findingsOf(Check(fn, manifest(tt.zipped, 60000000), nil, DefaultQuotas(), today), "zippedSize")
			if tt.severity == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %q", lines(fs))
				}
				return
			}
			if len(fs) != 1 || fs[0].Severity != tt.severity || line(fs[0]) != tt.want {
				t.Fatalf("got %q %v\nwant %s %q", lines(fs), severities(fs), tt.severity, tt.want)
			}
			if fs[0].Field != "deploy.s3.bucket" {
				t.Errorf("field = %q, want deploy.s3.bucket", fs[0].Field)
			}
			if tt.severity == SeverityError && fs[0].AWSError != "Zipped size must be smaller than 52428800 bytes" {
				t.Errorf("awsError = %q", fs[0].AWSError)
			}
		})
	}
}

func TestUnzippedSizeBoundary(t *testing.T) {
	t.Parallel()
	layer := []Layer{{Ref: "arn:aws:lambda:us-east-1:123456789012:layer:shared:3", UnzippedBytes: 100000000}}
	tests := []struct {
		name     string
		function int64
		layers   []Layer
		awsError string // "" = must pass
	}{
		{"function alone 262143999", 262143999, nil, ""},
		{"function alone 262144000", 262144000, nil, "Unzipped size must be smaller than 262144000 bytes"},
		{"with a layer 262143999", 162143999, layer, ""},
		{"with a layer 262144000", 162144000, layer,
			"Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is 262144000 bytes."},
		{"layers alone too big", 10, []Layer{{Ref: "a.zip", UnzippedBytes: 262144000, Local: true}},
			"Layers consume more than the available size of 262144000 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := manifest(1000, tt.function)
			m.LargestFolders = []packager.PathSize{{Path: "node_modules/", Bytes: tt.function / 2}}
			m.LargestFiles = []packager.PathSize{{Path: "node_modules/big/blob.bin", Bytes: tt.function / 4}}
			fs := findingsOf(Check(base(), m, tt.layers, DefaultQuotas(), today), "unzippedSize")
			if tt.awsError == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %q", lines(fs))
				}
				return
			}
			if len(fs) != 1 || fs[0].Severity != SeverityError {
				t.Fatalf("want one error, got %q", lines(fs))
			}
			f := fs[0]
			if f.AWSError != tt.awsError {
				t.Errorf("awsError = %q, want %q", f.AWSError, tt.awsError)
			}
			if *f.Measured != tt.function+sumLayers(tt.layers) || *f.Limit != 262144000 {
				t.Errorf("measured %d limit %d", *f.Measured, *f.Limit)
			}
			kinds := map[string]int{}
			for _, d := range f.Details {
				kinds[d.Kind]++
				if d.Kind == "layer" && d.Share <= 0 {
					t.Errorf("layer detail without share: %+v", d)
				}
			}
			if kinds["folder"] != 1 || kinds["file"] != 1 || kinds["layer"] != len(tt.layers) {
				t.Errorf("details should list folders, files and every layer: %+v", f.Details)
			}
		})
	}
}

func TestUnzippedFindingNamesLayerShare(t *testing.T) {
	t.Parallel()
	m := manifest(1000, 162144000)
	layers := []Layer{{Ref: "arn:aws:lambda:us-east-1:123456789012:layer:shared:3", UnzippedBytes: 100000000}}
	f := findingsOf(Check(base(), m, layers, DefaultQuotas(), today), "unzippedSize")[0]
	want := "unzipped size: function 162144000 bytes + layers 100000000 bytes = 262144000 bytes (250.0 MiB) is not below Lambda's limit of 262144000 bytes (250.0 MiB)"
	if f.Message != want {
		t.Errorf("message\n got: %s\nwant: %s", f.Message, want)
	}
	if !strings.Contains(f.Hint, "shrink the bundle by at least 1 byte (") {
		t.Errorf("hint should say how much to remove: %s", f.Hint)
	}
	if d := f.Details[1]; d.Kind != "layer" || d.Bytes != 100000000 || d.Share < 0.38 || d.Share > 0.39 {
		t.Errorf("layer share detail = %+v, want 100000000 bytes, 38.1%%", d)
	}
}

func sumLayers(ls []Layer) int64 {
	var n int64
	for _, l := range ls {
		n += l.UnzippedBytes
	}
	return n
}

func TestNativeBinaries(t *testing.T) {
	t.Parallel()
	auto, none, artifact, all := PackageSettings{Dependencies: "auto"}, PackageSettings{Dependencies: "none"}, PackageSettings{Dependencies: "auto", Artifact: true}, PackageSettings{Dependencies: "auto", Prebuilds: "all"}
	darwin := packager.NativeBinary{Path: "node_modules/bcrypt/prebuilds/darwin-x64/bcrypt.node", Format: "macho", Machine: "x86_64", PlatformSibling: "node_modules/bcrypt/prebuilds/linux-arm64/bcrypt.glibc.node"}
	tests := []struct {
		name     string
		runtime  string
		arch     string
		pkg      PackageSettings
		bin      packager.NativeBinary
		severity Severity
		want     string
	}{
		{"matching arch", "nodejs22.x", "arm64", auto, packager.NativeBinary{Path: "node_modules/sharp/sharp.node", Format: "elf", Machine: "arm64"}, "", ""},
		{"x86_64 on arm64", "nodejs22.x", "arm64", auto, packager.NativeBinary{Path: "node_modules/sharp/sharp.node", Format: "elf", Machine: "x86_64"}, SeverityError,
			`native binary: node_modules/sharp/sharp.node is built for x86_64 but the function runs on arm64; Lambda fails with "exec format error" or "invalid ELF header"; lamb installed the package for linux/arm64 and it brought no build for it: use a version of the package that ships one, or build it in package.build, or set architecture to match`},
		{"x86_64 on arm64, dependencies none", "nodejs22.x", "arm64", none, packager.NativeBinary{Path: "node_modules/sharp/sharp.node", Format: "elf", Machine: "x86_64"}, SeverityError,
			`native binary: node_modules/sharp/sharp.node is built for x86_64 but the function runs on arm64; Lambda fails with "exec format error" or "invalid ELF header"; set package.dependencies: auto so that lamb installs dependencies for linux/arm64, or set architecture to match`},
		{"arm64 on default x86_64", "python3.12", "", auto, packager.NativeBinary{Path: "lib/_x.so", Format: "elf", Machine: "arm64"}, SeverityError,
			`native binary: lib/_x.so is built for arm64 but the function runs on x86_64; Lambda fails with "exec format error" or "invalid ELF header"; rebuild or reinstall it for linux/x86_64, or set architecture to match`},
		{"mach-o, dependencies auto", "nodejs22.x", "arm64", auto, packager.NativeBinary{Path: "node_modules/fsevents/fsevents.node", Format: "macho", Machine: "arm64"}, SeverityError,
			`native binary: node_modules/fsevents/fsevents.node is a macOS (Mach-O) binary; Lambda runs Linux and fails to load it with "invalid ELF header" or "exec format error"; lamb installed the package for linux/arm64 and it brought no build for it: use a version of the package that ships one, or build it in package.build, or exclude the file`},
		{"mach-o, dependencies none", "nodejs22.x", "arm64", none, packager.NativeBinary{Path: "node_modules/fsevents/fsevents.node", Format: "macho", Machine: "arm64"}, SeverityError,
			`native binary: node_modules/fsevents/fsevents.node is a macOS (Mach-O) binary; Lambda runs Linux and fails to load it with "invalid ELF header" or "exec format error"; set package.dependencies: auto so that lamb installs dependencies for linux/arm64, or exclude the file`},
		{"pe in an artifact", "nodejs22.x", "x86_64", artifact, packager.NativeBinary{Path: "bin/tool.exe", Format: "pe", Machine: "x86_64"}, SeverityError,
			`native binary: bin/tool.exe is a Windows (PE) binary; Lambda runs Linux and fails to load it with "invalid ELF header" or "exec format error"; rebuild package.artifact with binaries for linux/x86_64, or exclude the file`},
		{"foreign prebuild beside the function's", "nodejs22.x", "arm64", auto, darwin, SeverityWarning,
			`native binary: node_modules/bcrypt/prebuilds holds 1 build for other platforms than linux/arm64; the package loads node_modules/bcrypt/prebuilds/linux-arm64/bcrypt.glibc.node there, so they only take space; leave them out with package.exclude, e.g. node_modules/bcrypt/prebuilds/darwin-x64/`},
		{"foreign prebuild kept by prebuilds: all", "nodejs22.x", "arm64", all, darwin, SeverityInfo,
			`native binary: node_modules/bcrypt/prebuilds holds 1 build for other platforms than linux/arm64; the package loads node_modules/bcrypt/prebuilds/linux-arm64/bcrypt.glibc.node there, so they only take space; package.prebuilds: all keeps them; package.prebuilds: match leaves other platforms' prebuilds out`},
		{"glibc too new for al2", "python3.11", "x86_64", auto, packager.NativeBinary{Path: "numpy/core/_m.so", Format: "elf", Machine: "x86_64", GlibcVersion: "GLIBC_2.28"}, SeverityWarning,
			`native binary: numpy/core/_m.so needs glibc 2.28 but python3.11 (Amazon Linux 2) provides glibc 2.26; it fails to load with "GLIBC_2.28 not found"; pin a version of the package with wheels tagged manylinux_2_26 or older, or move to a runtime on Amazon Linux 2023`},
		{"glibc too new for al2, dependencies none", "python3.11", "x86_64", none, packager.NativeBinary{Path: "numpy/core/_m.so", Format: "elf", Machine: "x86_64", GlibcVersion: "GLIBC_2.28"}, SeverityWarning,
			`native binary: numpy/core/_m.so needs glibc 2.28 but python3.11 (Amazon Linux 2) provides glibc 2.26; it fails to load with "GLIBC_2.28 not found"; install wheels tagged manylinux_2_26 or older (set package.dependencies: auto and lamb does), or move to a runtime on Amazon Linux 2023`},
		{"glibc fine on al2023", "python3.12", "x86_64", auto, packager.NativeBinary{Path: "numpy/core/_m.so", Format: "elf", Machine: "x86_64", GlibcVersion: "GLIBC_2.34"}, "", ""},
		{"glibc too new for python on al2023", "python3.13", "arm64", auto, packager.NativeBinary{Path: "numpy/_core/_m.so", Format: "elf", Machine: "arm64", GlibcVersion: "GLIBC_2.38"}, SeverityWarning,
			`native binary: numpy/_core/_m.so needs glibc 2.38 but python3.13 (Amazon Linux 2023) provides glibc 2.34; it fails to load with "GLIBC_2.38 not found"; pin a version of the package with wheels tagged manylinux_2_34 or older`},
		{"glibc too new for al2023", "provided.al2023", "x86_64", auto, packager.NativeBinary{Path: "bootstrap", Format: "elf", Machine: "x86_64", GlibcVersion: "GLIBC_2.39"}, SeverityWarning,
			`native binary: bootstrap needs glibc 2.39 but provided.al2023 (Amazon Linux 2023) provides glibc 2.34; it fails to load with "GLIBC_2.39 not found"; build with CGO_ENABLED=0, or against the glibc of the runtime`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := base()
			fn.Runtime, fn.Architecture, fn.Handler, fn.Package = tt.runtime, tt.arch, "", tt.pkg
			m := manifest(1000, 1000)
			m.Architecture = ""
			m.NativeBinaries = []packager.NativeBinary{tt.bin}
			fs := findingsOf(Check(fn, m, nil, DefaultQuotas(), today), "nativeBinary")
			if tt.want == "" {
				if len(fs) != 0 {
					t.Fatalf("want no finding, got %q", lines(fs))
				}
				return
			}
			wantPath := tt.bin.Path
			if tt.bin.PlatformSibling != "" {
				wantPath = path.Dir(path.Dir(tt.bin.Path))
			}
			if len(fs) != 1 || fs[0].Severity != tt.severity || line(fs[0]) != tt.want || fs[0].Path != wantPath {
				t.Fatalf("got %q %v\nwant %s %q", lines(fs), severities(fs), tt.severity, tt.want)
			}
			if strings.Contains(fs[0].Hint, "dependencies: "+tt.pkg.Dependencies) {
				t.Errorf("the hint suggests a setting already in effect: %q", fs[0].Hint)
			}
		})
	}
}

func TestSkippedInstallScripts(t *testing.T) {
	t.Parallel()
	m := manifest(1000, 1000)
	m.SkippedInstallScripts = []packager.SkippedScript{
		{Name: "bcrypt", Version: "6.0.0", Path: "node_modules/bcrypt", Scripts: []string{"install: node-gyp-build"}, Prebuilt: true},
		{Name: "esbuild", Version: "0.25.0", Path: "node_modules/esbuild", Scripts: []string{"postinstall: node install.js"}},
	}
	fs := findingsOf(Check(base(), m, nil, DefaultQuotas(), today), "installScripts")
	if len(fs) != 1 || fs[0].Severity != SeverityWarning || fs[0].Field != "package.allowScripts" {
		t.Fatalf("want one warning on package.allowScripts, got %q", lines(fs))
	}
	if len(fs[0].Details) != 1 || fs[0].Details[0].Name != "esbuild@0.25.0 (postinstall: node install.js)" {
		t.Errorf("details should name esbuild alone (bcrypt's prebuild loads): %+v", fs[0].Details)
	}
	m.SkippedInstallScripts = m.SkippedInstallScripts[:1]
	if fs := findingsOf(Check(base(), m, nil, DefaultQuotas(), today), "installScripts"); len(fs) != 0 {
		t.Errorf("a skipped node-gyp-build with the platform's prebuild shipped is no finding, got %q", lines(fs))
	}
}

func TestPermissionFixesInfo(t *testing.T) {
	t.Parallel()
	m := manifest(1000, 1000)
	m.PermissionFixes = []string{"index.js", "lib/util.js"}
	fs := findingsOf(Check(base(), m, nil, DefaultQuotas(), today), "permissions")
	if len(fs) != 1 || fs[0].Severity != SeverityInfo {
		t.Fatalf("want one info finding, got %q", lines(fs))
	}
	if want := "permissions: 2 files were not world-readable in the source and were stored as 0644/0755 by the packager"; fs[0].Message != want {
		t.Errorf("message = %q, want %q", fs[0].Message, want)
	}
	if len(fs[0].Details) != 2 || fs[0].Details[1].Name != "lib/util.js" {
		t.Errorf("details should list the files: %+v", fs[0].Details)
	}
}

func TestBackslashNamesInfo(t *testing.T) {
	t.Parallel()
	m := manifest(1000, 1000)
	m.BackslashNames = []string{`lib\win.txt`}
	fs := findingsOf(Check(base(), m, nil, DefaultQuotas(), today), "artifact")
	if len(fs) != 1 || fs[0].Severity != SeverityInfo {
		t.Fatalf("want one info finding, got %q", lines(fs))
	}
	if want := `artifact: 1 entry name uses \ as the folder separator and was stored with / (Lambda would otherwise see one file named lib\win.txt at the root)`; fs[0].Message != want {
		t.Errorf("message = %q, want %q", fs[0].Message, want)
	}
	if len(fs[0].Details) != 1 || fs[0].Details[0].Name != `lib\win.txt` {
		t.Errorf("details should list the entries: %+v", fs[0].Details)
	}
}

func TestZipEntries(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		files, folders int
		fail           bool
	}{
		{65534, 0, false},
		{65535, 0, true}, // archive/zip writes zip64 from here on
		{65000, 535, true},
		{70000, 0, true},
	} {
		m := manifest(1000, 1000)
		m.FileCount = tt.files
		m.Files = make([]packager.FileEntry, tt.files+tt.folders)
		r := NewReport([]FunctionReport{CheckFunction(base(), m, nil, DefaultQuotas(), today)}, nil)
		fs := findingsOf(r.Functions[0].Findings, "zipEntries")
		if !tt.fail {
			if len(fs) != 0 {
				t.Errorf("%d files, %d folders: findings %q", tt.files, tt.folders, lines(fs))
			}
			continue
		}
		if len(fs) != 1 || fs[0].Severity != SeverityError || *fs[0].Limit != 65535 || *fs[0].Measured != int64(tt.files+tt.folders) || !r.Failed() {
			t.Errorf("%d files, %d folders: findings %q, want one error (a limit, exit 3)", tt.files, tt.folders, lines(fs))
		}
	}
}

func TestForeignPrebuildsAreOneFinding(t *testing.T) {
	t.Parallel()
	sib := "node_modules/b/prebuilds/linux-arm64/b.node"
	m := manifest(1000, 1000)
	m.NativeBinaries = []packager.NativeBinary{
		{Path: "node_modules/b/prebuilds/darwin-x64/b.node", Format: "macho", Machine: "x86_64", PlatformSibling: sib},
		{Path: "node_modules/b/prebuilds/linux-arm64/b.node", Format: "elf", Machine: "arm64"},
		{Path: "node_modules/b/prebuilds/linux-x64/b.node", Format: "elf", Machine: "x86_64", PlatformSibling: sib},
		{Path: "node_modules/b/prebuilds/win32-x64/b.node", Format: "pe", Machine: "x86_64", PlatformSibling: sib},
	}
	fs := Check(base(), m, nil, DefaultQuotas(), today)
	native := findingsOf(fs, "nativeBinary")
	if len(native) != 1 || native[0].Severity != SeverityWarning || len(native[0].Details) != 3 {
		t.Fatalf("want one warning listing the 3 foreign builds, got %q", lines(native))
	}
	for _, f := range fs {
		if f.Severity == SeverityError {
			t.Errorf("foreign builds beside the function's are no error: %s", line(f))
		}
	}
}
