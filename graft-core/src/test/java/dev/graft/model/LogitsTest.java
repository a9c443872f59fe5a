package dev.graft.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

class LogitsTest {
    /** A row at offset 2 of a longer array: ln 1, ln 2, ln 3, ln 4 (so the softmax is 0.1, 0.2, 0.3, 0.4). */
    private static final float[] ROW = {99f, -99f, 0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(4),
        123f};

    @Test
    void maximumOfTheRowOnly() {
        assertThat(Logits.rowMax(ROW, 2, 4)).isEqualTo((float) Math.log(4));
        assertThat(Logits.rowMax(new float[] {-5f, -3f, -7f}, 0, 3)).isEqualTo(-3f);
        assertThat(Logits.rowMax(ROW, 6, 1)).isEqualTo(123f);
    }

    @Test
    void softmaxByHand() {
        float[] p = new float[4];
        Logits.softmax(ROW, 2, 4, p);
        assertThat(p[0]).isCloseTo(0.1f, offset(1e-6f));
        assertThat(p[1]).isCloseTo(0.2f, offset(1e-6f));
        assertThat(p[2]).isCloseTo(0.3f, offset(1e-6f));
        assertThat(p[3]).isCloseTo(0.4f, offset(1e-6f));
    }

    @Test
    void logSumExpByHandAndWithoutOverflow() {
        // 1 + 2 + 3 + 4 = 10
        assertThat(Logits.logSumExp(ROW, 2, 4)).isCloseTo(Math.log(10), offset(1e-6));
        // exp(1000) overflows a double: the shift by the maximum keeps it finite, 1000 + ln 2
        assertThat(Logits.logSumExp(new float[] {1000f, 1000f}, 0, 2)).isCloseTo(1000 + Math.log(2), offset(1e-9));
        float max = Logits.rowMax(ROW, 2, 4);
        assertThat(Logits.sumExp(ROW, 2, 4, max)).isCloseTo(10.0 / 4, offset(1e-6));
    }
}
