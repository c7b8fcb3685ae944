package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
	"github.com/lambcli/lamb/pkg/progress"
)

// layerSet holds the local layers a run's functions use, packaged once
// before the functions, and, on a deploy, the version each resolves to.
type layerSet struct {
	layers    []*config.Layer
	manifests map[string]*packager.Manifest
	// arns maps a layer's key to the version ARN functions refer to.
	arns map[string]string
}

// usedLayers returns the local layers that fns name, in lamb.yaml's order.
func usedLayers(cfg *config.Config, fns []*config.Function) []*config.Layer {
	var out []*config.Layer
	for _, ly := range cfg.Layers {
		for _, fn := range fns {
			if slices.Contains(fn.Layers, ly.Key) {
				out = append(out, ly)
				break
			}
		}
	}
	return out
}

// layerSpec maps a layer of lamb.yaml onto the packager's input; its
// runtimes decide the layout (packager.LayerLayout).
func layerSpec(cfg *config.Config, ly *config.Layer, o Options, events progress.Sink) packager.Spec {
	runtime, prefix := packager.LayerLayout(ly.Runtimes, ly.Source)
	p := ly.Package
	return packager.Spec{
		Function:     config.LayerFilePrefix + ly.Key,
		Source:       ly.Source,
		Runtime:      runtime,
		Architecture: ly.Architectures[0],
		Prefix:       prefix,
		Build:        p.Build,
		Dependencies: p.Dependencies,
		Installer:    p.Installer,
		Include:      p.Include,
		Exclude:      p.Exclude,
		Symlinks:     p.Symlinks,
		Prebuilds:    p.Prebuilds,
		AllowScripts: p.AllowScripts,
		OutDir:       BuildDir(cfg),
		Project:      cfg.Dir,
		CacheDir:     o.CacheDir,
		NoCache:      o.NoCache,
		Workers:      o.Workers,
		Log:          o.Log,
		Events:       events,
	}
}

// PackageLayers packages the local layers fns use into
// .lamb/build/layer-<key>.zip, several at once, and returns their
// manifests in lamb.yaml's order.
func PackageLayers(ctx context.Context, cfg *config.Config, fns []*config.Function, o Options) ([]*packager.Manifest, error) {
	set, err := packageLayers(ctx, cfg, fns, o)
	if err != nil {
		return nil, err
	}
	out := make([]*packager.Manifest, len(set.layers))
	for i, ly := range set.layers {
		out[i] = set.manifests[ly.Key]
	}
	return out, nil
}

func packageLayers(ctx context.Context, cfg *config.Config, fns []*config.Function, o Options) (*layerSet, error) {
	set := &layerSet{layers: usedLayers(cfg, fns), manifests: map[string]*packager.Manifest{}, arns: map[string]string{}}
	var mu sync.Mutex
	err := eachLayer(ctx, set.layers, o.Concurrency, func(ctx context.Context, ly *config.Layer) error {
		m, err := packager.Package(ctx, layerSpec(cfg, ly, o, o.Events))
		if err != nil {
			return fmt.Errorf("package layer %s: %w", ly.Key, err)
		}
		mu.Lock()
		set.manifests[ly.Key] = m
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}

// eachLayer runs work on every layer, up to concurrency at once; the first
// failure stops the others.
func eachLayer(ctx context.Context, layers []*config.Layer, concurrency int, work func(context.Context, *config.Layer) error) error {
	g, ctx := errgroup.WithContext(ctx)
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	g.SetLimit(concurrency)
	for _, ly := range layers {
		g.Go(func() error { return work(ctx, ly) })
	}
	return g.Wait()
}

// measured returns a local layer as the checks count it: its packaged size
// and what it says it is compatible with.
func (s *layerSet) measured(key string) (limits.Layer, bool) {
	if s == nil {
		return limits.Layer{}, false
	}
	m, ok := s.manifests[key]
	if !ok {
		return limits.Layer{}, false
	}
	ly := s.layer(key)
	return limits.Layer{Ref: key, UnzippedBytes: m.UnzippedBytes, ZippedBytes: m.ZippedBytes, Local: true,
		Runtimes: ly.Runtimes, Architectures: ly.Architectures}, true
}

func (s *layerSet) layer(key string) *config.Layer {
	for _, ly := range s.layers {
		if ly.Key == key {
			return ly
		}
	}
	return nil
}

// measureLayers measures a unit's layers: the local layers from their
// manifests, the rest with deploy.MeasureLayers; in the function's order.
func measureLayers(ctx context.Context, s MeasureLayersStep, u *Unit) error {
	var others []string
	for _, ref := range layerRefs(u.Project, u.Function) {
		if _, ok := u.layers.measured(ref); !ok {
			others = append(others, ref)
		}
	}
	remote, notes, err := deploy.MeasureLayers(ctx, others, s.API, s.HTTP, s.CacheDir)
	if err != nil {
		return err
	}
	var layers []limits.Layer
	for _, ref := range layerRefs(u.Project, u.Function) {
		if l, ok := u.layers.measured(ref); ok {
			layers = append(layers, l)
			continue
		}
		if i := slices.IndexFunc(remote, func(l limits.Layer) bool { return l.Ref == ref }); i >= 0 {
			layers = append(layers, remote[i])
		}
	}
	u.Layers = layers
	u.Notes = append(u.Notes, notes...)
	return nil
}

// layerSetOf returns the layers the units' pre-flight packaged.
func layerSetOf(units []*Unit) *layerSet {
	for _, u := range units {
		if u.layers != nil {
			return u.layers
		}
	}
	return &layerSet{manifests: map[string]*packager.Manifest{}, arns: map[string]string{}}
}

// Layer actions of a plan or deploy.
const (
	LayerPublish   = "publish"
	LayerPublished = "published"
	LayerUpToDate  = "up to date"
	LayerFailed    = "failed"
)

// LayerResult is what a plan or deploy does to one local layer.
//
// JSON fields: layer (key), name (AWS name), action ("publish" in a plan,
// "published" in a deploy, "up to date", "failed"), version (the version
// functions use: the new one, or the latest; in a plan, the one publishing
// would make), arn (that version's ARN, absent in a plan for a layer never
// published), reasons (why a version is published: "new layer", "content",
// "description", "runtimes", "architectures", "license"), bytes (zip size),
// error.
type LayerResult struct {
	Layer   string   `json:"layer"`
	Name    string   `json:"name"`
	Action  string   `json:"action"`
	Version int64    `json:"version,omitempty"`
	ARN     string   `json:"arn,omitempty"`
	Reasons []string `json:"reasons,omitempty"`
	Bytes   int64    `json:"bytes"`
	Error   string   `json:"error,omitempty"`
}

// layerSpecOf is a packaged layer as deploy publishes it.
func (s *layerSet) layerSpecOf(ly *config.Layer) deploy.LayerSpec {
	return deploy.LayerSpec{Name: ly.Name, Description: ly.Description, License: ly.License,
		Runtimes: ly.Runtimes, Architectures: ly.Architectures, ContentHash: s.manifests[ly.Key].ContentHash}
}

// planLayers reads each layer's newest version and says whether a deploy
// publishes one; it records the version ARN functions would use.
func planLayers(ctx context.Context, api deploy.LayerVersionLister, set *layerSet, concurrency int) ([]LayerResult, error) {
	results := make([]LayerResult, len(set.layers))
	var mu sync.Mutex
	err := eachLayer(ctx, set.layers, concurrency, func(ctx context.Context, ly *config.Layer) error {
		i := slices.Index(set.layers, ly)
		res := LayerResult{Layer: ly.Key, Name: ly.Name, Bytes: set.manifests[ly.Key].ZippedBytes}
		p, err := planLayer(ctx, api, set, ly)
		if err != nil {
			res.Action, res.Error = LayerFailed, err.Error()
			results[i] = res
			return fmt.Errorf("layer %s: %w", ly.Key, err)
		}
		res.Action, res.Version, res.ARN, res.Reasons = LayerUpToDate, p.Version, p.ARN, p.Reasons
		if p.Publish {
			res.Action = LayerPublish
		}
		results[i] = res
		mu.Lock()
		// A layer never published has no ARN yet: its key stands for it.
		set.arns[ly.Key] = cmp.Or(p.ARN, "(new version of layer "+ly.Name+")")
		mu.Unlock()
		return nil
	})
	return results, err
}

func planLayer(ctx context.Context, api deploy.LayerVersionLister, set *layerSet, ly *config.Layer) (deploy.LayerPlan, error) {
	if api == nil {
		return deploy.LayerPlan{}, fmt.Errorf("no Lambda client to read layer %s", ly.Name)
	}
	versions, err := deploy.LayerVersions(ctx, api, ly.Name)
	if err != nil {
		return deploy.LayerPlan{}, err
	}
	var latest *deploy.LayerVersion
	if len(versions) > 0 {
		latest = &versions[0]
	}
	return deploy.PlanLayer(set.layerSpecOf(ly), latest), nil
}

// publishLayers publishes a new version of each layer whose content or
// settings changed, once per run however many functions use it, and
// records the version ARN each resolves to. The zip goes inline, or
// through the S3 bucket of the first function using the layer that has
// deploy.s3.bucket set.
func publishLayers(ctx context.Context, api deploy.LayerPublishAPI, s3 deploy.S3API, directLimit int64, set *layerSet, fns []*config.Function, concurrency int, events progress.Sink) ([]LayerResult, error) {
	results := make([]LayerResult, len(set.layers))
	var mu sync.Mutex
	err := eachLayer(ctx, set.layers, concurrency, func(ctx context.Context, ly *config.Layer) error {
		i := slices.Index(set.layers, ly)
		key := config.LayerFilePrefix + ly.Key
		emit := func(e progress.Event) {
			e.Function, e.Step = key, "publish layer"
			progress.OrDiscard(events).Event(e)
		}
		emit(progress.Event{Kind: progress.Started, Message: "reading the versions of layer " + ly.Name})
		res := LayerResult{Layer: ly.Key, Name: ly.Name, Bytes: set.manifests[ly.Key].ZippedBytes}
		arn, err := publishLayer(ctx, api, s3, directLimit, set, ly, fns, &res, emit)
		if err != nil {
			res.Action, res.Error = LayerFailed, err.Error()
			emit(progress.Event{Kind: progress.Failed, Err: err})
		} else {
			emit(progress.Event{Kind: progress.Finished})
		}
		results[i] = res
		if err != nil {
			return fmt.Errorf("layer %s: %w", ly.Key, err)
		}
		mu.Lock()
		set.arns[ly.Key] = arn
		mu.Unlock()
		return nil
	})
	return results, err
}

func publishLayer(ctx context.Context, api deploy.LayerPublishAPI, s3 deploy.S3API, directLimit int64, set *layerSet, ly *config.Layer, fns []*config.Function, res *LayerResult, emit func(progress.Event)) (string, error) {
	p, err := planLayer(ctx, api, set, ly)
	if err != nil {
		return "", err
	}
	res.Reasons = p.Reasons
	if !p.Publish {
		res.Action, res.Version, res.ARN = LayerUpToDate, p.Version, p.ARN
		emit(progress.Event{Kind: progress.Advanced, Message: fmt.Sprintf("up to date at version %d", p.Version)})
		return p.ARN, nil
	}
	m := set.manifests[ly.Key]
	a := deploy.Artifact{Function: ly.Name, ZipPath: m.ZipPath, ZippedBytes: m.ZippedBytes, ContentHash: m.ContentHash, CodeSha256: m.CodeSha256}
	t := layerTarget(ly, fns)
	direct, err := deploy.ChooseRoute(a, t, directLimit)
	if err != nil {
		return "", err
	}
	var loc deploy.CodeLocation
	var zip []byte
	if direct {
		if zip, err = readZip(ctx, m.ZipPath); err != nil {
			return "", err
		}
		loc = deploy.CodeLocation{ZipFile: true, Uploaded: true, Bytes: int64(len(zip))}
	} else {
		if s3 == nil {
			return "", fmt.Errorf("no S3 client for the upload of layer %s", ly.Name)
		}
		if loc, err = deploy.Upload(ctx, s3, a, t, deploy.UploadOptions{Events: progress.SinkFunc(emit)}); err != nil {
			return "", err
		}
	}
	emit(progress.Event{Kind: progress.Advanced, Message: fmt.Sprintf("publishing version %d of layer %s (%s)", p.Version, ly.Name, strings.Join(p.Reasons, ", "))})
	v, err := deploy.PublishLayer(ctx, api, set.layerSpecOf(ly), loc, zip)
	if err != nil {
		return "", err
	}
	res.Action, res.Version, res.ARN = LayerPublished, v.Version, v.ARN
	return v.ARN, nil
}

func readZip(ctx context.Context, p string) ([]byte, error) {
	b, err := safefile.ReadFile(ctx, p, maxZipRead)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// layerTarget is the S3 place of a layer's zip: that of the first function
// using it with deploy.s3.bucket set, if any.
func layerTarget(ly *config.Layer, fns []*config.Function) deploy.S3Target {
	for _, fn := range fns {
		if s := fn.Deploy.S3; s.Bucket != "" && slices.Contains(fn.Layers, ly.Key) {
			return deploy.S3Target{Bucket: s.Bucket, Prefix: s.Prefix, SSE: s.SSE, KMSKeyID: s.KMSKeyID}
		}
	}
	return deploy.S3Target{}
}

// resolveLayers gives each unit a copy of its function whose layers name
// version ARNs, where lamb.yaml names local layers by key, so that the
// function's plan compares ARNs with ARNs: an unchanged layer leaves the
// function's configuration unchanged.
func resolveLayers(units []*Unit, set *layerSet) {
	for _, u := range units {
		if !slices.ContainsFunc(u.Function.Layers, func(ref string) bool { return set.arns[ref] != "" }) {
			continue
		}
		fn := *u.Function
		fn.Layers = make([]string, len(u.Function.Layers))
		for i, ref := range u.Function.Layers {
			fn.Layers[i] = cmp.Or(set.arns[ref], ref)
		}
		u.Function = &fn
	}
}
