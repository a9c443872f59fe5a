package dev.graft.nn;

import dev.graft.tensor.kernel.Kernels;

import java.util.List;

/**
 * y = x·W + b over rows. The weight is stored either as PyTorch's nn.Linear does, (out, in), or
 * as GPT-2's Conv1D does, (in, out), so checkpoints load without transposing.
 *
 * <p>Activations are row-major (rows, in) → (rows, out) arrays at offset 0. The output array
 * belongs to the layer and stays valid until the next forward; forward caches a reference to its
 * input for backward, so the caller must not overwrite it in between.
 */
public final class Linear implements Module {
    /** How the weight matrix is laid out. */
    public enum Layout {
        /** (out, in), torch.nn.Linear. */
        OUT_IN,
        /** (in, out), Hugging Face GPT-2 Conv1D. */
        IN_OUT
    }

    private final Compute compute;
    private final Parameter weight;
    private final Parameter bias;
    private final Layout layout;
    private final int in;
    private final int out;

    private float[] x; // (rows, in), the caller's
    private int rows;
    private float[] y; // (rows, out)
    private float[] dx; // (rows, in)
    private PhaseClock.Phase phase = PhaseClock.Phase.OTHER_LINEAR;

    public Linear(Compute compute, String prefix, int in, int out, Layout layout, boolean hasBias) {
        this.compute = compute;
        this.in = in;
        this.out = out;
        this.layout = layout;
        this.weight = layout == Layout.OUT_IN
                ? new Parameter(prefix + ".weight", true, out, in)
                : new Parameter(prefix + ".weight", true, in, out);
        this.bias = hasBias ? new Parameter(prefix + ".bias", false, out) : null;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    /** The phase this layer's GEMMs count as on the model's {@link PhaseClock} (other linears by default). */
    public Linear timedAs(PhaseClock.Phase phase) {
        this.phase = java.util.Objects.requireNonNull(phase, "phase");
        return this;
    }

    /** y (rows, out) = x (rows, in)·W + b. */
    public float[] forward(float[] input, int rowCount) {
        this.x = input;
        this.rows = rowCount;
        y = Buffers.ensure(y, rowCount * out);
        compute.clock().enter(phase);
        Kernels k = compute.kernels();
        float[] w = weight.value().data();
        int wo = weight.value().offset();
        if (layout == Layout.OUT_IN) {
            // the bias added to each output tile by the GEMM (the same bits as a separate pass)
            float[] b = bias == null ? null : bias.value().data();
            int bo = bias == null ? 0 : bias.value().offset();
            k.linearTransB(rowCount, out, in, input, 0, in, w, wo, in, b, bo, null, null, 0, 0, y, 0, out);
        } else {
            k.matmul(rowCount, out, in, input, 0, in, w, wo, out, y, 0, out, false);
            if (bias != null) {
                addBias(rowCount);
            }
        }
        compute.clock().exit();
        return y;
    }

    private void addBias(int rowCount) {
        float[] b = bias.value().data();
        int bo = bias.value().offset();
        compute.parallel().forRange(rowCount, 64,
                (s, e) -> compute.kernels().addBiasRows(e - s, out, b, bo, y, s * out));
    }

    /** The output of the last forward (layer-owned). */
    public float[] lastOutput() {
        return y;
    }

    /** Accumulates dW and db from dy (rows, out) and returns dx (rows, in), owned by the layer. */
    public float[] backward(float[] dy) {
        compute.clock().enter(phase);
        Kernels k = compute.kernels();
        float[] w = weight.value().data();
        int wo = weight.value().offset();
        float[] dw = weight.grad().data();
        int dwo = weight.grad().offset();
        dx = Buffers.ensure(dx, rows * in);
        if (layout == Layout.OUT_IN) {
            // dx = dy·W ; dW += dyᵀ·x
            k.matmul(rows, in, out, dy, 0, out, w, wo, in, dx, 0, in, false);
            k.matmulTransA(out, in, rows, dy, 0, out, x, 0, in, dw, dwo, in, true);
        } else {
            // dx = dy·Wᵀ ; dW += xᵀ·dy
            k.matmulTransB(rows, in, out, dy, 0, out, w, wo, out, dx, 0, in, false);
            k.matmulTransA(in, out, rows, x, 0, in, dy, 0, out, dw, dwo, out, true);
        }
        if (bias != null) {
            k.sumRowsInto(rows, out, dy, 0, bias.grad().data(), bias.grad().offset());
        }
        compute.clock().exit();
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }
}
