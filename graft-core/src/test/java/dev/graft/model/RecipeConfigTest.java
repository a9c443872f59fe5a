package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.ParameterSet;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pre-LN and bias-free encoders: parameter counts, config.json round trips, loading as a backbone. */
class RecipeConfigTest {
    private static final Parallel POOL = new Parallel(1);
    private static final Compute COMPUTE = new Compute(new ScalarKernels(), POOL);

    @AfterAll
    static void close() {
        POOL.close();
    }

    private static ModelConfig mini(boolean pre, boolean bias) {
        return Presets.get("bert-mini").withVocabSize(99).withPreNorm(pre).withLinearBias(bias);
    }

    @Test
    void parameterCountsMatchTheModels() {
        for (boolean pre : new boolean[] {false, true}) {
            for (boolean bias : new boolean[] {false, true}) {
                ModelConfig c = mini(pre, bias);
                assertThat(new LanguageModel(COMPUTE, c, 1).parameterSet().count()).as("pre %s bias %s", pre, bias)
                        .isEqualTo(c.parameterCount());
            }
        }
        ModelConfig gpt = Presets.get("gpt-tiny").withVocabSize(99).withLinearBias(false);
        assertThat(new LanguageModel(COMPUTE, gpt, 1).parameterSet().count()).isEqualTo(gpt.parameterCount());
        // bias-free drops 4C + FFN + C per block: (4·256 + 1024 + 256) x 4 blocks
        assertThat(mini(false, true).parameterCount() - mini(false, false).parameterCount())
                .isEqualTo(4L * (4 * 256 + 1024 + 256));
        // pre-LN adds the final LayerNorm
        assertThat(mini(true, true).parameterCount() - mini(false, true).parameterCount()).isEqualTo(2 * 256);
    }

    @Test
    void configJsonKeepsTheVariantsAndStandardConfigsStayAsTheyWere(@TempDir Path dir) throws IOException {
        ModelConfig c = mini(true, false);
        Path file = dir.resolve("config.json");
        HfConfig.write(file, c, "BertForMaskedLM");
        assertThat(HfConfig.read(file)).isEqualTo(c);
        HfConfig.write(file, mini(false, true), "BertForMaskedLM");
        assertThat(Files.readString(file)).doesNotContain("graft_");
        assertThat(HfConfig.read(file)).isEqualTo(mini(false, true));
        ModelConfig gpt = Presets.get("gpt-tiny").withLinearBias(false);
        HfConfig.write(file, gpt, "GPT2LMHeadModel");
        assertThat(HfConfig.read(file)).isEqualTo(gpt);
        assertThatThrownBy(() -> gpt.withPreNorm(false)).hasMessageContaining("pre-LN");
    }

    @Test
    void aPreNormCheckpointLoadsAsABackboneAndNotAsAPostNormOne(@TempDir Path dir) throws IOException {
        ModelConfig c = mini(true, false);
        LanguageModel lm = new LanguageModel(COMPUTE, c, 3);
        Path folder = dir.resolve("m");
        Checkpoint.save(folder, c, "BertForMaskedLM", lm.parameterSet(), Map.of(), null);
        Pretrained p = Pretrained.loadBackbone(folder, COMPUTE);
        assertThat(p.config()).isEqualTo(c);
        ParameterSet loaded = p.parameters();
        for (var param : loaded.list()) {
            assertThat(param.value().toArray()).as(param.name())
                    .isEqualTo(lm.parameterSet().get(param.name()).value().toArray());
        }
        // the same weights under a post-LN config.json: the renamed norms do not fit, and that is an error
        HfConfig.write(folder.resolve(Checkpoint.CONFIG), c.withPreNorm(false).withLinearBias(false),
                "BertForMaskedLM");
        assertThatThrownBy(() -> Pretrained.loadBackbone(folder, COMPUTE)).hasMessageContaining("missing bert.encoder.layer.0.attention.output.LayerNorm.weight")
                .hasMessageContaining("in the file the model does not have");
    }
}
