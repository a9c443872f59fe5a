package dev.graft.distill;

import dev.graft.Named;
import dev.graft.SpecException;
import dev.graft.data.CorpusReader;
import dev.graft.model.ModelOverrides;
import dev.graft.pretrain.CorpusSpecBuilder;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.train.Monitoring;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.RunOptions;
import dev.graft.train.ScheduleKind;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything {@code graft distill} needs: the teacher, the student, the loss, the unlabeled corpus and the
 * training settings. Immutable and validated, errors naming the spec's fields; build one with {@link #builder}.
 *
 * @param teacher             the teacher's checkpoint folder (an encoder with tokenizer.json)
 * @param student             a preset (bert-mini, ...), {@value #TEACHER_SHAPE} (the teacher's shape, fewer blocks)
 *                            or a checkpoint folder to continue from
 * @param model               overrides of the student's shape and dropout (for {@value #TEACHER_SHAPE}: blocks
 *                            default to half the teacher's)
 * @param init                how a new student starts
 * @param loss                what the student learns to reproduce
 * @param layerMap            {@code layerMap} text ("0:1,1:3"), or null for the uniform map
 * @param corpus              dataset names or text files
 * @param layout              how corpus files are read
 * @param batchSize           sequences per update
 * @param seqLen              tokens per sequence
 * @param cacheTeacher        keep the teacher's outputs on disk (in {@code OUT/teacher-cache/})
 * @param optimizer           AdamW and the learning-rate schedule
 * @param monitoring          log, validation and checkpoint intervals
 * @param run                 folder, length, threads, seed, resume or overwrite
 */
public record DistillSpec(
        Path teacher, String student, ModelOverrides model, Init init, Loss loss, String layerMap,
        List<String> corpus, CorpusReader.Layout layout, int batchSize, int seqLen, boolean cacheTeacher,
        OptimizerSpec optimizer, Monitoring monitoring, RunOptions run) {

    /** The {@code student} value for a student of the teacher's shape with fewer blocks. */
    public static final String TEACHER_SHAPE = "teacher";
    /** The student when none is named. */
    public static final String DEFAULT_STUDENT = "bert-mini";

    /** The optimizer of a distillation run unless changed: AdamW (β2 0.999), peak rate 3e-4, 5% warm-up. */
    public static final OptimizerSpec DEFAULT_OPTIMIZER = new OptimizerSpec(3e-4f, 0.05, ScheduleKind.LINEAR, 0.01f,
            1.0, 0.9f, 0.999f);

    /** The monitoring of a distillation run unless changed. */
    public static final Monitoring DEFAULT_MONITORING = new Monitoring(10, 200, 500, 2, 256);

    /** How a new student starts. */
    public enum Init implements Named {
        /** Random weights, as pretraining starts. */
        RANDOM,
        /** The teacher's embeddings and every (N/M)-th block (DistilBERT's initialization): shapes must match. */
        TEACHER_LAYERS;

        public static Init parse(String s) {
            return Named.parse(Init.class, "init", s);
        }
    }

    /** What the student learns to reproduce. */
    public enum Loss implements Named {
        /** The teacher's pooled sentence embedding ({@link EmbeddingLoss}). */
        EMBEDDING,
        /** The mapped blocks' hidden states and attention distributions ({@link LayerLoss}). */
        LAYERS;

        public static Loss parse(String s) {
            return Named.parse(Loss.class, "loss", s);
        }
    }

    public DistillSpec {
        if (teacher == null) {
            throw new SpecException("teacher", "teacher is required: a checkpoint folder (e.g. a model from graft "
                    + "import)");
        }
        if (student == null || student.isBlank()) {
            throw new SpecException("student", "student is required: bert-mini, teacher, or a checkpoint folder");
        }
        model = model == null ? ModelOverrides.NONE : model;
        corpus = dev.graft.data.Corpora.require(corpus);
        if (optimizer == null || monitoring == null || run == null) {
            throw new IllegalArgumentException("optimizer, monitoring and run are required: start from "
                    + "DistillSpec.builder");
        }
        if (init == null || loss == null) {
            throw new SpecException(List.of("init", "loss"), "init and loss are required");
        }
        if (layerMap != null && loss != Loss.LAYERS) {
            throw new SpecException(List.of("layerMap", "loss"), "layerMap applies to loss layers only");
        }
        run.requireLength();
        optimizer.checkAgainst(run);
        SpecException.positive("batchSize", batchSize);
        PretrainSpec.requireSeqLen(seqLen, 4);
    }

    /** Where the run writes. */
    public Path out() {
        return run.out();
    }

    /** A spec holding every default (one step, placeholder names): where {@code graft distill} reads its defaults. */
    public static DistillSpec defaults() {
        return builder(Path.of("teacher"), List.of("corpus"), Path.of("out")).run(r -> r.withSteps(1)).build();
    }

    /** A builder with {@code graft distill}'s defaults. */
    public static Builder builder(Path teacher, List<String> corpus, Path out) {
        return new Builder(teacher, corpus, out);
    }

    /** This spec as a builder, to change a few settings. */
    public Builder toBuilder() {
        return builder(teacher, corpus, run.out()).student(student).init(init).loss(loss).layerMap(layerMap)
                .cacheTeacher(cacheTeacher).layout(layout).batchSize(batchSize).seqLen(seqLen).model(model)
                .optimizer(optimizer).monitoring(monitoring).run(run);
    }

    /** Builds a {@link DistillSpec}; every setting starts at {@code graft distill}'s default. */
    public static final class Builder extends CorpusSpecBuilder<Builder> {
        private Path teacher;
        private String student = DEFAULT_STUDENT;
        private Init init = Init.RANDOM;
        private Loss loss = Loss.EMBEDDING;
        private String layerMap;
        private boolean cacheTeacher;

        private Builder(Path teacher, List<String> corpus, Path out) {
            super(corpus, DEFAULT_OPTIMIZER, DEFAULT_MONITORING, RunOptions.defaults(out));
            this.teacher = teacher;
        }

        public Builder teacher(Path v) { teacher = v; return this; }
        public Builder student(String v) { student = v; return this; }
        public Builder init(Init v) { init = v; return this; }
        public Builder loss(Loss v) { loss = v; return this; }
        public Builder layerMap(String v) { layerMap = v; return this; }
        public Builder cacheTeacher(boolean v) { cacheTeacher = v; return this; }

        public DistillSpec build() {
            return new DistillSpec(teacher, student, model, init, loss, layerMap, corpus, layout, batchSize, seqLen,
                    cacheTeacher, optimizer, monitoring, run);
        }
    }
}
