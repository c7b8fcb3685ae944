package deploy

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambcli/lamb/pkg/awsconf"
)

// MaxSyncPayload is the largest request payload a synchronous invoke
// takes: 6 MB (6,291,456 bytes).
const MaxSyncPayload = 6_291_456

// invokeResponseTimeout is how long a synchronous invoke waits for its
// answer: the longest a function may run (900 s), and a minute for a cold
// start and the answer's way back.
const invokeResponseTimeout = 900*time.Second + time.Minute

// InvokeAPI lists the Lambda calls Invoke makes.
type InvokeAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ InvokeAPI = (*lambda.Client)(nil)

// PayloadTooLargeError is a payload larger than a synchronous invoke takes.
type PayloadTooLargeError struct {
	Size int
}

func (e *PayloadTooLargeError) Error() string {
	return fmt.Sprintf("the payload is %d bytes; a synchronous invoke takes at most %d (6 MB)", e.Size, MaxSyncPayload)
}

// Invocation is what one synchronous invoke returned.
type Invocation struct {
	// Version is the version that ran (the one the qualifier resolved to).
	Version    string
	StatusCode int
	// FunctionError is set ("Unhandled", "Handled") when the function
	// failed; Payload then holds its error document.
	FunctionError string
	Payload       []byte
	// LogTail is the end of the function's log (at most 4 KB), decoded.
	LogTail string
}

// Invoke runs the function's qualifier (an alias, a version, or $LATEST
// when "") synchronously with payload and returns its answer and log tail.
// It waits as long as a function may run, however short the client's usual
// response timeout. A function error is not an error here: the caller reads
// Invocation.FunctionError.
func Invoke(ctx context.Context, api InvokeAPI, function, qualifier string, payload []byte) (Invocation, error) {
	if len(payload) > MaxSyncPayload {
		return Invocation{}, &PayloadTooLargeError{Size: len(payload)}
	}
	in := &lambda.InvokeInput{
		FunctionName:   aws.String(function),
		InvocationType: lambdatypes.InvocationTypeRequestResponse,
		LogType:        lambdatypes.LogTypeTail,
		Payload:        payload,
	}
	target := function
	if qualifier != "" {
		in.Qualifier = aws.String(qualifier)
		target += ":" + qualifier
	}
	out, err := api.Invoke(ctx, in, awsconf.WithResponseTimeout(invokeResponseTimeout))
	if err != nil {
		return Invocation{}, fmt.Errorf("invoke %s: %w", target, err)
	}
	inv := Invocation{
		Version:       aws.ToString(out.ExecutedVersion),
		StatusCode:    int(out.StatusCode),
		FunctionError: aws.ToString(out.FunctionError),
		Payload:       out.Payload,
	}
	if tail := aws.ToString(out.LogResult); tail != "" {
		b, err := base64.StdEncoding.DecodeString(tail)
		if err != nil {
			// Lambda sends base64; show what came rather than nothing.
			b = []byte(tail)
		}
		inv.LogTail = string(b)
	}
	return inv, nil
}
