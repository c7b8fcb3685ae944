package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenMan(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1764806400") // 2025-12-04
	dir := filepath.Join(t.TempDir(), "manpages")
	code, _, stderr := run(t, "gen-man", "--source", "lamb 1.2.3", dir)
	if code != ExitOK {
		t.Fatalf("gen-man: exit %d, stderr %q", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(dir, "lamb-deploy.1"))
	if err != nil {
		t.Fatalf("no page for lamb deploy: %v", err)
	}
	text := string(page)
	for _, want := range []string{
		`.TH "LAMB" "1" "Dec 2025" "lamb 1.2.3" "lamb manual"`,
		".SH NAME\nlamb-deploy - Package, check, upload",
		".SH SYNOPSIS\n",
		".SH OPTIONS\n",
		".SH SEE ALSO\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("lamb-deploy.1 lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Auto generated") {
		t.Error("lamb-deploy.1 carries cobra's generated-on stamp")
	}
	for _, name := range []string{"lamb.1", "lamb-doctor.1", "lamb-completion.1"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("no %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "lamb-gen-man.1")); err == nil {
		t.Error("the hidden gen-man command has a page")
	}

	// The same commit and date write the same bytes.
	again := filepath.Join(t.TempDir(), "again")
	if code, _, stderr := run(t, "gen-man", "--source", "lamb 1.2.3", again); code != ExitOK {
		t.Fatalf("gen-man again: exit %d, stderr %q", code, stderr)
	}
	second, err := os.ReadFile(filepath.Join(again, "lamb-deploy.1"))
	if err != nil || !bytes.Equal(page, second) {
		t.Errorf("a second run wrote other bytes (err %v)", err)
	}
}

// gen-man is for the release, not for users: --help does not list it.
func TestGenManIsHidden(t *testing.T) {
	t.Parallel()
	code, stdout, _ := run(t, "--help")
	if code != ExitOK || strings.Contains(stdout, "gen-man") {
		t.Errorf("lamb --help (exit %d) lists gen-man:\n%s", code, stdout)
	}
}
