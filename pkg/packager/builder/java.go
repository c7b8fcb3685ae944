package builder

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// javaResult takes the one fat jar a shading build left, or lays out the
// compiled classes at the root with dependency jars under lib/, which is
// the class path the Java runtime builds from /var/task.
func javaResult(spec Spec) (*Result, error) {
	src := spec.Source
	if fat := fatJars(src); len(fat) == 1 {
		return &Result{Archive: fat[0]}, nil
	}
	var classes string
	for _, c := range []string{"target/classes", "build/classes/java/main", "classes"} {
		if d := filepath.Join(src, filepath.FromSlash(c)); dirExists(d) {
			classes = d
			break
		}
	}
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

// fatJars finds jars that a shading plugin made: Maven's shade plugin keeps
// the thin jar beside the fat one as original-<name>.jar, and Gradle's
// shadow plugin names the fat one <name>-all.jar.
func fatJars(src string) []string {
	var out []string
	target := filepath.Join(src, "target")
	if jars, _ := filepath.Glob(filepath.Join(target, "*.jar")); len(jars) > 0 {
		for _, j := range jars {
			base := filepath.Base(j)
			if !strings.HasPrefix(base, "original-") && fileExists(filepath.Join(target, "original-"+base)) {
				out = append(out, j)
			}
		}
	}
	if jars, _ := filepath.Glob(filepath.Join(src, "build", "libs", "*-all.jar")); len(jars) > 0 {
		out = append(out, jars...)
	}
	sort.Strings(out)
	return out
}
