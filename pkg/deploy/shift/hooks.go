package shift

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/awsconf"
)

// HookEvent is the payload the direct engine invokes a hook with. Its
// fields are named like the AppSpec's properties.
type HookEvent struct {
	// LifecycleEvent is BeforeAllowTraffic or AfterAllowTraffic.
	LifecycleEvent string `json:"LifecycleEvent"`
	FunctionName   string `json:"FunctionName"`
	Alias          string `json:"Alias"`
	CurrentVersion string `json:"CurrentVersion"`
	TargetVersion  string `json:"TargetVersion"`
}

// hookWait is how long a hook may run: Lambda's longest timeout and a
// margin, since a synchronous invoke answers only when the function ends.
const hookWait = 15*time.Minute + 30*time.Second

// HookError says why a hook did not pass.
type HookError struct {
	LifecycleEvent, Hook string
	// Reason is what the hook said or why it could not be invoked.
	Reason string
	Err    error
}

// Error reads: AfterAllowTraffic hook orders-post failed: it returned {"status":"Failed"}.
func (e *HookError) Error() string {
	return fmt.Sprintf("%s hook %s failed: %s", e.LifecycleEvent, e.Hook, e.Reason)
}

func (e *HookError) Unwrap() error { return e.Err }

// runHook invokes hook synchronously with ev. It passes when the function
// ran without a function error and did not answer {"status":"Failed"}.
func runHook(ctx context.Context, api LambdaAPI, hook string, ev HookEvent) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode the %s event: %w", ev.LifecycleEvent, err)
	}
	out, err := api.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(hook),
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		Payload:        payload,
	}, awsconf.WithResponseTimeout(hookWait))
	if err != nil {
		return &HookError{LifecycleEvent: ev.LifecycleEvent, Hook: hook, Reason: "invoke it: " + err.Error(), Err: err}
	}
	if reason := hookVerdict(out); reason != "" {
		return &HookError{LifecycleEvent: ev.LifecycleEvent, Hook: hook, Reason: reason}
	}
	return nil
}

// maxReason bounds how much of a hook's error message goes into a cause.
const maxReason = 200

// hookVerdict returns why a hook's answer fails, or "" when it passes.
func hookVerdict(out *lambda.InvokeOutput) string {
	if fe := aws.ToString(out.FunctionError); fe != "" {
		var body struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(out.Payload, &body)
		detail := body.ErrorMessage
		if body.ErrorType != "" && detail != "" {
			detail = body.ErrorType + ": " + detail
		} else if detail == "" {
			detail = body.ErrorType
		}
		reason := "function error " + fe
		if detail != "" {
			reason += " (" + detail + ")"
		}
		return truncate(reason, maxReason)
	}
	var answer struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(bytes.TrimSpace(out.Payload), &answer) == nil && strings.EqualFold(answer.Status, "Failed") {
		return `it returned {"status":"Failed"}`
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
