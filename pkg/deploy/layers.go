package deploy

import (
	"archive/zip"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/internal/atomicfile"
	"github.com/lambcli/lamb/internal/units"
	"github.com/lambcli/lamb/pkg/limits"
)

// LayerAPI is the one Lambda call MeasureLayers makes for a layer ARN.
type LayerAPI interface {
	GetLayerVersionByArn(ctx context.Context, in *lambda.GetLayerVersionByArnInput, optFns ...func(*lambda.Options)) (*lambda.GetLayerVersionByArnOutput, error)
}

var _ LayerAPI = (*lambda.Client)(nil)

// layerCacheFile is the cache of measured layer ARNs inside the caller's
// cache directory. Layer versions are immutable, so entries never expire.
const layerCacheFile = "layer-sizes.json"

type layerCache struct {
	Layers map[string]limits.Layer `json:"layers"`
}

// MeasureLayers returns the unzipped and zipped size of each layer ref.
//
// A ref that is not an ARN is the path of a local layer zip (the caller
// resolves relative paths); its central directory is read from disk. An ARN
// is looked up with GetLayerVersionByArn and its zip's central directory is
// read from Content.Location with HTTP range requests, so only the tail of
// the zip is downloaded; results are cached by ARN in cacheDir ("" disables
// the cache). With a nil api, or when AWS does not answer, an ARN is left
// out and a note in the second result says so: the check then counts only
// what was measured. A missing or unreadable local zip, or a cancelled ctx,
// is an error.
//
// A nil httpClient means one whose requests time out after
// layerHTTPTimeout; a caller's client should have a timeout too. Whatever
// the server does, at most maxLayerRead bytes are fetched per layer.
func MeasureLayers(ctx context.Context, refs []string, api LayerAPI, httpClient *http.Client, cacheDir string) ([]limits.Layer, []string, error) {
	if httpClient == nil {
		httpClient = newLayerClient(layerHTTPTimeout)
	}
	cache := readLayerCache(cacheDir)
	dirty := false
	var layers []limits.Layer
	var notes []string
	for _, ref := range refs {
		// Anything but an ARN is a local zip, as the layers check reads refs.
		if !strings.HasPrefix(ref, "arn:") {
			l, err := measureLocalLayer(ref)
			if err != nil {
				return nil, notes, err
			}
			layers = append(layers, l)
			continue
		}
		if l, ok := cache.Layers[ref]; ok {
			layers = append(layers, l)
			continue
		}
		if api == nil {
			notes = append(notes, fmt.Sprintf("layer %s not measured (no AWS access); its unzipped size is not counted", ref))
			continue
		}
		l, err := measureRemoteLayer(ctx, ref, api, httpClient)
		if err != nil {
			if ctx.Err() != nil {
				return nil, notes, fmt.Errorf("measure layer %s: %w", ref, ctx.Err())
			}
			notes = append(notes, fmt.Sprintf("layer %s not measured (%v); its unzipped size is not counted", ref, err))
			continue
		}
		layers = append(layers, l)
		cache.Layers[ref] = l
		dirty = true
	}
	if dirty && cacheDir != "" {
		if err := writeLayerCache(cacheDir, cache); err != nil {
			notes = append(notes, fmt.Sprintf("layer size cache not written (%v)", err))
		}
	}
	return layers, notes, nil
}

func measureLocalLayer(path string) (limits.Layer, error) {
	r, err := zip.OpenReader(path)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return limits.Layer{}, fmt.Errorf("measure local layer %s: %w; build the layer zip first or fix its path in layers", path, err)
	}
	defer r.Close()
	st, err := os.Stat(path)
	if err != nil {
		return limits.Layer{}, fmt.Errorf("measure local layer %s: %w", path, err)
	}
	return limits.Layer{Ref: path, UnzippedBytes: unzippedSum(&r.Reader), ZippedBytes: st.Size(), Local: true}, nil
}

func unzippedSum(r *zip.Reader) int64 {
	var n int64
	for _, f := range r.File {
		n += int64(f.UncompressedSize64)
	}
	return n
}

func measureRemoteLayer(ctx context.Context, arn string, api LayerAPI, hc *http.Client) (limits.Layer, error) {
	out, err := api.GetLayerVersionByArn(ctx, &lambda.GetLayerVersionByArnInput{Arn: aws.String(arn)})
	if err != nil {
		return limits.Layer{}, fmt.Errorf("GetLayerVersionByArn: %w", err)
	}
	if out.Content == nil || aws.ToString(out.Content.Location) == "" {
		return limits.Layer{}, errors.New("GetLayerVersionByArn returned no Content.Location")
	}
	loc := aws.ToString(out.Content.Location)
	if !strings.HasPrefix(loc, "https://") && !strings.HasPrefix(loc, "http://") {
		return limits.Layer{}, fmt.Errorf("Content.Location %q is not an http(s) URL", loc)
	}
	ra := &httpReaderAt{Ctx: ctx, Client: hc, URL: loc, Size: out.Content.CodeSize}
	size, err := ra.size()
	if err != nil {
		return limits.Layer{}, fmt.Errorf("read layer zip: %w", err)
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return limits.Layer{}, fmt.Errorf("read layer zip directory: %w", err)
	}
	l := limits.Layer{Ref: arn, UnzippedBytes: unzippedSum(zr), ZippedBytes: size}
	for _, r := range out.CompatibleRuntimes {
		l.Runtimes = append(l.Runtimes, string(r))
	}
	for _, a := range out.CompatibleArchitectures {
		l.Architectures = append(l.Architectures, string(a))
	}
	return l, nil
}

func readLayerCache(dir string) layerCache {
	c := layerCache{Layers: map[string]limits.Layer{}}
	if dir == "" {
		return c
	}
	b, err := os.ReadFile(filepath.Join(dir, layerCacheFile))
	if err != nil {
		return c
	}
	// A damaged cache is ignored and rewritten.
	if json.Unmarshal(b, &c) != nil || c.Layers == nil {
		c.Layers = map[string]limits.Layer{}
	}
	return c
}

func writeLayerCache(dir string, c layerCache) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, layerCacheFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	})
}

const (
	// layerHTTPTimeout bounds each request for a piece of a layer zip,
	// answer included: a piece is a few hundred KiB.
	layerHTTPTimeout = 30 * time.Second
	// maxLayerRead bounds the bytes fetched to measure one layer, over all
	// its requests. The central directory of a zip with Lambda's 65,535
	// entries and long paths is a fraction of it.
	maxLayerRead = 32 << 20
)

// newLayerClient returns the client for presigned layer URLs: each request
// fails after timeout, whether the server does not connect, does not
// answer or stalls while sending.
func newLayerClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: tr, Timeout: timeout}
}

// readAhead is the smallest ranged GET httpReaderAt makes: archive/zip
// reads a central directory in small pieces, so each request fetches a
// window and later reads are served from it.
const readAhead = 256 << 10

// httpReaderAt reads a remote object with HTTP Range requests, so
// archive/zip can read a zip's central directory without downloading the
// whole file. Size is the object's length; when 0 it is learnt from the
// Content-Range of a one-byte request.
//
// Every request asks for a range, and at most Budget bytes are fetched in
// all: a 206 answer must carry the range asked for, and from a server that
// ignores Range (200, the object from its first byte) only the bytes up to
// the end of the range are read, the ones before it discarded.
type httpReaderAt struct {
	Ctx    context.Context
	Client *http.Client
	URL    string
	Size   int64
	// Budget bounds the bytes fetched over all requests; 0 means maxLayerRead.
	Budget int64

	mu      sync.Mutex
	fetched int64
	winOff  int64
	win     []byte
}

func (h *httpReaderAt) size() (int64, error) {
	if h.Size > 0 {
		return h.Size, nil
	}
	_, total, err := h.get(0, 0)
	if err != nil {
		return 0, err
	}
	if total <= 0 {
		return 0, errors.New("server did not report the object size")
	}
	h.Size = total
	return total, nil
}

// ReadAt implements io.ReaderAt.
func (h *httpReaderAt) ReadAt(p []byte, off int64) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if h.Size > 0 && off >= h.Size {
		return 0, io.EOF
	}
	if off >= h.winOff && off+int64(len(p)) <= h.winOff+int64(len(h.win)) {
		return copy(p, h.win[off-h.winOff:]), nil
	}
	end := off + int64(max(len(p), readAhead)) - 1
	if h.Size > 0 && end >= h.Size {
		end = h.Size - 1
	}
	body, _, err := h.get(off, end)
	if err != nil {
		return 0, err
	}
	h.winOff, h.win = off, body
	n := copy(p, body)
	switch {
	case n == len(p):
		return n, nil
	case off+int64(n) < h.Size:
		return n, io.ErrUnexpectedEOF
	}
	return n, io.EOF
}

// get fetches bytes start..end inclusive and returns them with the object's
// total size (-1 when the server does not say).
func (h *httpReaderAt) get(start, end int64) ([]byte, int64, error) {
	budget := cmp.Or(h.Budget, maxLayerRead)
	if h.fetched+end-start+1 > budget {
		return nil, -1, fmt.Errorf("the layer zip's central directory needs more than %s", units.ByteCount(budget))
	}
	ctx := h.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL, nil)
	if err != nil {
		return nil, -1, err
	}
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", start, end))
	resp, err := h.Client.Do(req)
	if err != nil {
		// Keep the presigned URL (a short-lived credential) out of messages.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, -1, fmt.Errorf("GET layer zip: %w", err)
	}
	// Closing before the end drops the connection, so a server sending
	// more than was asked for is cut off rather than drained.
	defer resp.Body.Close()
	var skip int64
	total := int64(-1)
	switch resp.StatusCode {
	case http.StatusPartialContent:
		first, last, size, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || first != start || last > end {
			return nil, -1, fmt.Errorf("GET layer zip: asked for bytes %d-%d, got Content-Range %q", start, end, resp.Header.Get("Content-Range"))
		}
		end, total = last, size
	case http.StatusOK:
		if h.fetched+end+1 > budget {
			return nil, -1, fmt.Errorf("GET layer zip: the server ignores Range requests, and reading byte %d of the layer zip would download more than %s", end, units.ByteCount(budget))
		}
		skip, total = start, resp.ContentLength
	default:
		return nil, -1, fmt.Errorf("GET layer zip: HTTP %s", resp.Status)
	}
	n, err := io.CopyN(io.Discard, resp.Body, skip)
	h.fetched += n
	if err != nil {
		return nil, -1, fmt.Errorf("GET layer zip: %w", noEOF(err))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, end-start+1))
	h.fetched += int64(len(b))
	if err != nil {
		return nil, -1, fmt.Errorf("GET layer zip: %w", err)
	}
	return b, total, nil
}

// parseContentRange parses "bytes first-last/total"; total is -1 for "*".
func parseContentRange(v string) (first, last, total int64, ok bool) {
	rng, size, found := strings.Cut(strings.TrimPrefix(v, "bytes "), "/")
	a, b, found2 := strings.Cut(rng, "-")
	if !strings.HasPrefix(v, "bytes ") || !found || !found2 {
		return 0, 0, 0, false
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	total = -1
	var err3 error
	if size != "*" {
		total, err3 = strconv.ParseInt(size, 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || first < 0 || last < first {
		return 0, 0, 0, false
	}
	return first, last, total, true
}

// noEOF turns the end of a body that stopped short into an unexpected end.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
