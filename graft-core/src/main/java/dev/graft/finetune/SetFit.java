package dev.graft.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;
import dev.graft.baseline.BagOfWords;
import dev.graft.baseline.EmbeddingClassifier;
import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.LabelSet;
import dev.graft.eval.HeadMetrics;
import dev.graft.io.RunFolder;
import dev.graft.model.AtomicFiles;
import dev.graft.model.JsonFiles;
import dev.graft.model.Backbone;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.ModelConfig;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.CosineSimilarityLoss;
import dev.graft.nn.Dropout;
import dev.graft.nn.L2Normalize;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.nn.Pooling;
import dev.graft.nn.SequencePooling;
import dev.graft.task.ClassificationBatch;
import dev.graft.task.ClassificationData;
import dev.graft.task.ClassificationTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.EpochStream;
import dev.graft.train.Schedule;
import dev.graft.train.Trainable;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * SetFit (Tunstall et al. 2022, "Efficient Few-Shot Learning Without Prompts"): a sentence encoder tuned
 * contrastively on pairs built from the labeled examples, then a logistic-regression head fit on its
 * embeddings.
 * <ol>
 * <li>Pairs ({@link #pairs}): for each of R iterations ({@code --setfit-iterations}, SetFit's default 20)
 * and each labeled example, one positive pair (another example of its label, drawn uniformly; itself when
 * it is its label's only example) with target 1 and one negative pair (an example of another label, drawn
 * uniformly) with target 0: 2·R·n pairs, half positive, seeded.</li>
 * <li>The encoder embeds a text as its sentence-transformers settings say ({@link #embedding}, SetFit
 * uses the SentenceTransformer's own modules): the masked mean of its token states (special tokens
 * included) or the first ([CLS]) token's state as it is, L2-normalized when the settings have a Normalize
 * module; without such settings the mean, not normalized; an explicit pooling (mean or cls) overrides the
 * settings' pooling.</li>
 * <li>The encoder is tuned with sentence-transformers' {@link CosineSimilarityLoss} on those embeddings:
 * the mean over a batch of (cos(u, v) - target)², AdamW with warm-up and linear decay
 * (sentence-transformers' fit), dropout on, one epoch over the shuffled pairs by default at rate
 * {@link #DEFAULT_LR} (SetFit's body rate). (The cosine does not depend on the vectors' lengths, so the
 * normalization changes the loss and its gradient by rounding only; it is applied, as in SetFit.)</li>
 * <li>Every labeled example is embedded by the tuned encoder (the same pooling and normalization, dropout
 * off) and a multinomial logistic regression ({@link EmbeddingClassifier}, graft's own L-BFGS solver) is fit
 * on them, its C chosen by cross-validation inside the labels.</li>
 * </ol>
 * The saved folder is an ordinary classifier ({@link FineTunedModel}): a {@link SequenceClassifier} whose
 * head pools as the embeddings were pooled ({@link HeadConfig#sentenceEmbedding}: no BERT pooler with cls,
 * {@code graft_normalize} when normalized) and whose linear layer holds the regression's weights, so it
 * computes softmax(W · normalize(pool(h)) + b), the regression's probabilities on the same embeddings; eval,
 * predict and serve load it unchanged. The folder also holds the tuned encoder's sentence-transformers files
 * (this pooling and normalization), so {@code graft embed} embeds with it as it was tuned.
 *
 * <p>SetFit uses every label for the pairs and the head: no dev set is carved (a given one is scored).
 */
public final class SetFit {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** SetFit's num_iterations. */
    public static final int DEFAULT_ITERATIONS = 20;
    /** SetFit's body_learning_rate. */
    public static final float DEFAULT_LR = 2e-5f;
    /** SetFit's batch size (pairs per update). */
    public static final int DEFAULT_BATCH = 16;

    private SetFit() {
    }

    /**
     * What SetFit adds to a fine-tuning spec.
     *
     * @param iterations R: positive and negative pairs drawn per labeled example; 0 skips the contrastive stage,
     *                   which leaves a linear probe: logistic regression on the encoder's embeddings as they are
     */
    public record Options(int iterations) {
        public Options {
            if (iterations < 0) {
                throw new SpecException("iterations", "iterations must be >= 0 (0: no contrastive tuning, a "
                        + "linear probe of the encoder as it is), got " + iterations);
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_ITERATIONS);
        }

        /** No contrastive stage: logistic regression on the frozen encoder's embeddings (a linear probe). */
        public static Options probe() {
            return new Options(0);
        }

        /** True when the encoder is left as it is (no pairs). */
        public boolean isProbe() {
            return iterations == 0;
        }
    }

    /**
     * How SetFit embeds a text: the pooling (mean or cls) and whether the pooled vector is L2-normalized.
     *
     * @param source          where they came from, for the log and run.json
     * @param encoderSettings the encoder folder's sentence-transformers settings, or null when it has none
     */
    public record EmbeddingSettings(Pooling pooling, boolean normalize, String source,
                                    SentenceTransformersConfig encoderSettings) {
        public EmbeddingSettings {
            if (pooling != Pooling.MEAN && pooling != Pooling.CLS) {
                throw new IllegalArgumentException("SetFit pools by the mean or the first token, not " + pooling);
            }
        }

        public EmbeddingSettings(Pooling pooling, boolean normalize, String source) {
            this(pooling, normalize, source, null);
        }

        /**
         * The sentence-transformers settings of the tuned encoder: this pooling and normalization, with the
         * encoder's length and named prompts when it had settings, but no default prompt (SetFit tuned it on
         * the texts as they are, so they are embedded as they are).
         */
        public SentenceTransformersConfig tunedSettings() {
            return encoderSettings == null ? new SentenceTransformersConfig(pooling, normalize, null, Map.of(), null)
                    : new SentenceTransformersConfig(pooling, normalize, encoderSettings.maxSeqLength(),
                    encoderSettings.prompts(), null);
        }

        /** "cls pooling, normalized". */
        public String describe() {
            return pooling.id() + " pooling, " + (normalize ? "normalized" : "not normalized");
        }
    }

    /**
     * The embedding of {@code spec}'s encoder: its folder's sentence-transformers settings ({@code modules.json},
     * {@code 1_Pooling/config.json}: what {@code graft import} writes), else the mean, not normalized; the
     * spec's pooling, when given, overrides the settings' pooling (the normalization stays the settings').
     */
    public static EmbeddingSettings embedding(FineTuneSpec spec) throws IOException {
        Optional<SentenceTransformersConfig> st = SentenceTransformersConfig.read(spec.from());
        Pooling pooling = st.map(SentenceTransformersConfig::pooling).orElse(Pooling.MEAN);
        boolean normalize = st.map(SentenceTransformersConfig::normalize).orElse(false);
        String source = st.isPresent() ? "the encoder's sentence-transformers settings, "
                + SentenceTransformersConfig.MODULES : "the default: the encoder's folder has no "
                + SentenceTransformersConfig.MODULES;
        if (spec.pooling() != null && spec.pooling() != pooling) {
            source = "pooling " + spec.pooling().id() + " as asked, instead of " + pooling.id() + "; normalization: "
                    + source;
            pooling = spec.pooling();
        }
        return new EmbeddingSettings(pooling, normalize, source, st.orElse(null));
    }

    /** One training pair: examples {@code first} and {@code second}, target 1 (same label) or 0. */
    public record Pair(int first, int second, float target) {
    }

    /**
     * SetFit's pairs: for each iteration, for each example i in order, a positive (i, j) with j drawn
     * uniformly among the other examples of i's label (i itself when there is none) and a negative (i, k)
     * with k drawn uniformly among the examples of other labels.
     *
     * @param labels class id of each example; at least two classes
     */
    public static List<Pair> pairs(int[] labels, int iterations, long seed) {
        int n = labels.length;
        Map<Integer, List<Integer>> byLabel = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            byLabel.computeIfAbsent(labels[i], k -> new ArrayList<>()).add(i);
        }
        if (byLabel.size() < 2) {
            throw new IllegalArgumentException("SetFit's pairs need examples of at least two labels, got "
                    + byLabel.size());
        }
        SplittableRandom random = new SplittableRandom(seed ^ 0x5E7F17L);
        List<Pair> out = new ArrayList<>(2 * iterations * n);
        for (int r = 0; r < iterations; r++) {
            for (int i = 0; i < n; i++) {
                List<Integer> same = byLabel.get(labels[i]);
                int positive;
                if (same.size() == 1) {
                    positive = i;
                } else {
                    positive = same.get(random.nextInt(same.size() - 1));
                    if (positive == i) {
                        positive = same.get(same.size() - 1); // uniform over the others
                    }
                }
                out.add(new Pair(i, positive, 1f));
                int others = n - same.size();
                int pick = random.nextInt(others);
                int negative = -1;
                for (int j = 0; j < n; j++) {
                    if (labels[j] != labels[i] && pick-- == 0) {
                        negative = j;
                        break;
                    }
                }
                out.add(new Pair(i, negative, 0f));
            }
        }
        return out;
    }

    /** Reads the spec's data as graft finetune does, then {@link #run(FineTuneSpec, Options, LabeledSplits, PrintStream)}. */
    public static FineTuneResult run(FineTuneSpec spec, Options options, PrintStream log) throws IOException {
        return run(spec, options, new DataSources(DatasetRegistry.standard(), log), log);
    }

    /** As {@link #run(FineTuneSpec, Options, PrintStream)}, reading the data through {@code sources}. */
    public static FineTuneResult run(FineTuneSpec spec, Options options, DataSources sources, PrintStream log)
            throws IOException {
        checkSpec(spec);
        StartingPoint.check(spec.from(), spec.task());
        LabeledSplits<ClassificationExample> data = FineTuning.readClassification(spec, sources, log);
        return run(spec, options, data, log);
    }

    /** SetFit on data in memory, into {@code spec.out()}. */
    public static FineTuneResult run(FineTuneSpec spec, Options options, LabeledSplits<ClassificationExample> data,
                                     PrintStream log) throws IOException {
        checkSpec(spec);
        StartingPoint.check(spec.from(), spec.task());
        EmbeddingSettings embedding = embedding(spec);
        try (RunFolder folder = FineTuning.prepareOutput(spec, log);
             Parallel parallel = new Parallel(spec.run().threads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            return new Run(spec, options, embedding, compute, log).run(data);
        }
    }

    static void checkSpec(FineTuneSpec spec) {
        if (spec.run().resume()) {
            throw new SpecException(List.of("resume", "overwrite"), "resume: a SetFit run cannot be resumed (it is "
                    + "not checkpointed); start it again (overwrite)");
        }
        if (spec.task() != HeadConfig.Task.CLASSIFY) {
            throw new SpecException(List.of("recipe", "task"), "recipe setfit classifies single texts (task "
                    + "classify), not task " + spec.task().id());
        }
        if (spec.from() == null) {
            throw new SpecException(List.of("recipe", "from", "arch"), "recipe setfit tunes a pretrained encoder: "
                    + "give its folder as from (e.g. a model imported with graft import, or one a pretraining run "
                    + "wrote), not arch");
        }
        if (spec.crossValidates()) {
            throw new SpecException(List.of("recipe", "folds", "learningRates"), "recipe setfit chooses its head's "
                    + "regularization by cross-validation itself: drop folds and learningRates");
        }
        if (spec.multitask()) {
            throw new SpecException(List.of("recipe", "multitaskCorpus"), "recipe setfit has no multitask mode: drop "
                    + "multitaskCorpus");
        }
        if (spec.pooling() != null && spec.pooling() != Pooling.MEAN && spec.pooling() != Pooling.CLS) {
            throw new SpecException(List.of("recipe", "pooling"), "recipe setfit pools as sentence-transformers, by "
                    + "the mean or the first token: pooling " + spec.pooling().id() + " is neither; give mean or cls, "
                    + "or drop pooling to follow the encoder's sentence-transformers settings");
        }
    }

    /** The learning rate of the encoder's tuning: the spec's, else SetFit's. */
    static float learningRate(FineTuneSpec spec) {
        return Float.isNaN(spec.optimizer().learningRate()) ? DEFAULT_LR : spec.optimizer().learningRate();
    }

    /** The pooled token states of a batch, (B, C) owned by {@code pool} (not normalized). */
    static float[] embed(Backbone backbone, SequencePooling pool, TokenBatch tokens) {
        float[] hidden = backbone.forward(tokens);
        return pool.forward(hidden, tokens.batch(), tokens.time(), tokens.attentionMask());
    }

    /**
     * The embedding of every example of {@code data}, in its order (dropout as set): pooled, and normalized
     * when {@code embedding} normalizes; the features the head is fit on.
     */
    static float[][] embedAll(Backbone backbone, ClassificationData data, int batchSize, EmbeddingSettings embedding) {
        int c = backbone.config().hiddenSize();
        SequencePooling pool = new SequencePooling(embedding.pooling(), c);
        float[][] out = new float[data.size()][];
        for (ClassificationBatch b : data.batches(batchSize)) {
            float[] pooled = embed(backbone, pool, b.tokens());
            for (int i = 0; i < b.tokens().batch(); i++) {
                float[] v = new float[c];
                if (embedding.normalize()) {
                    L2Normalize.normalizeRow(pooled, i * c, c, v, 0);
                } else {
                    System.arraycopy(pooled, i * c, v, 0, c);
                }
                out[b.examples()[i]] = v;
            }
        }
        return out;
    }

    /** The contrastive stage as something the trainer runs: batches are lists of pairs. */
    static final class PairTraining implements Trainable<List<Pair>> {
        private final Backbone backbone;
        private final ClassificationData data;
        private final ParameterSet parameters;
        private final SequencePooling pool;
        private final L2Normalize normalization; // null when the embedding is not normalized
        private final CosineSimilarityLoss loss = new CosineSimilarityLoss();

        PairTraining(Backbone backbone, ClassificationData data, EmbeddingSettings embedding) {
            this.backbone = backbone;
            this.data = data;
            this.parameters = new ParameterSet(backbone.parameters());
            int c = backbone.config().hiddenSize();
            this.pool = new SequencePooling(embedding.pooling(), c);
            this.normalization = embedding.normalize() ? new L2Normalize(c) : null;
        }

        /** The first texts then the second texts of the pairs, one padded batch. */
        TokenBatch tokens(List<Pair> pairs) {
            int b = pairs.size();
            int[] rows = new int[2 * b];
            for (int i = 0; i < b; i++) {
                rows[i] = pairs.get(i).first();
                rows[b + i] = pairs.get(i).second();
            }
            return data.batch(rows).tokens();
        }

        static float[] targets(List<Pair> pairs) {
            float[] t = new float[pairs.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = pairs.get(i).target();
            }
            return t;
        }

        /**
         * The mean loss over the pairs, (1/B) Σ (cos - target)², and with {@code backward} its gradient
         * accumulated into the encoder's parameters, scaled by {@code scale}/B.
         */
        double lossAndGradient(List<Pair> pairs, boolean backward, double scale) {
            TokenBatch tokens = tokens(pairs);
            float[] vectors = embed(backbone, pool, tokens);
            int b = pairs.size();
            if (normalization != null) {
                vectors = normalization.forward(vectors, 2 * b);
            }
            double sum = loss.forward(vectors, b, backbone.config().hiddenSize(), targets(pairs));
            if (backward) {
                float[] d = loss.backward(scale / b);
                if (normalization != null) {
                    d = normalization.backward(d);
                }
                backbone.backward(pool.backward(d));
            }
            return sum / b;
        }

        @Override
        public ParameterSet parameters() {
            return parameters;
        }

        @Override
        public List<Dropout> dropouts() {
            return backbone.dropouts();
        }

        @Override
        public StepResult trainStep(List<List<Pair>> microBatches) {
            int total = 0;
            for (List<Pair> m : microBatches) {
                total += m.size();
            }
            double sum = 0;
            long tokens = 0;
            for (List<Pair> m : microBatches) {
                double share = (double) m.size() / total;
                sum += share * lossAndGradient(m, true, share);
                for (Pair p : m) {
                    tokens += data.ids(p.first()).length + data.ids(p.second()).length;
                }
            }
            return new StepResult(sum, tokens, Map.of());
        }

        @Override
        public Map<String, Double> evaluate() {
            return Map.of();
        }

        @Override
        public void saveModel(Path folder, Checkpoint.Extras extras) throws IOException {
            // the trainer's own checkpoints: the encoder alone (the run deletes them when it ends)
            Checkpoint.save(folder, backbone.config(), "BertModel", parameters, Map.of(), extras);
        }

        @Override
        public void writeModelFiles(Path folder) throws IOException {
            Checkpoint.writeWeights(folder.resolve(Checkpoint.WEIGHTS), backbone.config(), parameters, Map.of());
        }
    }

    /** The pairs in batches, reshuffled each epoch by a seeded permutation (a function of seed and epoch). */
    static final class PairStream extends EpochStream<List<Pair>> {
        private final List<Pair> pairs;
        private final int batchSize;
        private final long seed;
        private int[] order;

        PairStream(List<Pair> pairs, int batchSize, long seed) {
            super(batchCount(pairs, batchSize));
            this.pairs = pairs;
            this.batchSize = batchSize;
            this.seed = seed;
        }

        private static long batchCount(List<Pair> pairs, int batchSize) {
            if (pairs.isEmpty()) {
                throw new IllegalArgumentException("no pairs to train on");
            }
            return (pairs.size() + batchSize - 1) / batchSize;
        }

        @Override
        protected void plan(long epoch) {
            order = shuffled(pairs.size(), seed * 1_000_003L + epoch);
        }

        @Override
        protected List<Pair> batch(long epoch, int k) {
            int from = k * batchSize;
            int to = Math.min(pairs.size(), from + batchSize);
            List<Pair> batch = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                batch.add(pairs.get(order[i]));
            }
            return batch;
        }
    }

    /** One SetFit run's state. */
    private record Run(FineTuneSpec spec, Options options, EmbeddingSettings embedding, Compute compute, PrintStream log) {
        FineTuneResult run(LabeledSplits<ClassificationExample> given) throws IOException {
            Dataset<ClassificationExample> train = FineTuning.sampleTrain(given.train(), spec, log);
            LabelSet labels = given.labels() != null ? given.labels()
                    : ClassificationTask.HEAD.labels(train);
            if (labels.size() < 2) {
                throw new IllegalArgumentException("the training set has only one label (" + labels.labels()
                        + "): a classifier needs at least two");
            }
            StartingPoint start = StartingPoint.fromCheckpoint(spec.from(), compute, spec.run().seed(),
                    HeadConfig.Task.CLASSIFY, spec.dropout());
            ModelConfig c = start.config();
            int maxLength = spec.maxLength() > 0 ? Math.min(spec.maxLength(), c.maxPositions()) : c.maxPositions();
            log.printf(Locale.ROOT, "model: %s; %s, %d layers, hidden %d, %d positions, vocabulary %,d%n",
                    start.description(), c.isEncoder() ? "encoder" : "decoder", c.numberOfLayers(), c.hiddenSize(),
                    c.maxPositions(), c.vocabSize());
            Tokenizer tok = start.tokenizer();
            int pad = StartingPoint.padId(tok);
            List<ClassificationExample> trainExamples = train.examples();
            ClassificationData trainData = encode(tok, trainExamples, labels, maxLength, pad);
            List<ClassificationExample> devExamples = given.dev() == null ? List.of() : given.dev().examples();
            ClassificationData devData = encode(tok, devExamples, labels, maxLength, pad);
            Dataset<ClassificationExample> test = given.test();
            ClassificationData testData = test == null ? null : encode(tok, test.examples(), labels, maxLength, pad);
            ClassificationTask.HEAD.describeData(log, labels, maxLength, trainData, devData, testData);

            log.printf(Locale.ROOT, "setfit: embeddings: %s (%s)%n", embedding.describe(), embedding.source());
            HeadConfig head = HeadConfig.sentenceEmbedding(HeadConfig.Task.CLASSIFY, labels.labels(),
                    embedding.pooling(), maxLength, embedding.normalize());
            SequenceClassifier model = new SequenceClassifier(compute, start.backbone(), head, spec.run().seed());
            start = start.bodyOnly(); // the language model's slabs are garbage from here on
            Backbone backbone = model.backbone();

            // 1. the encoder, tuned on pairs
            int[] y = new int[trainData.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = trainData.label(i);
            }
            List<Pair> pairs = pairs(y, options.iterations(), spec.run().seed());
            int batch = spec.batchSize() > 0 ? spec.batchSize() : DEFAULT_BATCH;
            double epochs = options.isProbe() ? 0 : spec.run().epochs() > 0 ? spec.run().epochs() : 1;
            float rate = options.isProbe() ? 0 : learningRate(spec);
            ObjectNode runConfig = runConfig(start, trainData.size(), devData.size(),
                    testData == null ? 0 : testData.size(), pairs.size(), batch, epochs, rate, maxLength, labels);
            JsonFiles.write(spec.run().out().resolve("run.json"), runConfig);
            long t0 = System.nanoTime();
            Trainer.Summary summary = null;
            if (options.isProbe()) {
                log.println("setfit: 0 iterations: no contrastive tuning; logistic regression on the encoder's "
                        + "embeddings as they are (a linear probe)");
            } else {
                PairStream stream = new PairStream(pairs, batch, spec.run().seed());
                PairTraining pairTraining = new PairTraining(backbone, trainData, embedding);
                log.printf(Locale.ROOT, "setfit: %,d pairs (%d iterations x %,d examples x 2, half positive), %.3g "
                                + "epochs of %,d updates at batch %d, rate %.3g%n", pairs.size(), options.iterations(),
                        y.length, epochs, stream.batchesPerEpoch(), batch, rate);
                long stepsPerEpoch = stream.batchesPerEpoch();
                int evalEvery = (int) Math.max(1, stepsPerEpoch);
                TrainingOptions training = new TrainingOptions(0, epochs, spec.run().maxTime(), rate,
                        Schedule.linear(spec.optimizer().warmup()), spec.optimizer().weightDecay(), 0.9f, 0.999f,
                        1e-6f, spec.optimizer().clip(), 1,
                        Math.max(1, Math.min(20, evalEvery)), 0, 0, 1, false);
                Trainer<List<Pair>> trainer = new Trainer<>(compute, pairTraining, stream, training, spec.run().out(),
                        log);
                summary = trainer.run(false);
                for (Path p : Trainer.checkpoints(spec.run().out())) {
                    AtomicFiles.deleteRecursively(p);
                }
            }

            // 2. the logistic-regression head on the tuned embeddings
            model.setTraining(false);
            float[][] features = embedAll(backbone, trainData, 64, embedding);
            EmbeddingClassifier lr = EmbeddingClassifier.fit(trainExamples, features, labels,
                    BagOfWords.Options.defaults(spec.run().seed()));
            log.printf(Locale.ROOT, "setfit: logistic regression on %,d embeddings, C %s%s%n", features.length,
                    lr.chosenC(), lr.crossValidationAccuracy().isEmpty() ? ""
                            : " (cross-validated: " + lr.crossValidationAccuracy() + ")");
            setHead(model, lr, labels.size());
            double wall = (System.nanoTime() - t0) / 1e9;

            // 3. the classifier folder, scored as graft eval scores it
            ClassificationTask task = new ClassificationTask(model, head, null, 64,
                    folder -> tok.save(folder.resolve(Checkpoint.TOKENIZER)));
            task.setTraining(false);
            task.writeModelFiles(spec.run().out());
            // the tuned encoder's sentence-transformers files, so graft embed (and a later SetFit or distillation
            // from this folder) embeds as the encoder was tuned, as a saved SetFit model's body does
            embedding.tunedSettings().write(spec.run().out(), c.hiddenSize());
            HeadMetrics devM = devData.size() == 0 ? null
                    : task.score(devExamples, devData, devData.batches(64)).metrics();
            HeadMetrics testM = testData == null ? null
                    : task.score(test.examples(), testData, testData.batches(64)).metrics();
            return finish(summary, lr, devM, testM, trainData.size(), devData.size(),
                    testData == null ? 0 : testData.size(), wall);
        }

        private static ClassificationData encode(Tokenizer tok, List<ClassificationExample> examples, LabelSet labels,
                                                 int maxLength, int pad) {
            return (ClassificationData) ClassificationTask.HEAD.encode(tok, examples, labels, maxLength, pad);
        }

        private ObjectNode runConfig(StartingPoint start, int trainSize, int devSize, int testSize,
                                              int pairs, int batch, double epochs, float rate, int maxLength,
                                              LabelSet labels) {
            ObjectNode r = JSON.createObjectNode();
            r.put("command", "finetune");
            r.put("task", spec.task().id());
            r.put("recipe", spec.recipe().id());
            r.put("from", spec.from().toString());
            r.put("start", start.description());
            r.put("train", spec.train());
            r.put("dev", spec.dev());
            r.put("test", spec.test());
            r.put("train_size", trainSize);
            r.put("dev_size", devSize);
            r.put("test_size", testSize);
            r.put("max_train", spec.maxTrain());
            r.put("seed", spec.run().seed());
            r.put("setfit_iterations", options.iterations());
            r.put("pairs", pairs);
            r.put("loss", options.isProbe() ? "none: the encoder is not tuned (a linear probe)"
                    : "cosine similarity (mean squared error of the cosine of the pooled embeddings)");
            r.put("lr", rate);
            r.put("schedule", "linear");
            r.put("warmup", spec.optimizer().warmup());
            r.put("epochs", epochs);
            r.put("batch_size", batch);
            r.put("weight_decay", spec.optimizer().weightDecay());
            r.put("clip", spec.optimizer().clip());
            r.put("max_length", maxLength);
            r.put("pooling", embedding.pooling().id());
            r.put("normalize", embedding.normalize());
            r.put("embedding_from", embedding.source());
            r.put("head", "logistic regression (L-BFGS, C by cross-validation)");
            labels.labels().forEach(r.putArray("labels")::add);
            r.put("threads", spec.run().threads());
            r.set("model", JSON.valueToTree(start.config()));
            return r;
        }

        /** {@code o} is null for a probe (no contrastive stage). */
        private FineTuneResult finish(Trainer.Summary o, EmbeddingClassifier lr, HeadMetrics devM, HeadMetrics testM,
                                      int trainSize, int devSize, int testSize, double wall) throws IOException {
            long steps = o == null ? 0 : o.steps();
            FineTuneResult r = new FineTuneResult(spec.run().out(), HeadConfig.Task.CLASSIFY, spec.recipe(), true,
                    false,
                    spec.run().seed(), "dev_accuracy", devM == null ? Double.NaN : devM.score(),
                    testM == null ? Double.NaN : testM.score(), devM, testM, steps, steps,
                    o == null ? "probe" : o.stoppedBy(), trainSize, devSize, false, testSize, wall,
                    o == null ? Double.NaN : o.lastLoss(), lr.chosenC(), null, Double.NaN);
            JsonFiles.write(spec.run().out().resolve("results.json"), r.resultsJson());
            return r;
        }
    }

    /** Puts the regression's W (K, C) and b (K) into the classifier's linear layer. */
    static void setHead(SequenceClassifier model, EmbeddingClassifier lr, int classes) {
        List<Parameter> head = model.headParameters();
        Parameter weight = head.get(0);
        Parameter bias = head.get(1);
        int c = model.config().hiddenSize();
        if (weight.size() != classes * c || bias.size() != classes) {
            throw new IllegalStateException("the classifier's head is " + weight.name() + " " + weight.size() + " and "
                    + bias.name() + " " + bias.size() + ", not " + classes + " x " + c + " and " + classes);
        }
        weight.value().copyFrom(lr.weights(classes));
        bias.value().copyFrom(lr.biases(classes));
    }
}
