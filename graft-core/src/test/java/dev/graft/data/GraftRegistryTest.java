package dev.graft.data;

import dev.graft.Graft;
import dev.graft.GraftTestAccess;
import dev.graft.api.Checkpoint;
import dev.graft.api.Classifier;
import dev.graft.api.FineTuneOptions;
import dev.graft.api.LabeledData;
import dev.graft.api.TaggedSentence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Registry sets through the front door, by name and explicit split: a synthetic sentiment-uci package
 * (30 sentences) fetched by a stand-in npm client, as in {@link DatasetRegistryTest}.
 */
class GraftRegistryTest {

    @Test
    void fineTunesOnANamedSplitAndScoresAnotherNamedSplit(@TempDir Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path tgz = StandardDatasetsTest.sentimentPackage(Files.createDirectories(dir.resolve("fixtures")));
        Path npm = bin.resolve("npm");
        Files.writeString(npm, "#!/bin/sh\n[ \"$1\" = pack ] || exit 3\ncp '" + tgz + "' \"$4/sentiment-5.0.2.tgz\"\n"
                + "echo sentiment-5.0.2.tgz\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
        SentimentUciDataset real = new SentimentUciDataset();
        String sha = DataFiles.sha256(tgz);
        DatasetDefinition sentiment = new DatasetDefinition() {
            public String name() { return real.name(); }
            public String description() { return real.description(); }
            public String license() { return real.license(); }
            public List<Source> sources() { return List.of(new Source(Source.Registry.NPM, "sentiment", "5.0.2", sha)); }
            public List<SetDescriptor> sets() { return real.sets(); }
            public int formatVersion() { return real.formatVersion(); }
            public DatasetCard build(BuildContext c) throws IOException { return real.build(c); }
        };
        DatasetRegistry registry = new DatasetRegistry(dir.resolve("home/datasets"),
                new RegistryClients(List.of(bin)), List.of(sentiment));
        Checkpoint base = GraftTestAccess.tinyBase(dir);
        try (Graft graft = Graft.withThreads(1).withRegistry(registry)) {
            LabeledData<Classifier> train = LabeledData.fromRegistry("sentiment-uci", Split.TRAIN);
            LabeledData<Classifier> test = LabeledData.fromRegistry("sentiment-uci", Split.TEST);
            Classifier c = graft.fineTune(base, train.withTest(test),
                    FineTuneOptions.into(dir.resolve("model")).withEpochs(1).withDevFraction(0));
            assertThat(registry.isFetched("sentiment-uci")).isTrue();
            int trainSize = registry.resolve("sentiment-uci:train").classification(Split.TRAIN).size();
            int testSize = registry.resolve("sentiment-uci:test").classification(Split.TEST).size();
            String run = Files.readString(dir.resolve("model/run.json"));
            assertThat(run).contains("\"train_size\" : " + trainSize).contains("\"test_size\" : " + testSize)
                    .contains("dataset sentiment-uci (test split)");
            assertThat(c.evaluate(test).total()).isEqualTo(testSize);
            assertThatThrownBy(() -> graft.fineTune(base, LabeledData.fromTaggedRegistry("sentiment-uci",
                    Split.TRAIN).withTest(LabeledData.ofTagged(List.of(TaggedSentence.of(List.of("a"), List.of("X"))))),
                    FineTuneOptions.into(dir.resolve("t")))).hasMessageContaining("not a");
        }
    }
}
