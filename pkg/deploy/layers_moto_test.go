package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lambcli/lamb/internal/testenv"
)

// emulatorLayer stands in for GetLayerVersionByArn, which moto (5.2.5, as
// requirements-test.txt pins it) does not implement: it answers 500. moto's
// Content.Location is also always the unfetchable "s3://".
// It asks moto's GetLayerVersion for the same version, as AWS would answer
// it, and puts a presigned S3 URL of the published zip in Content.Location:
// on AWS that field is a presigned S3 URL too.
type emulatorLayer struct {
	lambda   *lambda.Client
	location string
}

func (e emulatorLayer) GetLayerVersionByArn(ctx context.Context, in *lambda.GetLayerVersionByArnInput, _ ...func(*lambda.Options)) (*lambda.GetLayerVersionByArnOutput, error) {
	arn := aws.ToString(in.Arn)
	i := strings.LastIndex(arn, ":")
	version, err := strconv.ParseInt(arn[i+1:], 10, 64)
	if err != nil {
		return nil, err
	}
	out, err := e.lambda.GetLayerVersion(ctx, &lambda.GetLayerVersionInput{LayerName: aws.String(arn[:i]), VersionNumber: aws.Int64(version)})
	if err != nil {
		return nil, err
	}
	content := *out.Content
	content.Location = aws.String(e.location)
	return &lambda.GetLayerVersionByArnOutput{Content: &content, LayerArn: out.LayerArn, LayerVersionArn: out.LayerVersionArn, Version: out.Version,
		CompatibleRuntimes: out.CompatibleRuntimes, CompatibleArchitectures: out.CompatibleArchitectures}, nil
}

// countingTransport counts response body bytes.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func TestMeasureLayerPublishedToEmulator(t *testing.T) {
	env := testenv.Moto(t)
	cfg := env.AWSConfig(t)
	client := lambda.NewFromConfig(cfg)
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// 2 MiB of incompressible data, stored, so the zip is as big as its
	// content and downloading it whole would show.
	blob := make([]byte, 2<<20)
	rand.New(rand.NewSource(7)).Read(blob)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{"python/lib/blob.bin": blob, "python/shared/utils.py": []byte("def f():\n    return 1\n")} {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	body := buf.Bytes()
	want := int64(len(blob) + len("def f():\n    return 1\n"))

	const key = "layers/lamb-measure.zip"
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	out, err := client.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{
		LayerName:          aws.String("lamb-measure"),
		Content:            &lambdatypes.LayerVersionContentInput{S3Bucket: aws.String(env.Bucket), S3Key: aws.String(key)},
		CompatibleRuntimes: []lambdatypes.Runtime{lambdatypes.RuntimePython312},
	})
	if err != nil {
		t.Fatalf("PublishLayerVersion: %v", err)
	}
	arn := aws.ToString(out.LayerVersionArn)
	if out.Content.CodeSize != int64(len(body)) {
		t.Fatalf("moto CodeSize = %d, want %d", out.Content.CodeSize, len(body))
	}

	// Straight through moto, the ARN is left out with a note, not an error.
	layers, notes, err := MeasureLayers(ctx, []string{arn}, client, nil, "")
	if err != nil || len(layers) != 0 || len(notes) != 1 || !strings.Contains(notes[0], "not measured") {
		t.Fatalf("direct: layers %+v notes %q err %v", layers, notes, err)
	}
	t.Logf("through moto directly: %s", notes[0])

	presigned, err := s3.NewPresignClient(s3c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("presign: %v", err)
	}
	tr := &countingTransport{}
	layers, notes, err = MeasureLayers(ctx, []string{arn}, emulatorLayer{lambda: client, location: presigned.URL},
		&http.Client{Transport: tr, Timeout: 30 * time.Second}, t.TempDir())
	if err != nil || len(notes) != 0 {
		t.Fatalf("MeasureLayers: %v, notes %q", err, notes)
	}
	if len(layers) != 1 || layers[0].UnzippedBytes != want || layers[0].ZippedBytes != int64(len(body)) ||
		len(layers[0].Runtimes) != 1 || layers[0].Runtimes[0] != "python3.12" {
		t.Errorf("layers = %+v, want unzipped %d, zipped %d", layers, want, len(body))
	}
	t.Logf("layer zip %d bytes; %d bytes downloaded from the emulator's S3", len(body), tr.n.Load())
	if tr.n.Load() >= int64(len(body))/2 {
		t.Errorf("downloaded %d of %d bytes: the ranged read fetched the whole zip", tr.n.Load(), len(body))
	}
}
