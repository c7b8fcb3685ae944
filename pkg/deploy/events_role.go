package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/limits"
)

// EventPolicyName is the inline policy of the execution role lamb manages
// that lets Lambda read the function's event sources and send their
// failures to their onFailure destinations.
const EventPolicyName = "lamb-event-sources"

// RolePolicyReader reads a role's inline policy.
type RolePolicyReader interface {
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
}

// RolePolicyAPI keeps a role's inline policy.
type RolePolicyAPI interface {
	RolePolicyReader
	PutRolePolicy(ctx context.Context, in *iam.PutRolePolicyInput, optFns ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	DeleteRolePolicy(ctx context.Context, in *iam.DeleteRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
}

var _ RolePolicyAPI = (*iam.Client)(nil)

// The actions Lambda needs on each kind of source, and on a failure
// destination, by the ARN's service.
var (
	sourceActions = map[string][]string{
		"sqs": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
		"kinesis": {"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
			"kinesis:ListShards", "kinesis:ListStreams", "kinesis:SubscribeToShard"},
		"dynamodb": {"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams"},
	}
	destinationActions = map[string][]string{
		"sqs": {"sqs:SendMessage"},
		"sns": {"sns:Publish"},
		"s3":  {"s3:PutObject", "s3:ListBucket"},
	}
)

// policyStatement is a statement of an identity policy lamb writes on a role.
type policyStatement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

// EventPolicy returns the inline policy the sources need: one statement
// per kind of source and per kind of destination, each scoped to the ARNs
// it is for. It is "" when there are no sources.
func EventPolicy(sources []config.EventSource) string {
	read := map[string][]string{}
	send := map[string][]string{}
	for _, s := range sources {
		read[s.Kind()] = append(read[s.Kind()], s.ARN())
		if st := s.Stream(); st != nil && st.OnFailure != "" {
			service := limits.ARNService(st.OnFailure)
			arns := []string{st.OnFailure}
			if service == "s3" {
				arns = append(arns, st.OnFailure+"/*")
			}
			send[service] = append(send[service], arns...)
		}
	}
	doc := policyDocument{Version: "2012-10-17"}
	add := func(sid string, actions, arns []string) {
		slices.Sort(arns)
		doc.Statement = append(doc.Statement, policyStatement{Sid: sid, Effect: "Allow", Action: actions, Resource: slices.Compact(arns)})
	}
	for _, kind := range []string{"sqs", "kinesis", "dynamodb"} {
		if arns := read[kind]; len(arns) > 0 {
			add("Read"+map[string]string{"sqs": "Queues", "kinesis": "KinesisStreams", "dynamodb": "DynamoDBStreams"}[kind], sourceActions[kind], arns)
		}
	}
	for _, service := range []string{"sqs", "sns", "s3"} {
		if arns := send[service]; len(arns) > 0 {
			add("SendFailuresTo"+map[string]string{"sqs": "Queues", "sns": "Topics", "s3": "Buckets"}[service], destinationActions[service], arns)
		}
	}
	if len(doc.Statement) == 0 {
		return ""
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// readEventPolicy returns the role's event source policy, "" when it has
// none. IAM answers with the document URL-encoded.
func readEventPolicy(ctx context.Context, api RolePolicyReader, role string) (string, error) {
	out, err := api.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(EventPolicyName)})
	var missing *types.NoSuchEntityException
	if errors.As(err, &missing) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read policy %s of execution role %s: %w", EventPolicyName, role, err)
	}
	doc := aws.ToString(out.PolicyDocument)
	if strings.HasPrefix(doc, "%") {
		if d, err := url.QueryUnescape(doc); err == nil {
			doc = d
		}
	}
	return doc, nil
}

// samePolicy compares two policy documents as JSON values.
func samePolicy(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	return canonicalJSON(a) == canonicalJSON(b)
}

// PlanEventPolicy says how the execution role lamb manages for the
// function would change for its event sources: nil when it would not.
func PlanEventPolicy(ctx context.Context, api RolePolicyReader, functionName string, sources []config.EventSource) ([]Change, error) {
	role := RoleName(functionName)
	have, err := readEventPolicy(ctx, api, role)
	if err != nil {
		return nil, err
	}
	return policyChange(have, EventPolicy(sources)), nil
}

func policyChange(have, want string) []Change {
	if samePolicy(have, want) {
		return nil
	}
	c := Change{Field: "role.policy." + EventPolicyName}
	switch {
	case have == "":
		c.New = "(set)"
	case want == "":
		c.Old, c.New = "(set)", "(removed)"
	default:
		c.Old, c.New = "(set)", "(changed)"
	}
	return []Change{c}
}

// SyncEventPolicy puts on the execution role lamb manages for the function
// exactly the permissions its event sources need, or deletes the policy
// when it has none; it writes only when the policy differs, and returns
// the change made.
func SyncEventPolicy(ctx context.Context, api RolePolicyAPI, functionName string, sources []config.EventSource) ([]Change, error) {
	role := RoleName(functionName)
	have, err := readEventPolicy(ctx, api, role)
	if err != nil {
		return nil, err
	}
	want := EventPolicy(sources)
	changes := policyChange(have, want)
	if len(changes) == 0 {
		return nil, nil
	}
	if want == "" {
		_, err = api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(EventPolicyName)})
		var missing *types.NoSuchEntityException
		if errors.As(err, &missing) {
			err = nil
		}
	} else {
		_, err = api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(EventPolicyName), PolicyDocument: aws.String(want)})
	}
	if err != nil {
		return nil, fmt.Errorf("set policy %s of execution role %s: %w", EventPolicyName, role, err)
	}
	return changes, nil
}
