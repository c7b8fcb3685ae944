package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/loadcheck"
	"github.com/lambcli/lamb/pkg/packager"
	"github.com/lambcli/lamb/pkg/progress"
)

// PackageStep builds and zips the function into <project>/.lamb/build.
type PackageStep struct {
	// CacheDir is the root of lamb's caches.
	CacheDir string
	// NoCache makes a cold build.
	NoCache bool
	// Workers is the number of compressors per function; 0 means all cores.
	Workers int
	// Log receives build tool output (--verbose); nil discards it.
	Log io.Writer
}

// Name implements Step.
func (PackageStep) Name() string { return packager.StepName }

// Describe names the function and the folder it is packaged from,
// relative to lamb.yaml ("packaging api from services/api").
func (PackageStep) Describe(u *Unit) string {
	src := u.Function.Source
	if rel, err := filepath.Rel(u.Project.Dir, src); err == nil {
		src = filepath.ToSlash(rel)
	}
	if src == "." {
		src = "the lamb.yaml folder"
	}
	return "packaging " + u.Function.Key + " from " + src
}

// Skip implements Step: every function is packaged but a container image.
func (PackageStep) Skip(u *Unit) string {
	if u.Function.Image != "" {
		return "container image"
	}
	return ""
}

// Run implements Step.
func (s PackageStep) Run(ctx context.Context, u *Unit) error {
	m, err := packager.Package(ctx, s.spec(u))
	if err != nil {
		return err
	}
	u.Manifest = m
	return nil
}

// spec is the packager's input for the unit's function.
func (s PackageStep) spec(u *Unit) packager.Spec {
	spec := PackageSpec(u.Function)
	spec.OutDir = BuildDir(u.Project)
	spec.Project = u.Project.Dir
	spec.CacheDir = s.CacheDir
	spec.NoCache = s.NoCache
	spec.Workers = s.Workers
	spec.Log = s.Log
	spec.Events = progress.SinkFunc(func(e progress.Event) { u.Emit(e) })
	return spec
}

// PackageSpec maps a lamb.yaml function onto the packager's input; where
// the output goes and how the packager runs are left to the caller.
func PackageSpec(fn *config.Function) packager.Spec {
	return packager.Spec{
		Function:     fn.Key,
		Source:       fn.Source,
		Runtime:      fn.Runtime,
		Architecture: fn.Architecture,
		Handler:      fn.Handler,
		Build:        fn.Package.Build,
		Dependencies: fn.Package.Dependencies,
		Artifact:     fn.Package.Artifact,
		Main:         fn.Package.Main,
		Installer:    fn.Package.Installer,
		Include:      fn.Package.Include,
		Exclude:      fn.Package.Exclude,
		Symlinks:     fn.Package.Symlinks,
		Prebuilds:    fn.Package.Prebuilds,
		AllowScripts: fn.Package.AllowScripts,
		// Dotenv files hold secrets: the packager leaves them out.
		EnvironmentFiles: fn.EnvironmentFiles,
		Bundle:           fn.Package.Bundle,
		Esbuild: packager.BundleOptions{
			External:  fn.Package.Esbuild.External,
			Minify:    fn.Package.Esbuild.Minify,
			Sourcemap: fn.Package.Esbuild.Sourcemap,
		},
	}
}

// BuildDir is where a project's zips and manifests go.
func BuildDir(cfg *config.Config) string {
	return filepath.Join(cfg.Dir, ".lamb", "build")
}

// LayerReader is the one Lambda read the layer step makes.
type LayerReader = deploy.LayerAPI

// MeasureLayersStep measures the function's layers (local zips, and layer
// ARNs when AWS can be read) so the size check counts them.
type MeasureLayersStep struct {
	// API reads layer ARNs; nil leaves them out, with a note.
	API LayerReader
	// HTTP fetches the layer zips' directories; nil means a default client.
	HTTP *http.Client
	// CacheDir keeps measured ARNs ("" disables the cache).
	CacheDir string
}

// Name implements Step.
func (MeasureLayersStep) Name() string { return "measure layers" }

// Describe implements describer.
func (MeasureLayersStep) Describe(u *Unit) string {
	return fmt.Sprintf("measuring %d layer(s)", len(u.Function.Layers))
}

// Skip implements Step.
func (MeasureLayersStep) Skip(u *Unit) string {
	if len(u.Function.Layers) == 0 {
		return "no layers"
	}
	return ""
}

// Run implements Step.
func (s MeasureLayersStep) Run(ctx context.Context, u *Unit) error {
	return measureLayers(ctx, s, u)
}

// layerRefs returns the function's layers with local layer zips resolved
// against the lamb.yaml folder; layers of lamb.yaml stay keys.
func layerRefs(cfg *config.Config, fn *config.Function) []string {
	refs := make([]string, len(fn.Layers))
	for i, l := range fn.Layers {
		if !strings.HasPrefix(l, "arn:") && !filepath.IsAbs(l) && cfg.Layer(l) == nil {
			l = filepath.Join(cfg.Dir, l)
		}
		refs[i] = l
	}
	return refs
}

// CheckStep runs every pre-flight check on the packaged function. The
// checks read no files, so the step first looks in the bundle's jars for a
// Java handler's class when the checks ask for it, and loads the handler
// with the local runtime when Load is set.
type CheckStep struct {
	Quotas limits.Quotas
	// Now decides runtime deprecation.
	Now time.Time
	// Load loads the handler from the unpacked bundle (loadcheck.Load).
	Load bool
	// LoadTimeout bounds the load; 0 means loadcheck.DefaultTimeout.
	LoadTimeout time.Duration
	// Visibility holds the visibility timeouts of the queues read, by ARN.
	Visibility map[string]int
	// Region is where the function goes; "" when not known.
	Region string
}

// Name implements Step.
func (CheckStep) Name() string { return "check" }

// Describe implements describer.
func (s CheckStep) Describe(*Unit) string {
	if s.Load {
		return "checking every Lambda quota and loading the handler"
	}
	return "checking every Lambda quota"
}

// Skip implements Step.
func (CheckStep) Skip(*Unit) string { return "" }

// Run implements Step.
func (s CheckStep) Run(ctx context.Context, u *Unit) error {
	fn := LimitsFunction(u.Function)
	if class := limits.JarClass(fn, u.Manifest); class != "" {
		fn.HandlerJar.Found, fn.HandlerJar.Err = packager.JarHasClass(u.Manifest.ZipPath, class)
	}
	u.Report = limits.CheckFunction(fn, u.Manifest, u.Layers, s.Quotas, s.Now)
	u.Report.AddFindings(limits.CheckExtras(LimitsExtras(u.Function))...)
	u.Report.AddFindings(limits.CheckEvents(LimitsEvents(u.Function, s.Visibility))...)
	u.Report.AddFindings(limits.CheckInvokePermissions(LimitsInvokePermissions(u.Function))...)
	u.Report.AddFindings(limits.CheckLogRetention(u.Function.Logs.RetentionDays)...)
	u.Report.AddFindings(featureFindings(u, s.Region)...)
	// A container image has no bundle to load the handler from.
	if s.Load && u.Manifest != nil {
		return s.load(ctx, u)
	}
	return nil
}

// load loads the handler unless the checks already found it missing or
// malformed, which the load would only repeat.
func (s CheckStep) load(ctx context.Context, u *Unit) error {
	for _, f := range u.Report.Findings {
		if f.Severity == limits.SeverityError && (f.Check == "handler" || f.Check == "handlerTarget") {
			return nil
		}
	}
	m := u.Manifest
	r, err := loadcheck.Load(ctx, loadcheck.Request{
		ZipPath:      m.ZipPath,
		Function:     u.Function.Name,
		Runtime:      u.Report.Runtime,
		Architecture: u.Report.Architecture,
		Handler:      cmp.Or(u.Function.Handler, m.Handler),
		Native:       m.NativeBinaries,
		Timeout:      s.LoadTimeout,
	})
	if err != nil {
		return err
	}
	if r.Outcome == limits.HandlerLoadSkipped {
		u.Notes = append(u.Notes, u.Key()+": "+r.Note)
	}
	if r.Tool != "" {
		msg := fmt.Sprintf("handler %s: %s with %s", r.Handler, r.Outcome, r.Tool)
		if len(r.Stubbed) > 0 {
			msg += "; stubs stood in for " + strings.Join(r.Stubbed, ", ") + ", which the runtime provides"
		}
		u.Emit(progress.Event{Kind: progress.Note, Message: msg})
	}
	if out := strings.TrimSpace(r.Output); out != "" {
		u.Emit(progress.Event{Kind: progress.Note, Message: "handler load output:\n" + out})
	}
	u.Report.AddFindings(limits.CheckHandlerLoad(r, len(u.Function.Layers) > 0)...)
	return nil
}

// LimitsFunction maps a lamb.yaml function onto what the checks read.
func LimitsFunction(fn *config.Function) limits.Function {
	return limits.Function{
		Key:              fn.Key,
		Name:             fn.Name,
		Runtime:          fn.Runtime,
		Architecture:     fn.Architecture,
		Handler:          fn.Handler,
		Description:      fn.Description,
		Alias:            fn.Deploy.Alias,
		S3Bucket:         fn.Deploy.S3.Bucket,
		Memory:           fn.Memory,
		Timeout:          fn.Timeout,
		EphemeralStorage: fn.EphemeralStorage,
		Explicit:         limits.Explicit(fn.Explicit),
		Environment:      fn.Environment,
		Layers:           fn.Layers,
		SecurityGroupIDs: fn.VPC.SecurityGroupIDs,
		SubnetIDs:        fn.VPC.SubnetIDs,
		Tags:             fn.Tags,
		Image:            fn.Image != "",
		Package: limits.PackageSettings{
			Dependencies: fn.Package.Dependencies,
			Artifact:     fn.Package.Artifact != "",
			Prebuilds:    fn.Package.Prebuilds,
		},
	}
}
