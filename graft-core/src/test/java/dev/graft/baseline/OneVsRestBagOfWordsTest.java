package dev.graft.baseline;

import dev.graft.data.LabelSet;
import dev.graft.data.MultiLabelExample;
import dev.graft.eval.MultiLabelMetrics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

/** The one-vs-rest bag of words of multi-label experiments, on a hand-worked example. */
class OneVsRestBagOfWordsTest {
    private static MultiLabelExample ex(String id, String text, String... labels) {
        return new MultiLabelExample(id, text, List.of(labels));
    }

    private static final List<MultiLabelExample> TRAIN = List.of(
            ex("1", "great day", "pos", "all"), ex("2", "great show", "pos", "all"),
            ex("3", "great film", "pos", "all"), ex("4", "awful day", "neg", "all"),
            ex("5", "awful show", "neg", "all"), ex("6", "awful film", "neg", "all"),
            ex("7", "plain day", "all"), ex("8", "plain show", "all"), ex("9", "plain film", "all"));
    private static final LabelSet LABELS = LabelSet.of(List.of("all", "neg", "none", "pos"));

    @Test
    void oneBinaryModelPerLabelAndConstantsForLabelsWithOneClass() {
        // one C (no cross-validation), large: the words decide
        OneVsRestBagOfWords m = OneVsRestBagOfWords.train(TRAIN, LABELS,
                BagOfWords.Options.defaults(1).withCGrid(List.of(100.0)));
        float[][] p = m.probabilities(List.of("great thing", "awful thing", "plain thing"));
        // "all": every training text carries it, constant 1; "none": no training text does, constant 0
        for (float[] row : p) {
            assertThat(row[0]).isEqualTo(1f);
            assertThat(row[2]).isEqualTo(0f);
        }
        assertThat(m.chosenC().get(0)).isNaN();
        assertThat(m.chosenC().get(2)).isNaN();
        assertThat(m.chosenC().get(1)).isEqualTo(100.0);
        assertThat(p[0][3]).as("pos for great").isGreaterThan(0.5f);
        assertThat(p[0][1]).as("neg for great").isLessThan(0.5f);
        assertThat(p[1][1]).as("neg for awful").isGreaterThan(0.5f);
        assertThat(p[1][3]).as("pos for awful").isLessThan(0.5f);
        assertThat(p[2][1]).isLessThan(0.5f);
        assertThat(p[2][3]).isLessThan(0.5f);

        // gold {pos}, {neg, all}, {none}; predicted {all, pos}, {all, neg}, {all}. By hand, per label:
        //   all  TP 1 FP 2 FN 0 -> F1 2/4 = 0.5;  neg  TP 1 -> 1;  none  FN 1 -> 0;  pos  TP 1 -> 1
        //   micro: TP 3, FP 2, FN 1 -> 6/9;  macro: (0.5 + 1 + 0 + 1) / 4 = 0.625;  subset accuracy 1/3
        MultiLabelMetrics s = m.evaluate(List.of(ex("a", "great thing", "pos"), ex("b", "awful thing", "neg", "all"),
                ex("c", "plain thing", "none")));
        assertThat(s.microF1()).isCloseTo(6.0 / 9, offset(1e-12));
        assertThat(s.macroF1()).isCloseTo(0.625, offset(1e-12));
        assertThat(s.subsetAccuracy()).isCloseTo(1.0 / 3, offset(1e-12));
    }

    @Test
    void badTrainingDataIsAClearError() {
        assertThatThrownBy(() -> OneVsRestBagOfWords.train(List.of(), LABELS, BagOfWords.Options.defaults(1)))
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> OneVsRestBagOfWords.train(List.of(ex("x", "t", "other")), LABELS,
                BagOfWords.Options.defaults(1))).hasMessageContaining("example x").hasMessageContaining("'other'");
    }
}
