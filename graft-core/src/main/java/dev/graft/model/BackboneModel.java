package dev.graft.model;

import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.Module;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;
import dev.graft.tensor.kernel.Kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the models made of a {@link Backbone} and a head share ({@link LanguageModel}, {@link SequenceClassifier},
 * {@link TokenTagger}): the backbone with its config and compute, one parameter slab holding the backbone's
 * parameters then the head's, the dropouts, the head's initialization, and the row bookkeeping of heads that
 * run only on the positions carrying a target.
 */
public abstract sealed class BackboneModel implements Module, TrainableModel
        permits LanguageModel, SequenceClassifier, TokenTagger {
    final Compute compute;
    final ModelConfig config;
    final Backbone backbone;
    private ParameterSet parameters;
    private List<Parameter> headParameters;
    private Dropout headDropout;
    int lastCorrect; // rows whose arg-max logit was their target in the last loss

    BackboneModel(Compute compute, Backbone backbone) {
        this.compute = compute;
        this.backbone = backbone;
        this.config = backbone.config();
    }

    /**
     * Puts the head's parameters after the backbone's in one slab (moving them all into it); the constructor
     * calls it once, when the head is built.
     *
     * @param dropout the head's dropout layer, or null
     */
    final void attachHead(List<Parameter> head, Dropout dropout) {
        headParameters = List.copyOf(head);
        List<Parameter> all = new ArrayList<>(backbone.parameters());
        all.addAll(headParameters);
        parameters = new ParameterSet(all);
        headDropout = dropout;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Backbone backbone() {
        return backbone;
    }

    @Override
    public ParameterSet parameterSet() {
        return parameters;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters.list();
    }

    /** The head's parameters, in order. */
    public List<Parameter> headParameters() {
        return headParameters;
    }

    /** Examples (or positions) whose arg-max logit was their target in the last loss. */
    public int lastCorrect() {
        return lastCorrect;
    }

    /**
     * Softmax cross-entropy of rows [0, rows) of {@code logits} (rows, k) against {@code targets} (checked by the
     * caller to be in [0, k)), each row's gradient scaled by its weight / {@code normalizer} into {@code dLogits};
     * sets {@link #lastCorrect}. Returns Σ weight·CE.
     *
     * @param weights the loss weight of each class (k), or null for 1
     */
    final double crossEntropyRows(float[] logits, int rows, int k, int[] targets, float[] weights, double normalizer,
                                  float[] dLogits) {
        Kernels kernels = compute.kernels();
        double sum = 0;
        int correct = 0;
        for (int i = 0; i < rows; i++) {
            int y = targets[i];
            float w = weights == null ? 1f : weights[y];
            float ce = kernels.crossEntropy(k, logits, i * k, y, TokenBatch.IGNORE, (float) (w / normalizer), dLogits,
                    i * k);
            sum += (double) w * ce;
            if (argmax(logits, i * k, k) == y) {
                correct++;
            }
        }
        lastCorrect = correct;
        return sum;
    }

    /** The backbone's dropouts, then the head's. */
    @Override
    public List<Dropout> dropouts() {
        if (headDropout == null) {
            return backbone.dropouts();
        }
        List<Dropout> list = new ArrayList<>(backbone.dropouts());
        list.add(headDropout);
        return list;
    }

    /** Head weights (2 or more dimensions) from N(0, std²), biases and 1-dimensional parameters zero. */
    static void initializeHead(List<Parameter> head, float std, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x4EADL);
        for (Parameter p : head) {
            float[] d = p.value().data();
            int off = p.value().offset();
            if (p.shape().length >= 2) {
                for (int i = 0; i < p.size(); i++) {
                    d[off + i] = (float) (Initializer.gaussian(random) * std);
                }
            } else {
                p.value().fill(0f);
            }
        }
    }

    /** The rows of {@code targets[0..n)} that carry a target, into {@code selected}; returns how many. */
    static int selectTargets(int[] targets, int n, int[] selected) {
        int r = 0;
        for (int i = 0; i < n; i++) {
            if (targets[i] != TokenBatch.IGNORE) {
                selected[r++] = i;
            }
        }
        return r;
    }

    /** Rows {@code rows[0..count)} of {@code hidden} (·, c) into {@code out} (count, c). */
    static void gatherRows(float[] hidden, int[] rows, int count, int c, float[] out) {
        for (int i = 0; i < count; i++) {
            System.arraycopy(hidden, rows[i] * c, out, i * c, c);
        }
    }

    /** The inverse of {@link #gatherRows}: {@code d} (count, c) into rows of {@code out} (n, c), zero elsewhere. */
    static void scatterRows(float[] d, int[] rows, int count, int c, float[] out, int n) {
        Arrays.fill(out, 0, n * c, 0f);
        for (int i = 0; i < count; i++) {
            System.arraycopy(d, i * c, out, rows[i] * c, c);
        }
    }

    /** The index of the largest of {@code a[off..off+n)}, the first on ties. */
    static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
