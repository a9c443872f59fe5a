package dev.graft.model;

import dev.graft.nn.Buffers;
import dev.graft.nn.Compute;
import dev.graft.nn.Dropout;
import dev.graft.nn.Linear;


/**
 * A backbone with a token-classification head (Hugging Face BertForTokenClassification and
 * GPT2ForTokenClassification): dropout, then a linear layer {@code classifier.*} from each token's
 * hidden vector to one logit per tag; loss = mean cross-entropy over the positions whose target is
 * not {@link TokenBatch#IGNORE} (the first sub-word of each word; the other sub-words, special tokens
 * and padding are ignored). Only the positions with a target are run through the head in training.
 */
public final class TokenTagger extends BackboneModel implements HeadModel {
    private final int tags;
    private final Dropout dropout;
    private final Linear classifier;

    private int[] selected; // rows with a target
    private int selectedCount;
    private int rows;
    private float[] gathered; // (R, C)
    private float[] dLogits; // (R, K)
    private float[] dHidden; // (N, C)
    private float[] logits; // (R, K), the classifier's output
    private int[] rowTargets; // (R) the targets of the selected rows

    public TokenTagger(Compute compute, Backbone backbone, int tags, long seed) {
        super(compute, backbone);
        if (tags < 2) {
            throw new IllegalArgumentException("a tagger needs at least 2 tags, got " + tags);
        }
        this.tags = tags;
        dropout = new Dropout(compute, config.hiddenDropout(), seed * 1000 + 907);
        classifier = new Linear(compute, "classifier", config.hiddenSize(), tags, Linear.Layout.OUT_IN, true);
        attachHead(classifier.parameters(), dropout);
        initializeHead(headParameters(), config.initializerRange(), seed);
    }

    public int tagCount() {
        return tags;
    }

    public String architectureName() {
        return config.isEncoder() ? "BertForTokenClassification" : "GPT2ForTokenClassification";
    }

    /** Logits (B·T, K) for every position, owned by the model, valid until the next forward. */
    public float[] logits(TokenBatch batch) {
        float[] hidden = backbone.forward(batch);
        int n = batch.rows();
        selected = Buffers.ensure(selected, n);
        for (int i = 0; i < n; i++) {
            selected[i] = i;
        }
        return headForward(hidden, n, selected, n);
    }

    /**
     * Forward, loss over the batch's targets and (with {@code backward}) gradients scaled by
     * 1/{@code normalizer}. Returns the sum of the cross-entropies (not the mean).
     */
    public double forward(TokenBatch batch, boolean backward, double normalizer) {
        int[] targets = batch.targets();
        if (targets == null) {
            throw new IllegalArgumentException("the batch has no targets: nothing to compute a loss on");
        }
        float[] hidden = backbone.forward(batch);
        int n = batch.rows();
        selected = Buffers.ensure(selected, n);
        int r = selectTargets(targets, n, selected);
        lastCorrect = 0;
        if (r == 0) {
            selectedCount = 0;
            return 0;
        }
        int k = tags;
        rowTargets = Buffers.ensure(rowTargets, r);
        for (int i = 0; i < r; i++) {
            int y = targets[selected[i]];
            if (y < 0 || y >= k) {
                throw new IllegalArgumentException("tag " + y + " at position " + selected[i] + " is outside [0, "
                        + k + ")");
            }
            rowTargets[i] = y;
        }
        float[] out = headForward(hidden, n, selected, r);
        dLogits = Buffers.ensure(dLogits, r * k);
        double sum = crossEntropyRows(out, r, k, rowTargets, null, normalizer, dLogits);
        if (backward) {
            backbone.backward(headBackward(dLogits));
        }
        return sum;
    }

    /** Positions with a target in the last {@link #forward}. */
    public int lastTargetCount() {
        return selectedCount;
    }

    /**
     * The head alone on rows {@code rowIndex[0..count)} of hidden (N, C): logits (count, K). Public for
     * gradient checks.
     */
    public float[] headForward(float[] hidden, int n, int[] rowIndex, int count) {
        int c = config.hiddenSize();
        rows = n;
        if (rowIndex != selected) {
            selected = Buffers.ensure(selected, count);
            System.arraycopy(rowIndex, 0, selected, 0, count);
        }
        selectedCount = count;
        gathered = Buffers.ensure(gathered, count * c);
        gatherRows(hidden, selected, count, c, gathered);
        float[] x = dropout.forward(gathered, count * c);
        logits = classifier.forward(x, count);
        return logits;
    }

    /** Backward of {@link #headForward}: returns dHidden (N, C), zero on rows without a target. */
    public float[] headBackward(float[] dOut) {
        int c = config.hiddenSize();
        float[] d = classifier.backward(dOut);
        d = dropout.backward(d, selectedCount * c);
        dHidden = Buffers.ensure(dHidden, rows * c);
        scatterRows(d, selected, selectedCount, c, dHidden, rows);
        return dHidden;
    }
}
