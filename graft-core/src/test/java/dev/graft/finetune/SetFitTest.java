package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.baseline.BagOfWords;
import dev.graft.baseline.EmbeddingClassifier;
import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.ClassificationReader;
import dev.graft.data.LabelSet;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * SetFit: its pairs counted by hand on a 3-class toy set, and runs end to end on a tiny odd-sized encoder
 * (vocabulary 99, hidden 32, FFN 37), once without sentence-transformers settings (mean pooling, not
 * normalized) and once with settings that say cls pooling and Normalize: the embeddings the head is fit on
 * are those the settings say, and the saved folder loads as an ordinary classifier whose predictions are the
 * in-memory pipeline's (tuned encoder, pooling, normalization, logistic regression).
 */
class SetFitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @TempDir
    static Path shared;
    static Path encoder;
    /** The same encoder with sentence-transformers settings: cls pooling, normalized. */
    static Path clsEncoder;
    static Path train;
    static Path test;

    @AfterAll
    static void close() {
        ONE.close();
    }

    /** Three classes, each decided by one key word among filler. */
    static String threeClass(int n, long seed) {
        Random r = new Random(seed);
        String[][] keys = {Fixtures.POSITIVE, Fixtures.NEGATIVE, Fixtures.NAMES};
        String[] names = {"positive", "negative", "person"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int k = i % 3;
            int len = 3 + r.nextInt(5);
            int at = r.nextInt(len);
            StringBuilder t = new StringBuilder();
            for (int w = 0; w < len; w++) {
                t.append(w > 0 ? " " : "").append(w == at ? keys[k][r.nextInt(keys[k].length)]
                        : Fixtures.FILLER[r.nextInt(Fixtures.FILLER.length)]);
            }
            sb.append("{\"text\": \"").append(t).append("\", \"label\": \"").append(names[k]).append("\"}\n");
        }
        return sb.toString();
    }

    @BeforeAll
    static void setUp() throws IOException {
        Tokenizer tok = Fixtures.wordPiece();
        assertThat(tok.vocabularySize()).isLessThanOrEqualTo(99);
        ModelConfig c = new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 32, 2, 2, 37, 32, 2, 1e-12f, 0.1f, 0.1f,
                GeluForm.ERF, 0.05f, tok.specialTokens().padding().orElseThrow());
        LanguageModel lm = new LanguageModel(COMPUTE, c, 3);
        encoder = shared.resolve("encoder");
        Checkpoint.save(encoder, c, "BertForMaskedLM", lm.parameterSet(), Map.of(),
                staged -> tok.save(staged.resolve(Checkpoint.TOKENIZER)));
        clsEncoder = shared.resolve("cls-encoder");
        Checkpoint.save(clsEncoder, c, "BertForMaskedLM", lm.parameterSet(), Map.of(),
                staged -> tok.save(staged.resolve(Checkpoint.TOKENIZER)));
        new SentenceTransformersConfig(Pooling.CLS, true, null, Map.of(), null).write(clsEncoder, 32);
        train = Files.writeString(shared.resolve("train.jsonl"), threeClass(30, 1));
        test = Files.writeString(shared.resolve("test.jsonl"), threeClass(30, 2));
    }

    @Test
    void pairsAreBalancedSeededAndCountedByHand() {
        int[] labels = {0, 0, 0, 1, 1, 2}; // class 2 has one example: its positive is itself
        List<SetFit.Pair> pairs = SetFit.pairs(labels, 4, 7);
        assertThat(pairs).hasSize(2 * 4 * 6);
        assertThat(pairs.stream().filter(p -> p.target() == 1f)).hasSize(24);
        assertThat(pairs.stream().filter(p -> p.target() == 0f)).hasSize(24);
        int[] anchored = new int[6];
        for (SetFit.Pair p : pairs) {
            anchored[p.first()]++;
            if (p.target() == 1f) {
                assertThat(labels[p.second()]).isEqualTo(labels[p.first()]);
                assertThat(p.second() != p.first() || p.first() == 5).as("a positive is another example of the label, "
                        + "unless the label has one").isTrue();
            } else {
                assertThat(labels[p.second()]).isNotEqualTo(labels[p.first()]);
            }
        }
        assertThat(anchored).containsOnly(8); // each example: 4 positives and 4 negatives
        // the order: per iteration, per example, its positive then its negative
        assertThat(pairs.get(0).first()).isZero();
        assertThat(pairs.get(0).target()).isEqualTo(1f);
        assertThat(pairs.get(1).first()).isZero();
        assertThat(pairs.get(1).target()).isEqualTo(0f);
        assertThat(pairs.get(12).first()).as("the second iteration starts over").isZero();
        assertThat(pairs.get(11)).isEqualTo(new SetFit.Pair(5, pairs.get(11).second(), 0f));
        assertThat(pairs.get(10)).isEqualTo(new SetFit.Pair(5, 5, 1f));
        // seeded
        assertThat(SetFit.pairs(labels, 4, 7)).isEqualTo(pairs);
        assertThat(SetFit.pairs(labels, 4, 8)).isNotEqualTo(pairs);
        // uniform: example 0's positives split between 1 and 2; example 5's negatives over the five others
        List<SetFit.Pair> many = SetFit.pairs(labels, 6000, 1);
        Map<Integer, Integer> positivesOf0 = new HashMap<>();
        Map<Integer, Integer> negativesOf5 = new HashMap<>();
        for (SetFit.Pair p : many) {
            if (p.first() == 0 && p.target() == 1f) {
                positivesOf0.merge(p.second(), 1, Integer::sum);
            }
            if (p.first() == 5 && p.target() == 0f) {
                negativesOf5.merge(p.second(), 1, Integer::sum);
            }
        }
        assertThat(positivesOf0.keySet()).containsExactlyInAnyOrder(1, 2);
        assertThat(positivesOf0.get(1)).isBetween(2700, 3300);
        assertThat(negativesOf5.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        negativesOf5.values().forEach(n -> assertThat(n).isBetween(1000, 1400));
        assertThatThrownBy(() -> SetFit.pairs(new int[] {1, 1, 1}, 2, 1)).hasMessageContaining("at least two labels");
    }

    private static FineTuneSpec.Builder spec(Path out) {
        return FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out).from(encoder)
                .test(test.toString()).run(ro -> ro.withEpochs(2)).learningRate(1e-3f).run(ro -> ro.withThreads(1)).run(ro -> ro.withSeed(3))
                .recipe(FineTuneSpec.Recipe.SETFIT);
    }

    /** Mean squared cosine error of the encoder on the pairs, dropout off. */
    private static double pairLoss(Backbone backbone, ClassificationData data, List<SetFit.Pair> pairs,
                                   SetFit.EmbeddingSettings embedding) {
        SetFit.PairTraining t = new SetFit.PairTraining(backbone, data, embedding);
        t.setTraining(false);
        return t.lossAndGradient(pairs, false, 1);
    }

    @Test
    void theEmbeddingFollowsTheEncodersSentenceTransformersSettingsAndAnExplicitPooling() throws IOException {
        Path out = shared.resolve("unused");
        SetFit.EmbeddingSettings plain = SetFit.embedding(spec(out).build());
        assertThat(plain.pooling()).as("no modules.json: the mean, as before").isEqualTo(Pooling.MEAN);
        assertThat(plain.normalize()).isFalse();
        assertThat(plain.source()).contains("has no modules.json");
        SetFit.EmbeddingSettings cls = SetFit.embedding(spec(out).from(clsEncoder).build());
        assertThat(cls.pooling()).isEqualTo(Pooling.CLS);
        assertThat(cls.normalize()).isTrue();
        assertThat(cls.source()).contains("sentence-transformers settings");
        SetFit.EmbeddingSettings overridden = SetFit.embedding(spec(out).from(clsEncoder).pooling(Pooling.MEAN)
                .build());
        assertThat(overridden.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(overridden.normalize()).as("the normalization stays the settings'").isTrue();
        assertThat(overridden.source()).contains("pooling mean as asked, instead of cls");
        SetFit.EmbeddingSettings clsPlain = SetFit.embedding(spec(out).pooling(Pooling.CLS).build());
        assertThat(clsPlain.pooling()).isEqualTo(Pooling.CLS);
        assertThat(clsPlain.normalize()).isFalse();
        assertThat(out).doesNotExist();
        // the tuned encoder's settings: its pooling and normalization, the encoder's prompts and length, but no
        // default prompt (the pairs were embedded without one)
        SentenceTransformersConfig e5 = new SentenceTransformersConfig(Pooling.MEAN, true, 512,
                Map.of("query", "query: ", "passage", "passage: "), "query");
        SentenceTransformersConfig tuned = new SetFit.EmbeddingSettings(Pooling.CLS, true, "test", e5).tunedSettings();
        assertThat(tuned).isEqualTo(new SentenceTransformersConfig(Pooling.CLS, true, 512, e5.prompts(), null));
        assertThat(new SetFit.EmbeddingSettings(Pooling.MEAN, false, "test").tunedSettings())
                .isEqualTo(new SentenceTransformersConfig(Pooling.MEAN, false, null, Map.of(), null));
    }

    @Test
    void theNormalizationChangesTheCosineLossAndItsGradientByRoundingOnly() throws IOException {
        StartingPoint start = StartingPoint.fromCheckpoint(encoder, COMPUTE, 3, HeadConfig.Task.CLASSIFY, null);
        Backbone backbone = start.backbone();
        LabelSet labels = LabelSet.ordered(List.of("negative", "person", "positive"));
        List<ClassificationExample> examples = read(train, labels);
        ClassificationData data = (ClassificationData) ClassificationTask.HEAD.encode(start.tokenizer(), examples,
                labels, 32, StartingPoint.padId(start.tokenizer()));
        int[] y = new int[data.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = data.label(i);
        }
        List<SetFit.Pair> pairs = SetFit.pairs(y, 1, 5).subList(0, 13);
        float[][] grads = new float[2][];
        double[] losses = new double[2];
        for (int k = 0; k < 2; k++) {
            SetFit.PairTraining t = new SetFit.PairTraining(backbone, data,
                    new SetFit.EmbeddingSettings(Pooling.CLS, k == 1, "test"));
            t.setTraining(false);
            t.parameters().zeroGrads();
            losses[k] = t.lossAndGradient(pairs, true, 1);
            grads[k] = t.parameters().grads().clone();
        }
        assertThat(losses[0]).isGreaterThan(0.01);
        assertThat(losses[1]).isCloseTo(losses[0], within(1e-6));
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < grads[0].length; i++) {
            scale = Math.max(scale, Math.abs(grads[0][i]));
            worst = Math.max(worst, Math.abs(grads[1][i] - grads[0][i]));
        }
        assertThat(scale).isGreaterThan(1e-5);
        assertThat(worst).isLessThan(1e-4 * scale);
    }

    @Test
    void aRunSavesAClassifierThatPredictsAsTheInMemoryPipeline() throws IOException {
        Path out = shared.resolve("setfit");
        FineTuneResult r = SetFit.run(spec(out).build(), new SetFit.Options(3), QUIET);
        SetFit.EmbeddingSettings expected = new SetFit.EmbeddingSettings(Pooling.MEAN, false, "none");
        checkRun(out, r, expected, 0.6);
        JsonNode config = JSON.readTree(out.resolve(Checkpoint.CONFIG).toFile());
        assertThat(config.has("graft_normalize")).as("a mean, unnormalized head's config.json is as before").isFalse();
        assertThat(config.has("graft_pooler")).isFalse();
        assertThat(config.path("graft_pooling").asText()).isEqualTo("mean");
        SentenceTransformersConfig settings = SentenceTransformersConfig.read(out).orElseThrow();
        assertThat(settings.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(settings.normalize()).isFalse();
    }

    @Test
    void aRunOnAClsPooledNormalizedEncoderPoolsAndNormalizesAsItsSettingsSay() throws IOException {
        Path out = shared.resolve("setfit-cls");
        FineTuneResult r = SetFit.run(spec(out).from(clsEncoder).build(), new SetFit.Options(3), QUIET);
        SetFit.EmbeddingSettings expected = new SetFit.EmbeddingSettings(Pooling.CLS, true, "none");
        // the tiny random encoder's first token learns the key words more slowly than the mean of all tokens
        Backbone tuned = checkRun(out, r, expected, 0.4);
        JsonNode config = JSON.readTree(out.resolve(Checkpoint.CONFIG).toFile());
        assertThat(config.path("graft_pooling").asText()).isEqualTo("cls");
        assertThat(config.path("graft_pooler").asBoolean(true)).as("the first token as it is: no BERT pooler")
                .isFalse();
        assertThat(config.path("graft_normalize").asBoolean(false)).isTrue();
        JsonNode run = JSON.readTree(out.resolve("run.json").toFile());
        assertThat(run.path("pooling").asText()).isEqualTo("cls");
        assertThat(run.path("normalize").asBoolean(false)).isTrue();
        SentenceTransformersConfig settings = SentenceTransformersConfig.read(out).orElseThrow();
        assertThat(settings.pooling()).as("the folder embeds as the encoder was tuned").isEqualTo(Pooling.CLS);
        assertThat(settings.normalize()).isTrue();
        assertThat(SetFit.embedding(spec(shared.resolve("unused")).from(out).build()).pooling())
                .as("a SetFit run from this folder embeds the same way").isEqualTo(Pooling.CLS);

        // the embeddings the head is fit on: each the tuned encoder's first-token state, scaled to length 1
        FineTunedModel loaded = FineTunedModel.load(out, COMPUTE);
        LabelSet labels = LabelSet.ordered(loaded.head().labels());
        ClassificationData trainData = encode(loaded, read(train, labels), labels);
        float[][] embeddings = SetFit.embedAll(tuned, trainData, 64, expected);
        int c = 32;
        int checked = 0;
        for (dev.graft.task.ClassificationBatch b : trainData.batches(5)) {
            float[] hidden = tuned.forward(b.tokens());
            for (int i = 0; i < b.tokens().batch(); i++) {
                int row = i * b.tokens().time() * c; // position 0 of sequence i
                double sq = 0;
                for (int j = 0; j < c; j++) {
                    sq += (double) hidden[row + j] * hidden[row + j];
                }
                double norm = Math.sqrt(sq);
                assertThat(norm).as("a first token's state is not near zero").isGreaterThan(0.5);
                float[] e = embeddings[b.examples()[i]];
                double length = 0;
                for (int j = 0; j < c; j++) {
                    assertThat((double) e[j]).isCloseTo(hidden[row + j] / norm, within(2e-6));
                    length += (double) e[j] * e[j];
                }
                assertThat(length).isCloseTo(1.0, within(1e-5));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(30);
        // not the mean: mean-pooled normalized embeddings are other vectors
        float[][] means = SetFit.embedAll(tuned, trainData, 64,
                new SetFit.EmbeddingSettings(Pooling.MEAN, true, "none"));
        assertThat(Math.abs(means[0][0] - embeddings[0][0]) + Math.abs(means[0][1] - embeddings[0][1]))
                .isGreaterThan(1e-3f);
    }

    /**
     * Checks a finished run: its files, the folder's head ({@code expected}'s pooling and normalization), the
     * head's weights are the regression's on the tuned encoder's embeddings, and the folder predicts as the
     * in-memory pipeline. Returns the tuned encoder.
     */
    private static Backbone checkRun(Path out, FineTuneResult r, SetFit.EmbeddingSettings expected,
                                     double minimumAccuracy) throws IOException {
        assertThat(r.trainSize()).isEqualTo(30);
        assertThat(r.devCarved()).isFalse();
        assertThat(r.testSize()).isEqualTo(30);
        assertThat(r.steps()).as("180 pairs at 16 a batch, 2 epochs").isEqualTo(2 * 12);
        JsonNode run = JSON.readTree(out.resolve("run.json").toFile());
        assertThat(run.path("recipe").asText()).isEqualTo("setfit");
        assertThat(run.path("pairs").asInt()).isEqualTo(2 * 3 * 30);
        assertThat(out.resolve("metrics.jsonl")).exists();
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("checkpoint"));
        }

        FineTunedModel loaded = FineTunedModel.load(out, COMPUTE);
        SequenceClassifier clf = loaded.classifier();
        assertThat(clf).isNotNull();
        assertThat(clf.pooling()).isEqualTo(expected.pooling());
        assertThat(clf.normalizes()).isEqualTo(expected.normalize());
        assertThat(clf.hasPooler()).as("SetFit's head has no BERT pooler").isFalse();
        assertThat(loaded.head().pooling()).isEqualTo(expected.pooling());
        assertThat(loaded.head().normalize()).isEqualTo(expected.normalize());
        assertThat(loaded.head().pooler()).isFalse();
        assertThat(JSON.readTree(out.resolve("run.json").toFile()).path("pooling").asText())
                .isEqualTo(expected.pooling().id());
        assertThat(loaded.head().labels()).containsExactly("negative", "person", "positive");
        LabelSet labels = LabelSet.ordered(loaded.head().labels());
        List<ClassificationExample> trainExamples = read(train, labels);
        List<ClassificationExample> testExamples = read(test, labels);
        ClassificationData trainData = encode(loaded, trainExamples, labels);
        ClassificationData testData = encode(loaded, testExamples, labels);

        // the in-memory pipeline: the tuned encoder's embeddings (pooled, normalized as expected), logistic
        // regression on them
        Backbone tuned = clf.backbone();
        float[][] trainEmbeddings = SetFit.embedAll(tuned, trainData, 64, expected);
        EmbeddingClassifier lr = EmbeddingClassifier.fit(trainExamples, trainEmbeddings, labels,
                BagOfWords.Options.defaults(3));
        assertThat(lr.chosenC()).isEqualTo(r.chosenC());
        assertThat(r.summaryJson().path("chosen_c").doubleValue()).isEqualTo(r.chosenC());
        List<Parameter> head = clf.headParameters();
        assertThat(head.get(0).value().toArray()).containsExactly(lr.weights(3), within(1e-6f));
        assertThat(head.get(1).value().toArray()).containsExactly(lr.biases(3), within(1e-6f));

        float[][] testEmbeddings = SetFit.embedAll(tuned, testData, 64, expected);
        ClassificationTask task = (ClassificationTask) loaded.task();
        ClassificationTask.Predictions p = task.predict(testData, testData.batches(7)); // other batches, same answer
        int correct = 0;
        for (int i = 0; i < testExamples.size(); i++) {
            double[] probabilities = lr.probabilities(testEmbeddings[i]);
            assertThat(p.predicted()[i]).as("example " + i).isEqualTo(lr.predict(testEmbeddings[i]));
            for (int k = 0; k < 3; k++) {
                assertThat((double) p.probabilities()[i][k]).isCloseTo(probabilities[k], within(1e-4));
            }
            correct += p.predicted()[i] == testData.label(i) ? 1 : 0;
        }
        assertThat((double) correct / testExamples.size()).as("the saved model scores as the run reported")
                .isEqualTo(r.testScore());
        assertThat(r.testScore()).as("one key word decides the class: above a third").isGreaterThan(minimumAccuracy);

        // the contrastive stage tuned the encoder: the pairs' cosine loss fell from the checkpoint's
        StartingPoint before = StartingPoint.fromCheckpoint(encoder, COMPUTE, 3, HeadConfig.Task.CLASSIFY, null);
        int[] y = new int[trainData.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = trainData.label(i);
        }
        List<SetFit.Pair> pairs = SetFit.pairs(y, 3, 3);
        assertThat(pairLoss(tuned, trainData, pairs, expected))
                .isLessThan(pairLoss(before.backbone(), trainData, pairs, expected));
        return tuned;
    }

    private static List<ClassificationExample> read(Path file, LabelSet labels) throws IOException {
        return ClassificationReader.read(file, ClassificationReader.Options.defaults().withKnownLabels(labels),
                BadInput.of(false));
    }

    private static ClassificationData encode(FineTunedModel m, List<ClassificationExample> examples, LabelSet labels) {
        return (ClassificationData) ClassificationTask.HEAD.encode(m.tokenizer(), examples, labels,
                m.head().maxLength(), m.padId());
    }

    /**
     * No iterations: the encoder is saved exactly as it was read, and the head is the logistic regression on
     * its embeddings as they are (a linear probe), predicting as that regression does.
     */
    @Test
    void zeroIterationsLeaveTheEncoderAsItIsAndFitTheRegressionOnItsEmbeddings() throws IOException {
        Path out = shared.resolve("probe");
        FineTuneResult r = SetFit.run(spec(out).build(), SetFit.Options.probe(), QUIET);
        assertThat(r.steps()).isZero();
        assertThat(r.stoppedBy()).isEqualTo("probe");
        JsonNode run = JSON.readTree(out.resolve("run.json").toFile());
        assertThat(run.path("setfit_iterations").asInt(-1)).isZero();
        assertThat(run.path("pairs").asInt(-1)).isZero();

        FineTunedModel loaded = FineTunedModel.load(out, COMPUTE);
        SequenceClassifier clf = loaded.classifier();
        Backbone saved = clf.backbone();
        Backbone before = StartingPoint.fromCheckpoint(encoder, COMPUTE, 3, HeadConfig.Task.CLASSIFY, null)
                .backbone();
        before.dropouts().forEach(d -> d.setTraining(false));
        List<Parameter> was = before.parameters();
        List<Parameter> is = saved.parameters();
        assertThat(is).hasSameSizeAs(was);
        for (int i = 0; i < was.size(); i++) {
            assertThat(is.get(i).value().toArray()).as(was.get(i).name() + ", bit for bit")
                    .containsExactly(was.get(i).value().toArray());
        }

        LabelSet labels = LabelSet.ordered(loaded.head().labels());
        List<ClassificationExample> trainExamples = read(train, labels);
        List<ClassificationExample> testExamples = read(test, labels);
        SetFit.EmbeddingSettings how = new SetFit.EmbeddingSettings(Pooling.MEAN, false, "none");
        float[][] trainEmbeddings = SetFit.embedAll(before, encode(loaded, trainExamples, labels), 64, how);
        EmbeddingClassifier lr = EmbeddingClassifier.fit(trainExamples, trainEmbeddings, labels,
                BagOfWords.Options.defaults(3));
        assertThat(r.chosenC()).isEqualTo(lr.chosenC());
        assertThat(clf.headParameters().get(0).value().toArray()).containsExactly(lr.weights(3), within(1e-6f));
        ClassificationData testData = encode(loaded, testExamples, labels);
        float[][] testEmbeddings = SetFit.embedAll(before, testData, 64, how);
        ClassificationTask.Predictions p = ((ClassificationTask) loaded.task()).predict(testData, testData.batches(7));
        int correct = 0;
        for (int i = 0; i < testExamples.size(); i++) {
            assertThat(p.predicted()[i]).as("example " + i).isEqualTo(lr.predict(testEmbeddings[i]));
            correct += p.predicted()[i] == testData.label(i) ? 1 : 0;
        }
        assertThat((double) correct / testExamples.size()).isEqualTo(r.testScore());
    }

    @Test
    void whatSetFitCannotDoIsAClearErrorBeforeAnythingIsWritten() {
        Path out = shared.resolve("bad");
        assertThatThrownBy(() -> SetFit.run(spec(out).folds(3).build(), SetFit.Options.defaults(), QUIET))
                .hasMessageContaining("drop folds and learningRates");
        assertThatThrownBy(() -> SetFit.run(FineTuneSpec.builder(HeadConfig.Task.TAG, train.toString(), out)
                .from(encoder).recipe(FineTuneSpec.Recipe.SETFIT).build(), SetFit.Options.defaults(), QUIET))
                .hasMessageContaining("(task classify), not task tag");
        assertThatThrownBy(() -> SetFit.run(spec(out).pooling(Pooling.CONCAT).build(),
                SetFit.Options.defaults(), QUIET)).hasMessageContaining("pooling concat is neither; give mean or cls");
        assertThatThrownBy(() -> SetFit.run(spec(out).pooling(Pooling.LAST).build(),
                SetFit.Options.defaults(), QUIET)).hasMessageContaining("pooling last is neither");
        assertThatThrownBy(() -> new SetFit.Options(-1)).isInstanceOf(dev.graft.SpecException.class)
                .hasMessage("iterations must be >= 0 (0: no contrastive tuning, a linear probe of the encoder as it "
                        + "is), got -1");
        assertThat(out).doesNotExist();
        assertThat(FineTuneSpec.Recipe.parse("setfit")).isEqualTo(FineTuneSpec.Recipe.SETFIT);
    }

    @Test
    void fineTuningDispatchesTheSetFitRecipe() throws IOException {
        Path out = shared.resolve("dispatch");
        List<ClassificationExample> examples = ClassificationReader.read(train);
        FineTuneResult r = FineTuning.runClassification(spec(out).run(ro -> ro.withEpochs(1)).build(),
                new LabeledSplits<>(dev.graft.data.Dataset.ofClassification(new ArrayList<>(examples)), null, null,
                        null), QUIET);
        assertThat(r.recipe()).isEqualTo(FineTuneSpec.Recipe.SETFIT);
        assertThat(r.summaryJson().path("recipe").asText()).isEqualTo("setfit");
        assertThat(r.steps()).as("20 iterations x 30 examples x 2 pairs at 16 a batch").isEqualTo(75);
        assertThat(FineTunedModel.load(out, COMPUTE).classifier().pooling()).isEqualTo(Pooling.MEAN);
    }
}
