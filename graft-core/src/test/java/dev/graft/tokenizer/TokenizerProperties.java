package dev.graft.tokenizer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties: byte-level BPE round-trips any string (lone surrogates become U+FFFD, as they
 * must in UTF-8); offsets slice the original text to the token's surface form (byte-level: the
 * token's bytes lie within the span's UTF-8; WordPiece: a word's pieces spell the normalized span).
 */
class TokenizerProperties {
    private static Tokenizer bpe;
    private static Tokenizer miniLm;

    private static synchronized Tokenizer bpe() throws Exception {
        if (bpe == null) {
            List<String> corpus = new ArrayList<>();
            for (String line : TestTexts.parityInputs(800, 17)) {
                corpus.add(line + "\n");
            }
            bpe = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 700), corpus)
                    .tokenizer();
        }
        return bpe;
    }

    private static synchronized Tokenizer miniLm() throws Exception {
        if (miniLm == null) {
            Path dir = Files.createTempDirectory("minilm");
            try (InputStream in = TokenizerProperties.class.getClassLoader()
                    .getResourceAsStream(MiniLmParityTest.MINILM)) {
                if (in == null) {
                    throw new IllegalStateException(MiniLmParityTest.MINILM + " is not on the test classpath");
                }
                Files.copy(in, dir.resolve("tokenizer.json"));
            }
            miniLm = Tokenizer.load(dir);
        }
        return miniLm;
    }

    /** Any UTF-16 string (lone surrogates included), or any string of code points from all planes. */
    @Provide
    Arbitrary<String> anyText() {
        Arbitrary<String> chars = Arbitraries.strings().all().ofMaxLength(40);
        Arbitrary<Integer> codePoint = Arbitraries.oneOf(Arbitraries.integers().between(0, 0x7F),
                Arbitraries.integers().between(0x80, 0x7FF), Arbitraries.integers().between(0x800, 0xFFFF),
                Arbitraries.integers().between(0x10000, 0x10FFFF), Arbitraries.of(0x20, 0x0A, 0x301, 0x1F600, 0x200D));
        Arbitrary<String> codePoints = codePoint.list().ofMaxSize(40).map(list -> {
            StringBuilder sb = new StringBuilder();
            list.forEach(sb::appendCodePoint);
            return sb.toString();
        });
        Arbitrary<String> words = Arbitraries.of(TestTexts.SPECIMENS).list().ofMaxSize(8)
                .map(list -> String.join(" ", list));
        return Arbitraries.oneOf(chars, codePoints, words);
    }

    @Property(tries = 400)
    void byteLevelBpeRoundTripsEveryString(@ForAll("anyText") String text) throws Exception {
        Tokenizer t = bpe();
        assertThat(t.decode(t.encode(text).ids())).isEqualTo(Utf8.replaceLoneSurrogates(text));
        assertThat(t.decode(t.encode(text, true).ids(), true)).isEqualTo(Utf8.replaceLoneSurrogates(text));
    }

    @Example
    void roundTripEdgeCases() throws Exception {
        Tokenizer t = bpe();
        for (String s : List.of("", " ", "\u0000", "\uD800", "a\uDC00b", "\uDBFF\uDFFF", "👨‍👩‍👧", "e\u0301\u0301",
                "\u0007\u001b[0m", "<|endoftext|>", "日本語のテキスト", "\r\n\t")) {
            assertThat(t.decode(t.encode(s).ids())).isEqualTo(Utf8.replaceLoneSurrogates(s));
        }
        assertThat(t.encode("").length()).isZero();
    }

    @Property(tries = 400)
    void byteLevelOffsetsSliceTheTokenBytes(@ForAll("anyText") String input) throws Exception {
        String text = Utf8.replaceLoneSurrogates(input);
        Tokenizer t = bpe();
        Encoding e = t.encode(text);
        int previousEnd = 0;
        for (int i = 0; i < e.length(); i++) {
            int start = e.startOffset(i);
            int end = e.endOffset(i);
            assertThat(start).isBetween(0, end);
            assertThat(end).isLessThanOrEqualTo(text.length());
            assertThat(start).isGreaterThanOrEqualTo(Math.min(previousEnd, start)); // spans never go backwards
            byte[] token = tokenBytes(e.token(i));
            byte[] span = text.substring(start, end).getBytes(StandardCharsets.UTF_8);
            if (t.specialTokenStrings().contains(e.token(i))) {
                assertThat(text.substring(start, end)).isEqualTo(e.token(i));
            } else if (token.length == span.length) {
                assertThat(token).isEqualTo(span); // whole characters: the slice is the token
            } else {
                assertThat(indexOf(span, token)).isNotNegative(); // part of a character's bytes
            }
            previousEnd = Math.max(previousEnd, end);
        }
    }

    @Property(tries = 400)
    void wordPieceOffsetsSliceTheNormalizedWord(@ForAll("anyText") String input) throws Exception {
        String text = Utf8.replaceLoneSurrogates(input);
        Tokenizer t = miniLm();
        Encoding e = t.encode(text);
        Normalizers.Bert normalizer = new Normalizers.Bert(true, true, null, true);
        int i = 0;
        while (i < e.length()) {
            int word = e.wordIndex(i);
            int j = i;
            StringBuilder spelled = new StringBuilder();
            boolean unknown = false;
            while (j < e.length() && e.wordIndex(j) == word) {
                String token = e.token(j);
                unknown |= token.equals("[UNK]");
                spelled.append(token.startsWith("##") ? token.substring(2) : token);
                j++;
            }
            String slice = text.substring(e.startOffset(i), e.endOffset(j - 1));
            String normalized = normalizer.normalize(NormalizedText.of(slice, 0, slice.length())).text.strip();
            if (!unknown && !t.specialTokenStrings().contains(slice)) {
                assertThat(spelled.toString()).as("word %s of %s", slice, Parity.escape(text)).isEqualTo(normalized);
            }
            i = j;
        }
    }

    private static byte[] tokenBytes(String byteLevelToken) {
        byte[] b = new byte[byteLevelToken.length()];
        for (int i = 0; i < b.length; i++) {
            int v = ByteLevel.byteOf(byteLevelToken.charAt(i));
            if (v < 0) {
                return byteLevelToken.getBytes(StandardCharsets.UTF_8);
            }
            b[i] = (byte) v;
        }
        return b;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return Arrays.equals(haystack, needle) ? 0 : -1;
    }
}
