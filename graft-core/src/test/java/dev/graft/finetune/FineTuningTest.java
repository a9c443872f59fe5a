package dev.graft.finetune;

import dev.graft.train.RunOptions;
import dev.graft.train.ScheduleKind;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetRegistry;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.LayerGroups;
import dev.graft.model.ModelConfig;
import dev.graft.model.Pretrained;
import dev.graft.model.SafeTensors;
import dev.graft.model.SequenceClassifier;
import dev.graft.nn.Compute;
import dev.graft.nn.Pooling;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fine-tuning flow end to end on tiny models and synthetic data: every way to train, and the model folder. */
class FineTuningTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @TempDir
    static Path shared;
    static Path encoder;
    static Path decoder;
    static Path train;
    static Path dev;
    static Path test;
    static Path tags;

    @BeforeAll
    static void fixtures() throws IOException {
        Tokenizer wp = Fixtures.wordPiece();
        encoder = Fixtures.checkpoint(shared.resolve("enc"), COMPUTE, wp, ModelConfig.Architecture.ENCODER);
        decoder = Fixtures.checkpoint(shared.resolve("dec"), COMPUTE, Fixtures.bpe(), ModelConfig.Architecture.DECODER);
        train = Fixtures.writeClassification(shared.resolve("train.jsonl"), Fixtures.sentiment(160, 10));
        dev = Fixtures.writeClassification(shared.resolve("dev.jsonl"), Fixtures.sentiment(40, 11));
        test = Fixtures.writeClassification(shared.resolve("test.jsonl"), Fixtures.sentiment(60, 12));
        tags = Fixtures.writeTagging(shared.resolve("tags.conll"), Fixtures.chunks(80, 13));
    }

    @AfterAll
    static void close() {
        ONE.close();
    }

    private static FineTuneResult run(FineTuneSpec spec) throws IOException {
        return FineTuning.run(spec, DatasetRegistry.standard(), QUIET);
    }

    @Test
    void fullFineTuningLearnsAndWritesAHuggingFaceShapedFolder(@TempDir Path out) throws IOException {
        FineTuneResult r = run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out)
                .from(encoder).dev(dev.toString()).test(test.toString()).run(ro -> ro.withEpochs(6)).learningRate(3e-3f)
                .pooling(Pooling.CLS).patience(0).run(ro -> ro.withThreads(1)).build());
        assertThat(r.testScore()).as("a keyword decides the label").isGreaterThan(0.8);
        assertThat(r.devCarved()).isFalse();
        assertThat(r.steps()).isEqualTo(6 * 10); // 160 examples, batch 16
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("BertForSequenceClassification");
        assertThat(config.path("num_labels").asInt()).isEqualTo(2);
        assertThat(config.path("id2label").path("1").asText()).isEqualTo("positive");
        assertThat(config.path("label2id").path("negative").asInt()).isZero();
        assertThat(config.path("graft_pooling").asText()).isEqualTo("cls");
        assertThat(SafeTensors.header(out.resolve("model.safetensors")).tensors().keySet())
                .contains("bert.pooler.dense.weight", "classifier.weight", "classifier.bias",
                        "bert.encoder.layer.1.output.dense.weight");
        assertThat(out.resolve("tokenizer.json")).exists();
        assertThat(out.resolve("results.json")).exists();
        assertThat(Trainer_checkpoints(out)).isEmpty();
        // the saved model is the kept one: reloaded, it scores what the run reported
        FineTunedModel m = FineTunedModel.load(out, COMPUTE);
        Evaluation e = Evaluation.run(m, test.toString(), new DataSources(DatasetRegistry.standard(), QUIET),
                BadInput.strict(), 16);
        assertThat(((dev.graft.eval.ClassificationMetrics) e.metrics()).accuracy()).isEqualTo(r.testScore());
        // predictions: one JSON line per input line, probabilities summing to 1
        StringWriter w = new StringWriter();
        Prediction.run(m, new BufferedReader(new StringReader("a really excellent film\nawful and boring\n")), w, 8);
        List<String> lines = w.toString().lines().toList();
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.path("label").asText()).isEqualTo("positive");
        assertThat(first.path("probabilities").path("positive").asDouble()
                + first.path("probabilities").path("negative").asDouble()).isBetween(0.999, 1.001);
        assertThat(JSON.readTree(lines.get(1)).path("label").asText()).isEqualTo("negative");
    }

    private static List<Path> Trainer_checkpoints(Path out) throws IOException {
        return Trainer.checkpoints(out);
    }

    @Test
    void ulmfitRecipeWithMultitaskOnADecoder(@TempDir Path out) throws IOException {
        Path corpus = Fixtures.sentimentCorpus(shared.resolve("corpus.txt"), 120, 20);
        FineTuneResult r = run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out)
                .from(decoder).test(test.toString()).run(ro -> ro.withEpochs(2)).learningRate(3e-3f)
                .recipe(FineTuneSpec.Recipe.ULMFIT).multitask(List.of(corpus.toString()), 0.5f, 0.5).patience(0)
                .run(ro -> ro.withThreads(1)).build());
        assertThat(r.devCarved()).isTrue();
        assertThat(r.devSize()).isEqualTo(16); // 10% of each label of 160
        JsonNode run = JSON.readTree(out.resolve("run.json").toFile());
        assertThat(run.path("dev_carve").path("size").asInt()).isEqualTo(16);
        assertThat(run.path("dev_carve").path("seed").asLong()).isEqualTo(42);
        assertThat(run.path("schedule").asText()).isEqualTo("stlr");
        assertThat(run.path("discriminative").asDouble()).isEqualTo(2.6);
        assertThat(run.path("gradual_unfreeze").asBoolean()).isTrue();
        assertThat(run.path("pooling").asText()).isEqualTo("concat");
        String metrics = Files.readString(out.resolve("metrics.jsonl"));
        assertThat(metrics).contains("\"loss_task\"", "\"loss_lm\"", "lm_val_loss");
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("GPT2ForSequenceClassification");
        assertThat(SafeTensors.header(out.resolve("model.safetensors")).tensors().keySet())
                .contains("score.weight", "transformer.ln_f.weight").doesNotContain("cls.predictions.bias");
        assertThat(FineTunedModel.load(out, COMPUTE).head().pooling().id()).isEqualTo("concat");
    }

    @Test
    void multitaskLmSequencesAreAsLongAsAsked(@TempDir Path out) throws IOException {
        Path corpus = Fixtures.sentimentCorpus(shared.resolve("corpus-len.txt"), 120, 21);
        int[] sequences = new int[2];
        int[] lengths = {0, 8}; // 0: the default (128), cut to the model's 32 positions
        for (int i = 0; i < 2; i++) {
            Path dir = out.resolve("len-" + lengths[i]);
            FineTuneSpec.Builder b = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), dir)
                    .from(decoder).test(test.toString()).run(ro -> ro.withEpochs(1)).learningRate(3e-3f)
                    .multitask(List.of(corpus.toString()), 0.5f, 0.5).patience(0).run(ro -> ro.withThreads(1));
            if (lengths[i] > 0) {
                b.lmSequenceLength(lengths[i]);
            }
            run(b.build());
            JsonNode m = JSON.readTree(dir.resolve("run.json").toFile()).path("multitask");
            assertThat(m.path("sequence_length").asInt()).isEqualTo(lengths[i] > 0 ? lengths[i] : 32);
            sequences[i] = m.path("lm_sequences").asInt();
        }
        // the same text in windows a quarter as long: about four times as many
        assertThat(sequences[0]).isPositive();
        assertThat(sequences[1]).isGreaterThan(3 * sequences[0]).isLessThan(5 * sequences[0]);
        assertThatThrownBy(() -> FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out)
                .from(decoder).multitask(List.of(corpus.toString()), 0.5f, 0.5).lmSequenceLength(3).build())
                .isInstanceOf(dev.graft.SpecException.class).hasMessageContaining("lmSequenceLength must be >= 4, got 3");
    }

    @Test
    void freezeBackboneTrainsTheHeadAloneWithMeanPooling(@TempDir Path out) throws IOException {
        FineTuneResult r = run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out)
                .from(encoder).dev(dev.toString()).test(test.toString()).run(ro -> ro.withEpochs(3)).learningRate(3e-3f)
                .freezeBackbone(true).patience(0).run(ro -> ro.withThreads(1)).build());
        assertThat(r.steps()).isEqualTo(3 * 10);
        JsonNode run = JSON.readTree(out.resolve("run.json").toFile());
        assertThat(run.path("freeze_backbone").asBoolean()).isTrue();
        assertThat(FineTunedModel.load(out, COMPUTE).head().pooling()).isEqualTo(Pooling.MEAN);
        try (Parallel p = new Parallel(1)) {
            Compute c = new Compute(KernelProvider.create(p), p);
            var before = Pretrained.loadBackbone(encoder, c).parameters().list();
            var after = Pretrained.loadBackbone(out, c).parameters().list();
            assertThat(after).hasSameSizeAs(before);
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i).name()).isEqualTo(before.get(i).name());
                assertThat(after.get(i).value().toArray()).as(before.get(i).name())
                        .containsExactly(before.get(i).value().toArray());
            }
        }
        // the head did learn: the classifier's weights left their initialization and the task is learned
        assertThat(r.devScore()).isGreaterThan(0.6);
    }

    @Test
    void freezeEmbeddingsKeepsTheTokenTableAndTrainsTheRest(@TempDir Path out) throws IOException {
        FineTuneResult r = run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out)
                .from(encoder).dev(dev.toString()).test(test.toString()).run(ro -> ro.withEpochs(2)).learningRate(3e-3f)
                .freezeEmbeddings(true).patience(0).run(ro -> ro.withThreads(1)).build());
        assertThat(r.steps()).isEqualTo(2 * 10);
        JsonNode run = JSON.readTree(out.resolve("run.json").toFile());
        assertThat(run.path("freeze_embeddings").asBoolean()).isTrue();
        assertThat(run.path("layer_rates").asText()).contains("1 parameter(s) frozen throughout");
        try (Parallel p = new Parallel(1)) {
            Compute c = new Compute(KernelProvider.create(p), p);
            var before = Pretrained.loadBackbone(encoder, c).parameters().list();
            var after = Pretrained.loadBackbone(out, c).parameters().list();
            int frozen = 0;
            int moved = 0;
            for (int i = 0; i < before.size(); i++) {
                String name = before.get(i).name();
                boolean same = java.util.Arrays.equals(after.get(i).value().toArray(), before.get(i).value().toArray());
                if (LayerGroups.isTokenEmbedding(name)) {
                    assertThat(same).as(name + " is frozen").isTrue();
                    frozen++;
                } else if (!same) {
                    moved++;
                }
            }
            assertThat(frozen).isEqualTo(1);
            // the position embeddings and the blocks trained
            assertThat(moved).isGreaterThan(before.size() / 2);
            int pos = java.util.stream.IntStream.range(0, before.size())
                    .filter(i -> before.get(i).name().endsWith("position_embeddings.weight")).findFirst().orElseThrow();
            assertThat(after.get(pos).value().toArray()).isNotEqualTo(before.get(pos).value().toArray());
        }
    }

    @Test
    void taggingFromScratchWithSpanMetrics(@TempDir Path out) throws IOException {
        Path tokenizer = shared.resolve("enc/tokenizer.json");
        FineTuneResult r = run(FineTuneSpec.builder(HeadConfig.Task.TAG, tags.toString(), out)
                .arch("bert-tiny").tokenizer(tokenizer).run(ro -> ro.withEpochs(2)).learningRate(3e-3f).patience(0).run(ro -> ro.withThreads(1))
                .build());
        assertThat(r.task()).isEqualTo(HeadConfig.Task.TAG);
        assertThat(r.dev().toJson().has("token_accuracy")).isTrue();
        assertThat(r.dev().toJson().has("span_f1")).isTrue();
        assertThat(r.dev().toJson().has("strict_span_f1")).isTrue();
        assertThat(r.dev().toJson().has("per_tag")).isTrue();
        assertThat(r.devScore()).isGreaterThan(0.4);
        assertThat(r.summaryJson().path("dev_token_accuracy").doubleValue()).isEqualTo(r.devScore());
        assertThat(r.summaryJson().path("dev_span_f1").isNumber()).isTrue();
        JsonNode config = JSON.readTree(out.resolve("config.json").toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("BertForTokenClassification");
        assertThat(config.path("id2label").size()).isEqualTo(4);
        FineTunedModel m = FineTunedModel.load(out, COMPUTE);
        StringWriter w = new StringWriter();
        Prediction.run(m, new BufferedReader(new StringReader("john smith met mary in paris\n\n")), w, 8);
        List<String> lines = w.toString().lines().toList();
        assertThat(JSON.readTree(lines.get(0)).path("tags").size()).isEqualTo(6);
        assertThat(JSON.readTree(lines.get(1)).path("tags").size()).isZero();
    }

    @Test
    void aTaggerBelowTheMostFrequentTagBaselineIsWarnedAbout(@TempDir Path out) throws IOException {
        Path tokenizer = shared.resolve("enc/tokenizer.json");
        // one epoch at a rate too small to learn anything: the most-frequent-tag baseline beats it
        FineTuneResult r = run(FineTuneSpec.builder(HeadConfig.Task.TAG, tags.toString(), out).test(tags.toString())
                .arch("bert-tiny").tokenizer(tokenizer).run(ro -> ro.withEpochs(1)).learningRate(1e-7f)
                .run(ro -> ro.withThreads(1)).build());

        assertThat(r.baselineTest()).isBetween(0.5, 1.0);
        assertThat(r.testScore()).isLessThan(r.baselineTest());
        assertThat(r.summaryJson().path("most_frequent_tag_test_token_accuracy").doubleValue())
                .isEqualTo(r.baselineTest());
        assertThat(FineTuneWarnings.of(r)).anySatisfy(w -> assertThat(w.message())
                .contains("below the most-frequent-tag baseline's (" + String.format(java.util.Locale.ROOT, "%.4f",
                        r.baselineTest())));
    }

    @Test
    void wrongKindOfCheckpointIsAClearError(@TempDir Path out) throws IOException {
        Path clf = out.resolve("clf");
        run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), clf).from(encoder).run(ro -> ro.withEpochs(1))
                .run(ro -> ro.withThreads(1)).build());
        assertThatThrownBy(() -> run(FineTuneSpec.builder(HeadConfig.Task.TAG, tags.toString(), out.resolve("t"))
                .from(clf).run(ro -> ro.withThreads(1)).build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a sequence classifier (BertForSequenceClassification)")
                .hasMessageContaining("not a model task tag can start from");
        assertThatThrownBy(() -> FineTunedModel.load(encoder, COMPUTE))
                .hasMessageContaining("not a fine-tuned model (a pretrained language model, BertForMaskedLM)");
        // the same task on a fine-tuned model starts from its body
        FineTuneResult again = run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out.resolve("c2"))
                .from(clf).run(ro -> ro.withEpochs(1)).run(ro -> ro.withThreads(1)).build());
        assertThat(again.steps()).isPositive();
    }

    @Test
    void taskAdaptiveLanguageModelFineTuning(@TempDir Path out) throws IOException {
        Path corpus = shared.resolve("tapt.txt");
        StringBuilder sb = new StringBuilder();
        for (String[] s : Fixtures.sentiment(200, 30)) {
            sb.append(s[0]).append('\n');
        }
        Files.writeString(corpus, sb.toString());
        Path tapt = out.resolve("tapt");
        LmFineTuneSpec spec = LmFineTuneSpec.defaults(encoder, List.of(corpus.toString(), train.toString()), tapt)
                .withBatches(16, 32, 2.6)
                .withOptimizer(LmFineTuneSpec.DEFAULT_OPTIMIZER.withLearningRate(1e-3f).withSchedule(ScheduleKind.STLR))
                .withRun(RunOptions.defaults(tapt).withEpochs(2).withSeed(7).withThreads(1));
        LanguageModelFineTuning.Result s = LanguageModelFineTuning.run(spec, DatasetRegistry.standard(), QUIET);
        assertThat(s.trainer().steps()).isPositive();
        assertThat(s.toJson().path("steps").longValue()).isEqualTo(s.trainer().steps());
        assertThat(s.toJson().has("val_loss")).isTrue();
        JsonNode config = JSON.readTree(tapt.resolve(Checkpoint.CONFIG).toFile());
        assertThat(config.path("architectures").get(0).asText()).isEqualTo("BertForMaskedLM");
        StartingPoint back = StartingPoint.fromCheckpoint(tapt, COMPUTE, 1, HeadConfig.Task.CLASSIFY, null);
        assertThat(back.lmHeadLoaded()).isTrue();
        FineTuneResult r = run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out.resolve("ft"))
                .from(tapt).run(ro -> ro.withEpochs(1)).run(ro -> ro.withThreads(1)).build());
        assertThat(r.pretrained()).isTrue();
        assertThat(r.summaryJson().path("start").asText()).isEqualTo("pretrained");
    }

    @Test
    void inMemoryDataForTheExperimentRunner(@TempDir Path out) throws IOException {
        List<ClassificationExample> examples = new java.util.ArrayList<>();
        int i = 0;
        for (String[] s : Fixtures.sentiment(100, 40)) {
            examples.add(new ClassificationExample("e" + i++, s[0], s[1]));
        }
        var all = Dataset.ofClassification(examples);
        var folds = all.kFold(5, 1);
        FineTuneSpec spec = FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, "synthetic fold 0", out).from(encoder)
                .run(ro -> ro.withEpochs(1)).maxTrain(40).run(ro -> ro.withSeed(3)).run(ro -> ro.withThreads(1)).build();
        FineTuneResult r = FineTuning.runClassification(spec, new LabeledSplits<>(folds.get(0).train(), null,
                folds.get(0).test(), null), QUIET);
        assertThat(r.trainSize() + r.devSize()).isEqualTo(40);
        assertThat(r.devCarved()).isTrue();
        assertThat(r.testSize()).isEqualTo(20);
        assertThat(r.testScore()).isBetween(0.0, 1.0);
        // a checkpoint without a trained pooler (MLM pretraining) gets mean pooling by default
        assertThat(FineTunedModel.load(out, COMPUTE).head().pooling()).isEqualTo(Pooling.MEAN);
    }

    @Test
    void aRefusedOverwriteLeavesTheOldRunAsItWas(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out).from(encoder).run(ro -> ro.withEpochs(1))
                .run(ro -> ro.withThreads(1)).build());
        Path weights = out.resolve(Checkpoint.WEIGHTS);
        byte[] before = Files.readAllBytes(weights);
        // a wrong starting point and missing data are refused before the folder is touched
        assertThatThrownBy(() -> run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out)
                .from(dir.resolve("no-such-model")).run(ro -> ro.withOverwrite(true)).run(ro -> ro.withThreads(1)).build()))
                .hasMessageContaining("no-such-model").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY,
                dir.resolve("missing.jsonl").toString(), out).from(encoder).run(ro -> ro.withOverwrite(true)).run(ro -> ro.withThreads(1)).build()))
                .hasMessageContaining("missing.jsonl");
        assertThat(Files.readAllBytes(weights)).isEqualTo(before);
        assertThat(out.resolve("results.json")).exists();
    }

    @Test
    void automaticEpochsAimAtAThousandUpdates() {
        HeadConfig.Task classify = HeadConfig.Task.CLASSIFY;
        assertThat(FineTuneSpec.autoEpochs(classify, 12)).isEqualTo(20);   // 200 labels, batch 16
        assertThat(FineTuneSpec.autoEpochs(classify, 135)).isEqualTo(8);   // 2,160 labels
        assertThat(FineTuneSpec.autoEpochs(classify, 1431)).isEqualTo(2);  // as many sentences as Brown POS
        assertThat(FineTuneSpec.autoEpochs(HeadConfig.Task.TAG, 1431)).isEqualTo(3); // Brown POS, batch 32
        assertThat(FineTuneSpec.autoEpochs(HeadConfig.Task.TAG, 40)).isEqualTo(20);   // a small tagging set: the cap
    }

    @Test
    void emptyTrainingSetAndUnknownLabelsAreErrors(@TempDir Path out) throws IOException {
        Path empty = Files.writeString(out.resolve("empty.jsonl"), "");
        assertThatThrownBy(() -> run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, empty.toString(), out.resolve("a"))
                .from(encoder).run(ro -> ro.withThreads(1)).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no examples");
        Path odd = Fixtures.writeClassification(out.resolve("odd.jsonl"),
                List.of(new String[] {"good film", "positive"}, new String[] {"so so", "neutral"}));
        assertThatThrownBy(() -> run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(), out.resolve("b"))
                .from(encoder).dev(odd.toString()).run(ro -> ro.withThreads(1)).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neutral");
    }
}
