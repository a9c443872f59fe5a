package dev.graft.nn;

import java.util.List;

/** A lookup table (torch.nn.Embedding): row {@code id} of a (count, width) matrix. */
public final class Embedding implements Module {
    private final Parameter table;
    private final int count;
    private final int width;
    private final String what;

    /** @param what what the ids are, for error messages ("token id", "position") */
    public Embedding(String name, int count, int width, String what) {
        this.table = new Parameter(name, true, count, width);
        this.count = count;
        this.width = width;
        this.what = what;
    }

    public Parameter weight() {
        return table;
    }

    public int count() {
        return count;
    }

    /** out[r, :] (+)= table[ids[r], :] for r in [0, rows). */
    public void gather(int[] ids, int rows, float[] out, boolean accumulate) {
        float[] w = table.value().data();
        int wo = table.value().offset();
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
        float[] g = table.grad().data();
        int go = table.grad().offset();
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
