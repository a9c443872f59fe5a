package dev.graft.train;

import dev.graft.nn.ParameterSet;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Early stopping on a validation metric (higher is better) with patience, keeping a copy of the
 * parameters at the best evaluation so the best model can be restored at the end. Patience 0 never
 * stops (the best parameters are still kept). An optional tie-breaker (lower is better, e.g. the
 * validation loss) decides between evaluations with the same score, which small dev sets give often
 * (20 examples score in steps of 0.05).
 */
public final class EarlyStopping {
    private final String metric;
    private final int patience;
    private final String tieBreaker;
    private double best = Double.NEGATIVE_INFINITY;
    private double bestTieBreaker = Double.POSITIVE_INFINITY;
    private long bestStep = -1;
    private Map<String, Double> bestMetrics = Map.of();
    private int sinceBest;
    private float[] bestValues;

    /**
     * @param metric   the key of the validation map to maximize, e.g. "dev_accuracy"
     * @param patience evaluations without improvement before stopping; 0 for never
     */
    public EarlyStopping(String metric, int patience) {
        this(metric, patience, null);
    }

    /**
     * @param tieBreaker a key of the validation map to minimize among evaluations with the same
     *                   {@code metric}, or null for none (ties then keep the earlier model)
     */
    public EarlyStopping(String metric, int patience, String tieBreaker) {
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
        this.metric = metric;
        this.patience = patience;
        this.tieBreaker = tieBreaker;
    }

    public String metric() {
        return metric;
    }

    /**
     * Records an evaluation at {@code step}; keeps the parameters when it is the best so far (a
     * strict improvement: ties keep the earlier, less trained model). Returns whether it improved.
     */
    public boolean update(Map<String, Double> metrics, long step, ParameterSet parameters) {
        return update(metrics, step, parameters, true);
    }

    /**
     * As {@link #update(Map, long, ParameterSet)}; with {@code countPatience} false an evaluation
     * without improvement does not count towards patience (while layers are still frozen, say).
     */
    public boolean update(Map<String, Double> metrics, long step, ParameterSet parameters, boolean countPatience) {
        Double v = metrics.get(metric);
        if (v == null || v.isNaN()) {
            return false;
        }
        Double t = tieBreaker == null ? null : metrics.get(tieBreaker);
        double tv = t == null || t.isNaN() ? Double.POSITIVE_INFINITY : t;
        if (v > best || (v == best && tv < bestTieBreaker)) {
            best = v;
            bestTieBreaker = tv;
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
        if (countPatience) {
            sinceBest++;
        }
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

    /**
     * What a resumed run needs to go on exactly as an uninterrupted one: the best score, its tie-breaker and
     * step, its metrics, evaluations without improvement since, and the best parameters (null before the
     * first evaluation).
     */
    public record Snapshot(double best, double bestTieBreaker, long bestStep, Map<String, Double> bestMetrics,
                           int sinceBest, float[] bestValues) {
    }

    public Snapshot snapshot() {
        return new Snapshot(best, bestTieBreaker, bestStep, bestMetrics, sinceBest, bestValues);
    }

    /** Sets the state a {@link #snapshot()} recorded (the values are copied). */
    public void restore(Snapshot s) {
        best = s.best();
        bestTieBreaker = s.bestTieBreaker();
        bestStep = s.bestStep();
        bestMetrics = new LinkedHashMap<>(s.bestMetrics());
        sinceBest = s.sinceBest();
        bestValues = s.bestValues() == null ? null : s.bestValues().clone();
    }

    /** Copies the best parameters back into the set (no-op when nothing was recorded). */
    public void restoreBest(ParameterSet parameters) {
        if (bestValues != null) {
            System.arraycopy(bestValues, 0, parameters.values(), 0, bestValues.length);
        }
    }
}
