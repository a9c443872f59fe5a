package dev.graft.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading and writing tokenizer.json: round trips and the errors for bad files. */
class TokenizerJsonTest {

    private static final String WORDPIECE = """
            {"version": "1.0", "truncation": null, "padding": null,
             "added_tokens": [{"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false,
                               "rstrip": false, "normalized": false, "special": true}],
             "normalizer": %s,
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": null, "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
             "model": %s}
            """;
    private static final String MODEL = """
            {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
             "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 1, "##b": 2}}
            """;

    private static Path write(Path dir, String json) throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void savedFileLoadsBackToTheSameTokenizerAndTheSameBytes(@TempDir Path dir) throws Exception {
        Path original = Parity.resource(MiniLmParityTest.MINILM, dir);
        Tokenizer a = Tokenizer.load(original);
        Path saved = a.save(dir.resolve("copy"));
        Tokenizer b = Tokenizer.load(saved);
        for (String text : TestTexts.generated(TestTexts.kjvSample(), 200, 9)) {
            assertThat(b.encode(text, true)).isEqualTo(a.encode(text, true));
        }
        assertThat(b.defaultOptions()).isEqualTo(a.defaultOptions()); // the file's truncation and padding (128)
        assertThat(a.defaultOptions().padding().length()).isEqualTo(128);
        Path again = b.save(dir.resolve("again.json"));
        assertThat(Files.readString(again)).isEqualTo(Files.readString(saved));
        assertThat(Files.list(dir.resolve("copy"))).containsExactly(saved);
    }

    @Test
    void missingFilesAndDirectoriesSayWhatToPass(@TempDir Path dir) {
        assertThatThrownBy(() -> Tokenizer.load(dir.resolve("nope"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("nope").hasMessageContaining("pass a tokenizer.json file or a directory");
        assertThatThrownBy(() -> Tokenizer.load(dir)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("directory has no tokenizer.json");
    }

    @Test
    void malformedJsonNamesFileLineAndColumn(@TempDir Path dir) throws IOException {
        Path f = write(dir, "{\n  \"model\": {\"type\": \"BPE\",\n  oops }\n}");
        assertThatThrownBy(() -> Tokenizer.load(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(f + ": not valid JSON at line 3, column");
        Path g = write(dir, "[1, 2]");
        assertThatThrownBy(() -> Tokenizer.load(g)).hasMessageContaining("not a tokenizer.json");
        Path h = write(dir, "{\"version\": \"1.0\"}");
        assertThatThrownBy(() -> Tokenizer.load(h)).hasMessageContaining("no \"model\" object");
    }

    @Test
    void unsupportedComponentsAreNamed(@TempDir Path dir) throws IOException {
        Path f = write(dir, WORDPIECE.formatted("{\"type\": \"Strip\", \"strip_left\": true}", MODEL));
        assertThatThrownBy(() -> Tokenizer.load(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(f + ": normalizer type 'Strip' is not supported by graft (supported: BertNormalizer, "
                        + "Lowercase, NFC, NFD, NFKC, NFKD, StripAccents, Precompiled, Replace, Prepend, Sequence); use a "
                        + "tokenizer built from supported components");
        Path g = write(dir, WORDPIECE.formatted("{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, "
                + "{\"type\": \"Replace\"}]}", MODEL));
        assertThatThrownBy(() -> Tokenizer.load(g)).hasMessage(g + ": normalizer Replace: \"content\" must be a string");
        Path h = write(dir, WORDPIECE.formatted("null", "{\"type\": \"WordLevel\", \"vocab\": {}}"));
        assertThatThrownBy(() -> Tokenizer.load(h)).hasMessageContaining("model type 'WordLevel' is not supported");
        Path h2 = write(dir, WORDPIECE.formatted("null", "{\"type\": \"Unigram\", \"unk_id\": 2, \"vocab\": [[\"a\", -1]]}"));
        assertThatThrownBy(() -> Tokenizer.load(h2)).hasMessage(h2 + ": model Unigram: unk_id 2 is outside the vocabulary "
                + "of 1 pieces; set unk_id to the id of the unknown piece");
        Path h3 = write(dir, WORDPIECE.formatted("null", "{\"type\": \"Unigram\", \"vocab\": [[\"a\", -1], [\"b\"]]}"));
        assertThatThrownBy(() -> Tokenizer.load(h3)).hasMessageContaining("vocab entry 1 is [\"b\"], expected [piece, score]");
        Path h4 = write(dir, WORDPIECE.formatted("{\"type\": \"Precompiled\", \"precompiled_charsmap\": \"AQ==\"}", MODEL));
        assertThatThrownBy(() -> Tokenizer.load(h4)).hasMessageContaining("normalizer Precompiled: precompiled_charsmap "
                + "has 1 bytes, fewer than its 4-byte header");
        Path i = write(dir, WORDPIECE.formatted("null", "{\"type\": \"BPE\", \"dropout\": 0.1, \"vocab\": {}, "
                + "\"merges\": []}"));
        assertThatThrownBy(() -> Tokenizer.load(i)).hasMessageContaining("BPE with dropout 0.1 is not supported");
        Path j = write(dir, WORDPIECE.formatted("null", MODEL).replace("BertPreTokenizer", "Digits"));
        assertThatThrownBy(() -> Tokenizer.load(j)).hasMessageContaining("pre_tokenizer type 'Digits'");
        Path k = write(dir, WORDPIECE.formatted("null", MODEL).replace("\"type\": \"WordPiece\", \"prefix\"",
                "\"type\": \"BPEDecoder\", \"prefix\""));
        assertThatThrownBy(() -> Tokenizer.load(k)).hasMessageContaining("decoder type 'BPEDecoder'");
        Path m = write(dir, WORDPIECE.formatted("null", MODEL).replace("{\"type\": \"BertPreTokenizer\"}",
                "{\"type\": \"Metaspace\", \"replacement\": \"ab\"}"));
        assertThatThrownBy(() -> Tokenizer.load(m)).hasMessageContaining("pre_tokenizer Metaspace: \"replacement\" must "
                + "be a string of one character");
    }

    @Test
    void aSmallHandWrittenFileWorks(@TempDir Path dir) throws IOException {
        Tokenizer t = Tokenizer.load(write(dir, WORDPIECE.formatted("{\"type\": \"Lowercase\"}", MODEL)));
        Encoding e = t.encode("AB a, Ab");
        assertThat(e.tokens()).containsExactly("a", "##b", "a", "[UNK]", "a", "##b");
        assertThat(e.wordIndices()).containsExactly(0, 0, 1, 2, 3, 3);
        assertThat(e.startOffsets()).containsExactly(0, 1, 3, 4, 6, 7);
        assertThat(t.decode(e.ids())).isEqualTo("ab a [UNK] ab");
        assertThat(t.decode(e.ids(), true)).isEqualTo("ab a ab");
        assertThat(t.vocabularySize()).isEqualTo(3);
        assertThat(t.modelType()).isEqualTo("WordPiece");
        assertThat(t.specialTokens().unknown()).hasValue(0);
        assertThat(t.specialTokens().padding()).isEmpty();
        assertThatThrownBy(() -> t.encodeBatch(java.util.List.of("a"),
                EncodeOptions.defaults().withPadding(EncodeOptions.Padding.toLongest())))
                .hasMessageContaining("has neither [PAD] nor <pad>");
    }

    @Test
    void parityComparatorReportsDifferences() {
        Encoding e = Encoding.EMPTY;
        Parity p = new Parity();
        p.compare("x", "", e, new HuggingFaceOracle.Result(new long[] {1}, new String[] {"a"}, new int[] {0},
                new int[] {1}, new long[] {0}, new long[] {0}, new long[] {0}, new long[] {1}));
        assertThatThrownBy(p::assertNoMismatch).hasMessageContaining("1 of 1 inputs differ");
    }
}
