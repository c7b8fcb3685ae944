package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// bigLayerZip returns a zip of incompressible stored files (so the zip is
// as big as its content) and the sum of their uncompressed sizes.
func bigLayerZip(t *testing.T) ([]byte, int64) {
	t.Helper()
	rng := rand.New(rand.NewSource(1))
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	var total int64
	for i, size := range []int{3 << 20, 1 << 20, 700000, 12345} {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: "python/lib/blob" + string(rune('a'+i)) + ".bin", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, size)
		rng.Read(b)
		if _, err := fw.Write(b); err != nil {
			t.Fatal(err)
		}
		total += int64(size)
	}
	// Many small entries make a central directory larger than one read.
	for i := 0; i < 3000; i++ {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: "python/pkg/module_" + strings.Repeat("x", 20) + "/" + strconv.Itoa(i) + ".py", Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write([]byte("print('hello')\n")); err != nil {
			t.Fatal(err)
		}
		total += int64(len("print('hello')\n"))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), total
}

// layerZip writes entries (name → content) to a deflated zip in the order
// given.
func layerZip(t *testing.T, entries map[string][]byte, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range order {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(entries[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// countingServer serves body at /layer.zip, honouring Range when ranges is
// true, and counts the body bytes it sends.
func countingServer(t *testing.T, body []byte, ranges bool) (*httptest.Server, *atomic.Int64, *atomic.Int64) {
	var served, requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.URL.Path != "/layer.zip" {
			http.NotFound(w, r)
			return
		}
		cw := &countingWriter{ResponseWriter: w, n: &served}
		if !ranges {
			r.Header.Del("Range")
		}
		http.ServeContent(cw, r, "layer.zip", time.Time{}, bytes.NewReader(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &served, &requests
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return c.ResponseWriter.Write(p)
}

// fakeLayers answers GetLayerVersionByArn for the ARNs it knows and fails
// the test for any other.
type fakeLayers struct {
	t     *testing.T
	known map[string]*lambda.GetLayerVersionByArnOutput
	err   error
	calls int
}

func (f *fakeLayers) GetLayerVersionByArn(ctx context.Context, in *lambda.GetLayerVersionByArnInput, _ ...func(*lambda.Options)) (*lambda.GetLayerVersionByArnOutput, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	out, ok := f.known[aws.ToString(in.Arn)]
	if !ok {
		f.t.Fatalf("unexpected GetLayerVersionByArn(%s)", aws.ToString(in.Arn))
	}
	return out, nil
}

const layerARN = "arn:aws:lambda:us-east-1:123456789012:layer:numpy:7"

func TestMeasureRemoteLayerReadsOnlyTheTail(t *testing.T) {
	t.Parallel()
	body, want := bigLayerZip(t)
	srv, served, requests := countingServer(t, body, true)
	api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
		layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String(srv.URL + "/layer.zip"), CodeSize: int64(len(body))}},
	}}
	cache := t.TempDir()
	layers, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, srv.Client(), cache)
	if err != nil || len(notes) != 0 {
		t.Fatalf("MeasureLayers: %v, notes %q", err, notes)
	}
	if len(layers) != 1 || layers[0].UnzippedBytes != want || layers[0].ZippedBytes != int64(len(body)) || layers[0].Local {
		t.Fatalf("layers = %+v, want unzipped %d zipped %d", layers, want, len(body))
	}
	t.Logf("zip %d bytes; served %d bytes in %d requests", len(body), served.Load(), requests.Load())
	if served.Load() >= int64(len(body))/4 {
		t.Errorf("served %d of %d bytes: the whole zip was downloaded, not its central directory", served.Load(), len(body))
	}

	// A second run reads the cache: no AWS call, no download.
	api.known = nil
	before := served.Load()
	layers2, _, err := MeasureLayers(context.Background(), []string{layerARN}, api, srv.Client(), cache)
	if err != nil || len(layers2) != 1 || !reflect.DeepEqual(layers2[0], layers[0]) {
		t.Fatalf("cached measure = %+v, %v", layers2, err)
	}
	if api.calls != 1 || served.Load() != before {
		t.Errorf("cache not used: %d API calls, %d more bytes served", api.calls, served.Load()-before)
	}
	if _, err := os.Stat(filepath.Join(cache, "layer-sizes.json")); err != nil {
		t.Errorf("cache file: %v", err)
	}
}

func TestMeasureRemoteLayerSizeFromContentRange(t *testing.T) {
	t.Parallel()
	// No CodeSize in the answer: the size comes from the server.
	body, want := bigLayerZip(t)
	srv, _, _ := countingServer(t, body, true)
	api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
		layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String(srv.URL + "/layer.zip")}},
	}}
	layers, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, srv.Client(), "")
	if err != nil || len(notes) != 0 || len(layers) != 1 || layers[0].UnzippedBytes != want {
		t.Fatalf("layers %+v notes %q err %v, want unzipped %d", layers, notes, err, want)
	}
}

func TestMeasureRemoteLayerServerWithoutRanges(t *testing.T) {
	t.Parallel()
	// A small layer is still measured: each answer is read up to the end of
	// the range asked for, the bytes before it discarded.
	body, want := bigLayerZip(t)
	srv, _, _ := countingServer(t, body, false)
	api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
		layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String(srv.URL + "/layer.zip"), CodeSize: int64(len(body))}},
	}}
	layers, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, srv.Client(), "")
	if err != nil || len(notes) != 0 || len(layers) != 1 || layers[0].UnzippedBytes != want {
		t.Fatalf("layers %+v notes %q err %v, want unzipped %d", layers, notes, err, want)
	}
}

// TestLayerServerIgnoringRangeIsCutOff serves an 800 MB object to every
// request, Range or not: the measure must give up after what it needs,
// closing the connection, rather than read or hold the object.
func TestLayerServerIgnoringRangeIsCutOff(t *testing.T) {
	t.Parallel()
	const size = 800 << 20
	for _, codeSize := range []int64{size, 0} {
		t.Run(fmt.Sprintf("CodeSize %d", codeSize), func(t *testing.T) {
			var written atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(size))
				chunk := make([]byte, 256<<10)
				for sent := 0; sent < size; sent += len(chunk) {
					n, err := w.Write(chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
				}
			}))
			api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
				layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String(srv.URL + "/layer.zip"), CodeSize: codeSize}},
			}}
			layers, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, newLayerClient(time.Minute), "")
			srv.Close() // waits for the handler to see the connection closed
			t.Logf("the server sent %d bytes before the client hung up", written.Load())
			if err != nil || len(layers) != 0 || len(notes) != 1 || !strings.Contains(notes[0], "ignores Range") {
				t.Fatalf("layers %+v notes %q err %v, want a note that the server ignores Range", layers, notes, err)
			}
			if w := written.Load(); w > 64<<20 {
				t.Errorf("the server sent %d bytes of %d before the client hung up", w, int64(size))
			}
		})
	}
}

// hangingServer accepts requests and answers none until the test ends. It
// signals each request it receives on the returned channel.
func hangingServer(t *testing.T) (*httptest.Server, <-chan struct{}) {
	arrived := make(chan struct{}, 16)
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv, arrived
}

func TestLayerServerThatNeverAnswers(t *testing.T) {
	t.Parallel()
	srv, _ := hangingServer(t)
	api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
		layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String(srv.URL + "/layer.zip"), CodeSize: 1 << 20}},
	}}
	client := newLayerClient(50 * time.Millisecond)

	ra := &httpReaderAt{Client: client, URL: srv.URL, Size: 1 << 20}
	_, err := ra.ReadAt(make([]byte, 100), 1000)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("ReadAt error = %v, want a timeout", err)
	}

	// The check goes on without the layer and says why.
	layers, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, client, "")
	if err != nil || len(layers) != 0 || len(notes) != 1 || !strings.Contains(notes[0], "not measured") {
		t.Fatalf("layers %+v notes %q err %v, want a note", layers, notes, err)
	}
}

func TestLayerReadStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	srv, arrived := hangingServer(t)
	api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
		layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String(srv.URL + "/layer.zip"), CodeSize: 1 << 20}},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	// No timeout of its own: only the cancellation can end the call.
	_, _, err := MeasureLayers(ctx, []string{layerARN}, api, &http.Client{}, "")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the cancellation", err)
	}
}

// TestLayerRangeAnswerMustMatch answers 206 with various Content-Range
// headers to a request for bytes 0-9 of a 100-byte object.
func TestLayerRangeAnswerMustMatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		contentRange string
		ok           bool
	}{
		{"bytes 0-9/100", true},
		{"bytes 0-9/*", true},
		{"bytes 5-14/100", false}, // another range
		{"bytes 0-99/100", false}, // more than asked
		{"", false},
		{"bytes */100", false},
		{"items 0-9/100", false},
	} {
		t.Run(tt.contentRange, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentRange != "" {
					w.Header().Set("Content-Range", tt.contentRange)
				}
				w.WriteHeader(http.StatusPartialContent)
				_, _ = w.Write(bytes.Repeat([]byte("z"), 100)) // the client's reading is under test
			}))
			defer srv.Close()
			ra := &httpReaderAt{Client: srv.Client(), URL: srv.URL}
			b, _, err := ra.get(0, 9)
			if tt.ok != (err == nil) || (tt.ok && len(b) != 10) {
				t.Errorf("got %d bytes, err %v; want ok %v", len(b), err, tt.ok)
			}
		})
	}
}

// TestLayerReadBudget reads a central directory of about 270 KB with a
// budget just short of it.
func TestLayerReadBudget(t *testing.T) {
	t.Parallel()
	body, _ := bigLayerZip(t)
	srv, served, requests := countingServer(t, body, true)
	ra := &httpReaderAt{Client: srv.Client(), URL: srv.URL + "/layer.zip", Size: int64(len(body)), Budget: 270000}
	if _, err := zip.NewReader(ra, int64(len(body))); err == nil || !strings.Contains(err.Error(), "more than 270000 bytes") {
		t.Fatalf("err = %v, want the read budget", err)
	}
	if requests.Load() < 2 || served.Load() > 270000 {
		t.Errorf("served %d bytes in %d requests, want some reads within the budget", served.Load(), requests.Load())
	}
}

func TestMeasureLayersWithoutAWS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	local := filepath.Join(dir, "layer.zip")
	zb := layerZip(t, map[string][]byte{"nodejs/node_modules/a/index.js": bytes.Repeat([]byte("a"), 5000), "nodejs/package.json": []byte("{}")},
		"nodejs/node_modules/a/index.js", "nodejs/package.json")
	if err := os.WriteFile(local, zb, 0o644); err != nil {
		t.Fatal(err)
	}
	layers, notes, err := MeasureLayers(context.Background(), []string{local, layerARN}, nil, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 || layers[0].Ref != local || layers[0].UnzippedBytes != 5002 || !layers[0].Local || layers[0].ZippedBytes != int64(len(zb)) {
		t.Errorf("layers = %+v, want the local layer with 5002 bytes unzipped", layers)
	}
	if want := "layer " + layerARN + " not measured (no AWS access); its unzipped size is not counted"; len(notes) != 1 || notes[0] != want {
		t.Errorf("notes = %q, want %q", notes, want)
	}
}

func TestMeasureLayersErrors(t *testing.T) {
	t.Parallel()
	t.Run("missing local zip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.zip")
		_, _, err := MeasureLayers(context.Background(), []string{path}, nil, nil, "")
		if err == nil || !strings.Contains(err.Error(), "measure local layer "+path) || !strings.Contains(err.Error(), "build the layer zip first or fix its path in layers") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("AWS refuses", func(t *testing.T) {
		api := &fakeLayers{t: t, err: errors.New("AccessDeniedException: not authorized")}
		layers, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, nil, "")
		if err != nil || len(layers) != 0 {
			t.Fatalf("layers %+v err %v", layers, err)
		}
		if len(notes) != 1 || !strings.Contains(notes[0], "AccessDeniedException") {
			t.Errorf("notes = %q", notes)
		}
	})
	t.Run("location is not http", func(t *testing.T) {
		api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
			layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String("s3://"), CodeSize: 100}},
		}}
		_, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, nil, "")
		want := "layer " + layerARN + ` not measured (Content.Location "s3://" is not an http(s) URL); its unzipped size is not counted`
		if err != nil || len(notes) != 1 || notes[0] != want {
			t.Errorf("notes = %q, want %q (err %v)", notes, want, err)
		}
	})
	t.Run("download fails without leaking the URL", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "denied", http.StatusForbidden)
		}))
		defer srv.Close()
		api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
			layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String(srv.URL + "/layer.zip?X-Amz-Signature=secret"), CodeSize: 100000}},
		}}
		_, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, srv.Client(), "")
		if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "403") || strings.Contains(notes[0], "secret") {
			t.Errorf("notes = %q, err %v", notes, err)
		}
	})
}

func TestMeasureLayersDamagedCache(t *testing.T) {
	t.Parallel()
	body, want := bigLayerZip(t)
	srv, _, _ := countingServer(t, body, true)
	api := &fakeLayers{t: t, known: map[string]*lambda.GetLayerVersionByArnOutput{
		layerARN: {Content: &lambdatypes.LayerVersionContentOutput{Location: aws.String(srv.URL + "/layer.zip"), CodeSize: int64(len(body))}},
	}}
	dir := t.TempDir()
	cacheFile := filepath.Join(dir, "layer-sizes.json")
	if err := os.WriteFile(cacheFile, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	layers, notes, err := MeasureLayers(context.Background(), []string{layerARN}, api, srv.Client(), dir)
	if err != nil || len(notes) != 0 || len(layers) != 1 || layers[0].UnzippedBytes != want {
		t.Fatalf("layers %+v notes %q err %v", layers, notes, err)
	}
	b, err := os.ReadFile(cacheFile)
	if err != nil || !strings.Contains(string(b), layerARN) {
		t.Errorf("damaged cache not rewritten: %s (%v)", b, err)
	}
}
