package dev.graft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleReader;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * graft-core's module-info.java: the tests run inside the module, the exports are the ones
 * docs/ARCHITECTURE.md ("Module boundaries") lists, code outside the module compiles against the exported
 * packages only, and no exported signature names a type of a package that is not exported to every module.
 */
class ModuleBoundaryTest {
    private static final Module GRAFT = Graft.class.getModule();

    @Test
    void theTestsRunInsideTheNamedModule() {
        assertThat(GRAFT.isNamed()).as("graft-core's tests on the module path (module-info.java)").isTrue();
        assertThat(GRAFT.getName()).isEqualTo("dev.graft");
        assertThat(System.getProperty("jdk.module.path")).as("the module path").isNotBlank();
    }

    @Test
    void theExportsAreTheOnesDocsArchitectureLists() throws IOException {
        Map<String, Set<String>> documented = documentedExports();
        Map<String, Set<String>> declared = new TreeMap<>();
        ModuleDescriptor descriptor = GRAFT.getDescriptor();
        for (String p : descriptor.packages()) {
            if (p.startsWith("dev.graft")) { // not the test resource folders patched in (fixtures)
                declared.put(p, Set.of());
            }
        }
        for (ModuleDescriptor.Exports e : descriptor.exports()) {
            declared.put(e.source(), e.isQualified() ? new TreeSet<>(e.targets()) : Set.of("*"));
        }
        assertThat(documented).as("docs/ARCHITECTURE.md \"Module boundaries\" against module-info.java "
                + "(package -> exported to; * every module, empty: internal)").isEqualTo(declared);
    }

    @Test
    void codeOutsideTheModuleSeesOnlyTheExportedPackages(@TempDir Path tmp) throws Exception {
        String front = compile(tmp.resolve("front"), """
                import dev.graft.Graft;
                import dev.graft.api.*;
                import dev.graft.train.TrainingListener;
                class Front { Graft graft; Classifier classifier; TrainingListener listener; }
                """);
        assertThat(front).as("javac on a class using the front door").isEmpty();
        for (String internal : List.of("dev.graft.baseline", "dev.graft.experiment", "dev.graft.serve")) {
            String type = publicClassOf(internal); // public in its package, and still out of reach
            String out = compile(tmp.resolve(internal), "import " + type + ";\nclass Inside { }\n");
            assertThat(out).as("javac on a class using " + type).contains("package " + internal + " is not visible");
        }
    }

    @Test
    void noExportedSignatureNamesATypeThatIsNotExported() throws Exception {
        Set<String> everyone = new HashSet<>();
        for (ModuleDescriptor.Exports e : GRAFT.getDescriptor().exports()) {
            if (!e.isQualified()) {
                everyone.add(e.source());
            }
        }
        URL main = Graft.class.getProtectionDomain().getCodeSource().getLocation();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (String name : classNames()) {
            Class<?> c = Class.forName(name, false, Graft.class.getClassLoader());
            if (!everyone.contains(c.getPackageName()) || !accessible(c)
                    || !main.equals(c.getProtectionDomain().getCodeSource().getLocation())) {
                continue; // internal, not part of the API, or a test class patched in
            }
            checked++;
            List<Type> types = new ArrayList<>();
            if (c.getGenericSuperclass() != null) {
                types.add(c.getGenericSuperclass());
            }
            types.addAll(List.of(c.getGenericInterfaces()));
            for (Field f : c.getDeclaredFields()) {
                if (api(f.getModifiers(), c)) {
                    types.add(f.getGenericType());
                }
            }
            List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
            members.addAll(List.<Constructor<?>>of(c.getDeclaredConstructors()));
            for (Executable m : members) {
                if (api(m.getModifiers(), c) && !m.isSynthetic()) {
                    types.addAll(List.of(m.getGenericParameterTypes()));
                    types.addAll(List.of(m.getGenericExceptionTypes()));
                    if (m instanceof Method method) {
                        types.add(method.getGenericReturnType());
                    }
                }
            }
            Set<Class<?>> named = new HashSet<>();
            for (Type t : types) {
                collect(t, named, new HashSet<>());
            }
            for (Class<?> n : named) {
                if (n.getModule() == GRAFT && !everyone.contains(n.getPackageName())) {
                    problems.add(c.getName() + " names " + n.getName());
                }
            }
        }
        assertThat(checked).as("public classes of the exported packages").isGreaterThan(50);
        assertThat(problems).as("exported API naming types of packages exported to some modules or none "
                + "(export the package in module-info.java, or keep the type out of the signature)").isEmpty();
    }

    /** Some public top-level class of the package, by name. */
    private static String publicClassOf(String pkg) throws Exception {
        for (String name : classNames()) {
            Class<?> c = Class.forName(name, false, Graft.class.getClassLoader());
            if (c.getPackageName().equals(pkg) && c.getEnclosingClass() == null && Modifier.isPublic(c.getModifiers())) {
                return name;
            }
        }
        throw new AssertionError("no public class in " + pkg);
    }

    /** A class a module reading dev.graft can name: public, and so is every class around it. */
    private static boolean accessible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers())) {
                return false;
            }
        }
        return !c.isAnonymousClass() && !c.isLocalClass();
    }

    /** A member of the API: public, or protected in a class that can be extended. */
    private static boolean api(int modifiers, Class<?> owner) {
        return Modifier.isPublic(modifiers)
                || Modifier.isProtected(modifiers) && !Modifier.isFinal(owner.getModifiers()) && !owner.isEnum()
                && !owner.isRecord() && !owner.isSealed();
    }

    private static void collect(Type t, Set<Class<?>> out, Set<Type> seen) {
        if (!seen.add(t)) {
            return;
        }
        switch (t) {
            case Class<?> c -> {
                Class<?> k = c;
                while (k.isArray()) {
                    k = k.getComponentType();
                }
                out.add(k);
            }
            case ParameterizedType p -> {
                collect(p.getRawType(), out, seen);
                for (Type a : p.getActualTypeArguments()) {
                    collect(a, out, seen);
                }
            }
            case GenericArrayType g -> collect(g.getGenericComponentType(), out, seen);
            case WildcardType w -> Stream.concat(Stream.of(w.getUpperBounds()), Stream.of(w.getLowerBounds()))
                    .forEach(b -> collect(b, out, seen));
            case TypeVariable<?> v -> Stream.of(v.getBounds()).forEach(b -> collect(b, out, seen));
            default -> throw new AssertionError("unexpected type " + t);
        }
    }

    /** The module's main classes (the module reader lists its location, target/classes or the jar). */
    private static List<String> classNames() throws IOException {
        var reference = GRAFT.getLayer().configuration().findModule("dev.graft").orElseThrow().reference();
        try (ModuleReader reader = reference.open(); Stream<String> entries = reader.list()) {
            return entries.filter(e -> e.endsWith(".class") && !e.endsWith("module-info.class"))
                    .map(e -> e.substring(0, e.length() - ".class".length()).replace('/', '.')).sorted().toList();
        }
    }

    /** Compiles one class outside the module, against the module path; returns javac's messages. */
    private static String compile(Path dir, String source) throws IOException {
        Path src = Files.createDirectories(dir).resolve("Snippet.java");
        Files.writeString(src, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK compiler").isNotNull();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // an explicit class path: in this JVM javac would take java.class.path, which holds test classes
        Path classes = Files.createDirectories(dir.resolve("classes"));
        javac.run(null, out, out, "-d", classes.toString(), "-cp", classes.toString(), "-proc:none",
                "-Xlint:-incubating", "--module-path", System.getProperty("jdk.module.path"), "--add-modules",
                "dev.graft", src.toString());
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The "Module boundaries" table of docs/ARCHITECTURE.md: package -> modules it is exported to. */
    private static Map<String, Set<String>> documentedExports() throws IOException {
        Path doc = ExampleTest.repositoryRoot().resolve("docs/ARCHITECTURE.md");
        String text = Files.readString(doc);
        int start = text.indexOf("\n## Module boundaries\n");
        assertThat(start).as("a \"## Module boundaries\" section in " + doc).isPositive();
        int end = text.indexOf("\n## ", start + 1);
        String section = text.substring(start, end < 0 ? text.length() : end);
        Map<String, Set<String>> exports = new TreeMap<>();
        Pattern name = Pattern.compile("`(dev\\.graft[a-z.]*)`");
        for (String row : section.lines().filter(l -> l.startsWith("| `dev.graft")).toList()) {
            String[] cells = row.split("\\|");
            Set<String> targets = new TreeSet<>();
            if (cells[2].contains("every module")) {
                targets.add("*");
            } else {
                Matcher m = name.matcher(cells[2]);
                while (m.find()) {
                    targets.add(m.group(1));
                }
            }
            Matcher m = name.matcher(cells[1]);
            while (m.find()) {
                assertThat(exports.put(m.group(1), targets)).as(m.group(1) + " listed twice in " + doc).isNull();
            }
        }
        return exports;
    }
}
