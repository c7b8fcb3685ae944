package deploy

import (
	"context"
	"errors"
	"fmt"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/lambcli/lamb/pkg/limits"
)

// AccountSettingsAPI is the one Lambda call LoadQuotas makes.
type AccountSettingsAPI interface {
	GetAccountSettings(ctx context.Context, in *lambda.GetAccountSettingsInput, optFns ...func(*lambda.Options)) (*lambda.GetAccountSettingsOutput, error)
}

var _ AccountSettingsAPI = (*lambda.Client)(nil)

// LoadQuotas returns the default quota table with the account's code-size
// limits applied. When the call is not answered (no client, no
// credentials, an emulator that does not route it) the defaults stand, the
// returned note says what was skipped, and the error is nil: a missing
// answer must not stop a check. Only a cancelled or expired ctx is returned
// as an error.
func LoadQuotas(ctx context.Context, api AccountSettingsAPI) (limits.Quotas, string, error) {
	q := limits.DefaultQuotas()
	if api == nil {
		return q, "account limits not read (no AWS access); Lambda defaults apply", nil
	}
	out, err := api.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		if ctx.Err() != nil {
			return q, "", fmt.Errorf("read account limits: %w", ctx.Err())
		}
		return q, fmt.Sprintf("account limits not read (GetAccountSettings: %s); Lambda defaults apply", briefAWSError(err)), nil
	}
	if out == nil || out.AccountLimit == nil {
		return q, "account limits not read (GetAccountSettings returned no AccountLimit); Lambda defaults apply", nil
	}
	return q.WithAccountLimits(limits.AccountLimit{
		CodeSizeZipped:   out.AccountLimit.CodeSizeZipped,
		CodeSizeUnzipped: out.AccountLimit.CodeSizeUnzipped,
	}), "", nil
}

// briefAWSError shortens an SDK error for a one-line note: the API error
// code and message when AWS answered with one, the HTTP status when the
// answer could not be parsed (an emulator's HTML 404), else the error text.
func briefAWSError(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if msg := apiErr.ErrorMessage(); msg != "" {
			return apiErr.ErrorCode() + ": " + msg
		}
		return apiErr.ErrorCode()
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		return fmt.Sprintf("HTTP %d", respErr.HTTPStatusCode())
	}
	return err.Error()
}
