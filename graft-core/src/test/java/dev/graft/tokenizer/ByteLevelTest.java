package dev.graft.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** GPT-2's byte alphabet and pre-tokenization regex, hand-worked (openai/gpt-2 encoder.py). */
class ByteLevelTest {

    private static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        ByteLevel.splitGpt2(s, (a, b) -> out.add(s.substring(a, b)));
        return out;
    }

    @Test
    void bytesMapToPrintableCharacters() {
        assertThat(ByteLevel.BYTE_TO_CHAR['A']).isEqualTo('A');
        assertThat(ByteLevel.BYTE_TO_CHAR[' ']).isEqualTo('Ġ'); // U+0120: byte 32 is the 33rd unprintable byte
        assertThat(ByteLevel.BYTE_TO_CHAR['\n']).isEqualTo('Ċ');
        assertThat(ByteLevel.BYTE_TO_CHAR[0]).isEqualTo('Ā');
        assertThat(ByteLevel.BYTE_TO_CHAR[0xAD]).isEqualTo('Ń'); // soft hyphen is not printable
        assertThat(ByteLevel.alphabet().chars().distinct().count()).isEqualTo(256);
        for (int b = 0; b < 256; b++) {
            assertThat(ByteLevel.byteOf(ByteLevel.BYTE_TO_CHAR[b])).isEqualTo(b);
        }
        StringBuilder sb = new StringBuilder();
        assertThat(ByteLevel.appendBytes("é".codePointAt(0), sb)).isEqualTo(2);
        assertThat(sb.toString()).isEqualTo("Ã©");
    }

    @Test
    void gpt2RegexSplits() {
        assertThat(split("Hello world")).containsExactly("Hello", " world");
        assertThat(split("it's I'll we've they're he'd I'm don't")).containsExactly("it", "'s", " I", "'ll", " we",
                "'ve", " they", "'re", " he", "'d", " I", "'m", " don", "'t");
        assertThat(split("'S x")).containsExactly("'", "S", " x"); // contractions are lowercase only
        assertThat(split("abc123 4.5")).containsExactly("abc", "123", " 4", ".", "5");
        assertThat(split("Hello there       dear")).containsExactly("Hello", " there", "      ", " dear");
        assertThat(split("a\n\nb")).containsExactly("a", "\n", "\n", "b");
        assertThat(split("end   ")).containsExactly("end", "   ");
        assertThat(split(" ?! x")).containsExactly(" ?!", " x");
        assertThat(split("x1²Ⅷ")).containsExactly("x", "1²Ⅷ"); // \p{N} includes No and Nl
        assertThat(split("a\u3000b")).containsExactly("a", "\u3000", "b"); // ideographic space is \s
        assertThat(split("😀😀 x")).containsExactly("😀😀", " x");
        assertThat(split("")).isEmpty();
    }
}
