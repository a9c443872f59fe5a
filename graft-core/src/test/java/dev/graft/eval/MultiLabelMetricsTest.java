package dev.graft.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Multi-label scores and threshold tuning on examples worked out by hand. */
class MultiLabelMetricsTest {
    private static final List<String> LABELS = List.of("a", "b", "c");

    @Test
    void theReportIsATableOfLabelsThenTheAverages() {
        // the examples of threeExamplesThreeLabelsByHand: a and b right everywhere, c wrong; only e3 all right
        boolean[][] gold = {{true, false, true}, {false, true, false}, {true, true, false}};
        boolean[][] predicted = {{true, false, false}, {false, true, true}, {true, true, false}};
        MultiLabelMetrics m = MultiLabelMetrics.compute(gold, predicted, LABELS, null);
        assertThat(m.report().replace(System.lineSeparator(), "\n")).isEqualTo(""
                + "          precision    recall        f1   support threshold\n"
                + "        a    1.0000    1.0000    1.0000         2      0.50\n"
                + "        b    1.0000    1.0000    1.0000         2      0.50\n"
                + "        c    0.0000    0.0000    0.0000         1      0.50\n"
                + "\n"
                + "micro-F1 0.8000 (P 0.8000, R 0.8000)   macro-F1 0.6667   subset accuracy 0.3333   (3 examples)\n");
    }

    @Test
    void threeExamplesThreeLabelsByHand() {
        // gold: e1 {a, c}, e2 {b}, e3 {a, b}; predicted: e1 {a}, e2 {b, c}, e3 {a, b}
        boolean[][] gold = {{true, false, true}, {false, true, false}, {true, true, false}};
        boolean[][] predicted = {{true, false, false}, {false, true, true}, {true, true, false}};
        MultiLabelMetrics m = MultiLabelMetrics.compute(gold, predicted, LABELS, null);
        // a: TP 2 (e1, e3), FP 0, FN 0 -> F1 1; b: TP 2 (e2, e3) -> F1 1;
        // c: TP 0, FP 1 (e2), FN 1 (e1) -> P 0, R 0, F1 0
        assertThat(m.perLabel().get(0).f1()).isEqualTo(1.0);
        assertThat(m.perLabel().get(1).f1()).isEqualTo(1.0);
        assertThat(m.perLabel().get(2).f1()).isEqualTo(0.0);
        assertThat(m.perLabel().get(2).support()).isEqualTo(1);
        assertThat(m.perLabel().get(2).predicted()).isEqualTo(1);
        // micro: TP 4, FP 1, FN 1 -> 2*4 / (2*4 + 1 + 1) = 0.8; P = 4/5, R = 4/5
        assertThat(m.microF1()).isCloseTo(0.8, within(1e-12));
        assertThat(m.microPrecision()).isCloseTo(0.8, within(1e-12));
        assertThat(m.microRecall()).isCloseTo(0.8, within(1e-12));
        // macro: (1 + 1 + 0) / 3
        assertThat(m.macroF1()).isCloseTo(2.0 / 3, within(1e-12));
        // exact sets: only e3
        assertThat(m.subsetAccuracy()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(m.score()).isEqualTo(m.microF1());
        assertThat(m.scalars().keySet()).containsExactly("micro_f1", "macro_f1", "subset_accuracy");
    }

    @Test
    void aLabelNobodyCarriesOrPredictsCountsAsZeroInTheMacroMean() {
        // scikit-learn's f1_score(average="macro") on indicator matrices, zero_division=0
        boolean[][] gold = {{true, false, false}, {true, false, false}};
        boolean[][] predicted = {{true, false, false}, {false, false, false}};
        MultiLabelMetrics m = MultiLabelMetrics.compute(gold, predicted, LABELS, null);
        // a: TP 1, FN 1 -> 2/3; b and c: 0
        assertThat(m.macroF1()).isCloseTo((2.0 / 3) / 3, within(1e-12));
        // micro: TP 1, FN 1 -> 2/3
        assertThat(m.microF1()).isCloseTo(2.0 / 3, within(1e-12));
    }

    @Test
    void probabilitiesAreCutAtEachLabelsThreshold() {
        float[][] p = {{0.6f, 0.4f, 0.2f}, {0.3f, 0.7f, 0.25f}};
        boolean[][] half = MultiLabelMetrics.decide(p, null, 3);
        assertThat(half[0]).containsExactly(true, false, false);
        assertThat(half[1]).containsExactly(false, true, false);
        boolean[][] tuned = MultiLabelMetrics.decide(p, List.of(0.65, 0.35, 0.2), 3);
        // p >= t: 0.6 < 0.65; 0.4 >= 0.35; 0.2 >= 0.2 (float 0.2 is just above the double 0.2)
        assertThat(tuned[0]).containsExactly(false, true, true);
        assertThat(tuned[1]).containsExactly(false, true, true);
    }

    @Test
    void thresholdTuningPicksTheThresholdWorkedOutByHand() {
        // four dev examples
        // label a: p = 0.9, 0.32, 0.6, 0.2; gold 1, 1, 0, 0
        //   t <= 0.20: all four positive: TP 2, FP 2 -> F1 4/6 = 0.667
        //   0.20 < t <= 0.32: {0.9, 0.32, 0.6}: TP 2, FP 1 -> 4/5 = 0.8   (grid: 0.25, 0.30)
        //   0.32 < t <= 0.60: {0.9, 0.6}: TP 1, FP 1, FN 1 -> 0.5
        //   0.60 < t <= 0.90: {0.9}: TP 1, FN 1 -> 0.667;  t > 0.9: 0
        //   best 0.8 at 0.25 and 0.30; the tie goes to the one nearer 0.5: 0.30
        // label b: nobody carries it -> kept at 0.5
        // label c: p = 0.55, 0.47, 0.1, 0.8; gold 0, 1, 0, 1
        //   t <= 0.10: all: TP 2, FP 2 -> 0.667
        //   0.10 < t <= 0.47: {0.55, 0.47, 0.8}: TP 2, FP 1 -> 0.8   (grid 0.15 ... 0.45)
        //   0.47 < t <= 0.55: {0.55, 0.8}: TP 1, FP 1, FN 1 -> 0.5
        //   0.55 < t <= 0.80: {0.8}: TP 1, FN 1 -> 0.667
        //   best 0.8 from 0.15 to 0.45; nearest 0.5: 0.45
        boolean[][] gold = {{true, false, false}, {true, false, true}, {false, false, false}, {false, false, true}};
        float[][] p = {{0.9f, 0.1f, 0.55f}, {0.32f, 0.8f, 0.47f}, {0.6f, 0.3f, 0.1f}, {0.2f, 0.6f, 0.8f}};
        List<Double> t = MultiLabelMetrics.tuneThresholds(gold, p, 3);
        assertThat(t.get(0)).isCloseTo(0.30, within(1e-12));
        assertThat(t.get(1)).isEqualTo(0.5);
        assertThat(t.get(2)).isCloseTo(0.45, within(1e-12));
        // with them, a and c each score F1 0.8 on these examples (b: nothing predicted, nothing gold: 0)
        MultiLabelMetrics m = MultiLabelMetrics.compute(gold, p, LABELS, t);
        assertThat(m.perLabel().get(0).f1()).isCloseTo(0.8, within(1e-12));
        assertThat(m.perLabel().get(2).f1()).isCloseTo(0.8, within(1e-12));
        assertThat(m.perLabel().get(1).predicted()).as("b's 0.8 and 0.6 reach 0.5").isEqualTo(2);
    }
}
