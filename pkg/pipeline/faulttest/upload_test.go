package faulttest

import (
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lambcli/lamb/internal/faultproxy"
	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/deploy"
)

// TestMultipartUploadCutLeavesNothingOpen cuts each call of a multipart
// upload after S3 applied it, so lamb sees an error for a call that took
// effect. No upload may stay open (its parts would be billed), and the
// error must not send the user to abort an upload that no longer exists.
func TestMultipartUploadCutLeavesNothingOpen(t *testing.T) {
	tests := []struct {
		operation string
		// fails: Upload returns an error; stored: the zip is in the bucket.
		fails, stored bool
	}{
		// S3 started the upload; lamb never learnt its ID.
		{operation: "CreateMultipartUpload", fails: true},
		// The answer has no body, so the cut falls in its headers: the SDK
		// sees a broken connection and sends the part again.
		{operation: "UploadPart", stored: true},
		// S3 stored the object; lamb cannot know.
		{operation: "CompleteMultipartUpload", fails: true, stored: true},
	}
	for _, tt := range tests {
		t.Run(tt.operation, func(t *testing.T) {
			env := testenv.Moto(t)
			proxy := newProxy(t, env, faultproxy.Options{})
			proxy.Inject(faultproxy.Rule{Service: "s3", Operation: tt.operation, Nth: 1, Fault: faultproxy.CutMidBody})
			clients, err := clientsVia(env, proxy.URL(), 3)(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			a := bigArtifact(t)
			target := deploy.S3Target{Bucket: env.Bucket}

			_, err = deploy.Upload(t.Context(), clients.S3, a, target, deploy.UploadOptions{})
			switch {
			case (err != nil) != tt.fails:
				t.Fatalf("Upload with %s cut: error %v, want failure %v; calls %v", tt.operation, err, tt.fails, proxy.Stats().ByOperation)
			case err == nil:
			case !strings.Contains(err.Error(), tt.operation):
				t.Errorf("error %q does not name %s", err, tt.operation)
			case strings.Contains(err.Error(), "abort-multipart-upload"):
				t.Errorf("error sends the user to abort an upload by hand although none is left open: %v", err)
			}
			rd := newReader(t, env)
			if open, err := rd.uploadsInProgress(t.Context()); err != nil || len(open) > 0 {
				t.Errorf("uploads left open: %v %v (calls %v)", open, err, proxy.Stats().ByOperation)
			}
			_, err = rd.s3.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(target.Key(a))})
			if stored := err == nil; stored != tt.stored {
				t.Errorf("object stored = %v (%v), want %v", stored, err, tt.stored)
			}
		})
	}
}

// bigArtifact writes a zip-sized file of random bytes larger than one
// upload part.
func bigArtifact(t *testing.T) deploy.Artifact {
	t.Helper()
	data := randomBytes(blobBytes, 3)
	path := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return deploy.Artifact{
		Function: "fn", ZipPath: path, ZippedBytes: int64(len(data)),
		ContentHash: "0123456789abcdef", CodeSha256: base64.StdEncoding.EncodeToString(sum[:]),
	}
}
