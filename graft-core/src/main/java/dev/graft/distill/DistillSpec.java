package dev.graft.distill;

import dev.graft.data.CorpusReader;
import dev.graft.train.Schedule;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Everything {@code graft distill} needs: the teacher, the student, the loss, the unlabeled corpus and the
 * training settings. Immutable and validated; build one with {@link #builder}.
 *
 * @param teacher             the teacher's checkpoint folder (an encoder with tokenizer.json)
 * @param student             a preset (bert-mini, ...), {@value #TEACHER_SHAPE} (the teacher's shape, fewer blocks)
 *                            or a checkpoint folder to continue from
 * @param layers              override of the student's number of blocks (for {@value #TEACHER_SHAPE}: default half
 *                            the teacher's), or null
 * @param hidden              override of the student's hidden size, or null
 * @param heads               override of the student's heads, or null
 * @param ffn                 override of the student's feed-forward size, or null
 * @param dropout             override of the student's dropout, or null
 * @param init                how a new student starts
 * @param loss                what the student learns to reproduce
 * @param layerMap            {@code --layer-map} text ("0:1,1:3"), or null for the uniform map
 * @param corpus              dataset names or text files
 * @param layout              how corpus files are read
 * @param out                 the run folder
 * @param cacheTeacher        keep the teacher's outputs on disk (in {@code OUT/teacher-cache/})
 */
public record DistillSpec(
        Path teacher, String student, Integer layers, Integer hidden, Integer heads, Integer ffn, Float dropout,
        Init init, Loss loss, String layerMap, List<String> corpus, CorpusReader.Layout layout, Path out,
        long steps, double epochs, Duration maxTime, int batchSize, int seqLen, float lr, double warmup,
        String schedule, float weightDecay, double clip, int logEvery, int evalEvery, int checkpointEvery, int keep,
        int validationSequences, boolean cacheTeacher, int threads, long seed, boolean resume, boolean overwrite) {

    /** The {@code --student} value for a student of the teacher's shape with fewer blocks. */
    public static final String TEACHER_SHAPE = "teacher";
    /** The student when none is named. */
    public static final String DEFAULT_STUDENT = "bert-mini";

    /** How a new student starts. */
    public enum Init {
        /** Random weights, as pretraining starts. */
        RANDOM,
        /** The teacher's embeddings and every (N/M)-th block (DistilBERT's initialization): shapes must match. */
        TEACHER_LAYERS;

        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Init parse(String s) {
            for (Init i : values()) {
                if (i.id().equalsIgnoreCase(s)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("unknown --init '" + s + "': use random or teacher-layers");
        }
    }

    /** What the student learns to reproduce. */
    public enum Loss {
        /** The teacher's pooled sentence embedding ({@link EmbeddingLoss}). */
        EMBEDDING,
        /** The mapped blocks' hidden states and attention distributions ({@link LayerLoss}). */
        LAYERS;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Loss parse(String s) {
            for (Loss l : values()) {
                if (l.id().equalsIgnoreCase(s)) {
                    return l;
                }
            }
            throw new IllegalArgumentException("unknown --loss '" + s + "': use embedding or layers");
        }
    }

    public DistillSpec {
        if (teacher == null) {
            throw new IllegalArgumentException("a teacher is required (--teacher DIR, e.g. a model from graft import)");
        }
        if (student == null || student.isBlank()) {
            throw new IllegalArgumentException("a student is required (--student bert-mini, teacher, or a folder)");
        }
        if (corpus == null || corpus.isEmpty()) {
            throw new IllegalArgumentException("no corpus given: name a dataset (graft data list) or text files");
        }
        corpus = List.copyOf(corpus);
        if (out == null) {
            throw new IllegalArgumentException("an output folder is required (--out DIR)");
        }
        if (init == null || loss == null) {
            throw new IllegalArgumentException("--init and --loss are required");
        }
        if (layerMap != null && loss != Loss.LAYERS) {
            throw new IllegalArgumentException("--layer-map applies to --loss layers only");
        }
        if (steps < 0 || epochs < 0) {
            throw new IllegalArgumentException("--steps and --epochs must be >= 0");
        }
        if (steps == 0 && epochs == 0 && maxTime == null) {
            throw new IllegalArgumentException("give at least one of --steps, --epochs or --max-time");
        }
        positive("--batch-size", batchSize);
        positive("--threads", threads);
        positive("--log-every", logEvery);
        positive("--keep-checkpoints", keep);
        if (seqLen < 4) {
            throw new IllegalArgumentException("--seq-len must be at least 4, got " + seqLen);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        }
        if (!(warmup >= 0 && warmup < 1)) {
            throw new IllegalArgumentException("--warmup must be in [0, 1), got " + warmup);
        }
        learningRateSchedule(schedule, warmup);
        if (evalEvery < 0 || checkpointEvery < 0 || validationSequences < 0) {
            throw new IllegalArgumentException("--eval-every, --checkpoint-every and --validation-sequences must be "
                    + ">= 0");
        }
        if (resume && overwrite) {
            throw new IllegalArgumentException("--resume and --overwrite contradict each other: choose one");
        }
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }

    static Schedule learningRateSchedule(String name, double warmup) {
        return switch (name == null ? "" : name) {
            case "constant" -> new Schedule.Constant(warmup);
            case "linear" -> new Schedule.WarmupLinear(warmup);
            case "cosine" -> new Schedule.WarmupCosine(warmup);
            default -> throw new IllegalArgumentException("unknown --schedule '" + name
                    + "': use linear, cosine or constant");
        };
    }

    /** This run's learning-rate schedule. */
    public Schedule learningRateSchedule() {
        return learningRateSchedule(schedule, warmup);
    }

    /** A spec holding every default (one step, placeholder names): where {@code graft distill} reads its defaults. */
    public static DistillSpec defaults() {
        return builder(Path.of("teacher"), List.of("corpus"), Path.of("out")).steps(1).build();
    }

    /** A builder with {@code graft distill}'s defaults. */
    public static Builder builder(Path teacher, List<String> corpus, Path out) {
        return new Builder(teacher, corpus, out);
    }

    /** This spec as a builder, to change a few settings. */
    public Builder toBuilder() {
        Builder b = new Builder(teacher, corpus, out);
        b.student = student;
        b.layers = layers;
        b.hidden = hidden;
        b.heads = heads;
        b.ffn = ffn;
        b.dropout = dropout;
        b.init = init;
        b.loss = loss;
        b.layerMap = layerMap;
        b.layout = layout;
        b.steps = steps;
        b.epochs = epochs;
        b.maxTime = maxTime;
        b.batchSize = batchSize;
        b.seqLen = seqLen;
        b.lr = lr;
        b.warmup = warmup;
        b.schedule = schedule;
        b.weightDecay = weightDecay;
        b.clip = clip;
        b.logEvery = logEvery;
        b.evalEvery = evalEvery;
        b.checkpointEvery = checkpointEvery;
        b.keep = keep;
        b.validationSequences = validationSequences;
        b.cacheTeacher = cacheTeacher;
        b.threads = threads;
        b.seed = seed;
        b.resume = resume;
        b.overwrite = overwrite;
        return b;
    }

    /** Builds a {@link DistillSpec}; every setting starts at {@code graft distill}'s default. */
    public static final class Builder {
        private Path teacher;
        private List<String> corpus;
        private Path out;
        private String student = DEFAULT_STUDENT;
        private Integer layers;
        private Integer hidden;
        private Integer heads;
        private Integer ffn;
        private Float dropout;
        private Init init = Init.RANDOM;
        private Loss loss = Loss.EMBEDDING;
        private String layerMap;
        private CorpusReader.Layout layout = CorpusReader.Layout.LINES;
        private long steps;
        private double epochs;
        private Duration maxTime;
        private int batchSize = 32;
        private int seqLen = 128;
        private float lr = 3e-4f;
        private double warmup = 0.05;
        private String schedule = "linear";
        private float weightDecay = 0.01f;
        private double clip = 1.0;
        private int logEvery = 10;
        private int evalEvery = 200;
        private int checkpointEvery = 500;
        private int keep = 2;
        private int validationSequences = 256;
        private boolean cacheTeacher;
        private int threads = Runtime.getRuntime().availableProcessors();
        private long seed = 42;
        private boolean resume;
        private boolean overwrite;

        private Builder(Path teacher, List<String> corpus, Path out) {
            this.teacher = teacher;
            this.corpus = corpus;
            this.out = out;
        }

        public Builder teacher(Path v) { teacher = v; return this; }
        public Builder corpus(List<String> v) { corpus = v; return this; }
        public Builder out(Path v) { out = v; return this; }
        public Builder student(String v) { student = v; return this; }
        public Builder layers(Integer v) { layers = v; return this; }
        public Builder hidden(Integer v) { hidden = v; return this; }
        public Builder heads(Integer v) { heads = v; return this; }
        public Builder ffn(Integer v) { ffn = v; return this; }
        public Builder dropout(Float v) { dropout = v; return this; }
        public Builder init(Init v) { init = v; return this; }
        public Builder loss(Loss v) { loss = v; return this; }
        public Builder layerMap(String v) { layerMap = v; return this; }
        public Builder layout(CorpusReader.Layout v) { layout = v; return this; }
        public Builder steps(long v) { steps = v; return this; }
        public Builder epochs(double v) { epochs = v; return this; }
        public Builder maxTime(Duration v) { maxTime = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder seqLen(int v) { seqLen = v; return this; }
        public Builder lr(float v) { lr = v; return this; }
        public Builder warmup(double v) { warmup = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder weightDecay(float v) { weightDecay = v; return this; }
        public Builder clip(double v) { clip = v; return this; }
        public Builder logEvery(int v) { logEvery = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder keep(int v) { keep = v; return this; }
        public Builder validationSequences(int v) { validationSequences = v; return this; }
        public Builder cacheTeacher(boolean v) { cacheTeacher = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder overwrite(boolean v) { overwrite = v; return this; }

        public DistillSpec build() {
            return new DistillSpec(teacher, student, layers, hidden, heads, ffn, dropout, init, loss, layerMap, corpus,
                    layout, out, steps, epochs, maxTime, batchSize, seqLen, lr, warmup, schedule, weightDecay, clip,
                    logEvery, evalEvery, checkpointEvery, keep, validationSequences, cacheTeacher, threads, seed,
                    resume, overwrite);
        }
    }
}
