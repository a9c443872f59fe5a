package dev.graft.task;

import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import dev.graft.model.TokenBatch;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sentence-pair encoding on a vocabulary of ten tokens written out by hand. */
class PairEncodingTest {
    /**
     * A BERT-style tokenizer.json: WordPiece over [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4 the=5 cat=6 sat=7
     * dog=8 ran=9, BERT's pre-tokenizer and its pair post-processor ([CLS] A [SEP] B [SEP], types 0 then 1).
     */
    static Tokenizer tiny(Path dir) throws IOException {
        String specials = """
                {"id": %d, "content": "%s", "single_word": false, "lstrip": false, "rstrip": false,
                 "normalized": false, "special": true}""";
        String json = """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [%s, %s, %s, %s, %s],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                                "strip_accents": null, "lowercase": true},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
                 "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100,
                           "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "the": 5,
                                     "cat": 6, "sat": 7, "dog": 8, "ran": 9}}}
                """.formatted(specials.formatted(0, "[PAD]"), specials.formatted(1, "[UNK]"),
                specials.formatted(2, "[CLS]"), specials.formatted(3, "[SEP]"), specials.formatted(4, "[MASK]"));
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json);
        return Tokenizer.load(file);
    }

    @Test
    void idsAndTypeIdsOfAPairByHand(@TempDir Path dir) throws IOException {
        Tokenizer tok = tiny(dir);
        ClassificationData d = ClassificationData.encodePairs(tok, List.of("The cat sat", "cat"),
                List.of("the dog ran", "dog"), new int[] {1, 0}, 16, 0);
        //                  [CLS] the cat sat [SEP] the dog ran [SEP]
        assertThat(d.ids(0)).containsExactly(2, 5, 6, 7, 3, 5, 8, 9, 3);
        assertThat(d.typeIds(0)).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1);
        //                  [CLS] cat [SEP] dog [SEP]
        assertThat(d.ids(1)).containsExactly(2, 6, 3, 8, 3);
        assertThat(d.typeIds(1)).containsExactly(0, 0, 0, 1, 1);
        assertThat(d.truncated()).isZero();
        // one batch, padded on the right to 9 with [PAD] = 0, type 0, mask 0
        ClassificationBatch b = d.batch(new int[] {1, 0});
        TokenBatch t = b.tokens();
        assertThat(t.time()).isEqualTo(9);
        assertThat(Arrays.copyOfRange(t.inputIds(), 0, 9)).containsExactly(2, 6, 3, 8, 3, 0, 0, 0, 0);
        assertThat(Arrays.copyOfRange(t.typeIds(), 0, 9)).containsExactly(0, 0, 0, 1, 1, 0, 0, 0, 0);
        assertThat(Arrays.copyOfRange(t.attentionMask(), 0, 9)).containsExactly(1, 1, 1, 1, 1, 0, 0, 0, 0);
        assertThat(Arrays.copyOfRange(t.typeIds(), 9, 18)).containsExactly(0, 0, 0, 0, 0, 1, 1, 1, 1);
        assertThat(b.labels()).containsExactly(0, 1);
    }

    @Test
    void aLongPairIsCutLongestTextFirstKeepingTheSpecialTokens(@TempDir Path dir) throws IOException {
        Tokenizer tok = tiny(dir);
        // 7 tokens allowed, 3 are specials: 4 for the texts; both have 3, so each keeps 2 (Hugging Face's
        // longest_first): [CLS] the cat [SEP] the dog [SEP]
        ClassificationData d = ClassificationData.encodePairs(tok, List.of("the cat sat"), List.of("the dog ran"),
                null, 7, 0);
        assertThat(d.ids(0)).containsExactly(2, 5, 6, 3, 5, 8, 3);
        assertThat(d.typeIds(0)).containsExactly(0, 0, 0, 0, 1, 1, 1);
        assertThat(d.truncated()).isEqualTo(1);
        // 6 tokens: 3 for the texts, of 4 ("the cat sat dog") and 1 ("ran"): the shorter keeps its 1, the longer
        // gets the other 2: [CLS] the cat [SEP] ran [SEP]
        ClassificationData e = ClassificationData.encodePairs(tok, List.of("the cat sat dog"), List.of("ran"),
                null, 6, 0);
        assertThat(e.ids(0)).containsExactly(2, 5, 6, 3, 9, 3);
        assertThat(e.typeIds(0)).containsExactly(0, 0, 0, 0, 1, 1);
    }

    @Test
    void singleTextsCarryNoTypeIds(@TempDir Path dir) throws IOException {
        Tokenizer tok = tiny(dir);
        ClassificationData d = ClassificationData.encode(tok, List.of("the cat"), new int[] {0}, 16, 0);
        assertThat(d.typeIds(0)).isNull();
        assertThat(d.batch(new int[] {0}).tokens().typeIds()).isNull();
    }

    @Test
    void thePairHeadReadsTheSecondTextFromTheExample(@TempDir Path dir) throws IOException {
        Tokenizer tok = tiny(dir);
        LabelSet labels = LabelSet.ordered(List.of("no", "yes"));
        List<ClassificationExample> ex = List.of(
                new ClassificationExample("1", "cat", "yes", Map.of("text_pair", "dog ran")));
        ClassificationData d = (ClassificationData) PairTask.HEAD.encode(tok, ex, labels, 16, 0);
        assertThat(d.ids(0)).containsExactly(2, 6, 3, 8, 9, 3);
        assertThat(d.label(0)).isEqualTo(1);
        assertThatThrownBy(() -> PairTask.HEAD.encode(tok, List.of(new ClassificationExample("2", "cat", "yes")),
                labels, 16, 0)).hasMessageContaining("no second text");
    }

    @Test
    void predictionInputLinesAreJsonObjectsOrTabSeparated() {
        assertThat(PairTask.parse("{\"text\": \"a b\", \"text_pair\": \"c\"}", 0)).containsExactly("a b", "c");
        assertThat(PairTask.parse("a b\tc d", 0)).containsExactly("a b", "c d");
        assertThatThrownBy(() -> PairTask.parse("no tab", 4)).isInstanceOf(HeadTask.BadLine.class)
                .satisfies(e -> assertThat(((HeadTask.BadLine) e).index()).isEqualTo(4));
        assertThatThrownBy(() -> PairTask.parse("{\"text\": \"a\"}", 0)).hasMessageContaining("text_pair");
    }
}
