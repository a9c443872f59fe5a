package dev.graft.vectors;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Co-occurrence counts and PPMI against values worked by hand on three sentences, window 2:
 * <pre>
 *   the cat sat      pairs: the-cat (1), cat-sat (1), the-sat (2)
 *   the dog sat      pairs: the-dog (1), dog-sat (1), the-sat (2)
 *   the cat the      pairs: the-cat (1), cat-the (1), the-the (2)
 * </pre>
 * Vocabulary by count: the (4), cat (2), sat (2), dog (1). Symmetric counts, no weighting:
 * <pre>
 *          the cat sat dog | row sum
 *   the     2   3   2   1  |  8        (the-the counted in both directions)
 *   cat     3   0   1   0  |  4
 *   sat     2   1   0   1  |  4
 *   dog     1   0   1   0  |  2        D = 18
 * </pre>
 */
class PpmiTest {
    private static final double TOLERANCE = 1e-6;

    private static UnitCorpus corpus() {
        return UnitCorpus.ofWords(List.of("The cat sat.", "The dog sat.", "The cat, the").iterator(), 1);
    }

    @Test
    void countsMatchTheHandWorkedTable() {
        UnitCorpus c = corpus();
        assertThat(c.vocabulary()).containsExactly("the", "cat", "sat", "dog");
        SparseMatrix x = Cooccurrence.count(c, 2, Cooccurrence.Weighting.NONE);
        double[][] expected = {{2, 3, 2, 1}, {3, 0, 1, 0}, {2, 1, 0, 1}, {1, 0, 1, 0}};
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat((double) x.get(i, j)).as("X[%d][%d]", i, j).isEqualTo(expected[i][j]);
            }
        }
        assertThat(x.nonZeros()).isEqualTo(11);
    }

    @Test
    void linearWeightingHalvesTheSecondNeighbour() {
        // window 2, weight (2 - k + 1) / 2: distance 1 counts 1, distance 2 counts 0.5
        SparseMatrix x = Cooccurrence.count(corpus(), 2, Cooccurrence.Weighting.LINEAR);
        assertThat((double) x.get(0, 1)).isEqualTo(3.0);  // the-cat: all at distance 1
        assertThat((double) x.get(0, 2)).isEqualTo(1.0);  // the-sat: twice at distance 2
        assertThat((double) x.get(0, 0)).isEqualTo(1.0);  // the-the: once at distance 2, both directions
        SparseMatrix h = Cooccurrence.count(corpus(), 2, Cooccurrence.Weighting.HARMONIC);
        assertThat((double) h.get(2, 0)).isEqualTo(1.0);  // 1/2 + 1/2
    }

    @Test
    void unsmoothedPpmiIsLogOfObservedOverExpected() {
        SparseMatrix p = Ppmi.of(Cooccurrence.count(corpus(), 2, Cooccurrence.Weighting.NONE), 1.0);
        // PMI(w, c) = log(X[w][c] · D / (rowsum_w · colsum_c)), D = 18
        assertThat((double) p.get(0, 1)).isCloseTo(Math.log(3.0 * 18 / (8 * 4)), within(TOLERANCE)); // the, cat
        assertThat((double) p.get(1, 2)).isCloseTo(Math.log(1.0 * 18 / (4 * 4)), within(TOLERANCE)); // cat, sat
        assertThat((double) p.get(3, 0)).isCloseTo(Math.log(1.0 * 18 / (2 * 8)), within(TOLERANCE)); // dog, the
        // the-the: log(2 · 18 / 64) < 0, clipped and dropped
        assertThat((double) p.get(0, 0)).isZero();
        assertThat(p.nonZeros()).isEqualTo(10);
    }

    @Test
    void contextSmoothingUsesColumnSumsToThePowerAlpha() {
        SparseMatrix p = Ppmi.of(Cooccurrence.count(corpus(), 2, Cooccurrence.Weighting.NONE), 0.75);
        double z = Math.pow(8, 0.75) + 2 * Math.pow(4, 0.75) + Math.pow(2, 0.75); // sum of colsum^0.75
        // PMI_alpha(w, c) = log(X[w][c] / rowsum_w) - log(colsum_c^0.75 / z)
        assertThat((double) p.get(3, 2)).isCloseTo(Math.log(1.0 / 2) - Math.log(Math.pow(4, 0.75) / z),
                within(TOLERANCE)); // dog, sat: 0.760
        assertThat((double) p.get(2, 3)).isCloseTo(Math.log(1.0 / 4) - Math.log(Math.pow(2, 0.75) / z),
                within(TOLERANCE)); // sat, dog: the rare context gains less than without smoothing
        assertThat((double) p.get(2, 3)).isLessThan(Math.log(1.0 * 18 / (4 * 2)));
        assertThat((double) p.get(0, 0)).isZero(); // log(2/8) - log(8^0.75/z) < 0
    }
}
