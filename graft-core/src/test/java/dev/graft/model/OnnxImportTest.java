package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.Tensor;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ONNX import on small graphs written by the test in the shape {@code torch.onnx.export} gives a
 * BERT (named initializers, {@code onnx::MatMul_N} weights stored (in, out) and consumed by scoped
 * MatMul nodes, attention Reshape to (batch, time, heads, head size) through Concat of Constants,
 * score Div by sqrt(head size), decomposed layer norms, Erf): odd sizes (vocabulary 11, hidden 8,
 * 2 heads, FFN 12, 2 layers, 16 positions), then one defect at a time.
 */
class OnnxImportTest {
    private static final int VOCAB = 11;
    private static final int HIDDEN = 8;
    private static final int HEADS = 2;
    private static final int FFN = 12;
    private static final int LAYERS = 2;
    private static final int POSITIONS = 16;
    private static final Parallel POOL = new Parallel(1);
    private static final Compute COMPUTE = new Compute(new ScalarKernels(), POOL);

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void importsATinyExportWithTransposedMatMulWeights() throws IOException {
        Export export = new Export(1);
        OnnxImport.Imported imported = OnnxImport.read(export.write(dir.resolve("tiny.onnx")),
                OnnxImport.Options.defaults());
        ModelConfig c = imported.config();
        assertThat(c).isEqualTo(new ModelConfig(ModelConfig.Architecture.ENCODER, VOCAB, HIDDEN, LAYERS, HEADS, FFN,
                POSITIONS, 2, 1e-12f, 0.1f, 0.1f, GeluForm.ERF, 0.02f, 0));
        assertThat(imported.weights().keySet()).containsExactlyElementsOf(OnnxImport.backboneShapes(c).keySet());
        // a MatMul weight is stored (in, out): graft's (out, in) is its transpose
        float[] stored = export.weights.get("bert.encoder.layer.1.intermediate.dense.weight");
        Tensor w = imported.weights().get("bert.encoder.layer.1.intermediate.dense.weight");
        assertThat(w.shape()).containsExactly(FFN, HIDDEN);
        for (int out = 0; out < FFN; out++) {
            for (int in = 0; in < HIDDEN; in++) {
                assertThat(w.get(out * HIDDEN + in)).isEqualTo(stored[in * FFN + out]);
            }
        }
        assertThat(imported.weights().get("bert.embeddings.word_embeddings.weight").toArray())
                .isEqualTo(export.weights.get("bert.embeddings.word_embeddings.weight"));
        assertThat(String.join("\n", imported.notes())).contains("heads 2 from the graph", "epsilon 1.0E-12",
                "GELU erf", "embeddings.position_ids");
    }

    @Test
    void savedFolderLoadsIntoABackboneWithTheSameWeights() throws IOException {
        Export export = new Export(2);
        OnnxImport.Imported imported = OnnxImport.read(export.write(dir.resolve("tiny.onnx")),
                OnnxImport.Options.defaults());
        Path folder = dir.resolve("ckpt");
        OnnxImport.save(imported, null, folder);
        assertThat(HfConfig.read(folder.resolve(Checkpoint.CONFIG))).isEqualTo(imported.config());
        assertThat(Files.readString(folder.resolve(Checkpoint.CONFIG))).contains("\"BertModel\"");
        Pretrained loaded = Pretrained.loadBackbone(folder, COMPUTE);
        assertThat(loaded.tokenizer()).isNull();
        assertThatThrownBy(loaded::requireTokenizer).hasMessageContaining("no tokenizer.json");
        for (Parameter p : loaded.parameters().list()) {
            assertThat(p.value().toArray()).as(p.name()).isEqualTo(imported.weights().get(p.name()).toArray());
        }
    }

    @Test
    void backboneShapesAreTheBackboneParameters() {
        for (int types : new int[] {0, 2}) {
            ModelConfig c = new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 32, 3, 4, 37, 16, types, 1e-12f,
                    0.1f, 0.1f, GeluForm.ERF, 0.02f, 0);
            Map<String, int[]> expected = OnnxImport.backboneShapes(c);
            List<Parameter> params = new Backbone(COMPUTE, c, 1).parameters();
            assertThat(params.stream().map(Parameter::name).toList()).containsExactlyElementsOf(expected.keySet());
            for (Parameter p : params) {
                assertThat(p.shape()).as(p.name()).containsExactly(expected.get(p.name()));
            }
        }
    }

    @Test
    void missingTensorsAreListed() throws IOException {
        Export export = new Export(3);
        export.omit.add("encoder.layer.1.output.dense.bias");
        export.omit.add("embeddings.LayerNorm.weight");
        assertThatThrownBy(() -> OnnxImport.read(export.write(dir.resolve("m.onnx")), OnnxImport.Options.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing bert.embeddings.LayerNorm.weight[8]")
                .hasMessageContaining("missing bert.encoder.layer.1.output.dense.bias[8]");
    }

    @Test
    void unknownInitializersAreListed() throws IOException {
        Export export = new Export(4);
        export.extra = g -> {
            g.message(5, tensor("mystery.weight", 1, new long[] {5, 5}, new float[25]));
            g.message(5, tensor("another", 1, new long[] {40}, new float[40]));
        };
        assertThatThrownBy(() -> OnnxImport.read(export.write(dir.resolve("u.onnx")), OnnxImport.Options.defaults()))
                .hasMessageContaining("2 initializer(s) cannot be mapped")
                .hasMessageContaining("unknown initializer mystery.weight float32[5, 5] (used by no node)")
                .hasMessageContaining("unknown initializer another");
    }

    @Test
    void integerWeightsAreAnError() throws IOException {
        Export export = new Export(5);
        export.intTensor = "embeddings.LayerNorm.bias";
        assertThatThrownBy(() -> OnnxImport.read(export.write(dir.resolve("i.onnx")), OnnxImport.Options.defaults()))
                .hasMessageContaining("embeddings.LayerNorm.bias (bert.embeddings.LayerNorm.bias) holds int64 values");
    }

    @Test
    void shapeMismatchIsAnError() throws IOException {
        Export export = new Export(6);
        export.ffnOfLastLayer = FFN - 2;
        assertThatThrownBy(() -> OnnxImport.read(export.write(dir.resolve("s.onnx")), OnnxImport.Options.defaults()))
                .hasMessageContaining("bert.encoder.layer.1.intermediate.dense.weight (from onnx::MatMul_")
                .hasMessageContaining("has shape [10, 8] but the config needs [12, 8]");
    }

    @Test
    void headsComeFromTheGraphOrTheOptions() throws IOException {
        Export export = new Export(7);
        export.headInfo = false;
        Path file = export.write(dir.resolve("h.onnx"));
        assertThatThrownBy(() -> OnnxImport.read(file, OnnxImport.Options.defaults()))
                .hasMessageContaining("cannot find the number of attention heads")
                .hasMessageContaining("give it explicitly as numberOfHeads");
        OnnxImport.Imported given = OnnxImport.read(file, new OnnxImport.Options(4, null, 0));
        assertThat(given.config().numberOfHeads()).isEqualTo(4);
        Path withInfo = new Export(7).write(dir.resolve("h2.onnx"));
        assertThatThrownBy(() -> OnnxImport.read(withInfo, new OnnxImport.Options(4, null, 0)))
                .hasMessageContaining("4 heads were given but the graph has 2");
    }

    @Test
    void unscopedMatMulNodesCannotNameTheirWeights() throws IOException {
        Export export = new Export(8);
        export.scoped = false;
        assertThatThrownBy(() -> OnnxImport.read(export.write(dir.resolve("n.onnx")), OnnxImport.Options.defaults()))
                .hasMessageContaining("carries no module scope");
    }

    @Test
    void truncatedOrForeignFilesSaySo() throws IOException {
        byte[] whole = Files.readAllBytes(new Export(9).write(dir.resolve("t.onnx")));
        Path truncated = dir.resolve("truncated.onnx");
        Files.write(truncated, Arrays.copyOf(whole, whole.length - 100));
        assertThatThrownBy(() -> OnnxImport.read(truncated, OnnxImport.Options.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("truncated.onnx")
                .hasMessageContaining("the file is truncated or not an ONNX model");
        Path text = dir.resolve("text.onnx");
        Files.writeString(text, "this is not protobuf at all, just some text\n");
        assertThatThrownBy(() -> OnnxImport.read(text, OnnxImport.Options.defaults()))
                .isInstanceOf(IOException.class).hasMessageContaining("text.onnx");
        assertThatThrownBy(() -> OnnxImport.read(dir.resolve("absent.onnx"), OnnxImport.Options.defaults()))
                .isInstanceOf(IOException.class).hasMessageContaining("does not exist");
    }

    // ----------------------------------------------------------------------------- the test export

    /** Writes a BERT export as torch.onnx.export lays it out, with switches for defects. */
    private static final class Export {
        final Random random;
        final Map<String, float[]> weights = new LinkedHashMap<>(); // graft name -> values as stored in the file
        final List<String> omit = new ArrayList<>();
        String intTensor;
        int ffnOfLastLayer = FFN;
        boolean headInfo = true;
        boolean scoped = true;
        Consumer<Proto> extra;
        private int counter = 700;
        private int constants;

        Export(long seed) {
            random = new Random(seed);
        }

        Path write(Path file) throws IOException {
            Proto graph = new Proto();
            graph.string(2, "main_graph");
            named(graph, "embeddings.word_embeddings.weight", VOCAB, HIDDEN);
            named(graph, "embeddings.position_embeddings.weight", POSITIONS, HIDDEN);
            named(graph, "embeddings.token_type_embeddings.weight", 2, HIDDEN);
            named(graph, "embeddings.LayerNorm.weight", HIDDEN);
            named(graph, "embeddings.LayerNorm.bias", HIDDEN);
            long[] ids = new long[POSITIONS];
            for (int i = 0; i < POSITIONS; i++) {
                ids[i] = i;
            }
            graph.message(5, longTensor("embeddings.position_ids", new long[] {1, POSITIONS}, ids));
            graph.message(1, node("/embeddings/word_embeddings/Gather", "Gather",
                    List.of("embeddings.word_embeddings.weight", "input_ids"), List.of("/emb")));
            layerNorm(graph, "/embeddings/LayerNorm");
            for (int l = 0; l < LAYERS; l++) {
                String p = "encoder.layer." + l + ".";
                String s = "/encoder/layer." + l + "/";
                int ffn = l == LAYERS - 1 ? ffnOfLastLayer : FFN;
                for (String qkv : List.of("query", "key", "value")) {
                    matmul(graph, s + "attention/self/" + qkv + "/MatMul", HIDDEN, HIDDEN);
                    named(graph, p + "attention.self." + qkv + ".bias", HIDDEN);
                }
                if (headInfo) {
                    String c2 = constant(graph, longTensor("", new long[] {1}, new long[] {HEADS}));
                    String c3 = constant(graph, longTensor("", new long[] {1}, new long[] {HIDDEN / HEADS}));
                    graph.message(1, node(s + "attention/self/Concat", "Concat",
                            List.of(s + "u0", s + "u1", c2, c3), List.of(s + "shape")));
                    graph.message(1, node(s + "attention/self/Reshape", "Reshape",
                            List.of(s + "q", s + "shape"), List.of(s + "q4")));
                    String scale = constant(graph, tensor("", 1, new long[] {}, new float[] {
                        (float) Math.sqrt(HIDDEN / HEADS)}));
                    graph.message(1, node(s + "attention/self/Div", "Div", List.of(s + "scores", scale),
                            List.of(s + "scaled")));
                }
                matmul(graph, s + "attention/output/dense/MatMul", HIDDEN, HIDDEN);
                named(graph, p + "attention.output.dense.bias", HIDDEN);
                named(graph, p + "attention.output.LayerNorm.weight", HIDDEN);
                named(graph, p + "attention.output.LayerNorm.bias", HIDDEN);
                layerNorm(graph, s + "attention/output/LayerNorm");
                matmul(graph, s + "intermediate/dense/MatMul", HIDDEN, ffn);
                named(graph, p + "intermediate.dense.bias", ffn);
                graph.message(1, node(s + "intermediate/intermediate_act_fn/Erf", "Erf", List.of(s + "i"),
                        List.of(s + "erf")));
                matmul(graph, s + "output/dense/MatMul", ffn, HIDDEN);
                named(graph, p + "output.dense.bias", HIDDEN);
                named(graph, p + "output.LayerNorm.weight", HIDDEN);
                named(graph, p + "output.LayerNorm.bias", HIDDEN);
                layerNorm(graph, s + "output/LayerNorm");
            }
            if (extra != null) {
                extra.accept(graph);
            }
            graph.message(11, new Proto().string(1, "input_ids"));
            graph.message(12, new Proto().string(1, "last_hidden_state"));
            Proto model = new Proto().varint(1, 8).string(2, "pytorch").string(3, "2.0.1").message(7, graph);
            Files.write(file, model.toBytes());
            return file;
        }

        private void named(Proto graph, String name, int... shape) {
            if (omit.contains(name)) {
                return;
            }
            float[] v = values(shape);
            weights.put("bert." + name, v);
            if (name.equals(intTensor)) {
                graph.message(5, longTensor(name, toLongs(shape), new long[v.length]));
            } else {
                graph.message(5, tensor(name, 1, toLongs(shape), v));
            }
        }

        private void matmul(Proto graph, String nodeName, int in, int out) {
            String init = "onnx::MatMul_" + counter++;
            float[] v = values(in, out);
            String path = nodeName.substring(1, nodeName.lastIndexOf('/')).replace('/', '.');
            weights.put("bert." + path + ".weight", v);
            graph.message(5, tensor(init, 1, new long[] {in, out}, v));
            graph.message(1, node(scoped ? nodeName : "MatMul_" + counter, "MatMul", List.of(nodeName + "_x", init),
                    List.of(nodeName + "_y")));
        }

        /** The decomposed form: ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div. */
        private void layerNorm(Proto graph, String scope) {
            graph.message(1, node(scope + "/ReduceMean_1", "ReduceMean", List.of(scope + "/pow"), List.of(scope + "/var")));
            String eps = constant(graph, tensor("", 1, new long[] {}, new float[] {1e-12f}));
            graph.message(1, node(scope + "/Add", "Add", List.of(scope + "/var", eps), List.of(scope + "/varEps")));
            graph.message(1, node(scope + "/Sqrt", "Sqrt", List.of(scope + "/varEps"), List.of(scope + "/std")));
        }

        private String constant(Proto graph, Proto value) {
            String out = "/Constant_" + constants++ + "_output_0";
            Proto attr = new Proto().string(1, "value").varint(20, 4).message(5, value);
            graph.message(1, new Proto().string(2, out).string(3, "/Constant_" + constants).string(4, "Constant")
                    .message(5, attr));
            return out;
        }

        private float[] values(int... shape) {
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = (float) random.nextGaussian();
            }
            return v;
        }
    }

    private static long[] toLongs(int[] shape) {
        long[] l = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            l[i] = shape[i];
        }
        return l;
    }

    static Proto node(String name, String op, List<String> inputs, List<String> outputs) {
        Proto n = new Proto();
        for (String in : inputs) {
            n.string(1, in);
        }
        for (String out : outputs) {
            n.string(2, out);
        }
        return n.string(3, name).string(4, op);
    }

    /** A float tensor with raw_data. */
    static Proto tensor(String name, int dataType, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new Proto().packed(1, dims).varint(2, dataType).string(8, name).bytes(9, b.array());
    }

    /** An int64 tensor in int64_data (packed), as exporters write small constants. */
    static Proto longTensor(String name, long[] dims, long[] values) {
        return new Proto().packed(1, dims).varint(2, OnnxGraph.INT64).packed(7, values).string(8, name);
    }

    /** A protobuf message writer: just enough wire format for the test exports. */
    static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long v) {
            rawVarint((long) field << 3);
            rawVarint(v);
            return this;
        }

        Proto bytes(int field, byte[] b) {
            rawVarint((long) field << 3 | 2);
            rawVarint(b.length);
            out.writeBytes(b);
            return this;
        }

        Proto string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto m) {
            return bytes(field, m.toBytes());
        }

        Proto packed(int field, long[] values) {
            Proto p = new Proto();
            for (long v : values) {
                p.rawVarint(v);
            }
            return bytes(field, p.toBytes());
        }

        private void rawVarint(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
