package dev.graft.api;

import dev.graft.data.Words;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Words and spans with their offsets, worked by hand. */
class TaggerSpansTest {

    @Test
    void splitsAtWhitespaceKeepingEachWordsOffsets() {
        Words at = Words.of(" a\tbc  d\u00e9 \uD834\uDD1E!");
        assertThat(at.words()).containsExactly("a", "bc", "d\u00e9", "\uD834\uDD1E!");
        assertThat(at.starts()).containsExactly(1, 3, 7, 10);
        assertThat(at.ends()).containsExactly(2, 5, 9, 13);
    }

    @Test
    void spansCarryTypeStringOffsetsTextAndWordRange() {
        // words:            0     1      2     3        4          5
        String text = "  John  Smith visited \uD834\uDD1E Paris .";
        List<Tagging.Span> spans = Tagger.spansOf(text, List.of("B-PER", "I-PER", "O", "O", "B-LOC", "O"));
        assertThat(spans).containsExactly(
                new Tagging.Span("PER", 2, 13, "John  Smith", 0, 1),
                new Tagging.Span("LOC", 25, 30, "Paris", 4, 4));
        // a lone I- opens a chunk (lenient, as seqeval's default mode)
        assertThat(Tagger.spansOf("x y", List.of("I-ORG", "I-ORG")))
                .containsExactly(new Tagging.Span("ORG", 0, 3, "x y", 0, 1));
        assertThatThrownBy(() -> Tagger.spansOf("x y", List.of("O"))).hasMessageContaining("2 words but 1 tags");
    }
}
