package dev.graft.model;

/**
 * A batch of token sequences, row-major (batch, time), right-padded.
 *
 * @param batch         number of sequences
 * @param time          tokens per sequence (after padding)
 * @param inputIds      (batch·time) token ids
 * @param typeIds       (batch·time) token-type (segment) ids, or null for all zeros
 * @param attentionMask (batch·time) 1 for real tokens, 0 for padding, or null when nothing is padded
 * @param targets       (batch·time) the class each position must predict, {@link #IGNORE} where no loss
 *                      is taken; null when the batch is only run forward. For a causal LM position t
 *                      holds the id of token t+1 (the shift is done when the batch is built).
 */
public record TokenBatch(int batch, int time, int[] inputIds, int[] typeIds, int[] attentionMask, int[] targets) {
    /** The ignore index of torch.nn.CrossEntropyLoss. */
    public static final int IGNORE = -100;

    public TokenBatch {
        int n = batch * time;
        if (batch <= 0 || time <= 0) {
            throw new IllegalArgumentException("batch " + batch + " x time " + time + " must both be positive");
        }
        check("input ids", inputIds, n, true);
        check("type ids", typeIds, n, false);
        check("attention mask", attentionMask, n, false);
        check("targets", targets, n, false);
    }

    private static void check(String what, int[] a, int n, boolean required) {
        if (a == null) {
            if (required) {
                throw new IllegalArgumentException(what + " are required");
            }
            return;
        }
        if (a.length < n) {
            throw new IllegalArgumentException(what + " hold " + a.length + " values, fewer than batch x time = " + n);
        }
    }

    public int rows() {
        return batch * time;
    }

    /** The real (not padding) tokens: the attention mask's sum, or every row when nothing is padded. */
    public long realTokens() {
        if (attentionMask == null) {
            return rows();
        }
        long n = 0;
        for (int i = 0; i < rows(); i++) {
            n += attentionMask[i];
        }
        return n;
    }

    /** Causal-LM targets from the inputs: position t predicts token t+1; the last position and padding are ignored. */
    public static int[] shiftedTargets(int batch, int time, int[] labels) {
        int[] t = new int[batch * time];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < time; i++) {
                t[b * time + i] = i + 1 < time ? labels[b * time + i + 1] : IGNORE;
            }
        }
        return t;
    }
}
