package packager

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lambcli/lamb/internal/testenv"
)

// shadePlugin is the build section that turns the maven fixture into a
// shading build.
const shadePlugin = `<plugin>
        <artifactId>maven-shade-plugin</artifactId>
        <version>3.6.0</version>
        <executions>
          <execution>
            <phase>package</phase>
            <goals><goal>shade</goal></goals>
          </execution>
        </executions>
      </plugin>`

// loadHandler is a one-file Java program that loads the handler class and
// calls it, which links it against RequestHandler from aws-lambda-java-core.
const loadHandler = `public class LoadHandler {
    public static void main(String[] args) throws Exception {
        Class<?> c = Class.forName("example.Handler");
        Object h = c.getDeclaredConstructor().newInstance();
        Object out = c.getMethod("handleRequest", String.class, Class.forName("com.amazonaws.services.lambda.runtime.Context")).invoke(h, "lamb", null);
        System.out.println(out);
    }
}
`

// TestMavenProject builds a real Maven project that depends on
// aws-lambda-java-core, with and without the shade plugin, and loads the
// handler from the unzipped bundle the way Lambda's class path sees it.
func TestMavenProject(t *testing.T) {
	testenv.NeedTool(t, "mvn")
	testenv.NeedTool(t, "java")
	pom := fileBytes(t, filepath.Join("testdata", "maven", "pom.xml"))
	for _, tc := range []struct {
		name    string
		plugins string
		want    []string // entries the zip must hold
		notWant []string
	}{
		{
			name:    "shade plugin",
			plugins: shadePlugin,
			want:    []string{"example/Handler.class", "com/amazonaws/services/lambda/runtime/RequestHandler.class"},
			notWant: []string{"lib/aws-lambda-java-core-1.2.3.jar"},
		},
		{
			name:    "classes and lib",
			want:    []string{"example/Handler.class", "lib/aws-lambda-java-core-1.2.3.jar"},
			notWant: []string{"com/amazonaws/services/lambda/runtime/RequestHandler.class", "hello-1.0.jar"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "maven")
			writeFiles(t, src, map[string]string{
				"pom.xml":                            strings.Replace(string(pom), "<!--SHADE-->", tc.plugins, 1),
				"src/main/java/example/Handler.java": string(fileBytes(t, filepath.Join("testdata", "maven", "src", "main", "java", "example", "Handler.java"))),
			})
			spec := testSpec(t, src)
			spec.Runtime, spec.Handler, spec.Dependencies = "java21", "example.Handler::handleRequest", "auto"
			m, err := Package(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			names := zipNames(t, m.ZipPath, true)
			for _, w := range tc.want {
				if !slices.Contains(names, w) {
					t.Errorf("zip lacks %s; it holds %v", w, names)
				}
			}
			for _, w := range tc.notWant {
				if slices.Contains(names, w) {
					t.Errorf("zip holds %s; it should not", w)
				}
			}

			dir := unzipBundle(t, m.ZipPath)
			prog := filepath.Join(t.TempDir(), "LoadHandler.java")
			noError(t, os.WriteFile(prog, []byte(loadHandler), 0o644))
			cp := dir + string(os.PathListSeparator) + filepath.Join(dir, "lib", "*")
			out, err := exec.Command("java", "-cp", cp, prog).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "hello lamb" {
				t.Errorf("loading example.Handler from the unzipped bundle: %v\n%s", err, out)
			}

			// A second run reuses Maven's output and the copied jars.
			again, err := Package(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if again.CodeSha256 != m.CodeSha256 {
				t.Errorf("second build of an unchanged project: sha256 %s, first %s", again.CodeSha256, m.CodeSha256)
			}
		})
	}
}
