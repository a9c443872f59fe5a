package dev.graft.model;

import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.L2Normalize;
import dev.graft.nn.Linear;
import dev.graft.nn.Parameter;
import dev.graft.nn.Pooling;
import dev.graft.nn.SequencePooling;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A backbone with a sequence-classification head: pooling, dropout, a linear layer to one logit
 * per label, and single-label softmax cross-entropy, optionally class-weighted
 * (torch.nn.CrossEntropyLoss(weight=w): the loss is Σ w[yᵢ]·CEᵢ / Σ w[yᵢ]).
 * <ul>
 * <li>{@link Pooling#CLS}: BERT's pooler (Devlin et al. 2019; Hugging Face
 * BertForSequenceClassification): dense + tanh on the first token, names {@code bert.pooler.dense.*}
 * and {@code classifier.*}. Encoders only: a decoder's first token sees nothing of the text.</li>
 * <li>{@link Pooling#LAST}: the last real token (GPT2ForSequenceClassification, whose head is
 * {@code score}).</li>
 * <li>{@link Pooling#MEAN}: masked mean of the token vectors.</li>
 * <li>{@link Pooling#CONCAT}: ULMFiT's [last, max, mean] (Howard and Ruder 2018, section 3.3).</li>
 * </ul>
 * A head that pools as a sentence-transformers encoder ({@link HeadConfig#sentenceEmbedding}, SetFit's) has
 * no pooler with cls pooling (the first token's state as it is) and may L2-normalize its features
 * ({@link L2Normalize}, after the pooler if any, before dropout): softmax(W · normalize(pool(h)) + b).
 * The normalization's backward is checked by finite differences like the rest of the head, so such a head
 * trains as any other.
 * The head's dropout is the backbone's hidden dropout (Hugging Face's classifier_dropout default).
 * The classifier layer is named {@code classifier} on encoders and {@code score} on decoders, as in
 * Hugging Face; head weights start from N(0, initializerRange²) with zero biases.
 */
public final class SequenceClassifier extends BackboneModel implements HeadModel {
    /** The pooling when none is chosen: BERT's cls for encoders, ULMFiT's concat for decoders. */
    public static Pooling defaultPooling(ModelConfig config) {
        return config.isEncoder() ? Pooling.CLS : Pooling.CONCAT;
    }

    private final Pooling pooling;
    private final int labels;
    private final SequencePooling pool;
    private final Linear pooler; // CLS with BERT's pooler only
    private final L2Normalize normalization; // null when the head does not normalize
    private final Dropout dropout;
    private final Linear classifier;
    private float[] classWeights; // (K) or null

    private int batchSize;
    private int featureWidth;
    private float[] activated; // (B, C) tanh(pooler(pooled))
    private float[] dPreActivation; // (B, C)
    private float[] dLogits; // (B, K)
    private float[] logits; // (B, K), the classifier's output

    /**
     * A head with BERT's pooler when the pooling is cls, and no normalization.
     *
     * @param backbone the body (its parameters are moved into this model's slab)
     * @param labels   number of classes, at least 2
     * @param seed     seeds the head's initial weights and its dropout
     */
    public SequenceClassifier(Compute compute, Backbone backbone, Pooling pooling, int labels, long seed) {
        this(compute, backbone, pooling, pooling == Pooling.CLS, false, labels, seed);
    }

    /** The head {@code head} describes (its pooling, pooler, normalization and labels). */
    public SequenceClassifier(Compute compute, Backbone backbone, HeadConfig head, long seed) {
        this(compute, backbone, head.pooling(), head.pooler(), head.normalize(), head.labels().size(), seed);
    }

    /**
     * @param backbone   the body (its parameters are moved into this model's slab)
     * @param withPooler BERT's pooler (dense + tanh) on the first token; cls pooling only
     * @param normalize  L2-normalize the features before dropout and the linear layer
     * @param labels     number of classes, at least 2
     * @param seed       seeds the head's initial weights and its dropout
     */
    public SequenceClassifier(Compute compute, Backbone backbone, Pooling pooling, boolean withPooler,
                              boolean normalize, int labels, long seed) {
        super(compute, backbone);
        if (labels < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 labels, got " + labels);
        }
        this.pooling = pooling;
        this.labels = labels;
        int c = config.hiddenSize();
        if (pooling == Pooling.CLS && !config.isEncoder()) {
            throw new IllegalArgumentException("cls pooling needs an encoder: a decoder's first token sees nothing of "
                    + "the text; use last, mean or concat pooling");
        }
        if (withPooler && pooling != Pooling.CLS) {
            throw new IllegalArgumentException("BERT's pooler belongs to cls pooling, not " + pooling.id());
        }
        pool = new SequencePooling(pooling, c);
        pooler = withPooler ? new Linear(compute, "bert.pooler.dense", c, c, Linear.Layout.OUT_IN, true) : null;
        normalization = normalize ? new L2Normalize(pool.outputWidth()) : null;
        dropout = new Dropout(compute, config.hiddenDropout(), seed * 1000 + 901);
        classifier = new Linear(compute, config.isEncoder() ? "classifier" : "score", pool.outputWidth(), labels,
                Linear.Layout.OUT_IN, true);
        List<Parameter> head = new ArrayList<>();
        if (pooler != null) {
            head.addAll(pooler.parameters());
        }
        head.addAll(classifier.parameters());
        attachHead(head, dropout);
        initializeHead(headParameters(), config.initializerRange(), seed);
    }

    public Pooling pooling() {
        return pooling;
    }

    public int labelCount() {
        return labels;
    }

    /** Whether the head passes the first token through BERT's pooler (dense + tanh). */
    public boolean hasPooler() {
        return pooler != null;
    }

    /** Whether the head L2-normalizes its features before the linear layer. */
    public boolean normalizes() {
        return normalization != null;
    }

    /** The Hugging Face class this model corresponds to. */
    public String architectureName() {
        return config.isEncoder() ? "BertForSequenceClassification" : "GPT2ForSequenceClassification";
    }

    /** Per-class loss weights (K), or null for none. */
    public void setClassWeights(float[] weights) {
        if (weights != null) {
            if (weights.length != labels) {
                throw new IllegalArgumentException(weights.length + " class weights for " + labels + " labels");
            }
            for (float w : weights) {
                if (!(w >= 0) || Float.isInfinite(w)) {
                    throw new IllegalArgumentException("class weights must be finite and >= 0, got " + w);
                }
            }
        }
        this.classWeights = weights == null ? null : weights.clone();
    }

    /** The loss weight of class {@code label} (1 without class weights). */
    public float weightOf(int label) {
        return classWeights == null ? 1f : classWeights[label];
    }

    /** Logits (B, K) of a batch, owned by the model, valid until the next forward. */
    public float[] logits(TokenBatch batch) {
        return headForward(backbone.forward(batch), batch);
    }

    /**
     * Forward, loss and (with {@code backward}) gradients. Returns Σᵢ w[yᵢ]·CEᵢ over the batch (a sum,
     * not a mean); gradients are scaled by 1/{@code normalizer}, so with the Σ w[yᵢ] of all micro-batches
     * of an update as normalizer the accumulated gradient is that of the weighted mean loss.
     *
     * @param labels (B) class ids
     */
    public double forward(TokenBatch batch, int[] labels, boolean backward, double normalizer) {
        int b = batch.batch();
        if (labels.length < b) {
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + b);
        }
        int k = this.labels;
        for (int i = 0; i < b; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new IllegalArgumentException("label " + labels[i] + " of example " + i + " is outside [0, " + k
                        + ")");
            }
        }
        float[] out = logits(batch);
        dLogits = Buffers.ensure(dLogits, b * k);
        double sum = crossEntropyRows(out, b, k, labels, classWeights, normalizer, dLogits);
        if (backward) {
            backbone.backward(headBackward(dLogits));
        }
        return sum;
    }

    /**
     * Backward of {@link #logits}: from the gradient of the last logits (B, K) through the head and the
     * backbone, accumulating gradients. For losses other than single-label cross-entropy (multi-label).
     */
    public void backward(float[] dLogits) {
        backbone.backward(headBackward(dLogits));
    }

    /**
     * The head alone: logits (B, K) from the backbone's hidden states (B·T, C). Public for gradient
     * checks and for callers that run the backbone themselves.
     */
    public float[] headForward(float[] hidden, TokenBatch batch) {
        batchSize = batch.batch();
        int c = config.hiddenSize();
        float[] pooled = pool.forward(hidden, batch.batch(), batch.time(), batch.attentionMask());
        float[] features = pooled;
        if (pooler != null) {
            float[] z = pooler.forward(pooled, batchSize);
            activated = Buffers.ensure(activated, batchSize * c);
            for (int i = 0; i < batchSize * c; i++) {
                activated[i] = (float) Math.tanh(z[i]);
            }
            features = activated;
        }
        featureWidth = pool.outputWidth();
        if (normalization != null) {
            features = normalization.forward(features, batchSize);
        }
        features = dropout.forward(features, batchSize * featureWidth);
        logits = classifier.forward(features, batchSize);
        return logits;
    }

    /** Backward of {@link #headForward}: accumulates head gradients, returns dHidden (B·T, C), layer-owned. */
    public float[] headBackward(float[] dOut) {
        float[] d = classifier.backward(dOut);
        d = dropout.backward(d, batchSize * featureWidth);
        if (normalization != null) {
            d = normalization.backward(d);
        }
        if (pooler != null) {
            int n = batchSize * config.hiddenSize();
            dPreActivation = Buffers.ensure(dPreActivation, n);
            for (int i = 0; i < n; i++) {
                float a = activated[i];
                dPreActivation[i] = d[i] * (1f - a * a);
            }
            d = pooler.backward(dPreActivation);
        }
        return pool.backward(d);
    }

    /** Softmax of the last logits, row {@code i}, into {@code out} (K). */
    public void probabilities(int i, float[] out) {
        Logits.softmax(logits, i * labels, labels, out);
    }
}
