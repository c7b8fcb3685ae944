package deploy

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/logs"
)

// LogGroupReader finds a log group; lamb plan needs nothing more to say
// what the logs step would change.
type LogGroupReader interface {
	DescribeLogGroups(ctx context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error)
}

// LogsAPI lists the CloudWatch Logs calls that keep a function's log group
// retention in sync with lamb.yaml.
type LogsAPI interface {
	LogGroupReader
	CreateLogGroup(ctx context.Context, in *cloudwatchlogs.CreateLogGroupInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error)
	PutRetentionPolicy(ctx context.Context, in *cloudwatchlogs.PutRetentionPolicyInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutRetentionPolicyOutput, error)
	DeleteRetentionPolicy(ctx context.Context, in *cloudwatchlogs.DeleteRetentionPolicyInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteRetentionPolicyOutput, error)
}

var _ LogsAPI = (*cloudwatchlogs.Client)(nil)

// ownLogs is the OwnershipTag token that says lamb set the log group's
// retention.
const ownLogs = "logs"

// LogsSpec is what lamb.yaml asks of the function's log group, with the
// function as read.
type LogsSpec struct {
	// Function is the AWS function name; FunctionARN names it when lamb
	// updates its ownership record.
	Function    string
	FunctionARN string
	// Group is the function's log group: its logging configuration's, or
	// /aws/lambda/<name>.
	Group string
	// Tags are the function's tags as read (OwnershipTag among them).
	Tags map[string]string
	// RetentionDays is nil when lamb.yaml sets none.
	RetentionDays *int
}

// LogGroupOf is the log group the function writes to.
func LogGroupOf(name string, r Remote) string {
	if r.Latest == nil {
		return logs.DefaultGroup(name)
	}
	return logs.GroupOf(name, r.Latest.LoggingConfig)
}

// LogsFrom maps a lamb.yaml function and its state as read onto the log
// group settings to keep.
func LogsFrom(fn *config.Function, r Remote) LogsSpec {
	s := LogsSpec{Function: fn.Name, Group: LogGroupOf(fn.Name, r), Tags: r.Tags, RetentionDays: fn.Logs.RetentionDays}
	if r.Latest != nil {
		s.FunctionARN = aws.ToString(r.Latest.FunctionArn)
	}
	return s
}

// None reports whether there is nothing to keep: lamb.yaml sets no
// retention and lamb set none earlier. Then nothing is read.
func (s LogsSpec) None() bool {
	return s.RetentionDays == nil && !ownsToken(s.Tags, ownLogs)
}

// logsPlan is what the log group needs.
type logsPlan struct {
	changes []Change
	create  bool
	// remove deletes the retention.
	remove bool
	// forget drops lamb's record: lamb set the retention, lamb.yaml no
	// longer does, and the group has none (or is gone).
	forget bool
}

// PlanLogs returns what SyncLogs would change, from one read.
func PlanLogs(ctx context.Context, api LogGroupReader, spec LogsSpec) ([]Change, error) {
	p, err := planLogs(ctx, api, spec)
	if p.changes == nil {
		p.changes = []Change{}
	}
	return p.changes, err
}

// SyncLogs creates the function's log group when lamb.yaml sets a
// retention and the group is missing, and sets the retention when it
// differs; lamb then owns the retention (OwnershipTag). When lamb.yaml no
// longer sets one, the retention lamb set is deleted, so the group keeps
// its events again for ever; the group itself is never deleted, since its
// events are data. It returns the changes made.
func SyncLogs(ctx context.Context, api LogsAPI, tags OwnershipAPI, spec LogsSpec) ([]Change, error) {
	p, err := planLogs(ctx, api, spec)
	if err != nil {
		return nil, err
	}
	owned := ownsToken(spec.Tags, ownLogs)
	var failed error
	switch {
	case p.forget:
		return nil, recordOwnership(ctx, tags, spec.Function, spec.FunctionARN, map[string]bool{ownLogs: false})
	case len(p.changes) == 0:
		return nil, nil
	case p.remove:
		_, err := api.DeleteRetentionPolicy(ctx, &cloudwatchlogs.DeleteRetentionPolicyInput{LogGroupName: aws.String(spec.Group)})
		if err != nil && !isLogsNotFound(err) {
			return nil, fmt.Errorf("remove the retention of log group %s of %s (DeleteRetentionPolicy): %w", spec.Group, spec.Function, err)
		}
		return p.changes, recordOwnership(ctx, tags, spec.Function, spec.FunctionARN, map[string]bool{ownLogs: false})
	}
	if p.create {
		_, err := api.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(spec.Group)})
		var exists *logstypes.ResourceAlreadyExistsException
		if err != nil && !errors.As(err, &exists) {
			return nil, fmt.Errorf("create log group %s of %s: %w", spec.Group, spec.Function, err)
		}
	}
	days := *spec.RetentionDays
	_, err = api.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(spec.Group), RetentionInDays: aws.Int32(int32(days))})
	if err != nil {
		failed = fmt.Errorf("keep the events of log group %s of %s for %d days (PutRetentionPolicy): %w", spec.Group, spec.Function, days, err)
		if !p.create {
			return nil, failed
		}
		// The group was made: say so, and that its retention is not set.
		return p.changes[:1], failed
	}
	if !owned {
		failed = recordOwnership(ctx, tags, spec.Function, spec.FunctionARN, map[string]bool{ownLogs: true})
	}
	return p.changes, failed
}

func planLogs(ctx context.Context, api LogGroupReader, spec LogsSpec) (logsPlan, error) {
	if spec.None() {
		return logsPlan{}, nil
	}
	// A function's group outlives it: read it even for a new function.
	found, have, err := readLogGroup(ctx, api, spec.Group)
	if err != nil {
		return logsPlan{}, fmt.Errorf("read log group %s of %s: %w", spec.Group, spec.Function, err)
	}
	if spec.RetentionDays == nil {
		if have == "" {
			return logsPlan{forget: true}, nil
		}
		return logsPlan{remove: true, changes: []Change{{Field: "logs.retentionDays", Old: have}}}, nil
	}
	want := strconv.Itoa(*spec.RetentionDays)
	var p logsPlan
	if !found {
		p.create = true
		p.changes = append(p.changes, Change{Field: "logs.group", New: spec.Group})
	}
	if have != want {
		p.changes = append(p.changes, Change{Field: "logs.retentionDays", Old: have, New: want})
	}
	return p, nil
}

// readLogGroup finds the group by name and returns its retention in days,
// "" when its events never expire.
func readLogGroup(ctx context.Context, api LogGroupReader, group string) (found bool, retention string, err error) {
	in := &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(group)}
	// The prefix also matches longer names (/aws/lambda/api-worker for
	// /aws/lambda/api); groups come sorted by name, so the group is on the
	// first page unless a great many names extend it.
	for page := 0; page < 20; page++ {
		out, err := api.DescribeLogGroups(ctx, in)
		if err != nil {
			return false, "", err
		}
		for _, g := range out.LogGroups {
			if aws.ToString(g.LogGroupName) == group {
				if g.RetentionInDays != nil {
					retention = strconv.Itoa(int(*g.RetentionInDays))
				}
				return true, retention, nil
			}
		}
		if out.NextToken == nil {
			return false, "", nil
		}
		in.NextToken = out.NextToken
	}
	return false, "", fmt.Errorf("DescribeLogGroups: more than 20 pages of groups whose names start with %s", group)
}

func isLogsNotFound(err error) bool {
	var nf *logstypes.ResourceNotFoundException
	return errors.As(err, &nf)
}
