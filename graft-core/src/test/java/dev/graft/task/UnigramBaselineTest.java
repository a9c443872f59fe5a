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
        double[] u = LanguageModelingTask.unigram(List.of(a, b));
        double p5 = 5 / 8.0;
        double p7 = 2 / 8.0;
        double p9 = 1 / 8.0;
        assertThat(u[0]).isCloseTo(-(p5 * Math.log(p5) + p7 * Math.log(p7) + p9 * Math.log(p9)), within(1e-12));
        assertThat(u[1]).isCloseTo(p5, within(1e-12));
        assertThat(LanguageModelingTask.unigram(List.of(new TokenBatch(1, 2, new int[2], null, null,
                new int[] {I, I})))[0]).isNaN();
    }
}
