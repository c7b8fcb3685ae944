package shift

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lambcli/lamb/pkg/appspec"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/progress"
)

// OutcomeStarted is the Outcome of a codedeploy shift run with NoWait: the
// deployment was created and goes on in CodeDeploy.
const OutcomeStarted = "started"

// CodeDeployAPI lists the CodeDeploy calls the codedeploy engine makes.
type CodeDeployAPI interface {
	GetApplication(ctx context.Context, in *codedeploy.GetApplicationInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetApplicationOutput, error)
	CreateApplication(ctx context.Context, in *codedeploy.CreateApplicationInput, optFns ...func(*codedeploy.Options)) (*codedeploy.CreateApplicationOutput, error)
	GetDeploymentGroup(ctx context.Context, in *codedeploy.GetDeploymentGroupInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentGroupOutput, error)
	CreateDeploymentGroup(ctx context.Context, in *codedeploy.CreateDeploymentGroupInput, optFns ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentGroupOutput, error)
	UpdateDeploymentGroup(ctx context.Context, in *codedeploy.UpdateDeploymentGroupInput, optFns ...func(*codedeploy.Options)) (*codedeploy.UpdateDeploymentGroupOutput, error)
	GetDeploymentConfig(ctx context.Context, in *codedeploy.GetDeploymentConfigInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentConfigOutput, error)
	CreateDeploymentConfig(ctx context.Context, in *codedeploy.CreateDeploymentConfigInput, optFns ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentConfigOutput, error)
	CreateDeployment(ctx context.Context, in *codedeploy.CreateDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.CreateDeploymentOutput, error)
	GetDeployment(ctx context.Context, in *codedeploy.GetDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.GetDeploymentOutput, error)
	StopDeployment(ctx context.Context, in *codedeploy.StopDeploymentInput, optFns ...func(*codedeploy.Options)) (*codedeploy.StopDeploymentOutput, error)
}

// ServiceRoleAPI lists the IAM calls that keep lamb's CodeDeploy service
// role: create it, attach AWSCodeDeployRoleForLambda, and keep its inline
// policy granting invoke on the hooks.
type ServiceRoleAPI interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	CreateRole(ctx context.Context, in *iam.CreateRoleInput, optFns ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	ListAttachedRolePolicies(ctx context.Context, in *iam.ListAttachedRolePoliciesInput, optFns ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	AttachRolePolicy(ctx context.Context, in *iam.AttachRolePolicyInput, optFns ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	GetRolePolicy(ctx context.Context, in *iam.GetRolePolicyInput, optFns ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error)
	PutRolePolicy(ctx context.Context, in *iam.PutRolePolicyInput, optFns ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error)
	DeleteRolePolicy(ctx context.Context, in *iam.DeleteRolePolicyInput, optFns ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)
}

// AliasAPI reads the alias whose traffic CodeDeploy moves.
type AliasAPI interface {
	GetAlias(ctx context.Context, in *lambda.GetAliasInput, optFns ...func(*lambda.Options)) (*lambda.GetAliasOutput, error)
}

var (
	_ CodeDeployAPI  = (*codedeploy.Client)(nil)
	_ ServiceRoleAPI = (*iam.Client)(nil)
	_ AliasAPI       = (*lambda.Client)(nil)
)

// Defaults of CodeDeployEngine.
const (
	DefaultCodeDeployPollInterval = 5 * time.Second
	DefaultCodeDeployStopWait     = 5 * time.Minute
	// hookAllowance is what CodeDeploy grants each hook to report (one
	// hour), plus slack for starting and finishing the deployment.
	hookAllowance     = time.Hour
	deploymentSlack   = 15 * time.Minute
	rolePropagation   = 60 * time.Second
	maxRoleRetryDelay = 8 * time.Second
	// maxDescription is CodeDeploy's limit on a deployment's description.
	maxDescription = 100
)

// Names and policies of lamb's CodeDeploy service role.
const (
	codeDeployTrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codedeploy.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	codeDeployRolePolicy  = "service-role/AWSCodeDeployRoleForLambda"
	serviceRoleSuffix     = "-lamb-codedeploy"
	maxRoleName           = 64
	// hookPolicyPrefix names the inline policy granting invoke on the hooks:
	// one per region, since IAM roles are global and hooks are regional.
	hookPolicyPrefix = "lamb-hooks-"
)

// CodeDeployEngine shifts traffic by creating a CodeDeploy deployment and
// following it. Its zero timing fields take production defaults; tests
// replace Sleep and Now.
type CodeDeployEngine struct {
	CodeDeploy CodeDeployAPI
	// IAM keeps lamb's service role; it is used only when ServiceRoleArn is
	// empty, and may be nil when it is set.
	IAM ServiceRoleAPI
	// Lambda, when set, reads the alias: progress shows the traffic split,
	// and a rollback is confirmed on the alias itself.
	Lambda AliasAPI
	// Region is where the hook functions live, for the ARNs the service
	// role may invoke.
	Region string

	// Application and DeploymentGroup name the CodeDeploy resources
	// (deploy.codedeploy in lamb.yaml); empty means lamb-<function> and the
	// alias's name. Missing ones are created.
	Application, DeploymentGroup string
	// ServiceRoleArn is the role CodeDeploy acts with; empty means the role
	// lamb keeps for the function, <function>-lamb-codedeploy.
	ServiceRoleArn string

	// NoWait returns as soon as the deployment is created.
	NoWait bool
	// PollInterval spaces the GetDeployment calls (default 5 s).
	PollInterval time.Duration
	// MaxWait bounds the wait for the deployment to end; the default is the
	// strategy's bake time plus an hour for each hook and 15 minutes.
	MaxWait time.Duration
	// StopWait bounds the wait for a stopped deployment and its rollback
	// (default 5 min).
	StopWait time.Duration
	// Sleep waits d or until ctx ends; nil sleeps for real. Now is the clock
	// of the step records; nil is time.Now.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

var _ Engine = (*CodeDeployEngine)(nil)

// CodeDeployConfigError is a CodeDeploy resource or option that lamb cannot
// use as configured; Field names the lamb.yaml setting to change.
type CodeDeployConfigError struct {
	Field   string
	Message string
	// Err is the underlying error, when there is one.
	Err error
}

func (e *CodeDeployConfigError) Error() string {
	return e.Field + ": " + e.Message
}

func (e *CodeDeployConfigError) Unwrap() error { return e.Err }

// Check returns the *CodeDeployConfigError of a request the engine cannot
// run as lamb.yaml configures it, so a caller can refuse before it changes
// anything: an error-rate gate, or a strategy no CodeDeploy deployment
// configuration expresses. Only the request's gate and strategy matter.
func (e *CodeDeployEngine) Check(r Request) error {
	if r.Gate != nil {
		return &CodeDeployConfigError{Field: "deploy.engine",
			Message: "the codedeploy engine cannot gate on the error rate: watch it with a CloudWatch alarm under deploy.alarms, or use engine: direct"}
	}
	if _, err := r.Strategy.CodeDeployConfig(); err != nil {
		return &CodeDeployConfigError{Field: "deploy.strategy", Message: err.Error(), Err: err}
	}
	return nil
}

// ServiceRoleName is the name of the CodeDeploy service role lamb keeps for
// a function: "<function>-lamb-codedeploy". A name longer than IAM's 64
// characters is cut and gets 8 hex digits of the function name's SHA-256,
// so distinct functions keep distinct roles.
func ServiceRoleName(function string) string {
	if len(function)+len(serviceRoleSuffix) <= maxRoleName {
		return function + serviceRoleSuffix
	}
	sum := sha256.Sum256([]byte(function))
	keep := maxRoleName - len(serviceRoleSuffix) - 1 - 8
	return function[:keep] + "-" + hex.EncodeToString(sum[:4]) + serviceRoleSuffix
}

func (e *CodeDeployEngine) names(r Request) (app, group string) {
	app, group = e.Application, e.DeploymentGroup
	if app == "" {
		app = "lamb-" + r.Function
	}
	if group == "" {
		group = r.Alias
	}
	return app, group
}

// Shift runs r as a CodeDeploy deployment: it makes sure the application,
// the deployment group (with lamb's service role unless one is configured)
// and the deployment configuration exist, creates the deployment with the
// AppSpec lamb renders, and follows it until it ends. A failed or stopped
// deployment is a *RolledBackError carrying CodeDeploy's error code and
// message once CodeDeploy has put the alias back; cancelling ctx stops the
// deployment with rollback and waits for that.
func (e *CodeDeployEngine) Shift(ctx context.Context, r Request) (Result, error) {
	if err := e.Check(r); err != nil {
		return Result{}, err
	}
	cfg, err := r.Strategy.CodeDeployConfig()
	if err != nil {
		return Result{}, err
	}
	spec := appspec.AppSpec{Name: r.Function, Alias: r.Alias, CurrentVersion: r.Current, TargetVersion: r.Target,
		Hooks: appspec.Hooks{BeforeAllowTraffic: r.Hooks.BeforeAllowTraffic, AfterAllowTraffic: r.Hooks.AfterAllowTraffic}}
	content, err := spec.YAML()
	if err != nil {
		return Result{}, fmt.Errorf("render the AppSpec of %s: %w", r.Function, err)
	}
	app, group := e.names(r)
	if err := e.ensureApplication(ctx, r, app); err != nil {
		return Result{}, err
	}
	if err := e.ensureGroup(ctx, r, app, group); err != nil {
		return Result{}, err
	}
	if err := e.ensureConfig(ctx, r, cfg); err != nil {
		return Result{}, err
	}
	out, err := e.CodeDeploy.CreateDeployment(ctx, &codedeploy.CreateDeploymentInput{
		ApplicationName:      aws.String(app),
		DeploymentGroupName:  aws.String(group),
		DeploymentConfigName: aws.String(cfg.Name),
		Description:          aws.String(description(r)),
		Revision: &cdtypes.RevisionLocation{
			RevisionType: cdtypes.RevisionLocationTypeAppSpecContent,
			AppSpecContent: &cdtypes.AppSpecContent{
				Content: aws.String(string(content)),
				Sha256:  aws.String(appspec.ContentSha256(content)),
			},
		},
		// Set on every deployment, so a group configured without it still
		// puts the alias back.
		AutoRollbackConfiguration: &cdtypes.AutoRollbackConfiguration{
			Enabled: true,
			Events:  []cdtypes.AutoRollbackEvent{cdtypes.AutoRollbackEventDeploymentFailure, cdtypes.AutoRollbackEventDeploymentStopOnAlarm},
		},
	})
	var busy *cdtypes.DeploymentLimitExceededException
	if errors.As(err, &busy) {
		return Result{}, fmt.Errorf("create deployment of %s in CodeDeploy group %s/%s: the group has a deployment in progress; wait for it to end, or stop it in the CodeDeploy console: %w", r.Function, app, group, err)
	}
	if err != nil {
		return Result{}, fmt.Errorf("create deployment of %s in CodeDeploy group %s/%s: %w", r.Function, app, group, err)
	}
	res := Result{DeploymentID: aws.ToString(out.DeploymentId)}
	e.emit(r, progress.Note, fmt.Sprintf("CodeDeploy deployment %s started (%s, version %s -> %s)", res.DeploymentID, cfg.Name, r.Current, r.Target))
	if e.NoWait {
		res.Outcome = OutcomeStarted
		return res, nil
	}
	return e.follow(ctx, r, res)
}

// description says what the deployment does, within CodeDeploy's limit.
func description(r Request) string {
	d := fmt.Sprintf("lamb: %s:%s %s -> %s (%s)", r.Function, r.Alias, r.Current, r.Target, r.Strategy)
	if len(d) > maxDescription {
		d = strings.ToValidUTF8(d[:maxDescription], "")
	}
	return d
}

func (e *CodeDeployEngine) emit(r Request, kind progress.Kind, msg string) {
	progress.OrDiscard(r.Events).Event(progress.Event{Function: r.Function, Step: "shift", Kind: kind, Message: msg})
}

func (e *CodeDeployEngine) ensureApplication(ctx context.Context, r Request, app string) error {
	out, err := e.CodeDeploy.GetApplication(ctx, &codedeploy.GetApplicationInput{ApplicationName: aws.String(app)})
	var missing *cdtypes.ApplicationDoesNotExistException
	switch {
	case errors.As(err, &missing):
		_, err = e.CodeDeploy.CreateApplication(ctx, &codedeploy.CreateApplicationInput{
			ApplicationName: aws.String(app),
			ComputePlatform: cdtypes.ComputePlatformLambda,
		})
		var exists *cdtypes.ApplicationAlreadyExistsException
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("create CodeDeploy application %s for %s: %w", app, r.Function, err)
		}
		e.emit(r, progress.Note, "created CodeDeploy application "+app)
		return nil
	case err != nil:
		return fmt.Errorf("get CodeDeploy application %s: %w", app, err)
	}
	if p := out.Application.ComputePlatform; p != cdtypes.ComputePlatformLambda {
		return &CodeDeployConfigError{Field: "deploy.codedeploy.application",
			Message: fmt.Sprintf("CodeDeploy application %s deploys to %s, not Lambda: name a Lambda application, or leave the field empty for lamb's own", app, p)}
	}
	return nil
}

// ensureGroup makes the deployment group exist with the alarms of r, and
// keeps lamb's service role (when the group uses it) allowed to invoke
// exactly r's hooks.
func (e *CodeDeployEngine) ensureGroup(ctx context.Context, r Request, app, group string) error {
	out, err := e.CodeDeploy.GetDeploymentGroup(ctx, &codedeploy.GetDeploymentGroupInput{
		ApplicationName: aws.String(app), DeploymentGroupName: aws.String(group),
	})
	var missing *cdtypes.DeploymentGroupDoesNotExistException
	if errors.As(err, &missing) {
		return e.createGroup(ctx, r, app, group)
	}
	if err != nil {
		return fmt.Errorf("get CodeDeploy deployment group %s/%s: %w", app, group, err)
	}
	info := out.DeploymentGroupInfo
	if p := info.ComputePlatform; p != "" && p != cdtypes.ComputePlatformLambda {
		return &CodeDeployConfigError{Field: "deploy.codedeploy.deploymentGroup",
			Message: fmt.Sprintf("CodeDeploy deployment group %s/%s deploys to %s, not Lambda", app, group, p)}
	}
	role := aws.ToString(info.ServiceRoleArn)
	if e.ServiceRoleArn == "" && strings.HasSuffix(role, "/"+ServiceRoleName(r.Function)) {
		if err := e.keepHookPolicy(ctx, r, role); err != nil {
			return err
		}
	}
	update := &codedeploy.UpdateDeploymentGroupInput{ApplicationName: aws.String(app), CurrentDeploymentGroupName: aws.String(group)}
	changed := false
	if e.ServiceRoleArn != "" && role != e.ServiceRoleArn {
		update.ServiceRoleArn, changed = aws.String(e.ServiceRoleArn), true
	}
	// Alarms listed in lamb.yaml replace the group's; with none listed the
	// group keeps the alarms someone gave it elsewhere.
	if len(r.Alarms) > 0 && !sameAlarms(info.AlarmConfiguration, r.Alarms) {
		update.AlarmConfiguration, changed = alarmConfig(r.Alarms), true
	}
	if !changed {
		return nil
	}
	if _, err := e.CodeDeploy.UpdateDeploymentGroup(ctx, update); err != nil {
		return fmt.Errorf("update CodeDeploy deployment group %s/%s (service role, alarms %s): %w", app, group, strings.Join(r.Alarms, ", "), err)
	}
	e.emit(r, progress.Note, "updated CodeDeploy deployment group "+app+"/"+group)
	return nil
}

func (e *CodeDeployEngine) createGroup(ctx context.Context, r Request, app, group string) error {
	role, created := e.ServiceRoleArn, false
	if role == "" {
		var err error
		if role, created, err = e.ensureServiceRole(ctx, r); err != nil {
			return err
		}
	}
	in := &codedeploy.CreateDeploymentGroupInput{
		ApplicationName:     aws.String(app),
		DeploymentGroupName: aws.String(group),
		ServiceRoleArn:      aws.String(role),
		AlarmConfiguration:  alarmConfig(r.Alarms),
		AutoRollbackConfiguration: &cdtypes.AutoRollbackConfiguration{
			Enabled: true,
			Events:  []cdtypes.AutoRollbackEvent{cdtypes.AutoRollbackEventDeploymentFailure, cdtypes.AutoRollbackEventDeploymentStopOnAlarm},
		},
		DeploymentStyle: &cdtypes.DeploymentStyle{
			DeploymentType:   cdtypes.DeploymentTypeBlueGreen,
			DeploymentOption: cdtypes.DeploymentOptionWithTrafficControl,
		},
	}
	create := func(ctx context.Context) error {
		_, err := e.CodeDeploy.CreateDeploymentGroup(ctx, in)
		return err
	}
	var err error
	if created {
		// A role created moments ago may not be assumable by CodeDeploy yet.
		err = e.retryInvalidRole(ctx, role, create)
	} else {
		err = create(ctx)
	}
	var exists *cdtypes.DeploymentGroupAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create CodeDeploy deployment group %s/%s with service role %s: %w", app, group, role, err)
	}
	e.emit(r, progress.Note, "created CodeDeploy deployment group "+app+"/"+group)
	return nil
}

func alarmConfig(alarms []string) *cdtypes.AlarmConfiguration {
	c := &cdtypes.AlarmConfiguration{Enabled: len(alarms) > 0}
	for _, a := range alarms {
		c.Alarms = append(c.Alarms, cdtypes.Alarm{Name: aws.String(a)})
	}
	return c
}

func sameAlarms(c *cdtypes.AlarmConfiguration, want []string) bool {
	if c == nil || !c.Enabled || c.IgnorePollAlarmFailure {
		return false
	}
	var have []string
	for _, a := range c.Alarms {
		have = append(have, aws.ToString(a.Name))
	}
	slices.Sort(have)
	w := slices.Clone(want)
	slices.Sort(w)
	return slices.Equal(slices.Compact(have), slices.Compact(w))
}

// retryInvalidRole repeats create while CodeDeploy refuses a new role as
// one it cannot assume, with jittered backoff, for at most a minute.
func (e *CodeDeployEngine) retryInvalidRole(ctx context.Context, role string, create func(context.Context) error) error {
	backoff := retry.NewExponentialJitterBackoff(maxRoleRetryDelay)
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		err := create(ctx)
		var invalid *cdtypes.InvalidRoleException
		if !errors.As(err, &invalid) {
			return err
		}
		if waited >= rolePropagation {
			return fmt.Errorf("CodeDeploy could still not assume new service role %s after %s; IAM changes can take longer to arrive, run the deploy again: %w", role, waited, err)
		}
		delay, berr := backoff.BackoffDelay(attempt, err)
		if berr != nil {
			return err
		}
		delay = min(max(delay, 500*time.Millisecond), rolePropagation-waited)
		if err := e.sleep(ctx, delay); err != nil {
			return err
		}
		waited += delay
	}
}

// errNoIAM is a programming error: the caller left out the IAM client that
// an engine without a configured service role needs.
var errNoIAM = errors.New("keep the CodeDeploy service role: the codedeploy engine has no IAM client; give it one, or set deploy.codedeploy.serviceRoleArn in lamb.yaml")

// ensureServiceRole makes lamb's CodeDeploy service role for the function
// exist, trusting CodeDeploy, with AWSCodeDeployRoleForLambda attached and
// the hooks of r invocable, and returns its ARN and whether it is new.
func (e *CodeDeployEngine) ensureServiceRole(ctx context.Context, r Request) (string, bool, error) {
	if e.IAM == nil {
		return "", false, errNoIAM
	}
	name := ServiceRoleName(r.Function)
	var arn string
	created := false
	out, err := e.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var missing *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &missing):
		made, err := e.IAM.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(name),
			AssumeRolePolicyDocument: aws.String(codeDeployTrustPolicy),
			Description:              aws.String("CodeDeploy service role for Lambda function " + r.Function + ", managed by lamb"),
			Tags: []iamtypes.Tag{
				{Key: aws.String(deploy.ManagedTagKey), Value: aws.String(deploy.ManagedTagValue)},
				{Key: aws.String(deploy.FunctionTagKey), Value: aws.String(r.Function)},
			},
		})
		if err != nil {
			return "", false, fmt.Errorf("create CodeDeploy service role %s for %s: %w", name, r.Function, err)
		}
		arn, created = aws.ToString(made.Role.Arn), true
		e.emit(r, progress.Note, "created CodeDeploy service role "+name)
	case err != nil:
		return "", false, fmt.Errorf("get CodeDeploy service role %s: %w", name, err)
	default:
		if err := checkServiceRoleOwner(name, r.Function, out.Role.Tags); err != nil {
			return "", false, err
		}
		arn = aws.ToString(out.Role.Arn)
	}
	policy := partitionOf(arn) + ":iam::aws:policy/" + codeDeployRolePolicy
	attached := false
	if !created {
		pages := iam.NewListAttachedRolePoliciesPaginator(e.IAM, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
		for pages.HasMorePages() && !attached {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return "", false, fmt.Errorf("list policies of CodeDeploy service role %s: %w", name, err)
			}
			attached = slices.ContainsFunc(page.AttachedPolicies, func(p iamtypes.AttachedPolicy) bool { return aws.ToString(p.PolicyArn) == policy })
		}
	}
	if !attached {
		if _, err := e.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(policy)}); err != nil {
			return "", false, fmt.Errorf("attach %s to CodeDeploy service role %s: %w", policy, name, err)
		}
	}
	if err := e.keepHookPolicy(ctx, r, arn); err != nil {
		return "", false, err
	}
	return arn, created, nil
}

func checkServiceRoleOwner(name, function string, tags []iamtypes.Tag) error {
	byKey := map[string]string{}
	for _, t := range tags {
		byKey[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	owner := byKey[deploy.FunctionTagKey]
	if byKey[deploy.ManagedTagKey] == deploy.ManagedTagValue && (owner == "" || owner == function) {
		return nil
	}
	msg := fmt.Sprintf("CodeDeploy service role %s exists but was not created by lamb for %s, and lamb does not modify roles it did not create: set serviceRoleArn to a role CodeDeploy can use, or rename or delete the role", name, function)
	return &CodeDeployConfigError{Field: "deploy.codedeploy.serviceRoleArn", Message: msg}
}

// partitionOf returns "arn:<partition>" of an ARN, "arn:aws" when it has none.
func partitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) < 3 || parts[0] != "arn" || parts[1] == "" {
		return "arn:aws"
	}
	return "arn:" + parts[1]
}

// accountOf returns the account of an ARN.
func accountOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// hookARNs returns the ARNs of r's hook functions, in a stable order; a
// hook given as an ARN is taken as it is.
func (e *CodeDeployEngine) hookARNs(r Request, roleARN string) ([]string, error) {
	var arns []string
	for _, h := range []string{r.Hooks.BeforeAllowTraffic, r.Hooks.AfterAllowTraffic} {
		switch {
		case h == "":
			continue
		case strings.HasPrefix(h, "arn:"):
			arns = append(arns, h)
		case e.Region == "":
			return nil, fmt.Errorf("grant CodeDeploy invoke on hook %s: the engine has no region to name it in", h)
		default:
			arns = append(arns, fmt.Sprintf("%s:lambda:%s:%s:function:%s", partitionOf(roleARN), e.Region, accountOf(roleARN), h))
		}
	}
	slices.Sort(arns)
	return slices.Compact(arns), nil
}

// keepHookPolicy makes the role's inline policy for this region allow
// lambda:InvokeFunction on exactly r's hooks, or removes it when r has none.
// It writes only when the policy differs.
func (e *CodeDeployEngine) keepHookPolicy(ctx context.Context, r Request, roleARN string) error {
	if e.IAM == nil {
		return errNoIAM
	}
	arns, err := e.hookARNs(r, roleARN)
	if err != nil {
		return err
	}
	role := roleARN[strings.LastIndex(roleARN, "/")+1:]
	policyName := strings.TrimSuffix(hookPolicyPrefix+e.Region, "-")
	current, err := e.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(policyName)})
	var missing *iamtypes.NoSuchEntityException
	exists := err == nil
	if err != nil && !errors.As(err, &missing) {
		return fmt.Errorf("get policy %s of CodeDeploy service role %s: %w", policyName, role, err)
	}
	if len(arns) == 0 {
		if !exists {
			return nil
		}
		if _, err := e.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(policyName)}); err != nil {
			return fmt.Errorf("remove hook policy %s from CodeDeploy service role %s: %w", policyName, role, err)
		}
		return nil
	}
	want, err := HookPolicy(arns)
	if err != nil {
		return err
	}
	if exists && samePolicy(aws.ToString(current.PolicyDocument), want) {
		return nil
	}
	if _, err := e.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(role), PolicyName: aws.String(policyName), PolicyDocument: aws.String(want),
	}); err != nil {
		return fmt.Errorf("allow CodeDeploy service role %s to invoke hooks %s: %w", role, strings.Join(arns, ", "), err)
	}
	e.emit(r, progress.Note, "allowed CodeDeploy to invoke "+strings.Join(arns, ", "))
	return nil
}

// HookPolicy is the inline policy lamb puts on its CodeDeploy service role:
// invoke on the given hook functions and nothing else.
func HookPolicy(arns []string) (string, error) {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":   "Allow",
			"Action":   "lambda:InvokeFunction",
			"Resource": arns,
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("render the hook policy: %w", err)
	}
	return string(b), nil
}

// samePolicy compares two policy documents as JSON values; IAM returns
// documents URL-encoded and may reorder keys.
func samePolicy(have, want string) bool {
	if unescaped, err := url.QueryUnescape(have); err == nil {
		have = unescaped
	}
	var a, b any
	if json.Unmarshal([]byte(have), &a) != nil || json.Unmarshal([]byte(want), &b) != nil {
		return false
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// ensureConfig creates the custom deployment configuration of a strategy
// CodeDeploy does not predefine, once: equal strategies share one by name.
func (e *CodeDeployEngine) ensureConfig(ctx context.Context, r Request, cfg appspec.DeploymentConfig) error {
	if cfg.Predefined {
		return nil
	}
	routing := &cdtypes.TrafficRoutingConfig{}
	switch cfg.Kind {
	case appspec.Canary:
		routing.Type = cdtypes.TrafficRoutingTypeTimeBasedCanary
		routing.TimeBasedCanary = &cdtypes.TimeBasedCanary{CanaryPercentage: cfg.Percent, CanaryInterval: cfg.IntervalMinutes}
	case appspec.Linear:
		routing.Type = cdtypes.TrafficRoutingTypeTimeBasedLinear
		routing.TimeBasedLinear = &cdtypes.TimeBasedLinear{LinearPercentage: cfg.Percent, LinearInterval: cfg.IntervalMinutes}
	default:
		return fmt.Errorf("deployment config %s: no custom CodeDeploy configuration for a %s strategy", cfg.Name, cfg.Kind)
	}
	out, err := e.CodeDeploy.GetDeploymentConfig(ctx, &codedeploy.GetDeploymentConfigInput{DeploymentConfigName: aws.String(cfg.Name)})
	var missing *cdtypes.DeploymentConfigDoesNotExistException
	switch {
	case errors.As(err, &missing):
	case err != nil:
		return fmt.Errorf("get CodeDeploy deployment config %s: %w", cfg.Name, err)
	case sameRouting(out.DeploymentConfigInfo, routing):
		return nil
	default:
		return &CodeDeployConfigError{Field: "deploy.strategy",
			Message: fmt.Sprintf("CodeDeploy deployment config %s exists with other traffic routing than %s: delete it so lamb can create it, or pick another strategy", cfg.Name, r.Strategy)}
	}
	_, err = e.CodeDeploy.CreateDeploymentConfig(ctx, &codedeploy.CreateDeploymentConfigInput{
		DeploymentConfigName: aws.String(cfg.Name),
		ComputePlatform:      cdtypes.ComputePlatformLambda,
		TrafficRoutingConfig: routing,
	})
	var exists *cdtypes.DeploymentConfigAlreadyExistsException
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("create CodeDeploy deployment config %s for strategy %s: %w", cfg.Name, r.Strategy, err)
	}
	e.emit(r, progress.Note, "created CodeDeploy deployment config "+cfg.Name)
	return nil
}

func sameRouting(info *cdtypes.DeploymentConfigInfo, want *cdtypes.TrafficRoutingConfig) bool {
	if info == nil || info.ComputePlatform != cdtypes.ComputePlatformLambda || info.TrafficRoutingConfig == nil {
		return false
	}
	have := info.TrafficRoutingConfig
	if have.Type != want.Type {
		return false
	}
	switch want.Type {
	case cdtypes.TrafficRoutingTypeTimeBasedCanary:
		return have.TimeBasedCanary != nil && *have.TimeBasedCanary == *want.TimeBasedCanary
	case cdtypes.TrafficRoutingTypeTimeBasedLinear:
		return have.TimeBasedLinear != nil && *have.TimeBasedLinear == *want.TimeBasedLinear
	}
	return true
}

// follow polls the deployment until it ends, reporting its status and the
// alias's traffic split as they change.
func (e *CodeDeployEngine) follow(ctx context.Context, r Request, res Result) (Result, error) {
	var wait time.Duration
	last := ""
	for {
		info, err := e.deployment(ctx, res.DeploymentID)
		if ctx.Err() != nil {
			return e.interrupt(ctx, r, res)
		}
		if err != nil {
			return res, fmt.Errorf("follow CodeDeploy deployment %s of %s: %w", res.DeploymentID, r.Function, err)
		}
		if msg := e.observe(ctx, r, &res, info); msg != last {
			e.emit(r, progress.Advanced, msg)
			last = msg
		}
		switch info.Status {
		case cdtypes.DeploymentStatusSucceeded:
			res.Outcome = OutcomeShifted
			return res, nil
		case cdtypes.DeploymentStatusFailed, cdtypes.DeploymentStatusStopped:
			return e.rolledBack(context.WithoutCancel(ctx), r, res, info, cause(info))
		}
		if wait >= e.maxWait(r) {
			return res, fmt.Errorf("CodeDeploy deployment %s of %s is still %s after %s: it goes on in CodeDeploy; follow or stop it in the CodeDeploy console", res.DeploymentID, r.Function, info.Status, wait)
		}
		if err := e.sleep(ctx, e.pollInterval()); err != nil {
			return e.interrupt(ctx, r, res)
		}
		wait += e.pollInterval()
	}
}

func (e *CodeDeployEngine) deployment(ctx context.Context, id string) (*cdtypes.DeploymentInfo, error) {
	out, err := e.CodeDeploy.GetDeployment(ctx, &codedeploy.GetDeploymentInput{DeploymentId: aws.String(id)})
	if err != nil {
		return nil, err
	}
	if out.DeploymentInfo == nil {
		return nil, fmt.Errorf("get deployment %s: CodeDeploy answered without deploymentInfo", id)
	}
	return out.DeploymentInfo, nil
}

// cause renders CodeDeploy's errorInformation: "HOOK_EXECUTION_FAILURE: ...".
func cause(info *cdtypes.DeploymentInfo) string {
	if ei := info.ErrorInformation; ei != nil && (ei.Code != "" || aws.ToString(ei.Message) != "") {
		return strings.TrimPrefix(string(ei.Code)+": "+aws.ToString(ei.Message), ": ")
	}
	return "CodeDeploy deployment " + aws.ToString(info.DeploymentId) + " " + strings.ToLower(string(info.Status))
}

// observe returns a line on the deployment's status and, when the engine
// can read the alias, its traffic split, which it records when it changed.
func (e *CodeDeployEngine) observe(ctx context.Context, r Request, res *Result, info *cdtypes.DeploymentInfo) string {
	msg := fmt.Sprintf("CodeDeploy deployment %s %s", res.DeploymentID, info.Status)
	if w, ok := e.weight(ctx, r); ok {
		msg += fmt.Sprintf(", %s of traffic on version %s", percent(w), r.Target)
		if n := len(res.Steps); n == 0 || res.Steps[n-1].Weight != w {
			res.Steps = append(res.Steps, StepRecord{At: e.now(), Weight: w, Note: string(info.Status)})
		}
	}
	return msg
}

// percent writes a weight as a percentage: 0.1 → "10%".
func percent(w float64) string {
	return strconv.FormatFloat(math.Round(w*1e6)/1e4, 'f', -1, 64) + "%"
}

// weight reads the share of the alias's traffic on the target version.
func (e *CodeDeployEngine) weight(ctx context.Context, r Request) (float64, bool) {
	if e.Lambda == nil {
		return 0, false
	}
	a, err := e.Lambda.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(r.Function), Name: aws.String(r.Alias)})
	if err != nil {
		return 0, false
	}
	if aws.ToString(a.FunctionVersion) == r.Target {
		return 1, true
	}
	if a.RoutingConfig != nil {
		return a.RoutingConfig.AdditionalVersionWeights[r.Target], true
	}
	return 0, true
}

// interrupt stops the deployment with rollback after ctx ended, and waits
// (on a context of its own, bounded by StopWait) for it and its rollback.
func (e *CodeDeployEngine) interrupt(ctx context.Context, r Request, res Result) (Result, error) {
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.stopWait())
	defer cancel()
	e.emit(r, progress.Advanced, "interrupted: stopping CodeDeploy deployment "+res.DeploymentID+" and rolling back")
	_, err := e.CodeDeploy.StopDeployment(stopCtx, &codedeploy.StopDeploymentInput{
		DeploymentId: aws.String(res.DeploymentID), AutoRollbackEnabled: aws.Bool(true),
	})
	var completed *cdtypes.DeploymentAlreadyCompletedException
	if err != nil && !errors.As(err, &completed) {
		return res, fmt.Errorf("stop CodeDeploy deployment %s of %s after an interruption: it may go on; stop it in the CodeDeploy console: %w", res.DeploymentID, r.Function, err)
	}
	info, err := e.waitEnd(stopCtx, r, res.DeploymentID)
	if err != nil {
		return res, err
	}
	if info.Status == cdtypes.DeploymentStatusSucceeded {
		res.Outcome = OutcomeShifted
		return res, fmt.Errorf("interrupted, but CodeDeploy deployment %s of %s had already moved all traffic to version %s: %w", res.DeploymentID, r.Function, r.Target, ctx.Err())
	}
	why := CauseInterrupted
	if info.Status == cdtypes.DeploymentStatusFailed {
		why = cause(info)
	}
	res, err = e.rolledBack(stopCtx, r, res, info, why)
	var rb *RolledBackError
	if errors.As(err, &rb) {
		return res, &interruptedError{rolledBack: rb, err: ctx.Err()}
	}
	return res, err
}

// interruptedError is a shift rolled back because ctx ended: it is both a
// *RolledBackError and the context's error, so callers can tell an
// interruption (exit 130) from a rollback CodeDeploy decided.
type interruptedError struct {
	rolledBack *RolledBackError
	err        error
}

func (e *interruptedError) Error() string   { return e.rolledBack.Error() }
func (e *interruptedError) Unwrap() []error { return []error{e.rolledBack, e.err} }

// waitEnd polls a deployment until it has ended, for at most StopWait.
func (e *CodeDeployEngine) waitEnd(ctx context.Context, r Request, id string) (*cdtypes.DeploymentInfo, error) {
	for {
		info, err := e.deployment(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("wait for CodeDeploy deployment %s of %s to end: %w", id, r.Function, err)
		}
		switch info.Status {
		case cdtypes.DeploymentStatusSucceeded, cdtypes.DeploymentStatusFailed, cdtypes.DeploymentStatusStopped:
			return info, nil
		}
		if err := e.sleep(ctx, e.pollInterval()); err != nil {
			return nil, fmt.Errorf("CodeDeploy deployment %s of %s did not end within %s (it is %s): check the alias, and the deployment in the CodeDeploy console: %w", id, r.Function, e.stopWait(), info.Status, err)
		}
	}
}

// rolledBack waits for CodeDeploy's rollback of a failed or stopped
// deployment and confirms it on the alias when it can read it. Only when the
// alias is back on the current version alone is the result a
// *RolledBackError; otherwise the error says traffic may still be split.
func (e *CodeDeployEngine) rolledBack(ctx context.Context, r Request, res Result, info *cdtypes.DeploymentInfo, why string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, e.stopWait())
	defer cancel()
	stillSplit := func(detail string) error {
		return fmt.Errorf("CodeDeploy deployment %s of %s ended (%s) but %s: the alias %s may still send traffic to version %s; move it back with lamb rollback %s",
			res.DeploymentID, r.Function, why, detail, r.Alias, r.Target, r.Function)
	}
	if rb := info.RollbackInfo; rb != nil && aws.ToString(rb.RollbackDeploymentId) != "" {
		id := aws.ToString(rb.RollbackDeploymentId)
		e.emit(r, progress.Advanced, "CodeDeploy rolls back in deployment "+id)
		done, err := e.waitEnd(ctx, r, id)
		if err != nil {
			return res, stillSplit("its rollback did not end: " + err.Error())
		}
		if done.Status != cdtypes.DeploymentStatusSucceeded {
			return res, stillSplit("its rollback deployment " + id + " " + strings.ToLower(string(done.Status)) + " (" + cause(done) + ")")
		}
	}
	if w, ok := e.weight(ctx, r); ok {
		res.Steps = append(res.Steps, StepRecord{At: e.now(), Weight: w, Note: "rolled back: " + why})
		if w != 0 {
			return res, stillSplit(fmt.Sprintf("%s of traffic is still on version %s", percent(w), r.Target))
		}
	}
	res.Outcome, res.Cause = OutcomeRolledBack, why
	e.emit(r, progress.Advanced, "rolled back: "+why)
	return res, &RolledBackError{Cause: why}
}

func (e *CodeDeployEngine) pollInterval() time.Duration {
	if e.PollInterval > 0 {
		return e.PollInterval
	}
	return DefaultCodeDeployPollInterval
}

func (e *CodeDeployEngine) stopWait() time.Duration {
	if e.StopWait > 0 {
		return e.StopWait
	}
	return DefaultCodeDeployStopWait
}

// maxWait is MaxWait, or the longest a deployment of r may take in
// CodeDeploy: every bake time, an hour per hook, and some slack.
func (e *CodeDeployEngine) maxWait(r Request) time.Duration {
	if e.MaxWait > 0 {
		return e.MaxWait
	}
	total := deploymentSlack
	for _, s := range r.Strategy.Steps() {
		total += s.Wait
	}
	for _, h := range []string{r.Hooks.BeforeAllowTraffic, r.Hooks.AfterAllowTraffic} {
		if h != "" {
			total += hookAllowance
		}
	}
	return total
}

func (e *CodeDeployEngine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *CodeDeployEngine) sleep(ctx context.Context, d time.Duration) error {
	if e.Sleep != nil {
		if err := e.Sleep(ctx, d); err != nil {
			return err
		}
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
