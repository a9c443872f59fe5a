package dev.graft.experiment;

import dev.graft.data.ClassificationExample;
import dev.graft.data.LabelSet;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.task.CorpusEncoder;
import dev.graft.task.EncodedCorpus;
import dev.graft.task.LanguageModelingTask;
import dev.graft.task.PretrainingData;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.tokenizer.TokenizerTrainer;
import dev.graft.train.Schedule;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Labels as text: the scores are the log-likelihoods a position-by-position reference computes; a
 * tiny causal LM pretrained on template documents classifies held-out prompts; long texts are cut
 * on the left and keep their label; bad inputs are clear errors.
 */
class LabelsAsTextTest {
    private static final Parallel POOL = new Parallel(2);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(POOL), POOL);
    private static final LabelsAsText.Template TEMPLATE = LabelsAsText.Template.defaults();

    private static final String[] POSITIVE = {"good", "great", "superb", "lovely", "fine"};
    private static final String[] NEGATIVE = {"bad", "awful", "dull", "poor", "weak"};
    private static final String[] FILLER = {"the", "movie", "was", "plot", "acting", "really", "quite", "and", "a",
        "film", "story", "very", "of", "it", "cast", "scene", "music", "ending"};

    private static Tokenizer tokenizer;

    @BeforeAll
    static void trainTokenizer() {
        List<String> texts = new ArrayList<>(LabelsAsText.documents(examples(300, 1, "positive", "negative", 3, 10),
                TEMPLATE));
        texts.add("so so 0 1");
        tokenizer = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 299).withThreads(1),
                texts).tokenizer();
    }

    @AfterAll
    static void close() {
        POOL.close();
    }

    /**
     * Texts of {@code minWords} to {@code maxWords} words: filler and one keyword of the label's side; labels
     * alternate.
     */
    static List<ClassificationExample> examples(int n, long seed, String positive, String negative, int minWords,
                                                int maxWords) {
        SplittableRandom r = new SplittableRandom(seed);
        List<ClassificationExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean pos = i % 2 == 0;
            int len = minWords + r.nextInt(maxWords - minWords + 1);
            int at = r.nextInt(len);
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < len; w++) {
                sb.append(w == 0 ? "" : " ");
                sb.append(w == at ? (pos ? POSITIVE : NEGATIVE)[r.nextInt(POSITIVE.length)]
                        : FILLER[r.nextInt(FILLER.length)]);
            }
            out.add(new ClassificationExample("s" + seed + "-" + i, sb.toString(), pos ? positive : negative));
        }
        return out;
    }

    /** A random causal LM with odd sizes and large weights (so that positions and tokens matter). */
    private static LanguageModel randomCausalModel(int positions, float dropout) {
        int vocab = tokenizer.vocabularySize() | 1;
        ModelConfig c = new ModelConfig(ModelConfig.Architecture.DECODER, vocab, 32, 2, 4, 37, positions, 0, 1e-5f,
                dropout, dropout, GeluForm.TANH, 0.4f, -1);
        return new LanguageModel(COMPUTE, c, 11);
    }

    /** log p(label tokens | end-of-text, prompt) from allLogits of the one sequence, in double. */
    private static double reference(LanguageModel model, String text, String label) {
        int eot = tokenizer.specialTokens().endOfText().getAsInt();
        int[] doc = tokenizer.encode(TEMPLATE.document(text, label)).ids();
        int boundary = 1 + tokenizer.encode(TEMPLATE.prompt(text)).length();
        int[] ids = new int[doc.length + 1];
        ids[0] = eot;
        System.arraycopy(doc, 0, ids, 1, doc.length);
        float[] logits = model.allLogits(new TokenBatch(1, ids.length, ids, null, null, null));
        int v = model.config().vocabSize();
        double sum = 0;
        for (int t = boundary; t < ids.length; t++) {
            int o = (t - 1) * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int x = 0; x < v; x++) {
                max = Math.max(max, logits[o + x]);
            }
            double z = 0;
            for (int x = 0; x < v; x++) {
                z += Math.exp(logits[o + x] - max);
            }
            sum += logits[o + ids[t]] - max - Math.log(z);
        }
        return sum;
    }

    @Test
    void logLikelihoodsEqualAPositionByPositionReference() {
        LanguageModel model = randomCausalModel(61, 0.1f); // dropout on: the scorer must switch it off
        LabelSet labels = LabelSet.ordered(List.of("positive", "0", "so so", "negative", "1"));
        LabelsAsText scorer = LabelsAsText.scorer(model, tokenizer, labels, TEMPLATE, 61);
        List<String> texts = new ArrayList<>();
        for (ClassificationExample e : examples(70, 5, "a", "b", 3, 10)) {
            texts.add(e.text());
        }
        texts.set(3, "the plot\n was   great \t and\r\nthe cast 0");
        texts.set(4, "");
        double[][] scores = scorer.logLikelihoods(texts);

        model.setTraining(false);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        assertThat(scores).hasNumberOfRows(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String cleaned = LabelsAsText.clean(texts.get(i));
            assertThat(scores[i]).hasSize(labels.size());
            for (int k = 0; k < labels.size(); k++) {
                double expected = reference(model, cleaned, labels.label(k));
                assertThat(scores[i][k]).as("text %d label %s", i, labels.label(k)).isCloseTo(expected, within(1e-5));
                min = Math.min(min, expected);
                max = Math.max(max, expected);
            }
        }
        assertThat(max - min).as("the scores differ, so the comparison means something").isGreaterThan(1.0);
        // multi-token labels are scored over all their tokens
        LabelsAsText.Scores s = scorer.score(texts.subList(0, 2));
        assertThat(s.labelTokens()[0][2]).isGreaterThan(1);
        assertThat(s.truncated()).isZero();
        assertThat(s.mergedBoundaries()).isZero();
        assertThat(scorer.predict(texts.subList(0, 2))).containsExactly(argmax(scores[0]), argmax(scores[1]));
    }

    private static int argmax(double[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void documentsAreOneTemplateLineEach() {
        List<ClassificationExample> ex = List.of(
                new ClassificationExample("a", " the plot\nwas\r\n great ", "positive"),
                new ClassificationExample("b", "dull", "0"));
        assertThat(LabelsAsText.documents(ex, TEMPLATE))
                .containsExactly("review: the plot was great sentiment: positive", "review: dull sentiment: 0");
        assertThat(TEMPLATE.prompt("x\ny")).isEqualTo("review: x y sentiment:");
        LabelsAsText.Template t = new LabelsAsText.Template("", " =>");
        assertThat(t.document("a b", "c d")).isEqualTo("a b => c d");
    }

    @Test
    void sumMeanAndCalibratedScoringDiffer() {
        // content-free scores: the model says label 0 after anything (-1 against -6)
        LabelsAsText.Scores s = new LabelsAsText.Scores(new double[][] {{-3, -4}, {-1, -5}},
                new int[][] {{1, 4}, {1, 2}}, 0, 0, new double[] {-1, -6});
        assertThat(s.predicted(LabelsAsText.Scoring.SUM)).containsExactly(0, 0);
        assertThat(s.predicted(LabelsAsText.Scoring.MEAN)).containsExactly(1, 0);
        // text 0: -3+1 = -2 against -4+6 = +2; text 1: -1+1 = 0 against -5+6 = +1
        assertThat(s.predicted(LabelsAsText.Scoring.CALIBRATED)).containsExactly(1, 1);
    }

    @Test
    void theContentFreeScoresAreTheScoresOfTheEmptyText() {
        LanguageModel model = randomCausalModel(61, 0f);
        LabelsAsText scorer = LabelsAsText.scorer(model, tokenizer, LabelSet.of(List.of("positive", "negative")),
                TEMPLATE, 40);
        LabelsAsText.Scores s = scorer.score(List.of("a fine film", ""));
        assertThat(s.contentFree()).containsExactly(s.logLikelihoods()[1]);
        assertThat(s.contentFree()).isNotEqualTo(s.logLikelihoods()[0]);
    }

    @Test
    void aTinyCausalLmPretrainedOnTemplateDocumentsClassifiesHeldOutPrompts(@TempDir Path dir) throws IOException {
        // short texts and windows: few other documents share a window, so the model soon learns to
        // read the keyword of its own document (measured: 0.96 to 0.99 over model seeds 5 to 7)
        List<ClassificationExample> train = examples(600, 21, "positive", "negative", 2, 5);
        List<ClassificationExample> test = examples(200, 22, "positive", "negative", 2, 5);
        List<String> docs = LabelsAsText.documents(train, TEMPLATE);
        EncodedCorpus corpus = CorpusEncoder.encode(tokenizer, docs.iterator(), 2, null);
        int vocab = tokenizer.vocabularySize();
        int seqLen = 32;
        PretrainingData data = PretrainingData.build(corpus, PretrainingData.Objective.CLM, seqLen, vocab,
                new PretrainingData.SpecialIds(-1, -1, -1, -1, tokenizer.specialTokens().endOfText().getAsInt(), 0),
                0.05, 8, 3);
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.DECODER, vocab, 64, 2, 4, 127, seqLen, 0, 1e-5f,
                0f, 0f, GeluForm.TANH, 0.02f, -1);
        LanguageModel model = new LanguageModel(COMPUTE, config, 5);
        LabelSet labels = LabelSet.of(List.of("positive", "negative"));
        LabelsAsText scorer = LabelsAsText.scorer(model, tokenizer, labels, TEMPLATE, seqLen);

        double before = scorer.evaluate(test).accuracy();

        LanguageModelingTask task = new LanguageModelingTask(model, data.validationBatches(8, null), null);
        TrainingOptions options = new TrainingOptions(300, 0, null, 1e-2f, Schedule.linear(0.1), 0.01f, 0.9f,
                0.98f, 1e-6f, 1.0, 1, 50, 0, 0, 1, false);
        new Trainer<>(COMPUTE, task, data.trainingStream(24, null, 3), options, dir,
                new PrintStream(PrintStream.nullOutputStream())).run(false);

        ClassificationMetrics after = scorer.evaluate(test);
        ClassificationMetrics mean = scorer.evaluate(test, LabelsAsText.Scoring.MEAN).get(LabelsAsText.Scoring.MEAN);
        assertThat(before).as("untrained accuracy").isBetween(0.3, 0.7);
        assertThat(after.accuracy()).as("accuracy after pretraining on template documents (mean scoring %.3f)",
                mean.accuracy()).isGreaterThan(0.9);
        assertThat(after.total()).isEqualTo(test.size());
    }

    @Test
    void longTextsAreCutOnTheLeftAndKeepTheLabel() {
        LanguageModel model = randomCausalModel(61, 0f);
        LabelSet labels = LabelSet.ordered(List.of("positive", "so so"));
        int maxLength = 40;
        LabelsAsText scorer = LabelsAsText.scorer(model, tokenizer, labels, TEMPLATE, maxLength);
        StringBuilder sb = new StringBuilder("first");
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < 60; i++) {
            sb.append(' ').append(FILLER[r.nextInt(FILLER.length)]);
        }
        sb.append(" great last");
        String longText = sb.toString();

        LabelsAsText.Encoded e = scorer.encode(longText);
        assertThat(e.truncated()).isTrue();
        assertThat(longText).endsWith(" " + e.keptText());
        assertThat(e.keptText()).endsWith("great last").doesNotContain("first");
        for (int k = 0; k < labels.size(); k++) {
            int[] q = e.sequences()[k];
            assertThat(q.length).isLessThanOrEqualTo(maxLength);
            int[] labelTokens = Arrays.copyOfRange(q, e.scoredFrom(), q.length);
            assertThat(tokenizer.decode(labelTokens)).isEqualTo(" " + labels.label(k));
            assertThat(tokenizer.decode(Arrays.copyOfRange(q, 1, q.length)))
                    .isEqualTo(TEMPLATE.document(e.keptText(), labels.label(k)));
        }
        int longest = Math.max(e.sequences()[0].length, e.sequences()[1].length);
        assertThat(longest).as("cut no more than needed").isGreaterThan(maxLength - 4);

        LabelsAsText.Scores s = scorer.score(List.of(longText, "short and good"));
        assertThat(s.truncated()).isEqualTo(1);
        assertThat(scorer.truncatedTexts()).isEqualTo(1);
        double[][] kept = scorer.logLikelihoods(List.of(e.keptText()));
        assertThat(s.logLikelihoods()[0]).containsExactly(kept[0], within(1e-5));
        assertThat(scorer.truncatedTexts()).isEqualTo(1);
    }

    @Test
    void badInputsAreClearErrors() {
        LanguageModel causal = randomCausalModel(61, 0f);
        LabelSet labels = LabelSet.of(List.of("positive", "negative"));
        ModelConfig enc = new ModelConfig(ModelConfig.Architecture.ENCODER, tokenizer.vocabularySize(), 32, 1, 4, 37,
                61, 2, 1e-12f, 0f, 0f, GeluForm.ERF, 0.02f, 0);
        assertThatThrownBy(() -> LabelsAsText.scorer(new LanguageModel(COMPUTE, enc, 1), tokenizer, labels, TEMPLATE,
                61)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("encoder");
        assertThatThrownBy(() -> LabelsAsText.scorer(causal, tokenizer, labels, TEMPLATE, 62))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max length 62");
        assertThatThrownBy(() -> LabelsAsText.scorer(causal, tokenizer, labels, TEMPLATE, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raise the max length");
        assertThatThrownBy(() -> LabelsAsText.scorer(causal, tokenizer, LabelSet.of(List.of("positive")), TEMPLATE, 61))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 labels");
        assertThatThrownBy(() -> LabelsAsText.scorer(causal, tokenizer, LabelSet.of(List.of("a", " b")), TEMPLATE, 61))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' b'");
        ModelConfig small = causal.config().withVocabSize(tokenizer.vocabularySize() - 1);
        assertThatThrownBy(() -> LabelsAsText.scorer(new LanguageModel(COMPUTE, small, 1), tokenizer, labels, TEMPLATE,
                61)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not belong");

        Tokenizer noEndOfText = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 270)
                .withThreads(1).withSpecialTokens(List.of("<pad>")), List.of("good bad good")).tokenizer();
        assertThatThrownBy(() -> LabelsAsText.scorer(causal, noEndOfText, labels, TEMPLATE, 61))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("end-of-text");
        Tokenizer lowercase = TokenizerTrainer.train(TokenizerTrainer.Settings.of(TokenizerTrainer.Type.BPE, 270)
                .withThreads(1).withLowercase(true), List.of("good bad good")).tokenizer();
        assertThatThrownBy(() -> LabelsAsText.scorer(causal, lowercase, LabelSet.of(List.of("Good", "good")), TEMPLATE,
                61)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same tokens");

        assertThatThrownBy(() -> new LabelsAsText.Template("review: ", " sentiment: "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ends with whitespace");
        assertThatThrownBy(() -> new LabelsAsText.Template("review:\n", " sentiment:"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line breaks");
        assertThatThrownBy(() -> LabelsAsText.documents(List.of(new ClassificationExample("x7", "t", "a\nb")),
                TEMPLATE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x7");

        LabelsAsText scorer = LabelsAsText.scorer(causal, tokenizer, labels, TEMPLATE, 61);
        assertThatThrownBy(() -> scorer.evaluate(List.of(new ClassificationExample("t3", "good", "neutral"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("t3")
                .hasMessageContaining("neutral");
    }
}
