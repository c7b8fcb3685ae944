package awsconf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		env        map[string]string
		config     string // the shared config file
		creds      string // the shared credentials file
		wantRegion string
		regionFrom string
		noRegion   bool
		wantCreds  string // CredentialSource contains this
		credErr    bool
		endpoint   string
		endpointBy string
	}{
		{
			name:       "environment",
			env:        map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "eu-west-1"},
			wantRegion: "eu-west-1", regionFrom: "AWS_REGION",
			wantCreds: "environment variables",
		},
		{
			name:       "profile in the credentials file, region from the option",
			opts:       Options{Profile: "ci", Region: "eu-central-1", EndpointURL: "http://127.0.0.1:5000"},
			config:     "[profile ci]\nregion = us-west-2\n",
			creds:      "[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = secret\n",
			wantRegion: "eu-central-1", regionFrom: "options",
			wantCreds: `profile "ci" in `,
			endpoint:  "http://127.0.0.1:5000", endpointBy: "options",
		},
		{
			name:       "region and endpoint from the profile",
			opts:       Options{Profile: "dev"},
			config:     "[profile dev]\nregion = us-west-2\nendpoint_url = http://127.0.0.1:4566\n",
			creds:      "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = secret\n",
			wantRegion: "us-west-2", regionFrom: `profile "dev"`,
			wantCreds: `profile "dev"`,
			endpoint:  "http://127.0.0.1:4566", endpointBy: `profile "dev"`,
		},
		{
			name:      "no region: credentials are still described",
			env:       map[string]string{"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"},
			noRegion:  true,
			wantCreds: "environment variables",
			endpoint:  "http://127.0.0.1:5000", endpointBy: "AWS_ENDPOINT_URL",
		},
		{
			name:       "no credentials",
			env:        map[string]string{"AWS_REGION": "eu-west-1"},
			wantRegion: "eu-west-1", regionFrom: "AWS_REGION",
			credErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolateEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			for file, content := range map[string]string{"config": tt.config, "credentials": tt.creds} {
				if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s := Describe(context.Background(), tt.opts)
			if s.Region != tt.wantRegion || s.RegionSource != tt.regionFrom {
				t.Errorf("region = %q from %q, want %q from %q", s.Region, s.RegionSource, tt.wantRegion, tt.regionFrom)
			}
			if tt.noRegion != errors.Is(s.RegionErr, ErrNoRegion) {
				t.Errorf("RegionErr = %v, want ErrNoRegion: %v", s.RegionErr, tt.noRegion)
			}
			if tt.credErr {
				if !IsCredentialError(s.CredentialsErr) {
					t.Errorf("CredentialsErr = %v, want a credential error", s.CredentialsErr)
				}
			} else if s.CredentialsErr != nil || !strings.Contains(s.CredentialSource, tt.wantCreds) {
				t.Errorf("credentials from %q (err %v), want %q", s.CredentialSource, s.CredentialsErr, tt.wantCreds)
			}
			if s.Endpoint != tt.endpoint || s.EndpointSource != tt.endpointBy {
				t.Errorf("endpoint = %q from %q, want %q from %q", s.Endpoint, s.EndpointSource, tt.endpoint, tt.endpointBy)
			}
		})
	}
}

func TestDescribeCredentialSource(t *testing.T) {
	for source, want := range map[string]string{
		"EnvConfigCredentials":                               "environment variables (AWS_ACCESS_KEY_ID)",
		"SharedConfigCredentials: /Users/a/.aws/credentials": `profile "sso-dev" in /Users/a/.aws/credentials`,
		"SSOProvider":     `SSO, profile "sso-dev"`,
		"EC2RoleProvider": "EC2 instance metadata (IMDS)",
		"SomethingNew":    "SomethingNew",
	} {
		if got := describeCredentialSource(source, "sso-dev"); got != want {
			t.Errorf("describeCredentialSource(%q) = %q, want %q", source, got, want)
		}
	}
}
