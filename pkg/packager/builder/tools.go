package builder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/lambcli/lamb/internal/safefile"
)

// Tool is a program a build of a spec runs, chosen the way Build chooses it.
type Tool struct {
	// Name is what the tool is called: node, npm, pip, python3.12, gradlew.
	Name string
	// Command prints the tool's version: its first element is looked up
	// on PATH. Empty for a tool found by File or whose version lamb does
	// not read (sh).
	Command []string
	// File is the program's own path when it is not looked up on PATH
	// (a project's gradlew).
	File string
	// Required is true when the build fails without the tool; false for
	// a tool that is used, or helps, when present.
	Required bool
	// Want is the version the function's runtime runs, as its leading
	// fields: "22" for nodejs22.x, "3.12" for python3.12, "21" for java21;
	// "" when any version does.
	Want string
	// Why says what needs the tool: a file of the project, a setting.
	Why string
	// Install says how to get the tool.
	Install string
}

// Install hints name each tool's official site only.
const (
	installNode   = "install Node.js%s (https://nodejs.org), or with a version manager such as nvm"
	installPython = "install Python%s (https://www.python.org/downloads/), or with pyenv or uv python install"
	installJDK    = "install a JDK%s (https://openjdk.org, or a build such as https://adoptium.net)"
)

func nodeTool(want, runtime string) Tool {
	return Tool{Name: "node", Command: []string{"node", "--version"}, Want: want,
		Why: "runtime " + runtime, Install: fmt.Sprintf(installNode, spaced(want))}
}

func npmTool() Tool {
	return Tool{Name: "npm", Command: []string{"npm", "--version"}, Install: "npm comes with Node.js: " + fmt.Sprintf(installNode, "")}
}

func python3Tool() Tool {
	return Tool{Name: "python3", Command: []string{"python3", "--version"}, Install: fmt.Sprintf(installPython, " 3")}
}

func pipTool() Tool {
	return Tool{Name: "pip", Command: []string{"python3", "-m", "pip", "--version"},
		Install: "python3 -m ensurepip --upgrade, or install your system's python3-pip package"}
}

func uvTool() Tool {
	return Tool{Name: "uv", Command: []string{"uv", "--version"}, Install: "install uv (pipx install uv; https://docs.astral.sh/uv/)"}
}

func goTool() Tool {
	return Tool{Name: "go", Command: []string{"go", "version"}, Install: "install Go (https://go.dev/dl/)"}
}

func javaTool(want, runtime string) Tool {
	return Tool{Name: "java", Command: []string{"java", "-version"}, Want: want, Why: "runtime " + runtime,
		Install: fmt.Sprintf(installJDK, spaced(want))}
}

func javacTool(want string) Tool {
	return Tool{Name: "javac", Command: []string{"javac", "-version"}, Want: want, Install: fmt.Sprintf(installJDK, spaced(want))}
}

func mvnTool() Tool {
	return Tool{Name: "mvn", Command: []string{"mvn", "-B", "--version"}, Install: "install Maven (https://maven.apache.org/install.html)"}
}

func spaced(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

// AllTools lists the toolchain of every runtime family lamb builds, none
// required: what a machine needs before any lamb.yaml says which.
func AllTools() []Tool {
	tools := []Tool{nodeTool("", "nodejs*"), npmTool(), python3Tool(), pipTool(), uvTool(), goTool(), javaTool("", "java*"), mvnTool()}
	for i, why := range []string{"Node.js functions", "Node.js functions with dependencies", "Python functions with dependencies",
		"Python functions with dependencies", "faster Python installs", "Go functions", "Java functions", "Java functions with a pom.xml"} {
		tools[i].Why = why
	}
	return tools
}

// Tools lists the programs Build runs for spec, in the order it runs them.
// Like Build, it looks on PATH where the choice depends on it (uv as the
// Python installer). An error says why the build will fail whatever is
// installed (two Python lockfiles, a package.json with dependencies but no
// lockfile); the tools found so far are still returned.
func Tools(ctx context.Context, spec Spec) ([]Tool, error) {
	var tools []Tool
	if spec.Build != "" {
		tools = append(tools, Tool{Name: "sh", Command: []string{"sh"}, Required: true, Why: "package.build",
			Install: "package.build runs in sh: install a POSIX shell (on Windows, Git for Windows or WSL)"})
	}
	if spec.Artifact != "" {
		return tools, nil
	}
	rt := spec.Runtime
	var more []Tool
	var err error
	switch {
	case strings.HasPrefix(rt, "nodejs"):
		more, err = nodeTools(ctx, spec)
	case strings.HasPrefix(rt, "python"):
		more, err = pythonTools(spec)
	case strings.HasPrefix(rt, "java"):
		more = javaTools(spec)
	case strings.HasPrefix(rt, "provided") || strings.HasPrefix(rt, "go"):
		if fileExists(filepath.Join(spec.Source, "go.mod")) {
			g := goTool()
			g.Required, g.Why = true, "go.mod"
			more = []Tool{g}
		}
	}
	return append(tools, more...), err
}

// runtimeVersion is the version a runtime identifier names:
// nodejs22.x → 22, python3.12 → 3.12, java21 → 21, java17.al2023 → 17.
var runtimeVersion = regexp.MustCompile(`^(?:nodejs|python|java)([0-9]+(?:\.[0-9]+)?)`)

func wantVersion(runtime string) string {
	m := runtimeVersion.FindStringSubmatch(runtime)
	if m == nil {
		return ""
	}
	return m[1]
}

// nodeTools: node, and the package manager the lockfile picks, run only
// when package.json lists production dependencies.
func nodeTools(ctx context.Context, spec Spec) ([]Tool, error) {
	node := nodeTool(wantVersion(spec.Runtime), spec.Runtime)
	if spec.Dependencies == "none" {
		return []Tool{node}, nil
	}
	raw, err := safefile.ReadFile(ctx, filepath.Join(spec.Source, "package.json"), maxManifestBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return []Tool{node}, nil
	}
	if err != nil {
		return []Tool{node}, fmt.Errorf("read the package manifest: %w", err)
	}
	var pkg map[string]json.RawMessage
	if err := json.Unmarshal(raw, &pkg); err != nil || !hasProductionDeps(pkg) {
		return []Tool{node}, nil
	}
	node.Required = true
	mgr, err := pickNodeManager(spec.Source, pkg)
	if err != nil {
		// Without a lockfile the fix is npm install, which needs npm too.
		mgr = nodeManager{tool: "npm", lockfile: "package.json"}
	}
	m := npmTool()
	if mgr.tool != "npm" {
		m = Tool{Name: mgr.tool, Command: []string{mgr.tool, "--version"},
			Install: fmt.Sprintf("run corepack enable (Corepack comes with Node.js) to get %s", mgr.tool)}
	}
	m.Required, m.Why = true, mgr.lockfile
	return []Tool{node, m}, err
}

// pythonTools: python3 and the installer (pip or uv, as package.installer
// and PATH decide), the lock's own tool, and for pip python3.X of the
// runtime, with which pip judges version markers as the runtime would.
func pythonTools(spec Spec) ([]Tool, error) {
	if spec.Dependencies == "none" {
		return nil, nil
	}
	in, ok, err := findPythonInput(spec.Source)
	if err != nil || !ok {
		return nil, err
	}
	version := wantVersion(spec.Runtime)
	exact := Tool{Name: "python" + version, Command: []string{"python" + version, "--version"}, Want: version,
		Why: "version markers judged as " + spec.Runtime + " would", Install: fmt.Sprintf(installPython, spaced(version))}
	why := filepath.Base(in.path)
	py := python3Tool()
	py.Required, py.Why = true, why
	tools := []Tool{py}
	if in.lock != nil {
		tools = append(tools, Tool{Name: in.lock.tool, Command: []string{in.lock.tool, "--version"}, Required: true,
			Why: in.lock.file, Install: "install " + in.lock.install})
	}
	uv := uvTool()
	uv.Why = "faster installs, with markers judged for the runtime (package.installer: auto)"
	pip := pipTool()
	pip.Required, pip.Why = true, why
	installer, ierr := pythonInstaller(spec.Installer)
	switch {
	case ierr != nil || spec.Installer == installerUV:
		uv.Required, uv.Why = true, "package.installer: uv"
		return append(tools, uv), err
	case installer == installerUV:
		uv.Required = true
		return append(tools, uv), nil
	case spec.Installer == installerPip:
		return append(tools, pip, exact), nil
	}
	// auto without uv on PATH: pip installs, and uv would help.
	return append(tools, pip, exact, uv), nil
}

// javaTools: the JDK, and the build tool whose file is in the project when
// lamb runs the build.
func javaTools(spec Spec) []Tool {
	want := wantVersion(spec.Runtime)
	java := javaTool(want, spec.Runtime)
	if spec.Build != "" || spec.Dependencies == "none" {
		return []Tool{java}
	}
	javac := javacTool(want)
	javac.Required = true
	switch javaBuildTool(spec.Source) {
	case "maven":
		java.Required, javac.Why = true, "pom.xml"
		mvn := mvnTool()
		mvn.Required, mvn.Why = true, "pom.xml"
		return []Tool{java, javac, mvn}
	case "gradle":
		java.Required, javac.Why = true, "Gradle build file"
		gradle := Tool{Name: "gradle", Command: []string{"gradle", "--version"}, Required: true, Why: "Gradle build file without gradlew",
			Install: "install Gradle (https://gradle.org/install/), or add the wrapper with gradle wrapper"}
		if w := filepath.Join(spec.Source, "gradlew"); fileExists(w) {
			// The wrapper fetches its Gradle on first run: only its presence is checked.
			gradle = Tool{Name: "gradlew", File: w, Required: true, Why: "Gradle wrapper",
				Install: "make it executable: chmod +x gradlew"}
		}
		return []Tool{java, javac, gradle}
	}
	return []Tool{java}
}
