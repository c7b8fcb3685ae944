package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// lamb records what it created on a function in tags that each hold a
// space-separated set: OwnershipTag the settings, EventsTag the event
// source mappings.

// TagWriter lists the calls that write a function's tags.
type TagWriter interface {
	TagResource(ctx context.Context, in *lambda.TagResourceInput, optFns ...func(*lambda.Options)) (*lambda.TagResourceOutput, error)
	UntagResource(ctx context.Context, in *lambda.UntagResourceInput, optFns ...func(*lambda.Options)) (*lambda.UntagResourceOutput, error)
}

// OwnershipAPI lists the calls that read and write OwnershipTag.
type OwnershipAPI interface {
	ListTags(ctx context.Context, in *lambda.ListTagsInput, optFns ...func(*lambda.Options)) (*lambda.ListTagsOutput, error)
	TagWriter
}

// tagSet reads the set a record tag holds.
func tagSet(tags map[string]string, key string) map[string]bool {
	set := map[string]bool{}
	for _, token := range strings.Fields(tags[key]) {
		set[token] = true
	}
	return set
}

// ownsToken reports whether OwnershipTag names token.
func ownsToken(tags map[string]string, token string) bool {
	return tagSet(tags, OwnershipTag)[token]
}

func tagValue(set map[string]bool) string {
	return strings.Join(slices.Sorted(maps.Keys(set)), " ")
}

// recordTag writes set into the function's tag key, or removes the tag when
// set is empty; what names the record in errors.
func recordTag(ctx context.Context, api TagWriter, function, arn, key, what string, set map[string]bool) error {
	if arn == "" {
		return fmt.Errorf("record %s on %s: the function's ARN is not known", what, function)
	}
	// Interrupted or not, what was created must be recorded.
	ctx = context.WithoutCancel(ctx)
	var err error
	if len(set) == 0 {
		_, err = api.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(arn), TagKeys: []string{key}})
	} else {
		_, err = api.TagResource(ctx, &lambda.TagResourceInput{Resource: aws.String(arn), Tags: map[string]string{key: tagValue(set)}})
	}
	if err != nil {
		return fmt.Errorf("record %s on %s (tag %s): %w", what, function, key, err)
	}
	return nil
}

// ownedWhat names OwnershipTag's record in errors.
const ownedWhat = "what lamb created"

// recordOwnership adds to OwnershipTag the tokens set true, and drops
// those set false. The tag is read again first: the steps before this one
// (the function URL and concurrency settings) may have rewritten it since
// the function was read, and their tokens must survive.
func recordOwnership(ctx context.Context, api OwnershipAPI, function, arn string, set map[string]bool) error {
	if arn == "" {
		return fmt.Errorf("record %s on %s: the function's ARN is not known", ownedWhat, function)
	}
	out, err := api.ListTags(context.WithoutCancel(ctx), &lambda.ListTagsInput{Resource: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("record %s on %s (read tag %s): %w", ownedWhat, function, OwnershipTag, err)
	}
	owned := tagSet(out.Tags, OwnershipTag)
	for token, own := range set {
		if own {
			owned[token] = true
		} else {
			delete(owned, token)
		}
	}
	if tagValue(owned) == out.Tags[OwnershipTag] {
		return nil
	}
	return recordTag(ctx, api, function, arn, OwnershipTag, ownedWhat, owned)
}
