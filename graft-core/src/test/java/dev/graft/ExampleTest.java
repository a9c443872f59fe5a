package dev.graft;

import dev.graft.api.PretrainOptions;
import dev.graft.finetune.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's "From Java" example, taken from README.md itself (so the two cannot drift), compiled and
 * run with a tiny {@code size} (vocabulary 99, hidden 32, FFN 37, 5 updates) on a small corpus and
 * labeled files.
 */
class ExampleTest {

    /** The repository's root: the folder above the working directory with README.md and graft-core/. */
    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("graft-core"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new AssertionError("no README.md with graft-core/ beside it above " + Path.of("").toAbsolutePath());
    }

    /** The first java block after the "## From Java" heading of the repository's README.md. */
    static String readmeExample() throws IOException {
        String text = Files.readString(repositoryRoot().resolve("README.md"));
        int section = text.indexOf("\n## From Java\n");
        assertThat(section).as("a \"## From Java\" section in README.md").isPositive();
        Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(text);
        assertThat(m.find(section)).as("a java code block in the From Java section").isTrue();
        return m.group(1);
    }

    @Test
    void theReadmeExampleIsShortAndUsesOnlyTheFrontDoor() throws IOException {
        String code = readmeExample();
        long lines = code.lines().filter(l -> !l.isBlank()).count();
        assertThat(lines).as("non-blank lines of the README example").isLessThanOrEqualTo(17);
        for (String line : code.lines().filter(l -> l.startsWith("import ")).toList()) {
            assertThat(line).matches("import (dev\\.graft\\.Graft|dev\\.graft\\.api\\.\\*|java\\.nio\\.file\\.Path);");
        }
    }

    @Test
    void theReadmeExampleCompilesAndRuns(@TempDir Path tmp) throws Exception {
        String code = readmeExample();
        Path src = tmp.resolve("src/Example.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, code);
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("a JDK compiler").isNotNull();
        // as a library user's code: outside the module dev.graft, so it sees only what the module exports
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(), "-cp", classes.toString(),
                "--module-path", System.getProperty("jdk.module.path"), "--add-modules", "dev.graft",
                src.toString());
        assertThat(rc).as("javac on the README example:\n" + diagnostics.toString(StandardCharsets.UTF_8))
                .isZero();

        Path corpus = GraftTest.corpus(tmp.resolve("corpus.txt"));
        Path train = Fixtures.writeClassification(tmp.resolve("train.jsonl"), Fixtures.sentiment(40, 3));
        Path test = Fixtures.writeClassification(tmp.resolve("test.jsonl"), Fixtures.sentiment(20, 4));
        Path runs = tmp.resolve("runs");
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ExampleTest.class.getClassLoader())) {
            Class<?> example = loader.loadClass("Example");
            Field size = example.getDeclaredField("size");
            size.setAccessible(true);
            assertThat(size.get(null)).isInstanceOf(PretrainOptions.class);
            size.set(null, GraftTest.tiny());
            Method main = example.getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) new String[] {corpus.toString(), train.toString(), test.toString(),
                    runs.toString()});
        } finally {
            System.setOut(stdout);
        }
        List<String> out = printed.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).startsWith("test accuracy: ");
        double accuracy = Double.parseDouble(out.get(0).substring("test accuracy: ".length()));
        assertThat(accuracy).isBetween(0.0, 1.0);
        // "positive (0.731)": a label of the training file and its probability
        assertThat(out.get(1)).matches("(positive|negative) \\(0\\.\\d{3}\\)|(positive|negative) \\(1\\.000\\)");
        assertThat(runs.resolve("base/model.safetensors")).isRegularFile();
        assertThat(runs.resolve("classifier/config.json")).isRegularFile();
        assertThat(Files.readString(runs.resolve("base/config.json"))).contains("\"hidden_size\" : 32");
    }
}
