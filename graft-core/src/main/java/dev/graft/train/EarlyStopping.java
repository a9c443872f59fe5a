package dev.graft.train;

import dev.graft.nn.ParameterSet;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Early stopping on a validation metric (higher is better) with patience, keeping a copy of the
 * parameters at the best evaluation so the best model can be restored at the end. Patience 0 never
 * stops (the best parameters are still kept).
 */
public final class EarlyStopping {
    private final String metric;
    private final int patience;
    private double best = Double.NEGATIVE_INFINITY;
    private long bestStep = -1;
    private Map<String, Double> bestMetrics = Map.of();
    private int sinceBest;
    private float[] bestValues;

    /**
     * @param metric   the key of the validation map to maximize, e.g. "dev_accuracy"
     * @param patience evaluations without improvement before stopping; 0 for never
     */
    public EarlyStopping(String metric, int patience) {
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
        this.metric = metric;
        this.patience = patience;
    }

    public String metric() {
        return metric;
    }

    /**
     * Records an evaluation at {@code step}; keeps the parameters when it is the best so far (a
     * strict improvement: ties keep the earlier, less trained model). Returns whether it improved.
     */
    public boolean update(Map<String, Double> metrics, long step, ParameterSet parameters) {
        Double v = metrics.get(metric);
        if (v == null || v.isNaN()) {
            return false;
        }
        if (v > best) {
            best = v;
            bestStep = step;
            bestMetrics = new LinkedHashMap<>(metrics);
            sinceBest = 0;
            float[] values = parameters.values();
            if (bestValues == null || bestValues.length != values.length) {
                bestValues = new float[values.length];
            }
            System.arraycopy(values, 0, bestValues, 0, values.length);
            return true;
        }
        sinceBest++;
        return false;
    }

    /** "early-stop" once patience evaluations in a row have not improved, else null. */
    public String stopReason() {
        return patience > 0 && sinceBest >= patience ? "early-stop" : null;
    }

    public boolean hasBest() {
        return bestValues != null;
    }

    public double best() {
        return best;
    }

    public long bestStep() {
        return bestStep;
    }

    public Map<String, Double> bestMetrics() {
        return bestMetrics;
    }

    /** Copies the best parameters back into the set (no-op when nothing was recorded). */
    public void restoreBest(ParameterSet parameters) {
        if (bestValues != null) {
            System.arraycopy(bestValues, 0, parameters.values(), 0, bestValues.length);
        }
    }
}
