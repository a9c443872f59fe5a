package dev.graft.tensor;

import java.util.Arrays;

/**
 * A row-major float tensor: a view of {@code size()} consecutive floats of a backing array,
 * starting at {@code offset}, with a shape. Views share storage; nothing here copies unless
 * the method says so.
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final int[] shape;
    private final int size;

    public Tensor(float[] data, int offset, int... shape) {
        this.shape = shape.clone();
        int n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (offset < 0 || offset + n > data.length) {
            throw new IllegalArgumentException("view [" + offset + ", " + (offset + n) + ") of shape "
                    + Arrays.toString(shape) + " does not fit in storage of " + data.length + " floats");
        }
        this.data = data;
        this.offset = offset;
        this.size = n;
    }

    /** A new zero-filled tensor with its own storage. */
    public static Tensor zeros(int... shape) {
        int n = 1;
        for (int d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return new Tensor(new float[n], 0, shape);
    }

    /** A tensor that wraps {@code values} (no copy). */
    public static Tensor of(float[] values, int... shape) {
        return new Tensor(values, 0, shape);
    }

    public float[] data() {
        return data;
    }

    public int offset() {
        return offset;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return size;
    }

    public float get(int i) {
        return data[offset + i];
    }

    public void set(int i, float v) {
        data[offset + i] = v;
    }

    /** A view of the same storage with another shape of the same size. */
    public Tensor reshape(int... newShape) {
        Tensor t = new Tensor(data, offset, newShape);
        if (t.size != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to "
                    + Arrays.toString(newShape));
        }
        return t;
    }

    /** A view of {@code count} consecutive floats starting {@code start} floats into this tensor. */
    public Tensor slice(int start, int... newShape) {
        Tensor t = new Tensor(data, offset + start, newShape);
        if (start < 0 || start + t.size > size) {
            throw new IllegalArgumentException("slice at " + start + " of shape " + Arrays.toString(newShape)
                    + " exceeds tensor of size " + size);
        }
        return t;
    }

    public void fill(float v) {
        Arrays.fill(data, offset, offset + size, v);
    }

    public void zero() {
        fill(0f);
    }

    public void copyFrom(Tensor src) {
        if (src.size != size) {
            throw new IllegalArgumentException("copy of " + src.size + " floats into tensor of " + size);
        }
        System.arraycopy(src.data, src.offset, data, offset, size);
    }

    public void copyFrom(float[] src) {
        if (src.length != size) {
            throw new IllegalArgumentException("copy of " + src.length + " floats into tensor of " + size);
        }
        System.arraycopy(src, 0, data, offset, size);
    }

    /** A copy of the values as a new array. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + size);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
