package dev.graft.distill;

import dev.graft.SpecIOException;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.EncoderInference;
import dev.graft.model.HfConfig;
import dev.graft.model.SafeTensors;
import dev.graft.model.SentenceEmbedder;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Dropout;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.tensor.Tensor;
import dev.graft.train.Trainable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The student learning to reproduce the teacher, as the {@link dev.graft.train.Trainer} trains it: each update
 * runs the teacher (dropout off, or its outputs read from the {@link TeacherCache}) and the student on the same
 * batch, takes the {@link EmbeddingLoss} or the {@link LayerLoss}, and back-propagates into the student and the
 * loss's projection. The saved model is the student alone, as a Hugging Face {@code BertModel} folder
 * (config.json, model.safetensors with bare names, the teacher's tokenizer.json, and the teacher's
 * sentence-transformers pooling files): an ordinary checkpoint for {@code graft finetune --from},
 * {@code graft embed} and the experiments. The projection, which the student does not need afterwards, is kept
 * in each checkpoint's {@code training_state/} for resume.
 */
public final class DistillationTask implements Trainable<DistillationData.Batch> {
    /** The projection's file in a checkpoint's training_state/. */
    static final String PROJECTION_FILE = "distill-projections.safetensors";

    private final Backbone student;
    private final ParameterSet studentParameters;
    private final ParameterSet parameters;
    private final Backbone teacher;
    private final EncoderInference teacherInference; // the embedding loss's teacher: graft's inference path
    private final DistillSpec.Loss kind;
    private final EmbeddingLoss embedding;
    private final LayerLoss layers;
    private final int[] studentBlocks;
    private final int[] teacherBlocks;
    private final TeacherCache cache;
    private final List<DistillationData.Batch> validation;
    private final Path tokenizerJson;
    /** The student's pooling and normalization (the teacher's): what the loss pools, saved with the student. */
    private final SentenceTransformersConfig sentenceConfig;
    private float[] zeros = new float[0];

    /**
     * @param student           the student backbone (weights set) and its parameters (a set of their own, nested in
     *                          this task's, as the saved model's)
     * @param teacher           the teacher backbone (its dropout is switched off here)
     * @param map               the layer map (for the layer loss; null for the embedding loss)
     * @param cache             the teacher cache, or null to run the teacher on every batch
     * @param tokenizerJson     the tokenizer file saved with the student
     * @param sentenceConfig    the student's sentence-embedding settings (the teacher's pooling and normalization,
     *                          which the embedding loss applies to both), saved with the student as its pooling files
     */
    public DistillationTask(Distillation.Student student, Backbone teacher, DistillSpec.Loss kind, LayerMap map,
                            TeacherCache cache, List<DistillationData.Batch> validation, Path tokenizerJson,
                            SentenceTransformersConfig sentenceConfig) {
        this.student = student.backbone();
        this.studentParameters = student.parameters();
        this.teacher = teacher;
        this.kind = kind;
        this.cache = cache;
        this.validation = List.copyOf(validation);
        this.tokenizerJson = tokenizerJson;
        this.sentenceConfig = sentenceConfig;
        for (Dropout d : teacher.dropouts()) {
            d.setTraining(false);
        }
        // the embedding loss needs only the teacher's last states: the packed inference path computes them
        // without padding or what a backward pass would need; the layer loss needs every block's states and
        // attention, which only the training path keeps
        this.teacherInference = kind == DistillSpec.Loss.EMBEDDING ? new EncoderInference(teacher, teacher.compute())
                : null;
        int ds = this.student.config().hiddenSize();
        int dt = teacher.config().hiddenSize();
        List<Parameter> all = new ArrayList<>(studentParameters.list());
        if (kind == DistillSpec.Loss.EMBEDDING) {
            embedding = new EmbeddingLoss(this.student.compute(), sentenceConfig.pooling(),
                    sentenceConfig.normalize(), ds, dt);
            layers = null;
            studentBlocks = new int[0];
            teacherBlocks = new int[0];
            all.addAll(embedding.parameters());
        } else {
            studentBlocks = map.studentBlocks();
            teacherBlocks = map.teacherBlocks();
            layers = new LayerLoss(this.student.compute(), studentBlocks.length, ds, dt,
                    this.student.config().numberOfHeads(), teacher.config().numberOfHeads());
            embedding = null;
            all.addAll(layers.parameters());
        }
        this.parameters = new ParameterSet(all);
        initializeProjection(kind == DistillSpec.Loss.EMBEDDING ? embedding.parameters() : layers.parameters(),
                this.student.config().initializerRange(), 0x9E3779B9L);
    }

    /** The projection starts as a BERT linear does: N(0, range²) weights, zero bias. */
    private static void initializeProjection(List<Parameter> ps, float range, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (Parameter p : ps) {
            float[] d = p.value().data();
            int o = p.value().offset();
            for (int i = 0; i < p.size(); i++) {
                d[o + i] = p.shape().length >= 2 ? (float) (r.nextGaussian() * range) : 0f;
            }
        }
    }

    /** The teacher's outputs for a batch: from the cache, or computed (and cached). */
    TeacherOutputs teacherOutputs(DistillationData.Batch batch, boolean held) {
        try {
            if (cache != null) {
                TeacherOutputs cached = cache.get(batch.index(), held);
                if (cached != null) {
                    return cached;
                }
            }
            TokenBatch tokens = batch.tokens();
            TeacherOutputs t;
            if (kind == DistillSpec.Loss.EMBEDDING) {
                t = TeacherOutputs.embedding(teacherInference.forward(tokens), sentenceConfig.pooling(),
                        sentenceConfig.normalize());
            } else {
                teacher.forward(tokens);
                t = TeacherOutputs.layers(teacher, tokens, teacherBlocks, student.config().numberOfHeads());
            }
            if (cache != null) {
                cache.put(batch.index(), held, t);
            }
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The loss of one batch (the student's forward); parts go into {@code parts} weighted by {@code weight}. */
    private double forward(DistillationData.Batch batch, TeacherOutputs t, Map<String, Double> parts, double weight) {
        TokenBatch tokens = batch.tokens();
        float[] hidden = student.forward(tokens);
        if (kind == DistillSpec.Loss.EMBEDDING) {
            return embedding.forward(hidden, tokens, t.pooled());
        }
        int pairs = studentBlocks.length;
        float[][] sh = new float[pairs][];
        float[][] sp = new float[pairs][];
        for (int p = 0; p < pairs; p++) {
            sh[p] = student.blockOutput(studentBlocks[p]);
            sp[p] = student.attention(studentBlocks[p]).probabilities();
        }
        double loss = layers.forward(tokens, sh, sp, t.hidden(), t.attention());
        parts.merge("hidden", weight * layers.lastHiddenLoss(), Double::sum);
        parts.merge("attention", weight * layers.lastAttentionLoss(), Double::sum);
        return loss;
    }

    private void backward(TokenBatch tokens, double scale) {
        if (kind == DistillSpec.Loss.EMBEDDING) {
            student.backward(embedding.backward(scale));
            return;
        }
        layers.backward(scale);
        float[][] dBlocks = new float[student.config().numberOfLayers()][];
        for (int p = 0; p < studentBlocks.length; p++) {
            dBlocks[studentBlocks[p]] = layers.hiddenGradient(p);
            student.attention(studentBlocks[p]).addProbabilityGradient(layers.probabilityGradient(p));
        }
        int n = tokens.rows() * student.config().hiddenSize();
        if (zeros.length < n) {
            zeros = new float[n];
        }
        student.backward(zeros, dBlocks);
    }

    @Override
    public StepResult trainStep(List<DistillationData.Batch> microBatches) {
        long total = 0;
        long tokens = 0;
        for (DistillationData.Batch b : microBatches) {
            total += b.tokens().batch();
            tokens += b.tokens().realTokens();
        }
        double loss = 0;
        Map<String, Double> parts = new LinkedHashMap<>();
        for (DistillationData.Batch b : microBatches) {
            TeacherOutputs t = teacherOutputs(b, false);
            double scale = (double) b.tokens().batch() / total;
            loss += scale * forward(b, t, parts, scale);
            backward(b.tokens(), scale);
        }
        return new StepResult(loss, tokens, parts);
    }


    /**
     * The mean loss (and its parts; for the embedding loss the mean cosine similarity to the teacher's embeddings)
     * over the held-out batches, weighted by their sequences; dropout is off.
     */
    @Override
    public Map<String, Double> evaluate() {
        if (validation.isEmpty()) {
            return Map.of();
        }
        double sum = 0;
        long count = 0;
        Map<String, Double> parts = new LinkedHashMap<>();
        for (DistillationData.Batch b : validation) {
            int rows = b.tokens().batch();
            sum += rows * forward(b, teacherOutputs(b, true), parts, rows);
            if (kind == DistillSpec.Loss.EMBEDDING) {
                parts.merge("cosine", rows * embedding.lastMeanCosine(), Double::sum);
            }
            count += rows;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_loss", sum / count);
        for (Map.Entry<String, Double> e : parts.entrySet()) {
            m.put("val_" + e.getKey(), e.getValue() / count);
        }
        return m;
    }

    /** The distillation loss of one batch with the student as it is (no gradients); for tests and tools. */
    public double loss(DistillationData.Batch batch) {
        return forward(batch, teacherOutputs(batch, false), new LinkedHashMap<>(), 1);
    }

    @Override
    public ParameterSet parameters() {
        return parameters;
    }

    /** The student's parameters: what the checkpoints' model.safetensors hold. */
    @Override
    public ParameterSet savedParameters() {
        return studentParameters;
    }

    @Override
    public List<Dropout> dropouts() {
        return student.dropouts();
    }

    @Override
    public void saveModel(Path folder, Checkpoint.Extras extras) throws IOException {
        AtomicFiles.writeDirectory(folder, staged -> {
            writeModelFiles(staged);
            if (extras != null) {
                extras.writeInto(staged);
            }
        });
    }

    /** config.json (BertModel), model.safetensors (bare names), tokenizer.json and the pooling files. */
    @Override
    public void writeModelFiles(Path folder) throws IOException {
        HfConfig.write(folder.resolve(Checkpoint.CONFIG), student.config(), "BertModel");
        Map<String, Tensor> bare = new LinkedHashMap<>();
        var family = student.config().family(); // its names in the file: BERT's, RoBERTa's, DistilBERT's (HfNames)
        String prefix = dev.graft.model.HfNames.prefix(family);
        for (Parameter p : studentParameters.list()) {
            String name = dev.graft.model.HfNames.toFile(family, p.name());
            bare.put(name.startsWith(prefix) ? name.substring(prefix.length()) : name, p.value());
        }
        SafeTensors.write(folder.resolve(Checkpoint.WEIGHTS), bare, Map.of("format", "pt"));
        if (!tokenizerJson.toAbsolutePath().equals(folder.resolve(Checkpoint.TOKENIZER).toAbsolutePath())) {
            AtomicFiles.writeBytes(folder.resolve(Checkpoint.TOKENIZER), Files.readAllBytes(tokenizerJson));
        }
        sentenceConfig.write(folder, student.config().hiddenSize());
    }

    private List<Parameter> projectionParameters() {
        return kind == DistillSpec.Loss.EMBEDDING ? embedding.parameters() : layers.parameters();
    }

    @Override
    public void saveTrainingState(Path trainingState) throws IOException {
        List<Parameter> ps = projectionParameters();
        if (ps.isEmpty()) {
            return;
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Parameter p : ps) {
            tensors.put(p.name(), p.value());
        }
        SafeTensors.write(trainingState.resolve(PROJECTION_FILE), tensors, Map.of());
    }

    @Override
    public void restoreTrainingState(Path trainingState) throws IOException {
        List<Parameter> ps = projectionParameters();
        if (ps.isEmpty()) {
            return;
        }
        Path file = trainingState.resolve(PROJECTION_FILE);
        if (!Files.exists(file)) {
            throw new SpecIOException("loss", file + ": missing; this checkpoint was not written by a graft distill "
                    + "run with the same loss and widths");
        }
        Map<String, SafeTensors.Entry> entries = SafeTensors.read(file);
        for (Parameter p : ps) {
            SafeTensors.Entry e = entries.get(p.name());
            if (e == null || !Arrays.equals(e.shape(), p.shape())) {
                throw new IOException(file + ": " + p.name() + " is missing or has another shape; this checkpoint was "
                        + "written by a distill run with other settings");
            }
            p.value().copyFrom(e.floats());
        }
    }

    /** The student backbone. */
    public Backbone student() {
        return student;
    }

    /** The cache, or null. */
    public TeacherCache cache() {
        return cache;
    }
}
