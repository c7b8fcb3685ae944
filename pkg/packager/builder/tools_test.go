package builder

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// toolSummary writes each tool as name, "!" when required, and "@want".
func toolSummary(tools []Tool) []string {
	var out []string
	for _, t := range tools {
		s := t.Name
		if t.Required {
			s += "!"
		}
		if t.Want != "" {
			s += "@" + t.Want
		}
		out = append(out, s)
	}
	return out
}

func TestTools(t *testing.T) {
	const deps = `{"dependencies":{"is-number":"7.0.0"}}`
	tests := []struct {
		name    string
		spec    Spec
		files   map[string]string
		uv      bool // uv is on PATH
		want    []string
		wantErr string
	}{
		{name: "node with npm lock", spec: Spec{Runtime: "nodejs22.x"},
			files: map[string]string{"package.json": deps, "package-lock.json": "{}"}, want: []string{"node!@22", "npm!"}},
		{name: "node with yarn lock", spec: Spec{Runtime: "nodejs24.x"},
			files: map[string]string{"package.json": deps, "yarn.lock": ""}, want: []string{"node!@24", "yarn!"}},
		{name: "node with pnpm lock", spec: Spec{Runtime: "nodejs22.x"},
			files: map[string]string{"package.json": deps, "pnpm-lock.yaml": ""}, want: []string{"node!@22", "pnpm!"}},
		{name: "node without dependencies", spec: Spec{Runtime: "nodejs22.x"},
			files: map[string]string{"package.json": `{"name":"x"}`}, want: []string{"node@22"}},
		{name: "node without lockfile", spec: Spec{Runtime: "nodejs22.x"},
			files: map[string]string{"package.json": deps}, want: []string{"node!@22", "npm!"}, wantErr: "no lockfile"},
		{name: "node shipped as it is", spec: Spec{Runtime: "nodejs22.x", Dependencies: "none"},
			files: map[string]string{"package.json": deps, "package-lock.json": "{}"}, want: []string{"node@22"}},
		{name: "python with pip", spec: Spec{Runtime: "python3.12"},
			files: map[string]string{"requirements.txt": "requests\n"}, want: []string{"python3!", "pip!", "python3.12@3.12", "uv"}},
		{name: "python with uv on PATH", spec: Spec{Runtime: "python3.13"}, uv: true,
			files: map[string]string{"requirements.txt": "requests\n"}, want: []string{"python3!", "uv!"}},
		{name: "python forced to pip", spec: Spec{Runtime: "python3.12", Installer: "pip"}, uv: true,
			files: map[string]string{"requirements.txt": "requests\n"}, want: []string{"python3!", "pip!", "python3.12@3.12"}},
		{name: "python forced to uv", spec: Spec{Runtime: "python3.12", Installer: "uv"},
			files: map[string]string{"requirements.txt": "requests\n"}, want: []string{"python3!", "uv!"}},
		{name: "python poetry lock", spec: Spec{Runtime: "python3.12"},
			files: map[string]string{"poetry.lock": "", "pyproject.toml": ""}, want: []string{"python3!", "poetry!", "pip!", "python3.12@3.12", "uv"}},
		{name: "python pipenv lock", spec: Spec{Runtime: "python3.12"}, uv: true,
			files: map[string]string{"Pipfile.lock": "{}", "Pipfile": ""}, want: []string{"python3!", "pipenv!", "uv!"}},
		{name: "python two locks", spec: Spec{Runtime: "python3.12"},
			files: map[string]string{"poetry.lock": "", "uv.lock": "", "pyproject.toml": ""}, wantErr: "cannot tell which lock"},
		{name: "python without dependencies", spec: Spec{Runtime: "python3.12"}, want: nil},
		{name: "maven", spec: Spec{Runtime: "java21"}, files: map[string]string{"pom.xml": "<project/>"},
			want: []string{"java!@21", "javac!@21", "mvn!"}},
		{name: "gradle", spec: Spec{Runtime: "java17"}, files: map[string]string{"build.gradle.kts": ""},
			want: []string{"java!@17", "javac!@17", "gradle!"}},
		{name: "gradle wrapper", spec: Spec{Runtime: "java25"}, files: map[string]string{"build.gradle": "", "gradlew": "#!/bin/sh\n"},
			want: []string{"java!@25", "javac!@25", "gradlew!"}},
		{name: "java built by package.build", spec: Spec{Runtime: "java21", Build: "make"}, files: map[string]string{"pom.xml": ""},
			want: []string{"sh!", "java@21"}},
		{name: "go module", spec: Spec{Runtime: "provided.al2023"}, files: map[string]string{"go.mod": "module x\n"}, want: []string{"go!"}},
		{name: "provided bootstrap", spec: Spec{Runtime: "provided.al2023"}, want: nil},
		{name: "artifact", spec: Spec{Runtime: "nodejs22.x", Artifact: "dist.zip"},
			files: map[string]string{"package.json": deps, "package-lock.json": "{}"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := t.TempDir()
			if tt.uv {
				writeFile(t, filepath.Join(bin, "uv"), "#!/bin/sh\n", 0o755)
			}
			t.Setenv("PATH", bin)
			src := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			spec := tt.spec
			spec.Source = src
			tools, err := Tools(context.Background(), spec)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Tools: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Tools error = %v, want %q", err, tt.wantErr)
			}
			if got := toolSummary(tools); !slices.Equal(got, tt.want) {
				t.Errorf("tools = %q, want %q", got, tt.want)
			}
			for _, tool := range tools {
				if tool.Install == "" {
					t.Errorf("%s has no install hint", tool.Name)
				}
				if len(tool.Command) == 0 && tool.File == "" && tool.Name != "sh" {
					t.Errorf("%s has neither a command nor a file", tool.Name)
				}
			}
		})
	}
}
