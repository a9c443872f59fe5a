package dev.graft.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * An encoder folder with sentence-transformers settings (as graft import writes them for bge and e5):
 * the server embeds with its pooling and length, puts the default prompt before every input of /embed and
 * /v1/embeddings, takes TEI's {@code prompt_name}, and says what it does in /info.
 */
class ServePromptsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theFoldersPoolingAndPromptsAreTheDefaultsAndPromptNameChoosesAnother() throws Exception {
        ServeFixtures models = ServeFixtures.make(dir);
        new SentenceTransformersConfig(Pooling.CLS, true, 12,
                Map.of("query", "good movie ", "passage", "bad plot "), "query").write(models.encoder, 32);
        ServeSettings settings = ServeSettings.defaults(1).withPort(0).withBatching(4096, 5).withLimits(64, 32, 1 << 20);
        Compute compute = Compute.create(1);
        try (InferenceServer server = InferenceServer.start(List.of(new ModelSpec("enc", models.encoder)), settings,
                null, "test")) {
            URI base = server.uri();
            HttpClient client = ServeFixtures.client();
            Pretrained p = Pretrained.loadBackbone(models.encoder, compute);
            SentenceEmbedder cls = new SentenceEmbedder(p.backbone(), p.requireTokenizer(),
                    Pooling.CLS, true, 8, 12);
            String text = "the acting was great and the story was lovely";

            HttpResponse<String> d = ServeFixtures.post(client, base, "/embed",
                    "{\"inputs\": \"" + text + "\", \"truncate\": true}");
            assertThat(d.statusCode()).as(d.body()).isEqualTo(200);
            assertClose(JSON.readTree(d.body()).get(0), cls.embed(List.of("good movie " + text))[0]);

            HttpResponse<String> passage = ServeFixtures.post(client, base, "/embed",
                    "{\"inputs\": [\"" + text + "\"], \"prompt_name\": \"passage\", \"truncate\": true}");
            assertThat(passage.statusCode()).as(passage.body()).isEqualTo(200);
            assertClose(JSON.readTree(passage.body()).get(0), cls.embed(List.of("bad plot " + text))[0]);

            HttpResponse<String> openai = ServeFixtures.post(client, base, "/v1/embeddings",
                    "{\"input\": \"" + text + "\", \"truncate\": true}");
            assertThat(openai.statusCode()).as(openai.body()).isEqualTo(200);
            assertClose(JSON.readTree(openai.body()).get("data").get(0).get("embedding"),
                    cls.embed(List.of("good movie " + text))[0]);

            // 12 tokens at most (sentence_bert_config.json): without truncate, a long input is refused
            HttpResponse<String> tooLong = ServeFixtures.post(client, base, "/embed", "{\"inputs\": \"" + text + "\"}");
            assertThat(tooLong.statusCode()).isEqualTo(413);
            assertThat(tooLong.body()).contains("more than the 12 model enc takes");

            HttpResponse<String> unknown = ServeFixtures.post(client, base, "/embed",
                    "{\"inputs\": \"x\", \"prompt_name\": \"title\"}");
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(unknown.body()).contains("prompt title: this model's prompts are passage, query");
            HttpResponse<String> wrongType = ServeFixtures.post(client, base, "/embed",
                    "{\"inputs\": \"x\", \"prompt_name\": 3}");
            assertThat(wrongType.statusCode()).isEqualTo(400);
            assertThat(wrongType.body()).contains("\\\"prompt_name\\\" must be a string, got a number");

            JsonNode info = JSON.readTree(ServeFixtures.get(client, base, "/info").body());
            JsonNode m = info.get("models").get(0);
            assertThat(m.get("pooling").asText()).isEqualTo("cls");
            assertThat(m.get("max_input_length").asInt()).isEqualTo(12);
            assertThat(m.get("default_prompt_name").asText()).isEqualTo("query");
            assertThat(m.get("prompts").get("passage").asText()).isEqualTo("bad plot ");
        } finally {
            compute.parallel().close();
        }
    }

    private static void assertClose(JsonNode vector, float[] expected) {
        assertThat(vector.size()).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(vector.get(i).floatValue()).as("dimension %d", i).isCloseTo(expected[i], within(1e-6f));
        }
    }
}
