package dev.graft.nn;

import java.util.List;

/**
 * Layer normalization over the last dimension (Ba et al. 2016; torch.nn.LayerNorm), with
 * parameters named {@code prefix.weight} and {@code prefix.bias}.
 */
public final class LayerNorm implements Module {
    private final Compute compute;
    private final Parameter gamma;
    private final Parameter beta;
    private final int width;
    private final float eps;

    private float[] x; // (rows, width), the caller's
    private int rows;
    private float[] y;
    private float[] mean;
    private float[] rstd;
    private float[] dx;
    private float[] partialGamma; // (threads, width) per-thread dGamma
    private float[] partialBeta; // (threads, width) per-thread dBeta

    public LayerNorm(Compute compute, String prefix, int width, float eps) {
        this.compute = compute;
        this.width = width;
        this.eps = eps;
        this.gamma = new Parameter(prefix + ".weight", false, width);
        this.beta = new Parameter(prefix + ".bias", false, width);
        gamma.value().fill(1f);
    }

    public Parameter weight() {
        return gamma;
    }

    public Parameter bias() {
        return beta;
    }

    public float[] forward(float[] input, int rowCount) {
        x = input;
        rows = rowCount;
        y = Buffers.ensure(y, rowCount * width);
        mean = Buffers.ensure(mean, rowCount);
        rstd = Buffers.ensure(rstd, rowCount);
        float[] g = gamma.value().data();
        int go = gamma.value().offset();
        float[] b = beta.value().data();
        int bo = beta.value().offset();
        compute.clock().enter(PhaseClock.Phase.LAYER_NORM);
        compute.parallel().forRange(rowCount, 32, (s, e) -> compute.kernels().layerNorm(
                e - s, width, input, s * width, g, go, b, bo, eps, y, s * width, mean, rstd, s));
        compute.clock().exit();
        return y;
    }

    /** Accumulates dGamma, dBeta; returns dx (rows, width), owned by the layer. */
    public float[] backward(float[] dy) {
        compute.clock().enter(PhaseClock.Phase.LAYER_NORM);
        dx = Buffers.ensure(dx, rows * width);
        int threads = compute.parallel().threads();
        partialGamma = Buffers.ensure(partialGamma, threads * width);
        partialBeta = Buffers.ensure(partialBeta, threads * width);
        java.util.Arrays.fill(partialGamma, 0, threads * width, 0f);
        java.util.Arrays.fill(partialBeta, 0, threads * width, 0f);
        float[] g = gamma.value().data();
        int go = gamma.value().offset();
        compute.parallel().forEachChunk(rows, 32, (c, s, e) -> compute.kernels().layerNormBackward(
                e - s, width, dy, s * width, x, s * width, g, go, mean, rstd, s,
                dx, s * width, false, partialGamma, partialBeta, c * width));
        // per-thread partial sums added in chunk order: the same result on every run
        float[] dg = gamma.grad().data();
        int dgo = gamma.grad().offset();
        float[] db = beta.grad().data();
        int dbo = beta.grad().offset();
        for (int c = 0; c < threads; c++) {
            for (int j = 0; j < width; j++) {
                dg[dgo + j] += partialGamma[c * width + j];
                db[dbo + j] += partialBeta[c * width + j];
            }
        }
        compute.clock().exit();
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(gamma, beta);
    }
}
