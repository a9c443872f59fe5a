package dev.graft.data;

import dev.graft.distill.DistillSpec;
import dev.graft.distill.Distillation;
import dev.graft.finetune.Fixtures;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft distill --corpus sentiment-uci}: a labeled dataset's training text, labels dropped, is a
 * distillation corpus (the set fetched by a stand-in {@code npm}, as in {@link DatasetRegistryTest}).
 */
class DistillCorpusTest {
    @Test
    void aLabeledSetsTrainingTextIsACorpus(@TempDir Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path tgz = StandardDatasetsTest.sentimentPackage(Files.createDirectories(dir.resolve("fixtures")));
        Path npm = bin.resolve("npm");
        Files.writeString(npm, "#!/bin/sh\n[ \"$1\" = pack ] || exit 3\ncp '" + tgz
                + "' \"$4/sentiment-5.0.2.tgz\"\necho sentiment-5.0.2.tgz\n");
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
        SentimentUciDataset real = new SentimentUciDataset();
        DatasetDefinition sentiment = new DatasetDefinition() {
            public String name() { return real.name(); }
            public String description() { return real.description(); }
            public String license() { return real.license(); }
            public List<Source> sources() {
                try {
                    return List.of(new Source(Source.Registry.NPM, "sentiment", "5.0.2", DataFiles.sha256(tgz)));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            public List<SetDescriptor> sets() { return real.sets(); }
            public int formatVersion() { return real.formatVersion(); }
            public DatasetCard build(BuildContext c) throws IOException { return real.build(c); }
        };
        DatasetRegistry registry = new DatasetRegistry(dir.resolve("home/datasets"),
                new RegistryClients(List.of(bin)), List.of(sentiment));
        Path teacher;
        try (Parallel one = new Parallel(1)) {
            teacher = Fixtures.checkpoint(dir.resolve("teacher"), new Compute(KernelProvider.create(one), one),
                    Fixtures.wordPiece(), ModelConfig.Architecture.ENCODER);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Distillation.Result r = Distillation.run(DistillSpec.builder(teacher, List.of("sentiment-uci"),
                        dir.resolve("student")).student(DistillSpec.TEACHER_SHAPE).model(mdl -> mdl.withLayers(1)).batchSize(4)
                        .seqLen(16).run(ro -> ro.withSteps(2).withThreads(1))
                        .monitoring(mon -> mon.withValidationSequences(0)).build(), registry,
                new PrintStream(log, true, StandardCharsets.UTF_8), TrainingListener.NONE);
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("corpus: sentiment-uci (train split's text, labels dropped)");
        // the synthetic package: 3 domains x 10 sentences, of which the train split holds 80%, one document each
        int train = registry.resolve("sentiment-uci").classification(Split.TRAIN).size();
        assertThat(train).isPositive();
        assertThat(text).contains(String.format("%,d documents", train));
        assertThat(r.trainer().steps()).isEqualTo(2);
    }
}
