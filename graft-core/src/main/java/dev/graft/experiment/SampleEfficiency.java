package dev.graft.experiment;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many labels a reference strategy (normally scratch) needs to reach a given score: "transfer with
 * 200 labels reaches what scratch reaches with 1,150 labels".
 *
 * <p>The reference's curve (labels → mean score, at least two budgets) is read as piecewise linear in
 * log(labels), the scale of the learning-curve plot. {@link #reach} walks it from the fewest labels up
 * and stops at the <em>first crossing from below</em>: the first segment {@code (n_{i-1}, s_{i-1}) →
 * (n_i, s_i)} with {@code s_{i-1} < score <= s_i}, where
 * {@code log n = log n_{i-1} + (score - s_{i-1}) / (s_i - s_{i-1}) · (log n_i - log n_{i-1})}.
 * A non-monotone curve is thereby handled as "the fewest labels with which the reference was seen to reach
 * the score": a later dip below the score is ignored, and a score reached only after a dip is found on the
 * rise after it. Outside the curve:
 * <ul>
 * <li>{@link Kind#BELOW}: the score is at or below the reference's score with its fewest labels; the
 * reference needs at most that many ({@link #labels} = the smallest budget);</li>
 * <li>{@link Kind#ABOVE}: the reference never reaches the score; it would need more than its largest
 * budget ({@link #labels} = the largest budget).</li>
 * </ul>
 *
 * @param kind   exact (interpolated), above or below the reference's curve
 * @param labels the interpolated number of reference labels (EXACT), or the bound (ABOVE: largest budget,
 *               BELOW: smallest budget)
 */
public record SampleEfficiency(Kind kind, double labels) {

    /** Where the score falls on the reference's curve. */
    public enum Kind {
        /** Interpolated between two budgets. */
        EXACT,
        /** Above everything the reference reaches. */
        ABOVE,
        /** At or below the reference's first (smallest-budget) point. */
        BELOW
    }

    public SampleEfficiency {
        if (kind == null) {
            throw new IllegalArgumentException("a sample-efficiency result needs a kind");
        }
        if (!(labels > 0) || Double.isInfinite(labels)) {
            throw new IllegalArgumentException("labels must be a positive number, got " + labels);
        }
    }

    /**
     * The number of reference labels that reaches {@code score}.
     *
     * @param referenceCurve labels (positive) → mean score (finite), at least two entries, any order
     * @param score          a finite score on the same metric
     */
    public static SampleEfficiency reach(Map<Integer, Double> referenceCurve, double score) {
        if (referenceCurve == null || referenceCurve.size() < 2) {
            throw new IllegalArgumentException("the reference curve needs at least two budgets, got "
                    + (referenceCurve == null ? 0 : referenceCurve.size()));
        }
        if (!Double.isFinite(score)) {
            throw new IllegalArgumentException("the score to match must be finite, got " + score);
        }
        TreeMap<Integer, Double> curve = new TreeMap<>();
        for (Map.Entry<Integer, Double> e : referenceCurve.entrySet()) {
            if (e.getKey() == null || e.getKey() < 1) {
                throw new IllegalArgumentException("reference curve: labels must be >= 1, got " + e.getKey());
            }
            if (e.getValue() == null || !Double.isFinite(e.getValue())) {
                throw new IllegalArgumentException("reference curve: the score at " + e.getKey()
                        + " labels must be finite, got " + e.getValue());
            }
            curve.put(e.getKey(), e.getValue());
        }
        int[] n = curve.keySet().stream().mapToInt(Integer::intValue).toArray();
        double[] s = curve.values().stream().mapToDouble(Double::doubleValue).toArray();
        if (score <= s[0]) {
            return new SampleEfficiency(Kind.BELOW, n[0]);
        }
        for (int i = 1; i < n.length; i++) {
            // s[0..i-1] are all < score here (else we would have returned), so this is the first crossing
            if (s[i] >= score) {
                double t = (score - s[i - 1]) / (s[i] - s[i - 1]);
                double logN = Math.log(n[i - 1]) + t * (Math.log(n[i]) - Math.log(n[i - 1]));
                return new SampleEfficiency(Kind.EXACT, Math.exp(logN));
            }
        }
        return new SampleEfficiency(Kind.ABOVE, n[n.length - 1]);
    }

    /**
     * One sentence, e.g. "transfer with 200 labels reaches what scratch reaches with 1,150 labels";
     * "... with more than all 2,400 available" (ABOVE); "... with at most 50 labels, its smallest budget"
     * (BELOW). Interpolated counts are rounded to three significant figures (the interpolation is not more
     * precise than that).
     *
     * @param strategy       the strategy compared
     * @param strategyLabels the labels it used
     * @param reference      the reference strategy's name
     * @param largestIsAll   whether the reference's largest budget is the whole training set ("all")
     */
    public String describe(String strategy, long strategyLabels, String reference, boolean largestIsAll) {
        String head = strategy + " with " + count(strategyLabels) + " labels reaches what " + reference
                + " reaches with ";
        return switch (kind) {
            case EXACT -> head + count(roundLabels(labels)) + " labels";
            case ABOVE -> head + "more than " + (largestIsAll ? "all " + count(Math.round(labels)) + " available"
                    : count(Math.round(labels)) + " labels, its largest budget");
            case BELOW -> head + "at most " + count(Math.round(labels)) + " labels, its smallest budget";
        };
    }

    /** Rounds to an integer, then to three significant figures: 692.8 → 693, 1,147 → 1,150. */
    static long roundLabels(double labels) {
        long n = Math.round(labels);
        long scale = 1;
        while (n / scale >= 1000) {
            scale *= 10;
        }
        return Math.round((double) n / scale) * scale;
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
