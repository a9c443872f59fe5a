package dev.graft.vectors;

import dev.graft.tensor.Parallel;
import dev.graft.tensor.kernel.Kernels;

/**
 * Skip-gram with negative sampling (Mikolov et al. 2013, "Distributed Representations of Words
 * and Phrases and their Compositionality"; the update is word2vec.c's): for each unit and each
 * context unit within a dynamic window (a size drawn uniformly from 1..window), the context's
 * input vector learns to score the unit above {@code negatives} units drawn from the unigram
 * distribution raised to {@code noisePower}, by SGD on the logistic loss, at a rate decaying
 * linearly from {@code learningRate} to {@code learningRate · 1e-4} over the whole run (by corpus
 * position, not by thread). Frequent units are subsampled: an occurrence of a unit of corpus
 * frequency f is kept with probability {@code sqrt(t/f) + t/f}. Windows never cross a segment
 * (a document cut into pieces of at most {@link #SEGMENT} units, as word2vec's sentences).
 *
 * <p><b>Threads, deterministically.</b> An epoch is cut into rounds of about {@code roundUnits}
 * units; each round into one shard per thread (whole segments). Each shard trains its own copy of
 * the two matrices, starting from the shared state, with its own random stream (from the seed,
 * epoch, round and shard); after the round the shards' changes are added to the shared state in
 * shard order and every copy is brought back to it. So the result depends on the seed and the
 * thread count only, never on scheduling. At one thread there are no copies: plain sequential SGD.
 */
public final class SkipGram {
    /** word2vec.c's MAX_SENTENCE_LENGTH: windows stay inside pieces of this many units. */
    public static final int SEGMENT = 1000;
    /** word2vec.c's floor on the decayed rate, as a fraction of the initial rate. */
    public static final double MIN_RATE_FRACTION = 1e-4;

    /** The training settings. */
    public record Settings(int dim, int window, int negatives, int epochs, double subsample, double learningRate,
                           double noisePower, int noiseTableSize, int roundUnits, int threads, long seed) {
        public Settings {
            if (dim < 1 || window < 1 || negatives < 1 || epochs < 1 || threads < 1 || roundUnits < 1
                    || noiseTableSize < 1) {
                throw new IllegalArgumentException("sgns settings must be positive: dim " + dim + ", window " + window
                        + ", negatives " + negatives + ", epochs " + epochs + ", threads " + threads + ", round "
                        + roundUnits + ", noise table " + noiseTableSize);
            }
            if (subsample < 0 || !(learningRate > 0) || !(noisePower > 0)) {
                throw new IllegalArgumentException("subsample " + subsample + " must be >= 0 (0: off), learning rate "
                        + learningRate + " and noise power " + noisePower + " positive");
            }
        }
    }

    /** Called after each epoch with the state (the checkpoint hook). */
    @FunctionalInterface
    public interface EpochListener {
        void epochDone(int epochsDone, State state) throws java.io.IOException;
    }

    /** Called after each round: units processed so far in the run, and the round's mean loss per pair. */
    @FunctionalInterface
    public interface RoundListener {
        void roundDone(int epoch, long unitsDone, long unitsTotal, double loss, double rate);
    }

    /** The trained matrices: {@code input} (the word vectors) and {@code output}, both (V, dim). */
    public record State(int size, int dim, float[] input, float[] output) {
    }

    private final UnitCorpus corpus;
    private final Settings settings;
    private final Kernels kernels;
    private final int[] segmentStarts;
    private final int[] noiseTable;
    private final float[] keepProbability;

    public SkipGram(UnitCorpus corpus, Settings settings, Kernels kernels) {
        this.corpus = corpus;
        this.settings = settings;
        this.kernels = kernels;
        this.segmentStarts = segments(corpus);
        this.noiseTable = noiseTable(corpus, settings.noisePower(), settings.noiseTableSize());
        this.keepProbability = keepProbabilities(corpus, settings.subsample());
    }

    /** word2vec.c's initialization: input uniform in (-0.5, 0.5)/dim for trained units (others zero), output zero. */
    public State initialState() {
        int v = corpus.size();
        int d = settings.dim();
        float[] input = new float[v * d];
        long r = settings.seed();
        for (int i = 0; i < v; i++) {
            for (int c = 0; c < d; c++) {
                r = r * 25214903917L + 11;
                if (corpus.trained(i)) {
                    input[i * d + c] = (((r & 0xFFFF) / 65536f) - 0.5f) / d;
                }
            }
        }
        return new State(v, d, input, new float[v * d]);
    }

    /**
     * Trains epochs {@code firstEpoch .. lastEpochExclusive-1} (of {@code settings.epochs()}) on
     * {@code state} in place.
     */
    public void train(State state, int firstEpoch, int lastEpochExclusive, Parallel parallel,
                      RoundListener rounds, EpochListener epochs) throws java.io.IOException {
        int threads = settings.threads();
        int v = state.size();
        int d = state.dim();
        Shard[] shards = new Shard[threads];
        for (int s = 0; s < threads; s++) {
            shards[s] = threads == 1 ? new Shard(state.input(), state.output(), v, d)
                    : new Shard(state.input().clone(), state.output().clone(), v, d);
        }
        int units = corpus.stream().length;
        long total = (long) units * settings.epochs();
        int segments = segmentStarts.length - 1;
        for (int epoch = firstEpoch; epoch < lastEpochExclusive; epoch++) {
            int round = 0;
            int seg = 0;
            while (seg < segments) {
                int roundStart = seg;
                int roundEndUnit = segmentStarts[seg] + settings.roundUnits();
                while (seg < segments && (seg == roundStart || segmentStarts[seg + 1] <= roundEndUnit)) {
                    seg++;
                }
                int[] bounds = shardBounds(roundStart, seg, threads);
                int e = epoch;
                int rr = round;
                parallel.forRange(threads, 1, (lo, hi) -> {
                    for (int s = lo; s < hi; s++) {
                        shards[s].train(bounds[s], bounds[s + 1], e, rr, s);
                    }
                });
                if (threads > 1) {
                    merge(state, shards, parallel);
                }
                double loss = 0;
                long pairs = 0;
                for (Shard s : shards) {
                    loss += s.loss;
                    pairs += s.pairs;
                    s.loss = 0;
                    s.pairs = 0;
                }
                long done = (long) epoch * units + segmentStarts[seg];
                if (rounds != null) {
                    rounds.roundDone(epoch, done, total, pairs == 0 ? 0 : loss / pairs, rate(done, total));
                }
                round++;
            }
            if (epochs != null) {
                epochs.epochDone(epoch + 1, state);
            }
        }
    }

    private double rate(long position, long total) {
        return settings.learningRate() * Math.max(MIN_RATE_FRACTION, 1 - (double) position / total);
    }

    /** Segments [from, to) split into contiguous runs of about equal units, one per shard. */
    private int[] shardBounds(int from, int to, int threads) {
        int[] b = new int[threads + 1];
        long first = segmentStarts[from];
        long size = segmentStarts[to] - first;
        int seg = from;
        b[0] = from;
        for (int s = 1; s < threads; s++) {
            long target = first + size * s / threads;
            while (seg < to && segmentStarts[seg] < target) {
                seg++;
            }
            b[s] = seg;
        }
        b[threads] = to;
        return b;
    }

    /** Adds every shard's change of the round to the shared state (shard order), then resets the copies. */
    private static void merge(State state, Shard[] shards, Parallel parallel) {
        int d = state.dim();
        parallel.forRangeDynamic(state.size(), 64, 4, (start, end) -> {
            float[] sum = new float[d];
            for (int row = start; row < end; row++) {
                mergeRow(state.input(), shards, row, d, true, sum);
                mergeRow(state.output(), shards, row, d, false, sum);
            }
        });
        for (Shard s : shards) {
            java.util.Arrays.fill(s.touchedInput, false);
            java.util.Arrays.fill(s.touchedOutput, false);
        }
    }

    private static void mergeRow(float[] shared, Shard[] shards, int row, int d, boolean input, float[] sum) {
        boolean any = false;
        for (Shard s : shards) {
            any |= input ? s.touchedInput[row] : s.touchedOutput[row];
        }
        if (!any) {
            return;
        }
        int o = row * d;
        java.util.Arrays.fill(sum, 0f);
        for (Shard s : shards) {
            if (input ? s.touchedInput[row] : s.touchedOutput[row]) {
                float[] local = input ? s.input : s.output;
                for (int c = 0; c < d; c++) {
                    sum[c] += local[o + c] - shared[o + c];
                }
            }
        }
        for (int c = 0; c < d; c++) {
            shared[o + c] += sum[c];
        }
        for (Shard s : shards) {
            System.arraycopy(shared, o, input ? s.input : s.output, o, d);
        }
    }

    /** One shard's copy of the model and scratch space. */
    private final class Shard {
        final float[] input;
        final float[] output;
        final boolean[] touchedInput;
        final boolean[] touchedOutput;
        final float[] gradient;
        final int[] kept = new int[SEGMENT];
        double loss;
        long pairs;

        Shard(float[] input, float[] output, int v, int d) {
            this.input = input;
            this.output = output;
            this.touchedInput = new boolean[v];
            this.touchedOutput = new boolean[v];
            this.gradient = new float[d];
        }

        void train(int fromSegment, int toSegment, int epoch, int round, int shard) {
            int[] stream = corpus.stream();
            int d = settings.dim();
            int window = settings.window();
            int negatives = settings.negatives();
            long total = (long) stream.length * settings.epochs();
            long random = mix(settings.seed(), epoch, round, shard);
            for (int seg = fromSegment; seg < toSegment; seg++) {
                int start = segmentStarts[seg];
                int end = segmentStarts[seg + 1];
                int n = 0;
                for (int i = start; i < end; i++) {
                    int u = stream[i];
                    random = next(random);
                    if (keepProbability[u] >= 1 || keepProbability[u] > uniform(random)) {
                        kept[n++] = u;
                    }
                }
                for (int i = 0; i < n; i++) {
                    // the rate by corpus position: the same whatever the thread count
                    long position = (long) epoch * stream.length + start + (long) (end - start) * i / n;
                    float alpha = (float) rate(position, total);
                    int word = kept[i];
                    random = next(random);
                    int reduced = (int) Long.remainderUnsigned(random >>> 16, window); // dynamic window
                    int reach = window - reduced;
                    for (int j = Math.max(0, i - reach); j <= Math.min(n - 1, i + reach); j++) {
                        if (j == i) {
                            continue;
                        }
                        int context = kept[j];
                        int l1 = context * d;
                        java.util.Arrays.fill(gradient, 0f);
                        for (int k = 0; k <= negatives; k++) {
                            int target;
                            float label;
                            if (k == 0) {
                                target = word;
                                label = 1;
                            } else {
                                random = next(random);
                                target = noiseTable[(int) Long.remainderUnsigned(random >>> 16, noiseTable.length)];
                                if (target == word) {
                                    continue;
                                }
                                label = 0;
                            }
                            int l2 = target * d;
                            float f = kernels.dot(d, input, l1, output, l2);
                            double sigmoid = 1 / (1 + Math.exp(-f));
                            loss -= label == 1 ? Math.log(Math.max(sigmoid, 1e-12)) : Math.log(Math.max(1 - sigmoid, 1e-12));
                            pairs++;
                            float g = (float) ((label - sigmoid) * alpha);
                            kernels.axpy(d, g, output, l2, gradient, 0);
                            kernels.axpy(d, g, input, l1, output, l2);
                            touchedOutput[target] = true;
                        }
                        kernels.axpy(d, 1f, gradient, 0, input, l1);
                        touchedInput[context] = true;
                    }
                }
            }
        }
    }

    private static long mix(long seed, int epoch, int round, int shard) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + round;
        h = (h ^ (h >>> 29)) * 0x94D049BB133111EBL + shard;
        return h ^ (h >>> 32);
    }

    /** word2vec.c's linear congruential generator. */
    private static long next(long r) {
        return r * 25214903917L + 11;
    }

    private static float uniform(long r) {
        return (r & 0xFFFF) / 65536f;
    }

    private static int[] segments(UnitCorpus corpus) {
        UnitCorpus.IntList starts = new UnitCorpus.IntList();
        int start = 0;
        for (int end : corpus.documentEnds()) {
            for (int s = start; s < end; s += SEGMENT) {
                starts.add(s);
            }
            start = end;
        }
        starts.add(start);
        return starts.toArray();
    }

    /** word2vec.c's InitUnigramTable: unit i fills a share of the table proportional to count^power. */
    private static int[] noiseTable(UnitCorpus corpus, double power, int size) {
        double total = 0;
        for (int i = 0; i < corpus.size(); i++) {
            if (corpus.trained(i)) {
                total += Math.pow(corpus.count(i), power);
            }
        }
        int[] table = new int[size];
        int unit = -1;
        double cumulative = 0;
        int last = -1;
        for (int a = 0; a < size; a++) {
            while (a / (double) size >= cumulative && unit < corpus.size() - 1) {
                unit++;
                if (corpus.trained(unit)) {
                    cumulative += Math.pow(corpus.count(unit), power) / total;
                    last = unit;
                }
            }
            table[a] = last;
        }
        return table;
    }

    private static float[] keepProbabilities(UnitCorpus corpus, double t) {
        float[] keep = new float[corpus.size()];
        long trainWords = corpus.stream().length;
        for (int i = 0; i < keep.length; i++) {
            if (t <= 0 || !corpus.trained(i)) {
                keep[i] = 1;
                continue;
            }
            double threshold = t * trainWords;
            double c = corpus.count(i);
            keep[i] = (float) Math.min(1, Math.sqrt(threshold / c) + threshold / c); // (sqrt(c/(tN)) + 1) · tN/c
        }
        return keep;
    }
}
