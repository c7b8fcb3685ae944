package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lambcli/lamb/internal/ui"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/pipeline"
)

// writeLayerLines prints one line per local layer of a plan or deploy:
// "layer deps: publish version 2 (content changed)", "layer deps: up to
// date at version 1".
func writeLayerLines(w io.Writer, p ui.Painter, layers []pipeline.LayerResult) error {
	for _, l := range layers {
		title := "layer " + p.Bold(l.Layer)
		if l.Name != l.Layer {
			title += " (" + l.Name + ")"
		}
		var what string
		switch l.Action {
		case pipeline.LayerPublish:
			what = p.Yellow(fmt.Sprintf("publish version %d", l.Version))
		case pipeline.LayerPublished:
			what = p.Green(fmt.Sprintf("published version %d", l.Version))
		case pipeline.LayerUpToDate:
			what = fmt.Sprintf("up to date at version %d", l.Version)
		default:
			what = p.Red("failed") + ": " + l.Error
		}
		switch {
		case l.Action == pipeline.LayerFailed || len(l.Reasons) == 0:
		case l.Reasons[0] == "new layer":
			what += " (new layer)"
		default:
			what += " (" + strings.Join(l.Reasons, ", ") + " changed)"
		}
		if _, err := fmt.Fprintf(w, "%s: %s\n", title, what); err != nil {
			return err
		}
	}
	return nil
}

// deployLayers returns the Lambda client that publishes and prunes layers.
func (f *Factory) deployLayers(ctx context.Context) (deploy.LayerPublishAPI, error) {
	c, err := f.AWS().Lambda(ctx)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// pruneLayers prunes the layers of lamb.yaml that fn uses: the versions
// lamb published, except the newest and those some function version uses.
// deleted are the function's versions the prune deleted, or would delete
// on a dry run: they do not count as using a layer version.
func pruneLayers(ctx context.Context, opts *PruneOptions, fn *config.Function, deleted []string) ([]deploy.LayerPruneResult, error) {
	cfg, err := opts.Config()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, ref := range fn.Layers {
		if ly := cfg.Layer(ref); ly != nil {
			names = append(names, ly.Name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	if opts.Layers == nil {
		return nil, errors.New("no Lambda client to prune layers")
	}
	api, err := opts.Layers(ctx)
	if err != nil {
		return nil, err
	}
	// Read right before deleting, as the function versions are.
	gone := map[string]bool{}
	for _, v := range deleted {
		gone[fn.Name+":"+v] = true
	}
	used, err := deploy.LayerVersionsInUse(ctx, api, gone)
	if err != nil {
		return nil, err
	}
	var out []deploy.LayerPruneResult
	for _, name := range names {
		res, err := deploy.PruneLayer(ctx, api, name, used, opts.DryRun)
		out = append(out, res)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// writeLayerPrune adds a line per pruned layer to the prune table.
func writeLayerPrune(w *tabwriter.Writer, deleted string, layers []deploy.LayerPruneResult) {
	for _, l := range layers {
		inUse := ""
		if len(l.InUse) > 0 {
			inUse = "; in use " + versionList(l.InUse)
		}
		fmt.Fprintf(w, "  layer %s\t%s %s; newest %d kept%s\n", l.Layer, deleted, versionList(l.Deleted), l.Newest, inUse)
	}
}

func versionList(vs []int64) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = strconv.FormatInt(v, 10)
	}
	return listOrNone(s)
}
