package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HfConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SafeTensors;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.task.ClassificationBatch;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * A classifier head's normalization and pooler flags in its folder ({@code graft_normalize},
 * {@code graft_pooler}): a folder written before they existed reads and predicts exactly as before (cls pooling
 * through BERT's pooler, no normalization), a SetFit-style head (cls without pooler, normalized) round-trips
 * and predicts softmax(W · normalize(h[CLS]) + b) through the path eval and predict use, and bad values name
 * the file.
 */
class NormalizedHeadFolderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);
    private static final List<String> LABELS = List.of("a", "b", "c");
    private static final List<String> TEXTS = List.of("the movie was good", "awful plot", "john met mary in paris",
            "good");

    @AfterAll
    static void close() {
        ONE.close();
    }

    private static void randomize(List<Parameter> params, long seed) {
        dev.graft.nn.RandomValues.set(params, new Random(seed), 0.3);
    }

    private static ModelConfig config(Tokenizer tok) {
        return Fixtures.tiny(ModelConfig.Architecture.ENCODER, tok.vocabularySize(),
                tok.specialTokens().padding().orElse(-1));
    }

    /** config.json as graft wrote it before the flags: HfConfig's fields, then the head's, cls pooling. */
    private static ObjectNode oldClsConfig(ModelConfig c) {
        ObjectNode o = HfConfig.toJson(c, "BertForSequenceClassification");
        ObjectNode id2label = o.putObject("id2label");
        ObjectNode label2id = o.putObject("label2id");
        for (int i = 0; i < LABELS.size(); i++) {
            id2label.put(Integer.toString(i), LABELS.get(i));
            label2id.put(LABELS.get(i), i);
        }
        o.put("num_labels", LABELS.size());
        o.put("problem_type", "single_label_classification");
        o.put("graft_task", "classify");
        o.put("graft_pooling", "cls");
        o.put("graft_max_length", 24);
        return o;
    }

    /**
     * The probabilities of the head computed here in double from the model's own hidden states: the first
     * token, through BERT's pooler (tanh(P h + p)) when it has one, normalized when it normalizes, then
     * softmax(W · f + b).
     */
    private static double[][] byHand(SequenceClassifier m, ClassificationData data, boolean pooler,
                                     boolean normalize) {
        int c = m.config().hiddenSize();
        List<Parameter> head = m.headParameters();
        int at = 0;
        float[] p = pooler ? head.get(at++).value().toArray() : null;
        float[] pb = pooler ? head.get(at++).value().toArray() : null;
        float[] w = head.get(at++).value().toArray();
        float[] b = head.get(at).value().toArray();
        double[][] out = new double[data.size()][];
        for (ClassificationBatch batch : data.batches(8)) {
            float[] hidden = m.backbone().forward(batch.tokens());
            int t = batch.tokens().time();
            for (int s = 0; s < batch.tokens().batch(); s++) {
                double[] f = new double[c];
                for (int j = 0; j < c; j++) {
                    f[j] = hidden[s * t * c + j];
                }
                if (pooler) {
                    double[] z = new double[c];
                    for (int i = 0; i < c; i++) {
                        double v = pb[i];
                        for (int j = 0; j < c; j++) {
                            v += p[i * c + j] * f[j];
                        }
                        z[i] = Math.tanh(v);
                    }
                    f = z;
                }
                if (normalize) {
                    double n = 0;
                    for (double v : f) {
                        n += v * v;
                    }
                    n = Math.sqrt(n);
                    for (int j = 0; j < c; j++) {
                        f[j] /= n;
                    }
                }
                double[] logits = new double[LABELS.size()];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < logits.length; k++) {
                    logits[k] = b[k];
                    for (int j = 0; j < c; j++) {
                        logits[k] += w[k * c + j] * f[j];
                    }
                    max = Math.max(max, logits[k]);
                }
                double sum = 0;
                for (int k = 0; k < logits.length; k++) {
                    logits[k] = Math.exp(logits[k] - max);
                    sum += logits[k];
                }
                for (int k = 0; k < logits.length; k++) {
                    logits[k] /= sum;
                }
                out[batch.examples()[s]] = logits;
            }
        }
        return out;
    }

    private static void assertClose(float[][] actual, double[][] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            for (int k = 0; k < expected[i].length; k++) {
                assertThat((double) actual[i][k]).as("text %d, label %d", i, k).isCloseTo(expected[i][k],
                        within(2e-5));
            }
        }
    }

    private static float[][] predict(FineTunedModel m, ClassificationData data) {
        return ((ClassificationTask) m.task()).predict(data, data.batches(3)).probabilities();
    }

    @Test
    void anOldClsFolderWithoutTheFlagsPredictsExactlyAsBefore(@TempDir Path dir) throws IOException {
        Tokenizer tok = Fixtures.wordPiece();
        ModelConfig c = config(tok);
        SequenceClassifier original = new SequenceClassifier(COMPUTE, new Backbone(COMPUTE, c, 1), Pooling.CLS, 3, 2);
        randomize(original.parameters(), 5);
        original.setTraining(false);
        Path folder = dir.resolve("old");
        Files.createDirectories(folder);
        ObjectNode old = oldClsConfig(c);
        Files.writeString(folder.resolve(Checkpoint.CONFIG), JSON.writeValueAsString(old));
        Checkpoint.writeWeights(folder.resolve(Checkpoint.WEIGHTS), original.parameterSet(), Map.of());
        tok.save(folder.resolve(Checkpoint.TOKENIZER));

        FineTunedModel m = FineTunedModel.load(folder, COMPUTE);
        assertThat(m.head().pooler()).as("cls pooling through BERT's pooler, as before").isTrue();
        assertThat(m.head().normalize()).isFalse();
        assertThat(m.head()).isEqualTo(new HeadConfig(HeadConfig.Task.CLASSIFY, LABELS, Pooling.CLS, 24));
        assertThat(m.classifier().hasPooler()).isTrue();
        assertThat(m.classifier().normalizes()).isFalse();
        ClassificationData data = ClassificationData.encode(tok, TEXTS, null, 24, m.padId());
        float[][] loaded = predict(m, data);
        float[][] before = new ClassificationTask(original, m.head(), null, 8, null).frozen()
                .predict(data, data.batches(3)).probabilities();
        assertThat(loaded).isDeepEqualTo(before);
        assertClose(loaded, byHand(m.classifier(), data, true, false));
        // and the config it would write now is the old one, no flag added
        assertThat(JSON.readTree(JSON.writeValueAsString(m.head().toJson(c)))).isEqualTo(JSON.readTree(
                folder.resolve(Checkpoint.CONFIG).toFile()));
    }

    @Test
    void aNormalizedClsHeadWithoutPoolerRoundTripsAndPredictsItsFormula(@TempDir Path dir) throws IOException {
        Tokenizer tok = Fixtures.wordPiece();
        ModelConfig c = config(tok);
        HeadConfig head = HeadConfig.sentenceEmbedding(HeadConfig.Task.CLASSIFY, LABELS, Pooling.CLS, 24, true);
        SequenceClassifier original = new SequenceClassifier(COMPUTE, new Backbone(COMPUTE, c, 1), head, 2);
        assertThat(original.hasPooler()).isFalse();
        randomize(original.parameters(), 7);
        original.setTraining(false);
        Path folder = dir.resolve("setfit-like");
        Files.createDirectories(folder);
        head.write(folder.resolve(Checkpoint.CONFIG), c);
        Checkpoint.writeWeights(folder.resolve(Checkpoint.WEIGHTS), original.parameterSet(), Map.of());
        tok.save(folder.resolve(Checkpoint.TOKENIZER));
        JsonNode json = JSON.readTree(folder.resolve(Checkpoint.CONFIG).toFile());
        assertThat(json.path("graft_normalize").isBoolean() && json.path("graft_normalize").booleanValue()).isTrue();
        assertThat(json.path("graft_pooler").isBoolean() && !json.path("graft_pooler").booleanValue()).isTrue();
        assertThat(SafeTensors.read(folder.resolve(Checkpoint.WEIGHTS), n -> true).keySet())
                .noneMatch(n -> n.contains("pooler"));

        FineTunedModel m = FineTunedModel.load(folder, COMPUTE);
        assertThat(m.head()).isEqualTo(head);
        assertThat(m.classifier().normalizes()).isTrue();
        assertThat(m.classifier().hasPooler()).isFalse();
        ClassificationData data = ClassificationData.encode(tok, TEXTS, null, 24, m.padId());
        float[][] loaded = predict(m, data);
        assertClose(loaded, byHand(m.classifier(), data, false, true));
        float[][] inMemory = new ClassificationTask(original, head, null, 8, null).frozen()
                .predict(data, data.batches(3)).probabilities();
        assertThat(loaded).isDeepEqualTo(inMemory);
        // the training forward (used by fine-tuning's dev scores) agrees with the inference path
        float[][] training = new ClassificationTask(m.classifier(), m.head(), null, 8, null)
                .predict(data, data.batches(3)).probabilities();
        assertClose(training, byHand(m.classifier(), data, false, true));

        // the flag is what normalizes: without it the same weights predict otherwise
        ObjectNode unflagged = (ObjectNode) json.deepCopy();
        unflagged.remove("graft_normalize");
        Files.writeString(folder.resolve(Checkpoint.CONFIG), JSON.writeValueAsString(unflagged));
        FineTunedModel plain = FineTunedModel.load(folder, COMPUTE);
        assertThat(plain.head().normalize()).isFalse();
        float[][] unnormalized = predict(plain, data);
        assertClose(unnormalized, byHand(plain.classifier(), data, false, false));
        assertThat(Math.abs(unnormalized[0][0] - loaded[0][0]) + Math.abs(unnormalized[1][0] - loaded[1][0]))
                .isGreaterThan(1e-3f);
    }

    @Test
    void badFlagsNameTheFile() throws IOException {
        Tokenizer tok = Fixtures.wordPiece();
        ModelConfig c = config(tok);
        Path file = Path.of("runs/m/config.json");
        ObjectNode notBoolean = oldClsConfig(c);
        notBoolean.put("graft_normalize", "yes");
        assertThatThrownBy(() -> HeadConfig.read(notBoolean, c, file)).hasMessageContaining("runs/m/config.json")
                .hasMessageContaining("graft_normalize holds \"yes\", not true or false");
        ObjectNode poolerOnMean = oldClsConfig(c);
        poolerOnMean.put("graft_pooling", "mean");
        poolerOnMean.put("graft_pooler", true);
        assertThatThrownBy(() -> HeadConfig.read(poolerOnMean, c, file)).hasMessageContaining("runs/m/config.json")
                .hasMessageContaining("graft_pooler is true but the head's pooling is mean");
        ObjectNode explicitDefaults = oldClsConfig(c);
        explicitDefaults.put("graft_pooler", true);
        explicitDefaults.put("graft_normalize", false);
        assertThat(HeadConfig.read(explicitDefaults, c, file).orElseThrow())
                .isEqualTo(new HeadConfig(HeadConfig.Task.CLASSIFY, LABELS, Pooling.CLS, 24));
        ObjectNode tagger = HfConfig.toJson(c, "BertForTokenClassification");
        tagger.putObject("id2label").put("0", "O").put("1", "B-PER");
        tagger.put("graft_normalize", true);
        assertThatThrownBy(() -> HeadConfig.read(tagger, c, file)).hasMessageContaining("runs/m/config.json")
                .hasMessageContaining("a token tagger has no pooled vector to normalize");
        assertThatThrownBy(() -> new HeadConfig(HeadConfig.Task.CLASSIFY, LABELS, Pooling.MEAN, 24, null, true, false))
                .hasMessageContaining("pooler belongs to cls pooling, not mean pooling");
        // a mean head that normalizes writes the one flag
        HeadConfig mean = HeadConfig.sentenceEmbedding(HeadConfig.Task.CLASSIFY, LABELS, Pooling.MEAN, 24, true);
        ObjectNode written = mean.toJson(c);
        assertThat(written.has("graft_pooler")).isFalse();
        assertThat(written.path("graft_normalize").booleanValue()).isTrue();
        assertThat(HeadConfig.read(written, c, file).orElseThrow()).isEqualTo(mean);
    }
}
