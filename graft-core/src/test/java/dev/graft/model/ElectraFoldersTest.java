package dev.graft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.finetune.StartingPoint;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.pretrain.ElectraTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The folders ELECTRA pretraining writes, against Hugging Face's: the tiny ElectraForPreTraining that
 * tools/reference/make_hf_fixtures.py wrote (embeddings 24 wide, hidden 32) loaded into graft's
 * {@link ElectraModel} gives the PyTorch twin's discriminator logits, and saved again by {@link ElectraTask}
 * is the fixture: the same tensor names, shapes and values and the same config.json fields. The generator
 * saved next to it is an ElectraForMaskedLM folder (transformers' names, listed here from its modules) whose
 * masked-LM logits, read back by graft's fine-tuning loader, are the generator's.
 */
class ElectraFoldersTest {
    private static final Parallel POOL = new Parallel(1);
    private static final Compute COMPUTE = new Compute(new ScalarKernels(), POOL);
    private static final ObjectMapper JSON = new ObjectMapper();

    @AfterAll
    static void close() {
        POOL.close();
    }

    private static int[] ints(SafeTensors.Entry e) {
        return Arrays.stream(e.longs()).mapToInt(Math::toIntExact).toArray();
    }

    @Test
    void theFixtureLoadsGivesItsLogitsAndIsSavedAsItWas(@TempDir Path dir) throws Exception {
        Path fixture = HfArchitecturesTest.folder("electra");
        ModelConfig config = HfConfig.read(fixture.resolve(Checkpoint.CONFIG));
        assertThat(config.embeddingSize()).isLessThan(config.hiddenSize());
        ElectraModel model = new ElectraModel(COMPUTE, config, 0.25, 1);
        model.setTraining(false);
        Checkpoint.readWeights(fixture.resolve(Checkpoint.WEIGHTS), config, model.parameterSet());

        Map<String, SafeTensors.Entry> ref = SafeTensors.read(fixture.resolve("reference.safetensors"));
        int[] shape = ref.get("input.input_ids").shape();
        int[] types = ref.containsKey("input.token_type_ids") ? ints(ref.get("input.token_type_ids")) : null;
        TokenBatch batch = new TokenBatch(shape[0], shape[1], ints(ref.get("input.input_ids")), types,
                ints(ref.get("input.attention_mask")), null);
        float[] logits = model.discriminatorLogits(batch);
        assertThat(PyTorchParityTest.relativeError(logits, ref.get("output.logits").floats(), 0))
                .as("discriminator logits against the PyTorch twin").isLessThanOrEqualTo(1e-4);

        Path out = dir.resolve("saved");
        new ElectraTask(model, List.of(), 50f, 1, d -> Files.copy(fixture.resolve(Checkpoint.TOKENIZER),
                d.resolve(Checkpoint.TOKENIZER), StandardCopyOption.REPLACE_EXISTING)).saveModel(out, null);
        Map<String, SafeTensors.Entry> original = SafeTensors.read(fixture.resolve(Checkpoint.WEIGHTS));
        Map<String, SafeTensors.Entry> saved = SafeTensors.read(out.resolve(Checkpoint.WEIGHTS));
        assertThat(new TreeSet<>(saved.keySet())).isEqualTo(new TreeSet<>(original.keySet()));
        for (String name : original.keySet()) {
            assertThat(saved.get(name).shape()).as("shape of %s", name).isEqualTo(original.get(name).shape());
            assertThat(saved.get(name).floats()).as(name).containsExactly(original.get(name).floats());
        }
        JsonNode want = JSON.readTree(fixture.resolve(Checkpoint.CONFIG).toFile());
        JsonNode got = JSON.readTree(out.resolve(Checkpoint.CONFIG).toFile());
        assertThat(got.path("embedding_size").isMissingNode()).isFalse();
        for (Iterator<String> it = got.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            assertThat(want.has(field)).as("the fixture has %s", field).isTrue();
            if (got.get(field).isNumber()) {
                assertThat(got.get(field).asDouble()).as(field).isEqualTo(want.get(field).asDouble());
            } else {
                assertThat(got.get(field)).as(field).isEqualTo(want.get(field));
            }
        }
        // read back as any user's folder: the same body
        Pretrained back = Pretrained.loadBackbone(out, COMPUTE);
        back.backbone().dropouts().forEach(d -> d.setTraining(false));
        assertThat(back.config()).isEqualTo(config);
        assertThat(back.backbone().forward(batch)).containsExactly(model.backbone().forward(batch));
    }

    /** transformers' ElectraForMaskedLM tensors, as save_pretrained writes them (the LM head's weight is tied). */
    static SortedSet<String> electraForMaskedLmNames(int layers, boolean project) {
        SortedSet<String> names = ElectraNames.body(layers, project);
        for (String m : List.of("dense", "LayerNorm")) {
            names.add("generator_predictions." + m + ".weight");
            names.add("generator_predictions." + m + ".bias");
        }
        names.add("generator_lm_head.bias");
        return names;
    }

    @Test
    void theGeneratorIsSavedAsAnElectraForMaskedLm(@TempDir Path dir) throws Exception {
        Path fixture = HfArchitecturesTest.folder("electra");
        ModelConfig config = HfConfig.read(fixture.resolve(Checkpoint.CONFIG)); // embeddings 24, hidden 32
        for (double size : new double[] {0.25, 0.75}) { // generator 8 wide (projected from 24), and 24 (not)
            ElectraModel model = new ElectraModel(COMPUTE, config, size, 3);
            model.setTraining(false);
            Random r = new Random(5);
            for (Parameter p : model.allParameters().list()) {
                float[] d = p.value().data();
                for (int i = 0; i < p.size(); i++) {
                    d[p.value().offset() + i] += (float) (r.nextGaussian() * 0.2);
                }
            }
            Path out = dir.resolve("size-" + size);
            new ElectraTask(model, List.of(), 50f, 1, d -> Files.copy(fixture.resolve(Checkpoint.TOKENIZER),
                    d.resolve(Checkpoint.TOKENIZER), StandardCopyOption.REPLACE_EXISTING)).saveModel(out, null);
            Path gen = out.resolve(ElectraTask.GENERATOR_FOLDER);
            int g = model.generatorConfig().hiddenSize();
            assertThat(g).isEqualTo(size == 0.25 ? 8 : 24);
            JsonNode json = JSON.readTree(gen.resolve(Checkpoint.CONFIG).toFile());
            assertThat(json.path("architectures").get(0).asText()).isEqualTo("ElectraForMaskedLM");
            assertThat(json.path("model_type").asText()).isEqualTo("electra");
            assertThat(json.path("embedding_size").asInt()).isEqualTo(24);
            assertThat(json.path("hidden_size").asInt()).isEqualTo(g);
            assertThat(json.path("num_hidden_layers").asInt()).isEqualTo(config.numberOfLayers());
            Map<String, SafeTensors.Entry> tensors = SafeTensors.read(gen.resolve(Checkpoint.WEIGHTS));
            assertThat(new TreeSet<>(tensors.keySet())).isEqualTo(electraForMaskedLmNames(config.numberOfLayers(),
                    g != 24));
            assertThat(tensors.get("generator_predictions.dense.weight").shape()).containsExactly(24, g);
            assertThat(tensors.get("electra.embeddings.word_embeddings.weight").floats())
                    .as("the shared table").containsExactly(model.backbone().tokenEmbedding().weight().value()
                            .toArray());
            assertThat(Files.exists(gen.resolve(Checkpoint.TOKENIZER))).isTrue();

            // read back by graft's loader as a masked LM: the generator's logits at the masked positions
            StartingPoint start = StartingPoint.fromCheckpoint(gen, COMPUTE, 0, null, 0f);
            assertThat(start.lmHeadLoaded()).isTrue();
            LanguageModel lm = start.languageModel();
            lm.setTraining(false);
            int[] ids = {2, 17, 33, 4, 61, 3, 2, 45, 9, 3, 0, 0};
            int[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
            int[] targets = new int[ids.length];
            Arrays.fill(targets, TokenBatch.IGNORE);
            int[] at = {1, 4, 8};
            for (int i : at) {
                targets[i] = ids[i];
            }
            TokenBatch batch = new TokenBatch(2, 6, ids, new int[ids.length], mask, targets);
            float[] expected = model.generatorLogits(batch);
            float[] all = lm.allLogits(batch);
            int v = config.vocabSize();
            float[] actual = new float[at.length * v];
            for (int k = 0; k < at.length; k++) {
                System.arraycopy(all, at[k] * v, actual, k * v, v);
            }
            assertThat(PyTorchParityTest.relativeError(actual, expected, 0)).as("generator %d wide", g)
                    .isLessThanOrEqualTo(1e-5);
        }
    }
}
