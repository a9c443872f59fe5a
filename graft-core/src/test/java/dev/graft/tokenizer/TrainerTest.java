package dev.graft.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Training: hand-worked merges, determinism, streaming, bad input. */
class TrainerTest {

    @Test
    void learnsTheWikipediaExampleMerges() {
        // "aaabdaaabac": Z=aa, Y=ab, X=ZY -> X d X a c (the BPE example of Gage 1994 / Wikipedia)
        TokenizerTrainer.Settings s = TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 256 + 3)
                .withSpecialTokens(List.of()).withMinimumFrequency(2);
        assertThat(s.specialTokens()).containsExactly("<|endoftext|>", "<pad>"); // empty list: defaults
        s = new TokenizerTrainer.Settings(TokenizerTrainer.Type.BPE, 258 + 3, 2, false, List.of("<|endoftext|>", "<pad>"),
                0, TokenizerTrainer.UnicodeNormalization.NONE, 1, false);
        TokenizerTrainer.Result r = TokenizerTrainer.train(s, List.of("aaabdaaabac"));
        assertThat(r.merges()).isEqualTo(3);
        Encoding e = r.tokenizer().encode("aaabdaaabac");
        assertThat(e.tokens()).containsExactly("aaab", "d", "aaab", "a", "c");
        assertThat(e.startOffsets()).containsExactly(0, 4, 5, 9, 10);
        assertThat(r.tokenizer().idToToken(0)).isEqualTo("<|endoftext|>");
        // then the 256 byte-level characters in code point order, as the reference sorts its alphabet
        assertThat(r.tokenizer().idToToken(2)).isEqualTo("!");
        assertThat(r.tokenizer().idToToken(2 + 255)).isEqualTo("Ń");
    }

    @Test
    void wordPieceVocabularyStartsWithBertsSpecialTokens() throws IOException {
        TokenizerTrainer.Result r = TokenizerTrainer.train(
                TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 400).withLowercase(true),
                withNewlines(TestTexts.kjvSample()));
        Tokenizer t = r.tokenizer();
        assertThat(List.of(t.idToToken(0), t.idToToken(1), t.idToToken(2), t.idToToken(3), t.idToToken(4)))
                .containsExactly("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
        Encoding e = t.encode("And God said, Let there be light", true);
        assertThat(e.token(0)).isEqualTo("[CLS]");
        assertThat(e.token(e.length() - 1)).isEqualTo("[SEP]");
        assertThat(t.decode(e.ids(), true)).isEqualTo("and god said, let there be light");
        assertThat(t.encode("Zebra \u4e2d").tokens()).contains("[UNK]"); // outside the alphabet
        assertThat(r.coverage()).isGreaterThan(0.99);
    }

    @Test
    void sameResultForAnyThreadCountAndChunking(@TempDir Path dir) throws IOException {
        Path corpus = dir.resolve("corpus.txt");
        StringBuilder sb = new StringBuilder();
        List<String> lines = TestTexts.parityInputs(2000, 3);
        for (String l : lines) {
            sb.append(l.replace('\n', ' ')).append('\n');
        }
        Files.writeString(corpus, sb.toString(), StandardCharsets.UTF_8); // over 64 KB: several reads
        TokenizerTrainer.Settings s = TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 800);
        Path one = TokenizerTrainer.train(s.withThreads(1), List.of(corpus)).tokenizer().save(dir.resolve("one"));
        Path two = TokenizerTrainer.train(s.withThreads(2), List.of(corpus)).tokenizer().save(dir.resolve("two"));
        List<String> chunks = new ArrayList<>();
        for (String l : sb.toString().split("(?<=\n)")) {
            chunks.add(l);
        }
        Path memory = TokenizerTrainer.train(s.withThreads(2), chunks).tokenizer().save(dir.resolve("memory"));
        assertThat(Files.readString(two)).isEqualTo(Files.readString(one));
        assertThat(Files.readString(memory)).isEqualTo(Files.readString(one));
    }

    @Test
    void chunksAreWholeLinesAndDecodingSurvivesBufferBoundaries(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("multibyte.txt");
        String line = "é😀中 ".repeat(7) + "\n";
        Files.writeString(f, line.repeat(3000), StandardCharsets.UTF_8);
        List<String> chunks = new ArrayList<>();
        long bytes = CorpusReader.read(f, false, 1000, chunks::add);
        assertThat(bytes).isEqualTo(Files.size(f));
        assertThat(String.join("", chunks)).isEqualTo(line.repeat(3000));
        assertThat(chunks).allMatch(c -> c.endsWith("\n"));
    }

    @Test
    void invalidUtf8IsReportedWithFileByteAndLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("latin1.txt");
        byte[] good = "first line\nsecond caf".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = Arrays.copyOf(good, good.length + 3);
        bytes[good.length] = (byte) 0xE9; // é in Latin-1
        bytes[good.length + 1] = '\n';
        bytes[good.length + 2] = 'x';
        Files.write(f, bytes);
        TokenizerTrainer.Settings s = TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 200);
        assertThatThrownBy(() -> TokenizerTrainer.train(s, List.of(f))).isInstanceOf(IOException.class)
                .hasMessageContaining(f + ": invalid UTF-8 at byte " + good.length + " (line 2)")
                .hasMessageContaining("or use replaceInvalidUtf8 to read bad bytes as U+FFFD")
                .isInstanceOf(dev.graft.SpecIOException.class);
        TokenizerTrainer.Result r = TokenizerTrainer.train(s.withReplaceInvalidUtf8(true), List.of(f));
        assertThat(r.wordOccurrences()).isEqualTo(5); // first line second caf\uFFFD x  (U+FFFD is removed by BERT's cleaning)
    }

    @Test
    void vocabularySmallerThanTheAlphabetIsRefused(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 100),
                List.of("some text"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vocabulary size 100 is smaller than the byte-level alphabet (256 symbols) plus 2 special "
                        + "tokens; use a vocabulary size of at least 258");
        assertThatThrownBy(() -> TokenizerTrainer.train(
                TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 20), List.of("abcdefghijklmnop qrstuvwxyz")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocabulary size 20 is smaller than the alphabet: 5 special tokens and")
                .hasMessageContaining("use a vocabulary size of at least");
        Path missing = dir.resolve("missing.txt");
        assertThatThrownBy(() -> TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 300),
                List.of(missing))).isInstanceOf(java.nio.file.NoSuchFileException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void minimumFrequencyStopsMerging() {
        TokenizerTrainer.Settings s = new TokenizerTrainer.Settings(TokenizerTrainer.Type.BPE, 1000, 3, false,
                List.of("<|endoftext|>"), 0, TokenizerTrainer.UnicodeNormalization.NONE, 1, false);
        // "ab" occurs 3 times, "cd" twice: only ab merges
        TokenizerTrainer.Result r = TokenizerTrainer.train(s, List.of("ab ab ab cd cd"));
        assertThat(r.tokenizer().tokenToId("ab")).isPresent();
        assertThat(r.tokenizer().tokenToId("cd")).isEmpty();
        assertThat(r.tokenizer().vocabularySize()).isLessThan(1000);
    }

    private static List<String> withNewlines(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l + "\n");
        }
        return out;
    }
}
