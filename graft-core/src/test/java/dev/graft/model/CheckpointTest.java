package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointTest {
    private static final Parallel POOL = new Parallel(1);
    private static final Compute COMPUTE = new Compute(new ScalarKernels(), POOL);

    @AfterAll
    static void close() {
        POOL.close();
    }

    private static ModelConfig tiny(ModelConfig.Architecture arch) {
        return new ModelConfig(arch, 99, 32, 2, 4, 37, 16, arch == ModelConfig.Architecture.ENCODER ? 2 : 0,
                1e-5f, 0f, 0f, arch == ModelConfig.Architecture.ENCODER
                ? dev.graft.tensor.kernel.GeluForm.ERF : dev.graft.tensor.kernel.GeluForm.TANH, 0.02f,
                arch == ModelConfig.Architecture.ENCODER ? 0 : -1);
    }

    private static TokenBatch batch() {
        int[] ids = {5, 17, 3, 98, 1, 44, 2, 9, 0, 0, 7, 8};
        int[] targets = new int[12];
        for (int i = 0; i < 12; i++) {
            targets[i] = (i * 7) % 99;
        }
        return new TokenBatch(2, 6, ids, null, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, targets);
    }

    @Test
    void aConfigWeightsMismatchIsSummarizedNotListed(@TempDir Path dir) throws IOException {
        // issue 23: a model of 12 layers read from weights of 2 used to list every tensor on one 11 KB line
        ModelConfig small = tiny(ModelConfig.Architecture.ENCODER);
        ModelConfig big = new ModelConfig(small.architecture(), 99, 32, 12, 4, 37, 16, 2, 1e-5f, 0f, 0f,
                small.gelu(), 0.02f, 0);
        Path folder = dir.resolve("small");
        Checkpoint.save(folder, small, "BertForMaskedLM", new LanguageModel(COMPUTE, small, 1).parameterSet(),
                Map.of(), null);
        LanguageModel model = new LanguageModel(COMPUTE, big, 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), model.parameterSet()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("160 tensor(s) of the model missing from the file (first 5: missing "
                        + "bert.encoder.layer.2.")
                .hasMessageContaining("Is config.json the one these weights were saved with?")
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(600));
    }

    @Test
    void roundTripIsBitIdentical(@TempDir Path dir) throws IOException {
        for (ModelConfig.Architecture arch : ModelConfig.Architecture.values()) {
            ModelConfig config = tiny(arch);
            LanguageModel a = new LanguageModel(COMPUTE, config, 42);
            Path folder = dir.resolve(arch.name());
            Checkpoint.save(folder, config, arch == ModelConfig.Architecture.ENCODER ? "BertForMaskedLM"
                    : "GPT2LMHeadModel", a.parameterSet(), Map.of("note", "test"), null);
            assertThat(HfConfig.read(folder.resolve(Checkpoint.CONFIG))).isEqualTo(config);
            LanguageModel b = new LanguageModel(COMPUTE, config, 7);
            Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), b.parameterSet());
            for (Parameter p : a.parameters()) {
                assertThat(b.parameterSet().get(p.name()).value().toArray()).as(p.name())
                        .isEqualTo(p.value().toArray());
            }
            a.setTraining(false);
            b.setTraining(false);
            assertThat(b.allLogits(batch())).isEqualTo(a.allLogits(batch()));
            try (var files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(".")).toList())
                        .as("no staging folder left behind").isEmpty();
            }
        }
    }

    @Test
    void savingOverAnExistingCheckpointReplacesIt(@TempDir Path dir) throws IOException {
        ModelConfig config = tiny(ModelConfig.Architecture.DECODER);
        LanguageModel a = new LanguageModel(COMPUTE, config, 1);
        Path folder = dir.resolve("ckpt");
        Checkpoint.save(folder, config, "GPT2LMHeadModel", a.parameterSet(), null,
                staged -> Files.writeString(staged.resolve("extra.txt"), "first"));
        Checkpoint.save(folder, config, "GPT2LMHeadModel", a.parameterSet(), null, null);
        assertThat(folder.resolve("extra.txt")).doesNotExist();
        assertThat(folder.resolve(Checkpoint.WEIGHTS)).exists();
    }

    @Test
    void mismatchedWeightsListEveryProblem(@TempDir Path dir) throws IOException {
        ModelConfig small = tiny(ModelConfig.Architecture.ENCODER);
        LanguageModel a = new LanguageModel(COMPUTE, small, 1);
        Path folder = dir.resolve("a");
        Checkpoint.save(folder, small, "BertForMaskedLM", a.parameterSet(), null, null);
        ModelConfig other = new ModelConfig(ModelConfig.Architecture.ENCODER, 99, 32, 3, 4, 37, 16, 2, 1e-5f, 0f, 0f,
                dev.graft.tensor.kernel.GeluForm.ERF, 0.02f, 0);
        LanguageModel b = new LanguageModel(COMPUTE, other, 1);
        assertThatThrownBy(() -> Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), b.parameterSet()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("missing bert.encoder.layer.2.attention.self.query.weight");
        ModelConfig wider = new ModelConfig(ModelConfig.Architecture.ENCODER, 98, 32, 2, 4, 37, 16, 2, 1e-5f, 0f, 0f,
                dev.graft.tensor.kernel.GeluForm.ERF, 0.02f, 0);
        LanguageModel c = new LanguageModel(COMPUTE, wider, 1);
        assertThatThrownBy(() -> Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), c.parameterSet()))
                .hasMessageContaining("bert.embeddings.word_embeddings.weight has shape [99, 32] in the file but "
                        + "[98, 32] in the model");
    }
}
