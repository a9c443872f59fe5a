package dev.graft.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lossy UTF-8 decoding against the definition: each maximal subpart of an ill-formed sequence (its longest
 * start that is also the start of some well-formed sequence, or one byte) becomes one U+FFFD. The well-formed
 * sequences are every scalar value's encoding.
 */
class Utf8Test {
    /** Every proper prefix of a well-formed sequence, and every whole one mapped to its code point. */
    private static final Set<String> PREFIXES = new HashSet<>();
    private static final Map<String, Integer> WHOLE = new HashMap<>();

    @BeforeAll
    static void encodeEveryScalarValue() {
        for (int cp = 0; cp <= 0x10FFFF; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                continue;
            }
            byte[] e = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            for (int k = 1; k < e.length; k++) {
                PREFIXES.add(key(e, 0, k));
            }
            WHOLE.put(key(e, 0, e.length), cp);
        }
    }

    private static String key(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(b[i] & 0xFF).append(' ');
        }
        return sb.toString();
    }

    private static String byDefinition(byte[] b) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < b.length) {
            int k = 1;
            while (i + k <= b.length && !WHOLE.containsKey(key(b, i, i + k)) && PREFIXES.contains(key(b, i, i + k))) {
                k++;
            }
            if (i + k <= b.length && WHOLE.containsKey(key(b, i, i + k))) {
                sb.appendCodePoint(WHOLE.get(key(b, i, i + k)));
                i += k;
            } else {
                sb.append('\uFFFD');
                i += Math.max(1, k - 1);
            }
        }
        return sb.toString();
    }

    @Test
    void everyOneAndTwoByteSequenceFollowsTheDefinition() {
        for (int a = 0; a < 256; a++) {
            byte[] one = {(byte) a};
            assertThat(Utf8.decodeLossy(one)).as("%02X", a).isEqualTo(byDefinition(one));
            for (int c = 0; c < 256; c++) {
                byte[] two = {(byte) a, (byte) c};
                assertThat(Utf8.decodeLossy(two)).as("%02X %02X", a, c).isEqualTo(byDefinition(two));
            }
        }
    }

    @Test
    void longerSequencesNearTheRangeEdgesFollowTheDefinition() {
        // lead and continuation bytes at the edges of the well-formed ranges, mixed with ASCII
        int[] pool = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
            0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
        SplittableRandom r = new SplittableRandom(17);
        for (int trial = 0; trial < 100_000; trial++) {
            byte[] b = new byte[1 + r.nextInt(7)];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) pool[r.nextInt(pool.length)];
            }
            assertThat(Utf8.decodeLossy(b)).as(key(b, 0, b.length)).isEqualTo(byDefinition(b));
        }
        String valid = "a\u00e9\u20ac\uD834\uDD1E\uFFFD\u07FF\u0800\uD7FF\uE000\uDBFF\uDFFF";
        assertThat(Utf8.decodeLossy(valid.getBytes(StandardCharsets.UTF_8))).isEqualTo(valid);
        // the standard's own example (table 3-8): 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64
        byte[] example = {0x61, (byte) 0xF1, (byte) 0x80, (byte) 0x80, (byte) 0xE1, (byte) 0x80, (byte) 0xC2, 0x62,
            (byte) 0x80, 0x63, (byte) 0x80, (byte) 0xBF, 0x64};
        assertThat(Utf8.decodeLossy(example)).isEqualTo("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd");
    }
}
