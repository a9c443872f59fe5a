package dev.graft.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parity case 2: tokenizers trained by graft and saved as tokenizer.json load in the Hugging Face
 * library and encode (and decode) exactly as graft does.
 */
class TrainedParityTest {

    private static List<String> corpus() throws Exception {
        List<String> sample = TestTexts.kjvSample();
        List<String> corpus = new java.util.ArrayList<>();
        for (String line : sample) {
            corpus.add(line + "\n");
        }
        for (String line : TestTexts.generated(sample, 600, 5)) {
            corpus.add(line + "\n");
        }
        return corpus;
    }

    @Test
    void trainedByteLevelBpe(@TempDir Path dir) throws Exception {
        TokenizerTrainer.Result r = TokenizerTrainer.train(
                TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 1200).withThreads(2), corpus());
        assertThat(r.tokenizer().vocabularySize()).isEqualTo(1200);
        assertThat(r.coverage()).isEqualTo(1.0);
        check(r.tokenizer(), dir.resolve("bpe"), 1000);
    }

    @Test
    void trainedLowercaseByteLevelBpe(@TempDir Path dir) throws Exception {
        TokenizerTrainer.Result r = TokenizerTrainer.train(TokenizerTrainer.Settings
                .of(TokenizerTrainer.Type.BPE, 700).withLowercase(true).withSpecialTokens(List.of("<|endoftext|>"))
                .withNormalization(TokenizerTrainer.UnicodeNormalization.NFC), corpus());
        check(r.tokenizer(), dir.resolve("bpe-lower"), 600);
    }

    @Test
    void trainedWordPiece(@TempDir Path dir) throws Exception {
        TokenizerTrainer.Result r = TokenizerTrainer.train(
                TokenizerTrainer.Settings.of(TokenizerTrainer.Type.WORDPIECE, 1500).withThreads(2), corpus());
        assertThat(r.tokenizer().vocabularySize()).isEqualTo(1500);
        assertThat(r.tokenizer().specialTokens().padding()).hasValue(0);
        assertThat(r.tokenizer().specialTokens().mask()).hasValue(4);
        check(r.tokenizer(), dir.resolve("wordpiece"), 1000);
    }

    @Test
    void trainedUncasedNfkcWordPiece(@TempDir Path dir) throws Exception {
        TokenizerTrainer.Result r = TokenizerTrainer.train(TokenizerTrainer.Settings
                .of(TokenizerTrainer.Type.WORDPIECE, 900).withLowercase(true).withLimitAlphabet(300)
                .withNormalization(TokenizerTrainer.UnicodeNormalization.NFKC), corpus());
        check(r.tokenizer(), dir.resolve("wordpiece-nfkc"), 600);
    }

    /** Saves, reloads in graft and in the reference, and compares all three on the parity inputs. */
    private static void check(Tokenizer trained, Path dir, int count) throws Exception {
        Path file = trained.save(dir);
        assertThat(file).isEqualTo(dir.resolve("tokenizer.json"));
        assertThat(Files.list(dir)).containsExactly(file); // no temporary file left behind
        Tokenizer reloaded = Tokenizer.load(dir);
        List<String> inputs = TestTexts.parityInputs(count, 31);
        Parity parity = new Parity();
        try (HuggingFaceOracle oracle = HuggingFaceOracle.load(file)) {
            for (int i = 0; i < inputs.size(); i++) {
                String text = inputs.get(i);
                boolean special = i % 2 == 1;
                Encoding e = reloaded.encode(text, special);
                assertThat(trained.encode(text, special)).isEqualTo(e);
                parity.compare("encode(special=" + special + ")", text, e, oracle.encode(text, special));
                if (i % 6 == 0 && i + 1 < inputs.size()) {
                    String second = inputs.get(i + 1);
                    parity.compare("encodePair", text, second, reloaded.encodePair(text, second, true),
                            oracle.encodePair(text, second, true));
                }
                if (i % 4 == 0) {
                    parity.compareText("decode", text, reloaded.decode(e.ids(), true), oracle.decode(e.ids(), true));
                }
            }
        }
        parity.assertNoMismatch();
    }
}
