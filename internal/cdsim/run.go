package cdsim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"go.yaml.in/yaml/v3"
)

// LambdaAPI is what the simulator does to Lambda: read and move aliases,
// invoke hooks.
type LambdaAPI interface {
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
	UpdateAlias(ctx context.Context, in *lambda.UpdateAliasInput, optFns ...func(*lambda.Options)) (*lambda.UpdateAliasOutput, error)
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// CloudWatchAPI reads alarm states.
type CloudWatchAPI interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// IAMAPI reads service roles.
type IAMAPI interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
}

var (
	_ LambdaAPI     = (*lambda.Client)(nil)
	_ CloudWatchAPI = (*cloudwatch.Client)(nil)
	_ IAMAPI        = (*iam.Client)(nil)
)

// awsCallTimeout bounds each call the simulator makes to Lambda, CloudWatch
// or IAM, so a hung emulator fails a deployment instead of a test run.
const awsCallTimeout = 30 * time.Second

// Lifecycle hook statuses.
const (
	hookPending   = "Pending"
	hookSucceeded = "Succeeded"
	hookFailed    = "Failed"
)

type phase int

const (
	phaseBeforeAllowTraffic phase = iota
	phaseAllowTraffic
	phaseAfterAllowTraffic
)

// deployment is one deployment and how far it has run.
type deployment struct {
	info  deploymentInfo
	group *group
	steps []step
	// spec is the AppSpec, read when the deployment starts.
	spec  *lambdaSpec
	phase phase
	// next is the index of the next weight to apply; nextAt is when.
	next   int
	nextAt time.Time
	hook   *hookExecution
	stop   *stopRequest
	// alarmsChecked is the clock reading of the last alarm poll, so alarms
	// are read once per Advance.
	alarmsChecked time.Time
	// rollbackOf is the deployment a rollback deployment undoes.
	rollbackOf *deployment
}

type hookExecution struct {
	name, function, executionID, status string
	deadline                            time.Time
}

type stopRequest struct{ rollback bool }

func (d *deployment) done() bool {
	switch d.info.Status {
	case statusSucceeded, statusFailed, statusStopped:
		return true
	}
	return false
}

func (d *deployment) rollsBackOn(event string) bool {
	a := d.info.AutoRollbackConfiguration
	return a != nil && a.Enabled && slices.Contains(a.Events, event)
}

// Advance moves the simulator clock by d and runs every deployment as far
// as it can go: started, hooks invoked and their statuses taken, weights
// applied whose bake time has passed, alarms polled, stops carried out.
// Hooks reported from OnHook take effect within the same call.
func (s *Simulator) Advance(d time.Duration) {
	s.running.Lock()
	defer s.running.Unlock()
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
	for {
		s.mu.Lock()
		calls := s.runLocked()
		s.mu.Unlock()
		if len(calls) == 0 {
			return
		}
		if s.opts.OnHook != nil {
			for _, c := range calls {
				s.opts.OnHook(c)
			}
		}
	}
}

// runLocked runs each deployment until it waits (for time or a hook) and
// returns the hooks it invoked.
func (s *Simulator) runLocked() []HookCall {
	var calls []HookCall
	// A rollback deployment created on the way is appended and run too.
	for i := 0; i < len(s.order); i++ {
		d := s.deployments[s.order[i]]
		for !d.done() {
			call, progressed := s.stepLocked(d)
			if call != nil {
				calls = append(calls, *call)
			}
			if !progressed {
				break
			}
		}
	}
	return calls
}

// stepLocked does the next thing deployment d is ready for, and says
// whether anything changed.
func (s *Simulator) stepLocked(d *deployment) (*HookCall, bool) {
	if d.stop != nil {
		s.endLocked(d, statusStopped, "MANUAL_STOP", "The deployment was stopped by a user request", d.stop.rollback)
		return nil, true
	}
	if d.info.Status == statusCreated {
		s.startLocked(d)
		return nil, true
	}
	if d.rollbackOf != nil {
		s.restoreLocked(d)
		return nil, true
	}
	if name, ok := s.alarmFiringLocked(d); ok {
		s.endLocked(d, statusStopped, "ALARM_ACTIVE",
			"One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <"+name+">",
			d.rollsBackOn(onAlarm))
		return nil, true
	}
	switch d.phase {
	case phaseBeforeAllowTraffic:
		return s.hookLocked(d, "BeforeAllowTraffic", d.spec.before, phaseAllowTraffic)
	case phaseAllowTraffic:
		return nil, s.shiftLocked(d)
	default:
		return s.hookLocked(d, "AfterAllowTraffic", d.spec.after, -1)
	}
}

func (s *Simulator) startLocked(d *deployment) {
	d.info.Status = statusInProgress
	d.info.StartTime = s.nowEpoch()
	d.info.DeploymentOverview = deploymentOverview{InProgress: 1}
	if d.rollbackOf != nil {
		return
	}
	content := d.info.Revision.AppSpecContent
	if sum := sha256.Sum256([]byte(content.Content)); content.Sha256 != "" && !strings.EqualFold(content.Sha256, hex.EncodeToString(sum[:])) {
		s.endLocked(d, statusFailed, "INVALID_REVISION", "The AppSpec file's SHA-256 does not match the sha256 given with it", false)
		return
	}
	spec, err := parseAppSpec(content.Content)
	if err != nil {
		s.endLocked(d, statusFailed, "INVALID_REVISION", "The AppSpec file is not valid: "+err.Error(), false)
		return
	}
	d.spec = spec
	alias, err := s.getAlias(spec)
	if err != nil {
		s.endLocked(d, statusFailed, "INVALID_LAMBDA_FUNCTION", fmt.Sprintf("Cannot read alias %s of function %s: %v", spec.alias, spec.function, err), false)
		return
	}
	if v := aws.ToString(alias.FunctionVersion); v != spec.current || weighted(alias) {
		s.endLocked(d, statusFailed, "INVALID_LAMBDA_CONFIGURATION",
			fmt.Sprintf("The alias %s of function %s points to version %s with weights %v, not to CurrentVersion %s alone", spec.alias, spec.function, v, weightsOf(alias), spec.current), false)
	}
}

func weighted(a *lambda.GetAliasOutput) bool {
	return len(weightsOf(a)) > 0
}

func weightsOf(a *lambda.GetAliasOutput) map[string]float64 {
	if a.RoutingConfig == nil {
		return nil
	}
	return a.RoutingConfig.AdditionalVersionWeights
}

// hookLocked runs one lifecycle hook: invoke it, then wait for its status.
// then is the phase after it; -1 ends the deployment.
func (s *Simulator) hookLocked(d *deployment, name, function string, then phase) (*HookCall, bool) {
	proceed := func() {
		if then < 0 {
			s.endLocked(d, statusSucceeded, "", "", false)
			return
		}
		d.phase = then
	}
	if function == "" {
		proceed()
		return nil, true
	}
	h := d.hook
	if h == nil || h.name != name {
		call := HookCall{DeploymentID: d.info.DeploymentID, LifecycleEventHookExecutionID: randomID(), Hook: name, Function: function}
		if err := s.invokeHook(call); err != nil {
			s.endLocked(d, statusFailed, "HOOK_EXECUTION_FAILURE", fmt.Sprintf("Invoking the %s hook function %s failed: %v", name, function, err), d.rollsBackOn(onFailure))
			return nil, true
		}
		d.hook = &hookExecution{name: name, function: function, executionID: call.LifecycleEventHookExecutionID, status: hookPending, deadline: s.now.Add(s.opts.HookTimeout)}
		s.hookCalls = append(s.hookCalls, call)
		return &call, true
	}
	switch h.status {
	case hookSucceeded:
		proceed()
		return nil, true
	case hookFailed:
		s.endLocked(d, statusFailed, "HOOK_EXECUTION_FAILURE",
			fmt.Sprintf("The deployment failed because the %s hook function %s reported Failed", name, function),
			d.rollsBackOn(onFailure))
		return nil, true
	}
	if !s.now.Before(h.deadline) {
		h.status = hookFailed
		s.endLocked(d, statusFailed, "HOOK_EXECUTION_FAILURE",
			fmt.Sprintf("The %s hook function %s did not report a status within %s", name, function, s.opts.HookTimeout),
			d.rollsBackOn(onFailure))
		return nil, true
	}
	return nil, false
}

// invokeHook invokes a hook function asynchronously, as CodeDeploy does,
// with the event every hook receives.
func (s *Simulator) invokeHook(c HookCall) error {
	payload, err := json.Marshal(map[string]string{
		"DeploymentId":                  c.DeploymentID,
		"LifecycleEventHookExecutionId": c.LifecycleEventHookExecutionID,
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), awsCallTimeout)
	defer cancel()
	out, err := s.opts.Lambda.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(c.Function),
		InvocationType: lambdatypes.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return err
	}
	if out.FunctionError != nil {
		return fmt.Errorf("function error %s", aws.ToString(out.FunctionError))
	}
	return nil
}

// shiftLocked applies the next weight once the bake times of the previous
// ones have passed.
func (s *Simulator) shiftLocked(d *deployment) bool {
	if d.next == 0 {
		d.nextAt = s.now
	}
	if s.now.Before(d.nextAt) {
		return false
	}
	st := d.steps[d.next]
	var err error
	if st.weight >= 1 {
		err = s.pointAlias(d.spec, d.spec.target)
	} else {
		err = s.updateAlias(d.spec, &lambda.UpdateAliasInput{
			FunctionVersion: aws.String(d.spec.current),
			RoutingConfig: &lambdatypes.AliasRoutingConfiguration{
				AdditionalVersionWeights: map[string]float64{d.spec.target: st.weight},
			},
		})
	}
	if err != nil {
		s.endLocked(d, statusFailed, "INVALID_LAMBDA_CONFIGURATION", fmt.Sprintf("Updating alias %s of function %s failed: %v", d.spec.alias, d.spec.function, err), d.next > 0 && d.rollsBackOn(onFailure))
		return true
	}
	// The schedule counts from the first step, so a long Advance applies
	// every step that has come due.
	d.next++
	d.nextAt = d.nextAt.Add(st.wait)
	if d.next == len(d.steps) {
		d.phase = phaseAfterAllowTraffic
	}
	return true
}

// alarmFiringLocked polls the group's alarms once per clock reading and
// returns the first one in ALARM, or one that cannot be read.
func (s *Simulator) alarmFiringLocked(d *deployment) (string, bool) {
	a := d.group.AlarmConfiguration
	if s.opts.CloudWatch == nil || a == nil || !a.Enabled || len(a.Alarms) == 0 || d.alarmsChecked.Equal(s.now) {
		return "", false
	}
	d.alarmsChecked = s.now
	names := make([]string, len(a.Alarms))
	for i, al := range a.Alarms {
		names[i] = al.Name
	}
	ctx, cancel := context.WithTimeout(context.Background(), awsCallTimeout)
	defer cancel()
	out, err := s.opts.CloudWatch.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: names})
	if err != nil {
		if a.IgnorePollAlarmFailure {
			return "", false
		}
		return strings.Join(names, ", ") + " (unreadable: " + err.Error() + ")", true
	}
	found := map[string]bool{}
	for _, m := range out.MetricAlarms {
		found[aws.ToString(m.AlarmName)] = true
		if m.StateValue == cwtypes.StateValueAlarm {
			return aws.ToString(m.AlarmName), true
		}
	}
	for _, n := range names {
		if !found[n] && !a.IgnorePollAlarmFailure {
			return n + " (not found)", true
		}
	}
	return "", false
}

// endLocked finishes a deployment; rollback starts a rollback deployment
// that puts the alias back on CurrentVersion, when traffic has moved.
func (s *Simulator) endLocked(d *deployment, status, code, message string, rollback bool) {
	d.info.Status = status
	d.info.CompleteTime = s.nowEpoch()
	switch status {
	case statusSucceeded:
		d.info.DeploymentOverview = deploymentOverview{Succeeded: 1}
	case statusFailed:
		d.info.DeploymentOverview = deploymentOverview{Failed: 1}
	default:
		d.info.DeploymentOverview = deploymentOverview{Skipped: 1}
	}
	if code != "" {
		d.info.ErrorInformation = &errorInformation{Code: code, Message: message}
	}
	if !rollback || d.spec == nil || d.next == 0 {
		return
	}
	rb := &deployment{
		group:      d.group,
		spec:       d.spec,
		rollbackOf: d,
		info: deploymentInfo{
			ApplicationName:          d.info.ApplicationName,
			DeploymentGroupName:      d.info.DeploymentGroupName,
			DeploymentConfigName:     "CodeDeployDefault.LambdaAllAtOnce",
			DeploymentID:             s.nextID("d-SIM"),
			Status:                   statusCreated,
			Description:              "Rollback of " + d.info.DeploymentID,
			Creator:                  "codeDeployRollback",
			ComputePlatform:          lambdaPlatform,
			CreateTime:               epoch(s.now),
			Revision:                 d.info.Revision,
			DeploymentOverview:       deploymentOverview{Pending: 1},
			DeploymentStyle:          d.info.DeploymentStyle,
			RollbackInfo:             &rollbackInfo{RollbackTriggeringDeploymentID: d.info.DeploymentID},
			DeploymentStatusMessages: []string{},
		},
	}
	s.deployments[rb.info.DeploymentID] = rb
	s.order = append(s.order, rb.info.DeploymentID)
	d.info.RollbackInfo = &rollbackInfo{
		RollbackDeploymentID: rb.info.DeploymentID,
		RollbackMessage:      "Automatic rollback to version " + d.spec.current + " in deployment " + rb.info.DeploymentID,
	}
}

// restoreLocked runs a rollback deployment: the alias goes back to the
// version it left, with no weights.
func (s *Simulator) restoreLocked(rb *deployment) {
	if err := s.pointAlias(rb.spec, rb.spec.current); err != nil {
		s.endLocked(rb, statusFailed, "INVALID_LAMBDA_CONFIGURATION", fmt.Sprintf("Restoring alias %s of function %s failed: %v", rb.spec.alias, rb.spec.function, err), false)
		return
	}
	s.endLocked(rb, statusSucceeded, "", "", false)
}

// pointAlias sends all of the alias's traffic to version.
func (s *Simulator) pointAlias(spec *lambdaSpec, version string) error {
	return s.updateAlias(spec, &lambda.UpdateAliasInput{
		FunctionVersion: aws.String(version),
		RoutingConfig:   &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{}},
	})
}

func (s *Simulator) updateAlias(spec *lambdaSpec, in *lambda.UpdateAliasInput) error {
	in.FunctionName, in.Name = aws.String(spec.function), aws.String(spec.alias)
	ctx, cancel := context.WithTimeout(context.Background(), awsCallTimeout)
	defer cancel()
	_, err := s.opts.Lambda.UpdateAlias(ctx, in)
	return err
}

func (s *Simulator) getAlias(spec *lambdaSpec) (*lambda.GetAliasOutput, error) {
	ctx, cancel := context.WithTimeout(context.Background(), awsCallTimeout)
	defer cancel()
	return s.opts.Lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(spec.function), Name: aws.String(spec.alias)})
}

// lambdaSpec is what a Lambda AppSpec says.
type lambdaSpec struct {
	function, alias, current, target string
	before, after                    string
}

// parseAppSpec reads an AppSpec in YAML or JSON. It is written apart from
// lamb's own parser so that the simulator checks what lamb renders rather
// than agreeing with it by construction.
func parseAppSpec(content string) (*lambdaSpec, error) {
	type properties struct {
		Name           string `yaml:"Name"`
		Alias          string `yaml:"Alias"`
		CurrentVersion string `yaml:"CurrentVersion"`
		TargetVersion  string `yaml:"TargetVersion"`
	}
	type resource struct {
		Type       string     `yaml:"Type"`
		Properties properties `yaml:"Properties"`
	}
	var doc struct {
		Version   string                `yaml:"version"`
		Resources []map[string]resource `yaml:"Resources"`
		Hooks     []map[string]string   `yaml:"Hooks"`
	}
	if err := yaml.Unmarshal([]byte(content), &doc); err != nil {
		return nil, err
	}
	if doc.Version != "0.0" {
		return nil, fmt.Errorf("version is %q, not 0.0", doc.Version)
	}
	if len(doc.Resources) != 1 || len(doc.Resources[0]) != 1 {
		return nil, fmt.Errorf("a Lambda AppSpec has exactly one resource")
	}
	var spec lambdaSpec
	for _, r := range doc.Resources[0] {
		if r.Type != "AWS::Lambda::Function" {
			return nil, fmt.Errorf("resource type is %q, not AWS::Lambda::Function", r.Type)
		}
		p := r.Properties
		spec = lambdaSpec{function: p.Name, alias: p.Alias, current: p.CurrentVersion, target: p.TargetVersion}
	}
	if spec.function == "" || spec.alias == "" || spec.current == "" || spec.target == "" {
		return nil, errors.New("the resource needs Name, Alias, CurrentVersion and TargetVersion")
	}
	if spec.current == spec.target {
		return nil, fmt.Errorf("CurrentVersion and TargetVersion are both %s", spec.current)
	}
	for _, h := range doc.Hooks {
		for name, fn := range h {
			switch name {
			case "BeforeAllowTraffic":
				spec.before = fn
			case "AfterAllowTraffic":
				spec.after = fn
			default:
				return nil, fmt.Errorf("unknown hook %q", name)
			}
		}
	}
	return &spec, nil
}
