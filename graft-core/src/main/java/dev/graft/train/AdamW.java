package dev.graft.train;

import dev.graft.nn.Compute;
import dev.graft.nn.Parameter;
import dev.graft.nn.ParameterSet;

import java.util.List;

/**
 * AdamW (Loshchilov and Hutter 2019) over a {@link ParameterSet}, with torch.optim.AdamW's update
 * order: decoupled weight decay first, then the bias-corrected Adam step. Weight decay applies
 * only to parameters that ask for it (matrices and embeddings, not biases or LayerNorm). The
 * learning rate can be scaled per parameter (discriminative fine-tuning).
 */
public final class AdamW {
    private final Compute compute;
    private final ParameterSet parameters;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final float[] m;
    private final float[] v;
    // per parameter, this step's rate (0: not updated) and bias corrections; sized once
    private final float[] stepRates;
    private final float[] corrections1;
    private final float[] corrections2;
    private final float[] learningRateScale; // per parameter, 1 by default
    private final long[] parameterSteps; // updates each parameter has received (bias correction)
    private long step;

    public AdamW(Compute compute, ParameterSet parameters, float beta1, float beta2, float eps, float weightDecay) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps > 0)) {
            throw new IllegalArgumentException("AdamW epsilon must be > 0, got " + eps);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        this.compute = compute;
        this.parameters = parameters;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new float[parameters.count()];
        this.v = new float[parameters.count()];
        this.learningRateScale = new float[parameters.list().size()];
        java.util.Arrays.fill(learningRateScale, 1f);
        this.parameterSteps = new long[parameters.list().size()];
        this.stepRates = new float[parameters.list().size()];
        this.corrections1 = new float[parameters.list().size()];
        this.corrections2 = new float[parameters.list().size()];
    }

    /** Multiplies the learning rate of parameter {@code index} (in {@link ParameterSet#list()} order). */
    public void setLearningRateScale(int index, float scale) {
        learningRateScale[index] = scale;
    }

    public long stepCount() {
        return step;
    }

    public float[] firstMoments() {
        return m;
    }

    public float[] secondMoments() {
        return v;
    }

    /**
     * Updates each parameter has received, in {@link ParameterSet#list()} order: the step count of its
     * bias correction. All equal {@link #stepCount()} unless some parameters were skipped (a rate
     * scale of 0: frozen), as torch.optim keeps a step per parameter and skips those without gradient.
     */
    public long[] parameterSteps() {
        return parameterSteps.clone();
    }

    /** Restores the optimizer state (for resume); every parameter has {@code stepCount} updates. */
    public void restore(long stepCount, float[] firstMoments, float[] secondMoments) {
        long[] all = new long[parameterSteps.length];
        java.util.Arrays.fill(all, stepCount);
        restore(stepCount, all, firstMoments, secondMoments);
    }

    /** Restores the optimizer state with each parameter's own update count. */
    public void restore(long stepCount, long[] perParameterSteps, float[] firstMoments, float[] secondMoments) {
        if (firstMoments.length != m.length || secondMoments.length != v.length) {
            throw new IllegalArgumentException("optimizer state holds " + firstMoments.length
                    + " values but the model has " + m.length + " parameters");
        }
        if (perParameterSteps.length != parameterSteps.length) {
            throw new IllegalArgumentException("optimizer state has step counts for " + perParameterSteps.length
                    + " parameters but the model has " + parameterSteps.length);
        }
        step = stepCount;
        System.arraycopy(perParameterSteps, 0, parameterSteps, 0, parameterSteps.length);
        System.arraycopy(firstMoments, 0, m, 0, m.length);
        System.arraycopy(secondMoments, 0, v, 0, v.length);
    }

    /**
     * One update with learning rate {@code lr}, from the gradients currently in the set. A parameter
     * whose rate scale is 0 is skipped and keeps its step count, so when it starts training later
     * (gradual unfreezing) its bias correction starts afresh, as in torch.optim.
     */
    public void step(float lr) {
        compute.clock().enter(dev.graft.nn.PhaseClock.Phase.OPTIMIZER);
        step++;
        List<Parameter> list = parameters.list();
        float[] values = parameters.values();
        float[] grads = parameters.grads();
        int count = list.size();
        float[] rates = stepRates;
        java.util.Arrays.fill(rates, 0f);
        for (int i = 0; i < count; i++) {
            float rate = lr * learningRateScale[i];
            if (learningRateScale[i] == 0f) {
                continue;
            }
            long t = ++parameterSteps[i];
            corrections1[i] = (float) (1 - Math.pow(beta1, t));
            corrections2[i] = (float) (1 - Math.pow(beta2, t));
            rates[i] = rate;
        }
        // every element's update is its own: the slabs split into equal pieces across the threads, whatever
        // parameter each piece falls in (the embedding tables are 40% of a small model), give the same bits
        compute.parallel().forRange(values.length, 1 << 15, (s, e) -> {
            for (int i = 0; i < count; i++) {
                int off = parameters.offset(i);
                int from = Math.max(s, off);
                int to = Math.min(e, off + list.get(i).size());
                if (from >= to || rates[i] == 0f) {
                    continue;
                }
                compute.kernels().adamW(to - from, values, from, grads, from, m, v, from, rates[i], beta1, beta2,
                        eps, list.get(i).weightDecay() ? weightDecay : 0f, corrections1[i], corrections2[i]);
            }
        });
        compute.clock().exit();
    }

    /**
     * Scales all gradients so their global L2 norm is at most {@code maxNorm} (torch
     * clip_grad_norm_); returns the norm before clipping.
     */
    public static double clipGradientNorm(Compute compute, ParameterSet parameters, double maxNorm) {
        float[] g = parameters.grads();
        double norm = Math.sqrt(compute.kernels().sumOfSquares(g.length, g, 0));
        if (norm > maxNorm && maxNorm > 0) {
            float factor = (float) (maxNorm / (norm + 1e-6));
            compute.elementwise(g.length, (s, e) -> compute.kernels().scale(e - s, factor, g, s));
        }
        return norm;
    }
}
