package dev.graft.experiment;

import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.Fixtures;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
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
 * The setfit strategies in a tiny experiment: setfit on a model "pretrained elsewhere" (a tiny checkpoint
 * folder given as --pretrained), setfit-own on the experiment's own base pretraining, beside bow on the same
 * labeled subsets; their rows, costs and report lines.
 */
class SetFitExperimentTest {
    @Test
    void setfitAndSetfitOwnRunOnTheSameSubsetsAsTheOtherArms(@TempDir Path dir) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String[] row : Fixtures.sentiment(300, 1)) {
            text.append(row[0]).append('\n');
        }
        Path corpus = Files.writeString(dir.resolve("corpus.txt"), text.toString());
        Path train = Fixtures.writeClassification(dir.resolve("train.jsonl"), Fixtures.sentiment(40, 2));
        Path test = Fixtures.writeClassification(dir.resolve("test.jsonl"), Fixtures.sentiment(20, 3));
        Path elsewhere;
        try (Parallel one = new Parallel(1)) {
            elsewhere = Fixtures.checkpoint(dir.resolve("elsewhere"), new Compute(KernelProvider.create(one), one),
                    Fixtures.wordPiece(), ModelConfig.Architecture.ENCODER);
        }
        Path out = dir.resolve("exp");
        ExperimentSpec spec = ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of(train.toString(),
                        test.toString()), out)
                .corpus(List.of(corpus.toString())).pretrained(elsewhere.toString())
                .distilled(elsewhere)
                .strategies(List.of(Strategy.BOW, Strategy.SETFIT, Strategy.SETFIT_OWN, Strategy.PROBE,
                        Strategy.PROBE_OWN, Strategy.PROBE_DISTILLED))
                .budgets(List.of(8, 16)).seeds(2).arch("bert-tiny").pretrainSteps(3).tokenizer(t -> t.withVocabSize(150)).seqLen(32)
                .maxEpochs(1).run(r -> r.withThreads(1).withSeed(7)).folds(0).build();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            Experiment.run(spec, DatasetRegistry.standard(), log);
        }
        List<CellResult> results = CellResult.read(out.resolve("results.jsonl"));
        assertThat(results).as(buf.toString(StandardCharsets.UTF_8)).hasSize(6 * 2 * 2);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).as(r.strategy() + " " + r.budget() + " " + r.error()).isEqualTo("ok");
            assertThat(r.test()).isBetween(0.0, 1.0);
        });
        for (String s : List.of("setfit", "setfit-own", "probe", "probe-own", "probe-distilled")) {
            List<CellResult> rows = results.stream().filter(r -> r.strategy().equals(s)).toList();
            assertThat(rows).hasSize(4);
            // every label of the subset trains (no early stopping), as for bow
            assertThat(rows.stream().filter(r -> r.budget().equals("8")).map(CellResult::labels)).containsOnly(8);
            boolean probe = s.startsWith("probe");
            assertThat(rows).allSatisfy(r -> {
                assertThat(((Number) r.testMetrics().get("chosen_c")).doubleValue()).isPositive();
                assertThat(r.cost().finetuneTokens()).as(s + ": a probe tunes nothing").isEqualTo(probe ? 0
                        : r.cost().finetuneTokens());
                if (!probe) {
                    assertThat(r.cost().finetuneTokens()).isPositive();
                }
            });
            for (String key : List.of("b8-s0", "b16-s1")) {
                assertThat(Files.readString(out.resolve("cells/" + s + "/" + key + ".subset")))
                        .isEqualTo(Files.readString(out.resolve("cells/bow/" + key + ".subset")));
            }
        }
        assertThat(results.stream().filter(r -> r.strategy().equals("setfit-own")))
                .allSatisfy(r -> assertThat(r.cost().pretrainTokens()).as("its pretraining counts").isPositive());
        assertThat(results.stream().filter(r -> r.strategy().equals("setfit")))
                .allSatisfy(r -> assertThat(r.cost().pretrainTokens()).isZero());
        // the probe of the experiment's own base counts that pretraining, as setfit-own does
        assertThat(results.stream().filter(r -> r.strategy().equals("probe-own")))
                .allSatisfy(r -> assertThat(r.cost().pretrainTokens()).isPositive());
        // the "pretrained elsewhere" folder and the "distilled" folder are the same checkpoint here: their probes
        // are the same regression on the same embeddings, cell by cell
        for (CellResult a : results.stream().filter(r -> r.strategy().equals("probe")).toList()) {
            CellResult b = results.stream().filter(r -> r.strategy().equals("probe-distilled")
                    && r.budget().equals(a.budget()) && r.seed() == a.seed()).findFirst().orElseThrow();
            assertThat(b.test()).as(a.budget() + "/" + a.seed()).isEqualTo(a.test());
        }
        String report = Files.readString(out.resolve("report.md"));
        assertThat(report).contains("setfit-own").contains("| setfit |").contains("| probe-distilled |");
    }

    @Test
    void setfitNeedsAModelPretrainedElsewhereAndClassification(@TempDir Path dir) {
        assertThatThrownBy(() -> ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("a", "b"), dir)
                .strategies(List.of(Strategy.SETFIT)).pretrained(null).build())
                .hasMessageContaining("pretrained is required by the setfit strategy");
        assertThatThrownBy(() -> ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("a", "b"), dir)
                .strategies(List.of(Strategy.PROBE)).pretrained(null).build())
                .hasMessageContaining("pretrained is required by the probe strategy");
        assertThatThrownBy(() -> ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("a", "b"), dir)
                .strategies(List.of(Strategy.PROBE_DISTILLED)).build())
                .hasMessageContaining("distilled is required by the probe-distilled strategy");
        assertThatThrownBy(() -> ExperimentSpec.builder(HeadConfig.Task.TAG, List.of("a", "b"), dir)
                .strategies(List.of(Strategy.PROBE_OWN)).build())
                .hasMessageContaining("need task classify");
        assertThatThrownBy(() -> ExperimentSpec.builder(HeadConfig.Task.TAG, List.of("a", "b"), dir)
                .strategies(List.of(Strategy.SETFIT_OWN)).build())
                .hasMessageContaining("need task classify");
    }
}
