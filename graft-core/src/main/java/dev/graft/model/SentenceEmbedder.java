package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.Pooling;
import dev.graft.tokenizer.EncodeOptions;
import dev.graft.tokenizer.Encoding;
import dev.graft.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sentence embeddings from an encoder, as sentence-transformers computes them
 * ({@code sentence_transformers.models.Pooling} and {@code Normalize}): each text is tokenized
 * with the template's special tokens ({@code [CLS] ... [SEP]}), run through the backbone, and its
 * hidden states pooled: mean over the non-padding tokens (special tokens included, as
 * sentence-transformers does) or the first ({@code [CLS]}) token; optionally L2-normalized
 * ({@code torch.nn.functional.normalize}, eps 1e-12).
 *
 * <p>Texts longer than the model's positions are truncated to them (the template's special tokens
 * kept) and counted in {@link #truncatedCount()}. Texts are batched by token length (sorted, then
 * cut into batches of {@code batchSize}) so that a batch holds little padding; results come back
 * in input order and do not depend on the batching beyond float rounding of the padded GEMMs.
 * The backbone's dropout is switched off. Not thread-safe (the backbone owns its buffers), except
 * {@link #encode}.
 */
public final class SentenceEmbedder {
    private final Backbone backbone;
    private final EncoderInference encoder; // null for a decoder
    private final Tokenizer tokenizer;
    private final Pooling pooling;
    private final boolean normalize;
    private final int batchSize;
    private final int maxLength;
    private final int padId;
    private final AtomicLong truncated = new AtomicLong();

    /**
     * @param maxLength longest token sequence (special tokens included), at most the model's positions
     */
    public SentenceEmbedder(Backbone backbone, Tokenizer tokenizer, Pooling pooling, boolean normalize, int batchSize,
                            int maxLength) {
        this(backbone, EncoderInference.supports(backbone.config()) ? new EncoderInference(backbone, backbone.compute())
                : null, tokenizer, pooling, normalize, batchSize, maxLength);
    }

    private SentenceEmbedder(Backbone backbone, EncoderInference encoder, Tokenizer tokenizer, Pooling pooling,
                             boolean normalize, int batchSize, int maxLength) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (pooling != Pooling.MEAN && pooling != Pooling.CLS) {
            throw new IllegalArgumentException("sentence embeddings pool by mean or cls, not " + pooling.id());
        }
        int positions = backbone.config().maxPositions();
        if (maxLength <= 2 || maxLength > positions) {
            throw new IllegalArgumentException("max length " + maxLength + " must be in [3, " + positions
                    + "] (the model's positions)");
        }
        this.backbone = backbone;
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.normalize = normalize;
        this.batchSize = batchSize;
        this.maxLength = maxLength;
        int pad = backbone.config().padTokenId();
        this.padId = tokenizer.specialTokens().padding().orElse(Math.max(pad, 0));
        for (Dropout d : backbone.dropouts()) {
            d.setTraining(false);
        }
    }

    /**
     * The same embedder computing on {@code compute}, with buffers of its own and the same weights (the packed
     * weights shared, {@link EncoderInference#on}): one per thread that embeds at the same time (an embedder is
     * not thread-safe). Only where {@link
     * EncoderInference#supports} the model (the backbone's own forward pass keeps its state in the backbone).
     */
    public SentenceEmbedder onCompute(Compute compute) {
        if (encoder == null) {
            throw new IllegalStateException("this embedder runs the backbone's own forward (a decoder, or a pre-LN or "
                    + "bias-free encoder), which cannot be shared: load the model again");
        }
        return new SentenceEmbedder(backbone, encoder.on(compute), tokenizer, pooling, normalize, batchSize, maxLength);
    }

    /** Mean pooling, L2-normalized, batches of 32, up to the model's positions. */
    public SentenceEmbedder(Backbone backbone, Tokenizer tokenizer) {
        this(backbone, tokenizer, Pooling.MEAN, true, 32, backbone.config().maxPositions());
    }

    public int dimension() {
        return backbone.config().hiddenSize();
    }

    /** Texts truncated to the maximum length so far. */
    public long truncatedCount() {
        return truncated.get();
    }

    /**
     * The token ids of one text as this embedder feeds them (special tokens added, truncated). Safe to
     * call from several threads at once (the tokenizer is immutable, the count atomic).
     */
    public Encoding encode(String text) {
        Encoding e = tokenizer.encode(text, true);
        if (e.length() <= maxLength) {
            return e;
        }
        truncated.incrementAndGet();
        return tokenizer.encodeBatch(List.of(text), EncodeOptions.defaults()
                .withTruncation(EncodeOptions.Truncation.toLength(maxLength))).get(0);
    }

    /** One vector per text, in input order. */
    public float[][] embed(List<String> texts) {
        List<Encoding> encodings = new ArrayList<>(texts.size());
        for (String t : texts) {
            encodings.add(encode(t));
        }
        return embedEncodings(encodings);
    }

    /** One vector per encoding (already holding its special tokens), in input order. */
    public float[][] embedEncodings(List<Encoding> encodings) {
        int n = encodings.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(encodings.get(a).length(), encodings.get(b).length()));
        float[][] out = new float[n][];
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            List<Encoding> batch = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                batch.add(encodings.get(order[i]));
            }
            float[][] vectors = embedBatch(batch);
            for (int i = start; i < end; i++) {
                out[order[i]] = vectors[i - start];
            }
        }
        return out;
    }

    /** One batch as given (padded to its longest encoding), in order. */
    public float[][] embedBatch(List<Encoding> batch) {
        TokenBatch tokens = toTokenBatch(batch, padId);
        if (encoder != null) {
            return pool(encoder.forward(tokens), pooling, normalize);
        }
        float[] hidden = backbone.forward(tokens); // (B·T, C)
        return pool(hidden, tokens, pooling, normalize, dimension());
    }

    /** Pools packed hidden states (real tokens only) into one vector per sequence. */
    public static float[][] pool(EncoderInference.Packed packed, Pooling pooling, boolean normalize) {
        int b = packed.sequenceStart().length - 1;
        int width = packed.width();
        float[] hidden = packed.hidden();
        float[][] out = new float[b][width];
        double[] sum = new double[width];
        for (int s = 0; s < b; s++) {
            float[] v = out[s];
            int start = packed.start(s);
            int end = packed.end(s);
            if (end == start) {
                continue; // a sequence with no real token: zeros, as sentence-transformers' clamp gives
            }
            poolRows(hidden, width, start, end, null, pooling, normalize, sum, v);
        }
        return out;
    }

    /**
     * Scales {@code v} to length 1 as {@code torch.nn.functional.normalize} does (eps 1e-12): what
     * {@code normalize} does to each pooled vector.
     */
    public static void normalizeInPlace(float[] v) {
        double sq = 0;
        for (float x : v) {
            sq += (double) x * x;
        }
        double inv = 1.0 / Math.max(Math.sqrt(sq), 1e-12);
        for (int j = 0; j < v.length; j++) {
            v[j] = (float) (v[j] * inv);
        }
    }

    /** Right-pads encodings into a batch; the mask is 1 on real tokens. */
    public static TokenBatch toTokenBatch(List<Encoding> batch, int padId) {
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("an empty batch has nothing to embed");
        }
        int time = 1;
        for (Encoding e : batch) {
            time = Math.max(time, e.length());
        }
        int b = batch.size();
        int[] ids = new int[b * time];
        int[] types = new int[b * time];
        int[] mask = new int[b * time];
        Arrays.fill(ids, padId);
        for (int r = 0; r < b; r++) {
            Encoding e = batch.get(r);
            int[] eIds = e.ids();
            int[] eTypes = e.typeIds();
            for (int t = 0; t < eIds.length; t++) {
                ids[r * time + t] = eIds[t];
                types[r * time + t] = eTypes[t];
                mask[r * time + t] = 1;
            }
        }
        return new TokenBatch(b, time, ids, types, mask, null);
    }

    /** Pools hidden states (B·T, C) into B vectors by the batch's attention mask. */
    public static float[][] pool(float[] hidden, TokenBatch batch, Pooling pooling, boolean normalize, int width) {
        int b = batch.batch();
        int time = batch.time();
        int[] mask = batch.attentionMask();
        float[][] out = new float[b][width];
        double[] sum = new double[width];
        for (int r = 0; r < b; r++) {
            poolRows(hidden, width, r * time, (r + 1) * time, mask, pooling, normalize, sum, out[r]);
        }
        return out;
    }

    /**
     * Pools one sequence, rows [start, end) of {@code hidden} ({@code width} values each), into {@code v}: its
     * first row (CLS) or the mean of its rows whose {@code mask} entry (indexed by row, as a batch's attention
     * mask) is not 0, all of them for a null mask (zeros when none is); then scaled to length 1 if
     * {@code normalize}. {@code sum} is scratch of {@code width}.
     */
    private static void poolRows(float[] hidden, int width, int start, int end, int[] mask, Pooling pooling,
                                 boolean normalize, double[] sum, float[] v) {
        if (pooling == Pooling.CLS) {
            System.arraycopy(hidden, start * width, v, 0, width);
        } else {
            Arrays.fill(sum, 0);
            int count = 0;
            for (int r = start; r < end; r++) {
                if (mask == null || mask[r] != 0) {
                    count++;
                    addRow(hidden, r * width, sum);
                }
            }
            scaleInto(sum, 1.0 / Math.max(count, 1e-9), v);
        }
        if (normalize) {
            normalizeInPlace(v);
        }
    }

    /** Adds the row of {@code sum.length} values at {@code offset} of {@code hidden} to {@code sum}. */
    private static void addRow(float[] hidden, int offset, double[] sum) {
        for (int j = 0; j < sum.length; j++) {
            sum[j] += hidden[offset + j];
        }
    }

    /** {@code v = sum · scale}, rounded to float: the mean of the rows added, for scale 1 / count. */
    private static void scaleInto(double[] sum, double scale, float[] v) {
        for (int j = 0; j < v.length; j++) {
            v[j] = (float) (sum[j] * scale);
        }
    }
}
