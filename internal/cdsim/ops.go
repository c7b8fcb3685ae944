package cdsim

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// The wire types below carry CodeDeploy's JSON field names; only the
// fields of Lambda deployments are kept.

type application struct {
	ApplicationID   string `json:"applicationId"`
	ApplicationName string `json:"applicationName"`
	ComputePlatform string `json:"computePlatform"`
	CreateTime      epoch  `json:"createTime"`
	LinkedToGitHub  bool   `json:"linkedToGitHub"`
}

type alarmConfiguration struct {
	Enabled                bool    `json:"enabled"`
	IgnorePollAlarmFailure bool    `json:"ignorePollAlarmFailure"`
	Alarms                 []alarm `json:"alarms,omitempty"`
}

type alarm struct {
	Name string `json:"name"`
}

type autoRollbackConfiguration struct {
	Enabled bool     `json:"enabled"`
	Events  []string `json:"events,omitempty"`
}

type deploymentStyle struct {
	DeploymentType   string `json:"deploymentType,omitempty"`
	DeploymentOption string `json:"deploymentOption,omitempty"`
}

type group struct {
	ApplicationName           string                     `json:"applicationName"`
	DeploymentGroupID         string                     `json:"deploymentGroupId"`
	DeploymentGroupName       string                     `json:"deploymentGroupName"`
	DeploymentConfigName      string                     `json:"deploymentConfigName,omitempty"`
	ServiceRoleArn            string                     `json:"serviceRoleArn"`
	AlarmConfiguration        *alarmConfiguration        `json:"alarmConfiguration,omitempty"`
	AutoRollbackConfiguration *autoRollbackConfiguration `json:"autoRollbackConfiguration,omitempty"`
	DeploymentStyle           *deploymentStyle           `json:"deploymentStyle,omitempty"`
	ComputePlatform           string                     `json:"computePlatform"`
}

type timeBasedCanary struct {
	CanaryPercentage int `json:"canaryPercentage"`
	CanaryInterval   int `json:"canaryInterval"`
}

type timeBasedLinear struct {
	LinearPercentage int `json:"linearPercentage"`
	LinearInterval   int `json:"linearInterval"`
}

type trafficRoutingConfig struct {
	Type            string           `json:"type"`
	TimeBasedCanary *timeBasedCanary `json:"timeBasedCanary,omitempty"`
	TimeBasedLinear *timeBasedLinear `json:"timeBasedLinear,omitempty"`
}

type deploymentConfig struct {
	DeploymentConfigID   string                `json:"deploymentConfigId"`
	DeploymentConfigName string                `json:"deploymentConfigName"`
	ComputePlatform      string                `json:"computePlatform"`
	CreateTime           epoch                 `json:"createTime"`
	TrafficRoutingConfig *trafficRoutingConfig `json:"trafficRoutingConfig,omitempty"`
}

type errorInformation struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type appSpecContent struct {
	Content string `json:"content"`
	Sha256  string `json:"sha256,omitempty"`
}

type revisionLocation struct {
	RevisionType   string          `json:"revisionType"`
	AppSpecContent *appSpecContent `json:"appSpecContent,omitempty"`
}

type rollbackInfo struct {
	RollbackDeploymentID           string `json:"rollbackDeploymentId,omitempty"`
	RollbackTriggeringDeploymentID string `json:"rollbackTriggeringDeploymentId,omitempty"`
	RollbackMessage                string `json:"rollbackMessage,omitempty"`
}

type deploymentOverview struct {
	Pending    int `json:"Pending"`
	InProgress int `json:"InProgress"`
	Succeeded  int `json:"Succeeded"`
	Failed     int `json:"Failed"`
	Skipped    int `json:"Skipped"`
	Ready      int `json:"Ready"`
}

type deploymentInfo struct {
	ApplicationName           string                     `json:"applicationName"`
	DeploymentGroupName       string                     `json:"deploymentGroupName"`
	DeploymentConfigName      string                     `json:"deploymentConfigName"`
	DeploymentID              string                     `json:"deploymentId"`
	Status                    string                     `json:"status"`
	Description               string                     `json:"description,omitempty"`
	Creator                   string                     `json:"creator"`
	ComputePlatform           string                     `json:"computePlatform"`
	CreateTime                epoch                      `json:"createTime"`
	StartTime                 *epoch                     `json:"startTime,omitempty"`
	CompleteTime              *epoch                     `json:"completeTime,omitempty"`
	ErrorInformation          *errorInformation          `json:"errorInformation,omitempty"`
	Revision                  *revisionLocation          `json:"revision,omitempty"`
	RollbackInfo              *rollbackInfo              `json:"rollbackInfo,omitempty"`
	DeploymentOverview        deploymentOverview         `json:"deploymentOverview"`
	DeploymentStyle           *deploymentStyle           `json:"deploymentStyle,omitempty"`
	AutoRollbackConfiguration *autoRollbackConfiguration `json:"autoRollbackConfiguration,omitempty"`
	DeploymentStatusMessages  []string                   `json:"deploymentStatusMessages"`
}

// Deployment statuses.
const (
	statusCreated    = "Created"
	statusInProgress = "InProgress"
	statusSucceeded  = "Succeeded"
	statusFailed     = "Failed"
	statusStopped    = "Stopped"
)

// Auto-rollback events.
const (
	onFailure = "DEPLOYMENT_FAILURE"
	onAlarm   = "DEPLOYMENT_STOP_ON_ALARM"
)

const lambdaPlatform = "Lambda"

// maxAlarms is CodeDeploy's limit of alarms per deployment group.
const maxAlarms = 10

var handlers = map[string]func(*Simulator, []byte) (any, error){
	"GetApplication":                       (*Simulator).getApplication,
	"CreateApplication":                    (*Simulator).createApplication,
	"GetDeploymentGroup":                   (*Simulator).getDeploymentGroup,
	"CreateDeploymentGroup":                (*Simulator).createDeploymentGroup,
	"UpdateDeploymentGroup":                (*Simulator).updateDeploymentGroup,
	"GetDeploymentConfig":                  (*Simulator).getDeploymentConfig,
	"CreateDeploymentConfig":               (*Simulator).createDeploymentConfig,
	"CreateDeployment":                     (*Simulator).createDeployment,
	"GetDeployment":                        (*Simulator).getDeployment,
	"StopDeployment":                       (*Simulator).stopDeployment,
	"PutLifecycleEventHookExecutionStatus": (*Simulator).putHookStatus,
}

func (s *Simulator) getApplication(body []byte) (any, error) {
	var in struct{ ApplicationName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app, err := s.applicationLocked(in.ApplicationName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"application": *app}, nil
}

func (s *Simulator) applicationLocked(name string) (*application, error) {
	if name == "" {
		return nil, fail("ApplicationNameRequiredException", "the application name was not specified")
	}
	app := s.applications[name]
	if app == nil {
		return nil, fail("ApplicationDoesNotExistException", "No application found for name: %s", name)
	}
	return app, nil
}

func (s *Simulator) createApplication(body []byte) (any, error) {
	var in struct{ ApplicationName, ComputePlatform string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.ApplicationName == "" {
		return nil, fail("ApplicationNameRequiredException", "the application name was not specified")
	}
	platform := in.ComputePlatform
	if platform == "" {
		platform = "Server"
	}
	if !slices.Contains([]string{"Server", "Lambda", "ECS"}, platform) {
		return nil, fail("InvalidComputePlatformException", "unknown compute platform %q", platform)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.applications[in.ApplicationName] != nil {
		return nil, fail("ApplicationAlreadyExistsException", "%s already exists in your account", in.ApplicationName)
	}
	app := &application{
		ApplicationID:   s.nextID("app-"),
		ApplicationName: in.ApplicationName,
		ComputePlatform: platform,
		CreateTime:      epoch(s.now),
	}
	s.applications[in.ApplicationName] = app
	return map[string]string{"applicationId": app.ApplicationID}, nil
}

func (s *Simulator) groupLocked(app, name string) (*group, error) {
	if _, err := s.applicationLocked(app); err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fail("DeploymentGroupNameRequiredException", "the deployment group name was not specified")
	}
	g := s.groups[app+"/"+name]
	if g == nil {
		return nil, fail("DeploymentGroupDoesNotExistException", "No Deployment Group found for name: %s", name)
	}
	return g, nil
}

func (s *Simulator) getDeploymentGroup(body []byte) (any, error) {
	var in struct{ ApplicationName, DeploymentGroupName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupLocked(in.ApplicationName, in.DeploymentGroupName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"deploymentGroupInfo": *g}, nil
}

func (s *Simulator) createDeploymentGroup(body []byte) (any, error) {
	var in group
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := s.checkGroupSettings(&in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app, err := s.applicationLocked(in.ApplicationName)
	if err != nil {
		return nil, err
	}
	if in.DeploymentGroupName == "" {
		return nil, fail("DeploymentGroupNameRequiredException", "the deployment group name was not specified")
	}
	key := in.ApplicationName + "/" + in.DeploymentGroupName
	if s.groups[key] != nil {
		return nil, fail("DeploymentGroupAlreadyExistsException", "a deployment group named %s already exists for application %s", in.DeploymentGroupName, in.ApplicationName)
	}
	if app.ComputePlatform == lambdaPlatform && in.DeploymentStyle == nil {
		in.DeploymentStyle = &deploymentStyle{DeploymentType: "BLUE_GREEN", DeploymentOption: "WITH_TRAFFIC_CONTROL"}
	}
	if in.DeploymentConfigName == "" {
		in.DeploymentConfigName = "CodeDeployDefault.LambdaAllAtOnce"
	}
	if s.configs[in.DeploymentConfigName] == nil {
		return nil, fail("DeploymentConfigDoesNotExistException", "No deployment configuration found for name: %s", in.DeploymentConfigName)
	}
	in.DeploymentGroupID = s.nextID("dg-")
	in.ComputePlatform = app.ComputePlatform
	s.groups[key] = &in
	return map[string]string{"deploymentGroupId": in.DeploymentGroupID}, nil
}

// checkGroupSettings validates what CreateDeploymentGroup and
// UpdateDeploymentGroup share: the service role, the alarms, auto-rollback
// and the deployment style of a Lambda group.
func (s *Simulator) checkGroupSettings(g *group) error {
	if g.ServiceRoleArn == "" {
		return fail("RoleRequiredException", "the service role ARN was not specified")
	}
	if err := s.checkRole(g.ServiceRoleArn); err != nil {
		return err
	}
	if a := g.AlarmConfiguration; a != nil && len(a.Alarms) > maxAlarms {
		return fail("AlarmsLimitExceededException", "the maximum number of alarms for a deployment group (%d) has been exceeded", maxAlarms)
	}
	if a := g.AutoRollbackConfiguration; a != nil {
		for _, ev := range a.Events {
			if !slices.Contains([]string{onFailure, onAlarm, "DEPLOYMENT_STOP_ON_REQUEST"}, ev) {
				return fail("InvalidAutoRollbackConfigException", "unknown auto-rollback event %q", ev)
			}
		}
	}
	if st := g.DeploymentStyle; st != nil && (st.DeploymentType != "BLUE_GREEN" || st.DeploymentOption != "WITH_TRAFFIC_CONTROL") {
		return fail("InvalidDeploymentStyleException", "a Lambda deployment group needs deploymentType BLUE_GREEN and deploymentOption WITH_TRAFFIC_CONTROL, not %s/%s", st.DeploymentType, st.DeploymentOption)
	}
	return nil
}

// checkRole asks IAM, when the simulator has it, whether the role exists
// and trusts CodeDeploy, as CodeDeploy does before accepting a group.
func (s *Simulator) checkRole(arn string) error {
	if s.opts.IAM == nil {
		return nil
	}
	name := arn[strings.LastIndex(arn, "/")+1:]
	ctx, cancel := context.WithTimeout(context.Background(), awsCallTimeout)
	defer cancel()
	out, err := s.opts.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return fail("InvalidRoleException", "cannot read service role %s: %v", arn, err)
	}
	doc := aws.ToString(out.Role.AssumeRolePolicyDocument)
	if unescaped, err := url.QueryUnescape(doc); err == nil {
		doc = unescaped
	}
	if !strings.Contains(doc, "codedeploy.amazonaws.com") {
		return fail("InvalidRoleException", "AWS CodeDeploy does not have the permissions required to assume the role %s", arn)
	}
	return nil
}

func (s *Simulator) updateDeploymentGroup(body []byte) (any, error) {
	var in struct {
		group
		CurrentDeploymentGroupName string
		NewDeploymentGroupName     string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.NewDeploymentGroupName != "" {
		return nil, fail("InvalidDeploymentGroupNameException", "the simulator does not rename deployment groups")
	}
	s.mu.Lock()
	g, err := s.groupLocked(in.ApplicationName, in.CurrentDeploymentGroupName)
	var merged group
	if err == nil {
		merged = *g
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if in.ServiceRoleArn != "" {
		merged.ServiceRoleArn = in.ServiceRoleArn
	}
	if in.AlarmConfiguration != nil {
		merged.AlarmConfiguration = in.AlarmConfiguration
	}
	if in.AutoRollbackConfiguration != nil {
		merged.AutoRollbackConfiguration = in.AutoRollbackConfiguration
	}
	if in.DeploymentStyle != nil {
		merged.DeploymentStyle = in.DeploymentStyle
	}
	if in.DeploymentConfigName != "" {
		merged.DeploymentConfigName = in.DeploymentConfigName
	}
	if err := s.checkGroupSettings(&merged); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	*g = merged
	return map[string]any{"hooksNotCleanedUp": []any{}}, nil
}

func (s *Simulator) getDeploymentConfig(body []byte) (any, error) {
	var in struct{ DeploymentConfigName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.configs[in.DeploymentConfigName]
	if c == nil {
		return nil, fail("DeploymentConfigDoesNotExistException", "No deployment configuration found for name: %s", in.DeploymentConfigName)
	}
	return map[string]any{"deploymentConfigInfo": *c}, nil
}

func (s *Simulator) createDeploymentConfig(body []byte) (any, error) {
	var in deploymentConfig
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name := in.DeploymentConfigName
	switch {
	case name == "":
		return nil, fail("DeploymentConfigNameRequiredException", "the deployment configuration name was not specified")
	case strings.HasPrefix(name, "CodeDeployDefault."):
		return nil, fail("InvalidDeploymentConfigNameException", "names starting with CodeDeployDefault. are reserved")
	case in.ComputePlatform != lambdaPlatform:
		return nil, fail("InvalidComputePlatformException", "the simulator creates Lambda deployment configurations only, not %q", in.ComputePlatform)
	}
	if _, err := stepsOf(in.TrafficRoutingConfig); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.configs[name] != nil {
		return nil, fail("DeploymentConfigAlreadyExistsException", "A deployment configuration already exists with the name %s", name)
	}
	in.DeploymentConfigID = s.nextID("dc-")
	in.CreateTime = epoch(s.now)
	s.configs[name] = &in
	return map[string]string{"deploymentConfigId": in.DeploymentConfigID}, nil
}

// step is one alias weight and the bake time after it.
type step struct {
	weight float64
	wait   time.Duration
}

// stepsOf turns a Lambda traffic routing configuration into the weights
// CodeDeploy moves the alias through.
func stepsOf(t *trafficRoutingConfig) ([]step, error) {
	bad := func(format string, args ...any) ([]step, error) {
		return nil, fail("InvalidTrafficRoutingConfigurationException", format, args...)
	}
	if t == nil {
		return bad("a Lambda deployment configuration needs a trafficRoutingConfig")
	}
	switch t.Type {
	case "AllAtOnce":
		return []step{{weight: 1}}, nil
	case "TimeBasedCanary":
		c := t.TimeBasedCanary
		if c == nil || c.CanaryPercentage < 1 || c.CanaryPercentage > 99 || c.CanaryInterval < 1 {
			return bad("TimeBasedCanary needs canaryPercentage 1-99 and canaryInterval of at least 1 minute")
		}
		return []step{{weight: float64(c.CanaryPercentage) / 100, wait: time.Duration(c.CanaryInterval) * time.Minute}, {weight: 1}}, nil
	case "TimeBasedLinear":
		l := t.TimeBasedLinear
		if l == nil || l.LinearPercentage < 1 || l.LinearPercentage > 99 || l.LinearInterval < 1 {
			return bad("TimeBasedLinear needs linearPercentage 1-99 and linearInterval of at least 1 minute")
		}
		var steps []step
		for p := l.LinearPercentage; p < 100; p += l.LinearPercentage {
			steps = append(steps, step{weight: float64(p) / 100, wait: time.Duration(l.LinearInterval) * time.Minute})
		}
		return append(steps, step{weight: 1}), nil
	}
	return bad("unknown traffic routing type %q", t.Type)
}

// predefinedConfigs are CodeDeploy's own Lambda configurations.
func predefinedConfigs() []*deploymentConfig {
	canary := func(minutes int) *trafficRoutingConfig {
		return &trafficRoutingConfig{Type: "TimeBasedCanary", TimeBasedCanary: &timeBasedCanary{CanaryPercentage: 10, CanaryInterval: minutes}}
	}
	linear := func(minutes int) *trafficRoutingConfig {
		return &trafficRoutingConfig{Type: "TimeBasedLinear", TimeBasedLinear: &timeBasedLinear{LinearPercentage: 10, LinearInterval: minutes}}
	}
	byName := []struct {
		name    string
		routing *trafficRoutingConfig
	}{
		{"LambdaAllAtOnce", &trafficRoutingConfig{Type: "AllAtOnce"}},
		{"LambdaCanary10Percent5Minutes", canary(5)},
		{"LambdaCanary10Percent10Minutes", canary(10)},
		{"LambdaCanary10Percent15Minutes", canary(15)},
		{"LambdaCanary10Percent30Minutes", canary(30)},
		{"LambdaLinear10PercentEvery1Minute", linear(1)},
		{"LambdaLinear10PercentEvery2Minutes", linear(2)},
		{"LambdaLinear10PercentEvery3Minutes", linear(3)},
		{"LambdaLinear10PercentEvery10Minutes", linear(10)},
	}
	out := make([]*deploymentConfig, len(byName))
	for i, p := range byName {
		out[i] = &deploymentConfig{
			DeploymentConfigID:   "predefined-" + p.name,
			DeploymentConfigName: "CodeDeployDefault." + p.name,
			ComputePlatform:      lambdaPlatform,
			TrafficRoutingConfig: p.routing,
		}
	}
	return out
}

func (s *Simulator) createDeployment(body []byte) (any, error) {
	var in struct {
		ApplicationName           string
		DeploymentGroupName       string
		DeploymentConfigName      string
		Description               string
		Revision                  *revisionLocation
		AutoRollbackConfiguration *autoRollbackConfiguration
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Revision == nil {
		return nil, fail("RevisionRequiredException", "the revision was not specified")
	}
	if in.Revision.RevisionType != "AppSpecContent" || in.Revision.AppSpecContent == nil {
		return nil, fail("InvalidRevisionException", "a Lambda deployment needs revisionType AppSpecContent with appSpecContent, not %q", in.Revision.RevisionType)
	}
	if len(in.Description) > 100 {
		return nil, fail("DescriptionTooLongException", "the description is longer than 100 characters")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.groupLocked(in.ApplicationName, in.DeploymentGroupName)
	if err != nil {
		return nil, err
	}
	configName := in.DeploymentConfigName
	if configName == "" {
		configName = g.DeploymentConfigName
	}
	config := s.configs[configName]
	if config == nil {
		return nil, fail("DeploymentConfigDoesNotExistException", "No deployment configuration found for name: %s", configName)
	}
	steps, err := stepsOf(config.TrafficRoutingConfig)
	if err != nil {
		return nil, err
	}
	for _, id := range s.order {
		if d := s.deployments[id]; d.group == g && !d.done() {
			return nil, fail("DeploymentLimitExceededException", "The Deployment Group '%s' already has an active Deployment '%s'", g.DeploymentGroupName, id)
		}
	}
	rollback := g.AutoRollbackConfiguration
	if in.AutoRollbackConfiguration != nil {
		rollback = in.AutoRollbackConfiguration
	}
	d := &deployment{
		group: g,
		steps: steps,
		info: deploymentInfo{
			ApplicationName:           g.ApplicationName,
			DeploymentGroupName:       g.DeploymentGroupName,
			DeploymentConfigName:      configName,
			DeploymentID:              s.nextID("d-SIM"),
			Status:                    statusCreated,
			Description:               in.Description,
			Creator:                   "user",
			ComputePlatform:           lambdaPlatform,
			CreateTime:                epoch(s.now),
			Revision:                  in.Revision,
			DeploymentOverview:        deploymentOverview{Pending: 1},
			DeploymentStyle:           g.DeploymentStyle,
			AutoRollbackConfiguration: rollback,
			DeploymentStatusMessages:  []string{},
		},
	}
	s.deployments[d.info.DeploymentID] = d
	s.order = append(s.order, d.info.DeploymentID)
	return map[string]string{"deploymentId": d.info.DeploymentID}, nil
}

func (s *Simulator) deploymentLocked(id string) (*deployment, error) {
	if id == "" {
		return nil, fail("DeploymentIdRequiredException", "at least one deployment ID must be specified")
	}
	d := s.deployments[id]
	if d == nil {
		return nil, fail("DeploymentDoesNotExistException", "The deployment %s could not be found", id)
	}
	return d, nil
}

func (s *Simulator) getDeployment(body []byte) (any, error) {
	var in struct{ DeploymentID string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.deploymentLocked(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"deploymentInfo": d.info}, nil
}

func (s *Simulator) stopDeployment(body []byte) (any, error) {
	var in struct {
		DeploymentID        string
		AutoRollbackEnabled *bool
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.deploymentLocked(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	if d.done() {
		return nil, fail("DeploymentAlreadyCompletedException", "The deployment %s has already completed", in.DeploymentID)
	}
	// Without the flag CodeDeploy rolls back only when the group or the
	// deployment asks for it on a stop request.
	rollback := d.rollsBackOn("DEPLOYMENT_STOP_ON_REQUEST")
	if in.AutoRollbackEnabled != nil {
		rollback = *in.AutoRollbackEnabled
	}
	s.stops = append(s.stops, StopCall{DeploymentID: in.DeploymentID, AutoRollbackEnabled: rollback})
	d.stop = &stopRequest{rollback: rollback}
	return map[string]string{"status": "Pending", "statusMessage": "Stopping deployment " + in.DeploymentID}, nil
}

func (s *Simulator) putHookStatus(body []byte) (any, error) {
	var in struct {
		DeploymentID                  string
		LifecycleEventHookExecutionID string
		Status                        string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Status != hookSucceeded && in.Status != hookFailed {
		return nil, fail("InvalidLifecycleEventHookExecutionStatusException", "status %q is not Succeeded or Failed", in.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, err := s.deploymentLocked(in.DeploymentID)
	if err != nil {
		return nil, err
	}
	h := d.hook
	if h == nil || h.executionID != in.LifecycleEventHookExecutionID {
		return nil, fail("InvalidLifecycleEventHookExecutionIdException", "no lifecycle event hook execution %q in deployment %s", in.LifecycleEventHookExecutionID, in.DeploymentID)
	}
	if h.status != hookPending {
		return nil, fail("LifecycleEventAlreadyCompletedException", "the lifecycle event %s of deployment %s has already completed", h.name, in.DeploymentID)
	}
	h.status = in.Status
	return map[string]string{"lifecycleEventHookExecutionId": h.executionID}, nil
}
