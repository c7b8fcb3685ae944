// Loads a Lambda Java handler class the way the runtime does (the task root,
// then lib/*.jar), runs its static initialisers without calling the handler,
// and writes what happened as JSON to the result file.
// Arguments: task root, handler, result file.
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class Loader {
    public static void main(String[] args) throws Exception {
        File root = new File(args[0]);
        String handler = args[1];
        String cls = handler;
        String method = "";
        int sep = handler.indexOf("::");
        if (sep >= 0) {
            cls = handler.substring(0, sep);
            method = handler.substring(sep + 2);
        }
        List<URL> urls = new ArrayList<>();
        urls.add(root.toURI().toURL());
        File[] jars = new File(root, "lib").listFiles((d, n) -> n.endsWith(".jar"));
        if (jars != null) {
            Arrays.sort(jars);
            for (File j : jars) {
                urls.add(j.toURI().toURL());
            }
        }
        String result;
        try {
            ClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
            Class<?> c = Class.forName(cls, true, loader);
            boolean found = method.isEmpty();
            for (Method m : c.getMethods()) {
                found |= m.getName().equals(method);
            }
            result = found ? "{\"status\":\"loaded\"}"
                : "{\"status\":\"failed\",\"kind\":\"missingHandler\",\"message\":" + quote(cls + " has no public method " + method) + "}";
        } catch (ExceptionInInitializerError e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            result = failed(cause);
        } catch (Throwable e) {
            result = failed(e);
        }
        Files.write(Paths.get(args[2]), result.getBytes(StandardCharsets.UTF_8));
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    static String failed(Throwable e) {
        String msg = e.getMessage() == null ? "" : e.getMessage();
        return "{\"status\":\"failed\",\"error\":" + quote(e.getClass().getName()) + ",\"message\":" + quote(msg) + "}";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format("\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }
}
