package deploy

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/config"
)

// ExtrasAPI lists the Lambda calls that keep a function's URL, concurrency
// and asynchronous invocation settings in sync with lamb.yaml.
type ExtrasAPI interface {
	GetFunctionUrlConfig(ctx context.Context, in *lambda.GetFunctionUrlConfigInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionUrlConfigOutput, error)
	CreateFunctionUrlConfig(ctx context.Context, in *lambda.CreateFunctionUrlConfigInput, optFns ...func(*lambda.Options)) (*lambda.CreateFunctionUrlConfigOutput, error)
	UpdateFunctionUrlConfig(ctx context.Context, in *lambda.UpdateFunctionUrlConfigInput, optFns ...func(*lambda.Options)) (*lambda.UpdateFunctionUrlConfigOutput, error)
	DeleteFunctionUrlConfig(ctx context.Context, in *lambda.DeleteFunctionUrlConfigInput, optFns ...func(*lambda.Options)) (*lambda.DeleteFunctionUrlConfigOutput, error)
	GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, optFns ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
	AddPermission(ctx context.Context, in *lambda.AddPermissionInput, optFns ...func(*lambda.Options)) (*lambda.AddPermissionOutput, error)
	RemovePermission(ctx context.Context, in *lambda.RemovePermissionInput, optFns ...func(*lambda.Options)) (*lambda.RemovePermissionOutput, error)
	GetFunctionConcurrency(ctx context.Context, in *lambda.GetFunctionConcurrencyInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConcurrencyOutput, error)
	PutFunctionConcurrency(ctx context.Context, in *lambda.PutFunctionConcurrencyInput, optFns ...func(*lambda.Options)) (*lambda.PutFunctionConcurrencyOutput, error)
	DeleteFunctionConcurrency(ctx context.Context, in *lambda.DeleteFunctionConcurrencyInput, optFns ...func(*lambda.Options)) (*lambda.DeleteFunctionConcurrencyOutput, error)
	GetProvisionedConcurrencyConfig(ctx context.Context, in *lambda.GetProvisionedConcurrencyConfigInput, optFns ...func(*lambda.Options)) (*lambda.GetProvisionedConcurrencyConfigOutput, error)
	PutProvisionedConcurrencyConfig(ctx context.Context, in *lambda.PutProvisionedConcurrencyConfigInput, optFns ...func(*lambda.Options)) (*lambda.PutProvisionedConcurrencyConfigOutput, error)
	DeleteProvisionedConcurrencyConfig(ctx context.Context, in *lambda.DeleteProvisionedConcurrencyConfigInput, optFns ...func(*lambda.Options)) (*lambda.DeleteProvisionedConcurrencyConfigOutput, error)
	GetFunctionEventInvokeConfig(ctx context.Context, in *lambda.GetFunctionEventInvokeConfigInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionEventInvokeConfigOutput, error)
	PutFunctionEventInvokeConfig(ctx context.Context, in *lambda.PutFunctionEventInvokeConfigInput, optFns ...func(*lambda.Options)) (*lambda.PutFunctionEventInvokeConfigOutput, error)
	DeleteFunctionEventInvokeConfig(ctx context.Context, in *lambda.DeleteFunctionEventInvokeConfigInput, optFns ...func(*lambda.Options)) (*lambda.DeleteFunctionEventInvokeConfigOutput, error)
	TagWriter
}

var _ ExtrasAPI = (*lambda.Client)(nil)

// OwnershipTag is the function tag in which lamb records the extras it
// created: a space-separated list of url, reserved, provisioned and async.
// lamb deletes a setting that leaves lamb.yaml only when this tag names it,
// so a URL or a concurrency limit someone set by hand is never removed.
const OwnershipTag = "lamb:owns"

// The settings lamb may own, as OwnershipTag names them.
const (
	ownURL         = "url"
	ownReserved    = "reserved"
	ownProvisioned = "provisioned"
	ownAsync       = "async"
)

// Statement IDs of the resource policy that opens a URL with authType NONE
// to everyone. Since October 2025 Lambda wants both: InvokeFunctionUrl, and
// InvokeFunction when invoked through the URL.
const (
	sidPublicURL    = "lamb-function-url-public"
	sidPublicInvoke = "lamb-function-url-invoke"
)

// Lambda's defaults for the asynchronous invocation settings lamb.yaml
// leaves out.
const (
	defaultAsyncRetries     = 2
	defaultAsyncMaxEventAge = 21600
)

// ExtrasSpec is what lamb.yaml asks for beside the function's
// configuration: its function URL, reserved and provisioned concurrency,
// and how asynchronous invocations are handled. The URL, provisioned
// concurrency and the asynchronous settings belong to the deploy alias,
// which serves the traffic; reserved concurrency to the function.
type ExtrasSpec struct {
	// Function is the AWS function name; FunctionARN names it when lamb
	// updates its ownership record (OwnershipTag).
	Function    string
	FunctionARN string
	// Alias is the deploy alias.
	Alias string
	// New says the function does not exist yet, or was just created:
	// nothing is there to read.
	New bool
	// Tags are the function's tags as read; OwnershipTag among them says
	// what lamb created earlier.
	Tags map[string]string

	// URL is nil for no function URL.
	URL          *config.FunctionURL
	Concurrency  config.Concurrency
	Async        config.Async
	Destinations config.Destinations
}

// ExtrasFrom maps a lamb.yaml function and its state as read onto the
// extras to keep.
func ExtrasFrom(fn *config.Function, r Remote) ExtrasSpec {
	s := ExtrasSpec{
		Function: fn.Name, Alias: fn.Deploy.Alias, New: !r.Exists, Tags: r.Tags,
		URL: fn.FunctionURL, Concurrency: fn.Concurrency, Async: fn.Async, Destinations: fn.Destinations,
	}
	if r.Latest != nil {
		s.FunctionARN = aws.ToString(r.Latest.FunctionArn)
	}
	return s
}

// wants reports whether lamb.yaml sets the setting.
func (s ExtrasSpec) wants(setting string) bool {
	switch setting {
	case ownURL:
		return s.URL != nil
	case ownReserved:
		return s.Concurrency.Reserved != nil
	case ownProvisioned:
		return s.Concurrency.Provisioned > 0
	case ownAsync:
		return s.Async.Retries != nil || s.Async.MaxEventAge != nil || s.Destinations.OnSuccess != "" || s.Destinations.OnFailure != ""
	}
	return false
}

// owned returns the settings lamb's record says it created.
func (s ExtrasSpec) owned() map[string]bool {
	return tagSet(s.Tags, OwnershipTag)
}

// None reports whether there is nothing to keep: lamb.yaml sets none of the
// extras and lamb's record owns none. Then PlanExtras and SyncExtras read
// nothing.
func (s ExtrasSpec) None() bool {
	owned := s.owned()
	for _, setting := range []string{ownURL, ownReserved, ownProvisioned, ownAsync} {
		if s.wants(setting) || owned[setting] {
			return false
		}
	}
	return true
}

// PlanExtras returns what SyncExtras would change, from reads only: one
// read per setting lamb.yaml sets or lamb owns (two for a public URL, whose
// resource policy is read as well), none for the others.
func (d *Deployer) PlanExtras(ctx context.Context, spec ExtrasSpec) ([]Change, error) {
	plans, err := d.planExtras(ctx, spec)
	if err != nil {
		return nil, err
	}
	changes := []Change{}
	for _, p := range plans {
		changes = append(changes, p.changes...)
	}
	return changes, nil
}

// SyncExtras makes the function URL, reserved and provisioned concurrency
// and the asynchronous invocation settings match lamb.yaml, writing only
// what differs, and returns the changes made. A setting lamb.yaml sets is
// created or updated; one it leaves out is deleted only when lamb created
// it (OwnershipTag), and otherwise left alone. After a change of
// provisioned concurrency, it waits until the alias's environments are
// READY.
//
// It stops at the first failure, and still records what it created or
// deleted before it.
func (d *Deployer) SyncExtras(ctx context.Context, spec ExtrasSpec) ([]Change, error) {
	plans, err := d.planExtras(ctx, spec)
	if err != nil {
		return nil, err
	}
	before := spec.owned()
	owned := maps.Clone(before)
	own := func(setting string) func(bool) {
		return func(yes bool) {
			if yes {
				owned[setting] = true
			} else {
				delete(owned, setting)
			}
		}
	}
	changes := []Change{}
	var failed error
	for _, p := range plans {
		if p.forget {
			own(p.setting)(false)
		}
		if p.apply == nil {
			continue
		}
		if failed = ctx.Err(); failed != nil {
			break
		}
		if failed = p.apply(ctx, own(p.setting)); failed != nil {
			break
		}
		changes = append(changes, p.changes...)
	}
	if !maps.Equal(before, owned) {
		failed = errors.Join(failed, d.recordOwned(ctx, spec, owned))
	}
	return changes, failed
}

// extraPlan is what one setting needs.
type extraPlan struct {
	setting string
	changes []Change
	// apply makes the changes (nil: nothing to do). It calls own(true)
	// right after it creates the setting and own(false) right after it
	// deletes it, so the record stays true when a later call fails.
	apply func(ctx context.Context, own func(bool)) error
	// forget drops the setting from lamb's record: lamb owned it, lamb.yaml
	// no longer sets it, and it is already gone.
	forget bool
	// lowers says the plan lowers or removes provisioned concurrency.
	lowers bool
}

// extras holds one plan's inputs.
type extras struct {
	d     *Deployer
	api   ExtrasAPI
	spec  ExtrasSpec
	owned map[string]bool
}

func (d *Deployer) planExtras(ctx context.Context, spec ExtrasSpec) ([]extraPlan, error) {
	if spec.None() {
		return nil, nil
	}
	api, ok := d.Lambda.(ExtrasAPI)
	if !ok {
		return nil, fmt.Errorf("keep the function URL, concurrency and asynchronous settings of %s: the Lambda client lacks the calls", spec.Function)
	}
	x := &extras{d: d, api: api, spec: spec, owned: spec.owned()}
	var plans []extraPlan
	for _, step := range []struct {
		setting string
		plan    func(context.Context) (extraPlan, error)
	}{
		{ownURL, x.planURL},
		{ownReserved, x.planReserved},
		{ownProvisioned, x.planProvisioned},
		{ownAsync, x.planAsync},
	} {
		if !spec.wants(step.setting) && !x.owned[step.setting] {
			continue
		}
		p, err := step.plan(ctx)
		if err != nil {
			return nil, err
		}
		p.setting = step.setting
		plans = append(plans, p)
	}
	// Provisioned concurrency comes out of the reserved concurrency: lower
	// it before reserved concurrency shrinks, raise it after it grows.
	r := slices.IndexFunc(plans, func(p extraPlan) bool { return p.setting == ownReserved })
	pc := slices.IndexFunc(plans, func(p extraPlan) bool { return p.setting == ownProvisioned })
	if r >= 0 && pc > r && plans[pc].lowers {
		plans[r], plans[pc] = plans[pc], plans[r]
	}
	return plans, nil
}

// where names the function and the alias in errors.
func (x *extras) where() string { return x.spec.Function + ":" + x.spec.Alias }

// planned returns the plan of a setting that differs: write creates it
// when it is missing (then lamb owns it) or updates it; then, if not nil,
// finishes the work.
func planned(changes []Change, missing bool, write, then func(context.Context) error) extraPlan {
	return extraPlan{changes: changes, apply: func(ctx context.Context, own func(bool)) error {
		if err := write(ctx); err != nil {
			return err
		}
		if missing {
			own(true)
		}
		if then != nil {
			return then(ctx)
		}
		return nil
	}}
}

// removal returns the plan of a setting lamb.yaml no longer sets: delete it
// when lamb owns it and it is there; otherwise leave it alone.
func (x *extras) removal(setting string, present bool, changes []Change, remove func(context.Context) error) extraPlan {
	switch {
	case !x.owned[setting]:
		return extraPlan{}
	case !present:
		return extraPlan{forget: true}
	}
	return extraPlan{changes: changes, lowers: true, apply: func(ctx context.Context, own func(bool)) error {
		if err := remove(ctx); err != nil {
			return err
		}
		own(false)
		return nil
	}}
}

// field is one compared value of a setting; "" means unset.
type field struct{ name, value string }

// diffFields lists the fields whose values differ; have and want name the
// same fields in the same order.
func diffFields(have, want []field) []Change {
	var cs []Change
	for i, w := range want {
		if have[i].value != w.value {
			cs = append(cs, Change{Field: w.name, Old: have[i].value, New: w.value})
		}
	}
	return cs
}

// readMissing runs a read and tells "not there" apart from a failure.
func readMissing[T any](new bool, read func() (*T, error)) (*T, error) {
	if new {
		return nil, nil
	}
	out, err := read()
	if isNotFound(err) || isProvisionedNotFound(err) {
		return nil, nil
	}
	return out, err
}

func isProvisionedNotFound(err error) bool {
	var nf *lambdatypes.ProvisionedConcurrencyConfigNotFoundException
	return errors.As(err, &nf)
}

// --- function URL ---

func (x *extras) planURL(ctx context.Context) (extraPlan, error) {
	name, alias := aws.String(x.spec.Function), aws.String(x.spec.Alias)
	cur, err := readMissing(x.spec.New, func() (*lambda.GetFunctionUrlConfigOutput, error) {
		return x.api.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: name, Qualifier: alias})
	})
	if err != nil {
		return extraPlan{}, fmt.Errorf("read function URL of %s: %w", x.where(), err)
	}
	want := x.spec.URL
	if want == nil {
		return x.removal(ownURL, cur != nil, []Change{{Field: "functionUrl", Old: urlText(cur)}}, func(ctx context.Context) error {
			if _, err := x.api.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: name, Qualifier: alias}); err != nil && !isNotFound(err) {
				return fmt.Errorf("delete function URL of %s: %w", x.where(), err)
			}
			if cur.AuthType == lambdatypes.FunctionUrlAuthTypeNone {
				return x.revokePublic(ctx)
			}
			return nil
		}), nil
	}

	authType := lambdatypes.FunctionUrlAuthType(cmp.Or(want.AuthType, config.DefaultURLAuthType))
	wantPublic := authType == lambdatypes.FunctionUrlAuthTypeNone
	havePublic := cur != nil && cur.AuthType == lambdatypes.FunctionUrlAuthTypeNone
	if havePublic && wantPublic {
		// The URL stays public: make sure lamb's grant is still there.
		if havePublic, err = x.publicGranted(ctx); err != nil {
			return extraPlan{}, err
		}
	}
	wantCORS := corsFrom(want.CORS)
	have, wanted := urlFields(cur, havePublic), urlFields(&lambda.GetFunctionUrlConfigOutput{AuthType: authType, Cors: wantCORS}, wantPublic)
	changes := diffFields(have, wanted)
	if len(changes) == 0 {
		return extraPlan{}, nil
	}
	configChanged := slices.ContainsFunc(changes, func(c Change) bool { return c.Field != "functionUrl.public" })
	write := func(ctx context.Context) error {
		var err error
		switch {
		case cur == nil:
			_, err = x.api.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{
				FunctionName: name, Qualifier: alias, AuthType: authType, Cors: wantCORS,
			})
		case configChanged:
			cors := wantCORS
			if cors == nil {
				// An empty policy clears the one there.
				cors = &lambdatypes.Cors{}
			}
			_, err = x.api.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{
				FunctionName: name, Qualifier: alias, AuthType: authType, Cors: cors,
			})
		}
		if err != nil {
			verb := "update"
			if cur == nil {
				verb = "create"
			}
			return fmt.Errorf("%s function URL of %s: %w", verb, x.where(), err)
		}
		return nil
	}
	var access func(context.Context) error
	switch {
	case wantPublic && !havePublic:
		access = x.grantPublic
	case !wantPublic && havePublic:
		access = x.revokePublic
	}
	return planned(changes, cur == nil, write, access), nil
}

func urlText(cur *lambda.GetFunctionUrlConfigOutput) string {
	if cur == nil {
		return ""
	}
	return aws.ToString(cur.FunctionUrl)
}

// urlFields are the compared values of a function URL (nil: none).
// Methods and headers are compared regardless of case and order, as HTTP
// treats them.
func urlFields(u *lambda.GetFunctionUrlConfigOutput, public bool) []field {
	names := []string{"functionUrl.authType", "functionUrl.public", "functionUrl.cors.allowOrigins", "functionUrl.cors.allowMethods",
		"functionUrl.cors.allowHeaders", "functionUrl.cors.exposeHeaders", "functionUrl.cors.allowCredentials", "functionUrl.cors.maxAge"}
	values := make([]string, len(names))
	if u != nil {
		values[0] = string(u.AuthType)
		if public {
			values[1] = "true"
		}
		if c := u.Cors; c != nil {
			values[2] = list(c.AllowOrigins, nil)
			values[3] = list(c.AllowMethods, strings.ToUpper)
			values[4] = list(c.AllowHeaders, strings.ToLower)
			values[5] = list(c.ExposeHeaders, strings.ToLower)
			if aws.ToBool(c.AllowCredentials) {
				values[6] = "true"
			}
			if n := aws.ToInt32(c.MaxAge); n != 0 {
				values[7] = strconv.Itoa(int(n))
			}
		}
	}
	fs := make([]field, len(names))
	for i := range names {
		fs[i] = field{names[i], values[i]}
	}
	return fs
}

func list(s []string, fold func(string) string) string {
	c := slices.Clone(s)
	if fold != nil {
		for i := range c {
			c[i] = fold(c[i])
		}
	}
	slices.Sort(c)
	return strings.Join(c, ",")
}

func corsFrom(c *config.CORS) *lambdatypes.Cors {
	if c == nil {
		return nil
	}
	out := &lambdatypes.Cors{
		AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders, ExposeHeaders: c.ExposeHeaders,
		AllowCredentials: aws.Bool(c.AllowCredentials),
	}
	if c.MaxAge > 0 {
		out.MaxAge = aws.Int32(int32(c.MaxAge))
	}
	return out
}

// publicGrants are the two statements that open the URL to everyone.
func (x *extras) publicGrants() []*lambda.AddPermissionInput {
	name, alias := aws.String(x.spec.Function), aws.String(x.spec.Alias)
	return []*lambda.AddPermissionInput{
		{FunctionName: name, Qualifier: alias, StatementId: aws.String(sidPublicURL), Principal: aws.String("*"),
			Action: aws.String("lambda:InvokeFunctionUrl"), FunctionUrlAuthType: lambdatypes.FunctionUrlAuthTypeNone},
		{FunctionName: name, Qualifier: alias, StatementId: aws.String(sidPublicInvoke), Principal: aws.String("*"),
			Action: aws.String("lambda:InvokeFunction"), InvokedViaFunctionUrl: aws.Bool(true)},
	}
}

// publicGranted reports whether the alias's resource policy holds both of
// lamb's statements.
func (x *extras) publicGranted(ctx context.Context) (bool, error) {
	out, err := x.api.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(x.spec.Function), Qualifier: aws.String(x.spec.Alias)})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read resource policy of %s: %w", x.where(), err)
	}
	var policy struct{ Statement []struct{ Sid string } }
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &policy); err != nil {
		return false, fmt.Errorf("read resource policy of %s: %w", x.where(), err)
	}
	found := 0
	for _, s := range policy.Statement {
		if s.Sid == sidPublicURL || s.Sid == sidPublicInvoke {
			found++
		}
	}
	return found == 2, nil
}

// grantPublic adds both statements; one already there (a conflict on its
// statement ID) is kept.
func (x *extras) grantPublic(ctx context.Context) error {
	for _, in := range x.publicGrants() {
		_, err := x.api.AddPermission(ctx, in)
		if err != nil && !isConflict(err) {
			return fmt.Errorf("let everyone invoke %s through its URL (AddPermission %s): %w", x.where(), aws.ToString(in.Action), err)
		}
	}
	return nil
}

// revokePublic removes lamb's statements; one already gone is fine.
func (x *extras) revokePublic(ctx context.Context) error {
	for _, in := range x.publicGrants() {
		_, err := x.api.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: in.FunctionName, Qualifier: in.Qualifier, StatementId: in.StatementId})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("close the function URL of %s to the public (RemovePermission %s): %w", x.where(), aws.ToString(in.StatementId), err)
		}
	}
	return nil
}

// --- reserved concurrency ---

func (x *extras) planReserved(ctx context.Context) (extraPlan, error) {
	name := aws.String(x.spec.Function)
	out, err := readMissing(x.spec.New, func() (*lambda.GetFunctionConcurrencyOutput, error) {
		return x.api.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: name})
	})
	if err != nil {
		return extraPlan{}, fmt.Errorf("read reserved concurrency of %s: %w", x.spec.Function, err)
	}
	var cur *int32
	if out != nil {
		cur = out.ReservedConcurrentExecutions
	}
	have := optionalText(cur)
	want := x.spec.Concurrency.Reserved
	if want == nil {
		return x.removal(ownReserved, cur != nil, []Change{{Field: "concurrency.reserved", Old: have}}, func(ctx context.Context) error {
			if _, err := x.api.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: name}); err != nil {
				return fmt.Errorf("remove reserved concurrency of %s: %w", x.spec.Function, err)
			}
			return nil
		}), nil
	}
	changes := diffFields([]field{{"concurrency.reserved", have}}, []field{{"concurrency.reserved", strconv.Itoa(*want)}})
	if len(changes) == 0 {
		return extraPlan{}, nil
	}
	return planned(changes, cur == nil, func(ctx context.Context) error {
		in := &lambda.PutFunctionConcurrencyInput{FunctionName: name, ReservedConcurrentExecutions: aws.Int32(int32(*want))}
		if _, err := x.api.PutFunctionConcurrency(ctx, in); err != nil {
			return fmt.Errorf("reserve %d concurrent executions for %s: %w", *want, x.spec.Function, err)
		}
		return nil
	}, nil), nil
}

func optionalText(n *int32) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(int(*n))
}

// --- provisioned concurrency ---

func (x *extras) planProvisioned(ctx context.Context) (extraPlan, error) {
	name, alias := aws.String(x.spec.Function), aws.String(x.spec.Alias)
	cur, err := readMissing(x.spec.New, func() (*lambda.GetProvisionedConcurrencyConfigOutput, error) {
		return x.api.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: name, Qualifier: alias})
	})
	if err != nil {
		return extraPlan{}, fmt.Errorf("read provisioned concurrency of %s: %w", x.where(), err)
	}
	have := ""
	if cur != nil {
		have = optionalText(cur.RequestedProvisionedConcurrentExecutions)
		if cur.Status == lambdatypes.ProvisionedConcurrencyStatusEnumFailed {
			// A failed allocation is asked for again.
			have += " (FAILED)"
		}
	}
	want := x.spec.Concurrency.Provisioned
	if want == 0 {
		return x.removal(ownProvisioned, cur != nil, []Change{{Field: "concurrency.provisioned", Old: have}}, func(ctx context.Context) error {
			in := &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: name, Qualifier: alias}
			if _, err := x.api.DeleteProvisionedConcurrencyConfig(ctx, in); err != nil && !isNotFound(err) && !isProvisionedNotFound(err) {
				return fmt.Errorf("remove provisioned concurrency of %s: %w", x.where(), err)
			}
			return nil
		}), nil
	}
	changes := diffFields([]field{{"concurrency.provisioned", have}}, []field{{"concurrency.provisioned", strconv.Itoa(want)}})
	if len(changes) == 0 {
		if cur.Status == lambdatypes.ProvisionedConcurrencyStatusEnumInProgress {
			// Still allocating (the alias has just moved to a new version):
			// nothing to write, but the deploy ends when it is ready.
			return extraPlan{apply: func(ctx context.Context, _ func(bool)) error { return x.waitProvisioned(ctx) }}, nil
		}
		return extraPlan{}, nil
	}
	p := planned(changes, cur == nil, func(ctx context.Context) error {
		in := &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: name, Qualifier: alias, ProvisionedConcurrentExecutions: aws.Int32(int32(want))}
		if _, err := x.api.PutProvisionedConcurrencyConfig(ctx, in); err != nil {
			return fmt.Errorf("provision %d concurrent executions for %s: %w", want, x.where(), err)
		}
		return nil
	}, x.waitProvisioned)
	p.lowers = cur != nil && int(aws.ToInt32(cur.RequestedProvisionedConcurrentExecutions)) > want
	return p, nil
}

// waitProvisioned polls the alias's provisioned concurrency until it is
// READY. Allocating environments takes minutes, so the wait is bounded by
// three times MaxWait; it may be interrupted, since Lambda goes on
// allocating either way and nothing is left half-done.
func (x *extras) waitProvisioned(ctx context.Context) error {
	d := x.d
	limit := 3 * d.maxWait()
	deadline := d.now().Add(limit)
	backoff := d.pollInterval()
	in := &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String(x.spec.Function), Qualifier: aws.String(x.spec.Alias)}
	for {
		out, err := x.api.GetProvisionedConcurrencyConfig(ctx, in)
		if err != nil {
			return fmt.Errorf("wait for provisioned concurrency of %s: GetProvisionedConcurrencyConfig: %w", x.where(), err)
		}
		switch out.Status {
		case lambdatypes.ProvisionedConcurrencyStatusEnumReady:
			return nil
		case lambdatypes.ProvisionedConcurrencyStatusEnumFailed:
			return fmt.Errorf("provisioned concurrency of %s failed: %s", x.where(), aws.ToString(out.StatusReason))
		}
		if d.now().After(deadline) {
			return fmt.Errorf("wait for provisioned concurrency of %s: still %s (%d of %d environments ready) after %s",
				x.where(), out.Status, aws.ToInt32(out.AllocatedProvisionedConcurrentExecutions), aws.ToInt32(out.RequestedProvisionedConcurrentExecutions), limit)
		}
		if err := d.sleep(ctx, jitter(backoff)); err != nil {
			return fmt.Errorf("wait for provisioned concurrency of %s: %w", x.where(), err)
		}
		backoff = min(backoff*2, 15*time.Second)
	}
}

// --- asynchronous invocation ---

func (x *extras) planAsync(ctx context.Context) (extraPlan, error) {
	name, alias := aws.String(x.spec.Function), aws.String(x.spec.Alias)
	cur, err := readMissing(x.spec.New, func() (*lambda.GetFunctionEventInvokeConfigOutput, error) {
		return x.api.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: name, Qualifier: alias})
	})
	if err != nil {
		return extraPlan{}, fmt.Errorf("read asynchronous invocation settings of %s: %w", x.where(), err)
	}
	have := asyncFields(cur)
	if !x.spec.wants(ownAsync) {
		return x.removal(ownAsync, cur != nil, diffFields(have, asyncFields(nil)), func(ctx context.Context) error {
			in := &lambda.DeleteFunctionEventInvokeConfigInput{FunctionName: name, Qualifier: alias}
			if _, err := x.api.DeleteFunctionEventInvokeConfig(ctx, in); err != nil && !isNotFound(err) {
				return fmt.Errorf("remove asynchronous invocation settings of %s: %w", x.where(), err)
			}
			return nil
		}), nil
	}
	in := x.asyncInput()
	changes := diffFields(have, asyncFields(&lambda.GetFunctionEventInvokeConfigOutput{
		MaximumRetryAttempts: in.MaximumRetryAttempts, MaximumEventAgeInSeconds: in.MaximumEventAgeInSeconds, DestinationConfig: in.DestinationConfig,
	}))
	if len(changes) == 0 {
		return extraPlan{}, nil
	}
	return planned(changes, cur == nil, func(ctx context.Context) error {
		// Put replaces the whole configuration: what lamb.yaml leaves out
		// goes back to Lambda's default.
		if _, err := x.api.PutFunctionEventInvokeConfig(ctx, in); err != nil {
			return fmt.Errorf("set asynchronous invocation settings of %s: %w", x.where(), err)
		}
		return nil
	}, nil), nil
}

func (x *extras) asyncInput() *lambda.PutFunctionEventInvokeConfigInput {
	in := &lambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String(x.spec.Function), Qualifier: aws.String(x.spec.Alias)}
	if r := x.spec.Async.Retries; r != nil {
		in.MaximumRetryAttempts = aws.Int32(int32(*r))
	}
	if a := x.spec.Async.MaxEventAge; a != nil {
		in.MaximumEventAgeInSeconds = aws.Int32(int32(*a))
	}
	if ok, fail := x.spec.Destinations.OnSuccess, x.spec.Destinations.OnFailure; ok != "" || fail != "" {
		in.DestinationConfig = &lambdatypes.DestinationConfig{}
		if ok != "" {
			in.DestinationConfig.OnSuccess = &lambdatypes.OnSuccess{Destination: aws.String(ok)}
		}
		if fail != "" {
			in.DestinationConfig.OnFailure = &lambdatypes.OnFailure{Destination: aws.String(fail)}
		}
	}
	return in
}

// asyncFields are the compared values of an asynchronous invocation
// configuration (nil: none), with Lambda's defaults for what it leaves out.
func asyncFields(c *lambda.GetFunctionEventInvokeConfigOutput) []field {
	fs := []field{{"async.retries", ""}, {"async.maxEventAge", ""}, {"destinations.onSuccess", ""}, {"destinations.onFailure", ""}}
	if c == nil {
		return fs
	}
	fs[0].value = strconv.Itoa(int(aws.ToInt32(orInt32(c.MaximumRetryAttempts, defaultAsyncRetries))))
	fs[1].value = strconv.Itoa(int(aws.ToInt32(orInt32(c.MaximumEventAgeInSeconds, defaultAsyncMaxEventAge))))
	if dc := c.DestinationConfig; dc != nil {
		if dc.OnSuccess != nil {
			fs[2].value = aws.ToString(dc.OnSuccess.Destination)
		}
		if dc.OnFailure != nil {
			fs[3].value = aws.ToString(dc.OnFailure.Destination)
		}
	}
	return fs
}

func orInt32(v *int32, def int32) *int32 {
	if v == nil {
		return &def
	}
	return v
}

// --- ownership record ---

// recordOwned writes the settings lamb owns into OwnershipTag, or removes
// the tag when it owns none.
func (d *Deployer) recordOwned(ctx context.Context, spec ExtrasSpec, owned map[string]bool) error {
	return recordTag(ctx, d.Lambda.(ExtrasAPI), spec.Function, spec.FunctionARN, OwnershipTag, ownedWhat, owned)
}
