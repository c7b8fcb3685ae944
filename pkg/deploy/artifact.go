// Artifact upload: how a function's zip reaches Lambda. A zip below Lambda's
// direct-upload limit goes inline as ZipFile when no bucket is configured;
// anything else is stored in S3 under a key named by its content hash, so a
// redeploy of the same bundle finds it there and sends nothing. Large zips go
// up in parallel parts, and an upload that fails or is interrupted is aborted
// so no parts linger and nothing appears under the final key.

package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/progress"
)

// S3API is the part of the S3 client that artifact uploads use.
type S3API interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, optFns ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, optFns ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
	ListMultipartUploads(ctx context.Context, in *s3.ListMultipartUploadsInput, optFns ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error)
}

var _ S3API = (*s3.Client)(nil)

const (
	// UploadStep names the upload step in progress events.
	UploadStep = "upload"

	// DefaultPartSize is the multipart part size when UploadOptions leaves it 0.
	DefaultPartSize int64 = 8 << 20
	// MinPartSize is S3's smallest part (except the last); smaller settings are raised to it.
	MinPartSize int64 = 5 << 20
	// DefaultUploadConcurrency is how many parts go up at once when UploadOptions leaves it 0.
	DefaultUploadConcurrency = 4

	// CodeSha256Metadata is the object metadata key holding the zip's
	// CodeSha256, which tells a stored zip from a different one of equal size.
	CodeSha256Metadata = "lamb-code-sha256"

	// SSEAES256 and SSEKMS are the values deploy.s3.sse accepts.
	SSEAES256 = string(s3types.ServerSideEncryptionAes256)
	SSEKMS    = string(s3types.ServerSideEncryptionAwsKms)

	// maxParts is S3's limit on parts per upload.
	maxParts = 10000
	// abortTimeout bounds the clean-up call, which runs after the caller's
	// context may already have ended.
	abortTimeout = 30 * time.Second
)

// Artifact is a packaged zip ready to deploy, as the packager's manifest describes it.
type Artifact struct {
	// Function names the function in the S3 key (the AWS function name or the lamb.yaml key).
	Function string
	// ZipPath is the zip on disk.
	ZipPath string
	// ZippedBytes is the zip's size.
	ZippedBytes int64
	// ContentHash is the manifest's digest of the bundle's entries; it names the S3 object.
	ContentHash string
	// CodeSha256 is the base64 SHA-256 of the zip bytes, as Lambda reports it.
	CodeSha256 string
}

// S3Target is where large zips go (deploy.s3).
type S3Target struct {
	Bucket string
	// Prefix is put before "<function>/<content-hash>.zip" as given; end it with "/" for a folder.
	Prefix string
	// SSE is "", "AES256" or "aws:kms".
	SSE string
	// KMSKeyID is the KMS key for "aws:kms"; empty means the AWS managed key.
	KMSKeyID string
}

// Key returns the object key of a in t: <prefix><function>/<content-hash>.zip.
func (t S3Target) Key(a Artifact) string {
	return t.Prefix + a.Function + "/" + a.ContentHash + ".zip"
}

// CodeLocation is where Lambda takes a function's code from.
type CodeLocation struct {
	// ZipFile means the zip goes inline with the request.
	ZipFile bool
	// Bucket, Key and ObjectVersion locate the zip in S3; ObjectVersion is
	// empty on buckets without versioning.
	Bucket, Key, ObjectVersion string
	// Uploaded is false when the object was already in S3 and nothing was sent.
	Uploaded bool
	// Bytes is the zip's size.
	Bytes int64
	// ImageURI is the container image of an image function, which Lambda
	// pulls from ECR: no zip goes anywhere.
	ImageURI string
}

// FunctionCode returns the Code of a CreateFunction call; zip is the zip's
// content, used only on the direct route.
func (l CodeLocation) FunctionCode(zip []byte) *lambdatypes.FunctionCode {
	if l.ImageURI != "" {
		return &lambdatypes.FunctionCode{ImageUri: aws.String(l.ImageURI)}
	}
	if l.ZipFile {
		return &lambdatypes.FunctionCode{ZipFile: zip}
	}
	return &lambdatypes.FunctionCode{S3Bucket: aws.String(l.Bucket), S3Key: aws.String(l.Key), S3ObjectVersion: optional(l.ObjectVersion)}
}

// UpdateFunctionCodeInput returns an UpdateFunctionCode request for function
// with the code set; zip is used only on the direct route. The caller adds
// Publish, RevisionId and the like.
func (l CodeLocation) UpdateFunctionCodeInput(function string, zip []byte) *lambda.UpdateFunctionCodeInput {
	in := &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(function)}
	switch {
	case l.ImageURI != "":
		in.ImageUri = aws.String(l.ImageURI)
	case l.ZipFile:
		in.ZipFile = zip
	default:
		in.S3Bucket, in.S3Key, in.S3ObjectVersion = aws.String(l.Bucket), aws.String(l.Key), optional(l.ObjectVersion)
	}
	return in
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// DirectUploadTooLargeError says a zip cannot go inline and there is no bucket
// to take it. It is a Lambda limit, found before anything is sent.
type DirectUploadTooLargeError struct {
	Function     string
	Bytes, Limit int64
}

func (e *DirectUploadTooLargeError) Error() string {
	return fmt.Sprintf("zip of %s is %d bytes, not below Lambda's direct-upload limit of %d bytes: set deploy.s3.bucket so lamb uploads it through S3, or make the bundle smaller",
		e.Function, e.Bytes, e.Limit)
}

// ChooseRoute says whether a goes inline (direct) or through S3. A zip goes
// inline when it is below directLimit and no bucket is set; a set bucket
// always wins, so a project can keep every artifact in S3. A directLimit of 0
// means Lambda's default quota. Too large without a bucket is a
// *DirectUploadTooLargeError.
func ChooseRoute(a Artifact, t S3Target, directLimit int64) (direct bool, err error) {
	if directLimit <= 0 {
		directLimit = limits.DefaultQuotas().Value(limits.QuotaZippedSize)
	}
	if t.Bucket != "" {
		return false, nil
	}
	if a.ZippedBytes >= directLimit {
		return false, &DirectUploadTooLargeError{Function: a.Function, Bytes: a.ZippedBytes, Limit: directLimit}
	}
	return true, nil
}

// UploadOptions tune Upload.
type UploadOptions struct {
	// PartSize is the multipart part size; 0 means DefaultPartSize, and
	// values below MinPartSize are raised to it. Zips smaller than one part
	// go up in a single PutObject.
	PartSize int64
	// Concurrency is how many parts go up at once; 0 means DefaultUploadConcurrency.
	Concurrency int
	// Events receives the bytes sent (Advanced, in Bytes) and notes; nil discards them.
	Events progress.Sink
}

// Upload stores a's zip in t at t.Key(a) unless an object with the same size
// and CodeSha256 (and the asked encryption) is already there, and returns its
// location, pinned to the object version on versioned buckets. On any failure
// or cancellation a multipart upload is aborted, so the key holds either the
// whole zip or nothing.
func Upload(ctx context.Context, api S3API, a Artifact, t S3Target, opts UploadOptions) (CodeLocation, error) {
	if err := checkTarget(a, t); err != nil {
		return CodeLocation{}, err
	}
	key := t.Key(a)
	where := "s3://" + t.Bucket + "/" + key
	f, err := os.Open(a.ZipPath)
	if err != nil {
		return CodeLocation{}, fmt.Errorf("open zip of %s: %w", a.Function, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return CodeLocation{}, fmt.Errorf("open zip of %s: %w", a.Function, err)
	}
	size := fi.Size()
	if !fi.Mode().IsRegular() {
		return CodeLocation{}, fmt.Errorf("open zip of %s: %s is not a regular file", a.Function, a.ZipPath)
	}
	if a.ZippedBytes > 0 && size != a.ZippedBytes {
		return CodeLocation{}, fmt.Errorf("zip %s is %d bytes but its manifest says %d: it changed after packaging; run lamb package again", a.ZipPath, size, a.ZippedBytes)
	}

	u := &uploader{api: api, a: a, t: t, key: key, where: where, f: f, size: size, events: progress.OrDiscard(opts.Events)}
	loc := CodeLocation{Bucket: t.Bucket, Key: key, Bytes: size}

	found, version, err := u.existing(ctx)
	if err != nil {
		return CodeLocation{}, err
	}
	if found {
		loc.ObjectVersion = version
		u.emit(progress.Event{Kind: progress.Note, Message: where + " already holds this zip; nothing uploaded"})
		return loc, nil
	}

	partSize, concurrency := partSizeFor(size, opts.PartSize), opts.Concurrency
	if concurrency <= 0 {
		concurrency = DefaultUploadConcurrency
	}
	u.emit(progress.Event{Kind: progress.Advanced, Done: 0, Total: size, Unit: progress.Bytes})
	if size < partSize {
		version, err = u.put(ctx)
	} else {
		version, err = u.multipart(ctx, partSize, concurrency)
	}
	if err != nil {
		return CodeLocation{}, err
	}
	loc.ObjectVersion, loc.Uploaded = version, true
	return loc, nil
}

func checkTarget(a Artifact, t S3Target) error {
	switch {
	case t.Bucket == "":
		return errors.New("upload zip: no bucket: set deploy.s3.bucket")
	case a.Function == "" || a.ContentHash == "":
		return fmt.Errorf("upload zip %s: the artifact needs a function name and a content hash to name its S3 key", a.ZipPath)
	case t.SSE != "" && t.SSE != SSEAES256 && t.SSE != SSEKMS:
		return fmt.Errorf("deploy.s3.sse: %q is not %s or %s", t.SSE, SSEAES256, SSEKMS)
	case t.KMSKeyID != "" && t.SSE != SSEKMS:
		return fmt.Errorf("deploy.s3.kmsKeyId is set but deploy.s3.sse is %q: set deploy.s3.sse to %s to encrypt with that key", t.SSE, SSEKMS)
	}
	return nil
}

// partSizeFor returns the part size for a zip of size bytes: the asked size,
// at least S3's minimum, and large enough to stay within S3's part count.
func partSizeFor(size, asked int64) int64 {
	p := asked
	if p <= 0 {
		p = DefaultPartSize
	}
	p = max(p, MinPartSize)
	if need := (size + maxParts - 1) / maxParts; p < need {
		p = need
	}
	return p
}

// uploader is one zip's trip to S3.
type uploader struct {
	api    S3API
	a      Artifact
	t      S3Target
	key    string
	where  string
	f      *os.File
	size   int64
	events progress.Sink

	mu   sync.Mutex
	sent int64
}

func (u *uploader) emit(e progress.Event) {
	e.Function, e.Step = u.a.Function, UploadStep
	u.events.Event(e)
}

// advance counts n more bytes stored and reports the running total; the lock
// keeps the totals in order when parts finish at once.
func (u *uploader) advance(n int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.sent += n
	u.emit(progress.Event{Kind: progress.Advanced, Done: u.sent, Total: u.size, Unit: progress.Bytes})
}

// existing reports whether the key already holds this zip, and its version.
func (u *uploader) existing(ctx context.Context) (bool, string, error) {
	found, err := lookUp(ctx, u.api, u.a, u.t, u.size)
	if found.Denied {
		// The upload itself shows whether writing is allowed.
		u.emit(progress.Event{Kind: progress.Note, Message: "cannot look for " + u.where + " (access denied; s3:GetObject and s3:ListBucket let lamb skip unchanged zips); uploading"})
	}
	return found.Stored, found.ObjectVersion, err
}

// ArtifactFinder is the one S3 call FindArtifact makes.
type ArtifactFinder interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// StoredArtifact says whether S3 already holds a zip.
type StoredArtifact struct {
	// Stored means the key holds an object with the zip's size and
	// CodeSha256 (and the asked encryption): Upload would send nothing.
	Stored bool
	// ObjectVersion is the stored object's version on a versioned bucket.
	ObjectVersion string
	// Denied means S3 refused to say (403: without s3:ListBucket it
	// answers a missing key so); Upload would then upload.
	Denied bool
}

// FindArtifact looks, with one HeadObject and no write, for a's zip where
// Upload would put it in t, and says whether Upload would find it there.
func FindArtifact(ctx context.Context, api ArtifactFinder, a Artifact, t S3Target) (StoredArtifact, error) {
	if err := checkTarget(a, t); err != nil {
		return StoredArtifact{}, err
	}
	return lookUp(ctx, api, a, t, a.ZippedBytes)
}

func lookUp(ctx context.Context, api ArtifactFinder, a Artifact, t S3Target, size int64) (StoredArtifact, error) {
	key := t.Key(a)
	head, err := api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(t.Bucket), Key: aws.String(key)})
	switch {
	case err == nil:
	case isObjectNotFound(err):
		return StoredArtifact{}, nil
	case isForbidden(err):
		return StoredArtifact{Denied: true}, nil
	default:
		return StoredArtifact{}, fmt.Errorf("look for s3://%s/%s: %w", t.Bucket, key, err)
	}
	same := aws.ToInt64(head.ContentLength) == size &&
		(a.CodeSha256 == "" || head.Metadata[CodeSha256Metadata] == a.CodeSha256) &&
		(t.SSE == "" || string(head.ServerSideEncryption) == t.SSE)
	return StoredArtifact{Stored: same, ObjectVersion: objectVersion(head.VersionId)}, nil
}

// isObjectNotFound recognises HeadObject's answer for a missing key, which has no
// body and so comes back as a bare NotFound code.
func isObjectNotFound(err error) bool {
	var nf *s3types.NotFound
	if errors.As(err, &nf) {
		return true
	}
	var nk *s3types.NoSuchKey
	if errors.As(err, &nk) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}

func isForbidden(err error) bool {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "Forbidden" || ae.ErrorCode() == "AccessDenied")
}

// objectVersion drops the "null" version S3 gives objects stored while
// versioning was off: Lambda is then better told no version at all.
func objectVersion(v *string) string {
	if s := aws.ToString(v); s != "null" {
		return s
	}
	return ""
}

func (u *uploader) metadata() map[string]string {
	if u.a.CodeSha256 == "" {
		return nil
	}
	return map[string]string{CodeSha256Metadata: u.a.CodeSha256}
}

// put stores a zip smaller than one part in a single request. The manifest's
// CodeSha256 is also the request's SHA-256 checksum, so S3 refuses bytes
// that differ from what was packaged.
func (u *uploader) put(ctx context.Context) (string, error) {
	in := &s3.PutObjectInput{
		Bucket:               aws.String(u.t.Bucket),
		Key:                  aws.String(u.key),
		Body:                 io.NewSectionReader(u.f, 0, u.size),
		ContentLength:        aws.Int64(u.size),
		ContentType:          aws.String("application/zip"),
		Metadata:             u.metadata(),
		ServerSideEncryption: s3types.ServerSideEncryption(u.t.SSE),
		SSEKMSKeyId:          optional(u.t.KMSKeyID),
	}
	if u.a.CodeSha256 != "" {
		in.ChecksumSHA256 = aws.String(u.a.CodeSha256)
	}
	out, err := u.api.PutObject(ctx, in)
	if err != nil {
		return "", fmt.Errorf("upload %s to %s: %w", u.a.ZipPath, u.where, preferCancel(ctx, err))
	}
	u.advance(u.size)
	return objectVersion(out.VersionId), nil
}

// multipart stores the zip in parts of partSize, several at once, each read
// from the file where it lies so memory stays bounded by the HTTP buffers.
func (u *uploader) multipart(ctx context.Context, partSize int64, concurrency int) (string, error) {
	created, err := u.api.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:               aws.String(u.t.Bucket),
		Key:                  aws.String(u.key),
		ContentType:          aws.String("application/zip"),
		Metadata:             u.metadata(),
		ServerSideEncryption: s3types.ServerSideEncryption(u.t.SSE),
		SSEKMSKeyId:          optional(u.t.KMSKeyID),
		ChecksumAlgorithm:    s3types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return "", u.abortUnseen(ctx, fmt.Errorf("start upload of %s to %s: %w", u.a.ZipPath, u.where, preferCancel(ctx, err)))
	}
	id := aws.ToString(created.UploadId)

	parts, err := u.uploadParts(ctx, id, partSize, concurrency)
	if err != nil {
		return "", u.abort(ctx, id, err)
	}
	done, err := u.api.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(u.t.Bucket),
		Key:             aws.String(u.key),
		UploadId:        aws.String(id),
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return "", u.abort(ctx, id, fmt.Errorf("finish upload of %s to %s: %w", u.a.ZipPath, u.where, preferCancel(ctx, err)))
	}
	return objectVersion(done.VersionId), nil
}

func (u *uploader) uploadParts(ctx context.Context, id string, partSize int64, concurrency int) ([]s3types.CompletedPart, error) {
	n := int((u.size + partSize - 1) / partSize)
	parts := make([]s3types.CompletedPart, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(concurrency)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		num := int32(i + 1)
		off := int64(i) * partSize
		length := min(partSize, u.size-off)
		g.Go(func() error {
			out, err := u.api.UploadPart(gctx, &s3.UploadPartInput{
				Bucket:            aws.String(u.t.Bucket),
				Key:               aws.String(u.key),
				UploadId:          aws.String(id),
				PartNumber:        aws.Int32(num),
				Body:              io.NewSectionReader(u.f, off, length),
				ContentLength:     aws.Int64(length),
				ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32,
			})
			if err != nil {
				return fmt.Errorf("upload part %d of %d of %s to %s: %w", num, n, u.a.ZipPath, u.where, preferCancel(ctx, err))
			}
			parts[num-1] = s3types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}
			u.advance(length)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("upload %s to %s: %w", u.a.ZipPath, u.where, err)
	}
	return parts, nil
}

// abort removes a multipart upload's parts after cause, with a context of its
// own so it still runs when ctx was cancelled. Only a failed abort is added
// to cause, with what to run to clean up by hand; an upload S3 no longer has
// (the completion took effect though its answer was lost) needs nothing.
func (u *uploader) abort(ctx context.Context, id string, cause error) error {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	_, err := u.api.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{
		Bucket:   aws.String(u.t.Bucket),
		Key:      aws.String(u.key),
		UploadId: aws.String(id),
	})
	var gone *s3types.NoSuchUpload
	if err != nil && !errors.As(err, &gone) {
		return fmt.Errorf("%w (and abort multipart upload %s: %v; its parts stay billed until removed with aws s3api abort-multipart-upload --bucket %s --key %s --upload-id %s)",
			cause, id, err, u.t.Bucket, u.key, id)
	}
	return cause
}

// abortUnseen aborts the uploads of the key that S3 may have started though
// CreateMultipartUpload failed: when its answer is lost (a cut connection,
// an interruption) the upload exists under an ID lamb never saw, and would
// stay open. An error S3 answered with (access denied) started nothing.
// The key is named by the zip's content, so an open upload of it is that
// one, or a concurrent upload of the same bytes, which then fails and finds
// the object on its next run.
func (u *uploader) abortUnseen(ctx context.Context, cause error) error {
	var re *awshttp.ResponseError
	if errors.As(cause, new(smithy.APIError)) && errors.As(cause, &re) && re.HTTPStatusCode() < 500 {
		return cause
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	out, err := u.api.ListMultipartUploads(lctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(u.t.Bucket), Prefix: aws.String(u.key)})
	if err != nil {
		return fmt.Errorf("%w (and look for an upload S3 may have started: %v; list them with aws s3api list-multipart-uploads --bucket %s --prefix %s)",
			cause, err, u.t.Bucket, u.key)
	}
	for _, up := range out.Uploads {
		if aws.ToString(up.Key) == u.key {
			cause = u.abort(ctx, aws.ToString(up.UploadId), cause)
		}
	}
	return cause
}

// preferCancel returns the context's error when ctx ended, so an interrupted
// upload reads (and classifies) as an interruption rather than as the
// transport error it caused.
func preferCancel(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return cerr
	}
	return err
}
