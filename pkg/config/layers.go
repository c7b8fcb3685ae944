package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lambcli/lamb/internal/lambdaarch"
	"github.com/lambcli/lamb/internal/suggest"
)

// Layer is one local layer of lamb.yaml's layers: section: lamb packages
// it, publishes a version when its content changed, and resolves a
// function's reference to it by key into that version's ARN.
type Layer struct {
	// Key is the layer's key under layers: in lamb.yaml; functions name
	// the layer by it.
	Key string `json:"key" lamb:"-"`
	// Name is the AWS layer name: the explicit name, else
	// "<project>-<key>", else the key.
	Name string `json:"name" lamb:"name" doc:"AWS layer name; default <project>-<key>, else the key."`
	// Source is the absolute folder to package.
	Source string `json:"source" lamb:"source" doc:"Folder holding the layer's content, relative to lamb.yaml; default the folder of lamb.yaml."`
	// Runtimes decide the layout: the first one is what dependencies are
	// installed for.
	Runtimes []string `json:"runtimes" lamb:"runtimes" doc:"Compatible runtimes, e.g. [python3.12]; they decide the layout (python/, nodejs/node_modules/, java/lib/, else as is) and dependencies are installed for the first."`
	// Architectures default to [x86_64], what the dependencies are built for.
	Architectures []string     `json:"architectures" lamb:"architectures" doc:"Compatible instruction sets, x86_64 and/or arm64; dependencies are installed for the first. Default [x86_64]."`
	Description   string       `json:"description,omitempty" lamb:"description" doc:"Description of the layer's versions, up to 179 characters: lamb appends the content hash to it."`
	License       string       `json:"license,omitempty" lamb:"license" doc:"License of the layer (an SPDX identifier, a URL or its text), up to 512 characters."`
	Package       LayerPackage `json:"package" lamb:"package" doc:"How the layer's zip is built."`
}

// LayerPackage says how a layer's zip is built: the function package
// settings that apply to a layer.
type LayerPackage struct {
	Build        string   `json:"build,omitempty" lamb:"build" doc:"Shell command run in source before the zip is made."`
	Dependencies string   `json:"dependencies" lamb:"dependencies,enum=auto|none,default=auto" doc:"auto: install the production dependencies (requirements.txt, package.json, ...) for the first runtime and architecture; none: ship the folder as it is."`
	Installer    string   `json:"installer" lamb:"installer,enum=auto|pip|uv,default=auto" doc:"Python only: auto installs with uv when it is on PATH, else pip; pip or uv forces one."`
	Include      []string `json:"include,omitempty" lamb:"include,patterns" doc:"Patterns in gitignore syntax over the layer's zip paths (python/..., nodejs/...); when set, only matching files are packaged."`
	Exclude      []string `json:"exclude,omitempty" lamb:"exclude,patterns" doc:"Patterns in gitignore syntax over the layer's zip paths of files to leave out; ! negates."`
	Symlinks     string   `json:"symlinks" lamb:"symlinks,enum=follow|keep,default=follow" doc:"follow: store the content of a link's target; keep: store links as links."`
	Prebuilds    string   `json:"prebuilds" lamb:"prebuilds,enum=match|all,default=match" doc:"match: of a Node.js package's prebuilds/<os>-<arch>/ folders keep only the first architecture's; all: keep every platform's."`
	AllowScripts []string `json:"allowScripts,omitempty" lamb:"allowScripts" doc:"Node.js packages whose install scripts may run."`
}

// maxLayerDescription leaves room in Lambda's 256 characters for the
// " lamb:sha256=<64 hex>" lamb appends.
const maxLayerDescription = 256 - 77

// LayerFilePrefix starts the file names of a layer's zip and manifest in
// the build folder (.lamb/build/layer-<key>.zip), which sets them apart
// from the functions'.
const LayerFilePrefix = "layer-"

// Layer returns the local layer with key, or nil.
func (c *Config) Layer(key string) *Layer {
	for _, l := range c.Layers {
		if l.Key == key {
			return l
		}
	}
	return nil
}

// IsLayerFile reports whether a function's layers entry is the path of a
// layer zip (lamb check measures it, lamb deploy refuses it) rather than
// the key of a local layer or an ARN.
func IsLayerFile(ref string) bool {
	return !strings.HasPrefix(ref, "arn:") && (strings.ContainsAny(ref, `/\`) || strings.HasSuffix(strings.ToLower(ref), ".zip"))
}

// layers resolves the layers: section.
func (l *loader) layers(v *validator, cfg *Config, n *yaml.Node) []*Layer {
	if isNull(n) || n.Kind != yaml.MappingNode {
		return nil
	}
	var out []*Layer
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, ln := n.Content[i], n.Content[i+1]
		if !validFunctionKey(k.Value) {
			v.add(k, "layers."+k.Value, "layer key %q is not valid: use 1–64 letters, digits, hyphens and underscores (the key names the layer's zip and becomes part of its AWS name)", k.Value)
			continue
		}
		ly := &Layer{
			Key:           k.Value,
			Name:          text(lookup(ln, "name")),
			Source:        l.abs(text(lookup(ln, "source"))),
			Runtimes:      list(lookup(ln, "runtimes")),
			Architectures: list(lookup(ln, "architectures")),
			Description:   text(lookup(ln, "description")),
			License:       text(lookup(ln, "license")),
			Package: LayerPackage{
				Build:        text(path(ln, "package", "build")),
				Dependencies: or(text(path(ln, "package", "dependencies")), DefaultDependencies),
				Installer:    or(text(path(ln, "package", "installer")), DefaultInstaller),
				Include:      list(path(ln, "package", "include")),
				Exclude:      list(path(ln, "package", "exclude")),
				Symlinks:     or(text(path(ln, "package", "symlinks")), DefaultSymlinks),
				Prebuilds:    or(text(path(ln, "package", "prebuilds")), DefaultPrebuilds),
				AllowScripts: list(path(ln, "package", "allowScripts")),
			},
		}
		if ly.Name == "" {
			ly.Name = ly.Key
			if cfg.Project != "" {
				ly.Name = cfg.Project + "-" + ly.Key
			}
		}
		if len(ly.Architectures) == 0 {
			ly.Architectures = []string{DefaultArchitecture}
		}
		l.checkLayer(v, ly, ln)
		out = append(out, ly)
	}
	slices.SortFunc(out, func(a, b *Layer) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// checkLayer reports what the schema cannot: a layer without runtimes,
// runtimes and architectures Lambda does not know.
func (l *loader) checkLayer(v *validator, ly *Layer, n *yaml.Node) {
	at := "layers." + ly.Key
	rts := lookup(n, "runtimes")
	if isNull(rts) || (rts.Kind == yaml.SequenceNode && len(rts.Content) == 0) {
		where := rts
		if where == nil {
			where = n
		}
		v.add(where, at+".runtimes", "a layer needs runtimes: list the runtimes it serves, e.g. [python3.12]; they decide its layout")
	} else if rts.Kind == yaml.SequenceNode {
		for i, item := range rts.Content {
			if item.Kind == yaml.ScalarNode && !isNull(item) {
				v.checkRuntime(item, fmt.Sprintf("%s.runtimes[%d]", at, i))
			}
		}
	}
	// The description holds the content hash too, within Lambda's 256.
	if d := lookup(n, "description"); d != nil && len(ly.Description) > maxLayerDescription {
		v.add(d, at+".description", "%d characters is too long: a layer's description may have %d, as lamb adds the content hash to it (Lambda takes 256 in all)", len(ly.Description), maxLayerDescription)
	}
	if archs := lookup(n, "architectures"); !isNull(archs) && archs.Kind == yaml.SequenceNode {
		for i, item := range archs.Content {
			if item.Kind == yaml.ScalarNode && !lambdaarch.Valid(item.Value) {
				v.add(item, fmt.Sprintf("%s.architectures[%d]", at, i), "expected %s, got %q", suggest.OrList(lambdaarch.Names()), item.Value)
			}
		}
	}
}

// checkLayerEntries reports a function's layers entry that is neither an
// ARN, nor a layer zip's path, nor the key of a layer under layers:.
func checkLayerEntries(v *validator, cfg *Config, fn *Function, n *yaml.Node) {
	if ly := cfg.Layer(strings.TrimPrefix(fn.Key, LayerFilePrefix)); ly != nil && fn.Key != ly.Key {
		v.add(nil, "functions."+fn.Key, "function %s and layer %s would both write .lamb/build/%s.zip: rename one of them", fn.Key, ly.Key, fn.Key)
	}
	if isNull(n) || n.Kind != yaml.SequenceNode {
		return
	}
	keys := make([]string, len(cfg.Layers))
	for i, ly := range cfg.Layers {
		keys[i] = ly.Key
	}
	for i, item := range n.Content {
		ref := text(item)
		if ref == "" || strings.HasPrefix(ref, "arn:") || IsLayerFile(ref) || cfg.Layer(ref) != nil {
			continue
		}
		msg := fmt.Sprintf("no layer %q under layers", ref)
		if s := suggest.Closest(ref, keys); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		msg += ": define it under layers:, or give a layer version ARN"
		p := v.paths[item]
		if p == "" {
			p = fmt.Sprintf("functions.%s.layers[%d]", fn.Key, i)
		}
		v.add(item, p, "%s", msg)
	}
}
