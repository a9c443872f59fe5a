package dev.graft.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WordPiece and BPE models on hand-worked examples. */
class ModelsTest {

    private static List<String> tokens(TokenModel m, String word) {
        List<String> out = new ArrayList<>();
        m.tokenize(word, (id, start, end) -> out.add(m.idToToken(id) + "@" + start + ":" + end));
        return out;
    }

    private static Map<String, Integer> vocab(String... tokens) {
        Map<String, Integer> v = new HashMap<>();
        for (String t : tokens) {
            v.put(t, v.size());
        }
        return v;
    }

    @Test
    void wordPieceIsGreedyLongestMatchFirst() {
        // the example of google-research/bert tokenization.py (WordpieceTokenizer.tokenize)
        WordPieceModel m = new WordPieceModel(vocab("[UNK]", "un", "##aff", "##able", "a", "##ff", "##a"), "[UNK]",
                "##", 100);
        assertThat(tokens(m, "unaffable")).containsExactly("un@0:2", "##aff@2:5", "##able@5:9");
        assertThat(tokens(m, "unaffablex")).containsExactly("[UNK]@0:10"); // one piece unknown: the whole word
        assertThat(tokens(m, "a".repeat(100))).hasSize(100);
        assertThat(tokens(m, "a".repeat(101))).containsExactly("[UNK]@0:101"); // over 100 characters
    }

    @Test
    void wordPieceCountsCodePointsAndKeepsSurrogatePairs() {
        WordPieceModel m = new WordPieceModel(vocab("[UNK]", "😀", "##😀", "x"), "[UNK]", "##", 3);
        assertThat(tokens(m, "😀😀😀")).containsExactly("😀@0:2", "##😀@2:4", "##😀@4:6"); // 3 code points, 6 units
        assertThat(tokens(m, "x😀x")).containsExactly("[UNK]@0:4");
    }

    @Test
    void bpeMergesByRankLeftmostFirst() {
        Map<String, Integer> v = vocab("a", "b", "c", "d", "aa", "ab", "aaab");
        List<String[]> merges = List.of(new String[] {"a", "a"}, new String[] {"a", "b"}, new String[] {"aa", "ab"});
        BpeModel m = new BpeModel(v, merges, null, null, null, false, false, false);
        // aaab: (a a) rank 0 at 0 first -> aa a b -> (a b) rank 1 -> aa ab -> (aa ab) rank 2
        assertThat(tokens(m, "aaab")).containsExactly("aaab@0:4");
        // aaa: leftmost (a a) wins the tie
        assertThat(tokens(m, "aaa")).containsExactly("aa@0:2", "a@2:3");
        assertThat(tokens(m, "abcd")).containsExactly("ab@0:2", "c@2:3", "d@3:4");
        // without an unknown token, characters outside the vocabulary are dropped (as the reference)
        assertThat(tokens(m, "xab")).containsExactly("ab@1:3");
    }

    @Test
    void bpeUnknownTokenFusesWhenAsked() {
        Map<String, Integer> v = vocab("<unk>", "a");
        BpeModel plain = new BpeModel(v, List.of(), "<unk>", null, null, false, false, false);
        BpeModel fused = new BpeModel(v, List.of(), "<unk>", null, null, true, false, false);
        assertThat(tokens(plain, "xya")).containsExactly("<unk>@0:1", "<unk>@1:2", "a@2:3");
        assertThat(tokens(fused, "xya")).containsExactly("<unk>@0:2", "a@2:3");
    }

    @Test
    void bpeRejectsMergesOutsideTheVocabulary() {
        assertThatThrownBy(() -> new BpeModel(vocab("a", "b"), List.<String[]>of(new String[] {"a", "b"}), null, null,
                null, false, false, false)).hasMessageContaining("makes 'ab', which is not in the vocabulary");
    }
}
