package dev.graft.distill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;
import dev.graft.SpecIOException;
import dev.graft.data.DatasetRegistry;
import dev.graft.io.RunFolder;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.model.Presets;
import dev.graft.model.Pretrained;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.nn.Pooling;
import dev.graft.task.CorpusEncoder;
import dev.graft.task.EncodedCorpus;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.SpecialTokens;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.BatchStream;
import dev.graft.train.RunRecord;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Knowledge distillation of an encoder into a smaller one on unlabeled text: what {@code graft distill} runs.
 * Loads the teacher, builds (or loads) the student with the teacher's tokenizer, cuts the corpus into fixed
 * batches ({@link DistillationData}) and trains the {@link DistillationTask} with graft's {@link Trainer}: the
 * same progress lines, {@code metrics.jsonl}, checkpoints, exact {@code --resume} and {@code --max-time} as
 * {@code graft pretrain}. The run folder ends as the student's checkpoint folder.
 */
public final class Distillation {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The summary of a finished run, in its folder (what the experiment's distilled strategy reads). */
    public static final String SUMMARY_FILE = "distill-summary.json";
    /** The teacher cache's folder inside the run folder. */
    public static final String CACHE_FOLDER = "teacher-cache";

    private Distillation() {
    }

    /**
     * The outcome of a run.
     *
     * @param out           the run folder: the student's checkpoint
     * @param trainer       the trainer's summary
     * @param loss          the loss trained
     * @param student       the student's config
     * @param teacherParams the teacher's parameter count
     * @param studentParams the student's parameter count
     * @param cacheHits     batches whose teacher outputs came from the cache in this process
     * @param cacheMisses   batches the teacher computed (and the cache stored) in this process; 0 without a cache
     */
    public record Result(Path out, Trainer.Summary trainer, DistillSpec.Loss loss, ModelConfig student,
                         long teacherParams, long studentParams, long cacheHits, long cacheMisses) {
    }

    /** Runs {@code spec} with the standard dataset registry. */
    public static Result run(DistillSpec spec, PrintStream log) throws IOException {
        return run(spec, DatasetRegistry.standard(), log, TrainingListener.NONE);
    }

    /**
     * Runs {@code spec}. The run folder is checked and locked first; the teacher, the student, the layer map and
     * the corpus are all validated before anything is written into it.
     */
    public static Result run(DistillSpec spec, DatasetRegistry registry, PrintStream log, TrainingListener listener)
            throws IOException {
        checkTeacherFolder(spec.teacher());
        try (RunFolder folder = RunFolder.open(spec.out(), new RunFolder.Request("distill", spec.run().overwrite(),
                spec.run().resume(), Trainer::latestCheckpoint), log);
             Parallel parallel = new Parallel(spec.run().threads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            return run(spec, registry, folder, compute, log, listener);
        }
    }

    private static void checkTeacherFolder(Path teacher) throws IOException {
        if (!Files.isDirectory(teacher)) {
            throw new SpecIOException("teacher", teacher + (Files.exists(teacher) ? " is not a folder"
                    : " does not exist") + ": teacher takes a checkpoint folder (config.json, model.safetensors, "
                    + "tokenizer.json), e.g. one written by graft import (see graft models)");
        }
    }

    private static Result run(DistillSpec spec, DatasetRegistry registry, RunFolder folder, Compute compute,
                              PrintStream log, TrainingListener listener) throws IOException {
        boolean resuming = folder.resuming();
        Pretrained teacher = Pretrained.loadBackbone(spec.teacher(), compute, spec.run().seed());
        if (!teacher.config().isEncoder()) {
            throw new SpecException("teacher", spec.teacher() + " is a decoder (GPT-style) model: graft distill "
                    + "distills encoders (BERT-style); give an encoder as teacher");
        }
        Tokenizer tokenizer = teacher.requireTokenizer();
        SpecialTokens sp = tokenizer.specialTokens();
        if (sp.classifier().isEmpty() || sp.separator().isEmpty()) {
            throw new IllegalArgumentException(spec.teacher().resolve(Checkpoint.TOKENIZER) + ": the teacher's "
                    + "tokenizer has no [CLS] and [SEP] tokens, which frame the sequences; give a BERT-style teacher");
        }
        int pad = sp.padding().orElse(Math.max(0, teacher.config().padTokenId()));
        Optional<SentenceTransformersConfig> st = SentenceTransformersConfig.read(spec.teacher());
        Pooling pooling = st.map(SentenceTransformersConfig::pooling)
                .orElse(Pooling.MEAN);
        boolean normalize = st.map(SentenceTransformersConfig::normalize).orElse(false);
        log.printf(Locale.ROOT, "teacher: %s, %d blocks, hidden %d, %d heads, %,d parameters; %s pooling%s%s%n",
                spec.teacher(), teacher.config().numberOfLayers(), teacher.config().hiddenSize(),
                teacher.config().numberOfHeads(), teacher.parameters().count(),
                pooling.name().toLowerCase(Locale.ROOT), normalize ? ", normalized" : "",
                st.isPresent() ? " (its sentence-transformers config)" : " (no sentence-transformers config: mean)");

        Student student = student(spec, teacher, compute, tokenizer, log);
        ModelConfig sc = student.backbone().config();
        int positions = Math.min(sc.maxPositions(), teacher.config().maxPositions());
        if (spec.seqLen() > positions) {
            throw new SpecException("seqLen", "seqLen " + spec.seqLen() + " exceeds the " + positions
                    + " positions of the " + (sc.maxPositions() < teacher.config().maxPositions() ? "student" : "teacher")
                    + "; lower seqLen");
        }
        LayerMap map = null;
        if (spec.loss() == DistillSpec.Loss.LAYERS) {
            map = spec.layerMap() == null ? LayerMap.uniform(sc.numberOfLayers(), teacher.config().numberOfLayers())
                    : LayerMap.parse(spec.layerMap(), sc.numberOfLayers(), teacher.config().numberOfLayers());
            log.println("layer map (student block:teacher block): " + map
                    + (sc.numberOfHeads() == teacher.config().numberOfHeads() ? "; attention compared head by head"
                    : "; attention compared as each side's average over heads (" + sc.numberOfHeads() + " vs "
                    + teacher.config().numberOfHeads() + ")"));
        }

        DistillationCorpus corpora = DistillationCorpus.resolve(spec.corpus(), registry, spec.layout(), log);
        log.println("corpus: " + String.join(", ", corpora.descriptions()));
        long t0 = System.nanoTime();
        EncodedCorpus encoded;
        try (Stream<String> docs = corpora.documents()) {
            encoded = CorpusEncoder.encode(tokenizer, docs.iterator(), spec.run().threads(), null);
        }
        log.printf(Locale.ROOT, "tokenized: %,d tokens, %,d sentences, %,d documents in %.1f s%n",
                encoded.tokenCount(), encoded.sentenceCount(), encoded.documentCount(), (System.nanoTime() - t0) / 1e9);
        DistillationData data = DistillationData.build(encoded, spec.seqLen(), spec.batchSize(),
                spec.monitoring().validationSequences(), sp.classifier().getAsInt(), sp.separator().getAsInt(), pad,
                spec.run().seed());
        log.printf(Locale.ROOT, "sequences: %,d for training in %,d fixed batches, %,d held out for validation%n",
                data.trainingSequences(), data.trainingBatches(), data.validationSequences());

        TrainingOptions options = spec.optimizer().trainingOptions(spec.run(), spec.monitoring(), 1, false);
        // everything is validated: from here on the run folder is written
        folder.begin();
        Path out = spec.out();
        TeacherCache cache = spec.cacheTeacher() ? TeacherCache.open(out.resolve(CACHE_FOLDER), cacheKey(spec, map,
                teacher, sc)) : null;
        Path tokenizerFile = spec.teacher().resolve(Checkpoint.TOKENIZER);
        SentenceTransformersConfig studentSt = new SentenceTransformersConfig(pooling, normalize,
                st.map(SentenceTransformersConfig::maxSeqLength).map(m -> Math.min(m, sc.maxPositions())).orElse(null),
                st.map(SentenceTransformersConfig::prompts).orElse(java.util.Map.of()),
                st.map(SentenceTransformersConfig::defaultPromptName).orElse(null));
        DistillationTask task = new DistillationTask(student, teacher.backbone(), spec.loss(), map, cache,
                data.validationBatches(), tokenizerFile, studentSt);
        log.printf(Locale.ROOT, "student: %d blocks, hidden %d, %d heads, FFN %d, %,d parameters (%.1f%% of the "
                        + "teacher's); loss %s%s; %s kernels, %d thread(s)%n", sc.numberOfLayers(), sc.hiddenSize(),
                sc.numberOfHeads(), sc.intermediateSize(), student.parameters().count(),
                100.0 * student.parameters().count() / teacher.parameters().count(), spec.loss().id(),
                sc.hiddenSize() == teacher.config().hiddenSize() ? ""
                        : ", with a learned projection " + sc.hiddenSize() + " -> " + teacher.config().hiddenSize(),
                compute.kernels().name(), spec.run().threads());
        if (cache != null) {
            log.printf(Locale.ROOT, "teacher cache: %s (about %s per batch)%n", cache.folder(),
                    humanBytes(cacheBytesPerBatch(spec, teacher.config(), sc, map)));
        }
        writeRunConfig(spec, resuming, sc, teacher.config(), map, data);
        BatchStream<DistillationData.Batch> stream = data.trainingStream(spec.run().seed());
        Trainer<DistillationData.Batch> trainer = new Trainer<>(compute, task, stream, options, out, log)
                .resumeHint(dev.graft.train.RunOptions.RESUME_HINT).listener(listener);
        Trainer.Summary s = trainer.run(resuming);
        TeacherCache.Counts cached = cache == null ? new TeacherCache.Counts(0, 0, 0) : cache.counts();
        if (cache != null) {
            log.printf(Locale.ROOT, "teacher cache: %,d batches read, %,d computed and stored (%s)%n", cached.hits(),
                    cached.misses(), humanBytes(cached.bytesWritten()));
        }
        Result result = new Result(out, s, spec.loss(), sc, teacher.parameters().count(),
                student.parameters().count(), cached.hits(), cached.misses());
        AtomicFiles.writeString(out.resolve(SUMMARY_FILE), summaryJson(result) + "\n");
        return result;
    }

    /** The student backbone and its parameters (in a set of their own). */
    public record Student(Backbone backbone, ParameterSet parameters) {
    }

    /** The student: a preset or the teacher's shape (new, random or teacher-initialized), or a checkpoint. */
    static Student student(DistillSpec spec, Pretrained teacher, Compute compute, Tokenizer tokenizer, PrintStream log)
            throws IOException {
        ModelConfig tc = teacher.config();
        String name = spec.student();
        Path dir = Path.of(name);
        boolean isPreset = Presets.names().contains(name.toLowerCase(Locale.ROOT));
        if (!isPreset && !name.equals(DistillSpec.TEACHER_SHAPE)) {
            if (!Files.isDirectory(dir)) {
                throw new SpecException("student", "student '" + name + "' is neither a preset (" + String.join(", ",
                        Presets.names()) + "), '" + DistillSpec.TEACHER_SHAPE + "' (the teacher's shape with fewer "
                        + "blocks) nor a checkpoint folder");
            }
            if (spec.init() != DistillSpec.Init.RANDOM || spec.model().changesShape()) {
                throw new SpecException(List.of("student", "init", "layers", "hidden"), "student " + dir + " is a "
                        + "checkpoint: it starts from its own weights and shape; drop init and the shape options "
                        + "(layers, hidden, ...)");
            }
            Pretrained s = Pretrained.loadBackbone(dir, compute, spec.run().seed());
            if (!s.config().isEncoder()) {
                throw new IllegalArgumentException(dir + " is a decoder (GPT-style) model: the student must be an "
                        + "encoder (BERT-style)");
            }
            checkSameTokenizer(dir, s.tokenizer(), spec.teacher(), tokenizer);
            if (s.config().vocabSize() != tc.vocabSize()) {
                throw new IllegalArgumentException(dir + ": the student has " + s.config().vocabSize() + " token "
                        + "embeddings but the teacher " + tc.vocabSize() + "; the student must use the teacher's "
                        + "tokenizer and vocabulary");
            }
            log.println("student: " + dir + " (continued from its weights)");
            ParameterSet own = new ParameterSet(s.backbone().parameters());
            return new Student(s.backbone(), own);
        }
        ModelConfig base = tc;
        int positions = tc.maxPositions();
        int layers = Math.max(1, tc.numberOfLayers() / 2);
        if (isPreset) {
            base = Presets.get(name);
            if (!base.isEncoder()) {
                throw new SpecException("student", "student " + name + " is a decoder preset: distillation trains an "
                        + "encoder (a bert-* preset, or " + DistillSpec.TEACHER_SHAPE + ")");
            }
            positions = Math.min(tc.maxPositions(), Math.max(base.maxPositions(), spec.seqLen()));
            layers = base.numberOfLayers();
        }
        ModelConfig o = spec.model().applyTo(base, layers);
        ModelConfig config = new ModelConfig(ModelConfig.Architecture.ENCODER, tc.vocabSize(), o.hiddenSize(),
                o.numberOfLayers(), o.numberOfHeads(), o.intermediateSize(), positions, tc.typeVocabSize(),
                o.layerNormEps(), o.hiddenDropout(), o.attentionDropout(), o.gelu(), o.initializerRange(),
                tc.padTokenId());
        if (tc.embeddingSize() == tc.hiddenSize()) {
            // the teacher's family (a RoBERTa's positions from pad + 1, a DistilBERT's names), so the student reads
            // the same inputs, takes the teacher's position rows as they are, and is saved as the same architecture
            config = config.withFamily(tc.family(), config.hiddenSize());
        }
        // a LanguageModel initializes its backbone as pretraining does; its MLM head is left unused
        Backbone backbone = new LanguageModel(compute, config, spec.run().seed()).backbone();
        ParameterSet own = new ParameterSet(backbone.parameters());
        if (spec.init() == DistillSpec.Init.TEACHER_LAYERS) {
            int[] from = initializeFromTeacher(own, config, teacher.parameters(), tc);
            log.println("student: initialized from the teacher's embeddings and blocks "
                    + java.util.Arrays.toString(from) + " (DistilBERT's initialization)");
        }
        return new Student(backbone, own);
    }

    /**
     * Copies the teacher's embeddings (the first rows of its position table when the student has fewer positions)
     * and, into student block i, teacher block floor(i·N/M): every other block for a student of half the depth, as
     * DistilBERT (Sanh et al. 2019, section 3) initializes. Returns the teacher blocks used.
     */
    static int[] initializeFromTeacher(ParameterSet student, ModelConfig sc, ParameterSet teacher, ModelConfig tc) {
        if (sc.hiddenSize() != tc.hiddenSize() || sc.numberOfHeads() != tc.numberOfHeads()
                || sc.intermediateSize() != tc.intermediateSize()) {
            throw new SpecException(List.of("init", "student", "layers"), "init teacher-layers needs the distilled "
                    + "model's hidden size, heads and FFN size to equal the teacher's (" + tc.hiddenSize() + ", "
                    + tc.numberOfHeads() + ", " + tc.intermediateSize() + "); this one has " + sc.hiddenSize() + ", "
                    + sc.numberOfHeads() + ", " + sc.intermediateSize() + ". Use student " + DistillSpec.TEACHER_SHAPE
                    + " and layers N, or drop init");
        }
        if (sc.numberOfLayers() > tc.numberOfLayers()) {
            throw new SpecException("init", "init teacher-layers: the student has more blocks ("
                    + sc.numberOfLayers() + ") than the teacher (" + tc.numberOfLayers() + ")");
        }
        int m = sc.numberOfLayers();
        int n = tc.numberOfLayers();
        int[] from = new int[m];
        for (int i = 0; i < m; i++) {
            from[i] = (int) ((long) i * n / m);
        }
        String blockPrefix = "bert.encoder.layer.";
        for (Parameter p : student.list()) {
            String name = p.name();
            String source = name;
            if (name.startsWith(blockPrefix)) {
                int dot = name.indexOf('.', blockPrefix.length());
                int i = Integer.parseInt(name.substring(blockPrefix.length(), dot));
                source = blockPrefix + from[i] + name.substring(dot);
            }
            Parameter t = teacher.get(source);
            if (java.util.Arrays.equals(t.shape(), p.shape())) {
                p.value().copyFrom(t.value());
            } else if (name.endsWith("position_embeddings.weight") && p.shape()[0] <= t.shape()[0]
                    && p.shape()[1] == t.shape()[1]) {
                System.arraycopy(t.value().data(), t.value().offset(), p.value().data(), p.value().offset(), p.size());
            } else {
                throw new SpecException("init", "init teacher-layers: " + name + " has shape "
                        + java.util.Arrays.toString(p.shape()) + " in the student but " + source + " has "
                        + java.util.Arrays.toString(t.shape()) + " in the teacher");
            }
        }
        return from;
    }

    /** A student checkpoint with a tokenizer of its own must have the teacher's. */
    static void checkSameTokenizer(Path studentDir, Tokenizer student, Path teacherDir, Tokenizer teacher) {
        if (student == null) {
            return;
        }
        String why = null;
        if (student.vocabularySize() != teacher.vocabularySize()) {
            why = student.vocabularySize() + " tokens against the teacher's " + teacher.vocabularySize();
        } else {
            for (int i = 0; i < teacher.vocabularySize(); i++) {
                if (!teacher.idToToken(i).equals(student.idToToken(i))) {
                    why = "token " + i + " is '" + student.idToToken(i) + "' there but '" + teacher.idToToken(i)
                            + "' in the teacher's";
                    break;
                }
            }
        }
        if (why != null) {
            throw new SpecException("student", studentDir.resolve(Checkpoint.TOKENIZER) + " is not the teacher's "
                    + "tokenizer (" + teacherDir.resolve(Checkpoint.TOKENIZER) + "): " + why + ". Student and teacher "
                    + "read the same tokens; start from a preset (student bert-mini) to take the teacher's tokenizer");
        }
    }

    /** What the teacher's outputs depend on: a cache made for other values is not reused. */
    private static ObjectNode cacheKey(DistillSpec spec, LayerMap map, Pretrained teacher, ModelConfig sc)
            throws IOException {
        ObjectNode k = JSON.createObjectNode();
        Path weights = spec.teacher().resolve(Checkpoint.WEIGHTS);
        k.put("teacher", spec.teacher().toAbsolutePath().normalize().toString());
        k.put("teacher_weights_bytes", Files.size(weights));
        k.put("teacher_weights_modified", Files.getLastModifiedTime(weights).toMillis());
        k.put("loss", spec.loss().id());
        k.put("layer_map", map == null ? null : map.toString());
        k.put("compared_heads", map == null ? 0 : LayerLoss.comparedHeads(sc.numberOfHeads(),
                teacher.config().numberOfHeads()));
        k.putPOJO("corpus", spec.corpus());
        k.put("layout", spec.layout().name());
        k.put("seq_len", spec.seqLen());
        k.put("batch_size", spec.batchSize());
        k.put("validation_sequences", spec.monitoring().validationSequences());
        k.put("seed", spec.run().seed());
        return k;
    }

    private static long cacheBytesPerBatch(DistillSpec spec, ModelConfig tc, ModelConfig sc, LayerMap map) {
        long b = spec.batchSize();
        if (map == null) {
            return b * tc.hiddenSize() * 4L;
        }
        long t = spec.seqLen();
        int heads = LayerLoss.comparedHeads(sc.numberOfHeads(), tc.numberOfHeads());
        return map.teacherBlocks().length * (b * t * tc.hiddenSize() + b * heads * t * t) * 4L;
    }

    private static String humanBytes(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GB", bytes / (1024.0 * 1024 * 1024));
    }

    private static void writeRunConfig(DistillSpec spec, boolean resuming, ModelConfig student, ModelConfig teacher,
                                       LayerMap map, DistillationData data) throws IOException {
        ObjectNode run = RunRecord.of("distill");
        run.put("teacher", spec.teacher().toString());
        run.put("student", spec.student());
        run.put("init", spec.init().id());
        run.put("loss", spec.loss().id());
        run.put("layer_map", map == null ? null : map.toString());
        run.putPOJO("corpus", spec.corpus());
        run.set("model", JSON.valueToTree(student));
        run.set("teacher_model", JSON.valueToTree(teacher));
        run.put("batch_size", spec.batchSize());
        run.put("seq_len", spec.seqLen());
        spec.optimizer().writeTo(run);
        run.put("cache_teacher", spec.cacheTeacher());
        spec.run().writeTo(run);
        run.put("training_sequences", data.trainingSequences());
        run.put("training_batches", data.trainingBatches());
        run.put("validation_sequences", data.validationSequences());
        RunRecord.write(spec.out(), resuming, run);
    }

    /** The summary as the one-line JSON {@code graft distill} prints last. */
    public static String summaryJson(Result r) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        Trainer.Summary s = r.trainer();
        o.put("steps", s.steps());
        o.put("tokens_seen", s.tokens());
        o.put("final_train_loss", s.lastLoss());
        s.validation().forEach(o::put);
        o.put("loss", r.loss().id());
        o.put("student_parameters", r.studentParams());
        o.put("teacher_parameters", r.teacherParams());
        o.put("teacher_cache_hits", r.cacheHits());
        o.put("teacher_cache_misses", r.cacheMisses());
        o.put("tokens_per_s", Math.round(s.tokensPerSecond() * 10) / 10.0);
        o.put("wall_s", Math.round(s.wallSeconds() * 10) / 10.0);
        o.put("run_wall_s", Math.round(s.runSeconds() * 10) / 10.0);
        o.put("stopped_by", s.stoppedBy());
        o.put("checkpoint", s.checkpoint() == null ? null : s.checkpoint().toString());
        o.put("model", r.out().toString());
        return JSON.writeValueAsString(o);
    }
}
