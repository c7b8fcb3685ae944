package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Settings are the global options after precedence is applied:
// flag > LAMB_* environment variable > lamb.yaml > default.
type Settings struct {
	Config      string
	Stage       string
	Profile     string
	Region      string
	EndpointURL string
	Output      string
	NoColor     bool
	Quiet       bool
	Verbose     bool
	Yes         bool
	// CacheDir is the root of lamb's caches shared by all projects:
	// LAMB_CACHE_DIR, else the user cache folder's "lamb".
	CacheDir string
}

// JSON reports whether --output json is in effect.
func (s Settings) JSON() bool { return s.Output == "json" }

// globalKeys maps each global flag to its viper key; the environment
// variable is LAMB_ + the key upper-cased with '-' → '_'.
var globalKeys = []string{"config", "stage", "profile", "region", "endpoint-url", "output", "no-color", "quiet", "verbose", "yes"}

// cacheDirKey is the setting only the environment sets (LAMB_CACHE_DIR).
const cacheDirKey = "cache-dir"

// fileKeys are the globals lamb.yaml may set (top-level keys of the same name).
var fileKeys = []string{"region", "profile"}

func envName(key string) string {
	return "LAMB_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// settingsResolver applies the precedence rules with viper, which owns
// exactly this ordering (flag, env, config, default).
type settingsResolver struct {
	v *viper.Viper
}

func newSettingsResolver(flags *pflag.FlagSet) (*settingsResolver, error) {
	v := viper.New()
	for _, key := range globalKeys {
		f := flags.Lookup(key)
		if f == nil {
			return nil, fmt.Errorf("bind global flag %q: no such flag", key)
		}
		if err := v.BindPFlag(key, f); err != nil {
			return nil, fmt.Errorf("bind global flag %q: %w", key, err)
		}
		if err := v.BindEnv(key, envName(key)); err != nil {
			return nil, fmt.Errorf("bind %s: %w", envName(key), err)
		}
	}
	if err := v.BindEnv(cacheDirKey, envName(cacheDirKey)); err != nil {
		return nil, fmt.Errorf("bind %s: %w", envName(cacheDirKey), err)
	}
	v.SetDefault(cacheDirKey, defaultCacheDir())
	return &settingsResolver{v: v}, nil
}

// withFile adds the values lamb.yaml sets (its top-level region and profile)
// as the level below the environment.
func (r *settingsResolver) withFile(values map[string]string) error {
	m := map[string]any{}
	for _, k := range fileKeys {
		if val := values[k]; val != "" {
			m[k] = val
		}
	}
	return r.v.MergeConfigMap(m)
}

func (r *settingsResolver) resolve() (Settings, error) {
	s := Settings{
		Config:      r.v.GetString("config"),
		Stage:       r.v.GetString("stage"),
		Profile:     r.v.GetString("profile"),
		Region:      r.v.GetString("region"),
		EndpointURL: r.v.GetString("endpoint-url"),
		Output:      r.v.GetString("output"),
		NoColor:     r.v.GetBool("no-color"),
		Quiet:       r.v.GetBool("quiet"),
		Verbose:     r.v.GetBool("verbose"),
		Yes:         r.v.GetBool("yes"),
		CacheDir:    r.v.GetString(cacheDirKey),
	}
	if s.Output != "text" && s.Output != "json" && s.Output != outputMarkdown {
		return s, usageError(fmt.Errorf("--output %q is not supported", s.Output), "use --output text or --output json (lamb plan also takes --output markdown)")
	}
	if s.Config == "" {
		s.Config = "lamb.yaml"
	}
	return s, nil
}

// defaultCacheDir is the "lamb" folder of the user cache folder
// ($XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS,
// %LocalAppData% on Windows), or "lamb-cache" in the temporary folder when
// the system names no user cache folder.
func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "lamb")
	}
	return filepath.Join(os.TempDir(), "lamb-cache")
}
