package dev.graft.nn;

import dev.graft.tensor.Tensor;

/**
 * A trainable tensor: its value, its gradient (same shape) and its name in Hugging Face naming
 * ("bert.encoder.layer.0.attention.self.query.weight"). Value and gradient start in storage of
 * their own and are moved into one slab by {@link ParameterSet}; layers therefore read
 * {@link #value()} and {@link #grad()} on every use rather than keeping the arrays.
 */
public final class Parameter {
    private final String name;
    private final boolean weightDecay;
    private Tensor value;
    private Tensor grad;

    /**
     * @param weightDecay whether AdamW's decoupled weight decay applies (matrices and embeddings
     *                    yes; biases and LayerNorm no, as BERT and GPT-2 train)
     */
    public Parameter(String name, boolean weightDecay, int... shape) {
        this.name = name;
        this.weightDecay = weightDecay;
        this.value = Tensor.zeros(shape);
        this.grad = Tensor.zeros(shape);
    }

    public String name() {
        return name;
    }

    public boolean weightDecay() {
        return weightDecay;
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    public int size() {
        return value.size();
    }

    public int[] shape() {
        return value.shape();
    }

    /** Rebinds value and gradient to views of the given slabs (values are copied over). */
    void moveTo(float[] valueSlab, float[] gradSlab, int offset) {
        Tensor v = new Tensor(valueSlab, offset, value.shape());
        v.copyFrom(value);
        Tensor g = new Tensor(gradSlab, offset, grad.shape());
        g.copyFrom(grad);
        value = v;
        grad = g;
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(value.shape());
    }
}
