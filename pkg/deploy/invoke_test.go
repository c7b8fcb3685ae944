package deploy

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

type invokeFunc func(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error)

func (f invokeFunc) Invoke(ctx context.Context, in *lambda.InvokeInput, o ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	return f(ctx, in, o...)
}

func TestInvoke(t *testing.T) {
	t.Parallel()
	api := invokeFunc(func(_ context.Context, in *lambda.InvokeInput, o ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
		if aws.ToString(in.Qualifier) != "live" || string(in.Payload) != "{}" {
			t.Errorf("Invoke(%s, %s)", aws.ToString(in.Qualifier), in.Payload)
		}
		return &lambda.InvokeOutput{StatusCode: 200, ExecutedVersion: aws.String("4"), FunctionError: aws.String("Handled"),
			Payload: []byte(`{"errorMessage":"no"}`), LogResult: aws.String(base64.StdEncoding.EncodeToString([]byte("END\n")))}, nil
	})
	inv, err := Invoke(t.Context(), api, "orders-api", "live", []byte("{}"))
	if err != nil || inv.Version != "4" || inv.FunctionError != "Handled" || inv.LogTail != "END\n" || string(inv.Payload) != `{"errorMessage":"no"}` {
		t.Errorf("Invoke = %+v, %v", inv, err)
	}

	refuse := invokeFunc(func(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
		t.Error("a payload over 6 MB was sent")
		return nil, errors.New("unexpected")
	})
	_, err = Invoke(t.Context(), refuse, "orders-api", "", make([]byte, MaxSyncPayload+1))
	var tooLarge *PayloadTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Size != MaxSyncPayload+1 {
		t.Errorf("err = %v, want *PayloadTooLargeError", err)
	}
}
