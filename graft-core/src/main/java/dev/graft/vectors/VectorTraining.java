package dev.graft.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.SpecException;
import dev.graft.SpecIOException;
import dev.graft.data.Corpora;
import dev.graft.data.DatasetRegistry;
import dev.graft.io.Sha256;
import dev.graft.model.AtomicFiles;
import dev.graft.model.JsonFiles;
import dev.graft.model.SafeTensors;
import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.KernelProvider;
import dev.graft.tensor.kernel.Kernels;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code graft vectors train}: reads the corpus into units, trains PPMI-SVD or SGNS vectors and
 * writes the {@link WordVectors} folder. SGNS writes a checkpoint ({@value #CHECKPOINT}/) at the
 * end of every epoch and resumes from it; the settings of a run are kept in {@value #RUN_FILE} so
 * that a resume with other settings is an error.
 */
public final class VectorTraining {
    public static final String CHECKPOINT = "checkpoint";
    public static final String RUN_FILE = "run.json";
    private static final String STATE_FILE = "state.safetensors";
    private static final String STATE_JSON = "state.json";
    private static final Duration LOG_INTERVAL = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a run did: the folder (its summary is in config.json) and whether it finished. */
    public record Result(Path out, boolean complete) {
    }

    private VectorTraining() {
    }

    public static Result run(VectorsSpec spec, PrintStream log) throws IOException {
        return run(spec, DatasetRegistry.standard(), log, Integer.MAX_VALUE);
    }

    /**
     * Runs {@code spec}; an SGNS run stops (checkpointed, not finished) after {@code stopAfterEpochs}
     * epochs of this invocation, as if interrupted there.
     */
    public static Result run(VectorsSpec spec, DatasetRegistry registry, PrintStream log, int stopAfterEpochs)
            throws IOException {
        long start = System.nanoTime();
        Path out = spec.run().out();
        prepareOutput(spec);
        Corpora corpora = Corpora.resolve(spec.corpus(), registry, spec.layout(), log);
        log.println("corpus: " + String.join(", ", corpora.descriptions()));
        Tokenizer tokenizer = null;
        String tokenizerSha = null;
        if (spec.tokenizer() != null
                || (spec.run().resume() && Files.exists(out.resolve(WordVectors.TOKENIZER_FILE)))) {
            Path saved = out.resolve(WordVectors.TOKENIZER_FILE);
            byte[] bytes;
            if (spec.run().resume() && Files.exists(saved)) {
                bytes = Files.readAllBytes(saved);
            } else {
                Path given = Files.isDirectory(spec.tokenizer())
                        ? spec.tokenizer().resolve(WordVectors.TOKENIZER_FILE) : spec.tokenizer();
                if (!Files.isRegularFile(given)) {
                    throw new SpecIOException("tokenizer", "tokenizer " + spec.tokenizer() + ": no "
                            + WordVectors.TOKENIZER_FILE + " there; give the file or a folder holding one");
                }
                bytes = Files.readAllBytes(given);
                AtomicFiles.writeBytes(saved, bytes);
            }
            tokenizer = Tokenizer.load(saved);
            tokenizerSha = Sha256.hex(bytes);
            log.printf(Locale.ROOT, "tokenizer: %s (%s, %,d tokens)%n", spec.tokenizer() == null ? saved
                    : spec.tokenizer(), tokenizer.modelType(), tokenizer.vocabularySize());
        }

        long t0 = System.nanoTime();
        UnitCorpus corpus;
        try (Stream<String> docs = corpora.documents()) {
            corpus = tokenizer != null
                    ? UnitCorpus.ofTokens(docs.iterator(), tokenizer, spec.minCount(), spec.run().threads())
                    : UnitCorpus.ofWords(docs.iterator(), spec.minCount());
        }
        checkCorpus(spec, corpus);
        log.printf(Locale.ROOT, "units: %s, %,d occurrences, vocabulary %,d, trained %,d (at least %d occurrences; "
                        + "%,d occurrences kept), %,d never seen, %,d documents, read in %.1f s%n",
                spec.units() == UnitCorpus.Units.WORDS ? "words" : "tokens", corpus.occurrences(), corpus.size(),
                corpus.trainedUnits(), spec.minCount(), corpus.stream().length, corpus.unseenUnits(),
                corpus.documentEnds().length, (System.nanoTime() - t0) / 1e9);

        Map<String, Object> settings = settings(spec, corpora, tokenizerSha);
        Map<String, Object> summary = new LinkedHashMap<>(settings);
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("occurrences", corpus.occurrences());
        counts.put("trained_occurrences", corpus.stream().length);
        counts.put("documents", corpus.documentEnds().length);
        counts.put("vocabulary", corpus.size());
        counts.put("trained_units", corpus.trainedUnits());
        counts.put("untrained_units", corpus.size() - corpus.trainedUnits());
        counts.put("unseen_units", corpus.unseenUnits());
        summary.put("counts", counts);
        summary.put("untrained_rows", "zero");

        float[] vectors;
        try (Parallel parallel = new Parallel(spec.run().threads())) {
            if (spec.method() == VectorsSpec.Method.PPMI_SVD) {
                vectors = ppmiSvd(spec, corpus, parallel, log, summary);
            } else {
                vectors = sgns(spec, corpus, parallel, log, settings, stopAfterEpochs);
                if (vectors == null) {
                    return new Result(out, false);
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        summary.put("seconds", Math.round(seconds * 10) / 10.0);
        WordVectors.of(corpus.vocabulary(), vectors, spec.dim(), corpus.units(), tokenizer).save(out, summary);
        log.printf(Locale.ROOT, "wrote %s (%,d x %d) in %.1f s%n", out.resolve(WordVectors.VECTORS_FILE),
                corpus.size(), spec.dim(), seconds);
        return new Result(out, true);
    }

    private static void checkCorpus(VectorsSpec spec, UnitCorpus corpus) {
        String what = String.join(", ", spec.corpus());
        if (corpus.occurrences() == 0) {
            throw new IllegalArgumentException("corpus " + what + " holds no " + (spec.units()
                    == UnitCorpus.Units.WORDS ? "words" : "tokens") + ": check that the files are not empty");
        }
        if (corpus.stream().length == 0) {
            throw new SpecException("minCount", "corpus " + what + ": no unit occurs " + spec.minCount()
                    + " times or more (" + corpus.occurrences() + " occurrences in all); lower minCount or "
                    + "give more text");
        }
        int trained = corpus.trainedUnits();
        if (spec.dim() > trained) {
            throw new SpecException(List.of("dim", "minCount"), "dim " + spec.dim() + " is larger than the "
                    + trained + " units trained (seen at least " + spec.minCount() + " times in " + what + "): "
                    + "choose dim at most " + trained + ", lower minCount, or give more text");
        }
    }

    private static float[] ppmiSvd(VectorsSpec spec, UnitCorpus corpus, Parallel parallel, PrintStream log,
                                   Map<String, Object> summary) {
        long t0 = System.nanoTime();
        SparseMatrix counts = Cooccurrence.count(corpus, spec.window(), spec.weighting());
        long t1 = System.nanoTime();
        log.printf(Locale.ROOT, "co-occurrences: %,d non-zero cells of %,d x %,d in %.1f s%n", counts.nonZeros(),
                counts.rows(), counts.cols(), (t1 - t0) / 1e9);
        SparseMatrix ppmi = Ppmi.of(counts, spec.contextAlpha());
        long t2 = System.nanoTime();
        log.printf(Locale.ROOT, "ppmi: %,d positive cells in %.1f s%n", ppmi.nonZeros(), (t2 - t1) / 1e9);
        RandomizedSvd.Result svd = RandomizedSvd.compute(ppmi, spec.dim(), spec.oversample(),
                spec.powerIterations(), spec.run().seed(), parallel);
        long t3 = System.nanoTime();
        double[] s = svd.singularValues();
        log.printf(Locale.ROOT, "svd: rank %d in %.1f s; singular values %.3f .. %.3f%n", spec.dim(), (t3 - t2) / 1e9,
                s[0], s[s.length - 1]);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cooccurrence_cells", counts.nonZeros());
        m.put("ppmi_cells", ppmi.nonZeros());
        m.put("singular_values_first_last", List.of(s[0], s[s.length - 1]));
        summary.put("ppmi_svd", m);
        int d = spec.dim();
        float[] vectors = new float[corpus.size() * d];
        for (int i = 0; i < corpus.size(); i++) {
            System.arraycopy(svd.weightedRow(i, spec.eigenvalueWeight()), 0, vectors, i * d, d);
        }
        return vectors;
    }

    /** Trains SGNS with epoch checkpoints; null when stopped early (the checkpoint holds the state). */
    private static float[] sgns(VectorsSpec spec, UnitCorpus corpus, Parallel parallel, PrintStream log,
                                Map<String, Object> settings, int stopAfterEpochs) throws IOException {
        Path out = spec.run().out();
        Path checkpoint = out.resolve(CHECKPOINT);
        Kernels kernels = KernelProvider.create(parallel);
        SkipGram sgns = new SkipGram(corpus, spec.skipGramSettings(), kernels);
        SkipGram.State state;
        int done;
        if (spec.run().resume()) {
            checkSameRun(out.resolve(RUN_FILE), settings, log);
            JsonNode s = JSON.readTree(checkpoint.resolve(STATE_JSON).toFile());
            done = s.path("epochs_done").asInt(-1);
            Map<String, SafeTensors.Entry> t = SafeTensors.read(checkpoint.resolve(STATE_FILE));
            int size = corpus.size() * spec.dim();
            if (done < 0 || t.get("input") == null || t.get("output") == null
                    || t.get("input").floats().length != size || t.get("output").floats().length != size) {
                throw new SpecIOException("overwrite", checkpoint + ": not a checkpoint of this run (expected "
                        + "epochs_done and two (" + corpus.size() + ", " + spec.dim() + ") tensors); start it again "
                        + "(overwrite)");
            }
            state = new SkipGram.State(corpus.size(), spec.dim(), t.get("input").floats(), t.get("output").floats());
            log.printf(Locale.ROOT, "resuming after epoch %d of %d%n", done, spec.epochs());
        } else {
            JsonFiles.write(out.resolve(RUN_FILE), settings);
            state = sgns.initialState();
            done = 0;
        }
        int last = (int) Math.min(spec.epochs(), (long) done + stopAfterEpochs);
        log.printf(Locale.ROOT, "sgns: dim %d, window %d, %d negatives, %d epochs, %s kernels, %d thread(s)%n",
                spec.dim(), spec.window(), spec.negatives(), spec.epochs(), kernels.name(), spec.run().threads());
        Progress progress = new Progress(log, "sgns");
        long startNanos = System.nanoTime();
        long[] firstDone = {-1};
        long[] lastLog = {startNanos};
        sgns.train(state, done, last, parallel, (epoch, unitsDone, total, loss, rate) -> {
            if (firstDone[0] < 0) {
                firstDone[0] = (long) epoch * corpus.stream().length;
            }
            long now = System.nanoTime();
            double perSecond = (unitsDone - firstDone[0]) / Math.max(1e-9, (now - startNanos) / 1e9);
            Duration eta = perSecond > 0 ? Duration.ofSeconds((long) ((total - unitsDone) / perSecond)) : null;
            progress.update(unitsDone, total, loss, perSecond, eta);
            if (!progress.isBar() && now - lastLog[0] >= LOG_INTERVAL.toNanos()) {
                lastLog[0] = now;
                progress.logLine(String.format(Locale.ROOT, "epoch %d/%d units %,d/%,d (%.1f%%) loss %.4f rate %.5f "
                                + "%,.0f units/s ETA %s", epoch + 1, spec.epochs(), unitsDone, total,
                        100.0 * unitsDone / total, loss, rate, perSecond, Progress.format(eta)));
            }
        }, (epochsDone, s) -> {
            writeCheckpoint(checkpoint, s, epochsDone, spec.epochs());
            progress.logLine(String.format(Locale.ROOT, "epoch %d/%d done, %.1f s; checkpoint %s", epochsDone,
                    spec.epochs(), (System.nanoTime() - startNanos) / 1e9, checkpoint));
        });
        progress.finish();
        if (last < spec.epochs()) {
            log.printf(Locale.ROOT, "stopped after epoch %d of %d; continue with run.resume%n", last, spec.epochs());
            return null;
        }
        return state.input();
    }

    private static void writeCheckpoint(Path checkpoint, SkipGram.State s, int epochsDone, int epochs)
            throws IOException {
        Path staged = checkpoint.resolveSibling("." + CHECKPOINT + "-staging");
        AtomicFiles.deleteRecursively(staged);
        Files.createDirectories(staged);
        int[] shape = {s.size(), s.dim()};
        SafeTensors.write(staged.resolve(STATE_FILE), List.of(new SafeTensors.Named("input", shape, s.input()),
                new SafeTensors.Named("output", shape, s.output())), Map.of());
        JsonFiles.write(staged.resolve(STATE_JSON), Map.of("epochs_done", epochsDone, "epochs", epochs));
        AtomicFiles.publishDirectory(staged, checkpoint);
    }

    /** The settings a resumed run must share with the run it continues (threads only warn). */
    private static void checkSameRun(Path runFile, Map<String, Object> settings, PrintStream log) throws IOException {
        if (!Files.isRegularFile(runFile)) {
            throw new SpecIOException("overwrite", runFile + " is missing: the folder is not a graft vectors sgns "
                    + "run; start it again (overwrite)");
        }
        JsonNode before = JSON.readTree(runFile.toFile());
        JsonNode now = JSON.readTree(JSON.writeValueAsString(settings)); // parsed as the file is: 3 == 3L
        var names = now.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!now.get(name).equals(before.get(name))) {
                if (name.equals("threads")) {
                    log.println("warning: resuming with " + now.get(name) + " threads where the run used "
                            + before.get(name) + ": the result will differ from an uninterrupted run");
                    continue;
                }
                throw new SpecException("overwrite", "cannot resume " + runFile.getParent() + ": " + name + " is "
                        + now.get(name) + " but the run was started with " + before.get(name) + "; resume with the "
                        + "same settings, or start it again (overwrite)");
            }
        }
    }

    private static Map<String, Object> settings(VectorsSpec spec, Corpora corpora, String tokenizerSha) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", spec.method().label());
        m.put("units", spec.units() == UnitCorpus.Units.WORDS ? "words" : "tokenizer");
        m.put("dim", spec.dim());
        m.put("window", spec.window());
        m.put("min_count", spec.minCount());
        if (tokenizerSha != null) {
            m.put("tokenizer", spec.tokenizer() == null ? WordVectors.TOKENIZER_FILE : spec.tokenizer().toString());
            m.put("tokenizer_sha256", tokenizerSha);
        }
        m.put("corpus", corpora.descriptions());
        m.put("seed", spec.run().seed());
        if (spec.method() == VectorsSpec.Method.SGNS) {
            m.put("epochs", spec.epochs());
            m.put("negatives", spec.negatives());
            m.put("subsample", spec.subsample());
            m.put("learning_rate", spec.learningRate());
            m.put("noise_power", spec.noisePower());
            m.put("noise_table_size", spec.noiseTableSize());
            m.put("round_units", spec.roundUnits());
            m.put("threads", spec.run().threads());
        } else {
            m.put("weighting", spec.weighting().name().toLowerCase(Locale.ROOT));
            m.put("context_alpha", spec.contextAlpha());
            m.put("eigenvalue_weight", spec.eigenvalueWeight());
            m.put("oversample", spec.oversample());
            m.put("power_iterations", spec.powerIterations());
        }
        return m;
    }

    private static void prepareOutput(VectorsSpec spec) throws IOException {
        Path out = spec.run().out();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new SpecException("out", out + " exists and is not a folder: choose another folder as out");
        }
        if (spec.run().resume()) {
            if (!Files.isRegularFile(out.resolve(CHECKPOINT).resolve(STATE_JSON))) {
                throw new SpecException("resume", out + " has no checkpoint to continue from (one is written at the "
                        + "end of every sgns epoch): run without resume");
            }
            return;
        }
        boolean hasEntries;
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                hasEntries = s.findAny().isPresent();
            }
            if (hasEntries) {
                if (!spec.run().overwrite()) {
                    boolean sgns = spec.method() == VectorsSpec.Method.SGNS;
                    throw new SpecException(sgns ? List.of("overwrite", "resume", "out") : List.of("overwrite", "out"),
                            out + " already holds files: replace them (overwrite)" + (sgns ? ", continue that run "
                            + "(resume)" : "") + ", or choose another folder as out");
                }
                AtomicFiles.deleteRecursively(out);
            }
        }
        Files.createDirectories(out);
    }
}
