package deploy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/lambcli/lamb/internal/testenv"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/progress"
)

const mib = 1 << 20

func TestChooseRoute(t *testing.T) {
	t.Parallel()
	const limit = 52428800
	if got := limits.DefaultQuotas().Value(limits.QuotaZippedSize); got != limit {
		t.Fatalf("Lambda's direct-upload quota = %d, want %d", got, limit)
	}
	tests := []struct {
		name       string
		bytes      int64
		bucket     string
		limit      int64
		wantDirect bool
		wantErr    bool
	}{
		{"just below the limit goes inline", limit - 1, "", 0, true, false},
		{"at the limit without a bucket fails", limit, "", 0, false, true},
		{"just below the limit with a bucket goes through S3", limit - 1, "artifacts", 0, false, false},
		{"at the limit with a bucket goes through S3", limit, "artifacts", 0, false, false},
		{"a small zip with a bucket goes through S3", 10, "artifacts", 0, false, false},
		{"a given limit is used", 100, "", 100, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := deploy.Artifact{Function: "orders-api", ZippedBytes: tt.bytes}
			direct, err := deploy.ChooseRoute(a, deploy.S3Target{Bucket: tt.bucket}, tt.limit)
			if direct != tt.wantDirect {
				t.Errorf("direct = %v, want %v", direct, tt.wantDirect)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("ChooseRoute: %v", err)
				}
				return
			}
			var tooLarge *deploy.DirectUploadTooLargeError
			if !errors.As(err, &tooLarge) {
				t.Fatalf("error = %v, want a *DirectUploadTooLargeError", err)
			}
			if tooLarge.Bytes != tt.bytes || !strings.Contains(err.Error(), "deploy.s3.bucket") || !strings.Contains(err.Error(), "orders-api") {
				t.Errorf("error %q (bytes %d) should name the function, its size and deploy.s3.bucket", err, tooLarge.Bytes)
			}
		})
	}
}

func TestCodeLocationRequests(t *testing.T) {
	t.Parallel()
	zipBytes := []byte("PK zip")
	tests := []struct {
		name                string
		loc                 deploy.CodeLocation
		wantZip             bool
		bucket, key, object string
	}{
		{"direct", deploy.CodeLocation{ZipFile: true, Bytes: 6}, true, "", "", ""},
		{"s3 unversioned", deploy.CodeLocation{Bucket: "b", Key: "p/fn/h.zip"}, false, "b", "p/fn/h.zip", ""},
		{"s3 versioned", deploy.CodeLocation{Bucket: "b", Key: "p/fn/h.zip", ObjectVersion: "v1"}, false, "b", "p/fn/h.zip", "v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := tt.loc.FunctionCode(zipBytes)
			in := tt.loc.UpdateFunctionCodeInput("orders-api", zipBytes)
			if aws.ToString(in.FunctionName) != "orders-api" {
				t.Errorf("FunctionName = %q", aws.ToString(in.FunctionName))
			}
			for _, got := range []struct {
				zip                 []byte
				bucket, key, object *string
			}{
				{code.ZipFile, code.S3Bucket, code.S3Key, code.S3ObjectVersion},
				{in.ZipFile, in.S3Bucket, in.S3Key, in.S3ObjectVersion},
			} {
				if (got.zip != nil) != tt.wantZip {
					t.Errorf("ZipFile set = %v, want %v", got.zip != nil, tt.wantZip)
				}
				if aws.ToString(got.bucket) != tt.bucket || aws.ToString(got.key) != tt.key {
					t.Errorf("S3 location = %q %q, want %q %q", aws.ToString(got.bucket), aws.ToString(got.key), tt.bucket, tt.key)
				}
				// Lambda rejects an empty S3ObjectVersion, so it must be absent, not "".
				if (got.object != nil) != (tt.object != "") || aws.ToString(got.object) != tt.object {
					t.Errorf("S3ObjectVersion = %v, want %q", got.object, tt.object)
				}
			}
		})
	}
}

func TestUploadRefusesBadTargetsBeforeAnyCall(t *testing.T) {
	t.Parallel()
	a := writeArtifact(t, "fn", 1024)
	tests := []struct {
		name   string
		a      deploy.Artifact
		target deploy.S3Target
		want   string
	}{
		{"no bucket", a, deploy.S3Target{}, "deploy.s3.bucket"},
		{"unknown encryption", a, deploy.S3Target{Bucket: "b", SSE: "aes"}, "deploy.s3.sse"},
		{"kms key without kms", a, deploy.S3Target{Bucket: "b", SSE: deploy.SSEAES256, KMSKeyID: "k"}, "deploy.s3.kmsKeyId"},
		{"no content hash", withHash(a, ""), deploy.S3Target{Bucket: "b"}, "content hash"},
		{"zip changed since packaging", withSize(a, 1000), deploy.S3Target{Bucket: "b"}, "run lamb package again"},
		{"zip gone", withPath(a, filepath.Join(t.TempDir(), "gone.zip")), deploy.S3Target{Bucket: "b"}, "gone.zip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &recordingS3{t: t} // no client behind it: any call fails the test
			_, err := deploy.Upload(t.Context(), api, tt.a, tt.target, deploy.UploadOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Upload error = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestUploadRoutes(t *testing.T) {
	tests := []struct {
		name      string
		size      int64
		partSize  int64
		wantCalls map[string]int
	}{
		{"below one part: one PutObject", 1*mib + 17, 0, map[string]int{"HeadObject": 1, "PutObject": 1}},
		{"three parts: multipart", 12*mib + 3, 5 * mib, map[string]int{"HeadObject": 1, "CreateMultipartUpload": 1, "UploadPart": 3, "CompleteMultipartUpload": 1}},
		{"part size below the minimum is raised", 6 * mib, 1, map[string]int{"HeadObject": 1, "CreateMultipartUpload": 1, "UploadPart": 2, "CompleteMultipartUpload": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.Moto(t)
			client := s3Client(t, env)
			a := writeArtifact(t, "orders-api", tt.size)
			api := &recordingS3{t: t, inner: client}
			var events eventLog
			target := deploy.S3Target{Bucket: env.Bucket, Prefix: "lamb/"}

			loc, err := deploy.Upload(t.Context(), api, a, target, deploy.UploadOptions{PartSize: tt.partSize, Concurrency: 2, Events: &events})
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			wantKey := "lamb/orders-api/" + a.ContentHash + ".zip"
			want := deploy.CodeLocation{Bucket: env.Bucket, Key: wantKey, Uploaded: true, Bytes: tt.size}
			if loc != want {
				t.Errorf("location = %+v, want %+v", loc, want)
			}
			api.wantCalls(tt.wantCalls)
			if tt.wantCalls["PutObject"] > 0 && api.putChecksum != a.CodeSha256 {
				t.Errorf("PutObject checksum = %q, want the manifest's CodeSha256 %q so S3 refuses other bytes", api.putChecksum, a.CodeSha256)
			}
			assertStored(t, client, env.Bucket, wantKey, a)
			events.assertBytesTo(t, tt.size)
		})
	}
}

func TestUploadRedeploySendsNothing(t *testing.T) {
	for _, size := range []int64{64 * 1024, 11 * mib} {
		t.Run(byteCount(size), func(t *testing.T) {
			env := testenv.Moto(t)
			client := s3Client(t, env)
			a := writeArtifact(t, "orders-api", size)
			target := deploy.S3Target{Bucket: env.Bucket}
			opts := deploy.UploadOptions{PartSize: 5 * mib}
			first, err := deploy.Upload(t.Context(), client, a, target, opts)
			if err != nil {
				t.Fatalf("first Upload: %v", err)
			}

			api := &recordingS3{t: t, inner: client}
			var events eventLog
			opts.Events = &events
			again, err := deploy.Upload(t.Context(), api, a, target, opts)
			if err != nil {
				t.Fatalf("second Upload: %v", err)
			}
			if again.Uploaded || again.Key != first.Key || again.Bytes != size {
				t.Errorf("second upload = %+v, want the first's key %s with Uploaded false", again, first.Key)
			}
			api.wantCalls(map[string]int{"HeadObject": 1})
			if events.sentBytes() != 0 {
				t.Errorf("redeploy reported %d bytes sent, want none", events.sentBytes())
			}
		})
	}
}

// TestUploadReplacesADifferentObject: the key alone does not prove the bytes
// are the same; a different object under it is replaced.
func TestUploadReplacesADifferentObject(t *testing.T) {
	tests := []struct {
		name   string
		target deploy.S3Target
		stored func(a deploy.Artifact) *s3.PutObjectInput
	}{
		{"same size, other bytes, no metadata", deploy.S3Target{}, func(a deploy.Artifact) *s3.PutObjectInput {
			return &s3.PutObjectInput{Body: bytes.NewReader(make([]byte, a.ZippedBytes))}
		}},
		{"same size, other CodeSha256", deploy.S3Target{}, func(a deploy.Artifact) *s3.PutObjectInput {
			return &s3.PutObjectInput{Body: bytes.NewReader(make([]byte, a.ZippedBytes)), Metadata: map[string]string{deploy.CodeSha256Metadata: "other"}}
		}},
		{"same bytes, not encrypted as asked", deploy.S3Target{SSE: deploy.SSEAES256}, func(a deploy.Artifact) *s3.PutObjectInput {
			return &s3.PutObjectInput{Body: bytes.NewReader(readFile(t, a.ZipPath)), Metadata: map[string]string{deploy.CodeSha256Metadata: a.CodeSha256}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.Moto(t)
			client := s3Client(t, env)
			a := writeArtifact(t, "orders-api", 4096)
			target := tt.target
			target.Bucket = env.Bucket
			in := tt.stored(a)
			in.Bucket, in.Key = aws.String(env.Bucket), aws.String(target.Key(a))
			if _, err := client.PutObject(t.Context(), in); err != nil {
				t.Fatalf("store the other object: %v", err)
			}

			loc, err := deploy.Upload(t.Context(), client, a, target, deploy.UploadOptions{})
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if !loc.Uploaded {
				t.Errorf("Uploaded = false, want the object replaced")
			}
			assertStored(t, client, env.Bucket, loc.Key, a)
		})
	}
}

// TestUploadWhenHeadObjectFails: S3 answers a missing key with 403 when the
// caller may not list the bucket, which must not stop a first deploy; any
// other failure to look stops before anything is sent.
func TestUploadWhenHeadObjectFails(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		code      string
		wantErr   bool
		wantCalls map[string]int
	}{
		{"forbidden: upload anyway", http.StatusForbidden, "Forbidden", false, map[string]int{"HeadObject": 1, "PutObject": 1}},
		{"server error: stop", http.StatusInternalServerError, "InternalError", true, map[string]int{"HeadObject": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.Moto(t)
			client := s3Client(t, env)
			a := writeArtifact(t, "orders-api", 4096)
			api := &recordingS3{t: t, inner: client, beforeHead: func() error { return s3ResponseError("HeadObject", tt.status, tt.code) }}
			loc, err := deploy.Upload(t.Context(), api, a, deploy.S3Target{Bucket: env.Bucket}, deploy.UploadOptions{})
			api.wantCalls(tt.wantCalls)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "look for s3://"+env.Bucket+"/") {
					t.Fatalf("Upload error = %v, want one naming the object it looked for", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			assertStored(t, client, env.Bucket, loc.Key, a)
		})
	}
}

// s3ResponseError builds the error the SDK returns for an S3 answer with no body.
func s3ResponseError(op string, status int, code string) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: op, Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      &smithy.GenericAPIError{Code: code, Message: http.StatusText(status)},
		},
	}}
}

func TestUploadPinsVersionOnVersionedBucket(t *testing.T) {
	for _, size := range []int64{4096, 11 * mib} {
		t.Run(byteCount(size), func(t *testing.T) {
			env := testenv.Moto(t)
			client := s3Client(t, env)
			bucket := "lamb-test-versioned"
			ctx := t.Context()
			if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
				t.Fatalf("CreateBucket: %v", err)
			}
			if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
				Bucket:                  aws.String(bucket),
				VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
			}); err != nil {
				t.Fatalf("PutBucketVersioning: %v", err)
			}
			a := writeArtifact(t, "orders-api", size)
			target := deploy.S3Target{Bucket: bucket}
			opts := deploy.UploadOptions{PartSize: 5 * mib}

			loc, err := deploy.Upload(ctx, client, a, target, opts)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			head := headObject(t, client, bucket, loc.Key)
			if loc.ObjectVersion == "" || loc.ObjectVersion != aws.ToString(head.VersionId) {
				t.Errorf("ObjectVersion = %q, want HeadObject's VersionId %q", loc.ObjectVersion, aws.ToString(head.VersionId))
			}
			again, err := deploy.Upload(ctx, client, a, target, opts)
			if err != nil {
				t.Fatalf("second Upload: %v", err)
			}
			if again.Uploaded || again.ObjectVersion != loc.ObjectVersion {
				t.Errorf("redeploy = %+v, want the stored version %q and nothing uploaded", again, loc.ObjectVersion)
			}
		})
	}
}

func TestUploadUnversionedBucketHasNoVersion(t *testing.T) {
	env := testenv.Moto(t)
	client := s3Client(t, env)
	a := writeArtifact(t, "orders-api", 4096)
	target := deploy.S3Target{Bucket: env.Bucket}
	for _, round := range []string{"upload", "redeploy"} {
		loc, err := deploy.Upload(t.Context(), client, a, target, deploy.UploadOptions{})
		if err != nil {
			t.Fatalf("%s: %v", round, err)
		}
		if loc.ObjectVersion != "" {
			t.Errorf("%s: ObjectVersion = %q on a bucket without versioning, want none", round, loc.ObjectVersion)
		}
	}
}

func TestUploadEncrypts(t *testing.T) {
	tests := []struct {
		name     string
		target   deploy.S3Target
		size     int64
		wantSSE  s3types.ServerSideEncryption
		wantKey  string
		wantMeta bool
	}{
		{"AES256 single request", deploy.S3Target{SSE: deploy.SSEAES256}, 4096, s3types.ServerSideEncryptionAes256, "", true},
		{"AES256 multipart", deploy.S3Target{SSE: deploy.SSEAES256}, 11 * mib, s3types.ServerSideEncryptionAes256, "", true},
		{"KMS key single request", deploy.S3Target{SSE: deploy.SSEKMS, KMSKeyID: "alias/lamb-artifacts"}, 4096, s3types.ServerSideEncryptionAwsKms, "alias/lamb-artifacts", true},
		{"KMS key multipart", deploy.S3Target{SSE: deploy.SSEKMS, KMSKeyID: "alias/lamb-artifacts"}, 11 * mib, s3types.ServerSideEncryptionAwsKms, "alias/lamb-artifacts", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.Moto(t)
			client := s3Client(t, env)
			a := writeArtifact(t, "orders-api", tt.size)
			target := tt.target
			target.Bucket = env.Bucket
			loc, err := deploy.Upload(t.Context(), client, a, target, deploy.UploadOptions{PartSize: 5 * mib})
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			head := headObject(t, client, env.Bucket, loc.Key)
			if head.ServerSideEncryption != tt.wantSSE {
				t.Errorf("ServerSideEncryption = %q, want %q", head.ServerSideEncryption, tt.wantSSE)
			}
			if tt.wantKey != "" && !strings.HasSuffix(aws.ToString(head.SSEKMSKeyId), tt.wantKey) {
				t.Errorf("SSEKMSKeyId = %q, want %q", aws.ToString(head.SSEKMSKeyId), tt.wantKey)
			}
			again, err := deploy.Upload(t.Context(), client, a, target, deploy.UploadOptions{PartSize: 5 * mib})
			if err != nil || again.Uploaded {
				t.Errorf("redeploy of an encrypted zip = %+v, %v; want nothing uploaded", again, err)
			}
		})
	}
}

// TestUploadFailureLeavesNothing: a part that fails, or an interruption
// mid-upload, aborts the multipart upload: no parts stay behind and no
// object appears under the final key.
func TestUploadFailureLeavesNothing(t *testing.T) {
	injected := errors.New("connection reset by peer")
	tests := []struct {
		name    string
		partErr func(cancel context.CancelFunc) error
		wantErr error
	}{
		{"second part fails", func(context.CancelFunc) error { return injected }, injected},
		{"interrupted at the second part", func(cancel context.CancelFunc) error { cancel(); return nil }, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testenv.Moto(t)
			client := s3Client(t, env)
			a := writeArtifact(t, "orders-api", 12*mib)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			api := &recordingS3{t: t, inner: client, beforePart: func(n int32) error {
				if n == 2 {
					return tt.partErr(cancel)
				}
				return nil
			}}
			target := deploy.S3Target{Bucket: env.Bucket}

			_, err := deploy.Upload(ctx, api, a, target, deploy.UploadOptions{PartSize: 5 * mib, Concurrency: 1})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Upload error = %v, want %v", err, tt.wantErr)
			}
			if api.count("AbortMultipartUpload") != 1 || api.count("CompleteMultipartUpload") != 0 {
				t.Errorf("calls = %v, want one AbortMultipartUpload and no CompleteMultipartUpload", api.snapshot())
			}
			if api.abortCtxErr != nil {
				t.Errorf("AbortMultipartUpload ran with a finished context (%v); it must run after an interruption", api.abortCtxErr)
			}
			uploads, err := client.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(env.Bucket)})
			if err != nil {
				t.Fatalf("ListMultipartUploads: %v", err)
			}
			if len(uploads.Uploads) != 0 {
				t.Errorf("%d multipart uploads left in %s, want none", len(uploads.Uploads), env.Bucket)
			}
			_, err = client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(env.Bucket), Key: aws.String(target.Key(a))})
			var notFound *s3types.NotFound
			if !errors.As(err, &notFound) {
				t.Errorf("HeadObject on the final key = %v, want NotFound", err)
			}
		})
	}
}

// TestUploadedCodeDeploys: the location Upload returns is what Lambda takes.
func TestUploadedCodeDeploys(t *testing.T) {
	env := testenv.Moto(t)
	ctx := t.Context()
	sess := env.Session(t)
	client := s3Client(t, env)
	lc, err := sess.Lambda(ctx)
	if err != nil {
		t.Fatalf("Lambda client: %v", err)
	}
	a := writeHandlerZip(t, "orders-api")
	loc, err := deploy.Upload(ctx, client, a, deploy.S3Target{Bucket: env.Bucket, Prefix: "lamb/"}, deploy.UploadOptions{})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	out, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("orders-api"),
		Runtime:      lambdatypes.RuntimePython312,
		Handler:      aws.String("app.handler"),
		Role:         aws.String(env.RoleARN),
		Code:         loc.FunctionCode(nil),
	})
	if err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	if aws.ToString(out.CodeSha256) != a.CodeSha256 {
		t.Errorf("CodeSha256 = %s, want the zip's %s", aws.ToString(out.CodeSha256), a.CodeSha256)
	}
	upd, err := lc.UpdateFunctionCode(ctx, loc.UpdateFunctionCodeInput("orders-api", nil))
	if err != nil {
		t.Fatalf("UpdateFunctionCode: %v", err)
	}
	if aws.ToString(upd.CodeSha256) != a.CodeSha256 {
		t.Errorf("updated CodeSha256 = %s, want the zip's %s", aws.ToString(upd.CodeSha256), a.CodeSha256)
	}
}

// recordingS3 counts the calls that reach S3 and can fail a part before it
// is sent. With no inner client, any call fails the test.
type recordingS3 struct {
	t          *testing.T
	inner      deploy.S3API
	beforeHead func() error
	beforePart func(part int32) error

	mu          sync.Mutex
	calls       map[string]int
	abortCtxErr error
	// putChecksum is the SHA-256 checksum PutObject asked S3 to verify;
	// moto does not verify it, real S3 answers BadDigest.
	putChecksum string
}

func (r *recordingS3) record(op string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.calls[op]++
	if r.inner == nil {
		r.t.Errorf("unexpected S3 call %s", op)
		return false
	}
	return true
}

var errUnexpected = errors.New("unexpected call")

func (r *recordingS3) HeadObject(ctx context.Context, in *s3.HeadObjectInput, o ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if !r.record("HeadObject") {
		return nil, errUnexpected
	}
	if r.beforeHead != nil {
		if err := r.beforeHead(); err != nil {
			return nil, err
		}
	}
	return r.inner.HeadObject(ctx, in, o...)
}

func (r *recordingS3) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if !r.record("PutObject") {
		return nil, errUnexpected
	}
	r.mu.Lock()
	r.putChecksum = aws.ToString(in.ChecksumSHA256)
	r.mu.Unlock()
	return r.inner.PutObject(ctx, in, o...)
}

func (r *recordingS3) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, o ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	if !r.record("CreateMultipartUpload") {
		return nil, errUnexpected
	}
	return r.inner.CreateMultipartUpload(ctx, in, o...)
}

func (r *recordingS3) UploadPart(ctx context.Context, in *s3.UploadPartInput, o ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	if !r.record("UploadPart") {
		return nil, errUnexpected
	}
	if r.beforePart != nil {
		if err := r.beforePart(aws.ToInt32(in.PartNumber)); err != nil {
			return nil, err
		}
	}
	return r.inner.UploadPart(ctx, in, o...)
}

func (r *recordingS3) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, o ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	if !r.record("CompleteMultipartUpload") {
		return nil, errUnexpected
	}
	return r.inner.CompleteMultipartUpload(ctx, in, o...)
}

func (r *recordingS3) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, o ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	if !r.record("AbortMultipartUpload") {
		return nil, errUnexpected
	}
	r.mu.Lock()
	r.abortCtxErr = ctx.Err()
	r.mu.Unlock()
	return r.inner.AbortMultipartUpload(ctx, in, o...)
}

func (r *recordingS3) ListMultipartUploads(ctx context.Context, in *s3.ListMultipartUploadsInput, o ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error) {
	if !r.record("ListMultipartUploads") {
		return nil, errUnexpected
	}
	return r.inner.ListMultipartUploads(ctx, in, o...)
}

func (r *recordingS3) count(op string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[op]
}

func (r *recordingS3) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string]int, len(r.calls))
	for k, v := range r.calls {
		m[k] = v
	}
	return m
}

// wantCalls checks the exact calls made, by operation.
func (r *recordingS3) wantCalls(want map[string]int) {
	r.t.Helper()
	got := r.snapshot()
	for op, n := range want {
		if got[op] != n {
			r.t.Errorf("%s calls = %d, want %d (all calls %v)", op, got[op], n, got)
		}
	}
	for op, n := range got {
		if _, ok := want[op]; !ok {
			r.t.Errorf("%s called %d times, want never (all calls %v)", op, n, got)
		}
	}
}

// eventLog records progress events; Upload sends them from several goroutines.
type eventLog struct {
	mu     sync.Mutex
	events []progress.Event
}

func (l *eventLog) Event(e progress.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) advanced() []progress.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []progress.Event
	for _, e := range l.events {
		if e.Kind == progress.Advanced {
			out = append(out, e)
		}
	}
	return out
}

func (l *eventLog) sentBytes() int64 {
	var n int64
	for _, e := range l.advanced() {
		n = max(n, e.Done)
	}
	return n
}

// assertBytesTo checks the byte progress climbs, never backwards, to size.
func (l *eventLog) assertBytesTo(t *testing.T, size int64) {
	t.Helper()
	adv := l.advanced()
	if len(adv) == 0 {
		t.Fatal("no byte progress reported")
	}
	var last int64
	for _, e := range adv {
		if e.Unit != progress.Bytes || e.Total != size || e.Done < last || e.Step != deploy.UploadStep || e.Function != "orders-api" {
			t.Errorf("progress event %+v: want %s bytes of orders-api climbing to %d", e, deploy.UploadStep, size)
		}
		last = e.Done
	}
	if last != size {
		t.Errorf("progress ended at %d bytes, want %d", last, size)
	}
}

func s3Client(t *testing.T, env *testenv.Env) *s3.Client {
	t.Helper()
	c, err := env.Session(t).S3(t.Context())
	if err != nil {
		t.Fatalf("S3 client: %v", err)
	}
	return c
}

func headObject(t *testing.T, c *s3.Client, bucket, key string) *s3.HeadObjectOutput {
	t.Helper()
	head, err := c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("HeadObject s3://%s/%s: %v", bucket, key, err)
	}
	return head
}

// assertStored reads the object back and compares it with the zip on disk.
func assertStored(t *testing.T, c *s3.Client, bucket, key string, a deploy.Artifact) {
	t.Helper()
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject s3://%s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		t.Fatalf("read s3://%s/%s: %v", bucket, key, err)
	}
	if n != a.ZippedBytes {
		t.Errorf("stored object is %d bytes, want %d", n, a.ZippedBytes)
	}
	if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != a.CodeSha256 {
		t.Errorf("stored object's sha256 = %s, want the zip's %s", got, a.CodeSha256)
	}
	if got := out.Metadata[deploy.CodeSha256Metadata]; got != a.CodeSha256 {
		t.Errorf("metadata %s = %q, want %q", deploy.CodeSha256Metadata, got, a.CodeSha256)
	}
}

// writeArtifact writes size pseudo-random bytes (different in every part)
// as the function's zip and describes it as the packager would.
func writeArtifact(t *testing.T, fn string, size int64) deploy.Artifact {
	t.Helper()
	var seed [32]byte
	copy(seed[:], t.Name()+fn)
	b := make([]byte, size)
	_, _ = rand.NewChaCha8(seed).Read(b)
	return artifactOf(t, fn, b)
}

// writeHandlerZip writes a real zip holding a Python handler.
func writeHandlerZip(t *testing.T, fn string) deploy.Artifact {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("app.py")
	if err == nil {
		_, err = io.WriteString(w, "def handler(event, context):\n    return event\n")
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatalf("build zip: %v", err)
	}
	return artifactOf(t, fn, buf.Bytes())
}

func artifactOf(t *testing.T, fn string, b []byte) deploy.Artifact {
	t.Helper()
	path := filepath.Join(t.TempDir(), fn+".zip")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	// The packager's content hash covers entries, not zip bytes; any stable
	// digest of the content serves to name the object here.
	content := sha256.Sum256(append([]byte("entries:"), b...))
	return deploy.Artifact{
		Function:    fn,
		ZipPath:     path,
		ZippedBytes: int64(len(b)),
		ContentHash: hex.EncodeToString(content[:]),
		CodeSha256:  base64.StdEncoding.EncodeToString(sum[:]),
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func withHash(a deploy.Artifact, h string) deploy.Artifact { a.ContentHash = h; return a }
func withSize(a deploy.Artifact, n int64) deploy.Artifact  { a.ZippedBytes = n; return a }
func withPath(a deploy.Artifact, p string) deploy.Artifact { a.ZipPath = p; return a }
func byteCount(n int64) string                             { return strconv.FormatInt(n, 10) + "-bytes" }
