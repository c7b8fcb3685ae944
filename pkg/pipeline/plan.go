package pipeline

import (
	"context"
	"errors"

	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/limits"
)

// PlanClients are the AWS clients a plan reads with. They can only read:
// a plan changes nothing in AWS.
type PlanClients struct {
	// Lambda reads functions and aliases; when it can also read account
	// limits and layers (a LambdaReader), the pre-flight uses them.
	Lambda deploy.FunctionReader
	// S3 looks for zips already uploaded; nil is an error only for a
	// function whose zip goes through S3.
	S3 deploy.ArtifactFinder
	// IAM reads the execution roles lamb manages; nil is an error only for
	// a function without role in lamb.yaml.
	IAM deploy.RoleReader
	// Region is the one recorded on the roles lamb creates.
	Region string
	// SQS reads the queues of event sources in the pre-flight; nil skips
	// the reads.
	SQS deploy.QueueReader
	// Logs reads the functions' log groups; nil is an error only for a
	// function that sets logs.retentionDays.
	Logs deploy.LogGroupReader
	// ECR reads the container images of image functions.
	ECR deploy.ImageReader
	// Layers reads the versions of the layers of lamb.yaml; nil is an
	// error only when a function uses one.
	Layers deploy.LayerVersionLister
}

// PlanOptions are the inputs of a plan run.
type PlanOptions struct {
	CheckOptions
	// Clients returns the AWS clients; an error (no credentials) stops the
	// plan before anything is read.
	Clients func(context.Context) (PlanClients, error)
}

// Actions of a function's plan.
const (
	ActionCreate   = "create"
	ActionUpdate   = "update"
	ActionUpToDate = "up to date"
	ActionFailed   = "failed"
)

// Alias actions of a function's plan.
const (
	AliasCreate = "create"
	AliasMove   = "move"
	AliasStay   = "stay"
)

// PlanReport is the document `lamb plan --output json` prints.
//
// JSON fields: layers (one LayerResult per local layer the functions use:
// "publish" or "up to date"), functions (one PlanResult each, in lamb.yaml's order),
// skipped (what the pre-flight could not check), changes (how many
// functions a deploy would change), failed (how many could not be planned).
type PlanReport struct {
	Layers    []LayerResult `json:"layers"`
	Functions []PlanResult  `json:"functions"`
	Skipped   []string      `json:"skipped"`
	Changes   int           `json:"changes"`
	Failed    int           `json:"failed"`
}

// PlanResult is what a deploy would do to one function.
//
// JSON fields: function (key), name (AWS name), action ("create",
// "update", "up to date", "failed"), code, configChanges (field, old, new;
// an environment variable's old and new are "(set)", "(changed)" or "",
// never its value; architecture comes first when it changes), tagChanges,
// upload (null when the code is not sent), role (null when lamb.yaml names
// the role), alias, eventChanges (event source mappings created, updated
// or removed, and the execution role's event source policy),

// resourceChanges (invoke permissions as permissions.<statement id>, and
// the log group as logs.group and logs.retentionDays, that would be added,
// changed or removed), error.
type PlanResult struct {
	Function      string          `json:"function"`
	Name          string          `json:"name"`
	Action        string          `json:"action"`
	Code          CodePlan        `json:"code"`
	ConfigChanges []deploy.Change `json:"configChanges"`
	TagChanges    []deploy.Change `json:"tagChanges"`
	Upload        *UploadPlan     `json:"upload"`
	Role          *RolePlan       `json:"role"`
	Alias         AliasPlan       `json:"alias"`
	EventChanges  []deploy.Change `json:"eventChanges"`
	// ResourceChanges are what would change beside the configuration.
	ResourceChanges []deploy.Change `json:"resourceChanges"`
	Error           string          `json:"error,omitempty"`
}

// CodePlan compares the bundle with $LATEST's code.
//
// JSON fields: old ($LATEST's CodeSha256, absent for a new function), new
// (the bundle's), changed.
type CodePlan struct {
	Old     string `json:"old,omitempty"`
	New     string `json:"new"`
	Changed bool   `json:"changed"`
}

// UploadPlan is how the zip would reach Lambda.
//
// JSON fields: route ("direct", "s3", or "ecr" for a container image),
// bytes (zip size; an image's compressed size), bucket and key (s3 only),
// alreadyUploaded (s3: the object is there, nothing would be sent; always
// true for an image, which Lambda pulls from ECR), note (why S3 could not
// be asked).
type UploadPlan struct {
	Route           string `json:"route"`
	Bytes           int64  `json:"bytes"`
	Bucket          string `json:"bucket,omitempty"`
	Key             string `json:"key,omitempty"`
	AlreadyUploaded bool   `json:"alreadyUploaded"`
	Note            string `json:"note,omitempty"`
}

// Upload routes.
const (
	RouteDirect = "direct"
	RouteS3     = "s3"
)

// RolePlan is what would happen to the execution role lamb manages.
//
// JSON fields: name, arn (absent when it does not exist yet), create,
// attach and detach (managed policy ARNs), trust (the services the role
// will trust, when a new role trusts more than Lambda or the trust
// changes), putPolicy and deletePolicy (names of the inline policies lamb
// keeps, e.g. lamb-file-system for an EFS mount).
type RolePlan struct {
	Name         string   `json:"name"`
	ARN          string   `json:"arn,omitempty"`
	Create       bool     `json:"create"`
	Attach       []string `json:"attach"`
	Detach       []string `json:"detach"`
	Trust        []string `json:"trust,omitempty"`
	PutPolicy    []string `json:"putPolicy,omitempty"`
	DeletePolicy []string `json:"deletePolicy,omitempty"`
}

// Changes reports whether the role would be created or its policies changed.
func (r *RolePlan) Changes() bool {
	return r != nil && (r.Create || len(r.Attach) > 0 || len(r.Detach) > 0 || len(r.Trust) > 0 || len(r.PutPolicy) > 0 || len(r.DeletePolicy) > 0)
}

// rolePlanOf is the plan's form of what EnsureRole would do.
func rolePlanOf(rp deploy.RolePlan) *RolePlan {
	r := &RolePlan{Name: rp.RoleName, ARN: rp.RoleARN, Create: rp.Create, Attach: nonNil(rp.Attach), Detach: nonNil(rp.Detach)}
	if (rp.Create && len(rp.TrustServices) > 1) || rp.Trust != "" {
		r.Trust = rp.TrustServices
	}
	if rp.PutPolicy != "" {
		r.PutPolicy = []string{deploy.FileSystemPolicyName}
	}
	if rp.DeletePolicy {
		r.DeletePolicy = []string{deploy.FileSystemPolicyName}
	}
	return r
}

// AliasPlan is what would happen to the deploy alias.
//
// JSON fields: name, from (the version it is on, absent when missing),
// action ("create" at the new version, "move" to it, "stay"; absent when
// the function could not be planned).
type AliasPlan struct {
	Name   string `json:"name"`
	From   string `json:"from,omitempty"`
	Action string `json:"action,omitempty"`
}

// Plan runs package → measure layers → check on every function like
// Deploy, and stops with *LimitsViolated when a check fails; then, several
// functions at once, it reads each function and its execution role, and
// says what a deploy would change. It only reads, with the same reads and
// comparisons as Deploy: what it reports is what Deploy would do. One
// function failing to be read does not stop the others; the returned error
// joins the failures.
func Plan(ctx context.Context, cfg *config.Config, fns []*config.Function, o PlanOptions) (PlanReport, error) {
	// The pre-flight comes first and needs no credentials: a limit
	// violation is reported (exit 3) even where AWS cannot be reached.
	clients, clientsErr := o.Clients(ctx)
	if clientsErr != nil && ctx.Err() != nil {
		return PlanReport{}, clientsErr
	}
	o.CheckOptions = withQueues(o.CheckOptions, clients.SQS)
	o.CheckOptions = withImages(o.CheckOptions, clients.ECR, clients.Region)
	units, report, quotas, err := preflight(ctx, cfg, fns, o.CheckOptions, clients.Lambda, clientsErr)
	if err != nil {
		return PlanReport{}, err
	}
	if clientsErr != nil {
		return PlanReport{}, clientsErr
	}
	set := layerSetOf(units)
	layers, err := planLayers(ctx, clients.Layers, set, o.Concurrency)
	if err != nil {
		return PlanReport{Layers: layers, Functions: []PlanResult{}, Skipped: report.Skipped}, err
	}
	resolveLayers(units, set)
	// Each unit writes only its own result, so the map needs no lock.
	results := make(map[*Unit]*PlanResult, len(units))
	for _, u := range units {
		results[u] = &PlanResult{}
	}
	r := o.runner(
		planReadStep{api: clients.Lambda},
		planRoleStep{api: clients.IAM, region: clients.Region, results: results},
		planUploadStep{api: clients.S3, directLimit: quotas.Value(limits.QuotaZippedSize), results: results},
		planEventsStep{lambda: clients.Lambda, iam: clients.IAM, results: results},
		planPermissionsStep{api: clients.Lambda, results: results},
		planLogsStep{api: clients.Logs, results: results},
	)
	r.KeepGoing = true
	runErr := r.Run(ctx, units)
	out := PlanReport{Layers: layers, Functions: make([]PlanResult, len(units)), Skipped: report.Skipped}
	for i, u := range units {
		res := planResultOf(u, results[u])
		switch res.Action {
		case ActionFailed:
			out.Failed++
		case ActionCreate, ActionUpdate:
			out.Changes++
		}
		out.Functions[i] = res
	}
	return out, runErr
}

func planResultOf(u *Unit, res *PlanResult) PlanResult {
	s := u.Deploy
	p := s.Plan
	out := *res
	out.Function, out.Name = u.Key(), u.Function.Name
	out.Code = CodePlan{Old: p.OldCodeSha256, New: codeSha256(u), Changed: p.CodeChanged}
	out.ConfigChanges, out.TagChanges = []deploy.Change{}, []deploy.Change{}
	if out.EventChanges == nil {
		out.EventChanges = []deploy.Change{}
	}
	if out.ResourceChanges == nil {
		out.ResourceChanges = []deploy.Change{}
	}
	out.Alias = AliasPlan{Name: u.Function.Deploy.Alias}
	if u.Err != nil {
		out.Action, out.Error = ActionFailed, u.Err.Error()
		return out
	}
	if p.ArchitectureChanged {
		out.ConfigChanges = append(out.ConfigChanges, deploy.Change{Field: "architecture", Old: deploy.Deployed(s.Remote.Latest).Architecture, New: s.Desired.Architecture})
	}
	out.ConfigChanges = append(out.ConfigChanges, p.ConfigChanges...)
	out.TagChanges = append(out.TagChanges, p.TagChanges...)
	out.Alias.From = p.AliasFrom
	switch {
	case s.Remote.Alias == nil:
		out.Alias.Action = AliasCreate
	case p.UpToDate:
		out.Alias.Action = AliasStay
	default:
		out.Alias.Action = AliasMove
	}
	switch {
	case p.Create:
		out.Action = ActionCreate
	case p.UpToDate && len(out.EventChanges) == 0 && len(out.ResourceChanges) == 0:
		out.Action = ActionUpToDate
	default:
		out.Action = ActionUpdate
	}
	return out
}

// planReadStep reads the function as the deploy's read step does.
type planReadStep struct{ api deploy.FunctionReader }

func (planReadStep) Name() string      { return "read" }
func (planReadStep) Skip(*Unit) string { return "" }
func (s planReadStep) Run(ctx context.Context, u *Unit) error {
	if s.api == nil {
		return errors.New("no Lambda client to read the function")
	}
	return readAndPlan(ctx, s.api, u)
}

// planRoleStep reads the execution role lamb manages and says what the
// deploy's role step would change.
type planRoleStep struct {
	api     deploy.RoleReader
	region  string
	results map[*Unit]*PlanResult
}

func (planRoleStep) Name() string { return "role" }
func (planRoleStep) Skip(u *Unit) string {
	if u.Function.Role != "" {
		return "role given in lamb.yaml"
	}
	return ""
}
func (s planRoleStep) Run(ctx context.Context, u *Unit) error {
	if s.api == nil {
		return errors.New("no IAM client to read the execution role; set role in lamb.yaml")
	}
	rp, err := deploy.PlanRole(ctx, s.api, roleSpec(u.Function, s.region))
	if err != nil {
		return err
	}
	s.results[u].Role = rolePlanOf(rp)
	role := rp.RoleARN
	if rp.Create {
		// Its ARN is known once it exists; until then the name stands for it.
		role = rp.RoleName
	}
	planWithRole(u, role)
	return nil
}

// planUploadStep says how the zip would travel, and whether S3 already
// holds it.
type planUploadStep struct {
	api         deploy.ArtifactFinder
	directLimit int64
	results     map[*Unit]*PlanResult
}

func (planUploadStep) Name() string { return "upload route" }
func (planUploadStep) Skip(u *Unit) string {
	if !codeGoesUp(u.Deploy.Plan) {
		return "code unchanged"
	}
	return ""
}
func (s planUploadStep) Run(ctx context.Context, u *Unit) error {
	if img := u.Image; img != nil {
		s.results[u].Upload = &UploadPlan{Route: RouteECR, Bytes: img.SizeBytes, AlreadyUploaded: true}
		return nil
	}
	a, t := artifactOf(u)
	direct, err := deploy.ChooseRoute(a, t, s.directLimit)
	if err != nil {
		return err
	}
	up := &UploadPlan{Route: RouteDirect, Bytes: a.ZippedBytes}
	s.results[u].Upload = up
	if direct {
		return nil
	}
	up.Route, up.Bucket, up.Key = RouteS3, t.Bucket, t.Key(a)
	if s.api == nil {
		return errors.New("no S3 client to look for the zip")
	}
	found, err := deploy.FindArtifact(ctx, s.api, a, t)
	if err != nil {
		return err
	}
	up.AlreadyUploaded = found.Stored
	if found.Denied {
		up.Note = "S3 denied the lookup (s3:GetObject and s3:ListBucket let lamb find unchanged zips): deploy would upload"
	}
	return nil
}

// withQueues lets the pre-flight read queues through api, unless the
// caller gave its own reader.
func withQueues(o CheckOptions, api deploy.QueueReader) CheckOptions {
	if o.Queues == nil && api != nil {
		o.Queues = func(context.Context) (deploy.QueueReader, error) { return api, nil }
	}
	return o
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
