package dev.graft.experiment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Accuracy against pretraining compute, from the experiment's pretraining sweep: transfer fine-tuned from
 * base runs of several lengths ("transfer@0.25", "transfer@0.5" and the full "transfer"). Per budget and
 * seed, the test score is fitted as a straight line in log2(pretraining tokens) by least squares; the slope
 * (score per doubling of pretraining) is averaged over the seeds, and extrapolated to the pretraining that
 * would bring transfer to each other strategy's score at that budget (scratch, bow, pretrained).
 *
 * <p>The extrapolation is a straight line in log tokens from two or three points: real curves bend
 * (scores saturate), so it is an order of magnitude, and it is only made when the slope is positive beyond
 * its seed spread (or with one seed, when it is positive, flagged as such).
 *
 * @param budgets one entry per budget with at least two pretraining lengths scored, in the results' order
 */
public record PretrainingSweep(List<Budget> budgets) {
    /** The strategies transfer's extrapolation aims at, in the order the report lists them. */
    static final List<String> TARGETS = List.of("scratch", "bow", "pretrained");
    private static final String ARM_BASE = "transfer";

    public PretrainingSweep {
        budgets = List.copyOf(budgets);
    }

    /**
     * One pretraining length at one budget.
     *
     * @param arm    "transfer" or "transfer@SHARE"
     * @param share  share of the full pretraining budget (1 for "transfer")
     * @param tokens pretraining tokens of that run (as the cells recorded)
     * @param cell   the cell's seeds
     */
    public record Point(String arm, double share, long tokens, ResultTable.Cell cell) {
    }

    /** How the score moved with pretraining length, judged against the spread of the per-seed slopes. */
    public enum Trend {
        RISING, FLAT, FALLING, ONE_SEED
    }

    /**
     * A strategy transfer would have to reach.
     *
     * @param strategy  its name
     * @param score     its mean score at the budget
     * @param doublings doublings of the full pretraining the fitted line needs to reach it: 0 when transfer is
     *                  already there, NaN when the slope gives no estimate (flat or falling)
     */
    public record Target(String strategy, double score, double doublings) {
        /** Times the full pretraining: 2^doublings (1 when reached, NaN without an estimate). */
        public double multiple() {
            return Math.pow(2, doublings);
        }
    }

    /**
     * The sweep at one budget.
     *
     * @param budget   the budget's name
     * @param points   the pretraining lengths, shortest first (the full run last)
     * @param slope    mean over seeds of the fitted score change per doubling of pretraining tokens
     * @param slopeStd sample standard deviation of the per-seed slopes (NaN with one seed)
     * @param seeds    seeds with at least two lengths scored
     * @param trend    the slope against its spread
     * @param targets  the other strategies' scores at this budget and what reaching them takes
     */
    public record Budget(String budget, List<Point> points, double slope, double slopeStd, int seeds, Trend trend,
                         List<Target> targets) {
        public Budget {
            points = List.copyOf(points);
            targets = List.copyOf(targets);
        }

        /** The full pretraining run's point. */
        public Point full() {
            return points.get(points.size() - 1);
        }

        /** Whether the slope supports an extrapolation (rising beyond its spread, or positive with one seed). */
        public boolean extrapolates() {
            return trend == Trend.RISING || (trend == Trend.ONE_SEED && slope > 0);
        }
    }

    /** Whether a results row is a sweep arm ("transfer@SHARE"), which the main table leaves out. */
    public static boolean isSweepArm(String strategy) {
        return strategy.startsWith(ARM_BASE + Experiment.Arm.SEPARATOR);
    }

    /** The results without the sweep arms: what the learning curves, the main table and the answer show. */
    public static List<CellResult> withoutSweepArms(List<CellResult> results) {
        return results.stream().filter(r -> !isSweepArm(r.strategy())).toList();
    }

    /**
     * The sweep in these results, or empty when they hold no sweep arm (or no budget has two lengths scored).
     */
    public static Optional<PretrainingSweep> of(List<CellResult> results) {
        if (results.stream().noneMatch(r -> isSweepArm(r.strategy()))) {
            return Optional.empty();
        }
        ResultTable all = ResultTable.of(results);
        TreeMap<Double, String> arms = new TreeMap<>();
        for (String s : all.strategies()) {
            if (s.equals(ARM_BASE)) {
                arms.put(1.0, s);
            } else if (isSweepArm(s)) {
                arms.put(share(s), s);
            }
        }
        List<Budget> budgets = new ArrayList<>();
        for (String b : all.budgets()) {
            List<Point> points = new ArrayList<>();
            for (Map.Entry<Double, String> arm : arms.entrySet()) {
                all.scored(arm.getValue(), b).ifPresent(c -> points.add(new Point(arm.getValue(), arm.getKey(),
                        pretrainTokens(c), c)));
            }
            if (points.size() < 2 || points.get(points.size() - 1).share() != 1) {
                continue;
            }
            points.sort(Comparator.comparingLong(Point::tokens));
            budgets.add(budget(all, b, points));
        }
        return budgets.isEmpty() ? Optional.empty() : Optional.of(new PretrainingSweep(budgets));
    }

    private static Budget budget(ResultTable all, String budget, List<Point> points) {
        Map<Integer, List<double[]>> bySeed = new TreeMap<>();
        for (Point p : points) {
            for (CellResult r : p.cell().ok()) {
                if (r.cost().pretrainTokens() > 0) {
                    bySeed.computeIfAbsent(r.seed(), k -> new ArrayList<>())
                            .add(new double[]{log2(r.cost().pretrainTokens()), r.test()});
                }
            }
        }
        List<Double> slopes = new ArrayList<>();
        for (List<double[]> xy : bySeed.values()) {
            double s = slope(xy);
            if (Double.isFinite(s)) {
                slopes.add(s);
            }
        }
        double mean = slopes.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double std = Double.NaN;
        if (slopes.size() >= 2) {
            double sum = 0;
            for (double s : slopes) {
                sum += (s - mean) * (s - mean);
            }
            std = Math.sqrt(sum / (slopes.size() - 1));
        }
        Trend trend;
        if (slopes.size() < 2) {
            trend = Trend.ONE_SEED;
        } else if (Math.abs(mean) <= std) {
            trend = Trend.FLAT;
        } else {
            trend = mean > 0 ? Trend.RISING : Trend.FALLING;
        }
        Point full = points.get(points.size() - 1);
        boolean extrapolates = trend == Trend.RISING || (trend == Trend.ONE_SEED && mean > 0);
        List<Target> targets = new ArrayList<>();
        for (String t : TARGETS) {
            Optional<ResultTable.Cell> c = all.scored(t, budget);
            if (c.isEmpty()) {
                continue;
            }
            double gap = c.get().mean() - full.cell().mean();
            double doublings = gap <= 0 ? 0 : extrapolates ? gap / mean : Double.NaN;
            targets.add(new Target(t, c.get().mean(), doublings));
        }
        return new Budget(budget, points, mean, std, slopes.size(), trend, targets);
    }

    /** Least-squares slope of y on x; NaN with fewer than two distinct x. */
    static double slope(List<double[]> xy) {
        if (xy.size() < 2) {
            return Double.NaN;
        }
        double mx = 0;
        double my = 0;
        for (double[] p : xy) {
            mx += p[0];
            my += p[1];
        }
        mx /= xy.size();
        my /= xy.size();
        double sxy = 0;
        double sxx = 0;
        for (double[] p : xy) {
            sxy += (p[0] - mx) * (p[1] - my);
            sxx += (p[0] - mx) * (p[0] - mx);
        }
        return sxx > 0 ? sxy / sxx : Double.NaN;
    }

    /** Mean pretraining tokens over a cell's finished seeds (the same run for all of them). */
    private static long pretrainTokens(ResultTable.Cell c) {
        return Math.round(c.ok().stream().mapToLong(r -> r.cost().pretrainTokens()).average().orElse(0));
    }

    /** Mean pretraining wall time of the full run's cells, in seconds. */
    public static double seconds(Point p) {
        return p.cell().ok().stream().mapToDouble(r -> r.cost().pretrainSeconds()).average().orElse(0);
    }

    private static double share(String arm) {
        String s = arm.substring(arm.indexOf(Experiment.Arm.SEPARATOR) + 1);
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("results row '" + arm + "': a pretraining-sweep arm is transfer@SHARE "
                    + "with SHARE a number such as 0.25");
        }
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
