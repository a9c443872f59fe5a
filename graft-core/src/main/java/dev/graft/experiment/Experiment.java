package dev.graft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.baseline.BagOfWords;
import dev.graft.baseline.MostFrequentTag;
import dev.graft.baseline.VectorClassifier;
import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.DataFiles;
import dev.graft.data.DataHome;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetCard;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.LabelSet;
import dev.graft.data.RegistryClients;
import dev.graft.data.Split;
import dev.graft.data.TaggingExample;
import dev.graft.eval.ClassificationMetrics;
import dev.graft.eval.TaggingMetrics;
import dev.graft.finetune.DataSources;
import dev.graft.finetune.FineTuneResult;
import dev.graft.finetune.FineTuneSpec;
import dev.graft.finetune.FineTuning;
import dev.graft.finetune.LabeledSplits;
import dev.graft.finetune.LanguageModelFineTuning;
import dev.graft.finetune.LmFineTuneSpec;
import dev.graft.io.Staging;
import dev.graft.model.AtomicFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.HeadConfig;
import dev.graft.model.HfConfig;
import dev.graft.model.LanguageModel;
import dev.graft.model.ModelConfig;
import dev.graft.nn.Compute;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.model.KnownModels;
import dev.graft.model.OnnxImport;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.pretrain.Pretraining;
import dev.graft.task.PretrainingData;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Runs a {@link ExperimentSpec}: every strategy at every (budget, seed) cell on the same labeled
 * subset, dev carve and test set, and writes {@code results.jsonl} and the report.
 *
 * <p>Fairness: the labeled subset of a cell is drawn once ({@link Dataset#take}, stratified, nested
 * across budgets for one seed) and its dev part carved once ({@link Dataset#carveDev}); every
 * strategy gets exactly these (the example ids are written to {@code subsets/}). Neural strategies
 * train on the train part and stop early on the dev part; {@code bow} cross-validates on both
 * (it has no early stopping); {@code labels-as-text} writes both into its corpus. The dataset's own
 * dev split is never used: in a low-label setting nobody has a big dev set.
 *
 * <p>Caching and resume: pretraining runs live in {@code pretrain/} under names that hash their
 * configuration, are shared by every strategy and cell that needs the same run, resume from their
 * newest checkpoint when interrupted and are reused once finished ({@code graft-done.json}). A cell
 * whose result is in {@code results.jsonl} is not run again; an interrupted cell is run again.
 */
public final class Experiment {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Marker written into a finished pretraining folder. */
    static final String DONE = "graft-done.json";

    private final ExperimentSpec spec;
    private final DatasetRegistry registry;
    private final PrintStream log;
    private final Path out;
    private final Map<String, Map<String, Object>> pretrainRuns = new LinkedHashMap<>();
    private Path tokenizerFile;
    /** While set, shared runs are only looked up: an unfinished one throws {@link NotDone} instead of training. */
    private volatile boolean onlyIfDone;
    private Path decoderTokenizerFile;

    private Experiment(ExperimentSpec spec, DatasetRegistry registry, PrintStream log) {
        this.spec = spec;
        this.registry = registry;
        this.log = log;
        this.out = spec.out();
    }

    /** What a run produced. */
    public record Outcome(Path folder, Path report, List<CellResult> results, String answer) {
    }

    public static Outcome run(ExperimentSpec spec, PrintStream log) throws IOException {
        return run(spec, DatasetRegistry.standard(), log);
    }

    public static Outcome run(ExperimentSpec spec, DatasetRegistry registry, PrintStream log) throws IOException {
        return new Experiment(spec, registry, log).run();
    }

    // ------------------------------------------------------------------------------ data

    /** The labeled data of an experiment: the whole training split, the test set and the labels. */
    record Data<E>(Dataset<E> train, Dataset<E> test, LabelSet labels, String name,
                   Function<E, String> text) {
    }

    /** The labeled subset of one (budget, seed) cell: what every strategy of that cell gets. */
    /**
     * What a row of results is: a strategy, and for transfer in a pretraining sweep the share of the
     * pretraining budget its base had (1 for the full budget). Its id names the results and cell folders:
     * the strategy's id, with "@share" for a sweep arm (e.g. "transfer@0.25").
     */
    record Arm(Strategy strategy, double share) {
        static final String SEPARATOR = "@";

        String id() {
            return share == 1 ? strategy.id() : strategy.id() + SEPARATOR + shareLabel(share);
        }

        static String shareLabel(double share) {
            return java.math.BigDecimal.valueOf(share).stripTrailingZeros().toPlainString();
        }
    }

    /** The strategies, then transfer at each share of the pretraining sweep. */
    List<Arm> arms() {
        List<Arm> arms = new ArrayList<>();
        spec.strategies().forEach(s -> arms.add(new Arm(s, 1)));
        spec.pretrainSweep().forEach(f -> arms.add(new Arm(Strategy.TRANSFER, f)));
        return arms;
    }

    record Subset<E>(int budget, int seedIndex, long seed, Dataset<E> train, Dataset<E> dev) {
        String key() {
            return "b" + ExperimentSpec.budgetLabel(budget) + "-s" + seedIndex;
        }

        int labels() {
            return train.size() + dev.size();
        }
    }

    private Outcome run() throws IOException {
        Files.createDirectories(out);
        Path config = out.resolve("experiment.json");
        Map<String, Object> m = spec.toMap();
        if (Files.exists(config)) {
            Map<?, ?> before = JSON.readValue(config.toFile(), Map.class);
            if (!JSON.writeValueAsString(before).equals(JSON.writeValueAsString(JSON.readValue(
                    JSON.writeValueAsString(m), Map.class)))) {
                log.println("experiment: the settings differ from " + config + "; finished cells of the same strategy, "
                        + "budget and seed are kept, pretraining runs are reused only where their settings match");
            } else {
                log.println("experiment: resuming in " + out);
            }
        }
        AtomicFiles.writeString(config, JSON.writeValueAsString(m) + "\n");
        return spec.task() == HeadConfig.Task.CLASSIFY ? runWith(classificationData())
                : runWith(taggingData());
    }

    private Data<ClassificationExample> classificationData() throws IOException {
        return data(DatasetDefinition.SetKind.CLASSIFICATION, "train.csv,test.csv",
                (sources, spec, role, known) -> sources.classification(spec, role, known, BadInput.strict()),
                ClassificationExample::text);
    }

    private Data<TaggingExample> taggingData() throws IOException {
        return data(DatasetDefinition.SetKind.TAGGING, "train.conll,test.conll",
                (sources, spec, role, known) -> sources.tagging(spec, role, known, BadInput.strict()),
                t -> String.join(" ", t.tokens()));
    }

    /** Reads one kind of labeled set from {@link DataSources}. */
    private interface Reader<E> {
        Dataset<E> read(DataSources sources, String spec, Split role, LabelSet known) throws IOException;
    }

    /** The training split, the test set and the labels of {@code --data}: a dataset name, or train,test files. */
    private <E> Data<E> data(DatasetDefinition.SetKind kind, String fileExample, Reader<E> reader,
                             Function<E, String> text) throws IOException {
        DataSources sources = new DataSources(registry, log);
        String trainSpec = spec.data().get(0);
        boolean named = spec.data().size() == 1;
        if (named && !sources.isDataset(trainSpec)) {
            throw new IllegalArgumentException("--data " + trainSpec + " is not a dataset name (graft data list); "
                    + "for your own files give two: --data " + fileExample);
        }
        Dataset<E> train = reader.read(sources, trainSpec, Split.TRAIN, null);
        LabelSet labels = sources.declaredLabels(trainSpec, kind);
        if (labels == null) {
            labels = train.labelSet();
        }
        String testSpec = named ? baseName(trainSpec) + ":test" : spec.data().get(1);
        Dataset<E> test = reader.read(sources, testSpec, Split.TEST, labels);
        return new Data<>(train, test, labels, named ? baseName(trainSpec) : trainSpec, text);
    }

    private static String baseName(String spec) {
        int i = spec.indexOf(':');
        return i < 0 ? spec : spec.substring(0, i);
    }

    /**
     * The subset of every (budget, seed) cell, in run order. Budgets at or above the training set's size
     * are all one budget, "all" (still one cell per seed: each seed carves its own dev part).
     */
    <E> List<Subset<E>> subsets(Dataset<E> train) {
        List<Integer> budgets = spec.budgets().stream().map(b -> b >= train.size() ? ExperimentSpec.ALL : b)
                .distinct().sorted().toList();
        List<Subset<E>> out = new ArrayList<>();
        for (int budget : budgets) {
            for (int k = 0; k < spec.seeds(); k++) {
                long seed = spec.seed() + k;
                Dataset<E> labeled = train.take(Math.min(budget, train.size()), seed);
                if (spec.folds() > 0) {
                    // the few-label protocol: the whole subset trains, cross-validation inside it chooses
                    if (labeled.size() < 2 * spec.folds()) {
                        throw new IllegalArgumentException("budget " + ExperimentSpec.budgetLabel(budget) + " has "
                                + labeled.size() + " examples: too few for " + spec.folds() + "-fold "
                                + "cross-validation; use larger budgets or fewer --folds");
                    }
                    out.add(new Subset<>(budget, k, seed, labeled, labeled.head(0)));
                    continue;
                }
                Dataset.Carve<E> carve = labeled.carveDev(spec.devFraction(), seed);
                if (carve.heldOut().isEmpty() || carve.train().isEmpty()) {
                    throw new IllegalArgumentException("budget " + ExperimentSpec.budgetLabel(budget) + " leaves no "
                            + "dev or no training example after carving " + spec.devFraction() + " for early stopping: "
                            + "use larger budgets");
                }
                out.add(new Subset<>(budget, k, seed, carve.train(), carve.heldOut()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------ the cells

    private <E> Outcome runWith(Data<E> data) throws IOException {
        long started = System.nanoTime();
        log.printf(Locale.ROOT, "experiment: %s on %s (%,d training examples, %,d test, %d labels); strategies %s; "
                        + "budgets %s; %d seed(s)%n", spec.task().id(), data.name(), data.train().size(),
                data.test().size(), data.labels().size(), spec.strategies().stream().map(Strategy::id).toList(),
                spec.budgets().stream().map(ExperimentSpec::budgetLabel).toList(), spec.seeds());
        currentData = data;
        List<Subset<E>> subsets = subsets(data.train());
        writeSubsets(subsets, data);
        Path resultsFile = out.resolve("results.jsonl");
        Map<String, CellResult> results = new LinkedHashMap<>();
        if (Files.exists(resultsFile)) {
            for (CellResult r : CellResult.read(resultsFile)) {
                results.put(cellKey(r.strategy(), r.budget(), r.seed()), r);
            }
        }
        List<Arm> arms = arms();
        int total = subsets.size() * arms.size();
        List<Runnable> pending = new ArrayList<>();
        java.util.Set<Strategy> pendingStrategies = java.util.EnumSet.noneOf(Strategy.class);
        int[] done = {0};
        int[] ranHere = {0};
        long[] cellsStarted = {0};
        int index = 0;
        for (Arm arm : arms) {
            for (Subset<E> subset : subsets) {
                index++;
                String key = cellKey(arm.id(), ExperimentSpec.budgetLabel(subset.budget()), subset.seedIndex());
                CellResult previous = results.get(key);
                if (previous != null && previous.isOk()) {
                    done[0]++;
                    continue;
                }
                pendingStrategies.add(arm.strategy());
                pending.add(() -> {
                    long t0 = System.nanoTime();
                    CellResult r = runCell(arm, subset, data);
                    synchronized (results) {
                        results.put(key, r);
                        try {
                            writeResults(resultsFile, results);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        done[0]++;
                        ranHere[0]++;
                        double elapsed = (System.nanoTime() - started) / 1e9;
                        double cellsElapsed = (System.nanoTime() - cellsStarted[0]) / 1e9;
                        int left = total - done[0];
                        String eta = left == 0 ? "" : "; about " + clock(cellsElapsed / ranHere[0] * left)
                                + " left at this pace";
                        log.printf(Locale.ROOT, "[%d/%d] %-14s labels %-5s seed %d: %s (%.0f s; elapsed %s%s)%n",
                                done[0], total, arm.id(), ExperimentSpec.budgetLabel(subset.budget()),
                                subset.seedIndex(), r.isOk() ? String.format(Locale.ROOT, "test %s %.4f", r.metric(),
                                        r.test()) : "FAILED: " + r.error(), (System.nanoTime() - t0) / 1e9,
                                clock(elapsed), eta);
                    }
                });
            }
        }
        int ran = pending.size();
        prepareShared(data, pendingStrategies);
        if (ran > 0) {
            cellsStarted[0] = System.nanoTime();
            runAll(pending);
        }
        if (ran == 0) {
            log.println("experiment: every cell was already done; rewriting the report");
        }
        List<CellResult> all = new ArrayList<>(results.values());
        ReportContext context = reportContext(data);
        ExperimentReport.write(out, all, context);
        String answer = ExperimentReport.answer(all, context);
        return new Outcome(out, out.resolve("report.md"), all, answer);
    }

    /**
     * Runs what several cells share (tokenizers, pretraining, LM fine-tuning, the imported model)
     * before cells run in parallel, so those runs get every thread and happen once. For strategies
     * with no pending cell, only finished runs are looked up (for the report), nothing is trained.
     */
    private <E> void prepareShared(Data<E> data, java.util.Set<Strategy> pending) throws IOException {
        for (Strategy s : spec.strategies()) {
            onlyIfDone = !pending.contains(s);
            try {
                switch (s) {
                    case SCRATCH, MULTITASK -> {
                        if (!onlyIfDone) {
                            tokenizer();
                        }
                    }
                    case TRANSFER -> {
                        basePretraining();
                        for (double share : spec.pretrainSweep()) {
                            basePretraining(share);
                        }
                    }
                    case ULMFIT -> tapt();
                    case MERGED -> mergedPretraining(data);
                    case PRETRAINED -> {
                        if (!onlyIfDone) {
                            pretrainedModel();
                        }
                    }
                    case LABELS_AS_TEXT -> {
                        if (!onlyIfDone) {
                            decoderTokenizer();
                        }
                    }
                    case VECTORS, BOW_VECTORS -> {
                        if (!onlyIfDone) {
                            VectorClassifier.shared(out, spec.corpus(), spec.threads(), spec.seed(), registry, log);
                        }
                    }
                    default -> {
                    }
                }
            } catch (NotDone e) {
                // a run no pending cell needs and that is not (or no longer) in DIR: the report leaves it out
            } finally {
                onlyIfDone = false;
            }
        }
    }

    /** Thrown by a lookup of a shared run that is not finished while {@link #onlyIfDone} is set. */
    private static final class NotDone extends RuntimeException {
        NotDone() {
            super(null, null, false, false);
        }
    }

    /** Runs the cells on {@code parallelCells} workers, in order. */
    private void runAll(List<Runnable> cells) throws IOException {
        int workers = Math.min(spec.parallelCells(), cells.size());
        if (workers <= 1) {
            cells.forEach(Runnable::run);
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "graft-cell");
            t.setDaemon(true);
            return t;
        });
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (Runnable c : cells) {
                futures.add(pool.submit(c));
            }
            for (java.util.concurrent.Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof java.io.UncheckedIOException u) {
                        throw u.getCause();
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Threads of one cell's training: the experiment's threads shared by the cells running at once. */
    private int cellThreads() {
        return Math.max(1, spec.threads() / spec.parallelCells());
    }

    static String cellKey(String strategy, String budget, int seed) {
        return strategy + "|" + budget + "|" + seed;
    }

    private <E> void writeSubsets(List<Subset<E>> subsets, Data<E> data) throws IOException {
        Path dir = out.resolve("subsets");
        Files.createDirectories(dir);
        for (Subset<E> s : subsets) {
            StringBuilder sb = new StringBuilder();
            sb.append("# labeled subset ").append(s.key()).append(" of ").append(data.name())
                    .append(": example ids, train part then dev part (seed ").append(s.seed()).append(")\n");
            for (E e : s.train()) {
                sb.append("train\t").append(id(e)).append('\n');
            }
            for (E e : s.dev()) {
                sb.append("dev\t").append(id(e)).append('\n');
            }
            AtomicFiles.writeString(dir.resolve(s.key() + ".tsv"), sb.toString());
        }
    }

    private static String id(Object e) {
        if (e instanceof ClassificationExample c) {
            return c.id();
        }
        return ((TaggingExample) e).id();
    }

    private static void writeResults(Path file, Map<String, CellResult> results) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (CellResult r : results.values()) {
            sb.append(r.toJson()).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    private <E> CellResult runCell(Arm arm, Subset<E> subset, Data<E> data) {
        String budget = ExperimentSpec.budgetLabel(subset.budget());
        String metric = spec.task() == HeadConfig.Task.CLASSIFY ? "accuracy" : "token_accuracy";
        try {
            recordSubset(arm, subset);
            return switch (arm.strategy()) {
                case BOW -> bow(subset, data, metric);
                case LABELS_AS_TEXT -> labelsAsText(castSubset(subset), castClassification(data), metric);
                case VECTORS, BOW_VECTORS -> {
                    if (spec.task() != HeadConfig.Task.CLASSIFY) {
                        throw new IllegalArgumentException(arm.id() + " classifies sentences; for tagging use bow");
                    }
                    List<ClassificationExample> labeled = new ArrayList<>(castSubset(subset).train().examples());
                    labeled.addAll(castSubset(subset).dev().examples());
                    yield vectorCell(arm.strategy(), VectorClassifier.shared(out, spec.corpus(),
                                    spec.threads(), spec.seed(), registry, log), labeled, data.labels(),
                            castClassification(data).test().examples(), subset.seed(), budget, subset.labels(),
                            subset.seedIndex(), metric);
                }
                default -> fineTune(arm, subset, data, metric);
            };
        } catch (IOException | RuntimeException e) {
            String message = e instanceof IllegalArgumentException && e.getMessage() != null ? e.getMessage()
                    : e.toString();
            log.println("experiment: " + arm.id() + " " + subset.key() + " failed: " + message);
            if (!(e instanceof IllegalArgumentException)) {
                e.printStackTrace(log);
            }
            return new CellResult(arm.id(), budget, subset.labels(), subset.seedIndex(), metric, Double.NaN,
                    Double.NaN, Map.of(), new CellResult.Cost(0, 0, 0, 0, 0), "failed", message);
        }
    }

    /**
     * Writes {@code cells/STRATEGY/KEY.subset}: a fingerprint of the example ids a strategy is given
     * for a cell (train part, then dev part), so anyone can check every strategy got the same labels.
     */
    private <E> void recordSubset(Arm arm, Subset<E> subset) throws IOException {
        StringBuilder ids = new StringBuilder();
        subset.train().forEach(e -> ids.append(id(e)).append('\n'));
        ids.append("--\n");
        subset.dev().forEach(e -> ids.append(id(e)).append('\n'));
        Path f = out.resolve("cells").resolve(arm.id()).resolve(subset.key() + ".subset");
        Files.createDirectories(f.getParent());
        AtomicFiles.writeString(f, hash(ids.toString()) + "\t" + subset.train().size() + "\t" + subset.dev().size()
                + "\n");
    }

    @SuppressWarnings("unchecked")
    private static Subset<ClassificationExample> castSubset(Subset<?> s) {
        return (Subset<ClassificationExample>) s;
    }

    @SuppressWarnings("unchecked")
    private static Data<ClassificationExample> castClassification(Data<?> d) {
        return (Data<ClassificationExample>) d;
    }

    // ------------------------------------------------------------------------------ strategies

    @SuppressWarnings("unchecked")
    private <E> CellResult bow(Subset<E> subset, Data<E> data, String metric) {
        long t0 = System.nanoTime();
        List<E> labeled = new ArrayList<>(subset.train().examples());
        labeled.addAll(subset.dev().examples());
        Map<String, Object> testMetrics;
        double score;
        if (spec.task() == HeadConfig.Task.CLASSIFY) {
            BagOfWords model = BagOfWords.train((List<ClassificationExample>) labeled, data.labels(),
                    BagOfWords.Options.defaults(subset.seed()));
            ClassificationMetrics m = model.evaluate((List<ClassificationExample>) data.test().examples());
            testMetrics = new LinkedHashMap<>(m.toMap());
            testMetrics.put("chosen_c", model.chosenC());
            score = m.accuracy();
        } else {
            MostFrequentTag model = MostFrequentTag.train((List<TaggingExample>) labeled);
            TaggingMetrics m = model.evaluate((List<TaggingExample>) data.test().examples(), data.labels().labels());
            testMetrics = m.toMap();
            score = m.tokenAccuracy();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new CellResult(Strategy.BOW.id(), ExperimentSpec.budgetLabel(subset.budget()), subset.labels(),
                subset.seedIndex(), metric, score, Double.NaN, testMetrics,
                new CellResult.Cost(0, 0, 0, 0, seconds), "ok", null);
    }

    /** One vector-baseline cell: train on {@code labeled}, score on {@code test}. */
    static CellResult vectorCell(Strategy strategy, dev.graft.vectors.WordVectors vectors,
                                 List<ClassificationExample> labeled, LabelSet labels,
                                 List<ClassificationExample> test, long seed, String budget, int labelCount,
                                 int seedIndex, String metric) {
        long t0 = System.nanoTime();
        VectorClassifier.Features f = switch (strategy) {
            case VECTORS -> VectorClassifier.Features.VECTORS;
            case BOW_VECTORS -> VectorClassifier.Features.BOW_PLUS_VECTORS;
            default -> throw new IllegalArgumentException("strategy " + strategy.id() + " is not a vector strategy");
        };
        VectorClassifier model = VectorClassifier.train(labeled, labels, vectors, f, BagOfWords.Options.defaults(seed));
        ClassificationMetrics m = model.evaluate(test);
        Map<String, Object> testMetrics = new LinkedHashMap<>(m.toMap());
        testMetrics.put("chosen_c", model.chosenC());
        testMetrics.put("vector_dim", vectors.dim());
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new CellResult(strategy.id(), budget, labelCount, seedIndex, metric, m.accuracy(), Double.NaN,
                testMetrics, new CellResult.Cost(0, 0, 0, 0, seconds), CellResult.OK, null);
    }

    private <E> CellResult fineTune(Arm arm, Subset<E> subset, Data<E> data, String metric)
            throws IOException {
        Strategy strategy = arm.strategy();
        Path cellDir = out.resolve("cells").resolve(arm.id()).resolve(subset.key());
        FineTuneSpec.Builder b = FineTuneSpec.builder(spec.task(), data.name() + ":train[" + subset.key() + "]",
                        cellDir)
                .test(data.name() + ":test").seed(subset.seed()).threads(cellThreads()).overwrite(true)
                .devFraction(spec.devFraction());
        Map<String, Object> pre = null;
        switch (strategy) {
            case SCRATCH -> b.scratch(spec.arch(), tokenizer());
            case TRANSFER -> {
                pre = arm.share() == 1 ? basePretraining() : basePretraining(arm.share());
                b.from(folder(pre));
            }
            case ULMFIT -> {
                pre = tapt();
                b.from(folder(pre)).recipe(FineTuneSpec.Recipe.ULMFIT);
            }
            case MULTITASK -> b.scratch(spec.arch(), tokenizer()).multitask(spec.corpus(), spec.lmWeight(), spec.mix());
            case MERGED -> {
                pre = mergedPretraining(data);
                b.from(folder(pre));
            }
            case PRETRAINED -> b.from(pretrainedModel());
            default -> throw new IllegalStateException(strategy.id());
        }
        if (pre != null && warnsAsFrequencyOnly(pre) && warnedBases.add(folder(pre).toString())) {
            log.printf(Locale.ROOT, "experiment: warning: the base %s learned little beyond word frequencies (%s), "
                    + "and %s fine-tunes it anyway (the report flags it)%n", folder(pre).getFileName(),
                    summaryOf(folder(pre).getFileName().toString(), pre).frequencyComparison(), strategy.id());
        }
        int batch = spec.task() == HeadConfig.Task.CLASSIFY ? 16 : 32;
        if (spec.maxEpochs() > 0) {
            long perEpoch = Math.max(1, (subset.train().size() + batch - 1) / batch);
            b.epochs(Math.min(FineTuneSpec.autoEpochs(perEpoch), spec.maxEpochs()));
        }
        if (spec.folds() > 0) {
            b.folds(spec.folds()).learningRates(spec.rates(strategy));
        }
        FineTuneSpec ft = b.build();
        Files.createDirectories(cellDir);
        FineTuneResult r;
        try (PrintStream cellLog = new PrintStream(Files.newOutputStream(cellDir.resolveSibling(subset.key() + ".log")),
                true, StandardCharsets.UTF_8)) {
            r = runFineTune(ft, subset, data, cellLog);
        }
        long params = parameterCount(cellDir);
        long ftTokens = lastTrainTokens(cellDir.resolve("metrics.jsonl"));
        // the protocol's selection runs are part of what the cell cost
        Path selection = cellDir.resolve("cross-validation");
        if (Files.isDirectory(selection)) {
            try (java.util.stream.Stream<Path> files = Files.walk(selection)) {
                for (Path f : files.filter(p -> p.getFileName().toString().equals("metrics.jsonl")).toList()) {
                    ftTokens += lastTrainTokens(f);
                }
            }
        }
        long preTokens = pre == null ? 0 : ((Number) pre.getOrDefault("tokens_seen", 0)).longValue();
        double preSeconds = pre == null ? 0 : ((Number) pre.getOrDefault("wall_s", 0.0)).doubleValue();
        if (strategy == Strategy.ULMFIT) {
            Map<String, Object> base = basePretraining();
            preTokens += ((Number) base.getOrDefault("tokens_seen", 0)).longValue();
            preSeconds += ((Number) base.getOrDefault("wall_s", 0.0)).doubleValue();
        }
        double flops = 6.0 * params * (preTokens + ftTokens);
        // the fine-tuned weights are not needed for the comparison: keep results, curves and configuration only
        Files.deleteIfExists(cellDir.resolve(Checkpoint.WEIGHTS));
        Map<String, Object> testMetrics = new LinkedHashMap<>(r.test() == null ? Map.of() : r.test());
        // the protocol's choices for this cell, next to its scores
        for (String key : List.of("selected_lr", "selected_epochs", "planned_epochs", "cv_score", "final_train_loss")) {
            if (r.summary().get(key) != null) {
                testMetrics.put(key, r.summary().get(key));
            }
        }
        return new CellResult(arm.id(), ExperimentSpec.budgetLabel(subset.budget()), subset.labels(),
                subset.seedIndex(), metric, r.testScore(), r.devScore(), testMetrics,
                new CellResult.Cost(preTokens, ftTokens, flops, preSeconds, r.wallSeconds()), "ok", null);
    }

    @SuppressWarnings("unchecked")
    private <E> FineTuneResult runFineTune(FineTuneSpec ft, Subset<E> subset, Data<E> data, PrintStream cellLog)
            throws IOException {
        if (spec.task() == HeadConfig.Task.CLASSIFY) {
            return FineTuning.runClassification(ft, new LabeledSplits<>(
                    (Dataset<ClassificationExample>) subset.train(), ft.crossValidates() ? null
                    : (Dataset<ClassificationExample>) subset.dev(),
                    (Dataset<ClassificationExample>) data.test(), data.labels()), cellLog);
        }
        return FineTuning.runTagging(ft, new LabeledSplits<>((Dataset<TaggingExample>) subset.train(),
                ft.crossValidates() ? null : (Dataset<TaggingExample>) subset.dev(), (Dataset<TaggingExample>) data.test(), data.labels()), cellLog);
    }

    private CellResult labelsAsText(Subset<ClassificationExample> subset, Data<ClassificationExample> data,
                                    String metric) throws IOException {
        List<ClassificationExample> labeled = new ArrayList<>(subset.train().examples());
        labeled.addAll(subset.dev().examples());
        LabelsAsText.Template template = LabelsAsText.Template.defaults();
        List<String> documents = LabelsAsText.documents(labeled, template);
        Map<String, Object> pre = labelsAsTextPretraining(subset, documents);
        long t0 = System.nanoTime();
        Map<LabelsAsText.Scoring, ClassificationMetrics> all = scoreLabelsAsText(folder(pre), data.labels(), template,
                data.test().examples());
        ClassificationMetrics m = all.get(LabelsAsText.Scoring.CALIBRATED);
        Map<String, Object> testMetrics = new LinkedHashMap<>(m.toMap());
        // the uncalibrated scorings, for comparison: calibration is what the cell's score uses
        testMetrics.put("accuracy_sum", all.get(LabelsAsText.Scoring.SUM).accuracy());
        testMetrics.put("accuracy_mean", all.get(LabelsAsText.Scoring.MEAN).accuracy());
        double seconds = (System.nanoTime() - t0) / 1e9;
        long preTokens = ((Number) pre.getOrDefault("tokens_seen", 0)).longValue();
        long params = parameterCount(folder(pre));
        return new CellResult(Strategy.LABELS_AS_TEXT.id(), ExperimentSpec.budgetLabel(subset.budget()),
                subset.labels(), subset.seedIndex(), metric, m.accuracy(), Double.NaN, testMetrics,
                new CellResult.Cost(preTokens, 0, 6.0 * params * preTokens,
                        ((Number) pre.getOrDefault("wall_s", 0.0)).doubleValue(), seconds), "ok", null);
    }

    /** Loads the causal LM of a pretraining folder and scores the test set by label likelihood. */
    private Map<LabelsAsText.Scoring, ClassificationMetrics> scoreLabelsAsText(Path folder, LabelSet labels,
            LabelsAsText.Template template, List<ClassificationExample> test) throws IOException {
        try (Parallel parallel = new Parallel(cellThreads())) {
            Compute compute = new Compute(KernelProvider.create(parallel), parallel);
            ModelConfig config = HfConfig.read(folder.resolve(Checkpoint.CONFIG));
            LanguageModel lm = new LanguageModel(compute, config, 0);
            Checkpoint.readWeights(folder.resolve(Checkpoint.WEIGHTS), lm.parameterSet());
            lm.setTraining(false);
            Tokenizer tokenizer = Tokenizer.load(folder.resolve(Checkpoint.TOKENIZER));
            return LabelsAsText.scorer(lm, tokenizer, labels, template, config.maxPositions())
                    .evaluate(test, LabelsAsText.Scoring.values());
        }
    }

    // ------------------------------------------------------------------------------ shared runs

    /** The tokenizer trained once on the corpus (WordPiece for encoders, BPE for decoders). */
    private synchronized Path tokenizer() throws IOException {
        if (tokenizerFile == null && spec.base() != null) {
            givenBase();
        }
        if (tokenizerFile == null) {
            tokenizerFile = trainTokenizer(spec.arch());
        }
        return tokenizerFile;
    }

    private synchronized Path decoderTokenizer() throws IOException {
        if (decoderTokenizerFile == null) {
            decoderTokenizerFile = spec.decoderArch().equals(spec.arch()) ? tokenizer()
                    : trainTokenizer(spec.decoderArch());
        }
        return decoderTokenizerFile;
    }

    private Path trainTokenizer(String arch) throws IOException {
        boolean encoder = dev.graft.model.Presets.get(arch).isEncoder();
        List<String> corpus = spec.corpus().isEmpty() ? List.of(spec.data().get(0)) : spec.corpus();
        Path dir = out.resolve("pretrain").resolve("tokenizer-" + (encoder ? "wordpiece" : "bpe") + "-"
                + spec.vocabSize() + "-" + hash(String.join(",", corpus)));
        Path file = dir.resolve(Checkpoint.TOKENIZER);
        if (Files.exists(file)) {
            return file;
        }
        if (onlyIfDone) {
            throw new NotDone();
        }
        log.println("experiment: training a " + (encoder ? "WordPiece" : "BPE") + " tokenizer on " + corpus);
        dev.graft.data.Corpora corpora = dev.graft.data.Corpora.resolve(corpus, registry,
                dev.graft.data.CorpusReader.Layout.LINES, log);
        dev.graft.tokenizer.TokenizerTrainer.Type type = encoder ? dev.graft.tokenizer.TokenizerTrainer.Type.WORDPIECE
                : dev.graft.tokenizer.TokenizerTrainer.Type.BPE;
        dev.graft.tokenizer.TokenizerTrainer.Result r = dev.graft.tokenizer.TokenizerTrainer.train(
                dev.graft.tokenizer.TokenizerTrainer.Settings.of(type, spec.vocabSize()).withThreads(spec.threads())
                        .withLowercase(encoder), corpora.asIterable());
        log.println("experiment: tokenizer " + r.summary());
        Files.createDirectories(dir);
        Path tmp = dir.resolve(Checkpoint.TOKENIZER + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createDirectories(tmp);
        r.tokenizer().save(tmp);
        Files.move(tmp.resolve(Checkpoint.TOKENIZER), file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.delete(tmp);
        return file;
    }

    private PretrainSpec.Builder pretrainBuilder(String arch, List<String> corpus, Path tokenizer, long seed) {
        PretrainSpec.Builder b = PretrainSpec.builder(arch, corpus, out.resolve("pretrain").resolve("pending"))
                .tokenizer(tokenizer).seqLen(spec.seqLen()).threads(spec.threads()).seed(seed)
                .checkpointEvery(100).keep(1)
                // a validation pass every 50 updates (about 5% of the compute): enough points for the report's
                // loss curve and its loss-per-doubling figure in runs of a few minutes
                .evalEvery(50);
        return spec.pretrainSteps() > 0 ? b.steps(spec.pretrainSteps()) : b.maxTime(spec.pretrainTime());
    }

    private synchronized Map<String, Object> basePretraining() throws IOException {
        if (spec.base() != null) {
            return givenBase();
        }
        return pretrain("base", pretrainBuilder(spec.arch(), spec.corpus(), tokenizer(), spec.seed()));
    }

    /**
     * The base pretraining run shortened to {@code share} of the budget (time or steps), with its own
     * schedule: a run of that length, not a snapshot of the full one (whose learning rate has not decayed yet).
     */
    private synchronized Map<String, Object> basePretraining(double share) throws IOException {
        PretrainSpec.Builder b = pretrainBuilder(spec.arch(), spec.corpus(), tokenizer(), spec.seed());
        b = spec.pretrainSteps() > 0 ? b.steps(spec.sweepSteps(share)) : b.maxTime(spec.sweepTime(share));
        return pretrain("base-" + Arm.shareLabel(share) + "x", b);
    }

    /** The summary of a pretraining run the user gave ({@code --base}): its metrics and folder. */
    private synchronized Map<String, Object> givenBase() throws IOException {
        Path dir = spec.base();
        String name = "base (given: " + dir + ")";
        Map<String, Object> known = pretrainRuns.get(name);
        if (known != null) {
            return known;
        }
        Map<String, Object> s = new LinkedHashMap<>();
        List<double[]> curve = validationCurve(dir.resolve("metrics.jsonl"));
        s.put("tokens_seen", curve.isEmpty() ? 0L : (long) curve.get(curve.size() - 1)[0]);
        s.put("wall_s", lastElapsed(dir.resolve("metrics.jsonl")));
        if (!curve.isEmpty()) {
            double loss = curve.get(curve.size() - 1)[1];
            s.put("val_loss", loss);
            s.put("val_perplexity", Math.exp(loss));
        }
        s.put("folder", dir.toString());
        s.put("kind", "base");
        pretrainRuns.put(name, s);
        if (tokenizerFile == null && Files.exists(dir.resolve(Checkpoint.TOKENIZER))) {
            // scratch and multitask use the base's tokenizer, so only the weights differ
            tokenizerFile = dir.resolve(Checkpoint.TOKENIZER);
        }
        return s;
    }

    private static double lastElapsed(Path metrics) throws IOException {
        double t = 0;
        if (Files.exists(metrics)) {
            ObjectMapper m = new ObjectMapper();
            for (String line : Files.readAllLines(metrics)) {
                if (line.contains("\"elapsed_s\"")) {
                    t = Math.max(t, m.readTree(line).path("elapsed_s").asDouble());
                }
            }
        }
        return t;
    }

    private synchronized <E> Map<String, Object> mergedPretraining(Data<E> data) throws IOException {
        Path text = taskText(data);
        List<String> corpus = new ArrayList<>(spec.corpus());
        corpus.add(text.toString());
        return pretrain("merged", pretrainBuilder(spec.arch(), corpus, tokenizer(), spec.seed()));
    }

    /** The training split's text without labels: the task's unlabeled text. */
    private <E> Path taskText(Data<E> data) throws IOException {
        Path file = out.resolve("pretrain").resolve("task-text.txt");
        StringBuilder sb = new StringBuilder();
        for (E e : data.train()) {
            sb.append(data.text().apply(e).replace('\n', ' ').replace('\r', ' ')).append('\n');
        }
        String text = sb.toString();
        if (!Files.exists(file) || !Files.readString(file).equals(text)) {
            Files.createDirectories(file.getParent());
            AtomicFiles.writeString(file, text);
        }
        return file;
    }

    private synchronized Map<String, Object> tapt() throws IOException {
        Map<String, Object> base = basePretraining();
        Data<?> data = currentData;
        Path text = taskText(data);
        // a base inside DIR by its place in DIR (so a moved folder keeps its runs), a given one by its path
        Path baseFolder = folder(base).toAbsolutePath().normalize();
        Path root = out.toAbsolutePath().normalize();
        String baseId = baseFolder.startsWith(root) ? root.relativize(baseFolder).toString() : baseFolder.toString();
        String name = "tapt-" + hash(baseId + "|" + spec.taptEpochs() + "|" + DataFiles.sha256(text));
        Path dir = out.resolve("pretrain").resolve(name);
        Map<String, Object> done = readDone(dir);
        if (done != null) {
            pretrainRuns.put(name, done);
            return done;
        }
        if (onlyIfDone) {
            throw new NotDone();
        }
        log.println("experiment: LM fine-tuning on the task's text (" + name + ")");
        LmFineTuneSpec d = LmFineTuneSpec.defaults(folder(base), List.of(text.toString()), dir);
        LmFineTuneSpec s = new LmFineTuneSpec(d.from(), d.corpus(), dir, spec.taptEpochs(), 0, null,
                d.learningRate(), d.schedule(), d.warmup(), d.discriminative(), d.batchSize(), spec.seqLen(),
                d.maskProbability(), d.weightDecay(), d.clip(), spec.seed(), spec.threads(), true);
        long t0 = System.nanoTime();
        Map<String, Object> summary = new LinkedHashMap<>(LanguageModelFineTuning.run(s, registry, log));
        summary.putIfAbsent("wall_s", (System.nanoTime() - t0) / 1e9);
        summary.put("folder", dir.toString());
        writeDone(dir, summary);
        pretrainRuns.put(name, summary);
        return summary;
    }

    private synchronized Map<String, Object> labelsAsTextPretraining(Subset<ClassificationExample> subset, List<String> documents)
            throws IOException {
        Path file = out.resolve("pretrain").resolve("labeled-" + subset.key() + ".txt");
        int repeat = spec.labelRepeat();
        if (repeat == 0) {
            // about 5% of the corpus' documents, at least once each
            long corpusDocs = corpusDocuments();
            repeat = (int) Math.max(1, Math.round(0.05 * corpusDocs / Math.max(1, documents.size())));
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < repeat; r++) {
            for (String d : documents) {
                sb.append(d).append('\n');
            }
        }
        Files.createDirectories(file.getParent());
        String text = sb.toString();
        if (!Files.exists(file) || !Files.readString(file).equals(text)) {
            AtomicFiles.writeString(file, text);
        }
        List<String> corpus = new ArrayList<>(spec.corpus());
        corpus.add(file.toString());
        return pretrain("labels-" + subset.key(),
                pretrainBuilder(spec.decoderArch(), corpus, decoderTokenizer(), spec.seed()));
    }

    private long corpusDocumentsCache = -1;

    private long corpusDocuments() throws IOException {
        if (corpusDocumentsCache < 0) {
            dev.graft.data.Corpora corpora = dev.graft.data.Corpora.resolve(spec.corpus(), registry,
                    dev.graft.data.CorpusReader.Layout.LINES, log);
            try (Stream<String> docs = corpora.documents()) {
                corpusDocumentsCache = docs.count();
            }
        }
        return corpusDocumentsCache;
    }

    /**
     * A pretraining run, cached by its settings: reused when finished, resumed when interrupted.
     * The folder name hashes the settings that change the model (not threads, which change
     * nothing at a fixed step count, nor logging).
     */
    private Map<String, Object> pretrain(String kind, PretrainSpec.Builder builder) throws IOException {
        PretrainSpec probe = builder.build();
        StringBuilder id = new StringBuilder();
        // files by name and checksum, not by path: a moved experiment folder keeps its cached runs
        List<String> corpusNames = probe.corpus().stream().map(c -> Files.isRegularFile(Path.of(c))
                ? Path.of(c).getFileName().toString() : c).toList();
        id.append(probe.arch()).append('|').append(probe.objective()).append('|').append(corpusNames).append('|');
        for (String c : probe.corpus()) {
            Path p = Path.of(c);
            if (Files.isRegularFile(p)) {
                id.append(DataFiles.sha256(p)).append('|');
            }
        }
        id.append(DataFiles.sha256(probe.tokenizer())).append('|').append(probe.steps()).append('|').append(probe.maxTime())
                .append('|').append(probe.seqLen()).append('|').append(probe.batchSize()).append('|').append(probe.lr())
                .append('|').append(probe.seed());
        String name = kind + "-" + probe.arch() + "-" + hash(id.toString());
        Path dir = out.resolve("pretrain").resolve(name);
        Map<String, Object> done = readDone(dir);
        if (done != null) {
            pretrainRuns.put(name, done);
            return done;
        }
        if (onlyIfDone) {
            throw new NotDone();
        }
        boolean resume = Trainer.latestCheckpoint(dir) != null;
        log.println("experiment: pretraining " + name + (resume ? " (resuming)" : "") + " on " + probe.corpus());
        PretrainSpec ps = builder.out(dir).resume(resume).overwrite(!resume).build();
        Pretraining.Result r = Pretraining.run(ps, registry, log);
        Map<String, Object> summary = new LinkedHashMap<>(r.summary());
        summary.put("folder", dir.toString());
        summary.put("kind", kind);
        writeDone(dir, summary);
        pretrainRuns.put(name, summary);
        return summary;
    }

    private static Map<String, Object> readDone(Path dir) throws IOException {
        Path f = dir.resolve(DONE);
        if (!Files.exists(f)) {
            return null;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = JSON.readValue(f.toFile(), Map.class);
        return m;
    }

    private static void writeDone(Path dir, Map<String, Object> summary) throws IOException {
        AtomicFiles.writeString(dir.resolve(DONE), JSON.writeValueAsString(summary) + "\n");
    }

    private static Path folder(Map<String, Object> summary) {
        return Path.of((String) summary.get("folder"));
    }

    /** The model pretrained elsewhere: a checkpoint folder, or a known model imported once into GRAFT_HOME. */
    private synchronized Path pretrainedModel() throws IOException {
        Path given = Path.of(spec.pretrained());
        if (Files.isDirectory(given)) {
            return given;
        }
        KnownModels.Known known = KnownModels.find(spec.pretrained());
        if (known == null) {
            throw new IllegalArgumentException("--pretrained " + spec.pretrained() + ": no such folder, and not a "
                    + "known model name (known: minilm)");
        }
        Path dir = DataHome.home().resolve("models").resolve(known.name() + "-graft");
        if (Files.exists(dir.resolve(Checkpoint.WEIGHTS)) && Files.exists(dir.resolve(Checkpoint.TOKENIZER))) {
            return dir;
        }
        log.println("experiment: importing " + known.name() + " into " + dir);
        try (Staging staging = Staging.open(dir, "import", log)) { // beside dir; a stale one is removed
            Path work = staging.work();
            KnownModels.Fetched fetched = KnownModels.fetch(known, RegistryClients.fromEnvironment(),
                    DataHome.home().resolve("models"), work, log);
            Tokenizer t = Tokenizer.load(fetched.tokenizer());
            OnnxImport.Options options = new OnnxImport.Options(null, null, 0)
                    .withPadTokenId(t.specialTokens().padding().orElse(0));
            OnnxImport.Imported imported = OnnxImport.read(fetched.onnx(), options);
            if (Files.exists(dir)) {
                AtomicFiles.deleteRecursively(dir);
            }
            OnnxImport.save(imported, fetched.tokenizer(), dir);
        }
        return dir;
    }

    // ------------------------------------------------------------------------------ report

    private Data<?> currentData;
    /** Bases already warned about as frequency-only, so the log says it once each. */
    private final java.util.Set<String> warnedBases = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private <E> ReportContext reportContext(Data<E> data) throws IOException {
        List<DataProvenance> provenance = new ArrayList<>();
        for (String d : spec.data()) {
            provenance.addAll(provenance(d));
        }
        for (String c : spec.corpus()) {
            provenance.addAll(provenance(c));
        }
        List<PretrainingSummary> pre = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : pretrainRuns.entrySet()) {
            Map<String, Object> s = e.getValue();
            Path metrics = folder(s).resolve("metrics.jsonl");
            PretrainingSummary base = summaryOf(e.getKey(), s);
            pre.add(new PretrainingSummary(base.name(), base.tokens(), base.seconds(), base.finalLoss(),
                    base.finalPerplexity(), validationCurve(metrics), base.unigramLoss(), base.finalAccuracy(),
                    base.unigramAccuracy()));
        }
        return new ReportContext("graft experiment: " + spec.task().id() + " on " + data.name(), spec.task().id(),
                data.name(), spec.task() == HeadConfig.Task.CLASSIFY ? "accuracy" : "token_accuracy", "scratch",
                spec.toMap(), provenance, pre);
    }

    /** A pretraining run's summary map as a {@link PretrainingSummary} (without its curve). */
    private static PretrainingSummary summaryOf(String name, Map<String, Object> s) {
        double accuracy = Double.isFinite(number(s, "val_masked_accuracy")) ? number(s, "val_masked_accuracy")
                : number(s, "val_next_token_accuracy");
        return new PretrainingSummary(name, ((Number) s.getOrDefault("tokens_seen", 0)).longValue(),
                ((Number) s.getOrDefault("wall_s", 0.0)).doubleValue(), number(s, "val_loss"),
                number(s, "val_perplexity"), List.of(), number(s, "val_unigram_loss"), accuracy,
                number(s, "val_unigram_accuracy"));
    }

    private static boolean warnsAsFrequencyOnly(Map<String, Object> pre) {
        return summaryOf("base", pre).frequencyOnly();
    }

    private static double number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private List<DataProvenance> provenance(String spec) throws IOException {
        Path p = Path.of(spec);
        if (Files.isRegularFile(p)) {
            return List.of(new DataProvenance(p.getFileName().toString(), "file", DataFiles.sha256(p), p.toAbsolutePath()
                    .toString()));
        }
        List<DataProvenance> out = new ArrayList<>();
        String name = baseName(spec);
        DatasetCard card = registry.card(name);
        for (DatasetCard.SourceInfo s : card.sources()) {
            out.add(new DataProvenance(card.name(), s.packageName() + " " + s.version(), s.sha256(),
                    s.registry() + " package " + s.packageName() + (s.file() == null ? "" : " (" + s.file() + ")")));
        }
        return out;
    }

    /** (tokens, validation loss) points of a run's metrics.jsonl; tokens of an eval step from the train records. */
    static List<double[]> validationCurve(Path metrics) throws IOException {
        List<double[]> curve = new ArrayList<>();
        if (!Files.exists(metrics)) {
            return curve;
        }
        TreeMap<Long, Long> tokensAt = new TreeMap<>();
        List<long[]> evalSteps = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        for (String line : Files.readAllLines(metrics)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = m.readTree(line);
            String type = n.path("type").asText();
            if (type.equals("train") && n.has("tokens")) {
                tokensAt.put(n.path("step").asLong(), n.path("tokens").asLong());
            } else if (type.equals("eval") && n.has("val_loss")) {
                evalSteps.add(new long[]{n.path("step").asLong()});
                losses.add(n.path("val_loss").asDouble());
            }
        }
        for (int i = 0; i < evalSteps.size(); i++) {
            long step = evalSteps.get(i)[0];
            Map.Entry<Long, Long> floor = tokensAt.floorEntry(step);
            if (floor == null || floor.getKey() == 0) {
                continue;
            }
            double tokens = floor.getValue() * (double) step / floor.getKey();
            curve.add(new double[]{tokens, losses.get(i)});
        }
        return curve;
    }

    private static long lastTrainTokens(Path metrics) throws IOException {
        long tokens = 0;
        if (!Files.exists(metrics)) {
            return 0;
        }
        ObjectMapper m = new ObjectMapper();
        for (String line : Files.readAllLines(metrics)) {
            if (line.contains("\"type\":\"train\"")) {
                tokens = Math.max(tokens, m.readTree(line).path("tokens").asLong());
            }
        }
        return tokens;
    }

    /** Parameters of the model in a checkpoint folder, from its safetensors header (float32 weights). */
    private static long parameterCount(Path folder) throws IOException {
        Path w = folder.resolve(Checkpoint.WEIGHTS);
        if (!Files.exists(w)) {
            return 0;
        }
        return Files.size(w) / 4;
    }

    // ------------------------------------------------------------------------------ helpers

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
