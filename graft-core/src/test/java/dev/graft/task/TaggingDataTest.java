package dev.graft.task;

import dev.graft.finetune.Fixtures;
import dev.graft.model.TokenBatch;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Word labels on first sub-words, windows for long sentences, and words the tokenizer drops. */
class TaggingDataTest {
    private static final Tokenizer TOK = Fixtures.wordPiece();

    private static int pad() {
        return TOK.specialTokens().padding().getAsInt();
    }

    @Test
    void labelsGoOnTheFirstSubWordOnly() {
        // "excellent" is not in a 90-token vocabulary as one piece: it splits into sub-words
        List<String> words = List.of("John", "excellent", "paris");
        TaggingData d = TaggingData.encode(TOK, List.of(words), List.of(new int[] {1, 0, 2}), 32, pad());
        assertThat(d.windowCount()).isEqualTo(1);
        TaggingData.Window w = d.windows().get(0);
        int[] ids = w.ids();
        assertThat(ids[0]).isEqualTo(TOK.specialTokens().classifier().getAsInt());
        assertThat(ids[ids.length - 1]).isEqualTo(TOK.specialTokens().separator().getAsInt());
        int[] pos = w.wordPositions();
        assertThat(pos).hasSize(3);
        assertThat(pos[0]).isEqualTo(1);
        assertThat(pos[2] - pos[1]).as("excellent takes several pieces").isGreaterThan(1);
        assertThat(TOK.idToToken(ids[pos[1] + 1])).startsWith("##");
        TokenBatch b = d.batch(new int[] {0}).tokens();
        int tagged = 0;
        for (int i = 0; i < b.rows(); i++) {
            if (b.targets()[i] != TokenBatch.IGNORE) {
                tagged++;
            }
        }
        assertThat(tagged).as("one target per word").isEqualTo(3);
        assertThat(b.targets()[pos[0]]).isEqualTo(1);
        assertThat(b.targets()[pos[1]]).isEqualTo(0);
        assertThat(b.targets()[pos[1] + 1]).isEqualTo(TokenBatch.IGNORE);
        assertThat(b.targets()[pos[2]]).isEqualTo(2);
    }

    @Test
    void longSentencesAreSplitIntoWindowsAtWordBoundaries() {
        List<String> words = List.of("the", "movie", "was", "really", "excellent", "and", "the", "plot", "was", "good",
                "john", "smith");
        int[] tags = new int[words.size()];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = i % 3;
        }
        TaggingData d = TaggingData.encode(TOK, List.of(words), List.of(tags), 8, pad());
        assertThat(d.splitSentences()).isEqualTo(1);
        assertThat(d.windowCount()).isGreaterThan(1);
        int covered = 0;
        for (TaggingData.Window w : d.windows()) {
            assertThat(w.ids().length).isLessThanOrEqualTo(8);
            assertThat(w.firstWord()).isEqualTo(covered);
            covered += w.wordPositions().length;
        }
        assertThat(covered).as("no word is lost").isEqualTo(words.size());
        // predictions come back one per word, in order
        List<int[]> perWindow = new java.util.ArrayList<>();
        for (TaggingData.Window w : d.windows()) {
            int[] p = new int[w.wordPositions().length];
            for (int j = 0; j < p.length; j++) {
                p[j] = w.firstWord() + j;
            }
            perWindow.add(p);
        }
        assertThat(d.assemble(perWindow)[0]).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    @Test
    void aWordLongerThanAWindowKeepsItsFirstTokens() {
        // budget 4 tokens between [CLS] and [SEP]; the long word has more, "a" has one
        TaggingData d = TaggingData.encode(TOK, List.of(List.of("superbsuperbsuperbsuperb", "a")),
                List.of(new int[] {1, 2}), 6, pad());
        assertThat(d.cutWords()).isEqualTo(1);
        assertThat(d.windows().get(0).ids()).hasSize(6);
        assertThat(d.windowCount()).isEqualTo(2);
    }

    @Test
    void aWordTheTokenizerDropsStandsAsTheUnknownToken() {
        // a control character is removed by BERT's normalizer: the word gives no token
        TaggingData d = TaggingData.encode(TOK, List.of(List.of("good", "\u0007", "paris")), null, 32, pad());
        assertThat(d.emptyWords()).isEqualTo(1);
        TaggingData.Window w = d.windows().get(0);
        assertThat(w.ids()[w.wordPositions()[1]]).isEqualTo(TOK.specialTokens().unknown().getAsInt());
    }
}
