package dev.graft.task;

import dev.graft.model.TokenBatch;
import dev.graft.tokenizer.EncodeOptions;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.BatchStream;
import dev.graft.train.EpochStream;

import java.util.Arrays;
import java.util.List;

/**
 * Texts encoded once for classification: token ids with the tokenizer's special tokens ([CLS] ...
 * [SEP] for BERT), cut to {@code maxLength} tokens (the tokenizer's truncation, so the closing special
 * token stays; the number of texts cut is counted), and their label ids. Batches are padded on the
 * right to their longest row.
 */
public final class ClassificationData implements Encoded<ClassificationBatch> {
    private final int[][] ids;
    private final int[][] typeIds; // null for single texts
    private final int[] labels; // -1 when unlabeled
    private final int padId;
    private final int truncated;

    private ClassificationData(int[][] ids, int[][] typeIds, int[] labels, int padId, int truncated) {
        this.ids = ids;
        this.typeIds = typeIds;
        this.labels = labels;
        this.padId = padId;
        this.truncated = truncated;
    }

    /**
     * @param labelIds label id of each text, or null when unlabeled
     * @param padId    the id padding positions carry (masked out by attention)
     */
    public static ClassificationData encode(Tokenizer tokenizer, List<String> texts, int[] labelIds, int maxLength,
                                            int padId) {
        if (labelIds != null && labelIds.length != texts.size()) {
            throw new IllegalArgumentException(texts.size() + " texts but " + labelIds.length + " labels");
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must be at least 2, got " + maxLength);
        }
        List<Encoding> all = tokenizer.encodeBatch(texts, EncodeOptions.defaults());
        int[][] ids = new int[texts.size()][];
        int cut = 0;
        for (int i = 0; i < ids.length; i++) {
            Encoding e = all.get(i);
            if (e.length() > maxLength) {
                e = cut(tokenizer, texts.get(i), maxLength);
                cut++;
            }
            ids[i] = e.ids();
            if (ids[i].length == 0) {
                throw new IllegalArgumentException("text " + (i + 1) + " gives no tokens at all (is it empty?)");
            }
        }
        int[] labels = labelIds == null ? filled(texts.size()) : labelIds.clone();
        return new ClassificationData(ids, null, labels, padId, cut);
    }

    /**
     * One text cut to {@code maxLength} tokens as {@link #encode} cuts a text longer than that (the tokenizer's
     * truncation, the closing special token kept): a server cuts a request's text with it on the request's own
     * thread, so that its batch does not tokenize again.
     */
    public static Encoding cut(Tokenizer tokenizer, String text, int maxLength) {
        return tokenizer.encodeBatch(List.of(text), EncodeOptions.defaults()
                .withTruncation(EncodeOptions.Truncation.toLength(maxLength))).get(0);
    }

    /** One pair cut to {@code maxLength} tokens as {@link #encodePairs} cuts a longer pair (longest text first). */
    public static Encoding cutPair(Tokenizer tokenizer, String first, String second, int maxLength) {
        return tokenizer.encodeBatchPairs(List.of(first), List.of(second), EncodeOptions.defaults()
                .withTruncation(EncodeOptions.Truncation.toLength(maxLength))).get(0);
    }

    /**
     * Unlabeled texts already encoded as {@link #encode} encodes them (special tokens added, each within the
     * model's length): a server that tokenized its requests to check their length does not tokenize again.
     */
    public static ClassificationData ofEncodings(List<Encoding> encodings, int padId) {
        int[][] ids = new int[encodings.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encodings.get(i).ids();
            if (ids[i].length == 0) {
                throw new IllegalArgumentException("text " + (i + 1) + " gives no tokens at all (is it empty?)");
            }
        }
        return new ClassificationData(ids, null, filled(ids.length), padId, 0);
    }

    /**
     * Unlabeled pairs already encoded as {@link #encodePairs} encodes them (the pair template, token type ids,
     * each within the model's length, {@link #cutPair} when longer): a server's pairs, tokenized once on their
     * requests' threads.
     */
    public static ClassificationData ofPairEncodings(List<Encoding> encodings, int padId) {
        int[][] ids = new int[encodings.size()][];
        int[][] types = new int[encodings.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = encodings.get(i).ids();
            types[i] = encodings.get(i).typeIds();
            if (ids[i].length == 0) {
                throw new IllegalArgumentException("pair " + (i + 1) + " gives no tokens at all (are both texts empty?)");
            }
        }
        return new ClassificationData(ids, types, filled(ids.length), padId, 0);
    }

    /**
     * Pairs of texts encoded with the tokenizer's pair template ({@code [CLS] a [SEP] b [SEP]} with token
     * type ids 0 for the first part and 1 for the second on BERT-style tokenizers, Hugging Face's
     * {@code tokenizer(text, text_pair)}); a pair longer than {@code maxLength} is cut longest text first
     * (the library's {@code longest_first}), keeping the special tokens.
     *
     * @param labelIds label id of each pair, or null when unlabeled
     */
    public static ClassificationData encodePairs(Tokenizer tokenizer, List<String> firsts, List<String> seconds,
                                                 int[] labelIds, int maxLength, int padId) {
        if (firsts.size() != seconds.size()) {
            throw new IllegalArgumentException(firsts.size() + " first texts but " + seconds.size() + " second texts");
        }
        if (labelIds != null && labelIds.length != firsts.size()) {
            throw new IllegalArgumentException(firsts.size() + " pairs but " + labelIds.length + " labels");
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must be at least 2, got " + maxLength);
        }
        List<Encoding> all = tokenizer.encodeBatchPairs(firsts, seconds, EncodeOptions.defaults());
        int[][] ids = new int[firsts.size()][];
        int[][] types = new int[firsts.size()][];
        int cut = 0;
        for (int i = 0; i < ids.length; i++) {
            Encoding e = all.get(i);
            if (e.length() > maxLength) {
                e = cutPair(tokenizer, firsts.get(i), seconds.get(i), maxLength);
                cut++;
            }
            ids[i] = e.ids();
            types[i] = e.typeIds();
            if (ids[i].length == 0) {
                throw new IllegalArgumentException("pair " + (i + 1) + " gives no tokens at all (are both texts empty?)");
            }
        }
        int[] labels = labelIds == null ? filled(firsts.size()) : labelIds.clone();
        return new ClassificationData(ids, types, labels, padId, cut);
    }

    /** Token ids of example {@code i} (specials included). */
    public int[] ids(int i) {
        return ids[i].clone();
    }

    /** Token type ids of example {@code i}, or null for single texts. */
    public int[] typeIds(int i) {
        return typeIds == null ? null : typeIds[i].clone();
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        Arrays.fill(a, -1);
        return a;
    }

    public int size() {
        return ids.length;
    }

    /** Tokens of example {@code i} (specials included). */
    int length(int i) {
        return ids[i].length;
    }

    /** Texts cut to the maximum length. */
    public int truncated() {
        return truncated;
    }

    public int label(int i) {
        return labels[i];
    }

    /** Tokens of all texts (specials included). */
    public long tokenCount() {
        long n = 0;
        for (int[] a : ids) {
            n += a.length;
        }
        return n;
    }

    /** The rows {@code examples} as one padded batch. */
    public ClassificationBatch batch(int[] examples) {
        int b = examples.length;
        int time = 1;
        for (int e : examples) {
            time = Math.max(time, ids[e].length);
        }
        int[] input = new int[b * time];
        int[] mask = new int[b * time];
        int[] types = typeIds == null ? null : new int[b * time]; // padding has type 0
        Arrays.fill(input, padId);
        int[] y = new int[b];
        for (int r = 0; r < b; r++) {
            int[] row = ids[examples[r]];
            System.arraycopy(row, 0, input, r * time, row.length);
            Arrays.fill(mask, r * time, r * time + row.length, 1);
            if (types != null) {
                System.arraycopy(typeIds[examples[r]], 0, types, r * time, row.length);
            }
            y[r] = labels[examples[r]];
        }
        return new ClassificationBatch(new TokenBatch(b, time, input, types, mask, null), y, examples.clone());
    }

    /**
     * Every example once, in batches of up to {@code batchSize}, grouped by length (less padding); the
     * batch's {@code examples} say which rows are which.
     */
    public List<ClassificationBatch> batches(int batchSize) {
        return Encoded.byLength(ids.length, i -> ids[i].length, batchSize, this::batch);
    }

    /**
     * An endless stream of shuffled training batches: each epoch a seeded permutation of the examples
     * (a function of seed and epoch, so a resumed run sees the same batches), the last partial batch
     * kept, so every example is seen once per epoch.
     */
    public BatchStream<ClassificationBatch> stream(int batchSize, long seed) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("the training set is empty: there is nothing to fine-tune on");
        }
        for (int l : labels) {
            if (l < 0) {
                throw new IllegalArgumentException("training examples need labels");
            }
        }
        return new Shuffled<>(ids.length, batchSize, seed, i -> ids[i].length, this::batch);
    }

    /**
     * A seeded per-epoch shuffle of n items into batches of a given size (the last one may be smaller),
     * bucketed by length to waste little on padding ({@link EpochStream#bucketedByLength}). The batches of an
     * epoch are a function of seed and epoch, so a resumed run sees the same ones.
     */
    static final class Shuffled<T> extends EpochStream<T> {
        private final int n;
        private final int batchSize;
        private final long seed;
        private final java.util.function.IntUnaryOperator length;
        private final java.util.function.Function<int[], T> make;
        private int[][] batches;

        Shuffled(int n, int batchSize, long seed, java.util.function.IntUnaryOperator length,
                 java.util.function.Function<int[], T> make) {
            super(batchCount(n, batchSize));
            this.n = n;
            this.batchSize = batchSize;
            this.seed = seed;
            this.length = length;
            this.make = make;
        }

        private static long batchCount(int n, int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            return (n + batchSize - 1) / batchSize;
        }

        @Override
        protected void plan(long epoch) {
            batches = bucketedByLength(n, batchSize, false, seed, epoch, length);
        }

        @Override
        protected T batch(long epoch, int index) {
            return make.apply(batches[index].clone());
        }
    }
}
