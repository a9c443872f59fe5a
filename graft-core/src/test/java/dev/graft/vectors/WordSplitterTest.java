package dev.graft.vectors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The documented word splitter used when no tokenizer is given. */
class WordSplitterTest {
    @Test
    void keepsInnerApostrophesAndHyphensAndLowercases() {
        assertThat(WordSplitter.words("The cat's well-known -- 'toy'!"))
                .containsExactly("the", "cat's", "well-known", "toy");
        assertThat(WordSplitter.words("Don\u2019t STOP-  now, 1990s café")).containsExactly("don\u2019t", "stop", "now",
                "1990s", "café");
        assertThat(WordSplitter.words(" ... --- ")).isEmpty();
        assertThat(WordSplitter.words("a'-b")).containsExactly("a", "b");
    }
}
