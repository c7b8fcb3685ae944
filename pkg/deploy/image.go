package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/lambcli/lamb/pkg/limits"
)

// ImageReader is the part of ECR the pre-flight reads a container image
// with: the image's size and digest, its manifest, and a link to its
// config blob, which holds the architecture of a single-platform image.
type ImageReader interface {
	DescribeImages(ctx context.Context, in *ecr.DescribeImagesInput, optFns ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	BatchGetImage(ctx context.Context, in *ecr.BatchGetImageInput, optFns ...func(*ecr.Options)) (*ecr.BatchGetImageOutput, error)
	GetDownloadUrlForLayer(ctx context.Context, in *ecr.GetDownloadUrlForLayerInput, optFns ...func(*ecr.Options)) (*ecr.GetDownloadUrlForLayerOutput, error)
}

var _ ImageReader = (*ecr.Client)(nil)

// imageID names the image of ref in ECR calls.
func imageID(ref limits.ImageRef) *ecrtypes.ImageIdentifier {
	if ref.Digest != "" {
		return &ecrtypes.ImageIdentifier{ImageDigest: aws.String(ref.Digest)}
	}
	return &ecrtypes.ImageIdentifier{ImageTag: aws.String(ref.Tag)}
}

// Manifest media types, by what they hold.
var (
	indexTypes = []string{
		"application/vnd.docker.distribution.manifest.list.v2+json",
		"application/vnd.oci.image.index.v1+json",
	}
	manifestTypes = []string{
		"application/vnd.docker.distribution.manifest.v2+json",
		"application/vnd.oci.image.manifest.v1+json",
	}
)

// maxConfigBlob bounds the image config read: a few KB in practice.
const maxConfigBlob = 1 << 20

// ReadImage reads a container image from ECR: whether it exists, its
// digest and size, and its architecture. The architecture of a
// single-platform image is in its config blob, fetched over HTTP from the
// link ECR gives; when that link cannot be had or read, the architecture is
// left empty and the note says why. A missing repository or image is not
// an error: Found is false.
func ReadImage(ctx context.Context, api ImageReader, client *http.Client, uri string) (img limits.Image, note string, err error) {
	img = limits.Image{URI: uri}
	ref, err := limits.ParseImageURI(uri)
	if err != nil {
		return img, "", err
	}
	out, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RegistryId: aws.String(ref.Registry), RepositoryName: aws.String(ref.Repository), ImageIds: []ecrtypes.ImageIdentifier{*imageID(ref)},
	})
	var noImage *ecrtypes.ImageNotFoundException
	var noRepo *ecrtypes.RepositoryNotFoundException
	switch {
	case errors.As(err, &noImage) || errors.As(err, &noRepo):
		return img, "", nil
	case err != nil:
		return img, "", fmt.Errorf("describe image %s in ECR: %w", uri, err)
	case len(out.ImageDetails) == 0:
		return img, "", nil
	}
	d := out.ImageDetails[0]
	img.Found = true
	img.Digest = aws.ToString(d.ImageDigest)
	img.SizeBytes = aws.ToInt64(d.ImageSizeInBytes)

	got, err := api.BatchGetImage(ctx, &ecr.BatchGetImageInput{
		RegistryId: aws.String(ref.Registry), RepositoryName: aws.String(ref.Repository),
		ImageIds:           []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(img.Digest)}},
		AcceptedMediaTypes: append(append([]string{}, manifestTypes...), indexTypes...),
	})
	if err != nil {
		return img, "", fmt.Errorf("get manifest of image %s from ECR: %w", uri, err)
	}
	if len(got.Images) == 0 {
		return img, fmt.Sprintf("architecture of image %s not checked: ECR returned no manifest", uri), nil
	}
	var m struct {
		MediaType string `json:"mediaType"`
		Config    struct {
			Digest string `json:"digest"`
		} `json:"config"`
		Manifests []struct {
			Digest   string `json:"digest"`
			Platform struct {
				OS           string `json:"os"`
				Architecture string `json:"architecture"`
			} `json:"platform"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(got.Images[0].ImageManifest)), &m); err != nil {
		return img, "", fmt.Errorf("read manifest of image %s: %w", uri, err)
	}
	mediaType := m.MediaType
	if mediaType == "" {
		mediaType = aws.ToString(got.Images[0].ImageManifestMediaType)
	}
	if isIndex(mediaType) || len(m.Manifests) > 0 {
		img.Index, img.Platforms = true, map[string]string{}
		for _, p := range m.Manifests {
			if p.Platform.OS == "linux" || p.Platform.OS == "" {
				if a := LambdaArchitecture(p.Platform.Architecture); a != "" {
					img.Platforms[a] = p.Digest
				}
			}
		}
		return img, "", nil
	}
	arch, err := configArchitecture(ctx, api, client, ref, m.Config.Digest)
	if err != nil {
		return img, fmt.Sprintf("architecture of image %s not checked: %v", uri, err), nil
	}
	img.Architecture = arch
	return img, "", nil
}

func isIndex(mediaType string) bool {
	for _, t := range indexTypes {
		if t == mediaType {
			return true
		}
	}
	return false
}

// configArchitecture fetches the image's config blob and returns its
// architecture in Lambda's terms.
func configArchitecture(ctx context.Context, api ImageReader, client *http.Client, ref limits.ImageRef, digest string) (string, error) {
	if digest == "" {
		return "", errors.New("the manifest names no config")
	}
	link, err := api.GetDownloadUrlForLayer(ctx, &ecr.GetDownloadUrlForLayerInput{
		RegistryId: aws.String(ref.Registry), RepositoryName: aws.String(ref.Repository), LayerDigest: aws.String(digest),
	})
	if err != nil {
		return "", fmt.Errorf("get download link of the image config: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, aws.ToString(link.DownloadUrl), nil)
	if err != nil {
		return "", fmt.Errorf("read the image config: %w", err)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("read the image config: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("read the image config: %s", resp.Status)
	}
	var cfg struct {
		Architecture string `json:"architecture"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxConfigBlob)).Decode(&cfg); err != nil {
		return "", fmt.Errorf("read the image config: %w", err)
	}
	if a := LambdaArchitecture(cfg.Architecture); a != "" {
		return a, nil
	}
	return cfg.Architecture, nil
}

// LambdaArchitecture names a container platform's architecture as Lambda
// does: amd64 is x86_64; "" for one Lambda does not run.
func LambdaArchitecture(platform string) string {
	switch strings.ToLower(platform) {
	case "amd64", "x86_64":
		return "x86_64"
	case "arm64", "aarch64":
		return "arm64"
	}
	return ""
}

// ImageCodeSha256 is the CodeSha256 Lambda reports for a function deployed
// from the image with this digest: the digest's hex.
func ImageCodeSha256(digest string) string {
	return strings.TrimPrefix(digest, "sha256:")
}
