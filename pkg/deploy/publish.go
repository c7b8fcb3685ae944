package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Publish publishes $LATEST as a new immutable version, on the condition
// that $LATEST still holds the code (and, where Lambda reports one, the
// revision) this deploy left, then reads the version back and verifies its
// code and configuration. A version that does not match means someone else
// changed the function in between: that is an error, and the caller must
// not move the alias to it.
//
// When code and configuration are unchanged since the last version, Lambda
// returns that version instead of a new one.
func (d *Deployer) Publish(ctx context.Context, latest *lambdatypes.FunctionConfiguration, want Desired, codeSha256, description string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	name := want.Name
	in := &lambda.PublishVersionInput{
		FunctionName: aws.String(name),
		CodeSha256:   aws.String(codeSha256),
		Description:  aws.String(description),
	}
	if rev := aws.ToString(latest.RevisionId); rev != "" {
		in.RevisionId = aws.String(rev)
	}
	var version string
	err := d.retryConflict(ctx, name, "PublishVersion", func(ctx context.Context) error {
		out, err := d.Lambda.PublishVersion(ctx, in)
		if err != nil {
			return err
		}
		version = aws.ToString(out.Version)
		return nil
	})
	var pf *lambdatypes.PreconditionFailedException
	if errors.As(err, &pf) {
		return "", fmt.Errorf("publish %s: the function changed while lamb deployed it (someone else is deploying?); run lamb deploy again: %w", name, err)
	}
	if err != nil {
		return "", err
	}
	got, err := d.waitSettled(ctx, name, version)
	if err != nil {
		return "", err
	}
	if err := verifyVersion(got, want, codeSha256); err != nil {
		return "", fmt.Errorf("verify version %s of %s: %w; the alias was not moved", version, name, err)
	}
	return version, nil
}

// verifyVersion compares a published version with what was deployed.
func verifyVersion(got *lambdatypes.FunctionConfiguration, want Desired, codeSha256 string) error {
	if sha := aws.ToString(got.CodeSha256); sha != codeSha256 {
		return fmt.Errorf("its code is %s, not the bundle's %s (another deployer changed the function in between)", sha, codeSha256)
	}
	if cs := ConfigChanges(deployedVersion(got, want), want); len(cs) > 0 {
		var fields []string
		for _, c := range cs {
			fields = append(fields, c.Field)
		}
		return fmt.Errorf("its configuration differs in %s (another deployer changed the function in between)", strings.Join(fields, ", "))
	}
	return nil
}

// VersionDescription is the description lamb gives a version: what made
// it, from which content and commit.
func VersionDescription(lambVersion, contentHash string, commit string, dirty bool) string {
	s := "lamb " + lambVersion + " content " + shortHash(contentHash)
	if commit != "" {
		s += " commit " + shortHash(commit)
		if dirty {
			s += "-dirty"
		}
	}
	if len(s) > 256 {
		s = s[:256]
	}
	return s
}

func shortHash(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// deployedVersion reads a published version's settings for comparison with
// want. A version's description is its own (PublishVersion sets it), not
// the function's, so it is not compared.
func deployedVersion(c *lambdatypes.FunctionConfiguration, want Desired) Desired {
	have := Deployed(c)
	have.Description = want.Description
	return have
}
