package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.Checkpoint;
import dev.graft.model.ElectraModel;
import dev.graft.model.HfConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SafeTensors;
import dev.graft.nn.Compute;
import dev.graft.pretrain.ElectraTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft import} of an ElectraForMaskedLM folder (the generator an ELECTRA run saves, shaped as the
 * Hugging Face ELECTRA fixture: embeddings 24, hidden 32) keeps its masked-LM head, as for the other
 * families' ForMaskedLM folders: the same tensors under the same names.
 */
class ElectraImportCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void importKeepsTheGeneratorsHead(@TempDir Path dir) throws Exception {
        Path fixture = Path.of("..", "graft-core", "src", "test", "resources", "fixtures", "hf", "electra");
        ModelConfig config = HfConfig.read(fixture.resolve(Checkpoint.CONFIG));
        Path run = dir.resolve("run");
        try (Parallel pool = new Parallel(1)) {
            ElectraModel model = new ElectraModel(new Compute(new ScalarKernels(), pool), config, 0.25, 7);
            new ElectraTask(model, List.of(), 50f, 1, d -> Files.copy(fixture.resolve(Checkpoint.TOKENIZER),
                    d.resolve(Checkpoint.TOKENIZER), StandardCopyOption.REPLACE_EXISTING)).saveModel(run, null);
        }
        Path generator = run.resolve(ElectraTask.GENERATOR_FOLDER);
        Path imported = dir.resolve("imported");
        ChildJvm.Result im = CliFixtures.run("", "import", "--from", generator.toString(), "--out",
                imported.toString());
        assertThat(im.exit()).as(im.err()).isZero();
        JsonNode written = JSON.readTree(imported.resolve(Checkpoint.CONFIG).toFile());
        assertThat(written.path("architectures").get(0).asText()).isEqualTo("ElectraForMaskedLM");
        assertThat(written.path("embedding_size").asInt()).isEqualTo(24);
        Map<String, SafeTensors.Entry> before = SafeTensors.read(generator.resolve(Checkpoint.WEIGHTS));
        Map<String, SafeTensors.Entry> after = SafeTensors.read(imported.resolve(Checkpoint.WEIGHTS));
        assertThat(new TreeSet<>(after.keySet())).isEqualTo(new TreeSet<>(before.keySet()));
        assertThat(after.keySet()).contains("generator_predictions.dense.weight", "generator_lm_head.bias");
        for (String name : before.keySet()) {
            assertThat(after.get(name).floats()).as(name).containsExactly(before.get(name).floats());
        }
    }
}
