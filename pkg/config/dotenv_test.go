package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/joho/godotenv"
)

// dotenvDoc is a lamb.yaml whose one function reads the given dotenv files.
func dotenvDoc(files ...string) string {
	return "functions:\n  api:\n    environment:\n      files: [" + strings.Join(files, ", ") + "]\n"
}

// loadDotenvError loads dir's lamb.yaml and returns its one problem's text.
func loadDotenvError(t *testing.T, lambYAML string) string {
	t.Helper()
	_, err := Load(context.Background(), lambYAML, LoadOptions{LookupEnv: env(nil)})
	ps := problems(t, err)
	if len(ps) != 1 {
		t.Fatalf("got %d problems, want 1: %v", len(ps), err)
	}
	return ps[0].String()
}

// TestDotenvErrorsNameLineAndKeyButNoValue checks that a faulty dotenv file
// is located by file, line and variable, and that neither its values nor
// the text after the fault appear in the message.
func TestDotenvErrorsNameLineAndKeyButNoValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		body   string
		want   []string
		hidden []string
	}{
		{
			name:   "dash in a name",
			file:   "config/prod.env",
			body:   "APP-NAME=orders\nSTRIPE_KEY=sk_live_51Hxyz\n",
			want:   []string{"parse dotenv file config/prod.env line 1", `variable name "APP-NAME" has the character '-'`},
			hidden: []string{"orders", "sk_live", "STRIPE_KEY"},
		},
		{
			name:   "unterminated double quote",
			file:   "prod.env",
			body:   "A=1\nSTRIPE_KEY=\"sk_live_51Hxyz\nB=after\n",
			want:   []string{"parse dotenv file prod.env line 2", `the value of STRIPE_KEY has no closing "`},
			hidden: []string{"sk_live", "after"},
		},
		{
			name:   "unterminated single quote after a multi-line value",
			file:   ".env",
			body:   "CERT=\"line one\nline two\"\n# comment\nexport TOKEN='tok_secret\n",
			want:   []string{"parse dotenv file .env line 4", "the value of TOKEN has no closing '"},
			hidden: []string{"tok_secret", "line one", "line two"},
		},
		{
			name:   "a line without = is not repeated",
			file:   "big.env",
			body:   "A=1\r\nsk_live_51Hxyz\r\nB=also_secret\r\n",
			want:   []string{"parse dotenv file big.env line 2", "expected NAME=value"},
			hidden: []string{"sk_live", "also_secret"},
		},
		{
			name:   "a user:password pair is not shown as a name",
			file:   "creds.env",
			body:   "deploy-bot:hunter2=x\n",
			want:   []string{"parse dotenv file creds.env line 1", "expected NAME=value"},
			hidden: []string{"deploy-bot", "hunter2"},
		},
		{
			name:   "a name with a non-ASCII character",
			file:   "u.env",
			body:   "KEY=v\nCAFÉ=secret_value\n",
			want:   []string{"line 2", `variable name "CAFÉ" has the character 'É'`},
			hidden: []string{"secret_value"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadDotenvError(t, write(t, map[string]string{"lamb.yaml": dotenvDoc(tt.file), tt.file: tt.body}))
			if !strings.Contains(got, "functions.api.environment.files[0]") {
				t.Errorf("problem %q does not name the lamb.yaml field", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("problem %q does not say %q", got, w)
				}
			}
			for _, h := range tt.hidden {
				if strings.Contains(got, h) {
					t.Errorf("problem %q reveals %q", got, h)
				}
			}
		})
	}
}

// TestLocateDotenvErrorAgreesWithGodotenv keeps the locator's statement
// walk in step with the parser it explains: no fault where godotenv reads
// the file, a line wherever it does not.
func TestLocateDotenvErrorAgreesWithGodotenv(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		"A=1\nB='two\nlines'\nC=\"esc \\\" quote\"\n# c\nexport D=4 # trailing\nE:5\n",
		"",
		"# only a comment",
		"A=\"x\" # comment\nB=2",
		"A=\"x\"junk\n",
		"A='it\\'s\nB=1\n",
		"export\nA=1\n",
		"A B=1\nC=2\n",
		"A=1\n\"B\"=2\n",
		"A=\n",
		"A=",
		"A",
	} {
		_, parseErr := godotenv.UnmarshalBytes([]byte(body))
		line, msg := locateDotenvError([]byte(body))
		if (parseErr == nil) != (line == 0) {
			t.Errorf("%q: godotenv says %v, locator says line %d: %s", body, parseErr, line, msg)
		}
	}
}

// TestDotenvFilesAreReadSafely checks that dotenv files that are not plain
// files of the project are refused at once with a message naming them.
func TestDotenvFilesAreReadSafely(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.env")
	if err := os.WriteFile(secret, []byte("TOKEN=outside_value\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the entry for environment.files
		unix  bool
		want  []string
	}{
		{
			name: "oversized file",
			setup: func(t *testing.T, dir string) string {
				big := strings.Repeat("A=1234567\n", MaxDotenvSize/10+1)
				if err := os.WriteFile(filepath.Join(dir, "big.env"), []byte(big), 0o644); err != nil {
					t.Fatal(err)
				}
				return "big.env"
			},
			want: []string{"read dotenv file big.env", "is larger than 1 MiB"},
		},
		{
			name: "folder",
			setup: func(t *testing.T, dir string) string {
				if err := os.Mkdir(filepath.Join(dir, "env.d"), 0o755); err != nil {
					t.Fatal(err)
				}
				return "env.d"
			},
			want: []string{"read dotenv file env.d", "is a folder, not a regular file"},
		},
		{
			name:  "device",
			setup: func(*testing.T, string) string { return "/dev/zero" },
			unix:  true,
			want:  []string{"read dotenv file /dev/zero", "outside"},
		},
		{
			name: "symlink to a device",
			setup: func(t *testing.T, dir string) string {
				if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.env")); err != nil {
					t.Fatal(err)
				}
				return "zero.env"
			},
			unix: true,
			want: []string{"read dotenv file zero.env", "links to /dev/zero, outside"},
		},
		{
			name: "symlink out of the project",
			setup: func(t *testing.T, dir string) string {
				if err := os.Symlink(secret, filepath.Join(dir, "linked.env")); err != nil {
					t.Fatal(err)
				}
				return "linked.env"
			},
			unix: true,
			want: []string{"read dotenv file linked.env", "outside", "keep dotenv files inside the project"},
		},
		{
			name: "relative path out of the project",
			setup: func(t *testing.T, dir string) string {
				rel, err := filepath.Rel(dir, secret)
				if err != nil {
					t.Fatal(err)
				}
				return filepath.ToSlash(rel)
			},
			want: []string{"read dotenv file ../", "secret.env is outside the project folder"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.unix && runtime.GOOS == "windows" {
				t.Skip("needs unix devices and symlinks")
			}
			lambYAML := write(t, map[string]string{})
			entry := tt.setup(t, filepath.Dir(lambYAML))
			if err := os.WriteFile(lambYAML, []byte(dotenvDoc(entry)), 0o644); err != nil {
				t.Fatal(err)
			}
			got := loadDotenvError(t, lambYAML)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("problem %q does not say %q", got, w)
				}
			}
			if strings.Contains(got, "outside_value") || strings.Contains(got, "1234567") {
				t.Errorf("problem %q reveals file content", got)
			}
		})
	}
}

func TestDotenvReadStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	lambYAML := write(t, map[string]string{"lamb.yaml": dotenvDoc(".env"), ".env": "A=1\n"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Load(ctx, lambYAML, LoadOptions{LookupEnv: env(nil)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load error = %v, want context.Canceled", err)
	}
}

func FuzzLocateDotenvError(f *testing.F) {
	for _, s := range []string{"A=1\n", "A-B=1\n", "A='x\n", "export A=\"x\ny\"\nB\n", "# c\r\nA=1\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, parseErr := godotenv.UnmarshalBytes([]byte(body))
		line, msg := locateDotenvError([]byte(body))
		if (parseErr == nil) != (line == 0) {
			t.Errorf("%q: godotenv says %v, locator says line %d: %s", body, parseErr, line, msg)
		}
	})
}
