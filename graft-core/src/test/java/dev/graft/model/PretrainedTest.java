package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.tensor.Parallel;
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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Checkpoint folders as Hugging Face transformers' {@code save_pretrained} writes them (written here
 * by hand with its names, buffers, tied copies, heads and dtypes) and as graft writes them, loaded
 * by {@link Pretrained#loadBackbone} and, for the MLM model, by {@link Checkpoint#readWeights}; and
 * each kind of defect at the folder level giving a clear error.
 */
class PretrainedTest {
    private static final Parallel POOL = new Parallel(1);
    private static final Compute COMPUTE = new Compute(new ScalarKernels(), POOL);

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        POOL.close();
    }

    static ModelConfig tiny(ModelConfig.Architecture arch) {
        boolean enc = arch == ModelConfig.Architecture.ENCODER;
        return new ModelConfig(arch, 99, 32, 2, 4, 37, 16, enc ? 2 : 0, enc ? 1e-12f : 1e-5f, 0.1f, 0.1f,
                enc ? GeluForm.ERF : GeluForm.TANH, 0.02f, enc ? 0 : -1);
    }

    private static TokenBatch batch() {
        int[] ids = {5, 17, 3, 98, 1, 44, 2, 9, 0, 0, 7, 8};
        return new TokenBatch(2, 6, ids, null, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, null);
    }

    // ------------------------------------------------------------------------------ what loads

    @Test
    void huggingFaceBertForPreTrainingFolderWithPoolerBuffersAndTiedCopies() throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.ENCODER);
        LanguageModel source = new LanguageModel(COMPUTE, config, 3);
        List<Raw> tensors = new ArrayList<>();
        for (Parameter p : source.parameters()) {
            tensors.add(Raw.f32(p.name(), p.shape(), p.value().toArray()));
        }
        float[] words = source.parameterSet().get("bert.embeddings.word_embeddings.weight").value().toArray();
        tensors.add(Raw.f32("cls.predictions.decoder.weight", new int[] {99, 32}, words));
        tensors.add(Raw.f32("cls.predictions.decoder.bias", new int[] {99}, new float[99]));
        tensors.add(Raw.f32("bert.pooler.dense.weight", new int[] {32, 32}, new float[32 * 32]));
        tensors.add(Raw.f32("bert.pooler.dense.bias", new int[] {32}, new float[32]));
        tensors.add(Raw.f32("cls.seq_relationship.weight", new int[] {2, 32}, new float[64]));
        tensors.add(Raw.f32("cls.seq_relationship.bias", new int[] {2}, new float[2]));
        tensors.add(Raw.i64("bert.embeddings.position_ids", new int[] {1, 16}, range(16)));
        Path folder = hfFolder("bert-pretraining", """
                {"architectures": ["BertForPreTraining"], "model_type": "bert", "vocab_size": 99, "hidden_size": 32,
                 "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 37, "hidden_act": "gelu",
                 "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 16,
                 "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0,
                 "position_embedding_type": "absolute", "use_cache": true, "classifier_dropout": null,
                 "torch_dtype": "float32", "transformers_version": "4.44.2", "gradient_checkpointing": false}
                """, tensors);

        Pretrained loaded = Pretrained.loadBackbone(folder, COMPUTE);
        assertThat(loaded.architecture()).isEqualTo("BertForPreTraining");
        assertThat(loaded.config()).isEqualTo(config);
        assertThat(loaded.ignoredTensors()).containsExactlyInAnyOrder("cls.predictions.transform.dense.weight",
                "cls.predictions.transform.dense.bias", "cls.predictions.transform.LayerNorm.weight",
                "cls.predictions.transform.LayerNorm.bias", "cls.predictions.bias", "cls.predictions.decoder.weight",
                "cls.predictions.decoder.bias", "bert.pooler.dense.weight", "bert.pooler.dense.bias",
                "cls.seq_relationship.weight", "cls.seq_relationship.bias", "bert.embeddings.position_ids");
        sameBackbone(source.backbone(), loaded);

        // the MLM model reads the same folder: pooler, NSP head, buffer and tied copies are skipped
        LanguageModel mlm = new LanguageModel(COMPUTE, config, 9);
        Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), mlm.parameterSet());
        for (Parameter p : source.parameters()) {
            assertThat(mlm.parameterSet().get(p.name()).value().toArray()).as(p.name()).isEqualTo(p.value().toArray());
        }
    }

    @Test
    void huggingFaceBertModelFolderWithBareNamesInFloat16() throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.ENCODER);
        Backbone source = new LanguageModel(COMPUTE, config, 4).backbone();
        List<Raw> tensors = new ArrayList<>();
        for (Parameter p : source.parameters()) {
            float[] v = p.value().toArray();
            for (int i = 0; i < v.length; i++) {
                v[i] = Float.float16ToFloat(Float.floatToFloat16(v[i])); // what F16 storage keeps
            }
            p.value().copyFrom(v);
            tensors.add(Raw.f16(p.name().substring("bert.".length()), p.shape(), v));
        }
        tensors.add(Raw.f16("pooler.dense.weight", new int[] {32, 32}, new float[32 * 32]));
        tensors.add(Raw.f16("pooler.dense.bias", new int[] {32}, new float[32]));
        Path folder = hfFolder("bert-model", HfConfig.toJson(config, "BertModel").toString(), tensors);
        Pretrained loaded = Pretrained.loadBackbone(folder, COMPUTE);
        assertThat(loaded.ignoredTensors()).containsExactlyInAnyOrder("pooler.dense.weight", "pooler.dense.bias");
        sameBackbone(source, loaded);
    }

    @Test
    void huggingFaceGpt2FoldersWithAndWithoutPrefixAndMaskBuffers() throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.DECODER);
        LanguageModel source = new LanguageModel(COMPUTE, config, 5);
        String json = """
                {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 99, "n_embd": 32,
                 "n_layer": 2, "n_head": 4, "n_inner": 37, "n_positions": 16, "n_ctx": 16,
                 "activation_function": "gelu_new", "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1,
                 "layer_norm_epsilon": 1e-05, "initializer_range": 0.02, "scale_attn_weights": true,
                 "bos_token_id": 50256, "eos_token_id": 50256, "tie_word_embeddings": true}
                """;
        for (boolean prefixed : new boolean[] {true, false}) {
            List<Raw> tensors = new ArrayList<>();
            for (Parameter p : source.parameters()) {
                String name = prefixed ? p.name() : p.name().substring("transformer.".length());
                tensors.add(Raw.f32(name, p.shape(), p.value().toArray()));
            }
            for (int l = 0; l < 2; l++) {
                String h = (prefixed ? "transformer." : "") + "h." + l + ".attn.";
                tensors.add(Raw.f32(h + "bias", new int[] {1, 1, 16, 16}, new float[256]));
                tensors.add(Raw.f32(h + "masked_bias", new int[] {}, new float[] {-1e4f}));
            }
            if (prefixed) {
                float[] wte = source.parameterSet().get("transformer.wte.weight").value().toArray();
                tensors.add(Raw.f32("lm_head.weight", new int[] {99, 32}, wte));
            }
            Path folder = hfFolder("gpt2-" + prefixed, prefixed ? json : json.replace("GPT2LMHeadModel", "GPT2Model"),
                    tensors);
            Pretrained loaded = Pretrained.loadBackbone(folder, COMPUTE);
            assertThat(loaded.config()).isEqualTo(config);
            assertThat(loaded.ignoredTensors()).hasSize(prefixed ? 5 : 4);
            sameBackbone(source.backbone(), loaded);
        }
    }

    @Test
    void graftCheckpointsOfBothFamilies() throws IOException {
        for (ModelConfig.Architecture arch : ModelConfig.Architecture.values()) {
            ModelConfig config = tiny(arch);
            LanguageModel source = new LanguageModel(COMPUTE, config, 6);
            Path folder = dir.resolve("graft-" + arch);
            String architecture = config.isEncoder() ? "BertForMaskedLM" : "GPT2LMHeadModel";
            Checkpoint.save(folder, config, architecture, source.parameterSet(), null, null);
            Pretrained loaded = Pretrained.loadBackbone(folder, COMPUTE);
            assertThat(loaded.architecture()).isEqualTo(architecture);
            assertThat(loaded.ignoredTensors()).allMatch(n -> n.startsWith("cls.")).hasSize(config.isEncoder() ? 5 : 0);
            sameBackbone(source.backbone(), loaded);
        }
    }

    // ------------------------------------------------------------------------------ what does not

    @Test
    void missingAndMisshapenBackboneTensorsAreListed() throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.ENCODER);
        LanguageModel source = new LanguageModel(COMPUTE, config, 7);
        List<Raw> tensors = new ArrayList<>();
        for (Parameter p : source.parameters()) {
            if (p.name().equals("bert.encoder.layer.1.output.LayerNorm.bias")) {
                continue;
            }
            int[] shape = p.name().equals("bert.embeddings.position_embeddings.weight") ? new int[] {32, 16}
                    : p.shape();
            tensors.add(Raw.f32(p.name(), shape, p.value().toArray()));
        }
        tensors.add(Raw.f32("bert.encoder.layer.2.output.dense.bias", new int[] {32}, new float[32]));
        tensors.add(Raw.i64("bert.embeddings.LayerNorm.weight_as_int", new int[] {1}, new long[] {1}));
        Path folder = hfFolder("broken", HfConfig.toJson(config, "BertForMaskedLM").toString(), tensors);
        assertThatThrownBy(() -> Pretrained.loadBackbone(folder, COMPUTE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("the weights do not match the model described by config.json (2 layers, hidden 32)")
                .hasMessageContaining("missing bert.encoder.layer.1.output.LayerNorm.bias[32]")
                .hasMessageContaining("bert.embeddings.position_embeddings.weight has shape [32, 16] in the file but "
                        + "[16, 32]")
                .hasMessageContaining("unexpected bert.encoder.layer.2.output.dense.bias[32]")
                .hasMessageContaining("unexpected bert.embeddings.LayerNorm.weight_as_int");
    }

    @Test
    void integerWeightsAreAnErrorNotACrash() throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.ENCODER);
        LanguageModel source = new LanguageModel(COMPUTE, config, 8);
        List<Raw> tensors = new ArrayList<>();
        for (Parameter p : source.parameters()) {
            if (p.name().equals("bert.embeddings.LayerNorm.bias")) {
                tensors.add(Raw.i64(p.name(), p.shape(), new long[p.size()]));
            } else {
                tensors.add(Raw.f32(p.name(), p.shape(), p.value().toArray()));
            }
        }
        Path folder = hfFolder("ints", HfConfig.toJson(config, "BertForMaskedLM").toString(), tensors);
        assertThatThrownBy(() -> Pretrained.loadBackbone(folder, COMPUTE))
                .hasMessageContaining("bert.embeddings.LayerNorm.bias is stored as I64, not as floating-point weights");
        LanguageModel mlm = new LanguageModel(COMPUTE, config, 8);
        assertThatThrownBy(() -> Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), mlm.parameterSet()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("bert.embeddings.LayerNorm.bias is stored as I64, not as floating-point weights");
    }

    @Test
    void corruptWeightFilesInAFolderSayWhatIsWrong() throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.DECODER);
        LanguageModel source = new LanguageModel(COMPUTE, config, 9);
        Path good = dir.resolve("good");
        Checkpoint.save(good, config, "GPT2LMHeadModel", source.parameterSet(), null, null);
        byte[] bytes = Files.readAllBytes(good.resolve(Checkpoint.WEIGHTS));

        Path truncated = copyFolder(good, "truncated");
        Files.write(truncated.resolve(Checkpoint.WEIGHTS), Arrays.copyOf(bytes, bytes.length - 1000));
        assertThatThrownBy(() -> Pretrained.loadBackbone(truncated, COMPUTE))
                .isInstanceOf(SafeTensors.FormatException.class)
                .hasMessageContaining(truncated.resolve(Checkpoint.WEIGHTS).toString())
                .hasMessageContaining("the file is truncated");

        // a header that lies: every offset shifted by 4 bytes, the same total length
        Path liar = copyFolder(good, "liar");
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        String lying = header.replaceFirst("\"data_offsets\":\\[0,", "\"data_offsets\":[4,");
        assertThat(lying).isNotEqualTo(header);
        Files.write(liar.resolve(Checkpoint.WEIGHTS), withHeader(bytes, lying));
        assertThatThrownBy(() -> Pretrained.loadBackbone(liar, COMPUTE))
                .isInstanceOf(SafeTensors.FormatException.class)
                .hasMessageContaining("liar");

        // a dtype the header names that is not a dtype
        Path dtype = copyFolder(good, "dtype");
        Files.write(dtype.resolve(Checkpoint.WEIGHTS), withHeader(bytes, header.replaceFirst("\"F32\"", "\"F31\"")));
        assertThatThrownBy(() -> Pretrained.loadBackbone(dtype, COMPUTE))
                .isInstanceOf(SafeTensors.FormatException.class)
                .hasMessageContaining("F31");

        Path noWeights = copyFolder(good, "pickle");
        Files.delete(noWeights.resolve(Checkpoint.WEIGHTS));
        Files.write(noWeights.resolve("pytorch_model.bin"), new byte[10]);
        assertThatThrownBy(() -> Pretrained.loadBackbone(noWeights, COMPUTE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no weights file").hasMessageContaining("safe_serialization=True");
        assertThatThrownBy(() -> Pretrained.loadBackbone(dir.resolve("nowhere"), COMPUTE))
                .isInstanceOf(IOException.class).hasMessageContaining("does not exist");
    }

    @Test
    void configsGraftCannotRunFaithfullyAreRefused() throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.ENCODER);
        String bert = HfConfig.toJson(config, "BertModel").toString();
        Path camembert = hfFolder("camembert", bert.replace("\"bert\"", "\"camembert\""), List.of());
        assertThatThrownBy(() -> Pretrained.loadBackbone(camembert, COMPUTE))
                .hasMessageContaining("model_type 'camembert' is not supported");
        Path relative = hfFolder("relative", bert.replace("\"absolute\"", "\"relative_key\""), List.of());
        assertThatThrownBy(() -> Pretrained.loadBackbone(relative, COMPUTE))
                .hasMessageContaining("position_embedding_type 'relative_key' is not supported");
    }

    @Test
    void aTokenizerLargerThanTheModelIsRefused() throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.ENCODER);
        LanguageModel source = new LanguageModel(COMPUTE, config, 10);
        Path folder = dir.resolve("mismatch");
        Path tokenizer = MiniLmFixture.resource(MiniLmFixture.TOKENIZER, dir);
        Checkpoint.save(folder, config, "BertForMaskedLM", source.parameterSet(), null,
                staged -> Files.copy(tokenizer, staged.resolve(Checkpoint.TOKENIZER)));
        assertThatThrownBy(() -> Pretrained.loadBackbone(folder, COMPUTE))
                .hasMessageContaining("tokenizer.json has 30522 tokens but the model has only 99 token embeddings");
    }

    // ------------------------------------------------------------------------------ helpers

    private static void sameBackbone(Backbone expected, Pretrained loaded) {
        for (Parameter p : expected.parameters()) {
            assertThat(loaded.parameters().get(p.name()).value().toArray()).as(p.name()).isEqualTo(p.value().toArray());
        }
        expected.dropouts().forEach(d -> d.setTraining(false));
        loaded.backbone().dropouts().forEach(d -> d.setTraining(false));
        float[] a = expected.forward(batch()).clone();
        float[] b = loaded.backbone().forward(batch()).clone();
        assertThat(b).isEqualTo(a);
    }

    private Path hfFolder(String name, String configJson, List<Raw> tensors) throws IOException {
        Path folder = dir.resolve(name);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(Checkpoint.CONFIG), configJson);
        writeRaw(folder.resolve(Checkpoint.WEIGHTS), tensors);
        return folder;
    }

    private Path copyFolder(Path from, String name) throws IOException {
        Path to = dir.resolve(name);
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private static byte[] withHeader(byte[] file, String header) {
        long oldLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.write(file, (int) (8 + oldLength), (int) (file.length - 8 - oldLength));
        return out.toByteArray();
    }

    private static long[] range(int n) {
        long[] r = new long[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** One tensor as a safetensors writer other than graft's stores it (any dtype). */
    record Raw(String name, String dtype, int[] shape, byte[] data) {
        static Raw f32(String name, int[] shape, float[] v) {
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putFloat(x);
            }
            return new Raw(name, "F32", shape, b.array());
        }

        static Raw f16(String name, int[] shape, float[] v) {
            ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putShort(Float.floatToFloat16(x));
            }
            return new Raw(name, "F16", shape, b.array());
        }

        static Raw i64(String name, int[] shape, long[] v) {
            ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (long x : v) {
                b.putLong(x);
            }
            return new Raw(name, "I64", shape, b.array());
        }
    }

    /** Writes tensors in file order with a plain JSON header (no sorting, no padding), as other writers may. */
    static void writeRaw(Path file, List<Raw> tensors) throws IOException {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Raw t : tensors) {
            h.append(",\"").append(t.name()).append("\":{\"dtype\":\"").append(t.dtype()).append("\",\"shape\":")
                    .append(Arrays.toString(t.shape()).replace(" ", "")).append(",\"data_offsets\":[").append(offset)
                    .append(',').append(offset + t.data().length).append("]}");
            offset += t.data().length;
            data.writeBytes(t.data());
        }
        h.append('}');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.writeBytes(header);
        out.writeBytes(data.toByteArray());
        Files.write(file, out.toByteArray());
    }

    @Test
    void rawWriterMatchesTheReader() throws IOException {
        Path file = dir.resolve("raw.safetensors");
        writeRaw(file, List.of(Raw.f32("a", new int[] {2}, new float[] {1, 2}), Raw.i64("b", new int[] {1}, new long[] {7})));
        Map<String, SafeTensors.Entry> read = SafeTensors.read(file);
        assertThat(read.get("a").floats()).containsExactly(1f, 2f);
        assertThat(read.get("b").longs()).containsExactly(7L);
    }
}
