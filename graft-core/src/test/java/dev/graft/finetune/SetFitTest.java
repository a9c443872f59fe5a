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
 * SetFit: its pairs counted by hand on a 3-class toy set, and a run end to end on a tiny odd-sized encoder
 * (vocabulary 99, hidden 32, FFN 37): the saved folder loads as an ordinary classifier whose predictions are
 * the in-memory pipeline's (tuned encoder, mean pooling, logistic regression).
 */
class SetFitTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @TempDir
    static Path shared;
    static Path encoder;
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
    private static double pairLoss(Backbone backbone, ClassificationData data, List<SetFit.Pair> pairs) {
        SetFit.PairTraining t = new SetFit.PairTraining(backbone, data);
        t.setTraining(false);
        return t.lossAndGradient(pairs, false, 1);
    }

    @Test
    void aRunSavesAClassifierThatPredictsAsTheInMemoryPipeline() throws IOException {
        Path out = shared.resolve("setfit");
        FineTuneResult r = SetFit.run(spec(out).build(), new SetFit.Options(3), QUIET);
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
        assertThat(clf.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(loaded.head().labels()).containsExactly("negative", "person", "positive");
        LabelSet labels = LabelSet.ordered(loaded.head().labels());
        List<ClassificationExample> trainExamples = read(train, labels);
        List<ClassificationExample> testExamples = read(test, labels);
        ClassificationData trainData = encode(loaded, trainExamples, labels);
        ClassificationData testData = encode(loaded, testExamples, labels);

        // the in-memory pipeline: the tuned encoder's mean-pooled embeddings, logistic regression on them
        Backbone tuned = clf.backbone();
        float[][] trainEmbeddings = SetFit.embedAll(tuned, trainData, 64);
        EmbeddingClassifier lr = EmbeddingClassifier.fit(trainExamples, trainEmbeddings, labels,
                BagOfWords.Options.defaults(3));
        assertThat(lr.chosenC()).isEqualTo(r.chosenC());
        assertThat(r.summaryJson().path("chosen_c").doubleValue()).isEqualTo(r.chosenC());
        List<Parameter> head = clf.headParameters();
        assertThat(head.get(0).value().toArray()).containsExactly(lr.weights(3), within(1e-6f));
        assertThat(head.get(1).value().toArray()).containsExactly(lr.biases(3), within(1e-6f));

        float[][] testEmbeddings = SetFit.embedAll(tuned, testData, 64);
        ClassificationTask task = (ClassificationTask) loaded.task();
        ClassificationTask.Predictions p = task.predict(testData, testData.batches(7)); // other batches, same answer
        int correct = 0;
        for (int i = 0; i < testExamples.size(); i++) {
            double[] expected = lr.probabilities(testEmbeddings[i]);
            assertThat(p.predicted()[i]).as("example " + i).isEqualTo(lr.predict(testEmbeddings[i]));
            for (int k = 0; k < 3; k++) {
                assertThat((double) p.probabilities()[i][k]).isCloseTo(expected[k], within(1e-4));
            }
            correct += p.predicted()[i] == testData.label(i) ? 1 : 0;
        }
        assertThat((double) correct / testExamples.size()).as("the saved model scores as the run reported")
                .isEqualTo(r.testScore());
        assertThat(r.testScore()).as("one key word decides the class: well above a third").isGreaterThan(0.6);

        // the contrastive stage tuned the encoder: the pairs' cosine loss fell from the checkpoint's
        StartingPoint before = StartingPoint.fromCheckpoint(encoder, COMPUTE, 3, HeadConfig.Task.CLASSIFY, null);
        int[] y = new int[trainData.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = trainData.label(i);
        }
        List<SetFit.Pair> pairs = SetFit.pairs(y, 3, 3);
        assertThat(pairLoss(tuned, trainData, pairs)).isLessThan(pairLoss(before.backbone(), trainData, pairs));
    }

    private static List<ClassificationExample> read(Path file, LabelSet labels) throws IOException {
        return ClassificationReader.read(file, ClassificationReader.Options.defaults().withKnownLabels(labels),
                BadInput.of(false));
    }

    private static ClassificationData encode(FineTunedModel m, List<ClassificationExample> examples, LabelSet labels) {
        return (ClassificationData) ClassificationTask.HEAD.encode(m.tokenizer(), examples, labels,
                m.head().maxLength(), m.padId());
    }

    @Test
    void whatSetFitCannotDoIsAClearErrorBeforeAnythingIsWritten() {
        Path out = shared.resolve("bad");
        assertThatThrownBy(() -> SetFit.run(spec(out).folds(3).build(), SetFit.Options.defaults(), QUIET))
                .hasMessageContaining("drop folds and learningRates");
        assertThatThrownBy(() -> SetFit.run(FineTuneSpec.builder(HeadConfig.Task.TAG, train.toString(), out)
                .from(encoder).recipe(FineTuneSpec.Recipe.SETFIT).build(), SetFit.Options.defaults(), QUIET))
                .hasMessageContaining("(task classify), not task tag");
        assertThatThrownBy(() -> SetFit.run(spec(out).pooling(Pooling.CLS).build(),
                SetFit.Options.defaults(), QUIET)).hasMessageContaining("drop pooling cls");
        assertThatThrownBy(() -> new SetFit.Options(0)).isInstanceOf(dev.graft.SpecException.class)
                .hasMessage("iterations must be >= 1, got 0");
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
