package dev.graft.nn;

import dev.graft.tensor.kernel.ScalarKernels;

/**
 * Inverted dropout (Srivastava et al. 2014; torch.nn.Dropout): in training, each element is
 * zeroed with probability p and the survivors are scaled by 1/(1-p); in evaluation it is the
 * identity.
 *
 * <p>The random bits come from a counter-based generator: element i of call c keeps its value when
 * the top 24 bits of {@code splitMix(splitMix(seed ^ c·0x9E3779B97F4A7C15) + i)} reach p·2^24
 * ({@code Kernels.dropout}). No sequential state but the call counter, so the mask is the same for
 * any thread count and a resumed run continues the same stream after {@link #setCalls}.
 */
public final class Dropout {
    private final Compute compute;
    private final float p;
    private final long seed;
    private long calls;
    private boolean training = true;

    private float[] mask; // (n) 0 or 1/(1-p)
    private float[] y;
    private float[] dx;
    private boolean active; // whether the last forward dropped anything

    public Dropout(Compute compute, float p, long seed) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.compute = compute;
        this.p = p;
        this.seed = seed;
    }

    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isActive() {
        return training && p > 0f;
    }

    /** The number of masks drawn so far (the generator's whole state). */
    public long calls() {
        return calls;
    }

    public void setCalls(long calls) {
        this.calls = calls;
    }

    /** Returns x unchanged when inactive, else a layer-owned masked copy. */
    public float[] forward(float[] x, int n) {
        active = isActive();
        if (!active) {
            return x;
        }
        long call = calls++;
        compute.clock().enter(PhaseClock.Phase.DROPOUT);
        mask = Buffers.ensure(mask, n);
        y = Buffers.ensure(y, n);
        float scale = 1f / (1f - p);
        // keep when the top 24 bits of the hash are >= p·2^24
        int threshold = (int) Math.ceil(p * (1 << 24));
        long base = ScalarKernels.splitMix(seed ^ (call * 0x9E3779B97F4A7C15L));
        compute.parallel().forRange(n, 4096, (s, e) ->
                compute.kernels().dropout(e - s, base + s, threshold, scale, x, s, mask, s, y, s));
        compute.clock().exit();
        return y;
    }

    /** Backward of the last forward: dy·mask (layer-owned) or dy itself when inactive. */
    public float[] backward(float[] dy, int n) {
        if (!active) {
            return dy;
        }
        dx = Buffers.ensure(dx, n);
        compute.clock().enter(PhaseClock.Phase.DROPOUT);
        compute.elementwise(n, (s, e) -> compute.kernels().mul(e - s, dy, s, mask, s, dx, s));
        compute.clock().exit();
        return dx;
    }

    /** Multiplies {@code x} in place by the last mask (for callers that own the buffer). */
    public void applyLastMaskInPlace(float[] x, int off, int n, int maskOff) {
        if (active) {
            compute.kernels().mul(n, x, off, mask, maskOff, x, off);
        }
    }
}
