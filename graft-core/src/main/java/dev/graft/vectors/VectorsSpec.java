package dev.graft.vectors;

import dev.graft.SpecException;
import dev.graft.data.CorpusReader;
import dev.graft.train.RunOptions;
import dev.graft.train.RunSpecBuilder;

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
 * @param negatives        noise samples per pair (sgns)
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
 * @param run              the output folder ({@code run.overwrite}: delete a non-empty one first), the sgns
 *                         passes over the corpus ({@code run.epochs}, a whole number), threads, the seed of
 *                         every random choice, and {@code run.resume}: continue the sgns run in the folder from
 *                         its last epoch checkpoint. No {@code run.steps} nor {@code run.maxTime}.
 */
public record VectorsSpec(Method method, List<String> corpus, CorpusReader.Layout layout, Path tokenizer, int dim,
                          int window, int minCount, int negatives, double subsample, double learningRate,
                          double noisePower, int noiseTableSize, int roundUnits, double contextAlpha,
                          Cooccurrence.Weighting weighting, double eigenvalueWeight, int oversample,
                          int powerIterations, RunOptions run) {

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

    /** The vector size of a run that names none. */
    public static final int DEFAULT_DIM = 256;

    public VectorsSpec {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(weighting, "weighting");
        if (run == null) {
            throw new IllegalArgumentException("run is required: start from VectorsSpec.builder");
        }
        layout = layout == null ? CorpusReader.Layout.LINES : layout;
        corpus = dev.graft.data.Corpora.require(corpus);
        for (var f : List.of(Map.entry("dim", dim), Map.entry("window", window), Map.entry("minCount", minCount),
                Map.entry("negatives", negatives), Map.entry("noiseTableSize", noiseTableSize),
                Map.entry("roundUnits", roundUnits))) {
            SpecException.positive(f.getKey(), f.getValue());
        }
        String epochs = RunOptions.FIELD + ".epochs";
        if (!(run.epochs() >= 1 && run.epochs() == Math.rint(run.epochs()))) {
            throw new SpecException(epochs, epochs + " must be a whole number > 0, got " + run.epochs());
        }
        if (run.steps() != 0 || run.maxTime() != null) {
            throw new SpecException(List.of(RunOptions.FIELD + ".steps", RunOptions.FIELD + ".maxTime", epochs),
                    "vectors train for " + epochs + ", not " + RunOptions.FIELD + ".steps nor " + RunOptions.FIELD
                            + ".maxTime");
        }
        if (run.resume() && method != Method.SGNS) {
            throw new SpecException(List.of(RunOptions.FIELD + ".resume", RunOptions.FIELD + ".overwrite"),
                    RunOptions.FIELD + ".resume applies to sgns only: ppmi-svd runs in one pass without checkpoints; "
                            + "rerun it with " + RunOptions.FIELD + ".overwrite");
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

    /**
     * A spec of {@code method} holding every default (placeholder corpus and folder): where {@code graft vectors
     * train} reads its options' defaults. The defaults are the published ones of the class comment.
     */
    public static VectorsSpec defaults(Method method) {
        return builder(method, List.of("corpus"), Path.of("out")).build();
    }

    /** {@code run.epochs}, a whole number (vectors train whole epochs). */
    public int epochs() {
        return (int) run.epochs();
    }

    /** The units: a tokenizer's tokens or lowercased words. */
    public UnitCorpus.Units units() {
        return tokenizer == null ? UnitCorpus.Units.WORDS : UnitCorpus.Units.TOKENIZER;
    }

    /** The skip-gram settings of this spec. */
    public SkipGram.Settings skipGramSettings() {
        return new SkipGram.Settings(dim, window, negatives, epochs(), subsample, learningRate, noisePower,
                noiseTableSize, roundUnits, run.threads(), run.seed());
    }

    public static Builder builder(Method method, List<String> corpus, Path out) {
        return new Builder(method, corpus, out);
    }

    /** Builds a spec; every setting starts at its default (word2vec.c's, Levy et al.'s: the class comment). */
    public static final class Builder extends RunSpecBuilder<Builder> {
        private final Method method;
        private final List<String> corpus;
        private CorpusReader.Layout layout = CorpusReader.Layout.LINES;
        private Path tokenizer;
        private int dim = DEFAULT_DIM;
        private int window = 5;
        private int minCount = 5;
        private int negatives = 5;
        private double subsample = 1e-4;
        private double learningRate = 0.025;
        private double noisePower = 0.75;
        private int noiseTableSize = 10_000_000;
        private int roundUnits = 100_000;
        private double contextAlpha = 0.75;
        private Cooccurrence.Weighting weighting = Cooccurrence.Weighting.LINEAR;
        private double eigenvalueWeight = 0.5;
        private int oversample = 10;
        private int powerIterations = 3;

        private Builder(Method method, List<String> corpus, Path out) {
            super(RunOptions.defaults(out).withEpochs(5));
            this.method = method;
            this.corpus = corpus;
        }

        public Builder layout(CorpusReader.Layout v) { layout = v; return this; }
        public Builder tokenizer(Path v) { tokenizer = v; return this; }
        public Builder dim(int v) { dim = v; return this; }
        public Builder window(int v) { window = v; return this; }
        public Builder minCount(int v) { minCount = v; return this; }
        public Builder negatives(int v) { negatives = v; return this; }
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
            return new VectorsSpec(method, corpus, layout, tokenizer, dim, window, minCount, negatives, subsample,
                    learningRate, noisePower, noiseTableSize, roundUnits, contextAlpha, weighting, eigenvalueWeight,
                    oversample, powerIterations, run);
        }
    }
}
