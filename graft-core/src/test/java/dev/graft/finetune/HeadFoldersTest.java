package dev.graft.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HfConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenTagger;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import dev.graft.task.TaggingData;
import dev.graft.task.TaggingTask;
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

/**
 * Model folders written before the head abstraction still load (their config.json is written here field by
 * field as that graft wrote it), Hugging Face folders without graft's fields are read by their architecture and
 * problem_type, and a multi-label head's thresholds round-trip.
 */
class HeadFoldersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @AfterAll
    static void close() {
        ONE.close();
    }

    private static void randomize(List<Parameter> params, long seed) {
        dev.graft.nn.RandomValues.set(params, new Random(seed), 0.2);
    }

    /** config.json exactly as graft wrote it before: HfConfig's fields, then the head's, nothing else. */
    private static void writeOldConfig(Path folder, ModelConfig c, String architecture, List<String> labels,
                                       String task, String pooling, int maxLength) throws IOException {
        ObjectNode o = HfConfig.toJson(c, architecture);
        ObjectNode id2label = o.putObject("id2label");
        ObjectNode label2id = o.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        o.put("num_labels", labels.size());
        if (task.equals("classify")) {
            o.put("problem_type", "single_label_classification");
        }
        o.put("graft_task", task);
        if (pooling != null) {
            o.put("graft_pooling", pooling);
        }
        o.put("graft_max_length", maxLength);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(Checkpoint.CONFIG), JSON.writeValueAsString(o));
    }

    @Test
    void anOldClassifierFolderLoadsAndPredictsAsTheModelItWasSavedFrom(@TempDir Path dir) throws IOException {
        Tokenizer tok = Fixtures.wordPiece();
        ModelConfig c = Fixtures.tiny(ModelConfig.Architecture.ENCODER, tok.vocabularySize(),
                tok.specialTokens().padding().orElse(-1));
        SequenceClassifier original = new SequenceClassifier(COMPUTE, new Backbone(COMPUTE, c, 1),
                Pooling.MEAN, 3, 2);
        randomize(original.parameters(), 5);
        original.setTraining(false);
        Path folder = dir.resolve("old");
        writeOldConfig(folder, c, "BertForSequenceClassification", List.of("a", "b", "c"), "classify", "mean", 24);
        Checkpoint.writeWeights(folder.resolve(Checkpoint.WEIGHTS), original.parameterSet(), Map.of());
        tok.save(folder.resolve(Checkpoint.TOKENIZER));

        FineTunedModel m = FineTunedModel.load(folder, COMPUTE);
        assertThat(m.head()).isEqualTo(new HeadConfig(HeadConfig.Task.CLASSIFY, List.of("a", "b", "c"),
                Pooling.MEAN, 24));
        List<String> texts = List.of("the movie was good", "awful plot", "john met mary in paris");
        ClassificationData data = ClassificationData.encode(tok, texts, null, 24, m.padId());
        float[][] expected = new ClassificationTask(original, m.head(), null, 8, null)
                .predict(data, data.batches(8)).probabilities();
        float[][] loaded = new ClassificationTask(m.classifier(), m.head(), null, 8, null)
                .predict(data, data.batches(8)).probabilities();
        assertThat(loaded).isDeepEqualTo(expected);
        // and the config it would write now is the old one plus nothing
        assertThat(JSON.readTree(JSON.writeValueAsString(m.head().toJson(c))))
                .isEqualTo(JSON.readTree(folder.resolve(Checkpoint.CONFIG).toFile()));
    }

    @Test
    void anOldTaggerFolderLoadsAndTagsAsTheModelItWasSavedFrom(@TempDir Path dir) throws IOException {
        Tokenizer tok = Fixtures.wordPiece();
        ModelConfig c = Fixtures.tiny(ModelConfig.Architecture.ENCODER, tok.vocabularySize(),
                tok.specialTokens().padding().orElse(-1));
        TokenTagger original = new TokenTagger(COMPUTE, new Backbone(COMPUTE, c, 1), 3, 2);
        randomize(original.parameters(), 7);
        original.setTraining(false);
        Path folder = dir.resolve("old");
        writeOldConfig(folder, c, "BertForTokenClassification", List.of("B-PER", "I-PER", "O"), "tag", null, 32);
        Checkpoint.writeWeights(folder.resolve(Checkpoint.WEIGHTS), original.parameterSet(), Map.of());
        tok.save(folder.resolve(Checkpoint.TOKENIZER));

        FineTunedModel m = FineTunedModel.load(folder, COMPUTE);
        assertThat(m.head().task()).isEqualTo(HeadConfig.Task.TAG);
        assertThat(m.tagger()).isNotNull();
        TaggingData data = TaggingData.encode(tok, List.of(List.of("john", "smith", "met", "mary")), null, 32,
                m.padId());
        int[][] expected = new TaggingTask(original, m.head(), null, null, 8, null)
                .predict(data, data.batches(8)).tags();
        int[][] loaded = new TaggingTask(m.tagger(), m.head(), null, null, 8, null)
                .predict(data, data.batches(8)).tags();
        assertThat(loaded).isDeepEqualTo(expected);
    }

    @Test
    void huggingFaceFieldsAloneNameTheTask() throws IOException {
        ModelConfig c = Fixtures.tiny(ModelConfig.Architecture.ENCODER, 50, 0);
        Path file = Path.of("config.json");
        ObjectNode single = HfConfig.toJson(c, "BertForSequenceClassification");
        single.putObject("id2label").put("0", "x").put("1", "y");
        HeadConfig h = HeadConfig.read(single, c, file).orElseThrow();
        assertThat(h.task()).isEqualTo(HeadConfig.Task.CLASSIFY);
        assertThat(h.pooling()).isEqualTo(Pooling.CLS);
        ObjectNode multi = single.deepCopy();
        multi.put("problem_type", "multi_label_classification");
        assertThat(HeadConfig.read(multi, c, file).orElseThrow().task()).isEqualTo(HeadConfig.Task.MULTI_LABEL);
    }

    @Test
    void thresholdsRoundTripAndABadListNamesTheFile() throws IOException {
        ModelConfig c = Fixtures.tiny(ModelConfig.Architecture.ENCODER, 50, 0);
        HeadConfig h = new HeadConfig(HeadConfig.Task.MULTI_LABEL, List.of("a", "b"), Pooling.MEAN,
                16, List.of(0.35, 0.6));
        ObjectNode json = h.toJson(c);
        assertThat(json.path("problem_type").asText()).isEqualTo("multi_label_classification");
        assertThat(HeadConfig.read(json, c, Path.of("config.json")).orElseThrow()).isEqualTo(h);
        json.putArray("graft_thresholds").add(0.5);
        assertThatThrownBy(() -> HeadConfig.read(json, c, Path.of("runs/m/config.json")))
                .hasMessageContaining("runs/m/config.json").hasMessageContaining("1 values for 2 labels");
        assertThatThrownBy(() -> new HeadConfig(HeadConfig.Task.CLASSIFY, List.of("a", "b"),
                Pooling.MEAN, 16, List.of(0.5, 0.5))).hasMessageContaining("multi-label");
    }
}
