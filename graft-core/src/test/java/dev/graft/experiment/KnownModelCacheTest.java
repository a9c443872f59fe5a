package dev.graft.experiment;

import dev.graft.data.RegistryClients;
import dev.graft.model.Checkpoint;
import dev.graft.model.KnownModels;
import dev.graft.model.MiniLmFixture;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.nn.Pooling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The experiment's import of a model named by {@code --pretrained NAME}: a folder left by an older graft, without
 * the model's sentence-transformers settings, is imported again (from the cached download, no client run), so
 * setfit and the probes pool as the model card says; a complete one is used as it is.
 */
class KnownModelCacheTest {
    @Test
    void anImportWithoutSentenceTransformersSettingsIsImportedAgainFromTheCachedDownload(@TempDir Path dir)
            throws IOException {
        Path models = dir.resolve("models");
        // the download as graft keeps it (the real jar from the test class path; fetch checks its sha256)
        URL url = KnownModelCacheTest.class.getClassLoader().getResource(MiniLmFixture.ONNX);
        assertThat(url).as("all-minilm-l6-v2.onnx on the test class path").isNotNull();
        Path jar = Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().getPath());
        Files.createDirectories(models.resolve("downloads"));
        Files.copy(jar, models.resolve("downloads").resolve(jar.getFileName()));
        // what an older graft left: weights and tokenizer, no modules.json
        Path stale = Files.createDirectories(models.resolve("minilm-graft"));
        Files.writeString(stale.resolve(Checkpoint.WEIGHTS), "old weights");
        Files.writeString(stale.resolve(Checkpoint.TOKENIZER), "{}");
        RegistryClients none = new RegistryClients(List.of()); // running a client would fail

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Path got = SharedRuns.importedKnownModel(KnownModels.MINILM, none, models,
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(got).isEqualTo(stale);
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("was imported without the model's "
                + "sentence-transformers settings (by an older graft); importing minilm again");
        SentenceTransformersConfig st = SentenceTransformersConfig.read(got).orElseThrow();
        assertThat(st.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(st.normalize()).as("all-MiniLM-L6-v2's card: normalized").isTrue();
        assertThat(Files.size(got.resolve(Checkpoint.WEIGHTS))).as("the real weights").isGreaterThan(80_000_000L);

        // complete now: used as it is, nothing imported
        long modified = Files.getLastModifiedTime(got.resolve(Checkpoint.WEIGHTS)).toMillis();
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertThat(SharedRuns.importedKnownModel(KnownModels.MINILM, none, models,
                new PrintStream(again, true, StandardCharsets.UTF_8))).isEqualTo(got);
        assertThat(again.toString(StandardCharsets.UTF_8)).doesNotContain("importing");
        assertThat(Files.getLastModifiedTime(got.resolve(Checkpoint.WEIGHTS)).toMillis()).isEqualTo(modified);
    }
}
