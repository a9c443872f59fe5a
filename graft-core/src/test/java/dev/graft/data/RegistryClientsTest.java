package dev.graft.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 23, item 10: a long fetch (MiniLM's 83 MB through mvn) says it is still running instead of going quiet. */
class RegistryClientsTest {
    @TempDir
    Path dir;

    @Test
    void aLongRunningClientSaysItIsStillRunning() throws Exception {
        List<String> messages = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                messages.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(RegistryClients.class.getName());
        log.addHandler(capture);
        try {
            RegistryClients.Result r = new RegistryClients(List.of(), Duration.ofMillis(200)).run(List.of("/bin/sh", "-c", "sleep 1; echo done"),
                    dir, Map.of(), null);
            assertThat(r.stdout()).isEqualTo("done\n");
        } finally {
            log.removeHandler(capture);
        }
        assertThat(messages).isNotEmpty().allMatch(m -> m.startsWith("sh still running ("));
    }

    @Test
    void aMavenDownloadSaysHowManyBytesHaveArrivedOfHowMany() throws Exception {
        // a stand-in for mvn that downloads like Maven: a temporary file grows in the local repository,
        // is renamed to the jar, and the jar is copied to -DoutputDirectory
        Path bin = java.nio.file.Files.createDirectories(dir.resolve("bin"));
        Path repo = dir.resolve("repo");
        Path mvn = bin.resolve("mvn");
        java.nio.file.Files.writeString(mvn, """
                #!/bin/sh
                for a in "$@"; do case "$a" in -DoutputDirectory=*) out="${a#-DoutputDirectory=}";; esac; done
                d="%s/org/example/big-model/2.0"
                mkdir -p "$d"
                for i in 1 2 3 4 5 6; do
                  head -c 50000 /dev/zero >> "$d/big-model-2.0.jar.part"
                  sleep 0.25
                done
                mv "$d/big-model-2.0.jar.part" "$d/big-model-2.0.jar"
                cp "$d/big-model-2.0.jar" "$out/"
                """.formatted(repo));
        java.nio.file.Files.setPosixFilePermissions(mvn, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Source source = new Source(Source.Registry.MAVEN, "org.example:big-model", "2.0",
                "0".repeat(64), 300_000);
        List<String> messages = capture(() -> {
            Path jar = new RegistryClients(List.of(bin), Duration.ofSeconds(60), Duration.ofMillis(200), repo)
                    .download(source, dir.resolve("out"));
            assertThat(jar).hasFileName("big-model-2.0.jar").hasSize(300_000);
        });
        assertThat(messages).isNotEmpty();
        assertThat(messages).as("%s", messages).allMatch(m -> m.matches("downloading maven org\\.example:big-model:2\\.0: "
                + "0\\.[0-3] MB of 0\\.3 MB \\(\\d+%\\), \\d+\\.\\d MB/s(, about \\d+ s left)?"));
        // the share grows from one line to the next
        List<Integer> shares = messages.stream().map(m -> Integer.parseInt(m.replaceAll(".*\\((\\d+)%\\).*", "$1")))
                .toList();
        assertThat(shares).isSorted();
        assertThat(shares.get(0)).isLessThan(100);
    }

    @Test
    void watchingADownloadCountsTheGrowingFileAndItsTemporaryFormsOnly() throws Exception {
        Path folder = java.nio.file.Files.createDirectories(dir.resolve("g/a/1"));
        DownloadWatch watch = new DownloadWatch(folder, "a-1.jar", "maven g:a:1", 1000, 0);
        assertThat(watch.progress(1_000_000_000L)).isNull(); // nothing yet: the caller says "still running"
        java.nio.file.Files.write(folder.resolve("a-1.jar.part"), new byte[250]);
        java.nio.file.Files.write(folder.resolve("aether-1234.tmp"), new byte[50]);
        java.nio.file.Files.write(folder.resolve("a-1.pom"), new byte[999]); // not the jar: not counted
        java.nio.file.Files.write(folder.resolve("other-1.jar.part"), new byte[999]); // another artifact
        // 300 bytes in the first second; then 300 more in the next 2 s: 150 B/s, 400 B left -> 3 s
        assertThat(watch.progress(1_000_000_000L)).isEqualTo("downloading maven g:a:1: 0.0 MB of 0.0 MB (30%), 0.0 MB/s, about 3 s left"); // 700 bytes left at 300 B/s
        java.nio.file.Files.delete(folder.resolve("aether-1234.tmp"));
        java.nio.file.Files.write(folder.resolve("a-1.jar.part"), new byte[600]);
        assertThat(watch.bytes()).isEqualTo(600);
        assertThat(watch.progress(3_000_000_000L)).endsWith("(60%), 0.0 MB/s, about 3 s left");
    }

    @Test
    void theLocalRepositoryComesFromTheOptionsTheSettingsOrTheDefault() throws Exception {
        Path home = dir.resolve("home");
        assertThat(MavenLocalRepository.locate(null, null, home)).isEqualTo(home.resolve(".m2/repository"));
        assertThat(MavenLocalRepository.locate("-Xmx1g -Dmaven.repo.local=/srv/m2 -q", null, home))
                .isEqualTo(Path.of("/srv/m2"));
        assertThat(MavenLocalRepository.locate("-Dmaven.repo.local=/a", "-Dmaven.repo.local=~/b", home))
                .isEqualTo(home.resolve("b"));
        java.nio.file.Files.createDirectories(home.resolve(".m2"));
        java.nio.file.Files.writeString(home.resolve(".m2/settings.xml"),
                "<settings><localRepository> ${user.home}/repo </localRepository></settings>");
        assertThat(MavenLocalRepository.locate(null, null, home)).isEqualTo(home.resolve("repo"));
    }

    @Test
    void aSourceSizeIsPositiveOrUnknown() {
        assertThat(new Source(Source.Registry.MAVEN, "g:a", "1", "0".repeat(64)).bytes()).isEqualTo(-1);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> new Source(Source.Registry.MAVEN, "g:a", "1", "0".repeat(64), 0))
                .hasMessageContaining("must be positive");
    }

    private interface Body {
        void run() throws Exception;
    }

    private static List<String> capture(Body body) throws Exception {
        List<String> messages = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                messages.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger(RegistryClients.class.getName());
        log.addHandler(capture);
        try {
            body.run();
        } finally {
            log.removeHandler(capture);
        }
        return messages;
    }
}
