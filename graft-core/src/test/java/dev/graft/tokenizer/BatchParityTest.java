package dev.graft.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batch encoding (truncation, padding, templates, attention masks, type ids) against the Hugging
 * Face library, with the all-MiniLM-L6-v2 WordPiece tokenizer.
 */
class BatchParityTest {
    static {
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("offline", "true");
    }

    @Test
    void truncationPaddingAndPairsMatchTheReference(@TempDir Path dir) throws Exception {
        Path json = Parity.resource(MiniLmParityTest.MINILM, dir);
        Tokenizer graft = Tokenizer.load(json);
        List<String> inputs = TestTexts.parityInputs(600, 41);
        Parity parity = new Parity();
        record Case(String truncation, String padding, int maxLength, EncodeOptions options) {
        }
        List<Case> cases = List.of(
                new Case("longest_first", "true", 12, EncodeOptions.defaults()
                        .withTruncation(EncodeOptions.Truncation.toLength(12))
                        .withPadding(EncodeOptions.Padding.toLongest())),
                new Case("longest_first", "max_length", 20, EncodeOptions.defaults()
                        .withTruncation(EncodeOptions.Truncation.toLength(20))
                        .withPadding(EncodeOptions.Padding.toLength(20))),
                new Case("only_first", "true", 24, EncodeOptions.defaults()
                        .withTruncation(new EncodeOptions.Truncation(24, EncodeOptions.TruncationStrategy.ONLY_FIRST,
                                EncodeOptions.Side.RIGHT, 0))
                        .withPadding(EncodeOptions.Padding.toLongest())));
        for (Case c : cases) {
            try (HuggingFaceTokenizer oracle = HuggingFaceTokenizer.newInstance(json, Map.of("truncation",
                    c.truncation(), "padding", c.padding(), "maxLength", String.valueOf(c.maxLength())))) {
                for (int start = 0; start + 8 <= inputs.size(); start += 8) {
                    List<String> batch = inputs.subList(start, start + 8);
                    if (!c.truncation().equals("only_first")) {
                        compare(parity, "batch " + c.truncation() + "/" + c.padding(), batch, null,
                                graft.encodeBatch(batch, c.options()), oracle.batchEncode(batch));
                    }
                    List<String> firsts = new ArrayList<>();
                    List<String> seconds = new ArrayList<>();
                    PairList<String, String> pairs = new PairList<>();
                    for (int i = 0; i < 4; i++) {
                        // only_first needs a second text short enough to fit
                        String second = c.truncation().equals("only_first") ? "a short second text" : batch.get(2 * i + 1);
                        firsts.add(batch.get(2 * i));
                        seconds.add(second);
                        pairs.add(batch.get(2 * i), second);
                    }
                    compare(parity, "pairs " + c.truncation() + "/" + c.padding(), firsts, seconds,
                            graft.encodeBatchPairs(firsts, seconds, c.options()), oracle.batchEncode(pairs));
                }
            }
        }
        parity.assertNoMismatch();
        assertThat(parity.compared()).isGreaterThan(500);
    }

    private static void compare(Parity parity, String what, List<String> texts, List<String> seconds,
            List<Encoding> graft, ai.djl.huggingface.tokenizers.Encoding[] reference) {
        assertThat(graft).hasSameSizeAs(reference);
        for (int i = 0; i < graft.size(); i++) {
            var r = reference[i];
            var spans = r.getCharTokenSpans();
            int[] s = new int[spans.length];
            int[] e = new int[spans.length];
            for (int k = 0; k < spans.length; k++) {
                s[k] = spans[k] == null ? -1 : spans[k].getStart();
                e[k] = spans[k] == null ? -1 : spans[k].getEnd();
            }
            parity.compare(what, texts.get(i), seconds == null ? null : seconds.get(i), graft.get(i),
                    new HuggingFaceOracle.Result(r.getIds(), r.getTokens(), s, e, r.getWordIds(), r.getTypeIds(),
                            r.getSpecialTokenMask(), r.getAttentionMask()));
        }
    }
}
