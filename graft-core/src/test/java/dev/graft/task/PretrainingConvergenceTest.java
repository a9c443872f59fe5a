package dev.graft.task;

import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.SpecialTokens;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import dev.graft.train.Schedule;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pretraining learns: a tiny model's validation loss falls well below the unigram entropy of the
 * corpus (the loss of the best predictor that ignores context) within a few hundred steps.
 *
 * <p>The corpus is generated: every sentence draws its words from one of 8 topics of 16 made-up
 * words, so context (any other word of the sentence) tells the topic, and a model that uses it can
 * approach log 16 nats while the unigram entropy is near log 128. Context that any attention
 * pattern carries, even a uniform one, is used on purpose: a masked LM on natural text first sits
 * on a long plateau at the unigram loss until its attention learns positions (measured here and in
 * PyTorch with the same model), which would take thousands of steps.
 */
class PretrainingConvergenceTest {
    private static final Parallel POOL = new Parallel(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    /**
     * Documents of 4 lines (sentences) of 5 to 12 words, all from one of 8 topics of 16 pseudo-words
     * each; the lines of a document are joined by newlines.
     */
    static List<String> topicalDocuments(int count, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        String[] syllables = {"ka", "lo", "mi", "ne", "su", "ta", "vo", "ri", "ze", "pa", "du", "fe", "go", "hi"};
        String[][] topics = new String[8][16];
        java.util.Set<String> used = new java.util.HashSet<>();
        for (String[] topic : topics) {
            for (int w = 0; w < topic.length; w++) {
                String word;
                do {
                    word = syllables[r.nextInt(syllables.length)] + syllables[r.nextInt(syllables.length)]
                            + syllables[r.nextInt(syllables.length)];
                } while (!used.add(word));
                topic[w] = word;
            }
        }
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            String[] topic = topics[r.nextInt(topics.length)];
            StringBuilder sb = new StringBuilder();
            for (int line = 0; line < 4; line++) {
                int n = 5 + r.nextInt(8);
                for (int w = 0; w < n; w++) {
                    sb.append(w == 0 ? "" : " ").append(topic[r.nextInt(topic.length)]);
                }
                sb.append(line < 3 ? " .\n" : " .");
            }
            out.add(sb.toString());
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(PretrainingData.Objective.class)
    void validationLossFallsWellBelowUnigramEntropy(PretrainingData.Objective objective, @TempDir Path dir)
            throws IOException {
        List<String> documents = topicalDocuments(800, 17);
        boolean mlm = objective == PretrainingData.Objective.MLM;
        TokenizerTrainer.Settings settings = TokenizerTrainer.Settings.of(
                mlm ? TokenizerTrainer.Type.WORDPIECE : TokenizerTrainer.Type.BPE, 400).withThreads(2)
                .withLowercase(mlm);
        Tokenizer tokenizer = TokenizerTrainer.train(settings, documents).tokenizer();
        EncodedCorpus corpus = CorpusEncoder.encode(tokenizer, documents.iterator(), 2, null);
        int vocab = tokenizer.vocabularySize();
        SpecialTokens sp = tokenizer.specialTokens();
        PretrainingData.SpecialIds ids = mlm
                ? new PretrainingData.SpecialIds(sp.padding().getAsInt(), sp.classifier().getAsInt(),
                sp.separator().getAsInt(), sp.mask().getAsInt(), -1, 5)
                : new PretrainingData.SpecialIds(-1, -1, -1, -1, sp.endOfText().getAsInt(), 0);
        int seqLen = 48;
        PretrainingData data = PretrainingData.build(corpus, objective, seqLen, vocab, ids, 0.1, 24, 3);

        // the unigram entropy of the training text, in nats: the loss of a context-free predictor
        long[] counts = corpus.unigramCounts(vocab);
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        double entropy = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = (double) c / total;
                entropy -= p * Math.log(p);
            }
        }

        ModelConfig config = new ModelConfig(mlm ? ModelConfig.Architecture.ENCODER : ModelConfig.Architecture.DECODER,
                vocab, 64, 2, 4, 128, seqLen, mlm ? 2 : 0, mlm ? 1e-12f : 1e-5f, 0f, 0f,
                mlm ? GeluForm.ERF : GeluForm.TANH, 0.02f, mlm ? ids.pad() : -1);
        Compute compute = new Compute(KernelProvider.create(POOL), POOL);
        LanguageModel model = new LanguageModel(compute, config, 2);
        MaskedLanguageModeling masker = mlm ? new MaskedLanguageModeling(0.15, ids.mask(), 5, vocab, false, 3) : null;
        List<TokenBatch> validation = data.validationBatches(8, masker);
        LanguageModelingTask task = new LanguageModelingTask(model, validation, null);
        TrainingOptions options = new TrainingOptions(300, 0, null, 3e-3f, Schedule.linear(0.1),
                0.01f, 0.9f, 0.98f, 1e-6f, 1.0, 1, 50, 0, 0, 1, false);
        Trainer.Summary s = new Trainer<>(compute, task, data.trainingStream(16, masker, 3), options, dir,
                new PrintStream(PrintStream.nullOutputStream())).run(false);
        double loss = s.validation().get("val_loss");
        assertThat(loss).as("%s validation loss vs unigram entropy %.3f nats", objective, entropy)
                .isLessThan(0.8 * entropy);
    }
}
