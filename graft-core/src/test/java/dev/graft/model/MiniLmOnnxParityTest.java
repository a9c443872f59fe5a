package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * all-MiniLM-L6-v2 imported from its ONNX file against ONNX Runtime running that same file (the
 * oracle): last_hidden_state within 1e-4 (max absolute) on every non-padding position of a few
 * hundred sentences of varied length, batched unsorted so that most rows carry padding, and
 * mean-pooled, L2-normalized embeddings with cosine >= 0.99999. Padded positions are not
 * compared: both compute something there (queries are not masked, as in Hugging Face), but
 * nothing reads it. Also: the folder {@code graft import} writes reads back bit-identical.
 */
class MiniLmOnnxParityTest {
    private static final double MAX_ABS = 1e-4;
    private static final double MIN_COSINE = 0.99999;

    @TempDir
    static Path dir;
    private static Compute compute;
    private static OnnxImport.Imported imported;
    private static Path onnx;
    private static Path folder;

    @BeforeAll
    static void importOnce() throws Exception {
        compute = Compute.create(2);
        onnx = MiniLmFixture.resource(MiniLmFixture.ONNX, dir);
        Path tokenizer = MiniLmFixture.resource(MiniLmFixture.TOKENIZER, dir);
        imported = OnnxImport.read(onnx, OnnxImport.Options.defaults());
        folder = dir.resolve("minilm");
        OnnxImport.save(imported, tokenizer, folder);
    }

    @AfterAll
    static void close() {
        compute.parallel().close();
    }

    @Test
    void derivesMiniLmConfig() {
        ModelConfig c = imported.config();
        assertThat(c.architecture()).isEqualTo(ModelConfig.Architecture.ENCODER);
        assertThat(c.numberOfLayers()).isEqualTo(6);
        assertThat(c.hiddenSize()).isEqualTo(384);
        assertThat(c.numberOfHeads()).isEqualTo(12);
        assertThat(c.intermediateSize()).isEqualTo(1536);
        assertThat(c.vocabSize()).isEqualTo(30522);
        assertThat(c.maxPositions()).isEqualTo(512);
        assertThat(c.typeVocabSize()).isEqualTo(2);
        assertThat(c.layerNormEps()).isEqualTo(1e-12f);
        assertThat(c.gelu()).isEqualTo(dev.graft.tensor.kernel.GeluForm.ERF);
        long count = imported.weights().values().stream().mapToLong(t -> t.size()).sum();
        assertThat(count).as("parameters (22.6M for all-MiniLM-L6-v2 without pooler)").isEqualTo(22_565_376L);
        assertThat(imported.notes()).anySatisfy(n -> assertThat(n).contains("heads 12 from the graph"));
    }

    @Test
    void lastHiddenStateAndEmbeddingsMatchOnnxRuntime() throws Exception {
        Pretrained model = Pretrained.loadBackbone(folder, compute);
        model.backbone().dropouts().forEach(d -> d.setTraining(false));
        Tokenizer tokenizer = model.requireTokenizer();
        List<String> sentences = MiniLmFixture.sentences(180, 80, 60, 17);
        int pad = tokenizer.specialTokens().padding().orElseThrow();
        double maxAbs = 0;
        double maxAbsInference = 0;
        double minCosine = 1;
        EncoderInference inference = new EncoderInference(model.backbone(), compute);
        String worst = "";
        int comparedRows = 0;
        int paddedRows = 0;
        int width = model.config().hiddenSize();
        try (OnnxRuntimeOracle oracle = new OnnxRuntimeOracle(onnx, 2)) {
            for (int start = 0; start < sentences.size(); start += 8) {
                List<String> texts = sentences.subList(start, Math.min(sentences.size(), start + 8));
                List<Encoding> encodings = new ArrayList<>();
                for (String t : texts) {
                    encodings.add(tokenizer.encode(t, true));
                }
                TokenBatch batch = SentenceEmbedder.toTokenBatch(encodings, pad);
                float[] expected = oracle.lastHiddenState(batch);
                float[] actual = model.backbone().forward(batch);
                EncoderInference.Packed packed = inference.forward(batch);
                int[] mask = batch.attentionMask();
                int packedRow = 0;
                for (int r = 0; r < batch.rows(); r++) {
                    if (mask[r] == 0) {
                        paddedRows++;
                        continue;
                    }
                    comparedRows++;
                    for (int j = 0; j < width; j++) {
                        double d = Math.abs(actual[r * width + j] - expected[r * width + j]);
                        if (d > maxAbs) {
                            maxAbs = d;
                            worst = "sentence " + (start + r / batch.time()) + ", token " + r % batch.time()
                                    + ", dim " + j;
                        }
                        maxAbsInference = Math.max(maxAbsInference,
                                Math.abs(packed.hidden()[packedRow * width + j] - expected[r * width + j]));
                    }
                    packedRow++;
                }
                float[][] fast = SentenceEmbedder.pool(packed, Pooling.MEAN, true);
                float[][] a = SentenceEmbedder.pool(actual, batch, Pooling.MEAN, true, width);
                float[][] e = SentenceEmbedder.pool(expected, batch, Pooling.MEAN, true, width);
                for (int i = 0; i < a.length; i++) {
                    minCosine = Math.min(minCosine, cosine(a[i], e[i]));
                    minCosine = Math.min(minCosine, cosine(fast[i], e[i]));
                }
            }
        }
        System.out.printf("MiniLM parity over %d sentences: %d token rows compared (%d padded rows skipped), "
                + "last_hidden_state max |graft - onnxruntime| = %.3g (at %s; inference path %.3g), min cosine of "
                + "mean-pooled normalized embeddings = %.9f%n", sentences.size(), comparedRows, paddedRows, maxAbs,
                worst, maxAbsInference, minCosine);
        assertThat(paddedRows).as("batches carry padding").isGreaterThan(1000);
        assertThat(maxAbs).as("max abs difference of last_hidden_state at %s", worst).isLessThanOrEqualTo(MAX_ABS);
        assertThat(maxAbsInference).as("inference path").isLessThanOrEqualTo(MAX_ABS);
        assertThat(minCosine).isGreaterThanOrEqualTo(MIN_COSINE);
    }

    @Test
    void embedderMatchesTheOracleWhateverTheBatching() throws Exception {
        Pretrained model = Pretrained.loadBackbone(folder, compute);
        Tokenizer tokenizer = model.requireTokenizer();
        List<String> sentences = MiniLmFixture.sentences(20, 20, 150, 5);
        sentences = new ArrayList<>(sentences);
        sentences.add("word ".repeat(700)); // longer than 512 positions: truncated
        SentenceEmbedder embedder = new SentenceEmbedder(model.backbone(), tokenizer,
                Pooling.MEAN, true, 7, model.config().maxPositions());
        float[][] vectors = embedder.embed(sentences);
        assertThat(embedder.truncatedCount()).isEqualTo(1);
        try (OnnxRuntimeOracle oracle = new OnnxRuntimeOracle(onnx, 2)) {
            for (int i = 0; i < sentences.size(); i++) {
                Encoding e = embedder.encode(sentences.get(i));
                assertThat(e.length()).isLessThanOrEqualTo(512);
                TokenBatch one = SentenceEmbedder.toTokenBatch(List.of(e), 0);
                float[] expected = SentenceEmbedder.pool(oracle.lastHiddenState(one), one,
                        Pooling.MEAN, true, 384)[0];
                assertThat(cosine(vectors[i], expected)).as("sentence %d", i).isGreaterThanOrEqualTo(MIN_COSINE);
                assertThat(norm(vectors[i])).isCloseTo(1.0, org.assertj.core.api.Assertions.offset(1e-5));
            }
        }
    }

    @Test
    void importedCheckpointReadsBackBitIdentical() throws Exception {
        Pretrained model = Pretrained.loadBackbone(folder, compute);
        assertThat(model.architecture()).isEqualTo("BertModel");
        assertThat(model.config()).isEqualTo(imported.config());
        assertThat(model.ignoredTensors()).isEmpty();
        for (Map.Entry<String, dev.graft.tensor.Tensor> e : imported.weights().entrySet()) {
            Parameter p = model.parameters().get(e.getKey());
            assertThat(p.value().toArray()).as(e.getKey()).isEqualTo(e.getValue().toArray());
        }
        assertThat(SafeTensors.header(folder.resolve(Checkpoint.WEIGHTS)).tensors().keySet())
                .as("bare BertModel names, as transformers' BertModel.save_pretrained writes them")
                .contains("embeddings.word_embeddings.weight", "encoder.layer.5.output.LayerNorm.bias")
                .noneMatch(n -> n.startsWith("bert."));
        assertThat(Files.readAllBytes(folder.resolve(Checkpoint.TOKENIZER)))
                .isEqualTo(Files.readAllBytes(dir.resolve(MiniLmFixture.TOKENIZER)));
        // saved again by graft (Checkpoint.save, bert.-prefixed names), loaded again: same bits, same outputs
        Path again = dir.resolve("again");
        Checkpoint.save(again, model.config(), "BertModel", model.parameters(), null, null);
        Pretrained reloaded = Pretrained.loadBackbone(again, compute);
        for (Parameter p : model.parameters().list()) {
            assertThat(reloaded.parameters().get(p.name()).value().toArray()).as(p.name())
                    .isEqualTo(p.value().toArray());
        }
        model.backbone().dropouts().forEach(d -> d.setTraining(false));
        reloaded.backbone().dropouts().forEach(d -> d.setTraining(false));
        Tokenizer tokenizer = model.requireTokenizer();
        List<Encoding> enc = List.of(tokenizer.encode("In the beginning God created the heaven", true),
                tokenizer.encode("and the earth.", true));
        TokenBatch batch = SentenceEmbedder.toTokenBatch(enc, 0);
        float[] a = model.backbone().forward(batch).clone();
        float[] b = reloaded.backbone().forward(batch).clone();
        assertThat(b).isEqualTo(a);
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static double norm(float[] a) {
        double s = 0;
        for (float x : a) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }
}
