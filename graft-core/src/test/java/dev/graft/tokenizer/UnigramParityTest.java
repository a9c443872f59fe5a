package dev.graft.tokenizer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unigram tokenizers with the SentencePiece components (Precompiled charsmap, Replace, Metaspace)
 * against the Hugging Face library: ids, tokens, offsets, words, types and masks on multilingual
 * text (accents, combining marks, CJK, Hangul, Arabic, emoji, digits, whitespace runs), pairs,
 * and decoding; each file also written by graft and read back by both.
 */
class UnigramParityTest {
    @ParameterizedTest
    @CsvSource({"always, true, false", "first, true, true", "never, true, false", "always, false, false"})
    void sameEncodingsAsTheReference(String scheme, boolean split, boolean byteFallback, @TempDir Path dir)
            throws Exception {
        List<String> inputs = TestTexts.parityInputs(1200, 71);
        ObjectNode json = UnigramFixtures.tokenizer(inputs.subList(0, 700), scheme, split, byteFallback, 5);
        Path file = dir.resolve("unigram.json");
        UnigramFixtures.M.writeValue(file.toFile(), json);
        Tokenizer graft = Tokenizer.load(file);
        assertThat(graft.modelType()).isEqualTo("Unigram");
        Path rewritten = graft.save(dir.resolve("rewritten"));
        Tokenizer again = Tokenizer.load(rewritten);
        Parity parity = new Parity();
        int unknown = 0;
        try (HuggingFaceOracle oracle = HuggingFaceOracle.load(file);
                HuggingFaceOracle oracle2 = HuggingFaceOracle.load(rewritten)) {
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i);
                boolean special = i % 2 == 0;
                Encoding e = graft.encode(text, special);
                parity.compare("encode(special=" + special + ")", text, e, oracle.encode(text, special));
                if (i % 3 == 0) {
                    parity.compare("rewritten", text, again.encode(text, special), oracle2.encode(text, special));
                }
                if (i % 5 == 0) {
                    String second = inputs.get((i + 7) % inputs.size());
                    parity.compare("encodePair", text, second, graft.encodePair(text, second, true),
                            oracle.encodePair(text, second, true));
                }
                for (int k = 0; k < e.length(); k++) {
                    unknown += e.id(k) == 3 || e.token(k).startsWith("<0x") ? 1 : 0; // unknown, or its bytes
                }
                if (i % 4 == 0) {
                    int[] ids = e.ids();
                    parity.compareText("decode", text, graft.decode(ids, true), oracle.decode(ids, true));
                }
            }
        }
        parity.assertNoMismatch();
        assertThat(parity.compared()).isGreaterThan(1400);
        assertThat(unknown).as("unknown pieces (or their byte fallback) occurred").isGreaterThan(10);
    }
}
