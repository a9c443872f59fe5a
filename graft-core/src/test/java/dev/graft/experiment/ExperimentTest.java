package dev.graft.experiment;

import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.Fixtures;
import dev.graft.model.HeadConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The experiment runner end to end on tiny models and synthetic data: fairness, caching, resume. */
class ExperimentTest {
    @TempDir
    static Path shared;
    static Path corpus;
    static Path train;
    static Path test;

    @BeforeAll
    static void data() throws IOException {
        StringBuilder text = new StringBuilder();
        for (String[] row : Fixtures.sentiment(400, 1)) {
            text.append(row[0]).append('\n');
        }
        corpus = Files.writeString(shared.resolve("corpus.txt"), text.toString());
        train = Fixtures.writeClassification(shared.resolve("train.jsonl"), Fixtures.sentiment(90, 2));
        test = Fixtures.writeClassification(shared.resolve("test.jsonl"), Fixtures.sentiment(30, 3));
    }

    private static ExperimentSpec.Builder tiny(Path out) {
        return ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of(train.toString(), test.toString()), out)
                .corpus(List.of(corpus.toString()))
                .strategies(List.of(Strategy.BOW, Strategy.SCRATCH, Strategy.TRANSFER, Strategy.MULTITASK))
                .budgets(List.of(20, ExperimentSpec.ALL)).seeds(2).arch("bert-tiny").pretrainSteps(3)
                .tokenizer(t -> t.withVocabSize(150)).seqLen(32).maxEpochs(2).run(r -> r.withThreads(1).withSeed(7))
                // the holdout protocol (a dev carve, early stopping) unless a test asks for cross-validation
                .folds(0);
    }

    /** Runs and returns the log. */
    private static String run(ExperimentSpec spec) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            Experiment.run(spec, DatasetRegistry.standard(), log);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static long cellLines(String log) {
        return log.lines().filter(l -> l.matches("\\[\\d+/\\d+] .*")).count();
    }

    @Test
    void everyStrategyGetsTheSameSubsetAndARerunRepeatsNothing(@TempDir Path out) throws IOException {
        // two cells at a time, one thread each: the parallel path
        ExperimentSpec spec = tiny(out).run(r -> r.withThreads(2)).parallelCells(2).build();
        String first = run(spec);
        assertThat(cellLines(first)).as("4 strategies x (20 and all) x 2 seeds").isEqualTo(16);

        List<CellResult> results = CellResult.read(out.resolve("results.jsonl"));
        assertThat(results).hasSize(16);
        assertThat(results).allSatisfy(r -> {
            assertThat(r.status()).as(r.strategy() + " " + r.budget() + " " + r.error()).isEqualTo("ok");
            assertThat(r.test()).isBetween(0.0, 1.0);
        });
        // the same labeled subset for every strategy of a cell, different subsets across seeds
        Map<String, String> byCell = new HashMap<>();
        for (Strategy s : spec.strategies()) {
            for (String key : List.of("b20-s0", "b20-s1", "ball-s0", "ball-s1")) {
                String fp = Files.readString(out.resolve("cells").resolve(s.id()).resolve(key + ".subset"));
                String before = byCell.putIfAbsent(key, fp);
                assertThat(before == null ? fp : before).as(s.id() + " " + key).isEqualTo(fp);
            }
        }
        assertThat(byCell.get("b20-s0")).isNotEqualTo(byCell.get("b20-s1"));
        assertThat(byCell.get("b20-s0")).as("20 labels: 18 to train, 2 for early stopping").endsWith("\t18\t2\n");
        assertThat(byCell.get("ball-s0")).as("45 per label, 10% rounded: 5 each").endsWith("\t80\t10\n");
        // labels counted the same way for every strategy
        assertThat(results.stream().filter(r -> r.budget().equals("20")).map(CellResult::labels)).containsOnly(20);
        assertThat(results.stream().filter(r -> r.budget().equals("all")).map(CellResult::labels)).containsOnly(90);
        // transfer's cost includes the shared pretraining, scratch's does not
        assertThat(results.stream().filter(r -> r.strategy().equals("transfer")))
                .allSatisfy(r -> assertThat(r.cost().pretrainTokens()).isPositive());
        assertThat(results.stream().filter(r -> r.strategy().equals("scratch")))
                .allSatisfy(r -> assertThat(r.cost().pretrainTokens()).isZero());
        List<Path> pretrainRuns = doneMarkers(out);
        assertThat(pretrainRuns).as("transfer pretrains once for all cells").hasSize(1);
        FileTime doneAt = Files.getLastModifiedTime(pretrainRuns.get(0));
        assertThat(out.resolve("report.md")).exists();
        assertThat(out.resolve("report.html")).exists();

        String second = run(spec);
        assertThat(cellLines(second)).isZero();
        assertThat(second).contains("every cell was already done").doesNotContain("pretraining ");
        assertThat(Files.readString(out.resolve("report.md"))).as("the rewritten report still lists the pretraining")
                .contains("## Pretraining");
        assertThat(Files.getLastModifiedTime(pretrainRuns.get(0))).isEqualTo(doneAt);
        assertThat(CellResult.read(out.resolve("results.jsonl"))).isEqualTo(results);
    }

    @Test
    void theFewLabelProtocolCrossValidatesEveryNeuralCellInsideItsLabels(@TempDir Path out) throws IOException {
        ExperimentSpec spec = tiny(out).strategies(List.of(Strategy.BOW, Strategy.SCRATCH)).budgets(List.of(20))
                .folds(2).learningRates(Map.of("scratch", List.of(1e-3f, 3e-3f))).build();
        assertThat(spec.protocol().learningRates(Strategy.SCRATCH)).containsExactly(1e-3f, 3e-3f);
        assertThat(spec.protocol().learningRates(Strategy.TRANSFER)).isEqualTo(Strategy.TRANSFER.defaultRates());
        run(spec);
        List<CellResult> results = CellResult.read(out.resolve("results.jsonl"));
        assertThat(results).hasSize(4).allSatisfy(r -> assertThat(r.status()).isEqualTo("ok"));
        for (String key : List.of("b20-s0", "b20-s1")) {
            // all 20 labels train: no dev carve, the folds are made inside them
            assertThat(Files.readString(out.resolve("cells/scratch/" + key + ".subset"))).endsWith("\t20\t0\n")
                    .isEqualTo(Files.readString(out.resolve("cells/bow/" + key + ".subset")));
            assertThat(out.resolve("cells/scratch/" + key + "/cross-validation.json")).exists();
        }
        assertThat(results.stream().filter(r -> r.strategy().equals("scratch"))).allSatisfy(r -> {
            assertThat(((Number) r.testMetrics().get("selected_lr")).floatValue()).isIn(1e-3f, 3e-3f);
            assertThat(((Number) r.testMetrics().get("cv_score")).doubleValue()).isBetween(0.0, 1.0);
            assertThat(((Number) r.testMetrics().get("selected_epochs")).doubleValue()).isPositive();
        });
        assertThat(Files.readString(out.resolve("report.md"))).contains("Paired differences")
                .contains("| bow − scratch |").doesNotContain("| scratch − bow |");
    }

    @Test
    void anInterruptedExperimentResumesWhereItStoppedWithTheSameResults(@TempDir Path out) throws IOException {
        ExperimentSpec spec = tiny(out).strategies(List.of(Strategy.SCRATCH, Strategy.TRANSFER))
                .budgets(List.of(20)).build();
        run(spec);
        Path results = out.resolve("results.jsonl");
        List<String> lines = Files.readAllLines(results);
        assertThat(lines).hasSize(4);
        // as if killed after the first two cells and in the middle of the pretraining's bookkeeping
        Files.write(results, lines.subList(0, 2));
        Path marker = doneMarkers(out).get(0);
        Files.delete(marker);

        String log = run(spec);
        assertThat(cellLines(log)).isEqualTo(2);
        assertThat(log).contains("(resuming)");
        assertThat(marker).exists();
        List<CellResult> resumed = CellResult.read(results);
        List<CellResult> original = new ArrayList<>();
        for (String l : lines) {
            original.add(CellResult.fromJson(l));
        }
        for (int i = 0; i < 4; i++) {
            CellResult a = original.get(i);
            CellResult b = resumed.get(i);
            assertThat(b.strategy()).isEqualTo(a.strategy());
            assertThat(b.test()).as("one thread: the same cell gives the same score").isEqualTo(a.test());
        }
    }

    @Test
    void aPretrainingSweepRunsTransferFromShorterRunsOnTheSameSubsets(@TempDir Path out) throws IOException {
        ExperimentSpec spec = tiny(out).strategies(List.of(Strategy.SCRATCH, Strategy.TRANSFER))
                .budgets(List.of(20)).seeds(1).pretrainSteps(4).pretrainSweep(List.of(0.5)).build();
        String log = run(spec);
        assertThat(cellLines(log)).as("scratch, transfer, transfer@0.5").isEqualTo(3);
        List<CellResult> results = CellResult.read(out.resolve("results.jsonl"));
        assertThat(results).extracting(CellResult::strategy).containsExactly("scratch", "transfer", "transfer@0.5");
        assertThat(results).allSatisfy(r -> assertThat(r.status()).as(r.strategy() + " " + r.error()).isEqualTo("ok"));
        long full = results.get(1).cost().pretrainTokens();
        long half = results.get(2).cost().pretrainTokens();
        assertThat(half).as("2 of 4 steps (tokens without padding vary by batch)").isBetween(full / 3, 2 * full / 3);
        assertThat(doneMarkers(out)).as("the full base run and a run of its own at half the steps").hasSize(2);
        assertThat(Files.readString(out.resolve("cells/transfer@0.5/b20-s0.subset")))
                .isEqualTo(Files.readString(out.resolve("cells/scratch/b20-s0.subset")));
        assertThat(Files.readString(out.resolve("report.md"))).contains("## Score against pretraining compute");

        assertThat(cellLines(run(spec))).as("a re-run repeats nothing").isZero();
    }

    @Test
    void inDomainTextGoesIntoEveryOwnPretrainingRunAndNamesItsOwnRun(@TempDir Path dir) throws IOException {
        ExperimentSpec plain = tiny(dir.resolve("plain")).strategies(List.of(Strategy.TRANSFER)).budgets(List.of(20))
                .seeds(1).build();
        ExperimentSpec mixed = tiny(dir.resolve("mixed")).strategies(List.of(Strategy.TRANSFER)).budgets(List.of(20))
                .seeds(1).inDomainRepeat(3).build();
        run(plain);
        String log = run(mixed);
        assertThat(log).contains("in-domain text:").contains("repeated 3 time(s)");
        Path base = onlyBase(dir.resolve("mixed"));
        com.fasterxml.jackson.databind.JsonNode record = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(base.resolve("run.json").toFile());
        assertThat(record.path("in_domain_repeat").asInt()).isEqualTo(3);
        Path text = Path.of(record.path("in_domain").get(0).asText());
        // the task's training texts, unlabeled, one per line
        List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(train)) {
            expected.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).path("text").asText());
        }
        assertThat(Files.readAllLines(text)).isEqualTo(expected);
        assertThat(onlyBase(dir.resolve("plain")).getFileName().toString())
                .as("a run with in-domain text is another run").isNotEqualTo(base.getFileName().toString());
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                dir.resolve("mixed/experiment.json").toFile()).path("in_domain_repeat").asInt()).isEqualTo(3);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                dir.resolve("plain/experiment.json").toFile()).has("in_domain_repeat"))
                .as("absent when 0, as experiments before it wrote").isFalse();
    }

    @Test
    void theCrammingRecipeSetsEveryOwnPretrainingRunAndNamesItsOwnRun(@TempDir Path dir) throws IOException {
        ExperimentSpec plain = tiny(dir.resolve("plain")).strategies(List.of(Strategy.TRANSFER)).budgets(List.of(20))
                .seeds(1).build();
        ExperimentSpec cram = tiny(dir.resolve("cram")).strategies(List.of(Strategy.TRANSFER)).budgets(List.of(20))
                .seeds(1).pretrainRecipe(dev.graft.pretrain.PretrainSpec.Recipe.CRAMMING).build();
        run(plain);
        run(cram);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode record = json.readTree(onlyBase(dir.resolve("cram"))
                .resolve("run.json").toFile());
        assertThat(record.path("model").path("preNorm").asBoolean()).isTrue();
        assertThat(record.path("model").path("linearBias").asBoolean()).isFalse();
        assertThat(record.path("model").path("hiddenDropout").asDouble()).isZero();
        assertThat(record.path("mask_prob").asDouble()).isEqualTo(0.25);
        assertThat(record.path("clip").asDouble()).isEqualTo(0.5);
        assertThat(record.path("sentences").asBoolean()).isTrue();
        assertThat(record.path("group_by_length").asBoolean()).as("sentence examples batched by length").isTrue();
        assertThat(record.path("seq_len").asInt()).isEqualTo(64);
        com.fasterxml.jackson.databind.JsonNode plainRecord = json.readTree(onlyBase(dir.resolve("plain"))
                .resolve("run.json").toFile());
        assertThat(plainRecord.path("model").path("preNorm").asBoolean()).isFalse();
        assertThat(plainRecord.path("mask_prob").asDouble()).isEqualTo(0.15);
        assertThat(plainRecord.path("group_by_length").asBoolean()).isFalse();
        assertThat(onlyBase(dir.resolve("plain")).getFileName().toString())
                .as("a run of another recipe is another run")
                .isNotEqualTo(onlyBase(dir.resolve("cram")).getFileName().toString());
        assertThat(json.readTree(dir.resolve("cram/experiment.json").toFile()).path("pretrain_recipe").asText())
                .isEqualTo("cramming");
        assertThat(json.readTree(dir.resolve("plain/experiment.json").toFile()).has("pretrain_recipe"))
                .as("absent when the default, as experiments before it wrote").isFalse();
    }

    @Test
    void vectorsInitStartsTheEmbeddingsFromTokenVectorsWithAndWithoutPretraining(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("exp");
        // vectors as wide as bert-tiny's 128-wide embeddings need at least 128 tokens seen 5 times or more: a corpus
        // of 300 made-up words, whose tokenizer holds a couple of hundred word pieces
        java.util.Random r = new java.util.Random(11);
        List<String> words = new ArrayList<>();
        for (int w = 0; w < 300; w++) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < 4 + r.nextInt(4); c++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            words.add(sb.toString());
        }
        List<String> lines = new ArrayList<>();
        for (int l = 0; l < 3000; l++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 8; w++) {
                sb.append(w == 0 ? "" : " ").append(words.get(r.nextInt(words.size())));
            }
            lines.add(sb.toString());
        }
        Path wide = Files.write(dir.resolve("wide-corpus.txt"), lines);
        String log = run(tiny(out).corpus(List.of(wide.toString())).tokenizer(t -> t.withVocabSize(400))
                .strategies(List.of(Strategy.SCRATCH, Strategy.VECTORS_INIT, Strategy.VECTORS_INIT_MLM))
                .budgets(List.of(20)).seeds(1).build());
        assertThat(cellLines(log)).as("three strategies, one budget, one draw").isEqualTo(3);
        assertThat(log).contains("over the tokenizer's tokens");
        Path vectors;
        Path pretrained;
        try (var s = Files.list(out.resolve("pretrain"))) {
            List<Path> runs = s.toList();
            vectors = runs.stream().filter(p -> p.getFileName().toString().startsWith("vectors-tokens-")).findFirst()
                    .orElseThrow();
            pretrained = runs.stream().filter(p -> p.getFileName().toString().startsWith("vectors-init-"))
                    .findFirst().orElseThrow();
        }
        dev.graft.vectors.WordVectors v = dev.graft.vectors.WordVectors.load(vectors);
        assertThat(v.units()).isEqualTo(dev.graft.vectors.UnitCorpus.Units.TOKENIZER);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(pretrained.resolve("run.json").toFile())
                .path("init_embeddings").asText()).isEqualTo(vectors.toString());
        // vectors-init's cell started from the vectors, scratch's did not: their logs (cells/ARM/KEY.log) say so
        List<String> cellLogs = new ArrayList<>();
        try (var s = Files.walk(out.resolve("cells"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
                cellLogs.add(out.relativize(p) + ": " + Files.readString(p));
            }
        }
        assertThat(cellLogs.stream().filter(l -> l.startsWith("cells/vectors-init/")).toList()).isNotEmpty()
                .allMatch(l -> l.contains("rows from the vectors in " + vectors));
        assertThat(cellLogs.stream().filter(l -> l.startsWith("cells/scratch/")).toList()).isNotEmpty()
                .noneMatch(l -> l.contains("rows from the vectors"));
        List<String> results = Files.readAllLines(out.resolve("results.jsonl"));
        assertThat(results).anyMatch(l -> l.contains("\"strategy\":\"vectors-init\""))
                .anyMatch(l -> l.contains("\"strategy\":\"vectors-init+mlm\""));
    }

    private static Path onlyBase(Path experiment) throws IOException {
        try (var s = Files.list(experiment.resolve("pretrain"))) {
            List<Path> bases = s.filter(p -> p.getFileName().toString().startsWith("base-")).toList();
            assertThat(bases).hasSize(1);
            return bases.get(0);
        }
    }

    @Test
    void aMovedExperimentFolderKeepsItsPretrainingRuns(@TempDir Path dir) throws IOException {
        Path first = dir.resolve("first");
        run(tiny(first).strategies(List.of(Strategy.SCRATCH, Strategy.MERGED)).budgets(List.of(20)).seeds(1).build());
        Path moved = Files.move(first, dir.resolve("moved"));
        Files.delete(moved.resolve("results.jsonl"));
        String log = run(tiny(moved).strategies(List.of(Strategy.SCRATCH, Strategy.MERGED)).budgets(List.of(20))
                .seeds(1).build());
        assertThat(cellLines(log)).isEqualTo(2);
        assertThat(log).as("merged's corpus holds a file inside the folder: found by name and checksum, not path")
                .doesNotContain("experiment: pretraining").doesNotContain("training a WordPiece tokenizer");
    }

    @Test
    void badSettingsAreClearErrors(@TempDir Path out) {
        assertThatThrownBy(() -> tiny(out).pretrainSweep(List.of(1.5)).build()).hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> tiny(out).strategies(List.of(Strategy.SCRATCH)).pretrainSweep(List.of(0.5)).build())
                .hasMessageContaining("needs the transfer strategy");
        assertThatThrownBy(() -> tiny(out).budgets(List.of(1)).build()).hasMessageContaining("budgets");
        assertThatThrownBy(() -> tiny(out).corpus(List.of()).build()).hasMessageContaining("give corpus NAME|FILE");
        assertThatThrownBy(() -> tiny(out).task(HeadConfig.Task.TAG)
                .strategies(List.of(Strategy.LABELS_AS_TEXT)).build()).hasMessageContaining("classify only");
        assertThatThrownBy(() -> Strategy.parseList(List.of("scratch,nope"))).hasMessageContaining("unknown strategy 'nope'");
        assertThatThrownBy(() -> ExperimentSpec.parseBudgets(List.of("50,many"))).hasMessageContaining("'many'");
    }

    @Test
    void anExperimentsRunOptionsAreItsFolderThreadsAndSeedOnly(@TempDir Path out) {
        ExperimentSpec spec = tiny(out).run(r -> r.withThreads(3).withSeed(11)).parallelCells(2).build();
        assertThat(spec.out()).isEqualTo(out);
        assertThat(spec.run().threads()).isEqualTo(3);
        assertThat(spec.run().seed()).isEqualTo(11);
        assertThat(ExperimentSpec.builder(HeadConfig.Task.CLASSIFY, List.of("sentiment-uci"), out).build().run().seed())
                .isEqualTo(ExperimentSpec.DEFAULT_SEED);
        dev.graft.SpecException time = org.junit.jupiter.api.Assertions.assertThrows(dev.graft.SpecException.class,
                () -> tiny(out).run(r -> r.withMaxTime(java.time.Duration.ofMinutes(5))).build());
        assertThat(time.fields()).contains("run.maxTime");
        assertThatThrownBy(() -> tiny(out).run(r -> r.withOverwrite(true)).build())
                .hasMessageContaining("run.overwrite are not for it");
        assertThatThrownBy(() -> tiny(out).run(r -> r.withThreads(1)).parallelCells(2).pretrainSteps(0)
                .pretrainTime(java.time.Duration.ZERO).build()).isInstanceOf(dev.graft.SpecException.class)
                .hasMessage("give a positive pretraining.time (e.g. 20m) or pretraining.steps");
        assertThatThrownBy(() -> tiny(out).folds(0).learningRates(Map.of("scratch", List.of(1e-4f, 3e-4f))).build())
                .hasMessage("protocol.learningRates: several rates for scratch need protocol.folds >= 2 to choose "
                        + "between them");
    }

    @Test
    void anExperimentJsonWrittenBeforeTheSpecWasNestedResumesUnchanged(@TempDir Path dir) throws IOException {
        // experiment.json as graft experiment wrote it while the spec was one flat record (every key, in order):
        // read back and written again it must be the same, or a rerun would not see the same settings
        String old = "{\"task\":\"classify\",\"corpus\":[\"english-corpus\"],\"data\":[\"sentiment-uci\"],"
                + "\"strategies\":[\"bow\",\"scratch\",\"transfer\"],\"budgets\":[\"50\",\"200\",\"all\"],"
                + "\"seeds\":3,\"arch\":\"bert-mini\",\"pretrain_time\":\"PT4M\",\"pretrain_steps\":0,"
                + "\"tapt_epochs\":1.0,\"pretrained\":\"minilm\",\"base\":null,\"pretrain_sweep\":[0.5],"
                + "\"vocab_size\":4096,\"seq_len\":64,\"dev_fraction\":0.2,\"folds\":3,\"max_epochs\":10.0,"
                + "\"lr_grid\":{\"scratch\":[3.0E-4],\"transfer\":[1.0E-4,3.0E-4]},\"lm_weight\":0.5,\"mix\":0.25,"
                + "\"label_repeat\":0,\"threads\":2,\"parallel_cells\":2,\"seed\":7,\"in_domain_repeat\":2}";
        Path file = Files.writeString(dir.resolve("experiment.json"), old);
        ExperimentSpec spec = ExperimentSpec.readConfig(file, ExperimentSpec.builder(null, null, dir)).build();
        assertThat(spec.pretraining()).isEqualTo(new PretrainingPlan(java.time.Duration.ofMinutes(4), 0, null,
                List.of(0.5), dev.graft.tokenizer.TokenizerSpec.DEFAULT.withVocabSize(4096), 64, 2));
        assertThat(spec.protocol()).isEqualTo(new Protocol(3, Map.of("scratch", List.of(3e-4f), "transfer",
                List.of(1e-4f, 3e-4f)), 10, 0.2));
        assertThat(spec.run().threads()).isEqualTo(2);
        assertThat(spec.run().seed()).isEqualTo(7);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(json.writeValueAsString(spec.toMap())).isEqualTo(old);
    }

    @Test
    void aConfigFileSetsTheSameFieldsAndNamesItsMistakes(@TempDir Path dir) throws IOException {
        Path good = Files.writeString(dir.resolve("exp.json"), "{\"strategies\": [\"bow\", \"scratch\"], "
                + "\"budgets\": \"50,all\", \"seeds\": 2, \"pretrain_time\": \"5m\", \"data\": \"sentiment-uci\"}");
        ExperimentSpec s = ExperimentSpec.readConfig(good, ExperimentSpec.builder(null, null, dir)).build();
        assertThat(s.strategies()).containsExactly(Strategy.BOW, Strategy.SCRATCH);
        assertThat(s.budgets()).containsExactly(50, ExperimentSpec.ALL);
        assertThat(s.seeds()).isEqualTo(2);
        assertThat(s.pretraining().time()).hasMinutes(5);
        assertThat(s.task()).isEqualTo(HeadConfig.Task.CLASSIFY);
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"seedz\": 2}");
        assertThatThrownBy(() -> ExperimentSpec.readConfig(bad, ExperimentSpec.builder(null, null, dir)))
                .hasMessageContaining("bad.json").hasMessageContaining("'seedz'");
    }

    @Test
    void whatTheRunFilesWriteAConfigFileReadsBack(@TempDir Path dir) throws IOException {
        // every setting off its default, so a key written but not read (or read into another field) shows
        Files.writeString(Files.createDirectories(dir.resolve("base")).resolve("config.json"), "{}");
        ExperimentSpec.Builder b = tiny(dir).strategies(List.of(Strategy.BOW, Strategy.SCRATCH, Strategy.TRANSFER))
                .budgets(List.of(13, ExperimentSpec.ALL)).seeds(3).pretrainSteps(0)
                .pretrainTime(java.time.Duration.ofSeconds(95)).taptEpochs(1.5).pretrained("some/model")
                .tokenizer(t -> t.withVocabSize(151)).seqLen(33).devFraction(0.2)
                .folds(3).maxEpochs(4.5)
                .learningRates(Map.of("scratch", List.of(0.5f), "transfer", List.of(0.25f, 0.125f)))
                .lmWeight(0.75f).mix(1.5).lmSequenceLength(48).labelRepeat(2).run(r -> r.withThreads(3).withSeed(11)).parallelCells(2)
                .inDomainRepeat(4).pretrainRecipe(dev.graft.pretrain.PretrainSpec.Recipe.CRAMMING);
        // a sweep and a given base exclude each other: one spec each
        ExperimentSpec withBase = b.base(dir.resolve("base")).build();
        ExperimentSpec withSweep = b.base(null).pretrainSweep(List.of(0.25)).build();
        for (ExperimentSpec spec : List.of(withBase, withSweep)) {
            Path config = Files.writeString(dir.resolve("exp.json"),
                    new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(spec.toMap()));
            ExperimentSpec read = ExperimentSpec.readConfig(config, ExperimentSpec.builder(null, null, dir)).build();
            assertThat(read).isEqualTo(spec);
            assertThat(read.toMap()).isEqualTo(spec.toMap());
        }
        // the error lists every key the run files write (distilled only when given, so absent here)
        assertThat(withBase.toMap()).doesNotContainKey("distilled");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"nope\": 1}");
        assertThatThrownBy(() -> ExperimentSpec.readConfig(bad, ExperimentSpec.builder(null, null, dir)))
                .hasMessageContaining("settings: " + String.join(", ", withBase.toMap().keySet())
                        .replace(", in_domain_repeat, pretrain_recipe", "")
                        + ", distilled, in_domain_repeat, pretrain_recipe)");
        Path removed = Files.writeString(dir.resolve("old.json"), "{\"max_updates\": 100}");
        assertThatThrownBy(() -> ExperimentSpec.readConfig(removed, ExperimentSpec.builder(null, null, dir)))
                .hasMessageContaining("max_updates was removed").hasMessageContaining("max_epochs");
    }

    private static List<Path> doneMarkers(Path out) throws IOException {
        try (Stream<Path> s = Files.walk(out.resolve("pretrain"))) {
            return s.filter(p -> p.getFileName().toString().equals(Experiment.DONE)).sorted().toList();
        }
    }
}
