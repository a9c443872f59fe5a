package dev.graft.vectors;

import dev.graft.tensor.Parallel;

import java.util.Arrays;

/**
 * An immutable sparse matrix in compressed sparse row form: row i's entries are
 * {@code columns[rowStarts[i] .. rowStarts[i+1])}, in increasing column order, with their values.
 * Products with dense matrices run row-parallel: each output row is summed by one thread in
 * column order, so the result does not depend on the thread count.
 */
public final class SparseMatrix {
    private final int rows;
    private final int cols;
    private final int[] rowStarts; // (rows + 1)
    private final int[] columns;   // (nnz)
    private final float[] values;  // (nnz)

    /** Takes ownership of the arrays; checks their shape and that columns rise within each row. */
    public SparseMatrix(int rows, int cols, int[] rowStarts, int[] columns, float[] values) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix shape " + rows + " x " + cols + " is negative");
        }
        if (rowStarts.length != rows + 1 || rowStarts[0] != 0 || rowStarts[rows] != columns.length
                || columns.length != values.length) {
            throw new IllegalArgumentException("compressed rows do not fit: " + rows + " rows, " + rowStarts.length
                    + " row starts, " + columns.length + " columns, " + values.length + " values");
        }
        for (int i = 0; i < rows; i++) {
            for (int p = rowStarts[i]; p < rowStarts[i + 1]; p++) {
                if (columns[p] < 0 || columns[p] >= cols || (p > rowStarts[i] && columns[p] <= columns[p - 1])) {
                    throw new IllegalArgumentException("row " + i + ": column " + columns[p]
                            + " is out of range [0, " + cols + ") or out of order");
                }
            }
        }
        this.rows = rows;
        this.cols = cols;
        this.rowStarts = rowStarts;
        this.columns = columns;
        this.values = values;
    }

    /** A sparse copy of a dense row-major matrix, leaving out zeros. */
    public static SparseMatrix ofDense(int rows, int cols, double[] dense) {
        int[] starts = new int[rows + 1];
        int[] columns = new int[rows * cols];
        float[] values = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                columns[i * cols + j] = j;
                values[i * cols + j] = (float) dense[i * cols + j];
            }
            starts[i + 1] = (i + 1) * cols;
        }
        return new SparseMatrix(rows, cols, starts, columns, values).withValues(values);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public long nonZeros() {
        return columns.length;
    }

    /** Entry (i, j), zero when absent. */
    public float get(int i, int j) {
        int p = Arrays.binarySearch(columns, rowStarts[i], rowStarts[i + 1], j);
        return p >= 0 ? values[p] : 0f;
    }

    int rowStart(int i) {
        return rowStarts[i];
    }

    int rowEnd(int i) {
        return rowStarts[i + 1];
    }

    int column(int p) {
        return columns[p];
    }

    float value(int p) {
        return values[p];
    }

    /** Sum of row i. */
    public double rowSum(int i) {
        double s = 0;
        for (int p = rowStarts[i]; p < rowStarts[i + 1]; p++) {
            s += values[p];
        }
        return s;
    }

    /** The same pattern with other values (entries mapped to zero are dropped). */
    SparseMatrix withValues(float[] newValues) {
        int[] starts = new int[rows + 1];
        int nnz = 0;
        for (float v : newValues) {
            nnz += v != 0 ? 1 : 0;
        }
        int[] c = new int[nnz];
        float[] v = new float[nnz];
        int q = 0;
        for (int i = 0; i < rows; i++) {
            for (int p = rowStarts[i]; p < rowStarts[i + 1]; p++) {
                if (newValues[p] != 0) {
                    c[q] = columns[p];
                    v[q++] = newValues[p];
                }
            }
            starts[i + 1] = q;
        }
        return new SparseMatrix(rows, cols, starts, c, v);
    }

    /** The transpose (a counting sort by column, so entries stay in order). */
    public SparseMatrix transpose() {
        int[] starts = new int[cols + 1];
        for (int c : columns) {
            starts[c + 1]++;
        }
        for (int j = 0; j < cols; j++) {
            starts[j + 1] += starts[j];
        }
        int[] next = Arrays.copyOf(starts, cols);
        int[] c = new int[columns.length];
        float[] v = new float[columns.length];
        for (int i = 0; i < rows; i++) {
            for (int p = rowStarts[i]; p < rowStarts[i + 1]; p++) {
                int q = next[columns[p]]++;
                c[q] = i;
                v[q] = values[p];
            }
        }
        return new SparseMatrix(cols, rows, starts, c, v);
    }

    /**
     * This matrix times a dense row-major {@code (cols, width)} matrix: a new {@code (rows, width)}
     * row-major matrix.
     */
    public double[] times(double[] dense, int width, Parallel parallel) {
        if (dense.length != (long) cols * width) {
            throw new IllegalArgumentException("dense operand has " + dense.length + " values, not " + cols + " x "
                    + width);
        }
        double[] out = new double[rows * width]; // (rows, width)
        parallel.forRangeDynamic(rows, 64, 8, (start, end) -> {
            for (int i = start; i < end; i++) {
                int o = i * width;
                for (int p = rowStarts[i]; p < rowStarts[i + 1]; p++) {
                    double a = values[p];
                    int x = columns[p] * width;
                    for (int c = 0; c < width; c++) {
                        out[o + c] += a * dense[x + c];
                    }
                }
            }
        });
        return out;
    }
}
