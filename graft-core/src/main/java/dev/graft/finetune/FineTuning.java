package dev.graft.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;
import dev.graft.SpecIOException;
import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.LabelSet;
import dev.graft.data.Split;
import dev.graft.baseline.MostFrequentTag;
import dev.graft.data.TaggingExample;
import dev.graft.eval.HeadMetrics;
import dev.graft.io.RunFolder;
import dev.graft.model.AtomicFiles;
import dev.graft.model.JsonFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HeadModel;
import dev.graft.model.LayerGroups;
import dev.graft.model.ModelConfig;
import dev.graft.model.SequenceClassifier;
import dev.graft.model.TokenBatch;
import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.task.ClassificationBatch;
import dev.graft.task.ClassificationTask;
import dev.graft.task.Encoded;
import dev.graft.task.Head;
import dev.graft.task.HeadTask;
import dev.graft.task.Heads;
import dev.graft.task.LanguageModelData;
import dev.graft.task.MultitaskTask;
import dev.graft.task.TaggingTask;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.BatchStream;
import dev.graft.train.EarlyStopping;
import dev.graft.vectors.EmbeddingInit;
import dev.graft.train.LayerwiseRates;
import dev.graft.train.OptimizerSpec;
import dev.graft.train.RecipeControl;
import dev.graft.train.RunOptions;
import dev.graft.train.Trainable;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import dev.graft.train.TrainingOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Fine-tuning as a library call: {@link #run(FineTuneSpec, PrintStream)} reads the data, loads or
 * initializes the model, puts the task head on it, trains with the chosen recipe (full fine-tuning or
 * ULMFiT's discriminative rates, slanted triangular schedule and gradual unfreezing; optionally
 * multitask with an LM loss), stops early on the dev set and keeps the best model, then scores it on
 * dev and test. The output folder is a model folder ({@link FineTunedModel#load}) plus
 * {@code run.json} (the resolved configuration, including how the dev set was made),
 * {@code results.json} (all metrics) and {@code metrics.jsonl} (the training curve).
 */
public final class FineTuning {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Share of the planned updates before early stopping may end a run. */
    static final double MIN_FRACTION_BEFORE_STOP = 0.5;

    private FineTuning() {
    }

    public static FineTuneResult run(FineTuneSpec spec, PrintStream log) throws IOException {
        return run(spec, DatasetRegistry.standard(), log);
    }

    public static FineTuneResult run(FineTuneSpec spec, DatasetRegistry registry, PrintStream log) throws IOException {
        return run(spec, new DataSources(registry, log), log);
    }

    /**
     * As {@link #run(FineTuneSpec, PrintStream)}, reading the data through {@code sources} (e.g. other columns).
     * The data is read and checked before the output folder is touched.
     */
    public static FineTuneResult run(FineTuneSpec spec, DataSources sources, PrintStream log) throws IOException {
        if (spec.recipe() == FineTuneSpec.Recipe.SETFIT) {
            return SetFit.run(spec, SetFit.Options.defaults(), sources, log);
        }
        // the starting point first: a wrong --from or --tokenizer is an error before anything is read or written
        if (spec.from() != null) {
            StartingPoint.check(spec.from(), spec.task());
        } else {
            dev.graft.model.ModelConfig preset = dev.graft.model.Presets.get(spec.arch());
            Tokenizer tokenizer = Tokenizer.load(spec.tokenizer());
            if (spec.initEmbeddings() != null) {
                EmbeddingInit.check(spec.initEmbeddings(), tokenizer, preset.embeddingSize());
            }
        }
        return readAndRun(spec, Heads.of(spec.task()), sources, log);
    }

    /** The spec's classification data read as {@link #run(FineTuneSpec, PrintStream)} reads it (for SetFit). */
    static LabeledSplits<ClassificationExample> readClassification(FineTuneSpec spec, DataSources sources,
                                                                   PrintStream log) throws IOException {
        return new Run(spec, sources, null, log).read(ClassificationTask.HEAD);
    }

    private static <E, B> FineTuneResult readAndRun(FineTuneSpec spec, Head<E, B> head, DataSources sources,
                                                   PrintStream log) throws IOException {
        return run(spec, head, new Run(spec, sources, null, log).read(head), log);
    }

    /**
     * Fine-tunes a head on data already in memory (the experiment runner's budgets and folds):
     * {@code spec.train()}, {@code dev()} and {@code test()} only name the data in run.json; a null dev
     * set is carved from {@code data.train()} as usual. Every head runs through this one path.
     */
    @SuppressWarnings("unchecked")
    public static <E, B> FineTuneResult run(FineTuneSpec spec, Head<E, B> head, LabeledSplits<E> data,
                                            PrintStream log) throws IOException {
        return run(spec, head, data, log, TrainingListener.NONE);
    }

    /** As {@link #run(FineTuneSpec, Head, LabeledSplits, PrintStream)}, telling {@code listener} of every run's training. */
    public static <E, B> FineTuneResult run(FineTuneSpec spec, Head<E, B> head, LabeledSplits<E> data,
                                            PrintStream log, TrainingListener listener) throws IOException {
        requireTask(spec, head.task());
        if (spec.recipe() == FineTuneSpec.Recipe.SETFIT) {
            return SetFit.run(spec, SetFit.Options.defaults(), (LabeledSplits<ClassificationExample>) data, log);
        }
        try (RunFolder folder = prepareOutput(spec, log)) {
            FineTuneResult r = spec.crossValidates()
                    ? CrossValidation.run(spec, data, (s, d, l) -> fineTuneInto(s, head, d, l, listener), log)
                    : fineTuneInto(spec, head, data, log, listener);
            return withBaseline(r, data);
        }
    }

    /**
     * {@code r} with its task's trivial baseline scored on the same test set, where the task has one: for
     * tagging, the most-frequent-tag baseline ({@link MostFrequentTag}) trained on the labeled training data
     * (before a dev carve, so on a little more than the model trained on). It costs a pass over the data;
     * {@link FineTuneWarnings} tells the user when the model scores below it.
     */
    @SuppressWarnings("unchecked")
    private static <E> FineTuneResult withBaseline(FineTuneResult r, LabeledSplits<E> data) {
        if (r.task() != HeadConfig.Task.TAG || data.test() == null || data.test().isEmpty() || r.test() == null) {
            return r;
        }
        Dataset<TaggingExample> train = (Dataset<TaggingExample>) data.train();
        List<String> tagSet = (data.labels() != null ? data.labels() : TaggingTask.HEAD.labels(train)).labels();
        MostFrequentTag baseline = MostFrequentTag.train(train.examples());
        return r.withBaselineTest(baseline.evaluate((List<TaggingExample>) data.test().examples(), tagSet)
                .tokenAccuracy());
    }

    /** One run of {@code head} into {@code spec.out()}, which the caller has prepared, with no listener. */
    static <E, B> FineTuneResult fineTuneInto(FineTuneSpec spec, Head<E, B> head, LabeledSplits<E> data,
                                              PrintStream log) throws IOException {
        return fineTuneInto(spec, head, data, log, TrainingListener.NONE);
    }

    /** One run of {@code head} into {@code spec.out()}, which the caller has prepared. */
    static <E, B> FineTuneResult fineTuneInto(FineTuneSpec spec, Head<E, B> head, LabeledSplits<E> data,
                                              PrintStream log, TrainingListener listener) throws IOException {
        try (Parallel parallel = new Parallel(spec.run().threads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            Run run = new Run(spec, new DataSources(DatasetRegistry.standard(), log), compute, log);
            run.listener = listener;
            return run.fineTune(head, data);
        }
    }

    /**
     * As {@link #run(FineTuneSpec, Head, LabeledSplits, PrintStream)} for classification: single texts
     * ({@code --task classify}) or pairs of texts ({@code --task pair}, the second text in the examples'
     * {@code text_pair} field).
     */
    public static FineTuneResult runClassification(FineTuneSpec spec, LabeledSplits<ClassificationExample> data,
                                                   PrintStream log) throws IOException {
        return run(spec, classificationHead(spec.task()), data, log);
    }

    @SuppressWarnings("unchecked")
    private static Head<ClassificationExample, ClassificationBatch> classificationHead(HeadConfig.Task task) {
        Head<?, ?> h = Heads.of(task);
        if (h != ClassificationTask.HEAD && !(task == HeadConfig.Task.PAIR)) {
            throw new SpecException("task", "the spec is for task " + task.id() + ", not classify");
        }
        return (Head<ClassificationExample, ClassificationBatch>) h;
    }

    /** As {@link #runClassification}, for tagging. */
    public static FineTuneResult runTagging(FineTuneSpec spec, LabeledSplits<TaggingExample> data, PrintStream log)
            throws IOException {
        return run(spec, TaggingTask.HEAD, data, log);
    }

    private static void requireTask(FineTuneSpec spec, HeadConfig.Task task) {
        if (spec.task() != task) {
            throw new SpecException("task", "the spec is for task " + spec.task().id() + ", not " + task.id());
        }
    }

    /** The checked, locked output folder ({@link RunFolder}'s rules); close it when the run ends. */
    static RunFolder prepareOutput(FineTuneSpec spec, PrintStream log) throws IOException {
        RunFolder folder = RunFolder.open(spec.run().out(), new RunFolder.Request("finetune", spec.run().overwrite(),
                spec.run().resume(), FineTuning::resumePoint), log);
        folder.begin();
        return folder;
    }

    /**
     * What a fine-tuning run in {@code out} can continue from, or null: its newest checkpoint, else (a
     * cross-validated run) the newest fold run with a checkpoint or a finished result.
     */
    static Path resumePoint(Path out) throws IOException {
        Path latest = Trainer.latestCheckpoint(out);
        return latest != null ? latest : CrossValidation.resumePoint(out);
    }

    /**
     * The training set as {@code spec} asks for it: an error when it is empty, else at most {@code maxTrain}
     * examples (a stratified sample, said in the log).
     */
    static <E> Dataset<E> sampleTrain(Dataset<E> train, FineTuneSpec spec, PrintStream log) {
        if (train.isEmpty()) {
            throw new IllegalArgumentException("the training set " + spec.train() + " is empty: there is nothing "
                    + "to fine-tune on");
        }
        if (spec.maxTrain() > 0 && spec.maxTrain() < train.size()) {
            Dataset<E> sample = train.take(spec.maxTrain(), spec.run().seed());
            log.printf(Locale.ROOT, "training set: %,d of %,d examples (stratified sample, seed %d)%n",
                    sample.size(), train.size(), spec.run().seed());
            return sample;
        }
        return train;
    }

    /** One run's state. */
    private static final class Run {
        final FineTuneSpec spec;
        final DataSources sources;
        final Compute compute;
        final PrintStream log;
        final BadInput bad;
        final ObjectNode runConfig = JSON.createObjectNode(); // what run.json adds to the settings
        TrainingListener listener = TrainingListener.NONE;
        StartingPoint start;
        int maxLength;
        double epochs;
        boolean devCarved;

        Run(FineTuneSpec spec, DataSources sources, Compute compute, PrintStream log) {
            this.spec = spec;
            this.sources = sources;
            this.compute = compute;
            this.log = log;
            this.bad = BadInput.of(spec.skipBad());
        }

        private void loadModel() throws IOException {
            if (spec.from() != null) {
                start = StartingPoint.fromCheckpoint(spec.from(), compute, spec.run().seed(), spec.task(),
                        spec.dropout());
            } else {
                start = StartingPoint.fromScratch(spec.arch(), Tokenizer.load(spec.tokenizer()), 0, compute,
                        spec.run().seed(), spec.dropout());
                if (spec.initEmbeddings() != null) {
                    EmbeddingInit.Applied a = EmbeddingInit.apply(spec.initEmbeddings(), start.tokenizer(),
                            start.backbone().tokenEmbedding(), start.config().initializerRange());
                    log.println(a.describe(spec.initEmbeddings(), start.config().initializerRange()));
                }
            }
            ModelConfig c = start.config();
            maxLength = spec.maxLength() > 0 ? Math.min(spec.maxLength(), c.maxPositions()) : c.maxPositions();
            log.printf(Locale.ROOT, "model: %s; %s, %d layers, hidden %d, %d positions, vocabulary %,d%n",
                    start.description(), c.isEncoder() ? "encoder" : "decoder", c.numberOfLayers(), c.hiddenSize(),
                    c.maxPositions(), c.vocabSize());
        }

        private String testSpec() {
            if (spec.test() != null) {
                return spec.test();
            }
            if (sources.isDataset(spec.train())) {
                String name = spec.train().contains(":") ? spec.train().substring(0, spec.train().indexOf(':'))
                        : spec.train();
                return name + ":test";
            }
            return null;
        }

        private <E> Dataset.Carve<E> split(Dataset<E> train, Dataset<E> givenDev) {
            int before = train.size();
            train = sampleTrain(train, spec, log);
            runConfig.put("train_available", before);
            runConfig.put("train_sampled", train.size());
            if (givenDev != null) {
                return new Dataset.Carve<>(train, givenDev);
            }
            if (spec.devFraction() == 0) {
                runConfig.putObject("dev_carve").put("carved_from_train", false).put("size", 0);
                log.println("dev set: none (the last model is kept)");
                return new Dataset.Carve<>(train, train.head(0));
            }
            if (train.size() < 2) {
                throw new SpecException("dev", "the training set has " + train.size() + " example: too few to "
                        + "hold some out for choosing the model; give dev data or more examples");
            }
            Dataset.Carve<E> carve = train.carveDev(spec.devFraction(), spec.run().seed());
            if (carve.heldOut().isEmpty() || carve.train().isEmpty()) {
                throw new SpecException("dev", "could not hold out examples for choosing the model from "
                        + train.size() + " training examples; give dev data");
            }
            devCarved = true;
            ObjectNode d = runConfig.putObject("dev_carve");
            d.put("carved_from_train", true);
            d.put("fraction", spec.devFraction());
            d.put("size", carve.heldOut().size());
            d.put("seed", spec.run().seed());
            log.printf(Locale.ROOT, "dev set: %,d examples carved from the training set (%.0f%%, seed %d); %,d left "
                    + "for training%n", carve.heldOut().size(), spec.devFraction() * 100, spec.run().seed(),
                    carve.train().size());
            return carve;
        }

        // ------------------------------------------------------------------------------ any head

        <E> LabeledSplits<E> read(Head<E, ?> head) throws IOException {
            Dataset<E> train = sources.labeled(head, spec.train(), Split.TRAIN, null, bad);
            LabelSet labels = head.registryKind() == null ? null
                    : sources.declaredLabels(spec.train(), head.registryKind());
            if (labels == null) {
                labels = head.labels(train);
            }
            Dataset<E> givenDev = spec.dev() == null ? null : sources.labeled(head, spec.dev(), Split.DEV, labels, bad);
            String testName = testSpec();
            Dataset<E> test = testName == null ? null : sources.labeled(head, testName, Split.TEST, labels, bad);
            return new LabeledSplits<>(train, givenDev, test, labels);
        }

        <E, B> FineTuneResult fineTune(Head<E, B> head, LabeledSplits<E> given) throws IOException {
            LabelSet labels = given.labels() != null ? given.labels() : head.labels(given.train());
            if (labels.size() < 2) {
                throw new IllegalArgumentException("the training set has only one " + head.labelWord() + " ("
                        + labels.labels() + "): " + head.modelWord() + " needs at least two");
            }
            Dataset.Carve<E> parts = split(given.train(), given.dev());
            Dataset<E> test = given.test();
            loadModel();
            Tokenizer tok = start.tokenizer();
            int pad = StartingPoint.padId(tok);
            Encoded<B> trainData = head.encode(tok, parts.train().examples(), labels, maxLength, pad);
            Encoded<B> devData = head.encode(tok, parts.heldOut().examples(), labels, maxLength, pad);
            Encoded<B> testData = test == null ? null : head.encode(tok, test.examples(), labels, maxLength, pad);
            head.describeData(log, labels, maxLength, trainData, devData, testData);
            Pooling pooling = !head.task().pooled() ? null
                    : spec.pooling() != null ? spec.pooling() : defaultPooling();
            HeadConfig config = new HeadConfig(head.task(), labels.labels(), pooling, maxLength);
            HeadModel model = head.newModel(compute, start.backbone(), config, spec.run().seed());
            if (!spec.multitask()) {
                start = start.bodyOnly(); // the language model's slabs are garbage from here on
            }
            // every evaluation in batches of the training batch's size: a layer's activation buffers grow
            // to the largest batch it has run, and evaluation needs no more rows than training
            // (docs/PERFORMANCE.md, "Session 12: demo memory")
            int evalBatch = spec.effectiveBatchSize();
            HeadTask<E, B> task = head.task(model, config, parts.heldOut().examples(), devData, evalBatch,
                    tokenizerFiles(tok));
            task.prepareTraining(trainData, start.extraTensors(), spec.balancedClassWeights(), log);
            BatchStream<B> stream = trainData.stream(spec.effectiveBatchSize(), spec.run().seed());
            if (pooling != null) {
                runConfig.put("pooling", pooling.id());
            }
            labels.labels().forEach(runConfig.putArray(head.labelWord() + "s")::add);
            int testSize = testData == null ? 0 : testData.size();
            Outcome o = train(task, stream, task.metric(), trainData.size(), devData.size(), testSize);
            task.setTraining(false);
            if (task.afterTraining(parts.heldOut().examples(), devData, evalBatch, log)) {
                task.head().write(spec.run().out().resolve(Checkpoint.CONFIG), model.config());
            }
            HeadMetrics devM = devData.size() == 0 ? null
                    : task.score(parts.heldOut().examples(), devData, devData.batches(evalBatch)).metrics();
            HeadMetrics testM = testData == null ? null
                    : task.score(test.examples(), testData, testData.batches(evalBatch)).metrics();
            return finish(o, task.metric(), devM, testM, trainData.size(), devData.size(), testSize, task.head());
        }

        /**
         * ULMFiT's concat with that recipe and for decoders; for encoders BERT's cls when the checkpoint
         * has a trained pooler (Hugging Face BERT), else mean: an MLM-only checkpoint (graft pretrain) has
         * no pooler, and a fresh dense + tanh on one token learned worse from a few hundred labels than the
         * mean of all tokens (docs/FINETUNING.md, measurements).
         */
        private Pooling defaultPooling() {
            if (spec.recipe() == FineTuneSpec.Recipe.ULMFIT || !start.config().isEncoder()) {
                return Pooling.CONCAT;
            }
            if (spec.freezeBackbone()) {
                // a frozen encoder is a sentence embedder: the mean of its token states, as sentence-transformers
                return Pooling.MEAN;
            }
            return start.extraTensors().containsKey("bert.pooler.dense.weight") ? Pooling.CLS
                    : Pooling.MEAN;
        }

        // ------------------------------------------------------------------------------ training

        private Checkpoint.Extras tokenizerFiles(Tokenizer tok) {
            return folder -> tok.save(folder.resolve(Checkpoint.TOKENIZER));
        }

        record Outcome(Trainer.Summary summary, EarlyStopping stopping, double wallSeconds) {
        }

        private <B> Outcome train(Trainable<B> task, BatchStream<B> stream, String metric, int trainSize, int devSize,
                                  int testSize) throws IOException {
            Trainable<?> trainable = task;
            BatchStream<?> batches = stream;
            if (spec.multitask()) {
                LanguageModelData lmData;
                try (Stream<String> docs = sources.texts(spec.multitaskCorpus())) {
                    lmData = LanguageModelData.prepare(start.tokenizer(), docs.iterator(), start.config(),
                            spec.lmSequenceLength(), 0.15, 0.05, 64, spec.run().seed(), spec.run().threads());
                }
                if (lmData.data().trainingSequences() == 0) {
                    throw new IllegalArgumentException("the multitask corpus gave no LM sequences: is it empty?");
                }
                int lmBatch = spec.effectiveBatchSize();
                List<TokenBatch> lmValidation = spec.lmValidation()
                        ? lmData.data().validationBatches(lmBatch, lmData.masker()) : List.of();
                MultitaskTask<B> mt = new MultitaskTask<>(compute, task, start.languageModel(), spec.lmWeight(),
                        lmValidation);
                log.printf(Locale.ROOT, "multitask: task loss + %.3g x %s loss on %s (%,d sequences), %.3g LM batches "
                                + "per task batch%n", spec.lmWeight(), lmData.objective().name(),
                        String.join(", ", spec.multitaskCorpus()), lmData.data().trainingSequences(), spec.mix());
                batches = MultitaskTask.mix(stream, lmData.data().trainingStream(lmBatch, lmData.masker(),
                        spec.run().seed()),
                        spec.mix());
                trainable = mt;
                ObjectNode m = runConfig.putObject("multitask");
                spec.multitaskCorpus().forEach(m.putArray("corpus")::add);
                m.put("lm_weight", spec.lmWeight());
                m.put("mix", spec.mix());
                m.put("sequence_length", Math.min(spec.lmSequenceLength(), start.config().maxPositions()));
                m.put("objective", lmData.objective().name().toLowerCase(Locale.ROOT));
                m.put("lm_sequences", lmData.data().trainingSequences());
            }
            return trainWith(trainable, batches, metric, trainSize, devSize, testSize);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private Outcome trainWith(Trainable trainable, BatchStream batches, String metric, int trainSize, int devSize,
                                  int testSize) throws IOException {
            long stepsPerEpoch = Math.max(1, batches.batchesPerEpoch());
            epochs = spec.effectiveEpochs(stepsPerEpoch);
            if (spec.run().epochs() == 0) {
                log.printf(Locale.ROOT, "epochs: %.0f (automatic: about %d updates at %d per epoch)%n", epochs,
                        FineTuneSpec.AUTO_UPDATES, stepsPerEpoch);
            }
            double factor = spec.effectiveDiscriminative();
            boolean gradual = spec.effectiveGradualUnfreeze();
            ModelConfig config = start.config();
            LayerwiseRates rates = null;
            if (factor > 1 || gradual || spec.freezeBackbone() || spec.freezeEmbeddings()) {
                List<Parameter> params = trainable.parameters().list();
                rates = new LayerwiseRates(LayerGroups.of(params, config), LayerGroups.count(config), factor, gradual,
                        stepsPerEpoch);
                if (spec.freezeBackbone()) {
                    rates.frozenBelow(LayerGroups.count(config) - 1);
                }
                if (spec.freezeEmbeddings()) {
                    boolean[] frozen = new boolean[params.size()];
                    int n = 0;
                    for (int i = 0; i < frozen.length; i++) {
                        frozen[i] = LayerGroups.isTokenEmbedding(params.get(i).name());
                        n += frozen[i] ? 1 : 0;
                    }
                    if (n == 0) {
                        throw new dev.graft.SpecException("freezeEmbeddings", "freezeEmbeddings: the model "
                                + start.config().architecture() + " has no token embedding table (a parameter named "
                                + "word_embeddings or wte) to keep: leave freezeEmbeddings off for it");
                    }
                    rates.frozenParameters(frozen);
                }
                log.println("layer-wise rates: " + rates.describe());
                if (gradual && epochs < LayerGroups.count(config)) {
                    log.printf(Locale.ROOT, "note: gradual unfreezing opens one of %d groups per epoch; with %.3g "
                            + "epochs the lowest %d stay frozen%n", LayerGroups.count(config), epochs,
                            (int) Math.max(0, LayerGroups.count(config) - Math.ceil(epochs)));
                }
            }
            EarlyStopping stopping = new EarlyStopping(metric, spec.patience(), "dev_loss");
            // early stopping never ends the run in its first half: small sets sit at chance for a while
            long minimumUpdates = (long) Math.ceil(epochs * stepsPerEpoch * MIN_FRACTION_BEFORE_STOP);
            RecipeControl control = new RecipeControl(trainable, rates, stopping, minimumUpdates);
            if (!Double.isNaN(spec.stopAfterEpochs())) {
                long stopAfter = Math.max(1, Math.round(spec.stopAfterEpochs() * stepsPerEpoch));
                control.stopAfter(stopAfter);
                log.printf(Locale.ROOT, "length: %d updates (%.3g epochs) of a schedule planned for %.3g epochs%n",
                        stopAfter, spec.stopAfterEpochs(), epochs);
            }
            int evalEvery = (int) Math.max(1, stepsPerEpoch / spec.evalsPerEpoch());
            // checkpoints (resumable: model, optimizer, data position, dropout, early stopping) once per epoch
            // unless --checkpoint-every says otherwise; only the newest is kept, and none once the run ends
            int checkpointEvery = spec.checkpointEvery() > 0 ? spec.checkpointEvery()
                    : spec.checkpointEvery() < 0 ? 0 // none but at the end: a run nobody will resume
                    : (int) Math.min(Integer.MAX_VALUE, stepsPerEpoch);
            OptimizerSpec o = spec.optimizer();
            TrainingOptions options = new TrainingOptions(0, epochs, spec.run().maxTime(), o.learningRate(),
                    o.learningRateSchedule(), o.weightDecay(), o.beta1(), o.beta2(), FineTuneSpec.ADAM_EPSILON, o.clip(), 1,
                    Math.max(1, Math.min(20, evalEvery)), evalEvery, checkpointEvery, 1, false);
            writeRunConfig(trainSize, devSize, testSize, stepsPerEpoch, rates);
            long t0 = System.nanoTime();
            boolean resuming = spec.run().resume() && Trainer.latestCheckpoint(spec.run().out()) != null;
            Trainer trainer = new Trainer(compute, control, batches, options, spec.run().out(), log).listener(listener)
                    .resumeHint(RunOptions.RESUME_HINT);
            Trainer.Summary summary = trainer.run(resuming);
            // this process's time plus that of the runs it continues
            double wall = (System.nanoTime() - t0) / 1e9 + (summary.wallSeconds() - summary.runSeconds());
            if ("signal".equals(summary.stoppedBy())) {
                // the checkpoint just written is what --resume continues from: keep it, and stop here
                throw new SpecIOException("resume", "fine-tuning stopped by a signal at update " + summary.steps()
                        + "; " + spec.run().out() + " keeps its checkpoint: run it again with resume to continue it");
            }
            if (control.restoreBest()) {
                log.printf(Locale.ROOT, "best %s %.4f after update %d: keeping that model%n", metric, stopping.best(),
                        stopping.bestStep());
            }
            control.writeModelFiles(spec.run().out());
            if (!spec.keepTrainingState()) {
                for (Path p : Trainer.checkpoints(spec.run().out())) {
                    AtomicFiles.deleteRecursively(p);
                }
            }
            return new Outcome(summary, stopping, wall);
        }

        private void writeRunConfig(int trainSize, int devSize, int testSize, long stepsPerEpoch, LayerwiseRates rates)
                throws IOException {
            ObjectNode r = JSON.createObjectNode();
            r.put("command", "finetune");
            r.put("task", spec.task().id());
            r.put("from", spec.from() == null ? null : spec.from().toString());
            r.put("arch", spec.arch());
            r.put("tokenizer", spec.tokenizer() == null ? null : spec.tokenizer().toString());
            r.put("start", start.description());
            r.put("train", spec.train());
            r.put("dev", spec.dev());
            r.put("test", testSpec());
            r.put("train_size", trainSize);
            r.put("dev_size", devSize);
            r.put("test_size", testSize);
            r.put("max_train", spec.maxTrain());
            r.put("seed", spec.run().seed());
            r.put("recipe", spec.recipe().id());
            r.put("lr", spec.optimizer().learningRate());
            r.put("schedule", spec.optimizer().schedule().id());
            r.put("warmup", spec.optimizer().warmup());
            r.put("discriminative", spec.effectiveDiscriminative());
            r.put("gradual_unfreeze", spec.effectiveGradualUnfreeze());
            r.put("freeze_backbone", spec.freezeBackbone());
            r.put("freeze_embeddings", spec.freezeEmbeddings());
            r.put("layer_rates", rates == null ? null : rates.describe());
            r.put("epochs", epochs);
            r.put("epochs_automatic", spec.run().epochs() == 0);
            r.put("batch_size", spec.effectiveBatchSize());
            r.put("steps_per_epoch", stepsPerEpoch);
            r.put("weight_decay", spec.optimizer().weightDecay());
            r.put("clip", spec.optimizer().clip());
            r.put("patience", spec.patience());
            r.put("evals_per_epoch", spec.evalsPerEpoch());
            r.put("max_length", maxLength);
            r.put("dropout", start.config().hiddenDropout());
            r.put("balanced_class_weights", spec.balancedClassWeights());
            r.put("threads", spec.run().threads());
            r.put("stop_after_epochs", Double.isNaN(spec.stopAfterEpochs()) ? null : spec.stopAfterEpochs());
            r.set("model", JSON.valueToTree(start.config()));
            r.setAll(runConfig);
            String text = JSON.writeValueAsString(r) + "\n";
            Path file = spec.run().out().resolve("run.json");
            if (spec.run().resume() && Trainer.latestCheckpoint(spec.run().out()) != null && Files.exists(file)) {
                requireSameRun(file, text);
            }
            AtomicFiles.writeString(file, text);
        }

        /**
         * A resume continues the run it finds only with that run's settings (the thread count aside): other
         * data, rates or lengths would make a run that is neither.
         */
        private void requireSameRun(Path file, String text) throws IOException {
            ObjectNode before = (ObjectNode) JSON.readTree(file.toFile());
            ObjectNode now = (ObjectNode) JSON.readTree(text);
            List<String> differ = new java.util.ArrayList<>();
            for (java.util.Iterator<String> names = now.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!name.equals("threads") && !now.get(name).equals(before.get(name))) {
                    differ.add(name + " " + (before.has(name) ? before.get(name) : "(none)") + " -> " + now.get(name));
                }
            }
            if (!differ.isEmpty()) {
                throw new SpecException(List.of(RunOptions.FIELD + ".resume", RunOptions.FIELD + ".overwrite"), file
                        + ": the run being resumed was made with other settings ("
                        + String.join("; ", differ.subList(0, Math.min(3, differ.size())))
                        + (differ.size() > 3 ? "; " + (differ.size() - 3) + " more" : "") + "): give "
                        + RunOptions.FIELD + ".resume with the settings of the run it continues, or start it again ("
                        + RunOptions.FIELD + ".overwrite)");
            }
        }

        private FineTuneResult finish(Outcome o, String metric, HeadMetrics dev, HeadMetrics test, int trainSize,
                                      int devSize, int testSize, HeadConfig head) throws IOException {
            // the task's own loss only: a multitask run's loss adds the LM loss
            FineTuneResult r = new FineTuneResult(spec.run().out(), head.task(), spec.recipe(), spec.from() != null,
                    spec.multitask(), spec.run().seed(), metric, dev == null ? Double.NaN : dev.score(),
                    test == null ? Double.NaN : test.score(), dev, test, o.summary().steps(),
                    o.stopping().bestStep(), o.summary().stoppedBy(), trainSize, devSize, devCarved, testSize,
                    o.wallSeconds(), spec.multitask() ? Double.NaN : o.summary().lastLoss(), Double.NaN, null,
                    Double.NaN);
            JsonFiles.write(spec.run().out().resolve("results.json"), r.resultsJson());
            return r;
        }
    }
}
