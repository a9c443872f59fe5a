package dev.graft.vectors;

import dev.graft.SpecException;
import dev.graft.pretrain.PretrainSpec;
import dev.graft.data.CorpusReader;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@code graft vectors train} needs, validated. The defaults are the published ones:
 * word2vec.c's for skip-gram (rate 0.025, t = 1e-4, noise power 0.75, 5 negatives, 5 epochs) and
 * Levy, Goldberg and Dagan (2015) for PPMI-SVD (context smoothing 0.75, eigenvalue weight 0.5).
 *
 * @param method           sgns or ppmi-svd
 * @param corpus           dataset names or text files
 * @param layout           how corpus files are read (a document per line, or per paragraph)
 * @param tokenizer        a tokenizer.json (or its folder): units are its tokens; null for lowercased words
 * @param dim              vector size
 * @param window           largest distance of a context
 * @param minCount         units seen fewer times are left out of training (a zero row)
 * @param epochs           passes over the corpus (sgns)
 * @param negatives        noise samples per pair (sgns)
 * @param threads          threads
 * @param seed             seed of every random choice
 * @param out              output folder
 * @param resume           continue the sgns run in {@code out} from its last epoch checkpoint
 * @param overwrite        delete a non-empty {@code out} first
 * @param subsample        sgns frequent-unit subsampling threshold t (0: off)
 * @param learningRate     sgns initial rate, decayed linearly to {@code 1e-4} of itself
 * @param noisePower       exponent of the unigram noise distribution (sgns)
 * @param noiseTableSize   entries of the noise table (word2vec.c uses 1e8)
 * @param roundUnits       sgns units between merges of the threads' copies (only with threads > 1)
 * @param contextAlpha     PPMI context-distribution smoothing exponent
 * @param weighting        how a co-occurrence's weight falls with distance (ppmi-svd)
 * @param eigenvalueWeight p in {@code U · S^p} (ppmi-svd)
 * @param oversample       extra random directions of the randomized SVD
 * @param powerIterations  power iterations of the randomized SVD
 */
public record VectorsSpec(Method method, List<String> corpus, CorpusReader.Layout layout, Path tokenizer, int dim,
                          int window, int minCount, int epochs, int negatives, int threads, long seed, Path out,
                          boolean resume, boolean overwrite, double subsample, double learningRate, double noisePower,
                          int noiseTableSize, int roundUnits, double contextAlpha, Cooccurrence.Weighting weighting,
                          double eigenvalueWeight, int oversample, int powerIterations) {

    /** The two ways to make vectors. */
    public enum Method {
        SGNS("sgns"), PPMI_SVD("ppmi-svd");

        private final String label;

        Method(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Method parse(String s) {
            for (Method m : values()) {
                if (m.label.equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
            throw new SpecException("method", "unknown method '" + s + "': use sgns or ppmi-svd");
        }
    }

    public static final int DEFAULT_DIM = 256;
    public static final int DEFAULT_WINDOW = 5;
    public static final int DEFAULT_MIN_COUNT = 5;
    public static final int DEFAULT_EPOCHS = 5;
    public static final int DEFAULT_NEGATIVES = 5;
    public static final long DEFAULT_SEED = 42;
    public static final double DEFAULT_SUBSAMPLE = 1e-4;
    public static final double DEFAULT_LEARNING_RATE = 0.025;
    public static final double DEFAULT_NOISE_POWER = 0.75;
    public static final int DEFAULT_NOISE_TABLE_SIZE = 10_000_000;
    public static final int DEFAULT_ROUND_UNITS = 100_000;
    public static final double DEFAULT_CONTEXT_ALPHA = 0.75;
    public static final Cooccurrence.Weighting DEFAULT_WEIGHTING = Cooccurrence.Weighting.LINEAR;
    public static final double DEFAULT_EIGENVALUE_WEIGHT = 0.5;
    public static final int DEFAULT_OVERSAMPLE = 10;
    public static final int DEFAULT_POWER_ITERATIONS = 3;

    public VectorsSpec {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(weighting, "weighting");
        layout = layout == null ? CorpusReader.Layout.LINES : layout;
        corpus = PretrainSpec.requireCorpus(corpus);
        for (var f : List.of(Map.entry("dim", dim), Map.entry("window", window), Map.entry("minCount", minCount),
                Map.entry("epochs", epochs), Map.entry("negatives", negatives), Map.entry("threads", threads),
                Map.entry("noiseTableSize", noiseTableSize), Map.entry("roundUnits", roundUnits))) {
            SpecException.positive(f.getKey(), f.getValue());
        }
        if (resume && overwrite) {
            throw new SpecException(List.of("resume", "overwrite"), "resume and overwrite contradict each other: "
                    + "choose one");
        }
        if (resume && method != Method.SGNS) {
            throw new SpecException(List.of("resume", "overwrite"), "resume applies to sgns only: ppmi-svd runs in "
                    + "one pass without checkpoints; rerun it with overwrite");
        }
        SpecException.nonNegative("subsample", subsample);
        SpecException.positive("learningRate", learningRate);
        SpecException.positive("noisePower", noisePower);
        if (!(contextAlpha > 0 && contextAlpha <= 1)) {
            throw new SpecException("contextAlpha", "contextAlpha must be in (0, 1], got " + contextAlpha);
        }
        if (!(eigenvalueWeight >= 0 && eigenvalueWeight <= 1)) {
            throw new SpecException("eigenvalueWeight", "eigenvalueWeight must be in [0, 1], got "
                    + eigenvalueWeight);
        }
        SpecException.nonNegative("oversample", oversample);
        SpecException.nonNegative("powerIterations", powerIterations);
    }

    /** The units: a tokenizer's tokens or lowercased words. */
    public UnitCorpus.Units units() {
        return tokenizer == null ? UnitCorpus.Units.WORDS : UnitCorpus.Units.TOKENIZER;
    }

    /** The skip-gram settings of this spec. */
    public SkipGram.Settings skipGramSettings() {
        return new SkipGram.Settings(dim, window, negatives, epochs, subsample, learningRate, noisePower,
                noiseTableSize, roundUnits, threads, seed);
    }

    public static Builder builder(Method method, List<String> corpus, Path out) {
        return new Builder(method, corpus, out);
    }

    /** Builds a spec from the defaults. */
    public static final class Builder {
        private final Method method;
        private final List<String> corpus;
        private final Path out;
        private CorpusReader.Layout layout = CorpusReader.Layout.LINES;
        private Path tokenizer;
        private int dim = DEFAULT_DIM;
        private int window = DEFAULT_WINDOW;
        private int minCount = DEFAULT_MIN_COUNT;
        private int epochs = DEFAULT_EPOCHS;
        private int negatives = DEFAULT_NEGATIVES;
        private int threads = Runtime.getRuntime().availableProcessors();
        private long seed = DEFAULT_SEED;
        private boolean resume;
        private boolean overwrite;
        private double subsample = DEFAULT_SUBSAMPLE;
        private double learningRate = DEFAULT_LEARNING_RATE;
        private double noisePower = DEFAULT_NOISE_POWER;
        private int noiseTableSize = DEFAULT_NOISE_TABLE_SIZE;
        private int roundUnits = DEFAULT_ROUND_UNITS;
        private double contextAlpha = DEFAULT_CONTEXT_ALPHA;
        private Cooccurrence.Weighting weighting = DEFAULT_WEIGHTING;
        private double eigenvalueWeight = DEFAULT_EIGENVALUE_WEIGHT;
        private int oversample = DEFAULT_OVERSAMPLE;
        private int powerIterations = DEFAULT_POWER_ITERATIONS;

        private Builder(Method method, List<String> corpus, Path out) {
            this.method = method;
            this.corpus = corpus;
            this.out = out;
        }

        public Builder layout(CorpusReader.Layout v) { layout = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder dim(int v) { dim = v; return this; }
        public Builder window(int v) { window = v; return this; }
        public Builder minCount(int v) { minCount = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder negatives(int v) { negatives = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder overwrite(boolean v) { overwrite = v; return this; }
        public Builder subsample(double v) { subsample = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder noisePower(double v) { noisePower = v; return this; }
        public Builder noiseTableSize(int v) { noiseTableSize = v; return this; }
        public Builder roundUnits(int v) { roundUnits = v; return this; }
        public Builder contextAlpha(double v) { contextAlpha = v; return this; }
        public Builder weighting(Cooccurrence.Weighting v) { weighting = v; return this; }
        public Builder eigenvalueWeight(double v) { eigenvalueWeight = v; return this; }
        public Builder oversample(int v) { oversample = v; return this; }
        public Builder powerIterations(int v) { powerIterations = v; return this; }

        public VectorsSpec build() {
            return new VectorsSpec(method, corpus, layout, tokenizer, dim, window, minCount, epochs, negatives,
                    threads, seed, out, resume, overwrite, subsample, learningRate, noisePower, noiseTableSize,
                    roundUnits, contextAlpha, weighting, eigenvalueWeight, oversample, powerIterations);
        }
    }
}
