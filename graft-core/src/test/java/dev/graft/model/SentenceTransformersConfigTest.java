package dev.graft.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.nn.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sentence-transformers files graft writes, as sentence-transformers lays them out, and read back. */
class SentenceTransformersConfigTest {
    @TempDir
    Path dir;

    @Test
    void writesTheFilesSentenceTransformersReadsAndReadsThemBack() throws IOException {
        SentenceTransformersConfig c = new SentenceTransformersConfig(Pooling.MEAN, true, 512,
                Map.of("query", "query: ", "passage", "passage: "), "query");
        c.write(dir, 384);
        ObjectMapper json = new ObjectMapper();
        JsonNode modules = json.readTree(dir.resolve("modules.json").toFile());
        assertThat(modules).hasSize(3);
        assertThat(modules.get(0).get("type").asText()).isEqualTo("sentence_transformers.models.Transformer");
        assertThat(modules.get(1).get("path").asText()).isEqualTo("1_Pooling");
        assertThat(modules.get(2).get("type").asText()).isEqualTo("sentence_transformers.models.Normalize");
        assertThat(dir.resolve("2_Normalize")).isDirectory();
        JsonNode pooling = json.readTree(dir.resolve("1_Pooling/config.json").toFile());
        assertThat(pooling.get("word_embedding_dimension").asInt()).isEqualTo(384);
        assertThat(pooling.get("pooling_mode_mean_tokens").asBoolean()).isTrue();
        assertThat(pooling.get("pooling_mode_cls_token").asBoolean()).isFalse();
        assertThat(json.readTree(dir.resolve("sentence_bert_config.json").toFile()).get("max_seq_length").asInt())
                .isEqualTo(512);
        JsonNode st = json.readTree(dir.resolve("config_sentence_transformers.json").toFile());
        assertThat(st.get("prompts").get("passage").asText()).isEqualTo("passage: ");
        assertThat(st.get("default_prompt_name").asText()).isEqualTo("query");
        assertThat(SentenceTransformersConfig.read(dir)).contains(c);
        assertThat(c.defaultPrompt()).isEqualTo("query: ");
        assertThat(c.prompt("passage")).isEqualTo("passage: ");
        assertThatThrownBy(() -> c.prompt("title")).hasMessage("prompt title: this model's prompts are passage, query");

        Path cls = dir.resolve("cls");
        SentenceTransformersConfig plain = new SentenceTransformersConfig(Pooling.CLS, false, null,
                Map.of(), null);
        plain.write(cls, 32);
        assertThat(json.readTree(cls.resolve("modules.json").toFile())).hasSize(2); // no Normalize
        assertThat(cls.resolve("sentence_bert_config.json")).doesNotExist();
        assertThat(SentenceTransformersConfig.read(cls)).contains(plain);
        assertThat(plain.defaultPrompt()).isEmpty();
        assertThat(SentenceTransformersConfig.read(dir.resolve("nothing-here"))).isEmpty();
    }

    @Test
    void whatGraftCannotApplyIsAnErrorNamingTheFile() throws IOException {
        SentenceTransformersConfig.meanNormalized(128).write(dir, 32);
        Files.writeString(dir.resolve("1_Pooling/config.json"),
                "{\"pooling_mode_mean_tokens\": true, \"pooling_mode_max_tokens\": true}");
        assertThatThrownBy(() -> SentenceTransformersConfig.read(dir))
                .hasMessageContaining("1_Pooling/config.json: pooling mean_tokens + max_tokens is not one graft applies");
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":"
                + "\"sentence_transformers.models.Transformer\"},{\"idx\":2,\"name\":\"2\",\"path\":\"2_Dense\",\"type\":"
                + "\"sentence_transformers.models.Dense\"}]");
        assertThatThrownBy(() -> SentenceTransformersConfig.read(dir))
                .hasMessageContaining("modules.json: module 2 is sentence_transformers.models.Dense, which graft "
                        + "cannot apply");
        Files.writeString(dir.resolve("modules.json"), "[{\"idx\":0,");
        assertThatThrownBy(() -> SentenceTransformersConfig.read(dir)).hasMessageContaining("not valid JSON (line 1)");
        assertThatThrownBy(() -> new SentenceTransformersConfig(Pooling.MEAN, true, null,
                Map.of("query", "q: "), "passage")).hasMessageContaining("default prompt passage is not among");
    }
}
