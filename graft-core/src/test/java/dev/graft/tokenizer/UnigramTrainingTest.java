package dev.graft.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Unigram training (SentencePiece's EM and pruning): exact vocabulary size, determinism, every
 * character kept, sensible segmentation of held-out text, and the saved tokenizer.json encoding in
 * the Hugging Face library exactly as graft does.
 */
class UnigramTrainingTest {

    private static List<String> corpus() throws Exception {
        List<String> sample = TestTexts.kjvSample();
        List<String> corpus = new ArrayList<>();
        for (String line : sample.subList(0, 300)) { // the last 89 verses are held out
            corpus.add(line + "\n");
        }
        for (String line : TestTexts.generated(sample, 300, 11)) {
            corpus.add(line.replace("\n", " ") + "\n");
        }
        return corpus;
    }

    @Test
    void trainedTokenizerHasTheSizeAndEncodesAsTheReference(@TempDir Path dir) throws Exception {
        List<String> corpus = corpus();
        TokenizerTrainer.Settings settings = TokenizerTrainer.Settings.of(TokenizerTrainer.Type.UNIGRAM, 997)
                .withNormalization(TokenizerTrainer.UnicodeNormalization.NFKC).withThreads(2);
        TokenizerTrainer.Result r = TokenizerTrainer.train(settings, corpus);
        Tokenizer t = r.tokenizer();
        assertThat(t.modelType()).isEqualTo("Unigram");
        assertThat(t.vocabularySize()).isEqualTo(997);
        assertThat(t.specialTokens().unknown()).hasValue(3);
        assertThat(t.specialTokens().padding()).hasValue(1);
        assertThat(r.coverage()).isEqualTo(1.0); // every character of the corpus is kept

        // deterministic: the same file from a second run, on one thread
        Path first = t.save(dir.resolve("a"));
        Path second = TokenizerTrainer.train(settings.withThreads(1), corpus).tokenizer().save(dir.resolve("b"));
        assertThat(Files.readString(second)).isEqualTo(Files.readString(first));

        // every character of the (normalized) corpus is a piece of its own
        Set<String> missing = new HashSet<>();
        for (String line : corpus) {
            java.text.Normalizer.normalize(line.strip(), java.text.Normalizer.Form.NFKC).replace(' ', '▁')
                    .codePoints().forEach(cp -> {
                        String c = new String(Character.toChars(cp));
                        if (t.tokenToId(c).isEmpty()) {
                            missing.add(c);
                        }
                    });
        }
        assertThat(missing).isEmpty();

        // held-out text: frequent words are single pieces, few tokens per word, and decoding gives the text back
        assertThat(t.encode("the LORD said unto them").tokens())
                .containsExactly("▁the", "▁LORD", "▁said", "▁unto", "▁them");
        // held-out verses: about as few tokens as byte-level BPE of the same size trained on the same text
        // (measured: Unigram 2.06 tokens per word, BPE 2.02; a character split would be about 5.5)
        Tokenizer bpe = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 997)
                .withNormalization(TokenizerTrainer.UnicodeNormalization.NFKC).withThreads(2), corpus).tokenizer();
        double unigramPerWord = tokensPerWord(t, TestTexts.kjvSample().subList(300, 389));
        double bpePerWord = tokensPerWord(bpe, TestTexts.kjvSample().subList(300, 389));
        assertThat(unigramPerWord).isLessThan(1.1 * bpePerWord).isLessThan(2.5);
        List<String> heldOut = TestTexts.generated(TestTexts.kjvSample(), 400, 99).subList(5, 400);
        String plain = "And the king of Egypt spake unto the midwives";
        assertThat(t.decode(t.encode(plain).ids())).isEqualTo(plain);

        // the saved file in the reference: same ids, tokens, offsets on held-out multilingual text
        Tokenizer loaded = Tokenizer.load(first);
        // the scores survive writing and reading exactly (graft reads them as the reference does)
        assertThat(((UnigramModel) ((PipelineTokenizer) loaded).model).pieces())
                .isEqualTo(((UnigramModel) ((PipelineTokenizer) t).model).pieces());
        Parity parity = new Parity();
        try (HuggingFaceOracle oracle = HuggingFaceOracle.load(first)) {
            for (int i = 0; i < heldOut.size(); i++) {
                String text = heldOut.get(i);
                boolean special = i % 2 == 0;
                HuggingFaceOracle.Result ref = oracle.encode(text, special);
                parity.compare("trained", text, t.encode(text, special), ref);
                parity.compare("trained, loaded", text, loaded.encode(text, special), ref);
                if (i % 3 == 0) {
                    int[] ids = t.encode(text).ids();
                    parity.compareText("decode", text, t.decode(ids, true), oracle.decode(ids, true));
                }
            }
        }
        parity.assertNoMismatch();
        assertThat(parity.compared()).isGreaterThan(900);
    }

    private static double tokensPerWord(Tokenizer t, List<String> texts) {
        long tokens = 0;
        long words = 0;
        for (String text : texts) {
            tokens += t.encode(text).length();
            words += text.split(" ").length;
        }
        return (double) tokens / words;
    }

    @Test
    void learnsTheObviousPiecesOfATinyCorpus() {
        List<String> corpus = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            corpus.add("lower lowest newer newest wider widest\n");
        }
        // alphabet: ▁ l o w e r s t n i d = 11 characters, 5 special tokens, 13 more pieces
        TokenizerTrainer.Result r = TokenizerTrainer.train(
                TokenizerTrainer.Settings.of(TokenizerTrainer.Type.UNIGRAM, 29).withThreads(1), corpus);
        Tokenizer t = r.tokenizer();
        assertThat(t.vocabularySize()).isEqualTo(29);
        assertThat(r.alphabetSize()).isEqualTo(11);
        // every word is frequent enough to be a piece of its own
        assertThat(t.encode("lower newest widest").tokens()).containsExactly("▁lower", "▁newest", "▁widest");
        // an unseen word is built from the learned pieces, never unknown
        List<String> unseen = List.of(t.encode("newer lowest wider").tokens());
        assertThat(unseen).doesNotContain("<unk>");
        assertThat(String.join("", unseen)).isEqualTo("▁newer▁lowest▁wider");
    }

    @Test
    void tooSmallAVocabularyNamesTheMinimum() {
        List<String> corpus = List.of("abcdefghij klmnop\n");
        assertThatThrownBy(() -> TokenizerTrainer.train(
                TokenizerTrainer.Settings.of(TokenizerTrainer.Type.UNIGRAM, 12).withThreads(1), corpus))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 17");
        assertThatThrownBy(() -> TokenizerTrainer.Settings.of(TokenizerTrainer.Type.UNIGRAM, 50)
                .withSpecialTokens(List.of("<s>", "</s>"))).hasMessageContaining("<unk>");
    }

    @Test
    void digammaMatchesKnownValues() {
        // digamma(1) = -Euler-Mascheroni, digamma(0.5) = -gamma - 2 ln 2
        assertThat(UnigramTraining.digamma(1)).isCloseTo(-0.5772156649015329, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(UnigramTraining.digamma(0.5)).isCloseTo(-0.5772156649015329 - 2 * Math.log(2),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(UnigramTraining.digamma(100)).isCloseTo(4.600161852738087, org.assertj.core.data.Offset.offset(1e-9));
    }
}
