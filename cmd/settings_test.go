package cmd

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/spf13/cobra"

	"github.com/lambcli/lamb/internal/ui"
)

// settingsAfter parses args with the real root flags, applies LAMB_* from the
// test environment and the given lamb.yaml values, and returns the result.
func settingsAfter(t *testing.T, args []string, file map[string]string) Settings {
	t.Helper()
	io, _, _ := ui.Test()
	f := &Factory{IO: io}
	root := NewRootCmd(f)
	var got Settings
	root.AddCommand(&cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error {
		if err := f.resolver.withFile(file); err != nil {
			return err
		}
		s, err := f.resolver.resolve()
		got = s
		return err
	}})
	root.SetArgs(append([]string{"probe"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatalf("execute: %v", err)
	}
	return got
}

func TestSettingsPrecedence(t *testing.T) {
	tests := []struct {
		name string
		flag string // value passed as --region/--profile, "" = not passed
		env  string // LAMB_REGION/LAMB_PROFILE, "" = unset
		file string // lamb.yaml top-level value, "" = absent
		want string
	}{
		{name: "flag beats env, file and default", flag: "from-flag", env: "from-env", file: "from-file", want: "from-flag"},
		{name: "env beats file and default", env: "from-env", file: "from-file", want: "from-env"},
		{name: "file beats default", file: "from-file", want: "from-file"},
		{name: "default when nothing is set", want: ""},
	}
	for _, key := range []string{"region", "profile"} {
		for _, tt := range tests {
			t.Run(key+"/"+tt.name, func(t *testing.T) {
				if tt.env != "" {
					t.Setenv(envName(key), tt.env)
				}
				var args []string
				if tt.flag != "" {
					args = append(args, "--"+key, tt.flag)
				}
				s := settingsAfter(t, args, map[string]string{key: tt.file})
				got := map[string]string{"region": s.Region, "profile": s.Profile}[key]
				if got != tt.want {
					t.Errorf("%s = %q, want %q", key, got, tt.want)
				}
			})
		}
	}
}

func TestSettingsFlagAndEnvForEveryGlobal(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Settings
	}{
		{
			name: "defaults",
			want: Settings{Config: "lamb.yaml", Output: "text", CacheDir: defaultCacheDir()},
		},
		{
			name: "environment sets every global",
			env: map[string]string{
				"LAMB_CONFIG": "other.yaml", "LAMB_STAGE": "prod", "LAMB_PROFILE": "p", "LAMB_REGION": "eu-west-1",
				"LAMB_ENDPOINT_URL": "http://127.0.0.1:5000", "LAMB_OUTPUT": "json", "LAMB_NO_COLOR": "true",
				"LAMB_QUIET": "1", "LAMB_VERBOSE": "true", "LAMB_YES": "true", "LAMB_CACHE_DIR": "/somewhere/cache",
			},
			want: Settings{Config: "other.yaml", Stage: "prod", Profile: "p", Region: "eu-west-1", EndpointURL: "http://127.0.0.1:5000", Output: "json", NoColor: true, Quiet: true, Verbose: true, Yes: true, CacheDir: "/somewhere/cache"},
		},
		{
			name: "flags beat the environment",
			env:  map[string]string{"LAMB_CONFIG": "other.yaml", "LAMB_STAGE": "prod", "LAMB_OUTPUT": "json", "LAMB_QUIET": "true"},
			args: []string{"-c", "mine.yaml", "-s", "dev", "-o", "text", "--quiet=false"},
			want: Settings{Config: "mine.yaml", Stage: "dev", Output: "text", CacheDir: defaultCacheDir()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("LAMB_CACHE_DIR", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if got := settingsAfter(t, tt.args, nil); got != tt.want {
				t.Errorf("settings = %+v\nwant       %+v", got, tt.want)
			}
		})
	}
}

func TestDefaultCacheDirFollowsTheUserCacheFolder(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if runtime.GOOS == "linux" {
		if got := defaultCacheDir(); got != filepath.Join("/xdg", "lamb") {
			t.Errorf("default cache dir = %s, want /xdg/lamb", got)
		}
	}
}

// TestSettingsReadLambYAMLOnce proves that a command reading lamb.yaml sees
// the file's region in its settings before it runs, without changing them.
func TestSettingsReadLambYAMLOnce(t *testing.T) {
	t.Setenv("LAMB_REGION", "")
	t.Setenv("AWS_REGION", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lamb.yaml"), []byte("region: eu-north-1\nfunctions:\n  fn: {runtime: nodejs22.x, handler: index.handler}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	io, _, _ := ui.Test()
	f := &Factory{IO: io}
	root := NewRootCmd(f)
	var before Settings
	root.AddCommand(readsConfig(&cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error {
		before = f.Settings
		if _, err := f.LoadConfig(); err != nil {
			return err
		}
		if f.Settings != before {
			t.Errorf("loading lamb.yaml changed the settings: %+v -> %+v", before, f.Settings)
		}
		return nil
	}}))
	root.SetArgs([]string{"probe", "-c", filepath.Join(dir, "lamb.yaml")})
	if err := root.Execute(); err != nil {
		t.Fatalf("execute: %v", err)
	}
	if before.Region != "eu-north-1" {
		t.Errorf("region before the command ran = %q, want lamb.yaml's eu-north-1", before.Region)
	}
}
