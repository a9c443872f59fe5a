package dev.graft.nn;

import dev.graft.tensor.Tensor;
import java.util.List;

/**
 * A lookup table (torch.nn.Embedding): row {@code id} of a (count, width) matrix. The count and the
 * width are the table's shape, read from it where needed.
 */
public final class Embedding implements Module {
    private final Parameter table;
    private final String what;

    /** @param what what the ids are, for error messages ("token id", "position") */
    public Embedding(String name, int count, int width, String what) {
        this.table = new Parameter(name, true, count, width);
        this.what = what;
    }

    public Parameter weight() {
        return table;
    }

    /** The number of rows (ids) of the table. */
    public int count() {
        return table.value().dim(0);
    }

    /** out[r, :] (+)= table[ids[r], :] for r in [0, rows). */
    public void gather(int[] ids, int rows, float[] out, boolean accumulate) {
        Tensor value = table.value();
        float[] w = value.data();
        int wo = value.offset();
        int count = value.dim(0);
        int width = value.dim(1);
        for (int r = 0; r < rows; r++) {
            int id = ids[r];
            if (id < 0 || id >= count) {
                throw new IllegalArgumentException(what + " " + id + " at row " + r + " is outside [0, " + count
                        + "): the input does not match this model's " + what + " table");
            }
            int src = wo + id * width;
            int dst = r * width;
            if (accumulate) {
                for (int j = 0; j < width; j++) {
                    out[dst + j] += w[src + j];
                }
            } else {
                System.arraycopy(w, src, out, dst, width);
            }
        }
    }

    /** grad[ids[r], :] += dOut[r, :] for r in [0, rows). */
    public void scatterGrad(int[] ids, int rows, float[] dOut) {
        Tensor grad = table.grad();
        float[] g = grad.data();
        int go = grad.offset();
        int width = grad.dim(1);
        for (int r = 0; r < rows; r++) {
            int dst = go + ids[r] * width;
            int src = r * width;
            for (int j = 0; j < width; j++) {
                g[dst + j] += dOut[src + j];
            }
        }
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(table);
    }
}
