package shift

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// CloudWatchAPI lists the CloudWatch calls the gates make.
type CloudWatchAPI interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
	GetMetricStatistics(ctx context.Context, in *cloudwatch.GetMetricStatisticsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricStatisticsOutput, error)
}

var _ CloudWatchAPI = (*cloudwatch.Client)(nil)

// maxAlarmNames is how many names one DescribeAlarms call takes.
const maxAlarmNames = 100

// alarmStates returns the state of each named alarm that exists. It asks by
// name only: filters are combined differently by emulators, and names are
// all the gates need.
func alarmStates(ctx context.Context, cw CloudWatchAPI, names []string) (map[string]cwtypes.StateValue, error) {
	states := make(map[string]cwtypes.StateValue, len(names))
	for batch := range slices.Chunk(names, maxAlarmNames) {
		in := &cloudwatch.DescribeAlarmsInput{
			AlarmNames: batch,
			AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm},
		}
		p := cloudwatch.NewDescribeAlarmsPaginator(cw, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe alarms %s: %w", strings.Join(batch, ", "), err)
			}
			for _, a := range out.MetricAlarms {
				states[aws.ToString(a.AlarmName)] = a.StateValue
			}
			for _, a := range out.CompositeAlarms {
				states[aws.ToString(a.AlarmName)] = a.StateValue
			}
		}
	}
	// An emulator may answer with more alarms than were named.
	for name := range states {
		if !slices.Contains(names, name) {
			delete(states, name)
		}
	}
	return states, nil
}

// missingAlarms returns the names that have no state.
func missingAlarms(names []string, states map[string]cwtypes.StateValue) []string {
	var missing []string
	for _, n := range names {
		if _, ok := states[n]; !ok {
			missing = append(missing, n)
		}
	}
	return missing
}

// lambdaNamespace holds the metrics Lambda publishes per function, alias
// (Resource "fn:alias") and executed version.
const lambdaNamespace = "AWS/Lambda"

// maxDatapoints is how many datapoints one GetMetricStatistics call returns.
const maxDatapoints = 1440

// versionSums returns the sums of Errors and Invocations of the target
// version served through the alias, from from (rounded down to the minute,
// where Lambda's datapoints start) to to.
func versionSums(ctx context.Context, cw CloudWatchAPI, function, alias, version string, from, to time.Time) (errs, invocations float64, err error) {
	start := from.UTC().Truncate(time.Minute)
	if !to.After(start) {
		return 0, 0, nil
	}
	minutes := int64(to.Sub(start)/time.Minute) + 1
	period := int32(60 * ((minutes + maxDatapoints - 1) / maxDatapoints))
	dims := []cwtypes.Dimension{
		{Name: aws.String("FunctionName"), Value: aws.String(function)},
		{Name: aws.String("Resource"), Value: aws.String(function + ":" + alias)},
		{Name: aws.String("ExecutedVersion"), Value: aws.String(version)},
	}
	sum := func(metric string) (float64, error) {
		out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
			Namespace: aws.String(lambdaNamespace), MetricName: aws.String(metric), Dimensions: dims,
			StartTime: aws.Time(start), EndTime: aws.Time(to.UTC()), Period: aws.Int32(period),
			Statistics: []cwtypes.Statistic{cwtypes.StatisticSum},
		})
		if err != nil {
			return 0, fmt.Errorf("read metric %s of %s version %s: %w", metric, function, version, err)
		}
		var total float64
		for _, d := range out.Datapoints {
			total += aws.ToFloat64(d.Sum)
		}
		return total, nil
	}
	if errs, err = sum("Errors"); err != nil {
		return 0, 0, err
	}
	if invocations, err = sum("Invocations"); err != nil {
		return 0, 0, err
	}
	return errs, invocations, nil
}

// over reports whether errs in invocations breaks the gate.
func (g ErrorRateGate) over(errs, invocations float64) bool {
	return invocations > 0 && invocations >= float64(g.MinInvocations) && errs/invocations > g.MaxErrorRate
}

func (g ErrorRateGate) validate() error {
	if g.MaxErrorRate < 0 || g.MaxErrorRate >= 1 {
		return fmt.Errorf("error-rate gate: maxErrorRate %s must be at least 0%% and below 100%%", weightPercent(g.MaxErrorRate))
	}
	if g.MinInvocations < 0 {
		return fmt.Errorf("error-rate gate: minInvocations %d must not be negative", g.MinInvocations)
	}
	return nil
}
