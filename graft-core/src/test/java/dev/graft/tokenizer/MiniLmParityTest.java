package dev.graft.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parity case 1: the WordPiece tokenizer.json of all-MiniLM-L6-v2 (BertNormalizer, BERT
 * pre-tokenizer, WordPiece 30,522, [CLS] A [SEP] template), loaded by graft, against the Hugging
 * Face library on the same file: same ids, tokens, offsets, word indices, types and masks.
 */
class MiniLmParityTest {
    static final String MINILM = "all-minilm-l6-v2-tokenizer.json";

    @Test
    void sameEncodingsAsTheReference(@TempDir Path dir) throws Exception {
        Path json = Parity.resource(MINILM, dir);
        Tokenizer graft = Tokenizer.load(json);
        assertThat(graft.vocabularySize()).isEqualTo(30522);
        List<String> inputs = TestTexts.parityInputs(3000, 11);
        Parity parity = new Parity();
        try (HuggingFaceOracle oracle = HuggingFaceOracle.load(json)) {
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i);
                boolean special = i % 2 == 0;
                parity.compare("encode(special=" + special + ")", text, graft.encode(text, special),
                        oracle.encode(text, special));
                if (i % 5 == 0 && i + 1 < inputs.size()) {
                    String second = inputs.get(i + 1);
                    parity.compare("encodePair", text, second, graft.encodePair(text, second, true),
                            oracle.encodePair(text, second, true));
                }
                if (i % 3 == 0) {
                    int[] ids = graft.encode(text, true).ids();
                    parity.compareText("decode", text, graft.decode(ids, true), oracle.decode(ids, true));
                    parity.compareText("decode(keep special)", text, graft.decode(ids, false), oracle.decode(ids, false));
                }
            }
        }
        parity.assertNoMismatch();
        assertThat(parity.compared()).isGreaterThan(3000);
    }
}
