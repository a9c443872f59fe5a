package dev.graft.experiment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.SpecException;
import dev.graft.data.BadInput;
import dev.graft.data.ClassificationExample;
import dev.graft.data.DataFiles;
import dev.graft.data.Dataset;
import dev.graft.data.DatasetCard;
import dev.graft.data.DatasetDefinition;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.LabelSet;
import dev.graft.data.Split;
import dev.graft.data.TaggingExample;
import dev.graft.finetune.DataSources;
import dev.graft.model.AtomicFiles;
import dev.graft.model.JsonFiles;
import dev.graft.model.HeadConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

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
 * newest checkpoint when interrupted and are reused once finished ({@code graft-done.json}; {@link
 * SharedRuns}). A cell whose result is in {@code results.jsonl} is not run again; an interrupted cell is
 * run again.
 *
 * <p>This class keeps the cells, the subsets and resume; what a strategy does is its {@link StrategyRun}
 * ({@link Strategy#run()}), which this class calls without knowing which strategy it runs.
 */
public final class Experiment {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Marker written into a finished pretraining folder. */
    static final String DONE = SharedRuns.DONE;

    private final ExperimentSpec spec;
    private final DatasetRegistry registry;
    private final PrintStream log;
    private final Path out;
    private final SharedRuns shared;

    private Experiment(ExperimentSpec spec, DatasetRegistry registry, PrintStream log) {
        this.spec = spec;
        this.registry = registry;
        this.log = log;
        this.out = spec.out();
        this.shared = new SharedRuns(spec, registry, log);
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
        spec.pretraining().sweep().forEach(f -> arms.add(new Arm(Strategy.TRANSFER, f)));
        return arms;
    }

    /** The labeled subset of one (budget, seed) cell: what every strategy of that cell gets. */
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
        JsonFiles.write(config, m);
        return switch (spec.task()) {
            case CLASSIFY -> runWith(classificationData());
            case TAG -> runWith(taggingData());
            case PAIR -> runWith(fileData(dev.graft.task.PairTask.HEAD, "train.jsonl,test.jsonl",
                    e -> e.text() + " " + e.field(dev.graft.data.ClassificationReader.TEXT_PAIR)));
            case MULTI_LABEL -> runWith(fileData(dev.graft.task.MultiLabelTask.HEAD, "train.jsonl,test.jsonl",
                    dev.graft.data.MultiLabelExample::text));
        };
    }

    /**
     * The score results and the report give for {@code task}: accuracy (classification, pairs), token accuracy
     * (tagging), micro-F1 (multi-label; macro-F1 is in each result's test metrics).
     */
    static String metric(HeadConfig.Task task) {
        return switch (task) {
            case CLASSIFY, PAIR -> "accuracy";
            case TAG -> "token_accuracy";
            case MULTI_LABEL -> "micro_f1";
        };
    }

    /**
     * Data of a head no registry dataset holds (multi-label, pairs): two files, read by the head; its text
     * for the task's-text corpora is {@code text} (a pair's two texts joined by a space).
     */
    private <E> Data<E> fileData(dev.graft.task.Head<E, ?> head, String fileExample, Function<E, String> text)
            throws IOException {
        return data(head.registryKind(), fileExample,
                (sources, spec, role, known) -> sources.labeled(head, spec, role, known, BadInput.strict()), text);
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
            throw new SpecException("data", "data " + trainSpec + " is not a dataset name (graft data list); "
                    + "for your own files give two: data " + fileExample);
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
                long seed = spec.run().seed() + k;
                // multi-label: one stratum, so the draw keeps every label present when the budget allows
                Dataset<E> labeled = spec.task() == HeadConfig.Task.MULTI_LABEL
                        ? train.takeCoveringLabels(Math.min(budget, train.size()), seed)
                        : train.take(Math.min(budget, train.size()), seed);
                if (spec.protocol().folds() > 0) {
                    // the few-label protocol: the whole subset trains, cross-validation inside it chooses
                    if (labeled.size() < 2 * spec.protocol().folds()) {
                        throw new SpecException(List.of("budgets", "protocol.folds"), "budget "
                                + ExperimentSpec.budgetLabel(budget) + " has " + labeled.size() + " examples: too few "
                                + "for " + spec.protocol().folds() + "-fold cross-validation; use larger budgets or "
                                + "fewer protocol.folds");
                    }
                    out.add(new Subset<>(budget, k, seed, labeled, labeled.head(0)));
                    continue;
                }
                Dataset.Carve<E> carve = labeled.carveDev(spec.protocol().devFraction(), seed);
                if (carve.heldOut().isEmpty() || carve.train().isEmpty()) {
                    throw new IllegalArgumentException("budget " + ExperimentSpec.budgetLabel(budget) + " leaves no "
                            + "dev or no training example after carving " + spec.protocol().devFraction()
                            + " for early stopping: use larger budgets");
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
        shared.data(data);
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
        List<Double> costs = new ArrayList<>(); // each pending cell's estimated cost, in pending's order
        List<Boolean> large = new ArrayList<>(); // whether it trains a large imported model, in pending's order
        double[] costDone = {0};
        double[] costLeft = {0};
        java.util.Set<Strategy> pendingStrategies = java.util.EnumSet.noneOf(Strategy.class);
        int[] done = {0};
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
                double cost = cellCost(arm.strategy(), subset.train().size() + subset.dev().size(),
                        spec.mix() * spec.lmSequenceLength() / 128.0);
                costs.add(cost);
                large.add(largeModel(arm.strategy()));
                costLeft[0] += cost;
                pending.add(() -> {
                    long t0 = System.nanoTime();
                    CellResult r = runCell(arm, subset, data);
                    synchronized (results) {
                        costDone[0] += cost;
                        costLeft[0] -= cost;
                        results.put(key, r);
                        try {
                            writeResults(resultsFile, results);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        done[0]++;
                        double elapsed = (System.nanoTime() - started) / 1e9;
                        double cellsElapsed = (System.nanoTime() - cellsStarted[0]) / 1e9;
                        int left = total - done[0];
                        // the time left in proportion to the estimated cost left (the cells run longest first)
                        String eta = left == 0 ? "" : "; about " + clock(cellsElapsed / costDone[0]
                                * Math.max(0, costLeft[0])) + " left at this pace";
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
            List<Integer> order = longestFirstOrder(costs);
            runCells(order.stream().map(pending::get).toList(), order.stream().map(large::get).toList(),
                    Math.min(spec.parallelCells(), pending.size()));
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
            shared.lookupOnly(!pending.contains(s));
            try {
                s.run().preparation().prepare(shared, data, pending.contains(s));
            } catch (SharedRuns.NotDone e) {
                // a run no pending cell needs and that is not (or no longer) in DIR: the report leaves it out
            } finally {
                shared.lookupOnly(false);
            }
        }
    }

    /**
     * A cell's cost relative to a scratch cell of one label: the labels times the strategy's cost per label
     * (measured in the full demo of 2026-12-06 on 2 cores, one thread per cell: scratch, transfer, merged and
     * vectors-init cost about the same, MiniLM about 2.5 times, multitask with a quarter LM batch per task
     * batch about 3.3 times, each LM batch the size of about 9 task batches; the linear baselines next to
     * nothing). Only the order of the cells and the time-left estimate depend on it.
     *
     * @param mix multitask's LM batches per task batch, in batches of 128-token sequences (the mix times the
     *            LM sequence length over 128)
     */
    static double cellCost(Strategy strategy, int labels, double mix) {
        double perLabel = switch (strategy) {
            case BOW, VECTORS, BOW_VECTORS, PROBE, PROBE_OWN, PROBE_DISTILLED -> 0.01;
            case MULTITASK -> 1 + 9 * mix;
            case PRETRAINED, SETFIT, SETFIT_OWN -> 2.5;
            case LABELS_AS_TEXT -> 10; // a pretraining run per cell
            default -> 1;
        };
        return perLabel * Math.max(1, labels);
    }

    /**
     * The indices of the cells (by their {@code costs}) in the order they run: the costliest first (a stable
     * sort, so equal costs keep the order of strategies, budgets and seeds). With the longest cells first the
     * last ones are short, so no worker waits long for the others at the end (longest-processing-time-first scheduling); in strategy order the MiniLM
     * cells came last and the demo's final two minutes ran one cell on one of the two cores.
     */
    static List<Integer> longestFirstOrder(List<Double> costs) {
        Integer[] order = new Integer[costs.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(costs.get(b), costs.get(a)));
        return List.of(order);
    }

    /**
     * Whether a strategy's cells fine-tune a large imported model (all-MiniLM-L6-v2, bge-small-en: 22-33 M
     * parameters, four to six times bert-mini, each fold run about 0.9 GB of weights, gradients, AdamW's
     * moments and activations, and the last fold run's arrays garbage until the next marking).
     */
    static boolean largeModel(Strategy strategy) {
        return strategy == Strategy.PRETRAINED || strategy == Strategy.SETFIT;
    }

    /**
     * Runs the cells on {@code workers} threads, in order, with one exception: at most one cell that trains a
     * large model ({@code large}) runs at a time. A free worker takes the first waiting cell it may start: a
     * large one only while no other large one runs. Two all-MiniLM-L6-v2 cells at once were the demo's peak
     * of memory (docs/PERFORMANCE.md, "Session 17: the heap under load"); beside a bert-mini cell instead,
     * the same cells take the same time on two cores. When only large cells are left, they run one after
     * another. The first failure stops handing out cells; the running ones finish, then it is thrown.
     */
    static void runCells(List<Runnable> cells, List<Boolean> large, int workers) throws IOException {
        if (workers <= 1) {
            cells.forEach(Runnable::run);
            return;
        }
        Object lock = new Object();
        java.util.LinkedList<Integer> waiting = new java.util.LinkedList<>();
        for (int i = 0; i < cells.size(); i++) {
            waiting.add(i);
        }
        int[] largeRunning = {0};
        Throwable[] failure = {null};
        Runnable worker = () -> {
            while (true) {
                int pick = -1;
                synchronized (lock) {
                    while (pick < 0) {
                        if (failure[0] != null || waiting.isEmpty()) {
                            return;
                        }
                        for (java.util.Iterator<Integer> it = waiting.iterator(); it.hasNext(); ) {
                            int i = it.next();
                            if (!large.get(i) || largeRunning[0] == 0) {
                                it.remove();
                                pick = i;
                                break;
                            }
                        }
                        if (pick < 0) {
                            try {
                                lock.wait();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                    }
                    if (large.get(pick)) {
                        largeRunning[0]++;
                    }
                }
                try {
                    cells.get(pick).run();
                } catch (Throwable t) {
                    synchronized (lock) {
                        if (failure[0] == null) {
                            failure[0] = t;
                        }
                    }
                } finally {
                    synchronized (lock) {
                        if (large.get(pick)) {
                            largeRunning[0]--;
                        }
                        lock.notifyAll();
                    }
                }
            }
        };
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(worker, "graft-cell");
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        if (failure[0] != null) {
            if (failure[0] instanceof java.io.UncheckedIOException u) {
                throw u.getCause();
            }
            if (failure[0] instanceof RuntimeException r) {
                throw r;
            }
            if (failure[0] instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(failure[0]);
        }
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
        if (e instanceof dev.graft.data.MultiLabelExample m) {
            return m.id();
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
        String metric = metric(spec.task());
        try {
            recordSubset(arm, subset);
            return arm.strategy().run().run(new StrategyRun.Cell<>(arm, subset, data, metric), shared);
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

    // ------------------------------------------------------------------------------ report


    private <E> ReportContext reportContext(Data<E> data) throws IOException {
        List<DataProvenance> provenance = new ArrayList<>();
        for (String d : spec.data()) {
            provenance.addAll(provenance(d));
        }
        for (String c : spec.corpus()) {
            // A corpus named by dataset and never fetched was not read: every reader fetches it first
            // (Corpora.resolve). Strategies such as bow, pretrained or distilled leave the default corpus
            // unread, and its missing card must not fail the report after every cell has run.
            if (Files.isRegularFile(Path.of(c)) || registry.isFetched(baseName(c))) {
                provenance.addAll(provenance(c));
            }
        }
        List<PretrainingSummary> pre = new ArrayList<>();
        for (PretrainRun run : shared.pretrainRuns().values()) {
            pre.add(run.summary(SharedRuns.validationCurve(run.folder().resolve("metrics.jsonl"))));
        }
        return new ReportContext("graft experiment: " + spec.task().id() + " on " + data.name(), spec.task().id(),
                data.name(), metric(spec.task()), "scratch",
                JSON.writeValueAsString(spec.toMap()), provenance, pre);
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

    // ------------------------------------------------------------------------------ helpers

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    static String hash(String s) {
        return SharedRuns.hash(s);
    }

}
