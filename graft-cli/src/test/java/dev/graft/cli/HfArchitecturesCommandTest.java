package dev.graft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.Checkpoint;
import dev.graft.model.HfConfig;
import dev.graft.model.HfNames;
import dev.graft.model.ModelConfig;
import dev.graft.model.Pretrained;
import dev.graft.model.SafeTensors;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code graft import} of the Hugging Face RoBERTa, XLM-RoBERTa, DistilBERT and ELECTRA folders that
 * tools/reference/make_hf_fixtures.py writes (graft-core's test fixtures), then {@code graft embed},
 * {@code graft finetune} on a tiny classification file and {@code graft predict}, end to end; every folder
 * graft writes keeps the family's config.json and Hugging Face's tensor names.
 */
class HfArchitecturesCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path fixture(String name) {
        Path p = Path.of("..", "graft-core", "src", "test", "resources", "fixtures", "hf", name);
        assertThat(p.resolve("config.json")).as("fixture written by tools/reference/make_hf_fixtures.py").exists();
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"roberta", "xlm_roberta", "distilbert", "electra"})
    void importEmbedFinetunePredict(String name) throws Exception {
        Path source = fixture(name);
        ModelConfig config = HfConfig.read(source.resolve(Checkpoint.CONFIG));
        String prefix = HfNames.prefix(config.family());
        boolean electra = config.family() == ModelConfig.Family.ELECTRA;

        Path imported = dir.resolve("imported");
        ChildJvm.Result im = CliFixtures.run("", "import", "--from", source.toString(), "--out", imported.toString());
        assertThat(im.exit()).as(im.err()).isZero();
        JsonNode written = JSON.readTree(imported.resolve(Checkpoint.CONFIG).toFile());
        assertThat(written.path("model_type").asText()).isEqualTo(config.family().modelType());
        assertThat(written.path("architectures").get(0).asText())
                .isEqualTo(config.family().classPrefix() + (electra ? "Model" : "ForMaskedLM"));
        Set<String> names = SafeTensors.header(imported.resolve(Checkpoint.WEIGHTS)).tensors().keySet();
        if (electra) {
            // the body alone, as ElectraModel saves it (bare names), the discriminator head reported as not kept
            assertThat(names).contains("embeddings_project.weight", "encoder.layer.1.output.LayerNorm.bias");
            assertThat(im.err()).contains("discriminator_predictions.dense.weight");
        } else {
            assertThat(names).as("the MLM checkpoint keeps the original's tensor names")
                    .isEqualTo(SafeTensors.header(source.resolve(Checkpoint.WEIGHTS)).tensors().keySet());
        }
        // the imported folder computes what the original does
        Compute compute = Compute.create(1);
        Pretrained a = Pretrained.loadBackbone(source, compute);
        Pretrained b = Pretrained.loadBackbone(imported, compute);
        a.backbone().dropouts().forEach(d -> d.setTraining(false));
        b.backbone().dropouts().forEach(d -> d.setTraining(false));
        int pad = config.padTokenId();
        TokenBatch batch = new TokenBatch(2, 6, new int[] {5, 17, 23, 9, 40, 2, 5, 60, 7, pad, pad, pad}, null,
                new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, null);
        assertThat(b.backbone().forward(batch)).containsExactly(a.backbone().forward(batch).clone());

        ChildJvm.Result em = CliFixtures.run("the film was great\nbad plot\n", "embed", "--model", imported.toString(),
                "--threads", "1");
        assertThat(em.exit()).as(em.err()).isZero();
        List<String> vectors = em.out().lines().toList();
        assertThat(vectors).hasSize(2);
        assertThat(JSON.readTree(vectors.get(0)).size()).isEqualTo(config.hiddenSize());

        Path train = CliFixtures.labeled(dir, 40);
        Path clf = dir.resolve("clf");
        ChildJvm.Result ft = CliFixtures.run("", "finetune", "--task", "classify", "--from", imported.toString(),
                "--train", train.toString(), "--epochs", "1", "--threads", "1", "--out", clf.toString());
        assertThat(ft.exit()).as(ft.err()).isZero();
        JsonNode clfConfig = JSON.readTree(clf.resolve(Checkpoint.CONFIG).toFile());
        assertThat(clfConfig.path("model_type").asText()).isEqualTo(config.family().modelType());
        Set<String> clfNames = SafeTensors.header(clf.resolve(Checkpoint.WEIGHTS)).tensors().keySet();
        assertThat(clfNames).as("the fine-tuned body keeps Hugging Face's %s names", prefix)
                .anyMatch(n -> n.startsWith(prefix + "embeddings.word_embeddings"))
                .noneMatch(n -> n.startsWith("bert."));

        ChildJvm.Result pr = CliFixtures.run("a really excellent film\nboring\n", "predict", "--model", clf.toString(),
                "--threads", "1");
        assertThat(pr.exit()).as(pr.err()).isZero();
        List<String> lines = pr.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(List.of("positive", "negative")).contains(JSON.readTree(lines.get(0)).path("label").asText());
    }

    /**
     * A student distilled from a RoBERTa or DistilBERT teacher, initialized from its layers, is of the teacher's
     * family (positions, names), saved as its Model class, and embeds.
     */
    @ParameterizedTest
    @ValueSource(strings = {"roberta", "distilbert"})
    void distilledStudentKeepsTheTeachersFamily(String name) throws Exception {
        Path teacher = fixture(name);
        ModelConfig config = HfConfig.read(teacher.resolve(Checkpoint.CONFIG));
        Path corpus = CliFixtures.corpus(dir, 40);
        Path student = dir.resolve("student");
        ChildJvm.Result d = CliFixtures.run("", "distill", "--teacher", teacher.toString(), "--student", "teacher",
                "--layers", "1", "--init", "teacher-layers", "--loss", "embedding", "--corpus", corpus.toString(),
                "--seq-len", "12", "--batch-size", "4", "--steps", "2", "--threads", "1", "--out", student.toString());
        assertThat(d.exit()).as(d.err()).isZero();
        ModelConfig sc = HfConfig.read(student.resolve(Checkpoint.CONFIG));
        assertThat(sc.family()).isEqualTo(config.family());
        assertThat(sc.numberOfLayers()).isEqualTo(1);
        assertThat(JSON.readTree(student.resolve(Checkpoint.CONFIG).toFile()).path("architectures").get(0).asText())
                .isEqualTo(config.family().classPrefix() + "Model");
        assertThat(Pretrained.loadBackbone(student, Compute.create(1)).ignoredTensors()).isEmpty();
        ChildJvm.Result e = CliFixtures.run("a good film\n", "embed", "--model", student.toString(), "--threads", "1");
        assertThat(e.exit()).as(e.err()).isZero();
    }
}
