package dev.graft.model;

import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.nn.LayerNorm;
import dev.graft.nn.Linear;
import dev.graft.nn.Parameter;
import dev.graft.nn.PhaseClock;
import dev.graft.tensor.kernel.Kernels;

import java.util.ArrayList;
import java.util.List;

/**
 * A backbone with its pretraining head, tied to the token embeddings:
 * <ul>
 * <li>encoder: BERT's MLM head (Devlin et al. 2019; Hugging Face BertForMaskedLM): dense, GELU,
 * LayerNorm, then the tied decoder plus {@code cls.predictions.bias};</li>
 * <li>decoder: GPT-2's LM head (Radford et al. 2019; GPT2LMHeadModel): logits = h·wteᵀ.</li>
 * </ul>
 * The loss is cross-entropy over positions whose target is not {@link TokenBatch#IGNORE}, averaged
 * over those positions (torch.nn.CrossEntropyLoss, reduction mean). Logits are only computed for
 * those positions.
 */
public final class LanguageModel extends BackboneModel {
    private final Linear transform; // encoder only
    private final LayerNorm transformNorm; // encoder only
    private final Parameter outputBias; // encoder only

    private int[] selected; // rows with a target
    private int selectedCount;
    private float[] gathered; // (R, C)
    private float[] activated; // (R, C) gelu(transform(gathered))
    private float[] headOut; // (R, C) what the decoder multiplies, owned by a layer or = gathered
    private float[] logits; // (R, V), then dLogits in place
    private final SelectedRowsLoss rowsLoss = new SelectedRowsLoss();
    private float[] dHeadOut; // (R, C)
    private float[] dActivated;
    private float[] dHidden; // (N, C)
    private TokenBatch lastBatch;

    public LanguageModel(Compute compute, ModelConfig config, long seed) {
        this(compute, new Backbone(compute, config, seed), seed, true);
    }

    /**
     * A pretraining head on an existing backbone, shared with another model (multitask training: a
     * classifier and this head on one body). Only the head is initialized; the backbone keeps its
     * weights. Its parameters move into this model's slab, so build the set the trainer uses last.
     */
    public LanguageModel(Compute compute, Backbone backbone, long seed) {
        this(compute, backbone, seed, false);
    }

    private LanguageModel(Compute compute, Backbone backbone, long seed, boolean initializeAll) {
        super(compute, backbone);
        int c = config.hiddenSize();
        int width = config.embeddingSize(); // the tied decoder's: the transform maps the hidden size to it
        if (config.isEncoder()) {
            transform = new Linear(compute, "cls.predictions.transform.dense", c, width, Linear.Layout.OUT_IN, true)
                    .timedAs(PhaseClock.Phase.HEAD);
            transformNorm = new LayerNorm(compute, "cls.predictions.transform.LayerNorm", width,
                    config.layerNormEps());
            outputBias = new Parameter("cls.predictions.bias", false, config.vocabSize());
        } else {
            transform = null;
            transformNorm = null;
            outputBias = null;
        }
        List<Parameter> head = new ArrayList<>();
        if (transform != null) {
            head.addAll(transform.parameters());
            head.addAll(transformNorm.parameters());
            head.add(outputBias);
        }
        attachHead(head, null);
        if (initializeAll) {
            Initializer.initialize(parameterSet(), config, seed);
        } else if (transform != null) {
            initializeHead(transform.parameters(), config.initializerRange(), seed);
            transformNorm.weight().value().fill(1f);
            transformNorm.bias().value().fill(0f);
            outputBias.value().fill(0f);
        }
    }

    /**
     * Forward pass and loss; with {@code backward} also accumulates every parameter's gradient
     * (gradients are added to, not replaced: zero them between steps). Returns the mean loss over
     * the positions with a target, or 0 when there are none.
     */
    public float forward(TokenBatch batch, boolean backward) {
        return forward(batch, backward, countTargets(batch));
    }

    /** Positions of the batch that carry a target. */
    public static int countTargets(TokenBatch batch) {
        int n = 0;
        for (int i = 0; i < batch.rows(); i++) {
            if (batch.targets()[i] != TokenBatch.IGNORE) {
                n++;
            }
        }
        return n;
    }

    /**
     * As {@link #forward(TokenBatch, boolean)}, but gradients are scaled by 1/{@code normalizer}
     * instead of 1/(this batch's target count): with the total count of several micro-batches,
     * their accumulated gradients equal those of one batch holding them all.
     */
    public float forward(TokenBatch batch, boolean backward, int normalizer) {
        if (batch.targets() == null) {
            throw new IllegalArgumentException("the batch has no targets: nothing to compute a loss on");
        }
        lastBatch = batch;
        float[] hidden = backbone.forward(batch);
        compute.clock().enter(PhaseClock.Phase.HEAD);
        int n = batch.rows();
        int[] targets = batch.targets();
        selected = Buffers.ensure(selected, n);
        int r = selectTargets(targets, n, selected);
        selectedCount = r;
        lastCorrect = 0;
        if (r == 0) {
            compute.clock().exit();
            return 0f;
        }
        computeLogits(hidden, selected, r);
        int v = config.vocabSize();
        final int rows = r;
        double sum = rowsLoss.compute(compute, logits, rows, v, targets, selected, 1f / Math.max(1, normalizer));
        lastCorrect = rowsLoss.correct();
        float loss = (float) (sum / rows);
        if (backward) {
            backwardFromLogitGradients(hidden);
        }
        compute.clock().exit();
        return loss;
    }

    /** Positions that carried a target in the last forward. */
    public int lastTargetCount() {
        return selectedCount;
    }

    /** Logits (B·T, V) for every position, as a new array (for inspection and tests). */
    public float[] allLogits(TokenBatch batch) {
        float[] hidden = backbone.forward(batch);
        int n = batch.rows();
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        computeLogits(hidden, all, n);
        return java.util.Arrays.copyOf(logits, n * config.vocabSize());
    }

    /**
     * Log-probabilities of chosen tokens at chosen positions, with no loss and no gradients (for
     * scoring candidate continuations): entry j is {@code log softmax(logits(positions[j]))[tokens[j]]},
     * where a position is a row {@code b·time + t} of the batch. For a decoder the logits at t predict
     * token t+1. A position may be asked for several times (several candidate tokens); its logits are
     * computed once. The batch's targets are not used. The log-sum-exp is taken in double precision.
     *
     * @throws IllegalArgumentException if the arrays differ in length, or a position or token is out of range
     */
    public double[] tokenLogProbabilities(TokenBatch batch, int[] positions, int[] tokens) {
        if (positions.length != tokens.length) {
            throw new IllegalArgumentException(positions.length + " positions but " + tokens.length + " tokens");
        }
        int n = batch.rows();
        int v = config.vocabSize();
        int[] rowOf = new int[n]; // position -> row of the logits, -1 when not asked for
        java.util.Arrays.fill(rowOf, -1);
        int[] distinct = new int[Math.min(n, positions.length)];
        int r = 0;
        for (int j = 0; j < positions.length; j++) {
            int p = positions[j];
            if (p < 0 || p >= n) {
                throw new IllegalArgumentException("position " + p + " is outside the batch's " + n + " rows");
            }
            if (tokens[j] < 0 || tokens[j] >= v) {
                throw new IllegalArgumentException("token " + tokens[j] + " is outside the vocabulary [0, " + v + ")");
            }
            if (rowOf[p] < 0) {
                rowOf[p] = r;
                distinct[r++] = p;
            }
        }
        double[] out = new double[positions.length];
        if (r == 0) {
            return out;
        }
        float[] hidden = backbone.forward(batch);
        computeLogits(hidden, distinct, r);
        double[] logNormalizer = new double[r]; // (R) log Σ exp(logits)
        float[] l = logits;
        compute.parallel().forRange(r, 8, (s, e) -> {
            for (int i = s; i < e; i++) {
                logNormalizer[i] = Logits.logSumExp(l, i * v, v);
            }
        });
        for (int j = 0; j < positions.length; j++) {
            int i = rowOf[positions[j]];
            out[j] = l[i * v + tokens[j]] - logNormalizer[i];
        }
        return out;
    }

    private void computeLogits(float[] hidden, int[] rowsIndex, int r) {
        int c = config.hiddenSize();
        int w = config.embeddingSize();
        int v = config.vocabSize();
        gathered = Buffers.ensure(gathered, r * c);
        gatherRows(hidden, rowsIndex, r, c, gathered);
        Kernels k = compute.kernels();
        if (transform != null) {
            float[] t = transform.forward(gathered, r);
            activated = Buffers.ensure(activated, r * w);
            compute.elementwise(r * w, (s, e) -> k.gelu(config.gelu(), e - s, t, s, activated, s));
            headOut = transformNorm.forward(activated, r);
        } else {
            headOut = gathered;
        }
        logits = Buffers.ensure(logits, r * v);
        tiedLogits(compute, r, v, w, headOut, backbone.tokenEmbedding().weight(), outputBias, logits);
    }

    /**
     * The logits of a head tied to the token embeddings E (V, W): logits (R, V) = headOut (R, W) · Eᵀ, plus
     * the bias on every row when {@code bias} is not null (BERT's MLM head, ELECTRA's generator).
     */
    static void tiedLogits(Compute compute, int r, int v, int w, float[] headOut, Parameter e, Parameter bias,
                           float[] logits) {
        Kernels k = compute.kernels();
        k.matmulTransB(r, v, w, headOut, 0, w, e.value().data(), e.value().offset(), w, logits, 0, v, false);
        if (bias != null) {
            float[] b = bias.value().data();
            int bo = bias.value().offset();
            compute.parallel().forRange(r, 16, (s, en) -> k.addBiasRows(en - s, v, b, bo, logits, s * v));
        }
    }

    /**
     * The tied head's backward from the logit gradients dLogits (R, V): dHeadOut (R, W) = dLogits · E, and
     * E's gradient gains dLogitsᵀ · headOut (the bias's gradient is the caller's).
     */
    static void tiedBackward(Kernels k, int r, int v, int w, float[] dLogits, float[] headOut, Parameter e,
                             float[] dHeadOut) {
        k.matmul(r, w, v, dLogits, 0, v, e.value().data(), e.value().offset(), w, dHeadOut, 0, w, false);
        k.matmulTransA(v, w, r, dLogits, 0, v, headOut, 0, w, e.grad().data(), e.grad().offset(), w, true);
    }

    private void backwardFromLogitGradients(float[] hidden) {
        int r = selectedCount;
        int c = config.hiddenSize();
        int w = config.embeddingSize();
        int v = config.vocabSize();
        int n = lastBatch.rows();
        Kernels k = compute.kernels();
        dHeadOut = Buffers.ensure(dHeadOut, r * w);
        // dHeadOut = dLogits·E ; dE += dLogitsᵀ·headOut ; dBias += Σ rows
        tiedBackward(k, r, v, w, logits, headOut, backbone.tokenEmbedding().weight(), dHeadOut);
        float[] dGathered;
        if (transform != null) {
            k.sumRowsInto(r, v, logits, 0, outputBias.grad().data(), outputBias.grad().offset());
            float[] dAct = transformNorm.backward(dHeadOut);
            dActivated = Buffers.ensure(dActivated, r * w);
            // the transform's output is still held by the Linear layer from computeLogits
            float[] pre = transformOutput();
            compute.elementwise(r * w, (s, e) -> k.geluBackward(config.gelu(), e - s, pre, s, dAct, s, dActivated, s,
                    false));
            dGathered = transform.backward(dActivated);
        } else {
            dGathered = dHeadOut;
        }
        dHidden = Buffers.ensure(dHidden, n * c);
        scatterRows(dGathered, selected, r, c, dHidden, n);
        compute.clock().enter(PhaseClock.Phase.OTHER);
        backbone.backward(dHidden);
        compute.clock().exit();
    }

    private float[] transformOutput() {
        return transform.lastOutput();
    }
}
