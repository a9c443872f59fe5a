package dev.graft.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Accuracy, per-class P/R/F1, macro-F1 and the confusion matrix on an example worked by hand. */
class ClassificationMetricsTest {

    @Test
    void handWorkedThreeClasses() {
        // gold a a b b c c c ; predicted a b b b c a c
        // confusion (gold rows): a: [1 1 0], b: [0 2 0], c: [1 0 2]
        // a: TP 1, predicted 2, support 2 -> P .5  R .5  F1 .5
        // b: TP 2, predicted 3, support 2 -> P 2/3 R 1  F1 .8
        // c: TP 2, predicted 2, support 3 -> P 1  R 2/3 F1 .8
        // d never occurs: reported with zeros, left out of the macro mean (scikit-learn's labels=None)
        int[] gold = {0, 0, 1, 1, 2, 2, 2};
        int[] pred = {0, 1, 1, 1, 2, 0, 2};
        ClassificationMetrics m = ClassificationMetrics.compute(gold, pred, List.of("a", "b", "c", "d"));
        assertThat(m.accuracy()).isCloseTo(5.0 / 7, within(1e-12));
        assertThat(m.confusion()[0]).containsExactly(1, 1, 0, 0);
        assertThat(m.confusion()[1]).containsExactly(0, 2, 0, 0);
        assertThat(m.confusion()[2]).containsExactly(1, 0, 2, 0);
        assertThat(m.perClass().get(0).precision()).isCloseTo(0.5, within(1e-12));
        assertThat(m.perClass().get(0).recall()).isCloseTo(0.5, within(1e-12));
        assertThat(m.perClass().get(1).precision()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.perClass().get(1).recall()).isCloseTo(1.0, within(1e-12));
        assertThat(m.perClass().get(1).f1()).isCloseTo(0.8, within(1e-12));
        assertThat(m.perClass().get(2).precision()).isCloseTo(1.0, within(1e-12));
        assertThat(m.perClass().get(2).recall()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.perClass().get(2).f1()).isCloseTo(0.8, within(1e-12));
        assertThat(m.perClass().get(2).support()).isEqualTo(3);
        assertThat(m.perClass().get(3).f1()).isZero();
        assertThat(m.macroF1()).isCloseTo((0.5 + 0.8 + 0.8) / 3, within(1e-12));
        assertThat(m.report()).contains("accuracy 0.7143", "macro-F1 0.7000");
    }

    @Test
    void theReportLaysOutTheTablesInColumnsAsWideAsTheLongestLabel() {
        // gold a b b, predicted a a b: a P .5 R 1 F1 2/3 (support 1); a_long_label P 1 R .5 F1 2/3 (support 2)
        ClassificationMetrics m = ClassificationMetrics.compute(new int[] {0, 1, 1}, new int[] {0, 0, 1},
                List.of("a", "a_long_label"));
        assertThat(m.report().replace(System.lineSeparator(), "\n")).isEqualTo(""
                + "             precision    recall        f1   support\n"
                + "           a    0.5000    1.0000    0.6667         1\n"
                + "a_long_label    1.0000    0.5000    0.6667         2\n"
                + "\naccuracy 0.6667   macro-F1 0.6667   (3 examples)\n"
                + "\nconfusion (rows: gold, columns: predicted)\n"
                + "                  a a_long_label\n"
                + "           a      1            0\n"
                + "a_long_label      1            1\n");
    }

    @Test
    void aClassNeverPredictedHasZeroPrecisionNotNaN() {
        // gold a b b, predicted a a a: b has TP 0, predicted 0 -> P 0 (zero_division=0), R 0, F1 0
        // a: P 1/3, R 1, F1 .5 ; macro = (.5 + 0) / 2
        ClassificationMetrics m = ClassificationMetrics.compute(new int[] {0, 1, 1}, new int[] {0, 0, 0},
                List.of("a", "b"));
        assertThat(m.perClass().get(1).precision()).isZero();
        assertThat(m.perClass().get(0).f1()).isCloseTo(0.5, within(1e-12));
        assertThat(m.macroF1()).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void emptyAndOutOfRange() {
        assertThat(ClassificationMetrics.compute(new int[0], new int[0], List.of("a")).accuracy()).isNaN();
        assertThatThrownBy(() -> ClassificationMetrics.compute(new int[] {2}, new int[] {0}, List.of("a", "b")))
                .hasMessageContaining("outside [0, 2)");
    }
}
