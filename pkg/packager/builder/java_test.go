package builder

import (
	"archive/zip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// compileJava builds the fixture the way Maven lays it out: the greet
// library as target/dependency/greet.jar and the handler's classes in
// target/classes. It returns the source folder.
func compileJava(t *testing.T) string {
	t.Helper()
	needTool(t, "javac")
	needTool(t, "jar")
	src := fixture(t, "java")
	run := func(dir, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}
	libClasses := filepath.Join(t.TempDir(), "greet")
	run(src, "javac", "-d", libClasses, "libsrc/greet/Greeter.java")
	if err := os.MkdirAll(filepath.Join(src, "target", "dependency"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(src, "jar", "--create", "--file", "target/dependency/greet.jar", "-C", libClasses, ".")
	run(src, "javac", "-cp", "target/dependency/greet.jar", "-d", "target/classes", "src/example/Handler.java")
	return src
}

func TestJavaLaysOutClassesAndLib(t *testing.T) {
	t.Parallel()
	src := compileJava(t)
	b, _ := newTestBuilder()
	res, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", Handler: "example.Handler::handleRequest", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := []Tree{
		{Dir: filepath.Join(src, "target", "classes")},
		{Dir: filepath.Join(src, "target", "dependency"), Prefix: "lib"},
	}
	if !reflect.DeepEqual(res.Trees, want) || res.Archive != "" {
		t.Fatalf("result = %+v, want trees %+v", res, want)
	}
	if !fileExists(filepath.Join(res.Trees[0].Dir, "example", "Handler.class")) {
		t.Errorf("example/Handler.class is not at the root of %s", res.Trees[0].Dir)
	}
	if !fileExists(filepath.Join(res.Trees[1].Dir, "greet.jar")) {
		t.Errorf("greet.jar is not in the lib tree %s", res.Trees[1].Dir)
	}
}

func TestJavaTakesReadyJars(t *testing.T) {
	t.Parallel()
	src := compileJava(t)
	jarCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command("jar", args...)
		cmd.Dir = src
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("jar %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	jarCmd("--create", "--file", "handler.jar", "-C", "target/classes", ".")

	t.Run("package.artifact", func(t *testing.T) {
		b, _ := newTestBuilder()
		res, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", Artifact: "handler.jar", CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(src, "handler.jar"); res.Archive != want || len(res.Trees) != 0 {
			t.Errorf("result = %+v, want the archive %s", res, want)
		}
	})
	t.Run("missing package.artifact", func(t *testing.T) {
		b, _ := newTestBuilder()
		missing := filepath.Join(src, "target", "app-1.0.jar")
		_, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", Artifact: missing, CacheDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("error = %v, want one naming %s", err, missing)
		}
	})
	t.Run("shaded jar beside its original", func(t *testing.T) {
		// The shaded jar holds the greet library's classes too.
		jarCmd("--extract", "--file", "target/dependency/greet.jar")
		defer os.RemoveAll(filepath.Join(src, "greet"))
		defer os.RemoveAll(filepath.Join(src, "META-INF"))
		jarCmd("--create", "--file", "target/app-1.0.jar", "-C", "target/classes", ".", "greet")
		jarCmd("--create", "--file", "target/original-app-1.0.jar", "-C", "target/classes", ".")
		defer os.Remove(filepath.Join(src, "target", "app-1.0.jar"))
		defer os.Remove(filepath.Join(src, "target", "original-app-1.0.jar"))
		b, _ := newTestBuilder()
		res, err := b.build(context.Background(), Spec{Source: src, Runtime: "java17", CacheDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(src, "target", "app-1.0.jar"); res.Archive != want {
			t.Errorf("result = %+v, want the shaded jar %s", res, want)
		}
	})
}

func TestJavaWithoutBuildOutput(t *testing.T) {
	t.Parallel()
	src := fixture(t, "java")
	b, _ := newTestBuilder()
	_, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", CacheDir: t.TempDir()})
	if err == nil {
		t.Fatal("want an error for a project that was not built")
	}
	mentions(t, err, src, "target/classes", "package.artifact", "package.build")
}

func TestJavaGradleLayout(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "build", "classes", "java", "main", "example", "Handler.class"), "class", 0o644)
	writeFile(t, filepath.Join(src, "build", "resources", "main", "log4j2.xml"), "<Configuration/>", 0o644)
	writeFile(t, filepath.Join(src, "build", "libs", "app-1.0.jar"), "thin jar", 0o644) // not shaded: ignored
	writeFile(t, filepath.Join(src, "lib", "greet.jar"), "jar", 0o644)
	b, _ := newTestBuilder()
	res, err := b.build(context.Background(), Spec{Source: src, Runtime: "java25", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	want := []Tree{
		{Dir: filepath.Join(src, "build", "classes", "java", "main")},
		{Dir: filepath.Join(src, "build", "resources", "main")},
		{Dir: filepath.Join(src, "lib"), Prefix: "lib"},
	}
	if !reflect.DeepEqual(res.Trees, want) || res.Archive != "" {
		t.Errorf("result = %+v, want trees %+v", res, want)
	}

	// A shadow plugin's -all jar is the whole bundle.
	writeJar(t, filepath.Join(src, "build", "libs", "app-1.0-all.jar"), "example/Handler.class", "greet/Greeter.class")
	res, err = b.build(context.Background(), Spec{Source: src, Runtime: "java25", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(src, "build", "libs", "app-1.0-all.jar"); res.Archive != want {
		t.Errorf("result = %+v, want the shadow jar %s", res, want)
	}
}

// writeJar writes a jar holding the named (empty) entries.
func writeJar(t *testing.T, path string, names ...string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, n := range names {
		if _, err := zw.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestJavaFatJarRule(t *testing.T) {
	t.Parallel()
	own := "example/Handler.class"
	for _, tc := range []struct {
		name    string
		jars    map[string][]string // jar path under the source -> class entries
		classes bool                // whether target/classes holds the project's class
		want    string              // the jar taken, "" for none
		wantErr string
	}{
		{name: "thin jar", classes: true, jars: map[string][]string{"target/app.jar": {own}}},
		{name: "shaded jar", classes: true, jars: map[string][]string{"target/app.jar": {own, "dep/Dep.class"}, "target/original-app.jar": {own}}, want: "target/app.jar"},
		{name: "assembly jar", classes: true, jars: map[string][]string{"target/app.jar": {own}, "target/app-jar-with-dependencies.jar": {own, "dep/Dep.class"}}, want: "target/app-jar-with-dependencies.jar"},
		{name: "sources and javadoc jars never count", classes: true, jars: map[string][]string{"target/app-sources.jar": {"dep/Dep.class"}, "target/app-javadoc.jar": {"dep/Dep.class"}}},
		{name: "multi-release copies of own classes", classes: true, jars: map[string][]string{"target/app.jar": {own, "META-INF/versions/17/" + own, "module-info.class"}}},
		{name: "two fat jars", classes: true, jars: map[string][]string{"target/app-0.9.jar": {"dep/Dep.class"}, "build/libs/app-1.0-all.jar": {"dep/Dep.class"}}, wantErr: "build/libs/app-1.0-all.jar, target/app-0.9.jar"},
		{name: "shadow name without classes", jars: map[string][]string{"build/libs/app-all.jar": {own}}, want: "build/libs/app-all.jar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := t.TempDir()
			if tc.classes {
				writeFile(t, filepath.Join(src, "target", "classes", filepath.FromSlash(own)), "class", 0o644)
			}
			for p, names := range tc.jars {
				writeJar(t, filepath.Join(src, filepath.FromSlash(p)), names...)
			}
			got, err := fatJar(src)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "package.artifact") {
					t.Fatalf("error = %v, want one listing %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := ""
			if tc.want != "" {
				want = filepath.Join(src, filepath.FromSlash(tc.want))
			}
			if got != want {
				t.Errorf("fat jar = %q, want %q", got, want)
			}
		})
	}
}

// fakeGradle is a gradlew (or gradle) that records its arguments and
// leaves what a shadow build leaves: the compiled classes and a jar with
// a dependency's classes inside.
func fakeGradle(t *testing.T, path, fatJar string) {
	t.Helper()
	script := "#!/bin/sh\nset -e\necho \"$@\" > gradle.args\n" +
		"mkdir -p build/classes/java/main/example build/libs\n" +
		"echo class > build/classes/java/main/example/Handler.class\n" +
		"cp '" + fatJar + "' build/libs/app-1.0-all.jar\n"
	writeFile(t, path, script, 0o755)
}

func TestJavaGradleBuild(t *testing.T) {
	fat := filepath.Join(t.TempDir(), "fat.jar")
	writeJar(t, fat, "example/Handler.class", "com/amazonaws/services/lambda/runtime/Context.class")
	check := func(t *testing.T, src string, res *Result, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(src, "build", "libs", "app-1.0-all.jar"); res.Archive != want {
			t.Errorf("result = %+v, want the shadow jar %s", res, want)
		}
		if args, _ := os.ReadFile(filepath.Join(src, "gradle.args")); strings.TrimSpace(string(args)) != "build -x test" {
			t.Errorf("gradle ran with %q, want build -x test", args)
		}
	}
	t.Run("wrapper", func(t *testing.T) {
		src := t.TempDir()
		writeFile(t, filepath.Join(src, "build.gradle.kts"), "plugins { java }", 0o644)
		fakeGradle(t, filepath.Join(src, "gradlew"), fat)
		b, r := newTestBuilder()
		res, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", CacheDir: t.TempDir()})
		check(t, src, res, err)
		if c := r.last(filepath.Join(src, "gradlew")); c.Dir != src {
			t.Errorf("the wrapper did not run in %s: %+v", src, r.calls)
		}
	})
	t.Run("wrapper without its executable bit", func(t *testing.T) {
		src := t.TempDir()
		writeFile(t, filepath.Join(src, "build.gradle"), "apply plugin: 'java'", 0o644)
		fakeGradle(t, filepath.Join(src, "gradlew"), fat)
		if err := os.Chmod(filepath.Join(src, "gradlew"), 0o644); err != nil {
			t.Fatal(err)
		}
		b, r := newTestBuilder()
		res, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", CacheDir: t.TempDir()})
		check(t, src, res, err)
		if c := r.last("sh"); len(c.Args) == 0 || c.Args[0] != filepath.Join(src, "gradlew") {
			t.Errorf("the wrapper did not run through sh: %+v", r.calls)
		}
	})
	t.Run("gradle on PATH", func(t *testing.T) {
		src, bin := t.TempDir(), t.TempDir()
		writeFile(t, filepath.Join(src, "build.gradle"), "apply plugin: 'java'", 0o644)
		fakeGradle(t, filepath.Join(bin, "gradle"), fat)
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		b, _ := newTestBuilder()
		res, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", CacheDir: t.TempDir()})
		check(t, src, res, err)
	})
	for _, tc := range []struct {
		buildFile string
		want      []string
	}{
		{"build.gradle", []string{"install Gradle", "gradlew", "package.artifact"}},
		{"pom.xml", []string{"install Maven", "mvn", "package.artifact"}},
	} {
		t.Run("no tool for "+tc.buildFile, func(t *testing.T) {
			src := t.TempDir()
			writeFile(t, filepath.Join(src, tc.buildFile), "", 0o644)
			t.Setenv("PATH", t.TempDir())
			b, _ := newTestBuilder()
			_, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", CacheDir: t.TempDir()})
			for _, w := range append(tc.want, src) {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error = %v, want one saying %q", err, w)
				}
			}
		})
	}
}

// TestJavaBuildCommandBuilds checks that package.build replaces lamb's own
// Maven run: what the command left is shipped.
func TestJavaBuildCommandBuilds(t *testing.T) {
	src := compileJava(t)
	writeFile(t, filepath.Join(src, "pom.xml"), "<project/>", 0o644)
	b, r := newTestBuilder()
	res, err := b.build(context.Background(), Spec{Source: src, Runtime: "java21", Build: "true", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if n := r.count("mvn", ""); n != 0 {
		t.Errorf("mvn ran %d times although package.build is set", n)
	}
	if len(res.Trees) != 2 || res.Trees[0].Dir != filepath.Join(src, "target", "classes") {
		t.Errorf("result = %+v, want target/classes and target/dependency", res)
	}
}
