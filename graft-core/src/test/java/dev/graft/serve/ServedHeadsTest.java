package dev.graft.serve;

import dev.graft.finetune.Fixtures;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Compute;
import dev.graft.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** graft serve refuses the heads whose requests and answers it has no shape for, pointing to graft predict. */
class ServedHeadsTest {
    @Test
    void multiLabelAndPairModelsAreRefusedWithAPointerToPredict(@TempDir Path dir) throws IOException {
        Compute compute = Compute.create(1);
        try {
            Tokenizer tok = Fixtures.wordPiece();
            ModelConfig c = Fixtures.tiny(ModelConfig.Architecture.ENCODER, tok.vocabularySize(),
                    tok.specialTokens().padding().orElse(-1));
            for (HeadConfig.Task task : List.of(HeadConfig.Task.MULTI_LABEL, HeadConfig.Task.PAIR)) {
                Path folder = dir.resolve(task.id());
                SequenceClassifier model = new SequenceClassifier(compute, new Backbone(compute, c, 1),
                        SequenceClassifier.Pooling.MEAN, 2, 2);
                HeadConfig head = new HeadConfig(task, List.of("a", "b"), SequenceClassifier.Pooling.MEAN, 16);
                java.nio.file.Files.createDirectories(folder);
                head.write(folder.resolve(Checkpoint.CONFIG), c);
                Checkpoint.writeWeights(folder.resolve(Checkpoint.WEIGHTS), model.parameterSet(), Map.of());
                tok.save(folder.resolve(Checkpoint.TOKENIZER));
                assertThatThrownBy(() -> ServedModel.load("m", folder, compute, SentenceEmbedder.Pooling.MEAN))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(task.describe()).hasMessageContaining("graft predict");
            }
        } finally {
            compute.parallel().close();
        }
    }
}
