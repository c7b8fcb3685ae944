package builder

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lambcli/lamb/internal/safefile"
)

// java builds a Maven or Gradle project with its own tool when lamb.yaml
// leaves the build to lamb (no package.build, dependencies auto), then ships
// the jar that bundles the dependencies, or else the compiled classes at the
// root with the runtime dependency jars under lib/, the class path the Java
// runtime builds from /var/task. A project without a build file, or whose
// package.build does the building, is shipped from what is already there.
func (b *builder) java(ctx context.Context, spec Spec) (*Result, error) {
	if spec.Build == "" && spec.Dependencies != "none" {
		switch tool := javaBuildTool(spec.Source); tool {
		case "maven":
			return b.maven(ctx, spec)
		case "gradle":
			if err := b.gradle(ctx, spec); err != nil {
				return nil, err
			}
		}
	}
	return javaResult(spec)
}

// javaBuildTool names the build tool whose file is at the root of src, or "".
func javaBuildTool(src string) string {
	if fileExists(filepath.Join(src, "pom.xml")) {
		return "maven"
	}
	for _, f := range []string{"build.gradle", "build.gradle.kts"} {
		if fileExists(filepath.Join(src, f)) {
			return "gradle"
		}
	}
	return ""
}

// mavenArgs build the project's jar with the user's own settings and local
// repository; -B keeps Maven's output free of progress bars and colour.
var mavenArgs = []string{"-B", "-q", "-DskipTests", "package"}

func (b *builder) maven(ctx context.Context, spec Spec) (*Result, error) {
	if _, err := exec.LookPath("mvn"); err != nil {
		return nil, fmt.Errorf("%s has a pom.xml, so lamb builds it with Maven, but mvn is not on PATH: install Maven, or build the jar yourself and set package.artifact to it", spec.Source)
	}
	spec.progress("building with mvn package")
	c := command{Dir: spec.Source, Name: "mvn", Args: mavenArgs, Log: spec.Log}
	if o, err := b.run(ctx, c); err != nil {
		return nil, fmt.Errorf("build %s with `%s`: %s%s", spec.Source, c, exitStatus(err), outputTail(o))
	}
	if fat, err := fatJar(spec.Source); err != nil || fat != "" {
		return archiveResult(fat, err)
	}
	classes := filepath.Join(spec.Source, "target", "classes")
	if !dirExists(classes) {
		return nil, fmt.Errorf("`%s` in %s left no target/classes and no jar with dependencies: check the pom's packaging is jar, or set package.artifact to the jar the build makes", c, spec.Source)
	}
	// The dependency list only changes with the pom, so the copy is cached
	// by its content; the tool's fingerprint covers an upgraded Maven.
	pom, err := safefile.ReadFile(ctx, filepath.Join(spec.Source, "pom.xml"), maxManifestBytes)
	if err != nil {
		return nil, fmt.Errorf("read the dependencies: %w", err)
	}
	key := cacheKey(pom, []byte(spec.Source), toolFingerprint("mvn"))
	lib, err := cachedInstall(ctx, spec.CacheDir, "maven", key, spec.NoCache, func(ctx context.Context, dir string) error {
		spec.progress("copying the runtime dependency jars with mvn dependency:copy-dependencies")
		c := command{Dir: spec.Source, Name: "mvn", Args: []string{"-B", "-q", "dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory=" + dir}, Log: spec.Log}
		if o, err := b.run(ctx, c); err != nil {
			return fmt.Errorf("copy the runtime dependencies of %s with `mvn dependency:copy-dependencies`: %s%s", spec.Source, exitStatus(err), outputTail(o))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Trees: []Tree{{Dir: classes}, {Dir: lib, Prefix: "lib"}}}, nil
}

// gradle runs the project's wrapper when it has one, else the gradle on PATH.
func (b *builder) gradle(ctx context.Context, spec Spec) error {
	c := command{Dir: spec.Source, Args: []string{"build", "-x", "test"}, Log: spec.Log}
	wrapper := filepath.Join(spec.Source, "gradlew")
	switch fi, err := os.Stat(wrapper); {
	case err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0:
		c.Name = wrapper
	case err == nil && fi.Mode().IsRegular():
		// A wrapper checked out without its executable bit still runs.
		c.Name, c.Args = "sh", append([]string{wrapper}, c.Args...)
	default:
		if _, err := exec.LookPath("gradle"); err != nil {
			return fmt.Errorf("%s has a Gradle build file, so lamb builds it with Gradle, but it has no gradlew wrapper and gradle is not on PATH: install Gradle, add the wrapper (gradle wrapper), or build the jar yourself and set package.artifact to it", spec.Source)
		}
		c.Name = "gradle"
	}
	spec.progress("building with gradle build")
	if o, err := b.run(ctx, c); err != nil {
		return fmt.Errorf("build %s with `%s build -x test`: %s%s", spec.Source, filepath.Base(c.Name), exitStatus(err), outputTail(o))
	}
	return nil
}

// javaResult takes the jar a build left with the dependencies inside it, or
// lays out the compiled classes at the root with dependency jars under lib/.
func javaResult(spec Spec) (*Result, error) {
	src := spec.Source
	if fat, err := fatJar(src); err != nil || fat != "" {
		return archiveResult(fat, err)
	}
	classes := classesDir(src)
	if classes == "" {
		return nil, fmt.Errorf("%s needs compiled classes or a jar in %s: none of target/classes, build/classes/java/main or classes exists; run the build (e.g. package.build: mvn -q package) or set package.artifact to the jar or zip it makes", spec.Runtime, src)
	}
	trees := []Tree{{Dir: classes}}
	if res := filepath.Join(src, "build", "resources", "main"); strings.HasSuffix(filepath.ToSlash(classes), "build/classes/java/main") && dirExists(res) {
		trees = append(trees, Tree{Dir: res})
	}
	for _, l := range []string{"target/dependency", "lib"} {
		if d := filepath.Join(src, filepath.FromSlash(l)); dirExists(d) {
			trees = append(trees, Tree{Dir: d, Prefix: "lib"})
			break
		}
	}
	return &Result{Trees: trees}, nil
}

func archiveResult(archive string, err error) (*Result, error) {
	if err != nil {
		return nil, err
	}
	return &Result{Archive: archive}, nil
}

func classesDir(src string) string {
	for _, c := range []string{"target/classes", "build/classes/java/main", "classes"} {
		if d := filepath.Join(src, filepath.FromSlash(c)); dirExists(d) {
			return d
		}
	}
	return ""
}

// fatJar finds the jar a shading build (Maven's shade or assembly plugin,
// Gradle's shadow plugin) left in target/ or build/libs/: one that holds
// classes beyond the project's own compiled ones. Without compiled classes
// to compare with, the plugins' names tell: shade keeps the thin jar beside
// the fat one as original-<name>.jar, and shadow names the fat one
// <name>-all.jar. Sources, javadoc and test jars never qualify. More than
// one such jar is an error, since lamb cannot tell which one is current.
func fatJar(src string) (string, error) {
	var jars []string
	for _, d := range []string{"target", filepath.Join("build", "libs")} {
		found, _ := filepath.Glob(filepath.Join(src, d, "*.jar"))
		for _, j := range found {
			base := strings.ToLower(filepath.Base(j))
			if strings.HasPrefix(base, "original-") || hasAnySuffix(base, "-sources.jar", "-javadoc.jar", "-tests.jar", "-test-sources.jar") || !fileExists(j) {
				continue
			}
			jars = append(jars, j)
		}
	}
	classes := classesDir(src)
	var fat []string
	for _, j := range jars {
		if bundlesDependencies(j, classes) {
			fat = append(fat, j)
		}
	}
	sort.Strings(fat)
	switch len(fat) {
	case 0:
		return "", nil
	case 1:
		return fat[0], nil
	}
	rel := make([]string, len(fat))
	for i, f := range fat {
		rel[i], _ = filepath.Rel(src, f)
		rel[i] = filepath.ToSlash(rel[i])
	}
	return "", fmt.Errorf("%s holds %d jars with dependencies (%s): lamb cannot tell which one to ship; delete the stale ones (mvn clean, gradle clean) or set package.artifact to the one to use", src, len(fat), strings.Join(rel, ", "))
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// bundlesDependencies says whether jar holds a class file that the
// project's classes folder does not, which only a shading build puts there.
func bundlesDependencies(jar, classes string) bool {
	base := filepath.Base(jar)
	if classes == "" {
		orig := filepath.Join(filepath.Dir(jar), "original-"+base)
		return strings.HasSuffix(base, "-all.jar") || fileExists(orig)
	}
	r, err := zip.OpenReader(jar)
	if err != nil {
		return false
	}
	defer r.Close()
	for _, f := range r.File {
		if !strings.HasSuffix(f.Name, ".class") || strings.HasSuffix(f.Name, "module-info.class") {
			continue
		}
		name := strings.TrimPrefix(f.Name, "/")
		// Multi-release jars keep versioned copies of classes under
		// META-INF/versions/N/; they are the project's own when the
		// unversioned path is.
		if rest, ok := strings.CutPrefix(name, "META-INF/versions/"); ok {
			if _, after, ok := strings.Cut(rest, "/"); ok {
				name = after
			}
		}
		if _, err := os.Stat(filepath.Join(classes, filepath.FromSlash(name))); errors.Is(err, os.ErrNotExist) {
			return true
		}
	}
	return false
}
