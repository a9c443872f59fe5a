package dev.graft.model;

import dev.graft.finetune.StartingPoint;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import dev.graft.tensor.kernel.VectorKernels;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hugging Face folders of RoBERTa, XLM-RoBERTa, DistilBERT and an ELECTRA discriminator, written by
 * tools/reference/make_hf_fixtures.py from PyTorch twins of transformers' modules (vocab 99, hidden 32,
 * 4 heads, FFN 37, 2 layers; ELECTRA's embeddings 24 wide): graft loads each folder as a user's would and
 * must give the twin's last hidden state (with {@link Backbone#forward} at every position and with
 * {@link EncoderInference} at the real ones, where it applies), its MLM or discriminator logits, and the
 * gradients of every parameter, within 1e-4 relative (max |a - b| / max |b|).
 */
class HfArchitecturesTest {
    private static final double TOLERANCE = 1e-4;
    private static final Parallel POOL = new Parallel(2);
    private static final List<String> NAMES = List.of("roberta", "xlm_roberta", "distilbert", "electra");

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        POOL.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (String name : NAMES) {
            list.add(Arguments.of(name, new Compute(new ScalarKernels(), POOL)));
            list.add(Arguments.of(name, new Compute(new VectorKernels(POOL), POOL)));
        }
        return list.stream();
    }

    static Path folder(String name) throws URISyntaxException {
        var url = HfArchitecturesTest.class.getResource("/fixtures/hf/" + name + "/config.json");
        assertThat(url).as("fixture folder hf/%s (regenerate with tools/reference/make_hf_fixtures.py)", name)
                .isNotNull();
        return Path.of(url.toURI()).getParent();
    }

    private static int[] ints(SafeTensors.Entry e) {
        long[] l = e.longs();
        int[] a = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            a[i] = Math.toIntExact(l[i]);
        }
        return a;
    }

    private static TokenBatch batch(Map<String, SafeTensors.Entry> ref, boolean mlm) {
        int[] shape = ref.get("input.input_ids").shape();
        int[] types = ref.containsKey("input.token_type_ids") ? ints(ref.get("input.token_type_ids")) : null;
        return new TokenBatch(shape[0], shape[1], ints(ref.get("input.input_ids")), types,
                ints(ref.get("input.attention_mask")), mlm ? ints(ref.get("input.labels")) : null);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("cases")
    void matchesPyTorch(String name, Compute compute) throws Exception {
        Path folder = folder(name);
        Map<String, SafeTensors.Entry> ref = SafeTensors.read(folder.resolve("reference.safetensors"));
        boolean electra = name.equals("electra");
        List<String> failures = new ArrayList<>();
        Backbone backbone;
        LanguageModel lm = null;
        if (electra) {
            Pretrained p = Pretrained.loadBackbone(folder, compute);
            assertThat(p.ignoredTensors()).containsExactlyInAnyOrder("discriminator_predictions.dense.weight",
                    "discriminator_predictions.dense.bias", "discriminator_predictions.dense_prediction.weight",
                    "discriminator_predictions.dense_prediction.bias");
            backbone = p.backbone();
            backbone.dropouts().forEach(d -> d.setTraining(false));
        } else {
            StartingPoint start = StartingPoint.fromCheckpoint(folder, compute, 0, null, 0f);
            assertThat(start.lmHeadLoaded()).as("the MLM head is read from the folder").isTrue();
            lm = start.languageModel();
            lm.setTraining(false);
            backbone = lm.backbone();
        }
        ModelConfig config = backbone.config();
        TokenBatch batch = batch(ref, !electra);
        float[] expectedHidden = ref.get("output.hidden").floats();
        check(failures, "hidden (Backbone.forward)", backbone.forward(batch).clone(), expectedHidden, 0);

        // the fast path embed, predict and serve use: every family but the narrow-embedding ELECTRA
        assertThat(EncoderInference.supports(config)).isEqualTo(!electra);
        if (EncoderInference.supports(config)) {
            EncoderInference.Packed packed = new EncoderInference(backbone, compute).forward(batch);
            int c = config.hiddenSize();
            float[] real = new float[packed.rows() * c];
            int r = 0;
            for (int i = 0; i < batch.rows(); i++) {
                if (batch.attentionMask()[i] == 1) {
                    System.arraycopy(expectedHidden, i * c, real, r++ * c, c);
                }
            }
            assertThat(r).isEqualTo(packed.rows());
            check(failures, "hidden (EncoderInference, real tokens)",
                    java.util.Arrays.copyOf(packed.hidden(), packed.rows() * c), real, 0);
        }

        if (electra) {
            check(failures, "discriminator logits", discriminatorLogits(folder, backbone.forward(batch), config),
                    ref.get("output.logits").floats(), 0);
        } else {
            check(failures, "MLM logits", lm.allLogits(batch), ref.get("output.logits").floats(), 0);
        }

        // gradients: MLM loss + sum(hidden * probe) (ELECTRA: the probe term alone)
        List<Parameter> params = electra ? backbone.parameters() : lm.parameters();
        params.forEach(p -> p.grad().fill(0f));
        if (!electra) {
            float loss = lm.forward(batch, true);
            check(failures, "MLM loss", new float[] {loss}, ref.get("output.head_loss").floats(), 0);
        }
        backbone.forward(batch);
        backbone.backward(ref.get("input.probe").floats());
        Set<String> expectedGrads = new TreeSet<>();
        ref.keySet().stream().filter(k -> k.startsWith("grad.")).forEach(k -> expectedGrads.add(k.substring(5)));
        Set<String> graftGrads = new TreeSet<>();
        double largest = 0;
        for (String k : expectedGrads) {
            for (float g : ref.get("grad." + k).floats()) {
                largest = Math.max(largest, Math.abs(g));
            }
        }
        for (Parameter p : params) {
            String hf = HfNames.toFile(config.family(), p.name());
            graftGrads.add(hf);
            SafeTensors.Entry e = ref.get("grad." + hf);
            if (e == null) {
                failures.add("no reference gradient for " + p.name() + " (" + hf + ")");
                continue;
            }
            check(failures, "grad " + hf, p.grad().toArray(), e.floats(), 1e-3 * largest);
        }
        assertThat(graftGrads).as("every parameter of the twin has its graft counterpart").isEqualTo(expectedGrads);
        assertThat(failures).as("tensors that differ from PyTorch by more than %s relative (%s)", TOLERANCE, name)
                .isEmpty();
    }

    /** ElectraDiscriminatorPredictions from the folder's head tensors: dense, GELU (erf), dense_prediction. */
    private static float[] discriminatorLogits(Path folder, float[] hidden, ModelConfig config) throws IOException {
        Map<String, SafeTensors.Entry> w = SafeTensors.read(folder.resolve(Checkpoint.WEIGHTS),
                n -> n.startsWith("discriminator_predictions."));
        float[] w1 = w.get("discriminator_predictions.dense.weight").floats();
        float[] b1 = w.get("discriminator_predictions.dense.bias").floats();
        float[] w2 = w.get("discriminator_predictions.dense_prediction.weight").floats();
        float b2 = w.get("discriminator_predictions.dense_prediction.bias").floats()[0];
        int c = config.hiddenSize();
        int rows = hidden.length / c;
        float[] out = new float[rows];
        for (int r = 0; r < rows; r++) {
            double logit = b2;
            for (int j = 0; j < c; j++) {
                double z = b1[j];
                for (int i = 0; i < c; i++) {
                    z += (double) w1[j * c + i] * hidden[r * c + i];
                }
                double gelu = 0.5 * z * (1 + erf(z / Math.sqrt(2)));
                logit += w2[j] * gelu;
            }
            out[r] = (float) logit;
        }
        return out;
    }

    /** erf to 1.5e-7 (Abramowitz and Stegun 7.1.26), ample for a 1e-4 comparison. */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t * Math.exp(-x * x);
        return x >= 0 ? y : -y;
    }

    private static void check(List<String> failures, String what, float[] actual, float[] expected, double floor) {
        double err = PyTorchParityTest.relativeError(actual, expected, floor);
        if (!(err <= TOLERANCE)) {
            failures.add(String.format("%s: relative error %.3g", what, err));
        }
    }

    @Test
    void familiesNameTransformersModelTypesAndClasses() {
        assertThat(java.util.Arrays.stream(ModelConfig.Family.values()).map(ModelConfig.Family::modelType))
                .containsExactly("bert", "roberta", "xlm-roberta", "distilbert", "electra", "gpt2");
        assertThat(ModelConfig.Family.XLM_ROBERTA.classPrefix()).isEqualTo("XLMRoberta");
        assertThat(ModelConfig.Family.DISTILBERT.classPrefix()).isEqualTo("DistilBert");
    }

    @Test
    void configsReadAsTheirFamilies() throws Exception {
        ModelConfig roberta = HfConfig.read(folder("roberta").resolve(Checkpoint.CONFIG));
        assertThat(roberta.family()).isEqualTo(ModelConfig.Family.ROBERTA);
        assertThat(roberta.maxPositions()).as("514-style table minus pad + 1").isEqualTo(16);
        assertThat(roberta.positionTableSize()).isEqualTo(18);
        assertThat(roberta.positionOffset()).isEqualTo(2);
        assertThat(roberta.typeVocabSize()).isEqualTo(1);
        assertThat(roberta.layerNormEps()).isEqualTo(1e-5f);
        ModelConfig xlmr = HfConfig.read(folder("xlm_roberta").resolve(Checkpoint.CONFIG));
        assertThat(xlmr.family()).isEqualTo(ModelConfig.Family.XLM_ROBERTA);
        ModelConfig distil = HfConfig.read(folder("distilbert").resolve(Checkpoint.CONFIG));
        assertThat(distil.family()).isEqualTo(ModelConfig.Family.DISTILBERT);
        assertThat(distil.typeVocabSize()).isZero();
        assertThat(distil.hiddenSize()).isEqualTo(32);
        assertThat(distil.intermediateSize()).isEqualTo(37);
        assertThat(distil.layerNormEps()).isEqualTo(1e-12f);
        ModelConfig electra = HfConfig.read(folder("electra").resolve(Checkpoint.CONFIG));
        assertThat(electra.family()).isEqualTo(ModelConfig.Family.ELECTRA);
        assertThat(electra.embeddingSize()).isEqualTo(24);
        assertThat(electra.hiddenSize()).isEqualTo(32);
        for (ModelConfig c : List.of(roberta, xlmr, distil, electra)) {
            assertThat(HfConfig.fromJson(HfConfig.toJson(c, "BertModel"), Path.of("config.json")))
                    .as("config.json round trip of %s", c.family()).isEqualTo(c);
        }
        assertThat(HfConfig.toJson(roberta, "BertModel").get("architectures").get(0).asText())
                .isEqualTo("RobertaModel");
        assertThat(HfConfig.toJson(distil, "BertForMaskedLM").get("architectures").get(0).asText())
                .isEqualTo("DistilBertForMaskedLM");
        assertThat(HfConfig.toJson(distil, "BertModel").has("dim")).isTrue();
    }

    /** Every parameter name of a model with its MLM head and a CLS pooler survives the trip to a file and back. */
    @Test
    void namesRoundTripThroughEveryFamily() throws Exception {
        Compute compute = new Compute(new ScalarKernels(), POOL);
        for (String name : NAMES) {
            ModelConfig config = HfConfig.read(folder(name).resolve(Checkpoint.CONFIG));
            LanguageModel lm = new LanguageModel(compute, config, 1);
            List<String> graft = new ArrayList<>(lm.parameters().stream().map(Parameter::name).toList());
            graft.add("bert.pooler.dense.weight");
            graft.add("classifier.weight");
            Set<String> files = new TreeSet<>();
            for (String n : graft) {
                String f = HfNames.toFile(config.family(), n);
                assertThat(HfNames.toGraft(config.family(), f)).as("%s -> %s -> back", n, f).isEqualTo(n);
                assertThat(files.add(f)).as("%s is the file name of one parameter only", f).isTrue();
            }
        }
        assertThat(HfNames.toFile(ModelConfig.Family.DISTILBERT, "bert.encoder.layer.1.attention.self.key.bias"))
                .isEqualTo("distilbert.transformer.layer.1.attention.k_lin.bias");
        assertThat(HfNames.toFile(ModelConfig.Family.ROBERTA, "cls.predictions.transform.LayerNorm.weight"))
                .isEqualTo("lm_head.layer_norm.weight");
        assertThat(HfNames.toFile(ModelConfig.Family.ELECTRA, "bert.embeddings_project.weight"))
                .isEqualTo("electra.embeddings_project.weight");
    }

    /** A folder whose weights are not its config's family says which of the family's tensors are missing. */
    @Test
    void weightsOfAnotherFamilyAreReportedUnderTheFamilysNames() throws Exception {
        Path folder = dir.resolve("mislabeled");
        Files.createDirectories(folder);
        Path source = folder("roberta");
        Files.copy(source.resolve(Checkpoint.WEIGHTS), folder.resolve(Checkpoint.WEIGHTS));
        Files.writeString(folder.resolve(Checkpoint.CONFIG), Files.readString(source.resolve(Checkpoint.CONFIG))
                .replace("\"model_type\": \"roberta\"", "\"model_type\": \"electra\""));
        assertThatThrownBy(() -> Pretrained.loadBackbone(folder, new Compute(new ScalarKernels(), POOL)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing electra.embeddings.word_embeddings.weight")
                .hasMessageContaining("Is config.json the one these weights were saved with?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"camembert", "t5", "deberta-v2"})
    void otherModelTypesAreRefused(String type) throws Exception {
        Path folder = dir.resolve(type);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(Checkpoint.CONFIG), "{\"model_type\": \"" + type + "\", \"vocab_size\": 99}");
        assertThatThrownBy(() -> HfConfig.read(folder.resolve(Checkpoint.CONFIG)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("model_type '" + type + "' is not supported")
                .hasMessageContaining("roberta, xlm-roberta, distilbert");
    }

    @Test
    void distilbertWithSinusoidalPositionsIsRefused() throws Exception {
        String json = Files.readString(folder("distilbert").resolve(Checkpoint.CONFIG))
                .replace("\"sinusoidal_pos_embds\": false", "\"sinusoidal_pos_embds\": true");
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        assertThatThrownBy(() -> HfConfig.read(file)).hasMessageContaining("sinusoidal_pos_embds");
    }

    /**
     * Export: the body saved as the family's bare Model folder and the whole MLM model saved by
     * {@link Checkpoint#save} use Hugging Face's names (the MLM file holds exactly the tensors of the original)
     * and reload to identical outputs.
     */
    @ParameterizedTest
    @ValueSource(strings = {"roberta", "xlm_roberta", "distilbert", "electra"})
    void savedFoldersUseHuggingFaceNamesAndReloadIdentically(String name) throws Exception {
        Compute compute = new Compute(new ScalarKernels(), POOL);
        Path folder = folder(name);
        Map<String, SafeTensors.Entry> ref = SafeTensors.read(folder.resolve("reference.safetensors"));
        TokenBatch batch = batch(ref, false);
        Pretrained original = Pretrained.loadBackbone(folder, compute);
        original.backbone().dropouts().forEach(d -> d.setTraining(false));
        float[] before = original.backbone().forward(batch).clone();

        Path body = dir.resolve("body");
        original.saveBackbone(body, Map.of());
        String prefix = HfNames.prefix(original.config().family());
        Set<String> bodyNames = SafeTensors.header(body.resolve(Checkpoint.WEIGHTS)).tensors().keySet();
        Set<String> expectedBare = new TreeSet<>();
        for (String n : SafeTensors.header(folder.resolve(Checkpoint.WEIGHTS)).tensors().keySet()) {
            if (n.startsWith(prefix)) {
                expectedBare.add(n.substring(prefix.length()));
            }
        }
        assertThat(new TreeSet<>(bodyNames)).as("bare %s names, as %sModel saves them", prefix,
                original.config().family().classPrefix()).isEqualTo(expectedBare);
        String configText = Files.readString(body.resolve(Checkpoint.CONFIG));
        assertThat(configText).contains("\"" + original.config().family().classPrefix() + "Model\"")
                .contains("\"model_type\" : \"" + original.config().family().modelType() + "\"");
        Pretrained reloaded = Pretrained.loadBackbone(body, compute);
        reloaded.backbone().dropouts().forEach(d -> d.setTraining(false));
        assertThat(reloaded.config()).isEqualTo(original.config());
        assertThat(reloaded.backbone().forward(batch)).containsExactly(before);
        assertThat(reloaded.tokenizer()).isNotNull();

        if (!name.equals("electra")) {
            StartingPoint start = StartingPoint.fromCheckpoint(folder, compute, 0, null, 0f);
            LanguageModel lm = start.languageModel();
            lm.setTraining(false);
            float[] logits = lm.allLogits(batch);
            Path mlm = dir.resolve("mlm");
            Checkpoint.save(mlm, start.config(), "BertForMaskedLM", lm.parameterSet(), Map.of(), null);
            Files.copy(folder.resolve(Checkpoint.TOKENIZER), mlm.resolve(Checkpoint.TOKENIZER));
            assertThat(new TreeSet<>(SafeTensors.header(mlm.resolve(Checkpoint.WEIGHTS)).tensors().keySet()))
                    .as("the MLM checkpoint holds the tensors of the original, under its names")
                    .isEqualTo(new TreeSet<>(SafeTensors.header(folder.resolve(Checkpoint.WEIGHTS)).tensors()
                            .keySet()));
            assertThat(Files.readString(mlm.resolve(Checkpoint.CONFIG)))
                    .contains("\"" + start.config().family().classPrefix() + "ForMaskedLM\"");
            StartingPoint again = StartingPoint.fromCheckpoint(mlm, compute, 0, null, 0f);
            assertThat(again.lmHeadLoaded()).isTrue();
            again.languageModel().setTraining(false);
            assertThat(again.languageModel().allLogits(batch)).containsExactly(logits);
        }
    }

    /** The tokenizers in the fixture folders frame text as each model expects and pad with the model's pad id. */
    @Test
    void tokenizersFrameTextAsTheirModels() throws Exception {
        Tokenizer roberta = Tokenizer.load(folder("roberta").resolve(Checkpoint.TOKENIZER));
        Encoding single = roberta.encode("see the movie", true);
        assertThat(single.ids()[0]).isEqualTo(0);
        assertThat(single.ids()[single.length() - 1]).isEqualTo(2);
        assertThat(single.tokens()).contains("Ġthe");
        Encoding pair = roberta.encodePair("it is good", "not bad", true);
        List<String> tokens = List.of(pair.tokens());
        int firstEnd = tokens.indexOf("</s>");
        assertThat(tokens.get(firstEnd + 1)).as("<s> A </s></s> B </s>").isEqualTo("</s>");
        assertThat(pair.typeIds()).containsOnly(0);
        assertThat(StartingPoint.padId(roberta)).isEqualTo(1);

        Tokenizer xlmr = Tokenizer.load(folder("xlm_roberta").resolve(Checkpoint.TOKENIZER));
        Encoding x = xlmr.encode("the film is great", true);
        assertThat(x.tokens()).startsWith("<s>", "▁the", "▁film", "▁is").endsWith("</s>");
        assertThat(StartingPoint.padId(xlmr)).isEqualTo(1);

        Tokenizer wordpiece = Tokenizer.load(folder("distilbert").resolve(Checkpoint.TOKENIZER));
        assertThat(wordpiece.encode("This movie", true).tokens()).containsExactly("[CLS]", "this", "movie", "[SEP]");
        assertThat(StartingPoint.padId(wordpiece)).isEqualTo(0);
    }
}
