package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.L2Normalize;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.tensor.Tensor;
import dev.graft.tensor.kernel.Kernels;

import java.util.List;

/**
 * The forward pass of a {@link SequenceClassifier} on a BERT encoder for inference only ({@code graft
 * predict}, {@code graft serve}): the encoder through {@link EncoderInference} (real tokens only, no
 * padding computed), the head's pooling on the packed states, then the pooler (dense + tanh, CLS pooling with
 * BERT's pooler), the L2 normalization when the head normalizes ({@link L2Normalize#normalizeRow}, the
 * training forward's arithmetic), and the classifier as GEMMs over packed weights. The same arithmetic as
 * {@link SequenceClassifier#logits} with dropout off, up to float rounding.
 *
 * <p><b>Batch invariance.</b> Every step computes a sequence's rows in the same order whatever else is in
 * the batch (the packed GEMM's rows, pooling per sequence), so a text's logits do not depend on the other
 * texts of its batch or on the batch's padded length, bit for bit: a server's dynamic batches give what
 * {@code graft predict} gives for the same text. (The training forward pads to the batch's longest text and
 * its GEMMs choose their algorithm by the problem's size, so its last bits depend on the batch.)
 *
 * <p>Like {@link EncoderInference}, the weights are a snapshot taken at the first call; not thread-safe.
 */
public final class ClassifierInference {
    private final SequenceClassifier model;
    private final EncoderInference encoder;
    private final Compute compute;
    private final int width;
    private final int labels;
    private final int featureWidth;
    private Kernels.PackedWeight pooler; // CLS with BERT's pooler only
    private float[] poolerBias;
    private Kernels.PackedWeight classifier;
    private float[] classifierBias;
    private float[] features; // (B, P)
    private float[] activated; // (B, C) CLS: tanh(pooler(first))
    private float[] logits; // (B, K)
    private double[] sum; // (C) the mean's accumulator

    /**
     * @throws IllegalArgumentException for a decoder (its classifier runs the training forward)
     */
    public ClassifierInference(SequenceClassifier model, Compute compute) {
        this.model = model;
        this.encoder = new EncoderInference(model.backbone(), compute);
        this.compute = compute;
        this.width = model.config().hiddenSize();
        this.labels = model.labelCount();
        this.featureWidth = model.pooling() == Pooling.CONCAT ? 3 * width : width;
    }

    private ClassifierInference(ClassifierInference shared, Compute compute) {
        this.model = shared.model;
        this.encoder = shared.encoder.on(compute);
        this.compute = compute;
        this.width = shared.width;
        this.labels = shared.labels;
        this.featureWidth = shared.featureWidth;
        if (shared.classifier == null) {
            shared.pack();
        }
        this.pooler = shared.pooler;
        this.poolerBias = shared.poolerBias;
        this.classifier = shared.classifier;
        this.classifierBias = shared.classifierBias;
    }

    /**
     * The same model computing on {@code compute}, with buffers of its own: one per thread that predicts at
     * the same time. The packed weights (encoder and head) are packed now and shared read-only
     * ({@link EncoderInference#on}).
     */
    public ClassifierInference on(Compute compute) {
        return new ClassifierInference(this, compute);
    }

    /** Drops the snapshot of the weights: call after changing the model's parameters. */
    public void invalidate() {
        encoder.invalidate();
        classifier = null;
        pooler = null;
    }

    /** Logits (B, K) of the batch, row after row; owned by this object, valid until the next call. */
    public float[] logits(TokenBatch batch) {
        if (classifier == null) {
            pack();
        }
        EncoderInference.Packed packed = encoder.forward(batch);
        int b = batch.batch();
        features = ensure(features, b * featureWidth);
        for (int s = 0; s < b; s++) {
            pool(packed, s, features, s * featureWidth);
        }
        Kernels k = compute.kernels();
        float[] in = features;
        if (pooler != null) {
            activated = ensure(activated, b * width);
            k.linearTransB(b, features, 0, width, pooler, poolerBias, 0, null, null, 0, 0, activated, 0, width);
            for (int i = 0; i < b * width; i++) {
                activated[i] = (float) Math.tanh(activated[i]);
            }
            in = activated;
        }
        if (model.normalizes()) {
            for (int s = 0; s < b; s++) {
                L2Normalize.normalizeRow(in, s * featureWidth, featureWidth, in, s * featureWidth);
            }
        }
        logits = ensure(logits, b * labels);
        k.linearTransB(b, in, 0, featureWidth, classifier, classifierBias, 0, null, null, 0, 0, logits, 0, labels);
        return logits;
    }

    /** Softmax of row {@code i} of the last logits into {@code out} (K), as {@link SequenceClassifier#probabilities}. */
    public void probabilities(int i, float[] out) {
        Logits.softmax(logits, i * labels, labels, out);
    }

    /** The head's pooling of sequence s's packed rows, as {@link dev.graft.nn.SequencePooling} pools padded ones. */
    private void pool(EncoderInference.Packed packed, int s, float[] out, int o) {
        float[] h = packed.hidden();
        int start = packed.start(s);
        int end = packed.end(s);
        if (end == start) {
            throw new IllegalArgumentException("sequence " + s + " of the batch has no real token to pool");
        }
        int c = width;
        switch (model.pooling()) {
            case CLS -> System.arraycopy(h, start * c, out, o, c);
            case LAST -> System.arraycopy(h, (end - 1) * c, out, o, c);
            case MEAN -> mean(h, start, end, out, o);
            case CONCAT -> {
                System.arraycopy(h, (end - 1) * c, out, o, c);
                for (int j = 0; j < c; j++) {
                    float best = h[start * c + j];
                    for (int r = start + 1; r < end; r++) {
                        float v = h[r * c + j];
                        if (v > best) {
                            best = v;
                        }
                    }
                    out[o + c + j] = best;
                }
                mean(h, start, end, out, o + 2 * c);
            }
        }
    }

    private void mean(float[] h, int start, int end, float[] out, int o) {
        int c = width;
        if (sum == null) {
            sum = new double[c];
        }
        java.util.Arrays.fill(sum, 0.0);
        for (int r = start; r < end; r++) {
            for (int j = 0; j < c; j++) {
                sum[j] += h[r * c + j];
            }
        }
        float inv = 1f / (end - start);
        for (int j = 0; j < c; j++) {
            out[o + j] = (float) sum[j] * inv;
        }
    }

    /** Packs the head's linears from the model's current values (pooler then classifier, as headParameters lists). */
    private void pack() {
        List<Parameter> head = model.headParameters();
        int at = 0;
        if (model.hasPooler()) {
            pooler = packWeight(head.get(at++));
            poolerBias = head.get(at++).value().toArray();
        }
        classifier = packWeight(head.get(at++));
        classifierBias = head.get(at).value().toArray();
    }

    private Kernels.PackedWeight packWeight(Parameter p) {
        Tensor w = p.value();
        return compute.kernels().packWeight(w.dim(0), w.dim(1), w.data(), w.offset(), w.dim(1));
    }

    private static float[] ensure(float[] a, int n) {
        return a != null && a.length >= n ? a : new float[n];
    }
}
