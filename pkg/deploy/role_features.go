package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// The services an execution role lamb makes may trust.
const (
	lambdaService = "lambda.amazonaws.com"
	edgeService   = "edgelambda.amazonaws.com"
)

// FileSystemPolicyName is the inline policy of the execution role lamb
// manages that lets a function mount its EFS access point.
const FileSystemPolicyName = "lamb-file-system"

// trustedServices are the services the role of spec trusts: Lambda, and
// for Lambda@Edge also CloudFront's replicas.
func trustedServices(spec RoleSpec) []string {
	if spec.Edge {
		return []string{edgeService, lambdaService}
	}
	return []string{lambdaService}
}

// trustPolicy lets the services assume the role, and nothing else.
func trustPolicy(services []string) string {
	if slices.Equal(services, []string{lambdaService}) {
		return lambdaTrustPolicy
	}
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect": "Allow", "Principal": map[string]any{"Service": services}, "Action": "sts:AssumeRole",
		}},
	})
	return string(b)
}

// FileSystemPolicy is the inline policy that lets the function mount and
// write the access point of spec, "" without one. EFS authorises a mount
// on the file system, so the statement covers the account's file systems
// in the access point's region, narrowed to mounts through that access
// point.
func FileSystemPolicy(spec RoleSpec) string {
	ap := spec.FileSystemARN
	parts := strings.SplitN(ap, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":       "MountAccessPoint",
			"Effect":    "Allow",
			"Action":    []string{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"},
			"Resource":  strings.Join(parts[:5], ":") + ":file-system/*",
			"Condition": map[string]any{"StringEquals": map[string]string{"elasticfilesystem:AccessPointArn": ap}},
		}},
	})
	return string(b)
}

// planRoleFeatures adds to plan what an existing role lacks or has too
// much of: Lambda@Edge's trust, and the file system policy.
func planRoleFeatures(ctx context.Context, api RoleReader, spec RoleSpec, trustDoc string, plan *RolePlan) error {
	have, err := trustServices(trustDoc)
	if err != nil {
		return fmt.Errorf("read trust policy of execution role %s: %w", plan.RoleName, err)
	}
	// Only edgelambda is lamb's to add or take away: any other service
	// someone trusted stays.
	if slices.Contains(have, edgeService) != spec.Edge {
		next := slices.DeleteFunc(slices.Clone(have), func(s string) bool { return s == edgeService })
		if spec.Edge {
			next = append(next, edgeService)
		}
		slices.Sort(next)
		plan.Trust, plan.TrustServices = trustPolicy(next), next
	}

	out, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(plan.RoleName), PolicyName: aws.String(FileSystemPolicyName)})
	var missing *types.NoSuchEntityException
	current := ""
	switch {
	case errors.As(err, &missing):
	case err != nil:
		return fmt.Errorf("read policy %s of execution role %s: %w", FileSystemPolicyName, plan.RoleName, err)
	default:
		if current, err = url.QueryUnescape(aws.ToString(out.PolicyDocument)); err != nil {
			current = aws.ToString(out.PolicyDocument)
		}
	}
	wantPolicy := FileSystemPolicy(spec)
	switch {
	case wantPolicy == "" && current != "":
		plan.DeletePolicy = true
	case wantPolicy != "" && !sameJSON(current, wantPolicy):
		plan.PutPolicy = wantPolicy
	}
	return nil
}

// trustServices lists the services a trust policy lets assume the role.
// IAM returns the document URL-encoded.
func trustServices(doc string) ([]string, error) {
	if d, err := url.QueryUnescape(doc); err == nil {
		doc = d
	}
	var p struct {
		Statement []struct {
			Principal struct {
				Service any `json:"Service"`
			} `json:"Principal"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, err
	}
	var out []string
	for _, st := range p.Statement {
		switch s := st.Principal.Service.(type) {
		case string:
			out = append(out, s)
		case []any:
			for _, v := range s {
				if str, ok := v.(string); ok {
					out = append(out, str)
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// applyRoleFeatures makes the trust and inline policy changes of plan.
func applyRoleFeatures(ctx context.Context, api IAMAPI, plan RolePlan) error {
	name := aws.String(plan.RoleName)
	if plan.Trust != "" && !plan.Create {
		if _, err := api.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(plan.Trust)}); err != nil {
			return fmt.Errorf("update trust policy of execution role %s: %w", plan.RoleName, err)
		}
	}
	if plan.PutPolicy != "" {
		if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String(FileSystemPolicyName), PolicyDocument: aws.String(plan.PutPolicy)}); err != nil {
			return fmt.Errorf("put policy %s on execution role %s: %w", FileSystemPolicyName, plan.RoleName, err)
		}
	}
	if plan.DeletePolicy {
		_, err := api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String(FileSystemPolicyName)})
		var missing *types.NoSuchEntityException
		if err != nil && !errors.As(err, &missing) {
			return fmt.Errorf("delete policy %s from execution role %s: %w", FileSystemPolicyName, plan.RoleName, err)
		}
	}
	return nil
}
