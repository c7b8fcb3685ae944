package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/internal/safefile"
	"github.com/lambcli/lamb/internal/units"
	"github.com/lambcli/lamb/pkg/config"
	"github.com/lambcli/lamb/pkg/deploy"
	"github.com/lambcli/lamb/pkg/deploy/shift"
	"github.com/lambcli/lamb/pkg/limits"
	"github.com/lambcli/lamb/pkg/progress"
)

// DeployState is a unit's AWS side, filled in by the deploy steps.
type DeployState struct {
	// Desired is the configuration to deploy; Remote what Lambda has; Plan
	// the difference.
	Desired deploy.Desired
	Remote  deploy.Remote
	Plan    deploy.Plan
	// RoleCreated says lamb created or changed the execution role in this run.
	RoleCreated bool
	// Code is where the bundle went (direct or S3).
	Code deploy.CodeLocation
	zip  []byte
	// Latest is $LATEST after the sync.
	Latest *lambdatypes.FunctionConfiguration
	// Version is the published version; AliasFrom the version the alias left.
	Version   string
	AliasFrom string
	// Pruned lists the versions deleted after the deploy.
	Pruned []string
	// Shift is how the alias moved when it moved through a traffic shift.
	Shift *ShiftReport
	// inProgress is the shift recorded on the alias when it was read,
	// which the deploy undoes first (only with Force).
	inProgress *shift.InProgress
}

// DeployClients are the AWS clients a deploy uses.
type DeployClients struct {
	Lambda deploy.LambdaAPI
	S3     deploy.S3API
	IAM    deploy.IAMAPI
	// Layers publishes the layers of lamb.yaml; nil is an error only when
	// a function uses one.
	Layers deploy.LayerPublishAPI
	// Region names the region in the tags of the roles lamb creates.
	Region string
	// SQS reads the queues of event sources in the pre-flight; nil skips
	// the reads.
	SQS deploy.QueueReader
	// Logs keeps the retention of the functions' log groups; nil is an
	// error only for a function that sets logs.retentionDays.
	Logs deploy.LogsAPI
	// ECR reads the container images of image functions.
	ECR deploy.ImageReader
	// Shift moves the alias when deploy.strategy shifts traffic in steps.
	Shift ShiftClients
}

// DeployOptions are the inputs of a deploy run.
type DeployOptions struct {
	CheckOptions
	// Clients returns the AWS clients; an error (no credentials) stops the
	// deploy before any write.
	Clients func(context.Context) (DeployClients, error)
	// Force publishes a version even when nothing changed, and undoes a
	// traffic shift in progress on the alias rather than refusing to deploy.
	Force bool
	// LambVersion is written into each version's description.
	LambVersion string
	// Tune adjusts the deployer (timings, sleeps) before use; tests set it.
	Tune func(*deploy.Deployer)
	// TuneShift adjusts the direct shift engine before use; tests set it.
	TuneShift func(*shift.Direct)
	// TuneCodeDeploy adjusts the codedeploy engine before use; tests set it.
	TuneCodeDeploy func(*shift.CodeDeployEngine)
	// NoWait makes a codedeploy shift return once its deployment is
	// created: the function's outcome is then "started".
	NoWait bool
}

// LimitsViolated is returned when the pre-flight finds an error: nothing
// was written to AWS.
type LimitsViolated struct {
	Report limits.Report
}

func (e *LimitsViolated) Error() string {
	return fmt.Sprintf("%d pre-flight finding(s) would make Lambda refuse the deploy; nothing was changed in AWS", e.Report.Errors)
}

// Outcomes of a function's deploy.
const (
	OutcomeDeployed = "deployed"
	OutcomeUpToDate = "up to date"
	OutcomeFailed   = "failed"
	// OutcomeRolledBack: the version was published, but its traffic shift
	// was rolled back and the alias serves the version it served before.
	OutcomeRolledBack = "rolled back"
	// OutcomeStarted: the version was published and a CodeDeploy
	// deployment (--no-wait) moves the alias to it.
	OutcomeStarted = "started"
)

// DeployResult is one function's outcome.
//
// JSON fields: function (key), name (AWS name), outcome ("deployed", "up to
// date", "failed", "rolled back", "started"), version (published), previousVersion
// (the version the alias left), alias, route ("direct", "s3", "ecr" for a
// container image Lambda pulls, or "" when the code did not change), uploaded (false when S3 already had the zip), bytes
// (zip size), created (the function is new), roleCreated, codeChanged,
// configChanges (field, old, new; environment values masked; also the
// function URL, concurrency, asynchronous settings, invoke permissions as
// permissions.<statement id> and log group settings changed), pruned
// (versions deleted), shift (when the alias moved through a traffic shift:
// see ShiftReport), image (a container image function's image),
// edgeVersionArn (a Lambda@Edge function's version ARN to associate with
// the CloudFront distribution), seconds, error.
type DeployResult struct {
	Function        string          `json:"function"`
	Name            string          `json:"name"`
	Outcome         string          `json:"outcome"`
	Version         string          `json:"version,omitempty"`
	PreviousVersion string          `json:"previousVersion,omitempty"`
	Alias           string          `json:"alias"`
	Route           string          `json:"route,omitempty"`
	Uploaded        bool            `json:"uploaded"`
	Bytes           int64           `json:"bytes"`
	Created         bool            `json:"created"`
	RoleCreated     bool            `json:"roleCreated"`
	CodeChanged     bool            `json:"codeChanged"`
	ConfigChanges   []deploy.Change `json:"configChanges"`
	Pruned          []string        `json:"pruned"`
	Shift           *ShiftReport    `json:"shift,omitempty"`
	Image           string          `json:"image,omitempty"`
	EdgeARN         string          `json:"edgeVersionArn,omitempty"`
	Seconds         float64         `json:"seconds"`
	Error           string          `json:"error,omitempty"`
}

// DeployReport is the document `lamb deploy --output json` prints.
//
// JSON fields: layers (one LayerResult per local layer the functions use,
// published before them), functions (one DeployResult each, in lamb.yaml's
// order), skipped (what the pre-flight could not check), failed (how many
// functions failed).
type DeployReport struct {
	Layers    []LayerResult  `json:"layers"`
	Functions []DeployResult `json:"functions"`
	Skipped   []string       `json:"skipped"`
	Failed    int            `json:"failed"`
}

// Deploy runs package → measure layers → check on every function, and
// stops with *LimitsViolated before any AWS write if a check fails; then it
// runs read → role → upload → sync → publish → alias → prune on each
// function, several at once. One function's failure neither stops nor
// corrupts the others: the report says how each ended, and the returned
// error joins the failures.
func Deploy(ctx context.Context, cfg *config.Config, fns []*config.Function, o DeployOptions) (DeployReport, error) {
	// The pre-flight comes first and needs no credentials: a limit
	// violation is reported (exit 3) even where AWS cannot be reached.
	clients, clientsErr := o.Clients(ctx)
	if clientsErr != nil && ctx.Err() != nil {
		return DeployReport{}, clientsErr
	}
	// An engine that cannot run stops the deploy before anything is built;
	// without clients there is no engine to build, and the pre-flight
	// still runs before the credentials error is returned.
	var engines map[string]shift.Engine
	if clientsErr == nil {
		var err error
		if engines, err = shiftEngines(fns, clients.Shift, o.TuneShift, codeDeployTuning(o.NoWait, o.TuneCodeDeploy)); err != nil {
			return DeployReport{}, err
		}
	}
	o.CheckOptions = withQueues(o.CheckOptions, clients.SQS)
	o.CheckOptions = withImages(o.CheckOptions, clients.ECR, clients.Region)
	units, report, quotas, err := preflight(ctx, cfg, fns, o.CheckOptions, clients.Lambda, clientsErr)
	if err != nil {
		return DeployReport{}, err
	}
	if clientsErr != nil {
		return DeployReport{}, clientsErr
	}
	// Layers go first, once each: the functions refer to their versions.
	set := layerSetOf(units)
	layers, err := publishLayers(ctx, clients.Layers, clients.S3, quotas.Value(limits.QuotaZippedSize), set, fns, o.Concurrency, o.Events)
	if err != nil {
		return DeployReport{Layers: layers, Functions: []DeployResult{}, Skipped: report.Skipped}, err
	}
	resolveLayers(units, set)
	d := &deploy.Deployer{Lambda: clients.Lambda}
	if o.Tune != nil {
		o.Tune(d)
	}
	steps := []Step{
		readStep{d: d, force: o.Force},
		roleStep{api: clients.IAM, region: clients.Region},
		uploadStep{api: clients.S3, directLimit: quotas.Value(limits.QuotaZippedSize)},
		syncStep{d: d},
		publishStep{d: d, lambVersion: o.LambVersion, provenance: gitProvenance(ctx, cfg.Dir)},
		aliasStep{d: d, engines: engines, undo: undoEngine(clients.Shift, o.TuneShift)},
		extrasStep{d: d},
		eventsStep{d: d, iam: clients.IAM},
		permissionsStep{api: clients.Lambda},
		logsStep{logs: clients.Logs, lambda: clients.Lambda},
		pruneStep{d: d},
	}
	r := o.runner(steps...)
	r.KeepGoing = true
	runErr := r.Run(ctx, units)
	out := DeployReport{Layers: layers, Functions: make([]DeployResult, len(units)), Skipped: report.Skipped}
	for i, u := range units {
		out.Functions[i] = resultOf(u)
		if u.Err != nil {
			out.Failed++
		}
	}
	return out, runErr
}

// preflight runs package → measure layers → check, reading account limits
// and layer sizes through api when it can, and stops with *LimitsViolated
// when a check fails.
func preflight(ctx context.Context, cfg *config.Config, fns []*config.Function, o CheckOptions, api any, apiErr error) ([]*Unit, limits.Report, limits.Quotas, error) {
	o.Lambda = func(context.Context) (LambdaReader, error) {
		if apiErr != nil {
			return nil, apiErr
		}
		r, ok := api.(LambdaReader)
		if !ok {
			return nil, errors.New("the Lambda client cannot read account limits")
		}
		return r, nil
	}
	units, report, quotas, err := check(ctx, cfg, fns, o)
	if err != nil {
		return nil, limits.Report{}, nil, err
	}
	if report.Failed() {
		return nil, limits.Report{}, nil, &LimitsViolated{Report: report}
	}
	return units, report, quotas, nil
}

func resultOf(u *Unit) DeployResult {
	s := u.Deploy
	res := DeployResult{
		Function: u.Key(), Name: u.Function.Name, Alias: u.Function.Deploy.Alias,
		Version: s.Version, PreviousVersion: s.AliasFrom, Created: s.Plan.Create, RoleCreated: s.RoleCreated,
		CodeChanged: s.Plan.CodeChanged, ConfigChanges: s.Plan.ConfigChanges, Pruned: s.Pruned,
		Uploaded: s.Code.Uploaded, Seconds: u.Took.Round(10 * time.Millisecond).Seconds(),
	}
	if res.ConfigChanges == nil {
		res.ConfigChanges = []deploy.Change{}
	}
	if res.Pruned == nil {
		res.Pruned = []string{}
	}
	if u.Manifest != nil {
		res.Bytes = u.Manifest.ZippedBytes
	}
	if s.Code.ZipFile {
		res.Route = "direct"
	} else if s.Code.Key != "" {
		res.Route = "s3"
	}
	res.Shift = s.Shift
	if u.Function.Image != "" {
		res.Route, res.Image = "", u.Function.Image
		if s.Code.ImageURI != "" {
			res.Route = RouteECR
		}
		if u.Image != nil {
			res.Bytes = u.Image.SizeBytes
		}
	}
	res.EdgeARN = edgeVersionARN(u)
	var rolledBack *shift.RolledBackError
	switch {
	case errors.As(u.Err, &rolledBack):
		res.Outcome, res.Error = OutcomeRolledBack, u.Err.Error()
	case u.Err != nil:
		res.Outcome, res.Error = OutcomeFailed, u.Err.Error()
	case s.Plan.UpToDate:
		res.Outcome = OutcomeUpToDate
	case s.Shift != nil && s.Shift.Outcome == shift.OutcomeStarted:
		res.Outcome = OutcomeStarted
	default:
		res.Outcome = OutcomeDeployed
	}
	return res
}

// readStep reads the function's state and plans the deploy.
type readStep struct {
	d     *deploy.Deployer
	force bool
}

func (readStep) Name() string { return "read" }
func (readStep) Describe(u *Unit) string {
	return "reading " + u.Function.Name + " and its alias " + u.Function.Deploy.Alias
}
func (readStep) Skip(*Unit) string { return "" }
func (s readStep) Run(ctx context.Context, u *Unit) error {
	if err := readAndPlan(ctx, s.d.Lambda, u); err != nil {
		return err
	}
	if a := u.Deploy.Remote.Alias; a != nil {
		fn := u.Function
		p, err := shift.InProgressOn(fn.Name, a)
		if err != nil {
			return fmt.Errorf("%w; set the alias with 'lamb rollback %s --to VERSION' first", err, fn.Key)
		}
		if p != nil && !s.force {
			return fmt.Errorf("alias %s of %s: a traffic shift is in progress (%s); finish it with 'lamb shift %s --resume', undo it with 'lamb rollback %s', or deploy with --force to undo it and deploy over it",
				a.Name, fn.Name, p, fn.Key, fn.Key)
		}
		u.Deploy.inProgress = p
	}
	if s.force {
		u.Deploy.Plan.UpToDate = false
	}
	if u.Deploy.Plan.UpToDate {
		u.Emit(progress.Event{Kind: progress.Advanced, Message: "up to date at version " + u.Deploy.Remote.Alias.Version})
	}
	return nil
}

// readAndPlan reads the function's state and plans what a deploy changes,
// with the role lamb.yaml names (none yet when lamb manages it: see
// planWithRole).
func readAndPlan(ctx context.Context, api deploy.FunctionReader, u *Unit) error {
	fn := u.Function
	for _, l := range fn.Layers {
		if config.IsLayerFile(l) {
			return fmt.Errorf("layer %s is a local zip: lamb deploys layers given as version ARNs (arn:aws:lambda:...:layer:NAME:VERSION) or defined under layers: in lamb.yaml", l)
		}
	}
	r, err := deploy.ReadFunction(ctx, api, fn.Name, fn.Deploy.Alias)
	if err != nil {
		return err
	}
	u.Deploy.Remote = r
	role := fn.Role
	if role == "" && r.Exists && strings.HasSuffix(aws.ToString(r.Latest.Role), ":role/"+deploy.RoleName(fn.Name)) {
		// The function already runs with the role lamb manages for it: plan
		// with it, so an unchanged function needs no IAM call at all. The
		// role step still runs (and keeps the role in sync) on any change.
		role = aws.ToString(r.Latest.Role)
	}
	u.Deploy.Desired = deploy.DesiredFrom(fn, role)
	if err := checkImageRead(u); err != nil {
		return err
	}
	if err := deploy.PackageTypeChange(r, u.Deploy.Desired); err != nil {
		return err
	}
	u.Deploy.Plan = deploy.PlanFunction(r, u.Deploy.Desired, codeSha256(u), fn.Deploy.Alias)
	planImageURI(u)
	return nil
}

// planWithRole plans again once the execution role lamb manages is known.
func planWithRole(u *Unit, role string) {
	u.Deploy.Desired.Role = role
	u.Deploy.Plan = deploy.PlanFunction(u.Deploy.Remote, u.Deploy.Desired, codeSha256(u), u.Function.Deploy.Alias)
	planImageURI(u)
}

// roleSpec is what the function needs of the execution role lamb manages.
func roleSpec(fn *config.Function, region string) deploy.RoleSpec {
	spec := deploy.RoleSpec{FunctionName: fn.Name, VPC: len(fn.VPC.SubnetIDs) > 0, Tracing: fn.Tracing == "Active", Region: region, Edge: fn.Edge != nil}
	if fn.FileSystem != nil {
		spec.FileSystemARN = fn.FileSystem.ARN
	}
	return spec
}

func upToDate(u *Unit) string {
	if u.Deploy.Plan.UpToDate {
		return "up to date"
	}
	return ""
}

// roleStep makes sure the execution role lamb manages exists when the
// function names none.
type roleStep struct {
	api    deploy.IAMAPI
	region string
}

func (roleStep) Name() string { return "role" }
func (roleStep) Describe(u *Unit) string {
	return "making sure of execution role " + deploy.RoleName(u.Function.Name)
}
func (roleStep) Skip(u *Unit) string {
	if u.Function.Role != "" {
		return "role given in lamb.yaml"
	}
	return upToDate(u)
}
func (s roleStep) Run(ctx context.Context, u *Unit) error {
	if s.api == nil {
		return errors.New("no IAM client to manage the execution role; set role in lamb.yaml")
	}
	arn, created, err := deploy.EnsureRole(ctx, s.api, roleSpec(u.Function, s.region))
	if err != nil {
		return err
	}
	u.Deploy.RoleCreated = created
	planWithRole(u, arn)
	return nil
}

// uploadStep puts the bundle where Lambda takes it from: inline, or S3.
type uploadStep struct {
	api         deploy.S3API
	directLimit int64
}

func (uploadStep) Name() string { return "upload" }
func (uploadStep) Describe(u *Unit) string {
	if u.Function.Image != "" {
		return "Lambda pulls image " + u.Function.Image + " from ECR"
	}
	if b := u.Function.Deploy.S3.Bucket; b != "" {
		return fmt.Sprintf("uploading %s to s3://%s", units.Bytes(u.Manifest.ZippedBytes), b)
	}
	return fmt.Sprintf("reading the %s zip for a direct upload", units.Bytes(u.Manifest.ZippedBytes))
}
func (uploadStep) Skip(u *Unit) string {
	if why := upToDate(u); why != "" {
		return why
	}
	if !codeGoesUp(u.Deploy.Plan) {
		return "code unchanged"
	}
	return ""
}

// codeGoesUp reports whether the deploy sends the code: a new function, new
// code, or a new instruction set (which is set with the code).
func codeGoesUp(p deploy.Plan) bool {
	return p.Create || p.CodeChanged || p.ArchitectureChanged
}

// artifactOf is the unit's zip and where deploy.s3 says large zips go.
func artifactOf(u *Unit) (deploy.Artifact, deploy.S3Target) {
	m, fn := u.Manifest, u.Function
	return deploy.Artifact{Function: fn.Name, ZipPath: m.ZipPath, ZippedBytes: m.ZippedBytes, ContentHash: m.ContentHash, CodeSha256: m.CodeSha256},
		deploy.S3Target{Bucket: fn.Deploy.S3.Bucket, Prefix: fn.Deploy.S3.Prefix, SSE: fn.Deploy.S3.SSE, KMSKeyID: fn.Deploy.S3.KMSKeyID}
}

// maxZipRead bounds the zip read into memory for a direct upload: the
// direct route only takes zips under Lambda's 50 MB limit.
const maxZipRead = 70 << 20

func (s uploadStep) Run(ctx context.Context, u *Unit) error {
	if u.Function.Image != "" {
		u.Deploy.Code = deploy.CodeLocation{ImageURI: u.Function.Image}
		return nil
	}
	m := u.Manifest
	a, t := artifactOf(u)
	direct, err := deploy.ChooseRoute(a, t, s.directLimit)
	if err != nil {
		return err
	}
	if direct {
		zip, err := safefile.ReadFile(ctx, m.ZipPath, maxZipRead)
		if err != nil {
			return fmt.Errorf("read %s: %w", m.ZipPath, err)
		}
		u.Deploy.zip = zip
		u.Deploy.Code = deploy.CodeLocation{ZipFile: true, Uploaded: true, Bytes: int64(len(zip))}
		return nil
	}
	if s.api == nil {
		return errors.New("no S3 client for the upload")
	}
	loc, err := deploy.Upload(ctx, s.api, a, t, deploy.UploadOptions{Events: progress.SinkFunc(u.Emit)})
	if err != nil {
		return err
	}
	u.Deploy.Code = loc
	return nil
}

// syncStep creates or updates $LATEST.
type syncStep struct{ d *deploy.Deployer }

func (syncStep) Name() string { return "sync" }
func (syncStep) Describe(u *Unit) string {
	p := u.Deploy.Plan
	switch {
	case p.Create:
		return "creating " + u.Function.Name
	case len(p.ConfigChanges) > 0 && (p.CodeChanged || p.ArchitectureChanged):
		return "updating the configuration, then the code"
	case len(p.ConfigChanges) > 0:
		return "updating the configuration"
	case p.CodeChanged || p.ArchitectureChanged:
		return "updating the code"
	}
	return "checking " + u.Function.Name
}
func (syncStep) Skip(u *Unit) string { return upToDate(u) }
func (s syncStep) Run(ctx context.Context, u *Unit) error {
	d := s.d
	if u.Deploy.RoleCreated {
		dd := *s.d
		dd.RetryCreate = func(ctx context.Context, create func(context.Context) error) error {
			return deploy.RetryRolePropagation(ctx, create, deploy.RetryOptions{RoleName: u.Deploy.Desired.Role})
		}
		d = &dd
	}
	st := &u.Deploy
	latest, err := d.Sync(ctx, st.Remote, st.Plan, st.Desired, st.Code, st.zip)
	if err != nil {
		return err
	}
	st.Latest, st.zip = latest, nil
	return nil
}

// publishStep publishes and verifies a version.
type publishStep struct {
	d           *deploy.Deployer
	lambVersion string
	provenance  provenance
}

func (publishStep) Name() string { return "publish" }
func (publishStep) Describe(*Unit) string {
	return "publishing a version and checking it"
}
func (publishStep) Skip(u *Unit) string { return upToDate(u) }
func (s publishStep) Run(ctx context.Context, u *Unit) error {
	st := &u.Deploy
	desc := deploy.VersionDescription(s.lambVersion, contentHash(u), s.provenance.commit, s.provenance.dirty)
	v, err := s.d.Publish(ctx, st.Latest, st.Desired, codeSha256(u), desc)
	if err != nil {
		return err
	}
	st.Version = v
	return nil
}

// aliasStep points the deploy alias at the new version: in one call, or
// through the function's shift engine.
type aliasStep struct {
	d *deploy.Deployer
	// engines holds the engine of each function (by key) whose alias moves
	// through one.
	engines map[string]shift.Engine
	// undo undoes a shift left in progress, with Force.
	undo *shift.Direct
}

func (aliasStep) Name() string { return "alias" }
func (s aliasStep) Describe(u *Unit) string {
	a := u.Function.Deploy.Alias
	if cur := u.Deploy.Remote.Alias; cur != nil {
		undo := ""
		if p := u.Deploy.inProgress; p != nil {
			undo = fmt.Sprintf("undoing the shift from version %s to %s in progress, then ", p.Current, p.Target)
		}
		if cur.Version == u.Deploy.Version {
			return fmt.Sprintf("%ssetting alias %s on version %s alone", undo, a, cur.Version)
		}
		how := ""
		if s.engines[u.Key()] != nil {
			how = " (" + u.Function.Deploy.Strategy + ")"
		}
		return fmt.Sprintf("%smoving alias %s from version %s to %s%s", undo, a, cur.Version, u.Deploy.Version, how)
	}
	return fmt.Sprintf("creating alias %s at version %s", a, u.Deploy.Version)
}
func (aliasStep) Skip(u *Unit) string { return upToDate(u) }
func (s aliasStep) Run(ctx context.Context, u *Unit) error {
	st, fn := &u.Deploy, u.Function
	current := st.Remote.Alias
	if p := st.inProgress; p != nil {
		if s.undo == nil {
			return errors.New("no Lambda client to undo the shift in progress")
		}
		if _, err := s.undo.Rollback(ctx, fn.Name, fn.Deploy.Alias); err != nil {
			return fmt.Errorf("undo the shift in progress: %w", err)
		}
		var err error
		if current, err = s.d.ReadAlias(ctx, fn.Name, fn.Deploy.Alias); err != nil {
			return err
		}
	}
	var move deploy.AliasMove
	if e := s.engines[fn.Key]; e != nil {
		strategy, err := StrategyOf(fn)
		if err != nil {
			return err
		}
		move = shiftMove{d: s.d, engine: e, strategy: strategy, u: u}
	}
	from, err := s.d.EnsureAlias(ctx, fn.Name, fn.Deploy.Alias, current, st.Version, move)
	if err != nil {
		return err
	}
	st.AliasFrom = from
	return nil
}

// undoEngine is the engine that undoes a shift left in progress, or nil
// without a client.
func undoEngine(c ShiftClients, tune func(*shift.Direct)) *shift.Direct {
	if c.Lambda == nil {
		return nil
	}
	return DirectEngine(c, tune)
}

// shiftEngines returns the engine of each function whose alias moves
// through one, by key. A codedeploy engine that cannot run a function's
// shift as lamb.yaml configures it stops the deploy here, before anything
// is written.
func shiftEngines(fns []*config.Function, c ShiftClients, tune func(*shift.Direct), tuneCD func(*shift.CodeDeployEngine)) (map[string]shift.Engine, error) {
	engines := map[string]shift.Engine{}
	for _, fn := range fns {
		strategy, err := StrategyOf(fn)
		if err != nil {
			return nil, err
		}
		if !movesThroughEngine(fn, strategy) {
			continue
		}
		if c.Lambda == nil {
			return nil, fmt.Errorf("deploy %s: no Lambda client for its traffic shift (%s)", fn.Key, fn.Deploy.Strategy)
		}
		e, err := NewEngine(fn, c, tune, tuneCD)
		if err != nil {
			return nil, err
		}
		if cd, ok := e.(*shift.CodeDeployEngine); ok {
			if err := cd.Check(ShiftRequest(fn, "", "", strategy, nil)); err != nil {
				return nil, fmt.Errorf("deploy %s: %w", fn.Key, err)
			}
		}
		engines[fn.Key] = e
	}
	return engines, nil
}

// pruneStep deletes versions beyond deploy.keepVersions.
type pruneStep struct{ d *deploy.Deployer }

func (pruneStep) Name() string { return "prune" }
func (pruneStep) Describe(u *Unit) string {
	return fmt.Sprintf("keeping the newest %d versions", u.Function.Deploy.KeepVersions)
}
func (pruneStep) Skip(u *Unit) string {
	if u.Function.Deploy.KeepVersions <= 0 {
		return "keepVersions is 0"
	}
	return upToDate(u)
}
func (s pruneStep) Run(ctx context.Context, u *Unit) error {
	res, err := s.d.Prune(ctx, u.Function.Name, u.Function.Deploy.KeepVersions, false)
	u.Deploy.Pruned = res.Deleted
	return err
}
