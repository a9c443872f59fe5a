package dev.graft.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * graft-spark has no module-info.java: Spark's jars cannot be required by a named module
 * (docs/ARCHITECTURE.md, "Module boundaries"). This holds it to graft-core's boundary all the same: its
 * sources compile outside any module, with graft-core as the module {@code dev.graft} on the module path,
 * where only the packages {@code dev.graft} exports to every module are visible.
 */
class SparkModuleBoundaryTest {

    /** graft-core and the modules it requires; everything else (Spark, picocli) stays on the class path. */
    private static final List<String> MODULES = List.of("dev.graft.Graft",
            "com.fasterxml.jackson.databind.ObjectMapper", "com.fasterxml.jackson.core.JsonFactory",
            "com.fasterxml.jackson.annotation.JsonProperty", "org.apache.commons.csv.CSVFormat",
            "org.apache.commons.compress.archivers.ArchiveStreamFactory", "org.apache.commons.io.IOUtils",
            "org.apache.commons.lang3.StringUtils", "org.apache.commons.codec.binary.Hex");

    @Test
    void theSourcesUseOnlyWhatDevGraftExportsToEveryModule(@TempDir Path tmp) throws Exception {
        Set<String> modulePath = new LinkedHashSet<>();
        for (String c : MODULES) {
            modulePath.add(location(Class.forName(c, false, getClass().getClassLoader())));
        }
        List<String> classPath = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!modulePath.contains(Path.of(e).toAbsolutePath().toString())) {
                classPath.add(e);
            }
        }
        List<String> args = new ArrayList<>(List.of("-d", tmp.toString(), "-proc:none", "-Xlint:-options",
                "--module-path", String.join(File.pathSeparator, modulePath), "--add-modules", "dev.graft",
                "-cp", String.join(File.pathSeparator, classPath)));
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).sorted().forEach(args::add);
        }
        assertThat(args.size()).as("graft-spark's main sources").isGreaterThan(20);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK compiler").isNotNull();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = javac.run(null, out, out, args.toArray(String[]::new));
        assertThat(rc).as("javac on graft-spark's sources against the module dev.graft:\n"
                + out.toString(StandardCharsets.UTF_8)).isZero();
        // and the check is real: the same compiler refuses a package dev.graft keeps to itself
        Path inside = Files.createDirectories(tmp.resolve("inside")).resolve("Inside.java");
        Files.writeString(inside, "import dev.graft.experiment.*;\nclass Inside { }\n");
        out.reset();
        args.subList(args.indexOf("-cp") + 2, args.size()).clear();
        args.add(inside.toString());
        assertThat(javac.run(null, out, out, args.toArray(String[]::new))).isNotZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("package dev.graft.experiment is not visible");
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath().toString();
    }
}
