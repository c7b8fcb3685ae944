package builder

import (
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
		jarCmd("--create", "--file", "target/app-1.0.jar", "-C", "target/classes", ".")
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
	for _, w := range []string{src, "target/classes", "package.artifact", "package.build"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
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
	writeFile(t, filepath.Join(src, "build", "libs", "app-1.0-all.jar"), "fat jar", 0o644)
	res, err = b.build(context.Background(), Spec{Source: src, Runtime: "java25", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(src, "build", "libs", "app-1.0-all.jar"); res.Archive != want {
		t.Errorf("result = %+v, want the shadow jar %s", res, want)
	}
}
