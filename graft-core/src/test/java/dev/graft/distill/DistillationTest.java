package dev.graft.distill;

import dev.graft.model.ModelOverrides;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecIOException;
import dev.graft.data.DatasetRegistry;
import dev.graft.finetune.FineTuneResult;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.FineTuning;
import dev.graft.finetune.Fixtures;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.task.CorpusEncoder;
import dev.graft.task.EncodedCorpus;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.Tensor;
import dev.graft.tensor.kernel.GeluForm;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code graft distill} end to end on a tiny odd-sized teacher (vocab 99, hidden 32, FFN 37, 4 heads, 3 blocks):
 * a student that copies the teacher has a loss of exactly 0; caching the teacher gives the same student bit for
 * bit at one thread; a run stopped after a checkpoint and resumed gives the same losses and weights; the result
 * is an ordinary checkpoint (loads, embeds, fine-tunes); bad input is refused with clear errors, before the run
 * folder is written.
 */
class DistillationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream QUIET = new PrintStream(PrintStream.nullOutputStream());
    private static final Parallel ONE = new Parallel(1);
    private static final Compute COMPUTE = new Compute(KernelProvider.create(ONE), ONE);

    @TempDir
    static Path shared;
    static Path teacher;
    static Path plainTeacher; // without sentence-transformers files
    static Path corpus;

    @BeforeAll
    static void fixtures() throws IOException {
        Tokenizer tokenizer = Fixtures.wordPiece();
        teacher = teacher(shared.resolve("teacher"), tokenizer, true);
        plainTeacher = teacher(shared.resolve("plain-teacher"), tokenizer, false);
        StringBuilder sb = new StringBuilder();
        for (String[] s : Fixtures.sentiment(150, 31)) {
            sb.append(s[0]).append('\n');
        }
        for (String[][] s : Fixtures.chunks(100, 32)) {
            sb.append(String.join(" ", s[0])).append('\n');
        }
        corpus = shared.resolve("corpus.txt");
        Files.writeString(corpus, sb.toString());
    }

    @AfterAll
    static void close() {
        ONE.close();
    }

    static ModelConfig teacherConfig(int vocab) {
        return new ModelConfig(ModelConfig.Architecture.ENCODER, vocab, 32, 3, 4, 37, 40, 2, 1e-12f, 0.1f, 0.1f,
                GeluForm.ERF, 0.2f, 0);
    }

    /** A random "pretrained" encoder saved as graft import saves one (BertModel), with mean-normalized pooling. */
    static Path teacher(Path dir, Tokenizer tokenizer, boolean sentenceTransformers) throws IOException {
        ModelConfig c = teacherConfig(99);
        LanguageModel lm = new LanguageModel(COMPUTE, c, 11);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (Parameter p : lm.backbone().parameters()) {
            weights.put(p.name(), p.value());
        }
        Path tok = shared.resolve("tokenizer-" + dir.getFileName() + ".json");
        tokenizer.save(tok);
        Pretrained.saveBackboneFolder(dir, c, weights, Map.of(), tok);
        if (sentenceTransformers) {
            SentenceTransformersConfig.meanNormalized(null).write(dir, c.hiddenSize());
        }
        return dir;
    }

    /** A small student unlike the teacher: 2 blocks, hidden 16, 2 heads, FFN 19 (projection and head averages). */
    static DistillSpec.Builder spec(Path out) {
        return DistillSpec.builder(teacher, List.of(corpus.toString()), out).student(DistillSpec.TEACHER_SHAPE)
                .model(new ModelOverrides(2, 16, 2, 19, null)).batchSize(8).seqLen(24)
                .optimizer(opt -> opt.withLearningRate(1e-3f)).run(ro -> ro.withSteps(40).withThreads(1).withSeed(3))
                .monitoring(mon -> mon.withIntervals(1, 10, 10).withValidationSequences(16));
    }

    static Distillation.Result run(DistillSpec spec, PrintStream log) throws IOException {
        return Distillation.run(spec, DatasetRegistry.standard(), log, TrainingListener.NONE);
    }

    /** The metrics.jsonl records without their times. */
    static List<String> records(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            ObjectNode rec = (ObjectNode) JSON.readTree(line);
            rec.remove(List.of("elapsed_s", "tokens_per_s"));
            out.add(rec.toString());
        }
        return out;
    }

    // --------------------------------------------------------------------------------------------- zero loss

    @Test
    void aStudentThatCopiesTheTeacherHasZeroLoss() throws IOException {
        Pretrained t = Pretrained.loadBackbone(teacher, COMPUTE);
        Tokenizer tokenizer = t.requireTokenizer();
        EncodedCorpus encoded = CorpusEncoder.encode(tokenizer, Files.readAllLines(corpus).iterator(), 1, null);
        var sp = tokenizer.specialTokens();
        DistillationData data = DistillationData.build(encoded, 24, 8, 16, sp.classifier().getAsInt(),
                sp.separator().getAsInt(), sp.padding().getAsInt(), 3);
        for (DistillSpec.Loss loss : DistillSpec.Loss.values()) {
            DistillSpec copy = DistillSpec.builder(teacher, List.of(corpus.toString()), shared.resolve("unused"))
                    .student(DistillSpec.TEACHER_SHAPE).model(mdl -> mdl.withLayers(3)).init(DistillSpec.Init.TEACHER_LAYERS)
                    .loss(loss).run(ro -> ro.withSteps(1)).build();
            Distillation.Student student = Distillation.student(copy, t, COMPUTE, tokenizer, QUIET);
            DistillationTask task = new DistillationTask(student, t.backbone(), loss,
                    loss == DistillSpec.Loss.LAYERS ? LayerMap.uniform(3, 3) : null, null, List.of(),
                    teacher.resolve(Checkpoint.TOKENIZER), SentenceTransformersConfig.meanNormalized(null));
            task.setTraining(false);
            for (int b = 0; b < 3; b++) {
                double l = task.loss(data.trainingBatch(b));
                if (loss == DistillSpec.Loss.LAYERS) {
                    assertThat(l).as(loss + " loss of a copy, batch " + b).isZero();
                } else {
                    // the embedding loss's teacher runs graft's packed inference path, the student the training
                    // path: equal up to float rounding
                    assertThat(l).as(loss + " loss of a copy, batch " + b).isLessThan(1e-12);
                    // with the teacher's target from the training path, as the student computes it: exactly 0
                    var tokens = data.trainingBatch(b).tokens();
                    float[] target = EmbeddingLoss.target(t.backbone().forward(tokens), tokens,
                            Pooling.MEAN, true, 32);
                    EmbeddingLoss same = new EmbeddingLoss(COMPUTE, Pooling.MEAN, true, 32, 32);
                    assertThat(same.forward(student.backbone().forward(tokens), tokens, target)).isZero();
                }
            }
            // the same with a student of the teacher's shape but its own random weights: not zero
            DistillSpec fresh = copy.toBuilder().init(DistillSpec.Init.RANDOM).build();
            Distillation.Student other = Distillation.student(fresh, t, COMPUTE, tokenizer, QUIET);
            DistillationTask otherTask = new DistillationTask(other, t.backbone(), loss,
                    loss == DistillSpec.Loss.LAYERS ? LayerMap.uniform(3, 3) : null, null, List.of(),
                    teacher.resolve(Checkpoint.TOKENIZER), SentenceTransformersConfig.meanNormalized(null));
            otherTask.setTraining(false);
            assertThat(otherTask.loss(data.trainingBatch(0))).as(loss + " loss of a random student").isPositive();
        }
    }

    @Test
    void aHalfDepthStudentStartsFromEveryOtherTeacherBlock() throws IOException {
        Pretrained t = Pretrained.loadBackbone(teacher, COMPUTE);
        DistillSpec s = DistillSpec.builder(teacher, List.of(corpus.toString()), shared.resolve("unused"))
                .student(DistillSpec.TEACHER_SHAPE).init(DistillSpec.Init.TEACHER_LAYERS).run(ro -> ro.withSteps(1)).build();
        Distillation.Student student = Distillation.student(s, t, COMPUTE, t.requireTokenizer(), QUIET);
        assertThat(student.backbone().config().numberOfLayers()).as("half the teacher's 3, at least 1").isEqualTo(1);
        DistillSpec two = s.toBuilder().model(mdl -> mdl.withLayers(2)).build();
        Distillation.Student s2 = Distillation.student(two, t, COMPUTE, t.requireTokenizer(), QUIET);
        // blocks floor(i·3/2): 0 and 1
        for (int i = 0; i < 2; i++) {
            int from = i * 3 / 2;
            String name = "bert.encoder.layer." + i + ".output.dense.weight";
            assertThat(s2.parameters().get(name).value().toArray()).as(name).containsExactly(
                    t.parameters().get("bert.encoder.layer." + from + ".output.dense.weight").value().toArray());
        }
        assertThat(s2.parameters().get("bert.embeddings.word_embeddings.weight").value().toArray()).containsExactly(
                t.parameters().get("bert.embeddings.word_embeddings.weight").value().toArray());
    }

    // --------------------------------------------------------------------------------------------- caching

    @Test
    void cachingTheTeacherGivesTheSameStudent(@TempDir Path dir) throws IOException {
        for (DistillSpec.Loss loss : DistillSpec.Loss.values()) {
            Path plain = dir.resolve(loss.id() + "-plain");
            Path cached = dir.resolve(loss.id() + "-cached");
            // 40 updates of 8 of about 225 sequences: more than one epoch, so the cache is read as well as written
            Distillation.Result a = run(spec(plain).loss(loss).build(), QUIET);
            Distillation.Result b = run(spec(cached).loss(loss).cacheTeacher(true).build(), QUIET);
            assertThat(a.cacheHits() + a.cacheMisses()).isZero();
            assertThat(b.cacheHits()).as("batches read from the cache").isPositive();
            assertThat(b.cacheMisses()).as("batches computed once").isPositive();
            assertThat(Files.list(cached.resolve(Distillation.CACHE_FOLDER)).count()).isGreaterThan(1);
            assertThat(records(cached)).as(loss + ": per-step losses").isEqualTo(records(plain));
            assertThat(Files.readAllBytes(cached.resolve(Checkpoint.WEIGHTS))).as(loss + ": the student, bit for bit")
                    .isEqualTo(Files.readAllBytes(plain.resolve(Checkpoint.WEIGHTS)));
            assertThat(a.trainer().steps()).isEqualTo(40);
            // the student learned something: the validation loss fell
            List<String> evals = records(plain).stream().filter(r -> r.contains("\"eval\"")).toList();
            double first = JSON.readTree(evals.get(0)).get("val_loss").asDouble();
            double last = JSON.readTree(evals.get(evals.size() - 1)).get("val_loss").asDouble();
            assertThat(last).as(loss + " validation loss").isLessThan(first);
        }
    }

    @Test
    void aCacheMadeForOtherSettingsIsRefused(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        run(spec(out).run(ro -> ro.withSteps(3)).cacheTeacher(true).build(), QUIET);
        ObjectNode key = (ObjectNode) JSON.readTree(out.resolve(Distillation.CACHE_FOLDER)
                .resolve(TeacherCache.KEY_FILE).toFile());
        key.put("seq_len", 99);
        assertThatThrownBy(() -> TeacherCache.open(out.resolve(Distillation.CACHE_FOLDER), key))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seq_len")
                .hasMessageContaining("delete the folder");
    }

    // --------------------------------------------------------------------------------------------- resume

    /** A log that fails (as a kill would stop the run) at the first line containing {@code trigger}. */
    static PrintStream crashingAt(String trigger) {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                seen.write(b);
                if (b == '\n' && seen.toString(StandardCharsets.UTF_8).contains(trigger)) {
                    throw new IllegalStateException("simulated crash at '" + trigger + "'");
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    @Test
    void aRunStoppedAfterACheckpointAndResumedEqualsOneNeverStopped(@TempDir Path dir) throws IOException {
        for (DistillSpec.Loss loss : DistillSpec.Loss.values()) {
            Path straight = dir.resolve(loss.id() + "-straight");
            Path stopped = dir.resolve(loss.id() + "-stopped");
            run(spec(straight).loss(loss).cacheTeacher(true).build(), QUIET);
            assertThatThrownBy(() -> run(spec(stopped).loss(loss).cacheTeacher(true).build(),
                    crashingAt("eval step 30:"))).hasMessageContaining("simulated crash");
            // the evaluation at update 30 comes before its checkpoint: the newest is update 20's
            assertThat(Trainer.latestCheckpoint(stopped).getFileName().toString()).isEqualTo("checkpoint-0000020");
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            Distillation.Result resumed = run(spec(stopped).loss(loss).cacheTeacher(true).run(ro -> ro.withResume(true)).build(),
                    new PrintStream(log, true, StandardCharsets.UTF_8));
            assertThat(log.toString(StandardCharsets.UTF_8)).contains("resuming from checkpoint-0000020 (step 20)");
            assertThat(resumed.trainer().steps()).isEqualTo(40);
            assertThat(records(stopped)).as(loss + ": per-step losses and evaluations").isEqualTo(records(straight));
            assertThat(Files.readAllBytes(stopped.resolve(Checkpoint.WEIGHTS))).as(loss + ": the final weights")
                    .isEqualTo(Files.readAllBytes(straight.resolve(Checkpoint.WEIGHTS)));
        }
    }

    // --------------------------------------------------------------------------------------------- the result

    @Test
    void theStudentIsAnOrdinaryCheckpoint(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("student");
        Distillation.Result r = run(spec(out).student("bert-tiny").model(new ModelOverrides(1, 24, 3, 37, null))
                .run(ro -> ro.withSteps(12)).build(), QUIET);
        assertThat(r.student().hiddenSize()).isEqualTo(24);
        Pretrained student = Pretrained.loadBackbone(out, COMPUTE);
        assertThat(student.architecture()).isEqualTo("BertModel");
        assertThat(student.config().vocabSize()).isEqualTo(99);
        assertThat(Files.readString(out.resolve(Checkpoint.TOKENIZER)))
                .isEqualTo(Files.readString(teacher.resolve(Checkpoint.TOKENIZER)));
        SentenceTransformersConfig st = SentenceTransformersConfig.read(out).orElseThrow();
        assertThat(st.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(st.normalize()).as("the teacher's pooling").isTrue();
        float[][] v = new SentenceEmbedder(student.backbone(), student.requireTokenizer()).embed(List.of("a good film"));
        assertThat(v[0]).hasSize(24);
        assertThat(Files.exists(out.resolve("metrics.jsonl"))).isTrue();
        assertThat(Files.exists(out.resolve("run.json"))).isTrue();
        assertThat(JSON.readTree(out.resolve(Distillation.SUMMARY_FILE).toFile()).get("steps").asLong()).isEqualTo(12);
        String summary = Distillation.summaryJson(r);
        assertThat(JSON.readTree(summary).get("steps").asLong()).isEqualTo(12);
        // graft finetune --from takes it
        Path train = Fixtures.writeClassification(dir.resolve("train.jsonl"), Fixtures.sentiment(40, 5));
        Path test = Fixtures.writeClassification(dir.resolve("test.jsonl"), Fixtures.sentiment(20, 6));
        FineTuneResult ft = FineTuning.run(FineTuneSpec.builder(HeadConfig.Task.CLASSIFY, train.toString(),
                dir.resolve("ft")).from(out).test(test.toString()).run(ro -> ro.withEpochs(1)).run(ro -> ro.withThreads(1)).build(),
                DatasetRegistry.standard(), QUIET);
        assertThat(ft.testSize()).isEqualTo(20);
        // and a run may start from a distilled student (its tokenizer is the teacher's)
        Distillation.Result again = run(DistillSpec.builder(teacher, List.of(corpus.toString()), dir.resolve("again"))
                .student(out.toString()).batchSize(8).seqLen(24).run(ro -> ro.withSteps(2).withThreads(1)).build(), QUIET);
        assertThat(again.student()).isEqualTo(student.config());
    }

    // --------------------------------------------------------------------------------------------- bad input

    @Test
    void badInputIsRefusedClearlyAndLeavesNothingBehind(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        assertThatThrownBy(() -> run(spec(out).teacher(dir.resolve("no-such-teacher")).build(), QUIET))
                .isInstanceOf(SpecIOException.class).hasMessageContaining("no-such-teacher")
                .hasMessageContaining("does not exist: teacher takes a checkpoint folder");
        assertThatThrownBy(() -> run(spec(out).loss(DistillSpec.Loss.LAYERS).layerMap("0:3").build(), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layerMap item '0:3'")
                .hasMessageContaining("teacher's blocks 0..2");
        assertThatThrownBy(() -> run(spec(out).loss(DistillSpec.Loss.LAYERS).layerMap("0;1").build(), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not student:teacher");
        assertThatThrownBy(() -> spec(out).layerMap("0:1").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("layerMap applies to loss layers only");
        assertThatThrownBy(() -> run(spec(out).loss(DistillSpec.Loss.LAYERS).model(mdl -> mdl.withLayers(5)).build(), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more blocks");
        assertThatThrownBy(() -> run(spec(out).init(DistillSpec.Init.TEACHER_LAYERS).build(), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("init teacher-layers needs")
                .hasMessageContaining("32, 4, 37");
        assertThatThrownBy(() -> run(spec(out).student("gpt-mini").model(ModelOverrides.NONE).build(), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("decoder preset");
        assertThatThrownBy(() -> run(spec(out).student("no-such-arch").build(), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither a preset");
        assertThatThrownBy(() -> run(spec(out).seqLen(41).build(), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("seqLen 41 exceeds");
        // a student checkpoint with another tokenizer
        Tokenizer other = Fixtures.bpe();
        Path otherStudent = dir.resolve("other-student");
        ModelConfig c = teacherConfig(other.vocabularySize());
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (Parameter p : new LanguageModel(COMPUTE, c, 1).backbone().parameters()) {
            weights.put(p.name(), p.value());
        }
        Path tok = dir.resolve("bpe.json");
        other.save(tok);
        Pretrained.saveBackboneFolder(otherStudent, c, weights, Map.of(), tok);
        assertThatThrownBy(() -> run(DistillSpec.builder(teacher, List.of(corpus.toString()), out)
                .student(otherStudent.toString()).run(ro -> ro.withSteps(1).withThreads(1)).build(), QUIET))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not the teacher's tokenizer")
                .hasMessageContaining("other-student");
        assertThat(out).as("a refused run leaves no folder").doesNotExist();
        // a teacher without a tokenizer
        Path bare = dir.resolve("bare-teacher");
        Files.createDirectories(bare);
        for (String f : List.of(Checkpoint.CONFIG, Checkpoint.WEIGHTS)) {
            Files.copy(plainTeacher.resolve(f), bare.resolve(f));
        }
        assertThatThrownBy(() -> run(spec(out).teacher(bare).build(), QUIET)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("tokenizer.json");
        assertThat(out).doesNotExist();
    }

    @Test
    void withoutSentenceTransformersFilesTheTeacherIsMeanPooled(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        run(spec(dir.resolve("out")).teacher(plainTeacher).run(ro -> ro.withSteps(2)).build(),
                new PrintStream(log, true, StandardCharsets.UTF_8));
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("mean pooling (no sentence-transformers config");
        SentenceTransformersConfig st = SentenceTransformersConfig.read(dir.resolve("out")).orElseThrow();
        assertThat(st.normalize()).isFalse();
    }
}
