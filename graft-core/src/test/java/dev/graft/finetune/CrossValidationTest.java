package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The few-label protocol: the rate and length chosen by k-fold cross-validation inside the labels. */
class CrossValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @TempDir
    static Path shared;
    static Path encoder;

    @BeforeAll
    static void fixtures() throws IOException {
        encoder = Fixtures.checkpoint(shared.resolve("enc"), COMPUTE, Fixtures.wordPiece(),
                ModelConfig.Architecture.ENCODER);
    }

    @AfterAll
    static void close() {
        ONE.close();
    }

    /**
     * A keyword task where the right rate is known: at 1e-7 six epochs leave the tiny model at chance, at
     * 3e-3 it learns the keywords (FineTuningTest's full fine-tuning reaches > 0.8 test accuracy with it).
     */
    @Test
    void choosesTheRateThatLearnsAndTrainsTheFinalModelOnAllLabels(@TempDir Path out) throws IOException {
        FineTuneSpec spec = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "keywords", out).from(encoder)
                .run(ro -> ro.withEpochs(6)).folds(3).learningRates(List.of(1e-7f, 3e-3f)).run(ro -> ro.withSeed(5)).run(ro -> ro.withThreads(1)).build();
        FineTuneResult r = FineTuning.runClassification(spec, new LabeledSplits<>(Fixtures.sentimentData(60, 20, "t"), null,
                Fixtures.sentimentData(60, 21, "x"), null), QUIET);

        assertThat(r.selection().choice().best().learningRate()).isEqualTo(3e-3f);
        assertThat(r.summaryJson().path("selected_lr").floatValue()).isEqualTo(3e-3f);
        assertThat(r.testScore()).as("the chosen rate learns the keywords").isGreaterThan(0.8);
        // the final model trains on all 60 labels, with no dev set
        assertThat(r.trainSize()).isEqualTo(60);
        assertThat(r.devSize()).isZero();
        assertThat(r.devCarved()).isFalse();
        JsonNode cv = JSON.readTree(out.resolve("cross-validation.json").toFile());
        assertThat(cv.path("folds").asInt()).isEqualTo(3);
        assertThat(cv.path("examples").asInt()).isEqualTo(60);
        assertThat(cv.path("chosen").path("lr").floatValue()).isEqualTo(3e-3f);
        double bestSlow = 0;
        double bestFast = 0;
        for (JsonNode p : cv.path("grid")) {
            assertThat(p.path("fold_scores")).hasSize(3);
            if (p.path("lr").floatValue() == 1e-7f) {
                bestSlow = Math.max(bestSlow, p.path("mean_score").asDouble());
            } else {
                bestFast = Math.max(bestFast, p.path("mean_score").asDouble());
            }
        }
        assertThat(bestFast).isGreaterThan(bestSlow).isEqualTo(cv.path("chosen").path("mean_score").asDouble());
        // every fold run is kept as a record, without its weights
        for (String rate : List.of("1.0E-7", "0.003")) {
            for (int f = 0; f < 3; f++) {
                Path fold = out.resolve("cross-validation").resolve("lr-" + CrossValidation.rateId(Float.parseFloat(rate)))
                        .resolve("fold-" + f);
                assertThat(fold.resolve("metrics.jsonl")).exists();
                assertThat(fold.resolve(Checkpoint.WEIGHTS)).doesNotExist();
            }
        }
        assertThat(out.resolve(Checkpoint.WEIGHTS)).exists();
        // the final run stops at the chosen length of the planned schedule
        double chosenEpochs = cv.path("chosen").path("epochs").asDouble();
        JsonNode run = JSON.readTree(out.resolve("run.json").toFile());
        long perEpoch = run.path("steps_per_epoch").asLong();
        long expected = chosenEpochs < 6 - 1e-9 ? Math.max(1, Math.round(chosenEpochs * perEpoch)) : 6 * perEpoch;
        assertThat(r.steps()).isEqualTo(expected);
        assertThat(run.path("lr").floatValue()).isEqualTo(3e-3f);
        // the time counts the six fold runs too
        assertThat(r.wallSeconds()).isGreaterThan(r.selection().finalWallSeconds());
        assertThat(r.summaryJson().path("final_wall_s").doubleValue()).isLessThanOrEqualTo(r.summaryJson().path("wall_s")
                .doubleValue());
    }

    /**
     * Multitask fold runs leave out the held-out LM loss (it chooses nothing; at 50 labels it was a third of
     * a fold run's time), and leaving it out changes nothing they train: a fold run with it computes the
     * same losses and held-out scores to the bit. The final run still reports it.
     */
    @Test
    void multitaskFoldRunsSkipTheLmValidationWithoutChangingWhatTheyTrain(@TempDir Path out) throws IOException {
        Path corpus = Fixtures.sentimentCorpus(out.resolve("corpus.txt"), 80, 30);
        FineTuneSpec spec = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "keywords", out.resolve("cv")).from(encoder)
                .run(ro -> ro.withEpochs(3)).folds(2).learningRate(3e-3f).multitask(List.of(corpus.toString()), 0.5f, 1)
                .run(ro -> ro.withSeed(3)).run(ro -> ro.withThreads(1)).build();
        var data = Fixtures.sentimentData(24, 31, "t");
        FineTuning.runClassification(spec, new LabeledSplits<>(data, null, Fixtures.sentimentData(10, 32, "x"), null),
                QUIET);
        Path fold = out.resolve("cv/cross-validation/lr-0.003/fold-0");
        List<String> foldMetrics = Files.readAllLines(fold.resolve("metrics.jsonl"));
        assertThat(String.join("\n", foldMetrics)).contains("dev_accuracy", "loss_lm").doesNotContain("lm_val_loss");
        assertThat(Files.readString(out.resolve("cv/metrics.jsonl"))).contains("lm_val_loss");

        // the same fold run as a plain run with the LM validation on: the same training, step for step
        var split = data.kFold(2, 3).get(0);
        FineTuneSpec with = spec.toBuilder().folds(0).patience(0).evalsPerEpoch(
                        JSON.readTree(fold.resolve("run.json").toFile()).path("evals_per_epoch").asInt())
                .run(ro -> ro.withOut(out.resolve("with"))).build();
        FineTuning.runClassification(with, new LabeledSplits<>(split.train(), split.test(), null, null), QUIET);
        List<String> withMetrics = Files.readAllLines(out.resolve("with/metrics.jsonl"));
        assertThat(withMetrics).hasSameSizeAs(foldMetrics);
        for (int i = 0; i < foldMetrics.size(); i++) {
            JsonNode a = JSON.readTree(foldMetrics.get(i));
            JsonNode b = JSON.readTree(withMetrics.get(i));
            for (String key : List.of("loss", "loss_task", "loss_lm", "grad_norm", "dev_loss", "dev_accuracy")) {
                assertThat(a.path(key).toString()).as(i + ": " + key).isEqualTo(b.path(key).toString());
            }
            if ("eval".equals(b.path("type").asText())) {
                assertThat(b.has("lm_val_loss")).as("the plain run reports it").isTrue();
            }
        }
    }

    @Test
    void fromAThousandLabelsOneHeldOutFifthReplacesTheFolds(@TempDir Path out) throws IOException {
        FineTuneSpec spec = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "keywords", out).from(encoder)
                .run(ro -> ro.withEpochs(1)).folds(3).learningRate(3e-3f).run(ro -> ro.withSeed(2)).run(ro -> ro.withThreads(1)).build();
        FineTuneResult r = FineTuning.runClassification(spec, new LabeledSplits<>(Fixtures.sentimentData(CrossValidation.HOLDOUT_FROM,
                30, "t"), null, null, null), QUIET);
        JsonNode cv = JSON.readTree(out.resolve("cross-validation.json").toFile());
        assertThat(cv.path("folds").asInt()).isEqualTo(1);
        assertThat(cv.path("holdout").asBoolean()).isTrue();
        Path fold = out.resolve("cross-validation/lr-0.003/fold-0");
        JsonNode run = JSON.readTree(fold.resolve("run.json").toFile());
        assertThat(run.path("train_size").asInt()).isEqualTo(800);
        assertThat(run.path("dev_size").asInt()).isEqualTo(200);
        assertThat(out.resolve("cross-validation/lr-0.003/fold-1")).doesNotExist();
        assertThat(r.trainSize()).isEqualTo(CrossValidation.HOLDOUT_FROM);
    }

    @Test
    void foldCurvesAreAveragedPointByPointAndTheBestMeanWinsTiesByLoss() {
        // two folds, three evaluations each: (epochs, score, loss)
        List<List<double[]>> slow = List.of(
                List.of(new double[] {1, 0.5, 0.70}, new double[] {2, 0.5, 0.69}, new double[] {3, 0.5, 0.69}),
                List.of(new double[] {1, 0.5, 0.70}, new double[] {2, 0.5, 0.69}, new double[] {3, 0.5, 0.68}));
        List<List<double[]>> fast = List.of(
                List.of(new double[] {1, 0.6, 0.60}, new double[] {2, 0.9, 0.30}, new double[] {3, 0.8, 0.50}),
                List.of(new double[] {1, 0.7, 0.60}, new double[] {2, 0.7, 0.40}, new double[] {3, 0.8, 0.10}));
        List<CrossValidation.Point> grid = new ArrayList<>(CrossValidation.points(1e-4f, slow));
        grid.addAll(CrossValidation.points(1e-3f, fast));
        assertThat(grid).hasSize(6);
        CrossValidation.Point p = grid.get(4); // fast, second evaluation: (0.9 + 0.7) / 2
        assertThat(p.learningRate()).isEqualTo(1e-3f);
        assertThat(p.epochs()).isEqualTo(2.0);
        assertThat(p.meanScore()).isCloseTo(0.8, within(1e-12));
        assertThat(p.meanLoss()).isCloseTo(0.35, within(1e-12));
        assertThat(p.foldScores()).containsExactly(0.9, 0.7);
        // epochs 2 and 3 of the fast rate both score 0.8: the lower loss (0.30 at epoch 3 against 0.35) wins
        CrossValidation.Point best = CrossValidation.choose(grid);
        assertThat(best.learningRate()).isEqualTo(1e-3f);
        assertThat(best.epochs()).isEqualTo(3.0);
        assertThat(best.meanLoss()).isCloseTo(0.30, within(1e-12));
        assertThat(new CrossValidation.Choice(best, 3, 2, 10, grid).bestPerRate())
                .containsEntry(1e-4f, 0.5).containsKey(1e-3f);
    }

    @Test
    void aSeparateDevSetOrTooFewLabelsAreErrors(@TempDir Path out) {
        FineTuneSpec spec = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "keywords", out).from(encoder)
                .run(ro -> ro.withEpochs(1)).folds(3).run(ro -> ro.withThreads(1)).build();
        assertThatThrownBy(() -> FineTuning.runClassification(spec, new LabeledSplits<>(Fixtures.sentimentData(30, 1, "a"),
                Fixtures.sentimentData(10, 2, "b"), null, null), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a separate dev set is not used");
        assertThatThrownBy(() -> FineTuning.runClassification(spec.toBuilder().run(ro -> ro.withOut(out.resolve("b"))).build(),
                new LabeledSplits<>(Fixtures.sentimentData(5, 1, "a"), null, null, null), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs at least 6");
        assertThatThrownBy(() -> FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "x", out).from(encoder).folds(1).build())
                .hasMessage("folds: cross-validation needs at least 2 (0 for none), got 1");
        assertThatThrownBy(() -> FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "x", out).from(encoder)
                .learningRates(List.of(1e-3f, 1e-4f)).build())
                .hasMessageContaining("need cross-validation folds");
    }

    @Test
    void rateIdsAreShortAndExact() {
        assertThat(CrossValidation.rateId(1e-4f)).isEqualTo("0.0001");
        assertThat(CrossValidation.rateId(3e-4f)).isEqualTo("0.0003");
        assertThat(CrossValidation.rateId(1e-3f)).isEqualTo("0.001");
        assertThat(Files.exists(encoder)).isTrue();
    }
}
