package dev.graft.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.DatasetRegistry;
import dev.graft.experiment.CellResult;
import dev.graft.experiment.Experiment;
import dev.graft.experiment.ExperimentSpec;
import dev.graft.experiment.Strategy;
import dev.graft.finetune.Fixtures;
import dev.graft.finetune.LanguageModelFineTuning;
import dev.graft.finetune.LmFineTuneSpec;
import dev.graft.finetune.StartingPoint;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SafeTensors;
import dev.graft.nn.Compute;
import dev.graft.train.RunOptions;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What reads a {@code graft pretrain --objective electra} run, now that it is saved as a Hugging Face ELECTRA
 * (model_type electra, electra.* names): fine-tuning from its body, continuing the masked LM from it (saved as
 * an ElectraForMaskedLM), and {@code graft experiment --base RUN} with transfer, ulmfit and multitask.
 */
class ElectraRunDownstreamTest {
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(new ScalarKernels(), ONE);
    @TempDir
    static Path shared;
    static Path run;
    static Path corpus;
    static Path train;
    static Path test;

    @BeforeAll
    static void pretrain() throws IOException {
        StringBuilder text = new StringBuilder();
        for (String[] row : Fixtures.sentiment(300, 1)) {
            text.append(row[0]).append("\n\n");
        }
        corpus = Files.writeString(shared.resolve("corpus.txt"), text.toString());
        train = Fixtures.writeClassification(shared.resolve("train.jsonl"), Fixtures.sentiment(60, 2));
        test = Fixtures.writeClassification(shared.resolve("test.jsonl"), Fixtures.sentiment(20, 3));
        run = shared.resolve("electra");
        Pretraining.run(PretrainRecipeTest.tiny(corpus, run).electra(true).build(), QUIET);
    }

    @AfterAll
    static void close() {
        ONE.close();
    }

    @Test
    void fineTuningReadsTheBody() throws IOException {
        JsonNode config = JSON.readTree(run.resolve(Checkpoint.CONFIG).toFile());
        assertThat(config.path("model_type").asText()).isEqualTo("electra");
        StartingPoint start = StartingPoint.fromCheckpoint(run, COMPUTE, 1, HeadConfig.Task.CLASSIFY, null);
        assertThat(start.config().family()).isEqualTo(ModelConfig.Family.ELECTRA);
        assertThat(start.lmHeadLoaded()).as("a discriminator has no MLM head").isFalse();
    }

    @Test
    void languageModelFineTuningSavesAnElectraForMaskedLM(@TempDir Path dir) throws IOException {
        Path tapt = dir.resolve("tapt");
        LmFineTuneSpec spec = LmFineTuneSpec.defaults(run, List.of(corpus.toString()), tapt)
                .withBatches(8, 24, 2.6).withRun(RunOptions.defaults(tapt).withSteps(2).withSeed(7).withThreads(1));
        LanguageModelFineTuning.run(spec, DatasetRegistry.standard(), QUIET);
        JsonNode config = JSON.readTree(tapt.resolve(Checkpoint.CONFIG).toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("ElectraForMaskedLM");
        assertThat(config.path("model_type").asText()).isEqualTo("electra");
        Set<String> names = new TreeSet<>(SafeTensors.header(tapt.resolve(Checkpoint.WEIGHTS)).tensors().keySet());
        assertThat(names).contains("generator_predictions.dense.weight", "generator_predictions.dense.bias",
                "generator_predictions.LayerNorm.weight", "generator_predictions.LayerNorm.bias",
                "generator_lm_head.bias", "electra.embeddings.word_embeddings.weight",
                "electra.encoder.layer.0.attention.self.query.weight");
        assertThat(names).allMatch(n -> n.startsWith("electra.") || n.startsWith("generator_predictions.")
                || n.equals("generator_lm_head.bias"));
        StartingPoint back = StartingPoint.fromCheckpoint(tapt, COMPUTE, 1, HeadConfig.Task.CLASSIFY, null);
        assertThat(back.lmHeadLoaded()).as("its MLM head is read back").isTrue();
    }

    /** The run's generator folder continues the masked LM with its own head (lm-finetune --from RUN/generator). */
    @Test
    void languageModelFineTuningContinuesTheGenerator(@TempDir Path dir) throws IOException {
        Path generator = run.resolve(ElectraTask.GENERATOR_FOLDER);
        assertThat(StartingPoint.fromCheckpoint(generator, COMPUTE, 1, null, null).lmHeadLoaded()).isTrue();
        Path tapt = dir.resolve("tapt");
        LmFineTuneSpec spec = LmFineTuneSpec.defaults(generator, List.of(corpus.toString()), tapt)
                .withBatches(8, 24, 2.6).withRun(RunOptions.defaults(tapt).withSteps(2).withSeed(7).withThreads(1));
        LanguageModelFineTuning.run(spec, DatasetRegistry.standard(), QUIET);
        JsonNode config = JSON.readTree(tapt.resolve(Checkpoint.CONFIG).toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("ElectraForMaskedLM");
        assertThat(config.path("hidden_size").asInt()).isEqualTo(
                JSON.readTree(generator.resolve(Checkpoint.CONFIG).toFile()).path("hidden_size").asInt());
    }

    /**
     * {@code graft pretrain --objective electra --embedding-size 8} on a 16-wide encoder: saved with
     * embedding_size 8 and electra.embeddings_project, its generator's embeddings 8 wide too; fine-tuning reads
     * it; embeddingSize without ELECTRA or wider than the model is refused.
     */
    @Test
    void narrowEmbeddingsAreSavedAsElectraSmallsAre(@TempDir Path dir) throws IOException {
        Path narrow = dir.resolve("narrow");
        Pretraining.run(PretrainRecipeTest.tiny(corpus, narrow).electra(true).embeddingSize(8).build(), QUIET);
        JsonNode config = JSON.readTree(narrow.resolve(Checkpoint.CONFIG).toFile());
        assertThat(config.path("embedding_size").asInt()).isEqualTo(8);
        assertThat(config.path("hidden_size").asInt()).isEqualTo(16);
        assertThat(SafeTensors.header(narrow.resolve(Checkpoint.WEIGHTS)).tensors().get(
                "electra.embeddings_project.weight").shape()).containsExactly(16, 8);
        JsonNode gen = JSON.readTree(narrow.resolve(ElectraTask.GENERATOR_FOLDER).resolve(Checkpoint.CONFIG).toFile());
        assertThat(gen.path("embedding_size").asInt()).isEqualTo(8);
        assertThat(JSON.readTree(narrow.resolve("run.json").toFile()).path("embedding_size").asInt()).isEqualTo(8);
        StartingPoint start = StartingPoint.fromCheckpoint(narrow, COMPUTE, 1, HeadConfig.Task.CLASSIFY, null);
        assertThat(start.config().embeddingSize()).isEqualTo(8);

        assertThatThrownBy(() -> PretrainRecipeTest.tiny(corpus, dir.resolve("a")).embeddingSize(8).build())
                .isInstanceOf(dev.graft.SpecException.class).hasMessageContaining("objective electra");
        assertThatThrownBy(() -> PretrainRecipeTest.tiny(corpus, dir.resolve("b")).electra(true).embeddingSize(32)
                .build()).isInstanceOf(dev.graft.SpecException.class).hasMessageContaining("at most 16");
    }

    @Test
    void experimentsUseItAsTheirBase(@TempDir Path out) throws IOException {
        ExperimentSpec spec = ExperimentSpec.builder(HeadConfig.Task.CLASSIFY,
                        List.of(train.toString(), test.toString()), out)
                .corpus(List.of(corpus.toString())).base(run)
                .strategies(List.of(Strategy.TRANSFER, Strategy.ULMFIT, Strategy.MULTITASK))
                .budgets(List.of(20)).seeds(1).pretrainSteps(2).taptEpochs(0.5).seqLen(24).maxEpochs(1)
                .run(r -> r.withThreads(1).withSeed(7)).folds(0).build();
        Experiment.run(spec, DatasetRegistry.standard(), QUIET);
        List<CellResult> results = CellResult.read(out.resolve("results.jsonl"));
        assertThat(results).extracting(CellResult::strategy).containsExactlyInAnyOrder("transfer", "ulmfit",
                "multitask");
        assertThat(results).allSatisfy(r -> assertThat(r.status()).as(r.strategy() + " " + r.error()).isEqualTo("ok"));
    }
}
