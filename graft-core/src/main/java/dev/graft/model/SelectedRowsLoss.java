package dev.graft.model;

import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.tensor.kernel.Kernels;

/**
 * The masked-LM loss over the selected rows: softmax cross-entropy of each row of the logits (R, V) against
 * the target at its position, rows split over the threads, each row's gradient (scaled) written in place of
 * its logits; the sum and the arg-max hits added up in row order, so the result does not depend on the
 * thread count. One per model (its buffers are reused).
 */
final class SelectedRowsLoss {
    private float[] rowLoss; // (R)
    private boolean[] rowCorrect; // (R) whether the arg-max logit is the target
    private int correct;

    /**
     * @param targets  targets by position; {@code selected[i]} is row i's position
     * @param scale    each row's gradient factor (1 / normalizer)
     * @return the sum of the rows' losses
     * @throws IllegalArgumentException for a target outside [0, V)
     */
    double compute(Compute compute, float[] logits, int rows, int v, int[] targets, int[] selected, float scale) {
        rowLoss = Buffers.ensure(rowLoss, rows);
        if (rowCorrect == null || rowCorrect.length < rows) {
            rowCorrect = new boolean[rows];
        }
        Kernels k = compute.kernels();
        compute.parallel().forRange(rows, 8, (s, e) -> {
            for (int i = s; i < e; i++) {
                int target = targets[selected[i]];
                if (target < 0 || target >= v) {
                    throw new IllegalArgumentException("target " + target + " at position " + selected[i]
                            + " is outside the vocabulary [0, " + v + ")");
                }
                rowCorrect[i] = BackboneModel.argmax(logits, i * v, v) == target;
                rowLoss[i] = k.crossEntropy(v, logits, i * v, target, TokenBatch.IGNORE, scale, logits, i * v);
            }
        });
        double sum = 0;
        int hits = 0;
        for (int i = 0; i < rows; i++) {
            sum += rowLoss[i];
            hits += rowCorrect[i] ? 1 : 0;
        }
        correct = hits;
        return sum;
    }

    /** Rows whose arg-max logit was their target in the last {@link #compute}. */
    int correct() {
        return correct;
    }
}
