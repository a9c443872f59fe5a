package dev.graft.nn;

import dev.graft.tensor.kernel.GeluForm;

import java.util.List;

/** The position-wise feed-forward network: Linear(width → inner), GELU, Linear(inner → width). */
public final class FeedForward implements Module {
    private final Compute compute;
    private final Linear up;
    private final Linear down;
    private final GeluForm gelu;
    private final int inner;

    private float[] preActivation; // (rows, inner), owned by `up`
    private float[] activation; // (rows, inner)
    private float[] dActivation;
    private int rows;

    public FeedForward(Compute compute, String upName, String downName, int width, int inner,
                       Linear.Layout layout, GeluForm gelu) {
        this(compute, upName, downName, width, inner, layout, gelu, true);
    }

    /** @param bias whether the two linears have biases (false: Cramming's bias-free linears) */
    public FeedForward(Compute compute, String upName, String downName, int width, int inner,
                       Linear.Layout layout, GeluForm gelu, boolean bias) {
        this.compute = compute;
        this.inner = inner;
        this.gelu = gelu;
        this.up = new Linear(compute, upName, width, inner, layout, bias).timedAs(PhaseClock.Phase.FFN_UP);
        this.down = new Linear(compute, downName, inner, width, layout, bias).timedAs(PhaseClock.Phase.FFN_DOWN);
    }

    public float[] forward(float[] x, int rowCount) {
        rows = rowCount;
        preActivation = up.forward(x, rowCount);
        activation = Buffers.ensure(activation, rowCount * inner);
        compute.clock().enter(PhaseClock.Phase.GELU);
        compute.parallel().forRange(rowCount, 16, (s, e) ->
                compute.kernels().gelu(gelu, (e - s) * inner, preActivation, s * inner, activation, s * inner));
        compute.clock().exit();
        return down.forward(activation, rowCount);
    }

    public float[] backward(float[] dy) {
        float[] dAct = down.backward(dy);
        dActivation = Buffers.ensure(dActivation, rows * inner);
        compute.clock().enter(PhaseClock.Phase.GELU);
        compute.parallel().forRange(rows, 16, (s, e) -> compute.kernels().geluBackward(
                gelu, (e - s) * inner, preActivation, s * inner, dAct, s * inner, dActivation, s * inner, false));
        compute.clock().exit();
        return up.backward(dActivation);
    }

    @Override
    public List<Parameter> parameters() {
        return Module.parametersOf(up, down);
    }
}
