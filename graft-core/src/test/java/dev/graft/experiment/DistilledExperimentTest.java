package dev.graft.experiment;

import dev.graft.data.DatasetRegistry;
import dev.graft.data.RegistryClients;
import dev.graft.data.StandardDatasets;
import dev.graft.distill.DistillSpec;
import dev.graft.distill.Distillation;
import dev.graft.finetune.Fixtures;
import dev.graft.model.HeadConfig;
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
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The distilled strategy in a tiny experiment: a student distilled by graft distill from a tiny "pretrained"
 * teacher, fine-tuned on the same labeled subsets as bow; its distillation counted as its pretraining cost.
 */
class DistilledExperimentTest {
    @Test
    void theDistilledStudentIsFineTunedOnTheSameSubsetsAsTheOtherArms(@TempDir Path dir) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String[] row : Fixtures.sentiment(200, 1)) {
            text.append(row[0]).append('\n');
        }
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), text.toString());
        Path train = Fixtures.writeClassification(dir.resolve("train.jsonl"), Fixtures.sentiment(40, 2));
        Path test = Fixtures.writeClassification(dir.resolve("test.jsonl"), Fixtures.sentiment(20, 3));
        Path teacher;
        try (Parallel one = new Parallel(1)) {
            teacher = Fixtures.checkpoint(dir.resolve("teacher"), new Compute(KernelProvider.create(one), one),
                    Fixtures.wordPiece(), ModelConfig.Architecture.ENCODER);
        }
        // No dataset is fetched in this registry: the experiment names the default corpus (english-corpus)
        // but no strategy of it reads the corpus, so nothing may need its card (a clean machine's CI found
        // the report asking for it after every cell had run).
        DatasetRegistry registry = new DatasetRegistry(dir.resolve("datasets"), new RegistryClients(List.of()),
                StandardDatasets.all());
        Path student = dir.resolve("student");
        PrintStream quiet = new PrintStream(PrintStream.nullOutputStream());
        Distillation.run(DistillSpec.builder(teacher, List.of(corpus.toString()), student)
                .student(DistillSpec.TEACHER_SHAPE).model(mdl -> mdl.withLayers(1)).batchSize(8).seqLen(24)
                .run(ro -> ro.withSteps(5).withThreads(1)).build(),
                registry, quiet, TrainingListener.NONE);

        Path out = dir.resolve("exp");
        ExperimentSpec.Builder b = ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of(train.toString(),
                        test.toString()), out)
                .strategies(List.of(Strategy.BOW, Strategy.DISTILLED)).budgets(List.of(8, 16)).seeds(1)
                .maxEpochs(1).run(r -> r.withThreads(1).withSeed(7)).folds(0);
        assertThatThrownBy(() -> b.build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("give distilled DIR");
        assertThatThrownBy(() -> b.distilled(dir.resolve("nowhere")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("graft distill run");
        ExperimentSpec spec = b.distilled(student).build();
        assertThat(spec.toMap().get("distilled")).isEqualTo(student.toString());
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            Experiment.run(spec, registry, log);
        }
        List<CellResult> results = CellResult.read(out.resolve("results.jsonl"));
        assertThat(results).as(buf.toString(StandardCharsets.UTF_8)).hasSize(2 * 2);
        List<CellResult> rows = results.stream().filter(r -> r.strategy().equals("distilled")).toList();
        assertThat(rows).hasSize(2).allSatisfy(r -> {
            assertThat(r.status()).as(r.budget() + " " + r.error()).isEqualTo("ok");
            assertThat(r.test()).isBetween(0.0, 1.0);
            assertThat(r.cost().pretrainTokens()).as("the distillation counts").isPositive();
            assertThat(r.cost().finetuneTokens()).isPositive();
        });
        for (String key : List.of("b8-s0", "b16-s0")) {
            assertThat(Files.readString(out.resolve("cells/distilled/" + key + ".subset")))
                    .isEqualTo(Files.readString(out.resolve("cells/bow/" + key + ".subset")));
        }
        assertThat(spec.corpus()).containsExactly("english-corpus");
        assertThat(registry.isFetched("english-corpus")).as("the unread corpus was not fetched").isFalse();
        assertThat(Files.readString(out.resolve("report.md"))).contains("distilled").contains("| train.jsonl");
    }
}
