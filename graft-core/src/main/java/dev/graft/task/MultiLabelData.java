package dev.graft.task;

import dev.graft.tokenizer.Tokenizer;
import dev.graft.train.BatchStream;

import java.util.ArrayList;
import java.util.List;

/**
 * Texts encoded once for multi-label classification (as {@link ClassificationData}: the tokenizer's
 * special tokens, cut to {@code maxLength}) with their label sets as a 0/1 matrix (N, K).
 */
public final class MultiLabelData implements Encoded<MultiLabelBatch> {
    private final ClassificationData texts;
    private final boolean[][] gold; // (N, K) or null when unlabeled
    private final int labels;

    private MultiLabelData(ClassificationData texts, boolean[][] gold, int labels) {
        this.texts = texts;
        this.gold = gold;
        this.labels = labels;
    }

    /**
     * @param gold (N, K) whether text i carries label j, or null when unlabeled
     * @param k    number of labels
     */
    public static MultiLabelData encode(Tokenizer tokenizer, List<String> texts, boolean[][] gold, int k,
                                        int maxLength, int padId) {
        if (gold != null && gold.length != texts.size()) {
            throw new IllegalArgumentException(texts.size() + " texts but " + gold.length + " label sets");
        }
        return new MultiLabelData(ClassificationData.encode(tokenizer, texts, null, maxLength, padId), gold, k);
    }

    @Override
    public int size() {
        return texts.size();
    }

    @Override
    public int truncated() {
        return texts.truncated();
    }

    public int labelCount() {
        return labels;
    }

    /** The gold label sets (N, K), or null when unlabeled. */
    public boolean[][] gold() {
        return gold;
    }

    private MultiLabelBatch withTargets(ClassificationBatch b) {
        float[] targets = null;
        if (gold != null) {
            int[] ex = b.examples();
            targets = new float[ex.length * labels];
            for (int r = 0; r < ex.length; r++) {
                for (int j = 0; j < labels; j++) {
                    targets[r * labels + j] = gold[ex[r]][j] ? 1f : 0f;
                }
            }
        }
        return new MultiLabelBatch(b.tokens(), targets, b.examples());
    }

    /** The rows {@code examples} as one padded batch. */
    public MultiLabelBatch batch(int[] examples) {
        return withTargets(texts.batch(examples));
    }

    @Override
    public List<MultiLabelBatch> batches(int batchSize) {
        List<MultiLabelBatch> out = new ArrayList<>();
        for (ClassificationBatch b : texts.batches(batchSize)) {
            out.add(withTargets(b));
        }
        return out;
    }

    @Override
    public BatchStream<MultiLabelBatch> stream(int batchSize, long seed) {
        if (size() == 0) {
            throw new IllegalArgumentException("the training set is empty: there is nothing to fine-tune on");
        }
        if (gold == null) {
            throw new IllegalArgumentException("training examples need labels");
        }
        return new ClassificationData.Shuffled<>(size(), batchSize, seed, texts::length, this::batch);
    }
}
