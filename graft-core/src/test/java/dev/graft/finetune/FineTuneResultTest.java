package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.model.HeadConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The typed result renders the JSON that results.json and {@code graft finetune}'s summary have always had:
 * the same keys, in the same order, with the same values (hand-worked on a 5-example, 3-class dev set).
 */
class FineTuneResultTest {
    // gold a a b b c, predicted a b b b a: confusion rows a [1 1 0], b [0 2 0], c [1 0 0]
    private static final ClassificationMetrics DEV = ClassificationMetrics.compute(new int[]{0, 0, 1, 1, 2},
            new int[]{0, 1, 1, 1, 0}, List.of("a", "b", "c"));

    private static FineTuneResult result(ClassificationMetrics test, double loss) {
        return new FineTuneResult(Path.of("runs", "ft"), HeadConfig.Task.CLASSIFY, FineTuneSpec.Recipe.ULMFIT, false,
                false, 7, "dev_accuracy", DEV.score(), test == null ? Double.NaN : test.score(), DEV, test, 12, 8,
                "early-stop", 40, 5, true, test == null ? 0 : 5, 3.26, loss, Double.NaN, null, Double.NaN);
    }

    private static List<String> names(JsonNode o) {
        List<String> out = new ArrayList<>();
        o.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void metricsRenderTheResultsJsonKeysAndHandWorkedValues() {
        ObjectNode m = DEV.toJson();
        assertThat(names(m)).containsExactly("accuracy", "macro_f1", "examples", "per_class", "labels", "confusion");
        assertThat(m.path("accuracy").doubleValue()).isEqualTo(0.6);
        // F1 a 0.5, b 0.8 (P 2/3, R 1), c 0: their mean
        assertThat(m.path("macro_f1").doubleValue()).isCloseTo(1.3 / 3, within(1e-12));
        assertThat(m.path("examples").longValue()).isEqualTo(5);
        assertThat(names(m.path("per_class"))).containsExactly("a", "b", "c");
        JsonNode b = m.path("per_class").path("b");
        assertThat(names(b)).containsExactly("precision", "recall", "f1", "support");
        assertThat(b.path("precision").doubleValue()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(b.path("recall").doubleValue()).isEqualTo(1.0);
        assertThat(b.path("f1").doubleValue()).isCloseTo(0.8, within(1e-12));
        assertThat(b.path("support").longValue()).isEqualTo(2);
        assertThat(m.path("labels").toString()).isEqualTo("[\"a\",\"b\",\"c\"]");
        assertThat(m.path("confusion").toString()).isEqualTo("[[1,1,0],[0,2,0],[1,0,0]]");
    }

    @Test
    void theSummaryKeepsItsKeysInOrder() {
        FineTuneResult r = result(null, 0.41);
        ObjectNode s = r.summaryJson();
        assertThat(names(s)).containsExactly("task", "recipe", "start", "multitask", "train_size", "dev_size",
                "dev_carved", "test_size", "dev_accuracy", "dev_macro_f1", "steps", "final_train_loss", "best_step",
                "stopped_by", "wall_s", "seed", "model");
        assertThat(s.path("task").asText()).isEqualTo("classify");
        assertThat(s.path("recipe").asText()).isEqualTo("ulmfit");
        assertThat(s.path("start").asText()).isEqualTo("scratch");
        assertThat(s.path("dev_accuracy").doubleValue()).isEqualTo(0.6);
        assertThat(s.path("dev_macro_f1").doubleValue()).isEqualTo(DEV.macroF1());
        assertThat(s.path("wall_s").doubleValue()).as("tenths of a second").isEqualTo(3.3);
        assertThat(s.path("model").asText()).isEqualTo(Path.of("runs", "ft").toString());
        assertThat(names(r.resultsJson())).containsExactly("dev");

        // with a test set its scores follow dev's; a non-finite loss is written as null
        ObjectNode t = result(DEV, Double.NaN).summaryJson();
        assertThat(names(t)).containsSubsequence("dev_macro_f1", "test_accuracy", "test_macro_f1", "steps");
        assertThat(t.path("final_train_loss").isNull()).isTrue();
        assertThat(names(result(DEV, 1).resultsJson())).containsExactly("dev", "test");
    }

    @Test
    void crossValidationAddsWhatItChoseAndCountsItsTime() {
        CrossValidation.Point best = new CrossValidation.Point(3e-3f, 4.5, 0.7, 0.6, new double[]{0.6, 0.8});
        CrossValidation.Choice choice = new CrossValidation.Choice(best, 6, 2, 40, List.of(best));
        FineTuneResult r = result(DEV, 0.4).selectedBy(choice, 10);
        assertThat(r.devScore()).as("the cross-validated score").isEqualTo(0.7);
        assertThat(r.wallSeconds()).isCloseTo(13.26, within(1e-9));
        ObjectNode s = r.summaryJson();
        assertThat(names(s).subList(names(s).size() - 6, names(s).size())).containsExactly("selected_lr",
                "selected_epochs", "planned_epochs", "cv_folds", "cv_score", "final_wall_s");
        assertThat(s.path("selected_lr").floatValue()).isEqualTo(3e-3f);
        assertThat(s.path("cv_folds").intValue()).isEqualTo(2);
        assertThat(s.path("wall_s").doubleValue()).isEqualTo(13.3);
        assertThat(s.path("final_wall_s").doubleValue()).isEqualTo(3.3);
    }
}
