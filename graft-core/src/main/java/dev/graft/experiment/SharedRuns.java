package dev.graft.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.SpecException;
import dev.graft.baseline.VectorClassifier;
import dev.graft.data.DataFiles;
import dev.graft.data.DataHome;
import dev.graft.data.DatasetRegistry;
import dev.graft.data.RegistryClients;
import dev.graft.experiment.Experiment.Arm;
import dev.graft.experiment.Experiment.Data;
import dev.graft.experiment.Experiment.Subset;
import dev.graft.finetune.LanguageModelFineTuning;
import dev.graft.finetune.LmFineTuneSpec;
import dev.graft.io.Staging;
import dev.graft.model.AtomicFiles;
import dev.graft.model.JsonFiles;
import dev.graft.model.Checkpoint;
import dev.graft.model.SentenceTransformersConfig;
import dev.graft.model.KnownModels;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.pretrain.Pretraining;
import dev.graft.train.Trainer;
import dev.graft.vectors.VectorTraining;
import dev.graft.vectors.VectorsSpec;
import dev.graft.vectors.WordVectors;

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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * What an experiment's cells share: the tokenizers trained on the corpus, the pretraining runs (base, its
 * sweep, merged, the task-adaptive LM fine-tuning, labels-as-text's), the imported pretrained model and the
 * static vectors; and the settings, folder and log every {@link StrategyRun} needs.
 *
 * <p>Pretraining runs live in {@code pretrain/} under names that hash their configuration, are shared by every
 * strategy and cell that needs the same run, resume from their newest checkpoint when interrupted and are reused
 * once finished ({@code graft-done.json}, which keeps the trainer's summary; it is read back as a typed
 * {@link PretrainRun}). While {@link #lookupOnly} is set, runs are only looked up: an unfinished one throws
 * {@link NotDone} instead of training.
 */
final class SharedRuns {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Marker written into a finished pretraining folder. */
    static final String DONE = "graft-done.json";

    final ExperimentSpec spec;
    final DatasetRegistry registry;
    final PrintStream log;
    final Path out;
    private final Map<String, PretrainRun> pretrainRuns = new LinkedHashMap<>();
    private Path tokenizerFile;
    private Path decoderTokenizerFile;
    private volatile boolean onlyIfDone;
    private Data<?> currentData;
    /** Bases already warned about as frequency-only, so the log says it once each. */
    private final Set<String> warnedBases = ConcurrentHashMap.newKeySet();

    SharedRuns(ExperimentSpec spec, DatasetRegistry registry, PrintStream log) {
        this.spec = spec;
        this.registry = registry;
        this.log = log;
        this.out = spec.out();
    }

    /** The experiment's labeled data, for the runs that read the task's text. */
    void data(Data<?> data) {
        this.currentData = data;
    }

    /** Only look runs up from now on (an unfinished one throws {@link NotDone}), or train them again. */
    void lookupOnly(boolean only) {
        this.onlyIfDone = only;
    }

    boolean lookupOnly() {
        return onlyIfDone;
    }

    /** The pretraining runs used or looked up so far, by name, in the order first met. */
    synchronized Map<String, PretrainRun> pretrainRuns() {
        return new LinkedHashMap<>(pretrainRuns);
    }

    /** Threads of one cell's training: the experiment's threads shared by the cells running at once. */
    int cellThreads() {
        return Math.max(1, spec.run().threads() / spec.parallelCells());
    }

    /** The experiment's static vectors, trained on the corpus the first time. */
    WordVectors vectors() throws IOException {
        return VectorClassifier.shared(out, spec.corpus(), spec.run().threads(), spec.run().seed(), registry, log);
    }

    /**
     * Static vectors over the experiment's tokenizer, as wide as the model's token embeddings (the vectors
     * strategies' method, PPMI-SVD), trained on the corpus the first time: what {@code vectors-init} and
     * {@code vectors-init+mlm} start the embedding table from.
     */
    synchronized Path tokenVectors() throws IOException {
        Path tok = tokenizer();
        int dim = dev.graft.model.Presets.get(spec.arch()).embeddingSize();
        Path dir = out.resolve("pretrain").resolve("vectors-tokens-" + dim + "-"
                + hash(DataFiles.sha256(tok) + "|" + String.join(",", spec.corpus()) + "|" + spec.run().seed()));
        if (!Files.isRegularFile(dir.resolve(WordVectors.CONFIG_FILE))) {
            log.println("experiment: training static vectors (" + VectorClassifier.SHARED_METHOD.label() + ", dim "
                    + dim + ") over the tokenizer's tokens on " + String.join(", ", spec.corpus()) + " into " + dir);
            VectorsSpec v = VectorsSpec.builder(VectorClassifier.SHARED_METHOD, spec.corpus(), dir).tokenizer(tok)
                    .dim(dim).run(r -> r.withThreads(spec.run().threads()).withSeed(spec.run().seed())
                            .withOverwrite(true)).build();
            VectorTraining.run(v, registry, log, Integer.MAX_VALUE);
        }
        return dir;
    }

    /** The base pretraining run with its token embeddings started from {@link #tokenVectors()}. */
    synchronized PretrainRun vectorsInitPretraining() throws IOException {
        return pretrain("vectors-init", pretrainBuilder(spec.arch(), spec.corpus(), tokenizer(), spec.run().seed())
                .initEmbeddings(tokenVectors()));
    }

    /** Logs once per base that a strategy fine-tunes a base that learned little beyond word frequencies. */
    void warnIfFrequencyOnly(PretrainRun pre, Strategy strategy) {
        if (pre.frequencyOnly() && warnedBases.add(pre.folder().toString())) {
            log.printf(Locale.ROOT, "experiment: warning: the base %s learned little beyond word frequencies (%s), "
                    + "and %s fine-tunes it anyway (the report flags it)%n", pre.folder().getFileName(),
                    pre.frequencyComparison(), strategy.id());
        }
    }


    /** The tokenizer trained once on the corpus (WordPiece for encoders, BPE for decoders). */
    synchronized Path tokenizer() throws IOException {
        if (tokenizerFile == null && spec.pretraining().base() != null) {
            givenBase();
        }
        if (tokenizerFile == null) {
            tokenizerFile = trainTokenizer(spec.arch());
        }
        return tokenizerFile;
    }

    synchronized Path decoderTokenizer() throws IOException {
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
                + spec.pretraining().tokenizer().vocabSize() + "-" + hash(String.join(",", corpus)));
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
                dev.graft.tokenizer.TokenizerTrainer.Settings.of(type, spec.pretraining().tokenizer().vocabSize())
                        .withThreads(spec.run().threads()).withLowercase(encoder), corpora.asIterable());
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

    private PretrainSpec.Builder pretrainBuilder(String arch, List<String> corpus, Path tokenizer, long seed)
            throws IOException {
        PretrainSpec.Builder b = PretrainSpec.builder(arch, corpus, out.resolve("pretrain").resolve("pending"))
                .tokenizer(t -> t.withPath(tokenizer)).seqLen(spec.pretraining().seqLen())
                .run(r -> r.withThreads(spec.run().threads()).withSeed(seed))
                // a validation pass every 50 updates (about 5% of the compute): enough points for the report's
                // loss curve and its loss-per-doubling figure in runs of a few minutes
                .monitoring(m -> m.withIntervals(m.logEvery(), 50, 100).withKeepCheckpoints(1));
        if (spec.pretraining().inDomainRepeat() > 0) {
            // the task's own unlabeled text, repeated, in every pretraining run of graft's own
            b.inDomain(List.of(taskText(currentData))).inDomainRepeat(spec.pretraining().inDomainRepeat());
        }
        spec.pretraining().recipe().applyTo(b, setting -> false);
        return spec.pretraining().steps() > 0 ? b.run(r -> r.withSteps(spec.pretraining().steps()))
                : b.run(r -> r.withMaxTime(spec.pretraining().time()));
    }

    synchronized PretrainRun basePretraining() throws IOException {
        if (spec.pretraining().base() != null) {
            return givenBase();
        }
        return pretrain("base", pretrainBuilder(spec.arch(), spec.corpus(), tokenizer(), spec.run().seed()));
    }

    /**
     * The base pretraining run shortened to {@code share} of the budget (time or steps), with its own
     * schedule: a run of that length, not a snapshot of the full one (whose learning rate has not decayed yet).
     */
    synchronized PretrainRun basePretraining(double share) throws IOException {
        PretrainSpec.Builder b = pretrainBuilder(spec.arch(), spec.corpus(), tokenizer(), spec.run().seed());
        b = spec.pretraining().steps() > 0 ? b.run(r -> r.withSteps(spec.pretraining().sweepSteps(share)))
                : b.run(r -> r.withMaxTime(spec.pretraining().sweepTime(share)));
        return pretrain("base-" + Arm.shareLabel(share) + "x", b);
    }

    /** The summary of a pretraining run the user gave ({@code --base}): its metrics and folder. */
    private synchronized PretrainRun givenBase() throws IOException {
        Path dir = spec.pretraining().base();
        String name = "base (given: " + dir + ")";
        PretrainRun known = pretrainRuns.get(name);
        if (known != null) {
            return known;
        }
        List<double[]> curve = validationCurve(dir.resolve("metrics.jsonl"));
        double loss = curve.isEmpty() ? Double.NaN : curve.get(curve.size() - 1)[1];
        PretrainRun run = new PretrainRun(name, dir, curve.isEmpty() ? 0L : (long) curve.get(curve.size() - 1)[0],
                lastElapsed(dir.resolve("metrics.jsonl")), loss, Math.exp(loss), Double.NaN, Double.NaN, Double.NaN);
        pretrainRuns.put(name, run);
        if (tokenizerFile == null && Files.exists(dir.resolve(Checkpoint.TOKENIZER))) {
            // scratch and multitask use the base's tokenizer, so only the weights differ
            tokenizerFile = dir.resolve(Checkpoint.TOKENIZER);
        }
        return run;
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

    synchronized <E> PretrainRun mergedPretraining(Data<E> data) throws IOException {
        Path text = taskText(data);
        List<String> corpus = new ArrayList<>(spec.corpus());
        corpus.add(text.toString());
        return pretrain("merged", pretrainBuilder(spec.arch(), corpus, tokenizer(), spec.run().seed()));
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

    synchronized PretrainRun tapt() throws IOException {
        PretrainRun base = basePretraining();
        Data<?> data = currentData;
        Path text = taskText(data);
        // a base inside DIR by its place in DIR (so a moved folder keeps its runs), a given one by its path
        Path baseFolder = base.folder().toAbsolutePath().normalize();
        Path root = out.toAbsolutePath().normalize();
        String baseId = baseFolder.startsWith(root) ? root.relativize(baseFolder).toString() : baseFolder.toString();
        String name = "tapt-" + hash(baseId + "|" + spec.taptEpochs() + "|" + DataFiles.sha256(text));
        Path dir = out.resolve("pretrain").resolve(name);
        PretrainRun done = finished(name, dir);
        if (done != null) {
            return done;
        }
        log.println("experiment: LM fine-tuning on the task's text (" + name + ")");
        LmFineTuneSpec d = LmFineTuneSpec.defaults(base.folder(), List.of(text.toString()), dir);
        LmFineTuneSpec s = d.withBatches(d.batchSize(), spec.pretraining().seqLen(), d.discriminative())
                .withRun(d.run().withEpochs(spec.taptEpochs()).withSeed(spec.run().seed())
                        .withThreads(spec.run().threads()).withOverwrite(true));
        ObjectNode summary = LanguageModelFineTuning.run(s, registry, log).toJson();
        summary.put("folder", dir.toString());
        writeDone(dir, summary);
        PretrainRun run = PretrainRun.of(name, summary);
        pretrainRuns.put(name, run);
        return run;
    }

    synchronized PretrainRun labelsAsTextPretraining(Subset<?> subset, List<String> documents)
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
                pretrainBuilder(spec.decoderArch(), corpus, decoderTokenizer(), spec.run().seed()));
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
    private PretrainRun pretrain(String kind, PretrainSpec.Builder builder) throws IOException {
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
        // the folder's name hashes these: keep their order and format, or earlier experiments no longer resume
        id.append(DataFiles.sha256(probe.tokenizer().path())).append('|').append(probe.run().steps()).append('|')
                .append(probe.run().maxTime()).append('|').append(probe.seqLen()).append('|').append(probe.batchSize())
                .append('|').append(probe.optimizer().learningRate()).append('|').append(probe.run().seed());
        if (!probe.inDomain().isEmpty()) {
            // only when given, so that the runs of experiments without in-domain text keep their names
            id.append("|in-domain");
            for (Path p : probe.inDomain()) {
                id.append('|').append(DataFiles.sha256(p));
            }
            id.append('x').append(probe.inDomainRepeat());
        }
        if (spec.pretraining().recipe() != dev.graft.pretrain.PretrainSpec.Recipe.DEFAULT) {
            // only when not the default, as in-domain text: other runs keep their names
            id.append("|recipe=").append(spec.pretraining().recipe().id());
        }
        if (probe.groupsByLength(null, false)) {
            // batches grouped by length (sentence examples, since session 18): not the runs of before, which
            // were not; only when on, so that other runs keep their names
            id.append("|grouped");
        }
        if (probe.initEmbeddings() != null) {
            // only when given, as in-domain text: other runs keep their names
            id.append("|init-embeddings|")
                    .append(DataFiles.sha256(probe.initEmbeddings().resolve(WordVectors.VECTORS_FILE)));
        }
        String name = kind + "-" + probe.arch() + "-" + hash(id.toString());
        Path dir = out.resolve("pretrain").resolve(name);
        PretrainRun done = finished(name, dir);
        if (done != null) {
            return done;
        }
        boolean resume = Trainer.latestCheckpoint(dir) != null;
        log.println("experiment: pretraining " + name + (resume ? " (resuming)" : "") + " on " + probe.corpus());
        PretrainSpec ps = builder.run(r -> r.withOut(dir).withResume(resume).withOverwrite(!resume)).build();
        Pretraining.Result r = Pretraining.run(ps, registry, log);
        ObjectNode summary = r.toJson();
        summary.put("folder", dir.toString());
        summary.put("kind", kind);
        writeDone(dir, summary);
        PretrainRun run = PretrainRun.of(name, summary);
        pretrainRuns.put(name, run);
        return run;
    }

    /**
     * The finished run in {@code dir}, remembered for the report; null when it is to be run (or resumed);
     * {@link NotDone} instead while {@link #lookupOnly} is set.
     */
    private PretrainRun finished(String name, Path dir) throws IOException {
        PretrainRun done = readDone(name, dir);
        if (done != null) {
            pretrainRuns.put(name, done);
            return done;
        }
        if (onlyIfDone) {
            throw new NotDone();
        }
        return null;
    }

    /** The finished run in {@code dir} ({@code graft-done.json}), or null. */
    private static PretrainRun readDone(String name, Path dir) throws IOException {
        Path f = dir.resolve(DONE);
        if (!Files.exists(f)) {
            return null;
        }
        return PretrainRun.of(name, JSON.readTree(f.toFile()));
    }

    private static void writeDone(Path dir, ObjectNode summary) throws IOException {
        JsonFiles.write(dir.resolve(DONE), summary);
    }

    /** The model pretrained elsewhere: a checkpoint folder, or a known model imported once into GRAFT_HOME. */
    synchronized Path pretrainedModel() throws IOException {
        Path given = Path.of(spec.pretrained());
        if (Files.isDirectory(given)) {
            return given;
        }
        KnownModels.Known known = KnownModels.find(spec.pretrained());
        if (known == null) {
            throw new SpecException("pretrained", "pretrained " + spec.pretrained() + ": no such folder, and not a "
                    + "known model name (known: " + KnownModels.names() + ")");
        }
        return importedKnownModel(known, RegistryClients.fromEnvironment(), DataHome.home().resolve("models"), log);
    }

    /**
     * The folder {@code MODELS/NAME-graft} holding {@code known} as graft imports it, imported (from the cached
     * download, else through the registry's client) when it is missing or was imported by an older graft without
     * the model's sentence-transformers settings: setfit and the probes pool as those settings say (all-MiniLM-L6-v2
     * normalized), so such a folder would give other embeddings than the model card's.
     */
    static Path importedKnownModel(KnownModels.Known known, RegistryClients clients, Path models, PrintStream log)
            throws IOException {
        Path dir = models.resolve(known.name() + "-graft");
        boolean imported = Files.exists(dir.resolve(Checkpoint.WEIGHTS)) && Files.exists(dir.resolve(Checkpoint.TOKENIZER));
        if (imported && Files.exists(dir.resolve(SentenceTransformersConfig.MODULES))) {
            return dir;
        }
        log.println(imported ? "experiment: " + dir + " was imported without the model's sentence-transformers "
                + "settings (by an older graft); importing " + known.name() + " again"
                : "experiment: importing " + known.name() + " into " + dir);
        try (Staging staging = Staging.open(dir, "import", log)) { // beside dir; a stale one is removed
            if (Files.exists(dir)) {
                AtomicFiles.deleteRecursively(dir);
            }
            KnownModels.install(known, clients, models, staging.work(), dir, null, null, log);
        }
        return dir;
    }

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

    static long lastTrainTokens(Path metrics) throws IOException {
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
    static long parameterCount(Path folder) throws IOException {
        Path w = folder.resolve(Checkpoint.WEIGHTS);
        if (!Files.exists(w)) {
            return 0;
        }
        return Files.size(w) / 4;
    }

    static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }


    /** Thrown by a lookup of a shared run that is not finished while {@link #lookupOnly} is set. */
    static final class NotDone extends RuntimeException {
        NotDone() {
            super(null, null, false, false);
        }
    }
}
