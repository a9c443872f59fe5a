package dev.graft.eval;

import java.util.Map;
import java.util.TreeMap;

/**
 * A mean with its two-sided 95% confidence interval from Student's t distribution: mean ± t(0.975, n - 1) ·
 * s / √n, with s the sample standard deviation (n - 1 in the denominator). For a comparison of two
 * strategies over the same label draws, {@link #paired} takes the per-draw differences, so the draw-to-draw
 * variation both share cancels (the paired t interval).
 *
 * @param mean the mean, NaN with no values
 * @param low  the lower end, NaN with fewer than two values
 * @param high the upper end, NaN with fewer than two values
 * @param n    the number of values
 */
public record Interval(double mean, double low, double high, int n) {
    /** z(0.975), the normal quantile the t quantiles approach. */
    private static final double Z = 1.959963984540054;
    /** t(0.975, df) for df = 1..30 (standard tables, e.g. NIST/SEMATECH e-Handbook, Table 1.3.6.7.2). */
    private static final double[] T975 = {Double.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
            2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
            2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

    /** The 97.5% quantile of Student's t with {@code df} degrees of freedom (df >= 1). */
    public static double t975(int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom must be >= 1, got " + df);
        }
        if (df < T975.length) {
            return T975[df];
        }
        // Cornish-Fisher expansion in 1/df (Abramowitz and Stegun 26.7.5): below 1e-4 of the exact value here
        double z = Z;
        double z3 = z * z * z;
        double z5 = z3 * z * z;
        double z7 = z5 * z * z;
        return z + (z3 + z) / (4.0 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96.0 * df * df)
                + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384.0 * df * df * df);
    }

    /** The mean of {@code values} with its 95% t interval. */
    public static Interval of(double[] values) {
        int n = values.length;
        if (n == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= n;
        if (n < 2) {
            return new Interval(mean, Double.NaN, Double.NaN, n);
        }
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        double half = t975(n - 1) * Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
        return new Interval(mean, mean - half, mean + half, n);
    }

    /**
     * The mean of a − b over the keys (label draws) both have, with its paired 95% t interval. Keys present
     * on one side only are left out.
     */
    public static <K extends Comparable<K>> Interval paired(Map<K, Double> a, Map<K, Double> b) {
        Map<K, Double> diffs = new TreeMap<>();
        for (Map.Entry<K, Double> e : a.entrySet()) {
            Double other = b.get(e.getKey());
            if (other != null && Double.isFinite(e.getValue()) && Double.isFinite(other)) {
                diffs.put(e.getKey(), e.getValue() - other);
            }
        }
        return of(diffs.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Half the interval's width; NaN with fewer than two values. */
    public double halfWidth() {
        return (high - low) / 2;
    }

    /** Whether the interval is known (two or more values). */
    public boolean known() {
        return n >= 2 && !Double.isNaN(low);
    }

    /** Whether the whole interval lies above zero. */
    public boolean above(double x) {
        return known() && low > x;
    }

    /** Whether the whole interval lies below zero. */
    public boolean below(double x) {
        return known() && high < x;
    }

    /** Whether the interval excludes zero (on either side). */
    public boolean excludesZero() {
        return above(0) || below(0);
    }
}
