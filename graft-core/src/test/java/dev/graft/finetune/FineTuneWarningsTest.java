package dev.graft.finetune;

import dev.graft.eval.ClassificationMetrics;
import dev.graft.model.HeadConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 23, item 10: a run that keeps the model from update 4 judged on a 6-example dev set, or whose
 * classifier predicts one class for everything, says so.
 */
class FineTuneWarningsTest {
    private static FineTuneResult result(int devSize, List<List<Long>> testConfusion) {
        long[][] confusion = testConfusion.stream().map(row -> row.stream().mapToLong(Long::longValue).toArray())
                .toArray(long[][]::new);
        ClassificationMetrics test = new ClassificationMetrics(List.of("neg", "pos"), confusion, 20, 0.5, 0.5,
                List.of());
        return new FineTuneResult(Path.of("out"), HeadConfig.Task.CLASSIFY, FineTuneSpec.Recipe.FULL, true, false, 1,
                "dev_accuracy", 0.5, 0.5, null, test, 40, 4, "epochs", 100, devSize, true, 20, 1.0, 0.7, Double.NaN,
                null, Double.NaN);
    }

    @Test
    void aTinyDevSetAndOneClassPredictionsAreWarnedAbout() {
        List<dev.graft.SpecWarning> w = FineTuneWarnings.of(result(6, List.of(List.of(10L, 0L), List.of(10L, 0L))));
        assertThat(w).hasSize(2);
        assertThat(w.get(0).message()).contains("after update 4 of 40", "dev set of 6 example(s)", "0.17",
                "(folds 3)", "(dev FILE)");
        assertThat(w.get(0).fields()).containsExactly("folds", "dev");
        assertThat(w.get(1).message()).contains("predicts 'neg' for every test example",
                "by their frequency (balancedClassWeights)");
        // the command line's words for the same fields
        assertThat(w.get(1).messageWith(f -> f.equals("epochs") ? "--epochs" : "--class-weights"))
                .endsWith("train longer (--epochs), with more labels, or with the classes weighted by their frequency "
                        + "(--class-weights)");
    }

    @Test
    void aTaggerBelowTheMostFrequentTagBaselineIsWarnedAboutAndOneAboveItIsNot() {
        dev.graft.eval.TaggingMetrics test = dev.graft.eval.TaggingMetrics.compute(
                List.of(List.of("N", "V", "N", "N")), List.of(List.of("N", "V", "V", "N")), List.of("N", "V"));
        java.util.function.DoubleFunction<FineTuneResult> withBaseline = b -> new FineTuneResult(Path.of("out"),
                HeadConfig.Task.TAG, FineTuneSpec.Recipe.FULL, true, false, 1, "dev_token_accuracy", 0.7,
                test.tokenAccuracy(), null, test, 40, 40, "epochs", 100, 30, true, 1, 1.0, 0.3, Double.NaN, null, b);

        List<dev.graft.SpecWarning> below = FineTuneWarnings.of(withBaseline.apply(0.8));
        assertThat(below).hasSize(1);
        assertThat(below.get(0).message()).contains("test token accuracy (0.7500) is below the most-frequent-tag "
                + "baseline's (0.8000");
        assertThat(below.get(0).fields()).containsExactly("epochs", "learningRate");
        assertThat(FineTuneWarnings.of(withBaseline.apply(0.75))).isEmpty();
        assertThat(FineTuneWarnings.of(withBaseline.apply(Double.NaN))).isEmpty();
    }

    @Test
    void aSoundRunHasNoWarnings() {
        assertThat(FineTuneWarnings.of(result(60, List.of(List.of(8L, 2L), List.of(3L, 7L))))).isEmpty();
    }
}
