package dev.graft.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.model.Checkpoint;
import dev.graft.model.ElectraModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Pretrained;
import dev.graft.model.SafeTensors;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.pretrain.ElectraTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ELECTRA under the trainer: a run killed after a checkpoint and resumed gives the same losses, discriminator
 * and generator as an uninterrupted one (the samples are seeded by the update); the discriminator is the saved
 * model, an ordinary encoder checkpoint; the generator rides in the checkpoints' training state.
 */
class ElectraTrainingTest {
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());

    @AfterAll
    static void close() {
        ONE.close();
    }

    private static TrainingOptions options(long steps) {
        return new TrainingOptions(steps, 0, null, 3e-3f, Schedule.linear(0.1), 0.01f, 0.9f, 0.98f, 1e-6f,
                1.0, 2, 1, 0, 5, 2, false);
    }

    private static Trainer<TokenBatch> trainer(ModelConfig config, Path run, long steps, long failAt) {
        ElectraModel model = new ElectraModel(COMPUTE, config, 0.25, 5);
        TrainerTest.SyntheticStream data = new TrainerTest.SyntheticStream(config, 3, 12, 9, failAt);
        List<TokenBatch> validation = List.of(new TrainerTest.SyntheticStream(config, 3, 12, 77, -1).at(0));
        return new Trainer<>(COMPUTE, new ElectraTask(model, validation, 50f, 13, null), data, options(steps), run,
                QUIET);
    }

    private static List<String> trainRecords(Path run) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> records = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var node = json.readTree(line);
            if (node.path("type").asText().equals("train")) {
                records.add(node.path("loss").asText() + " " + node.path("loss_generator").asText() + " "
                        + node.path("loss_discriminator").asText());
            }
        }
        return records;
    }

    @Test
    void resumeAfterACrashGivesTheSameRunAndTheDiscriminatorIsTheModel(@TempDir Path dir) throws IOException {
        ModelConfig config = TrainerTest.tiny(ModelConfig.Architecture.ENCODER);
        Path straight = dir.resolve("straight");
        Trainer.Summary s = trainer(config, straight, 14, -1).run(false);
        List<String> expected = trainRecords(straight);
        assertThat(expected).hasSize(14);
        assertThat(s.validation()).containsKeys("val_loss", "val_discriminator_loss", "val_discriminator_accuracy",
                "val_replaced_fraction");

        Path crashed = dir.resolve("crashed");
        assertThatThrownBy(() -> trainer(config, crashed, 14, 24).run(false)).hasMessageContaining("simulated crash");
        Path checkpoint = Trainer.latestCheckpoint(crashed);
        assertThat(checkpoint.getFileName().toString()).isEqualTo("checkpoint-0000010");
        assertThat(checkpoint.resolve(Checkpoint.TRAINING_STATE).resolve("generator.safetensors")).exists();
        trainer(config, crashed, 14, -1).run(true);
        assertThat(trainRecords(crashed)).as("losses after resume").isEqualTo(expected);
        assertThat(Files.readAllBytes(crashed.resolve(Checkpoint.WEIGHTS)))
                .as("the discriminator, bit for bit").isEqualTo(Files.readAllBytes(straight.resolve(Checkpoint.WEIGHTS)));
        Path lastStraight = Trainer.latestCheckpoint(straight).resolve(Checkpoint.TRAINING_STATE);
        Path lastCrashed = Trainer.latestCheckpoint(crashed).resolve(Checkpoint.TRAINING_STATE);
        Map<String, SafeTensors.Entry> g1 = SafeTensors.read(lastStraight.resolve("generator.safetensors"));
        Map<String, SafeTensors.Entry> g2 = SafeTensors.read(lastCrashed.resolve("generator.safetensors"));
        assertThat(g2.keySet()).isEqualTo(g1.keySet());
        for (String name : g1.keySet()) {
            assertThat(g2.get(name).floats()).as("generator %s", name).isEqualTo(g1.get(name).floats());
        }

        // the saved model is an encoder checkpoint: its body loads as a backbone, the head is ignored, and
        // nothing of the generator is in it
        Pretrained body = Pretrained.loadBackbone(straight, COMPUTE);
        assertThat(body.config()).isEqualTo(config.withFamily(ModelConfig.Family.ELECTRA, config.hiddenSize()));
        assertThat(body.architecture()).isEqualTo("ElectraForPreTraining");
        assertThat(body.ignoredTensors()).containsExactlyInAnyOrder("discriminator_predictions.dense.weight",
                "discriminator_predictions.dense.bias", "discriminator_predictions.dense_prediction.weight",
                "discriminator_predictions.dense_prediction.bias");
        // and it learned: the discriminator is above chance on its training stream's loss
        double first = Double.parseDouble(expected.get(0).split(" ")[2]);
        double last = Double.parseDouble(expected.get(13).split(" ")[2]);
        assertThat(last).as("discriminator loss, last update against first").isLessThan(first);
    }

    /**
     * The saved model is a Hugging Face ElectraForPreTraining folder: model_type electra with ElectraConfig's
     * embedding_size, and exactly the tensor names transformers' ElectraForPreTraining has (listed here from
     * its modules, not from {@code HfNames}).
     */
    @Test
    void theDiscriminatorIsSavedAsAHuggingFaceElectra(@TempDir Path dir) throws IOException {
        ModelConfig config = TrainerTest.tiny(ModelConfig.Architecture.ENCODER);
        Path run = dir.resolve("run");
        trainer(config, run, 3, -1).run(false);
        var json = new ObjectMapper().readTree(run.resolve(Checkpoint.CONFIG).toFile());
        assertThat(json.path("architectures").get(0).asText()).isEqualTo("ElectraForPreTraining");
        assertThat(json.path("model_type").asText()).isEqualTo("electra");
        assertThat(json.path("embedding_size").asInt()).isEqualTo(config.hiddenSize());
        assertThat(json.path("hidden_size").asInt()).isEqualTo(config.hiddenSize());
        assertThat(json.path("num_hidden_layers").asInt()).isEqualTo(config.numberOfLayers());
        assertThat(json.path("intermediate_size").asInt()).isEqualTo(config.intermediateSize());
        assertThat(json.path("max_position_embeddings").asInt()).isEqualTo(config.maxPositions());
        assertThat(new TreeSet<>(SafeTensors.header(run.resolve(Checkpoint.WEIGHTS)).tensors().keySet()))
                .isEqualTo(electraForPreTrainingNames(config.numberOfLayers(), false));
        for (Path c : List.of(Trainer.latestCheckpoint(run))) {
            assertThat(new TreeSet<>(SafeTensors.header(c.resolve(Checkpoint.WEIGHTS)).tensors().keySet()))
                    .as("training checkpoints too").isEqualTo(electraForPreTrainingNames(config.numberOfLayers(),
                            false));
            assertThat(c.resolve(ElectraTask.GENERATOR_FOLDER).resolve(Checkpoint.WEIGHTS)).exists();
        }
        // the generator too, as an ElectraForMaskedLM folder inside the model's
        Path generator = run.resolve(ElectraTask.GENERATOR_FOLDER);
        var gen = new ObjectMapper().readTree(generator.resolve(Checkpoint.CONFIG).toFile());
        assertThat(gen.path("architectures").get(0).asText()).isEqualTo("ElectraForMaskedLM");
        assertThat(gen.path("embedding_size").asInt()).isEqualTo(config.hiddenSize());
        assertThat(gen.path("hidden_size").asInt()).isEqualTo(ElectraModel.generatorConfig(config, 0.25).hiddenSize());
        assertThat(SafeTensors.header(generator.resolve(Checkpoint.WEIGHTS)).tensors().keySet())
                .contains("generator_lm_head.bias", "electra.embeddings_project.weight");
    }

    /** The tensors of transformers' ElectraForPreTraining ({@code project}: with embeddings_project). */
    static java.util.SortedSet<String> electraForPreTrainingNames(int layers, boolean project) {
        java.util.SortedSet<String> names = dev.graft.model.ElectraNames.body(layers, project);
        for (String m : List.of("dense", "dense_prediction")) {
            names.add("discriminator_predictions." + m + ".weight");
            names.add("discriminator_predictions." + m + ".bias");
        }
        return names;
    }

    /** Embeddings narrower than the model (16 for 24, projected): a resumed run is the same run, bit for bit. */
    @Test
    void narrowEmbeddingsResumeBitForBit(@TempDir Path dir) throws IOException {
        ModelConfig config = TrainerTest.tiny(ModelConfig.Architecture.ENCODER)
                .withFamily(ModelConfig.Family.ELECTRA, 16);
        Path straight = dir.resolve("straight");
        trainer(config, straight, 14, -1).run(false);
        Path crashed = dir.resolve("crashed");
        assertThatThrownBy(() -> trainer(config, crashed, 14, 24).run(false)).hasMessageContaining("simulated crash");
        trainer(config, crashed, 14, -1).run(true);
        assertThat(trainRecords(crashed)).as("losses after resume").isEqualTo(trainRecords(straight));
        assertThat(Files.readAllBytes(crashed.resolve(Checkpoint.WEIGHTS)))
                .isEqualTo(Files.readAllBytes(straight.resolve(Checkpoint.WEIGHTS)));
        assertThat(new TreeSet<>(SafeTensors.header(straight.resolve(Checkpoint.WEIGHTS)).tensors().keySet()))
                .isEqualTo(electraForPreTrainingNames(config.numberOfLayers(), true));
        assertThat(Pretrained.loadBackbone(straight, COMPUTE).config()).isEqualTo(config);
    }

    /**
     * A run saved before ELECTRA runs were saved as ELECTRAs (config.json model_type bert, bert.* names):
     * its folders still load, and a checkpoint of it resumes to the same run bit for bit.
     */
    @Test
    void oldBertNamedFoldersStillLoadAndResume(@TempDir Path dir) throws IOException {
        ModelConfig config = TrainerTest.tiny(ModelConfig.Architecture.ENCODER);
        Path straight = dir.resolve("straight");
        trainer(config, straight, 14, -1).run(false);
        Path old = dir.resolve("old");
        assertThatThrownBy(() -> trainer(config, old, 14, 24).run(false)).hasMessageContaining("simulated crash");
        Path checkpoint = Trainer.latestCheckpoint(old);
        toOldFormat(checkpoint, config);
        assertThat(Files.readString(checkpoint.resolve(Checkpoint.CONFIG))).contains("\"model_type\" : \"bert\"");
        trainer(config, old, 14, -1).run(true);
        assertThat(trainRecords(old)).as("losses after resuming an old checkpoint").isEqualTo(trainRecords(straight));
        assertThat(Files.readAllBytes(old.resolve(Checkpoint.WEIGHTS))).as("the discriminator, bit for bit")
                .isEqualTo(Files.readAllBytes(straight.resolve(Checkpoint.WEIGHTS)));

        Path copy = dir.resolve("copy");
        Files.createDirectories(copy);
        Files.copy(straight.resolve(Checkpoint.CONFIG), copy.resolve(Checkpoint.CONFIG));
        Files.copy(straight.resolve(Checkpoint.WEIGHTS), copy.resolve(Checkpoint.WEIGHTS));
        toOldFormat(copy, config);
        Pretrained before = Pretrained.loadBackbone(copy, COMPUTE);
        Pretrained now = Pretrained.loadBackbone(straight, COMPUTE);
        assertThat(before.config()).isEqualTo(config);
        assertThat(before.architecture()).isEqualTo("ElectraForPreTraining");
        assertThat(before.ignoredTensors()).containsExactlyInAnyOrderElementsOf(now.ignoredTensors());
        before.backbone().dropouts().forEach(d -> d.setTraining(false));
        now.backbone().dropouts().forEach(d -> d.setTraining(false));
        TokenBatch batch = new TrainerTest.SyntheticStream(config, 3, 12, 77, -1).at(0);
        assertThat(before.backbone().forward(batch)).containsExactly(now.backbone().forward(batch));
    }

    /** Rewrites a saved discriminator as graft wrote it before: model_type bert, bert.* names. */
    private static void toOldFormat(Path folder, ModelConfig config) throws IOException {
        Map<String, dev.graft.tensor.Tensor> tensors = new java.util.LinkedHashMap<>();
        for (SafeTensors.Entry e : SafeTensors.read(folder.resolve(Checkpoint.WEIGHTS)).values()) {
            String name = e.name().startsWith("electra.") ? "bert." + e.name().substring(8) : e.name();
            tensors.put(name, dev.graft.tensor.Tensor.of(e.floats(), e.shape()));
        }
        SafeTensors.write(folder.resolve(Checkpoint.WEIGHTS), tensors, Map.of());
        dev.graft.model.HfConfig.write(folder.resolve(Checkpoint.CONFIG), config, "ElectraForPreTraining");
    }

    @Test
    void theGeneratorSharesTheDiscriminatorsEmbeddingTables() {
        ModelConfig config = TrainerTest.tiny(ModelConfig.Architecture.ENCODER);
        ElectraModel m = new ElectraModel(COMPUTE, config, 0.25, 5);
        List<String> generatorOwn = m.generatorParameters().stream().map(Parameter::name).toList();
        assertThat(generatorOwn).allMatch(n -> n.startsWith("generator"));
        assertThat(generatorOwn).noneMatch(n -> n.contains("word_embeddings") || n.contains("position_embeddings"));
        assertThat(m.allParameters().count()).isEqualTo(m.parameterSet().count()
                + m.generatorParameters().stream().mapToInt(Parameter::size).sum());
        // the generator's embeddings come to it projected from the discriminator's width
        assertThat(generatorOwn).contains("generator.embeddings_project.weight");
    }
}
