package pipeline

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/packager"
	"github.com/lambcli/lamb/pkg/progress"
)

// Options are what every pipeline run takes besides the functions.
type Options struct {
	// CacheDir is the root of lamb's caches (required).
	CacheDir string
	// NoCache makes cold builds.
	NoCache bool
	// Workers is the number of compressors per function; 0 means all cores.
	Workers int
	// Concurrency bounds how many functions run at once; 0 means DefaultConcurrency.
	Concurrency int
	// Log receives build tool output; nil discards it.
	Log io.Writer
	// Events receives progress; nil discards it.
	Events progress.Sink
}

func (o Options) packageStep() PackageStep {
	return PackageStep{CacheDir: o.CacheDir, NoCache: o.NoCache, Workers: o.Workers, Log: o.Log}
}

func (o Options) runner(steps ...Step) *Runner {
	return &Runner{Steps: steps, Concurrency: o.Concurrency, Events: o.Events}
}

// Package runs [package] on fns and returns their manifests in order;
// container image functions, which have none, are left out.
func Package(ctx context.Context, cfg *config.Config, fns []*config.Function, o Options) ([]*packager.Manifest, error) {
	units := NewUnits(cfg, fns)
	if err := o.runner(o.packageStep()).Run(ctx, units); err != nil {
		return nil, err
	}
	out := make([]*packager.Manifest, 0, len(units))
	for _, u := range units {
		// A container image function has no zip to report.
		if u.Manifest != nil {
			out = append(out, u.Manifest)
		}
	}
	return out, nil
}

// LambdaReader is what the pre-flight reads from Lambda when it may: the
// account's code-size limits and the layers' sizes.
type LambdaReader interface {
	deploy.AccountSettingsAPI
	deploy.LayerAPI
}

// CheckOptions are the inputs of a pre-flight run.
type CheckOptions struct {
	Options
	// Offline makes no AWS call: default quotas, local layers only.
	Offline bool
	// Lambda returns the client for the optional reads; an error (no
	// region, no credentials) is not a failure: the reads are skipped
	// and the report says why. nil behaves as Offline.
	Lambda func(context.Context) (LambdaReader, error)
	// Queues returns the SQS client that reads the visibility timeout of
	// queue sources; like Lambda, an error only skips the reads. nil reads
	// none.
	Queues func(context.Context) (deploy.QueueReader, error)
	// HTTP fetches layer zip directories; nil means a client with timeouts.
	HTTP *http.Client
	// Now decides runtime deprecation.
	Now time.Time
	// Load loads each handler with the local runtime (lamb check does;
	// deploy and plan leave it to lamb check, for speed).
	Load bool
	// Images returns the ECR client that reads container images; an
	// error or nil leaves them unread, with a note.
	Images func(context.Context) (deploy.ImageReader, error)
	// Region is where the functions go, for Lambda@Edge's region check;
	// "" skips it.
	Region string
}

// Check runs [package, measure layers, check] on fns and returns the report
// `lamb check` renders. It makes no AWS writes.
func Check(ctx context.Context, cfg *config.Config, fns []*config.Function, o CheckOptions) (limits.Report, error) {
	_, report, _, err := check(ctx, cfg, fns, o)
	return report, err
}

// check runs the pre-flight and returns the packaged units with the report
// and the quotas it used.
func check(ctx context.Context, cfg *config.Config, fns []*config.Function, o CheckOptions) ([]*Unit, limits.Report, limits.Quotas, error) {
	var skipped []string
	var api LambdaReader
	switch {
	case o.Offline || o.Lambda == nil:
		skipped = append(skipped, "account limits and layer sizes not read from AWS: --offline")
	default:
		c, err := o.Lambda(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, limits.Report{}, nil, ctx.Err()
			}
			skipped = append(skipped, fmt.Sprintf("account limits and layer sizes not read from AWS: %v", err))
		} else {
			api = c
		}
	}
	var quotaAPI deploy.AccountSettingsAPI
	var layerAPI deploy.LayerAPI
	if api != nil {
		quotaAPI, layerAPI = api, api
	}
	quotas, note, err := deploy.LoadQuotas(ctx, quotaAPI)
	if err != nil {
		return nil, limits.Report{}, nil, err
	}
	if note != "" && quotaAPI != nil {
		skipped = append(skipped, note)
	}
	visibility, notes, err := queueTimeouts(ctx, fns, o)
	if err != nil {
		return nil, limits.Report{}, nil, err
	}
	skipped = append(skipped, notes...)
	units := NewUnits(cfg, fns)
	set, err := packageLayers(ctx, cfg, fns, o.Options)
	if err != nil {
		return nil, limits.Report{}, nil, err
	}
	for _, u := range units {
		u.layers = set
	}
	images, why := imageReader(ctx, o, fns)
	steps := []Step{
		o.packageStep(),
		ImageStep{API: images, Why: why, HTTP: o.HTTP},
		MeasureLayersStep{API: layerAPI, HTTP: o.HTTP, CacheDir: filepath.Join(o.CacheDir, "layers")},
		CheckStep{Quotas: quotas, Now: o.Now, Load: o.Load, Visibility: visibility, Region: o.Region},
	}
	if err := o.runner(steps...).Run(ctx, units); err != nil {
		return nil, limits.Report{}, nil, err
	}
	reports := make([]limits.FunctionReport, len(units))
	for i, u := range units {
		reports[i] = u.Report
		skipped = append(skipped, u.Notes...)
	}
	return units, limits.NewReport(reports, dedupe(skipped)), quotas, nil
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
