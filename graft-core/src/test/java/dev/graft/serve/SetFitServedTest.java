package dev.graft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.FineTunedModel;
import dev.graft.finetune.Fixtures;
import dev.graft.finetune.FineTuning;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SentenceEmbedder;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** A SetFit model served by graft serve as any classifier: /predict answers as graft predict. */
class SetFitServedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSetFitFolderServesPredictions(@TempDir Path dir) throws Exception {
        Compute compute = Compute.create(1);
        Path folder = dir.resolve("setfit");
        try {
            Path encoder = Fixtures.checkpoint(dir.resolve("enc"), compute, Fixtures.wordPiece(),
                    ModelConfig.Architecture.ENCODER);
            Path train = Fixtures.writeClassification(dir.resolve("train.jsonl"), Fixtures.sentiment(24, 10));
            FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), folder).from(encoder)
                    .recipe(FineTuneSpec.Recipe.SETFIT).run(ro -> ro.withEpochs(1)).learningRate(1e-3f).run(ro -> ro.withThreads(1)).build(),
                    DatasetRegistry.standard(), new PrintStream(PrintStream.nullOutputStream()));
        } finally {
            compute.parallel().close();
        }
        List<String> texts = new ArrayList<>();
        for (String[] row : Fixtures.sentiment(6, 99)) {
            texts.add(row[0]);
        }
        ServeSettings settings = ServeSettings.defaults(1).withPort(0);
        Compute offline = Compute.create(1);
        try (InferenceServer server = InferenceServer.start(List.of(new ModelSpec("setfit", folder)), settings,
                Pooling.MEAN, "test")) {
            HttpClient client = ServeFixtures.client();
            HttpResponse<String> r = ServeFixtures.post(client, server.uri(), "/predict",
                    JSON.writeValueAsString(Map.of("inputs", texts)));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode all = JSON.readTree(r.body());
            assertThat(all).hasSize(texts.size());
            FineTunedModel m = FineTunedModel.load(folder, offline);
            ClassificationTask task = (ClassificationTask) m.task();
            ClassificationData data = ClassificationData.encode(m.tokenizer(), texts, null, m.head().maxLength(),
                    m.padId());
            ClassificationTask.Predictions p = task.predict(data, data.batches(64));
            List<String> labels = m.head().labels();
            for (int i = 0; i < texts.size(); i++) {
                JsonNode scores = all.get(i);
                assertThat(scores.get(0).path("label").asText()).as("text " + i)
                        .isEqualTo(labels.get(p.predicted()[i]));
                for (JsonNode s : scores) {
                    assertThat(s.path("score").doubleValue()).isCloseTo(
                            p.probabilities()[i][labels.indexOf(s.path("label").asText())], offset(1e-5));
                }
            }
        } finally {
            offline.parallel().close();
        }
    }
}
