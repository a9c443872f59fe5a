package dev.graft.task;

import dev.graft.model.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What word frequencies alone reach on validation targets: the yardstick of a base that learned nothing more. */
class UnigramBaselineTest {
    private static final int I = TokenBatch.IGNORE;

    @Test
    void entropyAndMostFrequentTokenAccuracyByHand() {
        // targets over two batches: 5 five times, 7 twice, 9 once; ignored positions do not count
        TokenBatch a = new TokenBatch(1, 6, new int[6], null, null, new int[] {5, I, 5, 7, I, 5});
        TokenBatch b = new TokenBatch(2, 3, new int[6], null, null, new int[] {5, 9, I, 7, 5, I});
        // vocabulary 11, alpha 1/2: each target predicted from the other 7, p(t) = (c_t - 1 + 0.5) / (7 + 5.5)
        double[] u = LanguageModelingTask.unigram(List.of(a, b), 11);
        double d = 8 - 1 + 0.5 * 11;
        double expected = -(5 * Math.log(4.5 / d) + 2 * Math.log(1.5 / d) + Math.log(0.5 / d)) / 8;
        assertThat(u[0]).isCloseTo(expected, within(1e-12));
        assertThat(u[1]).isCloseTo(5 / 8.0, within(1e-12));
        // held out, it is harder than the targets' own entropy (which would flatter the baseline)
        double entropy = -(5 / 8.0 * Math.log(5 / 8.0) + 2 / 8.0 * Math.log(2 / 8.0) + 1 / 8.0 * Math.log(1 / 8.0));
        assertThat(u[0]).isGreaterThan(entropy);
        assertThat(LanguageModelingTask.unigram(List.of(new TokenBatch(1, 2, new int[2], null, null,
                new int[] {I, I})), 11)[0]).isNaN();
    }
}
