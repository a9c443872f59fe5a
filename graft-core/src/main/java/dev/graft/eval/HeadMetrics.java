package dev.graft.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * The scores of a task head on a labeled set ({@link ClassificationMetrics}, {@link TaggingMetrics},
 * {@link MultiLabelMetrics}): one headline score, the few scalars tracked during training, the JSON
 * written to results files and a plain-text report.
 */
public interface HeadMetrics {
    /**
     * The scalars reported at each evaluation during training, in order, keyed without a split prefix
     * ({@code accuracy}, {@code macro_f1}, ...); the first is the headline score early stopping maximizes.
     */
    Map<String, Double> scalars();

    /** The headline score: the first of {@link #scalars()}. */
    default double score() {
        return scalars().values().iterator().next();
    }

    /**
     * All metrics as the JSON object written to results.json and printed by {@code graft eval --json}: a new
     * object the caller may extend (an experiment cell adds what its strategy chose).
     */
    ObjectNode toJson();

    /** A plain-text report ({@code graft eval}). */
    String report();
}
