package dev.graft.nn;

import java.util.Arrays;

/**
 * One vector per sequence from its token vectors, over the real (unpadded) tokens only:
 * <ul>
 * <li>{@link Pooling#CLS}: the first token (BERT's [CLS], before its pooler);</li>
 * <li>{@link Pooling#LAST}: the last real token (GPT-2 sequence classification);</li>
 * <li>{@link Pooling#MEAN}: the mean of the real tokens (Sentence-BERT's masked mean);</li>
 * <li>{@link Pooling#CONCAT}: [last, max, mean], ULMFiT's concat pooling (Howard and Ruder 2018,
 * section 3.3), 3·C wide; the max picks, per feature, the first position holding the maximum, and
 * only it receives the gradient (torch.max).</li>
 * </ul>
 * Input (B·T, C) row-major with an attention mask (B·T) of 1 for real tokens (null: all real);
 * output (B, P) owned by the layer. Every sequence needs at least one real token.
 */
public final class SequencePooling {
    private final Pooling mode;
    private final int width;

    private int batch;
    private int time;
    private int[] lastIndex; // (B) position of the last real token
    private int[] counts; // (B) real tokens
    private int[] maxIndex; // (B, C) position of the max (CONCAT)
    private int[] mask; // the caller's
    private float[] out; // (B, P)
    private float[] dx; // (B·T, C)
    private double[] sum; // (C) scratch for the mean

    public SequencePooling(Pooling mode, int width) {
        if (mode == null) {
            throw new IllegalArgumentException("a pooling mode is required");
        }
        if (width <= 0) {
            throw new IllegalArgumentException("pooling width must be positive, got " + width);
        }
        this.mode = mode;
        this.width = width;
    }

    public Pooling mode() {
        return mode;
    }

    /** Width P of the pooled vector: C, or 3·C for CONCAT. */
    public int outputWidth() {
        return mode == Pooling.CONCAT ? 3 * width : width;
    }

    /** Pools (B·T, C) into (B, P). */
    public float[] forward(float[] x, int batchSize, int timeSteps, int[] attentionMask) {
        int c = width;
        int p = outputWidth();
        batch = batchSize;
        time = timeSteps;
        mask = attentionMask;
        out = Buffers.ensure(out, batch * p);
        lastIndex = Buffers.ensure(lastIndex, batch);
        counts = Buffers.ensure(counts, batch);
        if (mode == Pooling.CONCAT) {
            maxIndex = Buffers.ensure(maxIndex, batch * c);
        }
        for (int b = 0; b < batch; b++) {
            int count = 0;
            int last = -1;
            for (int t = 0; t < time; t++) {
                if (real(b, t)) {
                    count++;
                    last = t;
                }
            }
            if (count == 0) {
                throw new IllegalArgumentException("sequence " + b + " of the batch has no real token to pool");
            }
            counts[b] = count;
            lastIndex[b] = last;
            int o = b * p;
            switch (mode) {
                case CLS -> System.arraycopy(x, (b * time) * c, out, o, c);
                case LAST -> System.arraycopy(x, (b * time + last) * c, out, o, c);
                case MEAN -> mean(x, b, out, o);
                case CONCAT -> {
                    System.arraycopy(x, (b * time + last) * c, out, o, c);
                    max(x, b, out, o + c);
                    mean(x, b, out, o + 2 * c);
                }
            }
        }
        return out;
    }

    private boolean real(int b, int t) {
        return mask == null || mask[b * time + t] != 0;
    }

    private void mean(float[] x, int b, float[] y, int o) {
        int c = width;
        if (sum == null || sum.length < c) {
            sum = new double[c];
        }
        Arrays.fill(sum, 0, c, 0.0);
        for (int t = 0; t < time; t++) {
            if (real(b, t)) {
                int r = (b * time + t) * c;
                for (int j = 0; j < c; j++) {
                    sum[j] += x[r + j];
                }
            }
        }
        float inv = 1f / counts[b];
        for (int j = 0; j < c; j++) {
            y[o + j] = (float) sum[j] * inv;
        }
    }

    private void max(float[] x, int b, float[] y, int o) {
        int c = width;
        for (int j = 0; j < c; j++) {
            float best = Float.NEGATIVE_INFINITY;
            int at = -1;
            for (int t = 0; t < time; t++) {
                if (real(b, t)) {
                    float v = x[(b * time + t) * c + j];
                    if (at < 0 || v > best) {
                        best = v;
                        at = t;
                    }
                }
            }
            y[o + j] = best;
            maxIndex[b * c + j] = at;
        }
    }

    /** dx (B·T, C), owned by the layer, from dPooled (B, P); positions not pooled get 0. */
    public float[] backward(float[] dPooled) {
        int c = width;
        int p = outputWidth();
        int n = batch * time;
        dx = Buffers.ensure(dx, n * c);
        Arrays.fill(dx, 0, n * c, 0f);
        for (int b = 0; b < batch; b++) {
            int o = b * p;
            switch (mode) {
                case CLS -> add(dPooled, o, b * time);
                case LAST -> add(dPooled, o, b * time + lastIndex[b]);
                case MEAN -> meanBackward(dPooled, o, b);
                case CONCAT -> {
                    add(dPooled, o, b * time + lastIndex[b]);
                    for (int j = 0; j < c; j++) {
                        dx[(b * time + maxIndex[b * c + j]) * c + j] += dPooled[o + c + j];
                    }
                    meanBackward(dPooled, o + 2 * c, b);
                }
            }
        }
        return dx;
    }

    private void add(float[] d, int o, int row) {
        int c = width;
        for (int j = 0; j < c; j++) {
            dx[row * c + j] += d[o + j];
        }
    }

    private void meanBackward(float[] d, int o, int b) {
        int c = width;
        float inv = 1f / counts[b];
        for (int t = 0; t < time; t++) {
            if (real(b, t)) {
                int r = (b * time + t) * c;
                for (int j = 0; j < c; j++) {
                    dx[r + j] += d[o + j] * inv;
                }
            }
        }
    }
}
