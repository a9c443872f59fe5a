package dev.graft.pretrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.data.CorpusReader;
import dev.graft.model.ModelOverrides;
import dev.graft.train.ScheduleKind;
import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.model.Pretrained;
import dev.graft.nn.Compute;
import dev.graft.task.PretrainingData;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.ScalarKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The compute-efficient recipe's options of {@code graft pretrain}, end to end on a tiny corpus. */
class PretrainRecipeTest {
    private static final String[] WORDS = {"the", "film", "was", "good", "bad", "plot", "story", "really", "a",
        "actor", "played", "well", "boring", "music", "scene", "and", "it", "not"};

    /** Paragraphs of two to four sentences. */
    static Path corpus(Path dir, int paragraphs) throws IOException {
        Random r = new Random(3);
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < paragraphs; p++) {
            int sentences = 2 + r.nextInt(3);
            for (int s = 0; s < sentences; s++) {
                int n = 4 + r.nextInt(6);
                for (int w = 0; w < n; w++) {
                    sb.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
                }
                sb.append(".\n");
            }
            sb.append('\n');
        }
        return Files.writeString(dir.resolve("corpus.txt"), sb.toString());
    }

    static PretrainSpec.Builder tiny(Path corpus, Path out) {
        return PretrainSpec.builder("bert-tiny", List.of(corpus.toString()), out)
                .model(new ModelOverrides(1, 16, 2, null, null)).tokenizer(tok -> tok.withVocabSize(100)).seqLen(24)
                .batchSize(4).run(ro -> ro.withThreads(1).withSteps(4))
                .monitoring(mon -> mon.withIntervals(1, 0, 0).withValidationSequences(8))
                .layout(CorpusReader.Layout.PARAGRAPHS);
    }

    private static String run(PretrainSpec spec) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Pretraining.run(spec, new PrintStream(log, true, StandardCharsets.UTF_8));
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void electraWithCrammingsEncoderSavesAPreNormBiasFreeEncoder(@TempDir Path dir) throws IOException {
        Path corpus = corpus(dir, 60);
        Path out = dir.resolve("run");
        String log = run(tiny(corpus, out).electra(true).preNorm(true).noBias(true).model(mdl -> mdl.withDropout(0f))
                .optimizer(opt -> opt.withBetas(0.9f, 0.99f)).build());
        assertThat(log).contains("model: ELECTRA, discriminator bert-tiny (1 layers, hidden 16, pre-LN, bias-free "
                + "linears)", "generator 1 layers, hidden 4");
        JsonNode config = new ObjectMapper().readTree(out.resolve(Checkpoint.CONFIG).toFile());
        assertThat(config.path("graft_pre_norm").asBoolean()).isTrue();
        assertThat(config.path("graft_linear_bias").asBoolean(true)).isFalse();
        assertThat(config.path("hidden_dropout_prob").asDouble()).isZero();
        JsonNode runJson = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertThat(runJson.path("objective").asText()).isEqualTo("electra");
        assertThat(runJson.path("beta2").asDouble()).isCloseTo(0.99, org.assertj.core.data.Offset.offset(1e-6));
        try (Parallel p = new Parallel(1)) {
            Pretrained body = Pretrained.loadBackbone(out, new Compute(new ScalarKernels(), p));
            assertThat(body.config().preNorm()).isTrue();
            assertThat(body.config().linearBias()).isFalse();
            assertThat(body.tokenizer()).isNotNull();
        }
        // metrics carry both halves of the loss
        String metrics = Files.readString(out.resolve("metrics.jsonl"));
        assertThat(metrics).contains("\"loss_generator\"", "\"loss_discriminator\"", "val_discriminator_accuracy");
    }

    @Test
    void sentenceExamplesAndInDomainTextChangeTheSequences(@TempDir Path dir) throws IOException {
        Path corpus = corpus(dir, 150); // 100 documents or more: sequences pack the sentences of a document
        // (validation keeps every held-out sentence: its cap is far above 5% of the corpus)
        String packed = run(tiny(corpus, dir.resolve("packed")).monitoring(mon -> mon.withValidationSequences(500)).build());
        String sentences = run(tiny(corpus, dir.resolve("sentences")).monitoring(mon -> mon.withValidationSequences(500)).sentences(true).build());
        long lines;
        try (Stream<String> s = Files.lines(corpus)) {
            lines = s.filter(l -> !l.isBlank()).count();
        }
        // sentence-level: every sentence is its own sequence (training + validation)
        assertThat(sequences(sentences)).isEqualTo(lines);
        assertThat(sequences(packed)).isLessThan(lines);

        Path inDomain = Files.writeString(dir.resolve("task.txt"), "a great film .\nthe worst plot .\nsome music .\n");
        String mixed = run(tiny(corpus, dir.resolve("mixed")).monitoring(mon -> mon.withValidationSequences(500)).sentences(true)
                .inDomain(List.of(inDomain))
                .inDomainRepeat(3).build());
        assertThat(mixed).contains("in-domain text: [" + inDomain + "] repeated 3 time(s)");
        assertThat(sequences(mixed)).isEqualTo(lines + 9);
        PretrainSpec spec = tiny(corpus, dir.resolve("x")).inDomain(List.of(inDomain)).inDomainRepeat(2).build();
        assertThat(Pretraining.corpusWithInDomain(spec)).containsExactly(corpus.toString(), inDomain.toString(),
                inDomain.toString());
        try (Stream<String> s = Pretraining.sentences(Stream.of("one.\ntwo.\n", "three."))) {
            assertThat(s.toList()).containsExactly("one.", "two.", "three.");
        }
    }

    /** Training plus held-out sequences from the log's "sequences:" line. */
    private static long sequences(String log) {
        for (String line : log.split("\n")) {
            if (line.startsWith("sequences: ")) {
                String[] w = line.replace(",", "").split(" ");
                return Long.parseLong(w[1]) + Long.parseLong(w[6]);
            }
        }
        throw new AssertionError("no sequences line in:\n" + log);
    }

    @Test
    void archAutoProbesAndSaysWhatItChose(@TempDir Path dir) throws IOException {
        Path corpus = corpus(dir, 60);
        Path out = dir.resolve("auto");
        String log = run(tiny(corpus, out).arch("auto").model(ModelOverrides.NONE)
                .run(ro -> ro.withLength(0, 0, Duration.ofSeconds(2))).seqLen(16).build());
        assertThat(log).contains("arch auto: ", "non-embedding parameters: the probe measured");
        assertThat(out.resolve(Checkpoint.WEIGHTS)).exists();
    }

    @Test
    void badCombinationsAreRefusedWithWhatToDo(@TempDir Path dir) {
        Path c = dir.resolve("c.txt");
        assertThatThrownBy(() -> tiny(c, dir).arch("auto").model(ModelOverrides.NONE).build())
                .hasMessageContaining("give run.maxTime");
        assertThatThrownBy(() -> tiny(c, dir).arch("auto").run(ro -> ro.withLength(0, 0, Duration.ofMinutes(1)))
                .build()).hasMessageContaining("chooses model.layers");
        assertThatThrownBy(() -> tiny(c, dir).optimizer(opt -> opt.withSchedule(ScheduleKind.LINEAR_TIME)).build())
                .hasMessageContaining("optimizer.schedule linear-time decays to 0 at the time budget: give run.maxTime");
        assertThatThrownBy(() -> tiny(c, dir).arch("gpt-tiny").electra(true).build())
                .hasMessageContaining("electra trains an encoder");
        assertThatThrownBy(() -> tiny(c, dir).arch("gpt-tiny").preNorm(false).build())
                .hasMessageContaining("preNorm: post-LN is for encoders");
        assertThatThrownBy(() -> tiny(c, dir).optimizer(opt -> opt.withBetas(0.9f, 1f)).build())
                .hasMessage("optimizer.beta2 must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> tiny(c, dir).inDomainRepeat(0).build()).hasMessage("inDomainRepeat must be > 0, got 0");
        assertThatThrownBy(() -> tiny(c, dir).generatorSize(0).build()).hasMessageContaining("generatorSize is a");
        assertThat(tiny(c, dir).optimizer(opt -> opt.withSchedule(ScheduleKind.COSINE_TIME))
                .run(ro -> ro.withLength(0, 0, Duration.ofMinutes(1))).build()
                .optimizer().learningRateSchedule().name()).isEqualTo("cosine-time");
    }

    @Test
    void theLibraryTakesTheRecipeToo(@TempDir Path dir) {
        Path task = dir.resolve("task.txt");
        PretrainSpec spec = dev.graft.api.PretrainOptions.onDatasets(dir.resolve("o"), "moby-dick").withSteps(5)
                .withRecipe(dev.graft.api.PretrainRecipe.cramming().withElectra(true).withBetas(0.9f, 0.99f)
                        .withMaskProbability(0.3).withSentences(true).withInDomain(List.of(task), 4))
                .toSpec(1);
        assertThat(spec.electra()).isTrue();
        assertThat(spec.preNorm()).isTrue();
        assertThat(spec.noBias()).isTrue();
        assertThat(spec.model().dropout()).isZero();
        assertThat(spec.optimizer().beta2()).isEqualTo(0.99f);
        assertThat(spec.maskProbability()).isEqualTo(0.3);
        assertThat(spec.sentences()).isTrue();
        // the rest of Cramming, as graft pretrain --recipe cramming sets it
        assertThat(spec.optimizer().learningRate()).isEqualTo(1e-3f);
        assertThat(spec.optimizer().clip()).isEqualTo(0.5);
        assertThat(spec.seqLen()).isEqualTo(64);
        assertThat(spec.inDomain()).containsExactly(task);
        assertThat(spec.inDomainRepeat()).isEqualTo(4);
        PretrainSpec plain = dev.graft.api.PretrainOptions.onDatasets(dir.resolve("o"), "moby-dick").withSteps(5)
                .toSpec(1);
        assertThat(List.of(plain.electra(), plain.noBias(), plain.sentences())).containsOnly(false);
        assertThat(plain.preNorm()).isNull();
        assertThat(plain.optimizer().beta2()).isEqualTo(0.98f);
    }

    @Test
    void archAutoSizesTheModelToTwentyTokensPerParameter() {
        ModelConfig template = Presets.get("bert-mini").withVocabSize(8192);
        // choose the speed so the budget buys exactly 20 tokens per parameter of 4 x 256
        ModelConfig target = ArchAuto.shape(template, 4, 256);
        long n = ArchAuto.nonEmbeddingParameters(target);
        double cost = ArchAuto.flopsPerToken(template, 128, 0.15, 0) / ArchAuto.flopsPerToken(target, 128, 0.15, 0);
        Duration budget = Duration.ofMinutes(30);
        double speed = 20.0 * n / budget.toSeconds() / cost * 1.0001;
        ArchAuto.Choice c = ArchAuto.choose(template, speed, budget, 128, 0.15, 0);
        assertThat(c.fits()).isTrue();
        assertThat(c.parameters()).isGreaterThanOrEqualTo(n);
        assertThat(c.parameters() * ArchAuto.TOKENS_PER_PARAMETER).isLessThanOrEqualTo((long) c.budgetTokens());
        // every larger candidate would get fewer than 20 tokens per parameter
        for (ModelConfig other : ArchAuto.candidates(template)) {
            long m = ArchAuto.nonEmbeddingParameters(other);
            double tokens = speed * ArchAuto.flopsPerToken(template, 128, 0.15, 0)
                    / ArchAuto.flopsPerToken(other, 128, 0.15, 0) * budget.toSeconds();
            if (m > c.parameters()) {
                assertThat(m * ArchAuto.TOKENS_PER_PARAMETER).as("%d x %d", other.numberOfLayers(),
                        other.hiddenSize()).isGreaterThan((long) tokens);
            }
        }
        assertThat(c.explanation()).contains("arch auto: ", "30m");
        // far too slow: the smallest, saying so
        ArchAuto.Choice slow = ArchAuto.choose(template, 1, budget, 128, 0.15, 0);
        assertThat(slow.fits()).isFalse();
        assertThat(List.of(slow.config().numberOfLayers(), slow.config().hiddenSize())).containsExactly(2, 128);
        assertThat(slow.explanation()).contains("give a longer --max-time");
        // ELECTRA's generator makes each token dearer
        assertThat(ArchAuto.flopsPerToken(template, 128, 0.15, 0.25))
                .isGreaterThan(ArchAuto.flopsPerToken(template, 128, 0.15, 0) - 6 * 0.15 * (8192.0 * 256 + 256 * 256));
    }

    @Test
    void nonEmbeddingParametersAreTheModelsOwnCountMinusTheTables() {
        try (Parallel p = new Parallel(1)) {
            ModelConfig c = ArchAuto.shape(Presets.get("bert-mini").withVocabSize(99).withLinearBias(false), 3, 192);
            long all = new LanguageModel(new Compute(new ScalarKernels(), p), c, 1).parameterSet().count();
            long tables = (99L + c.maxPositions() + c.typeVocabSize()) * 192 + 99;
            assertThat(ArchAuto.nonEmbeddingParameters(c)).isEqualTo(all - tables);
        }
    }
}
