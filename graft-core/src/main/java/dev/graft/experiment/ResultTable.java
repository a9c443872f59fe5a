package dev.graft.experiment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An experiment's cells grouped by strategy (rows) and budget (columns), with the seed statistics the
 * report prints. Means and spreads are over the cells that finished; failed cells are kept and counted.
 *
 * <p>Strategies are ordered scratch, transfer, ulmfit, multitask, merged, pretrained, bow, labels-as-text,
 * then any other in order of first appearance. Budgets are ordered by the labels their cells used (so "all"
 * comes last), then numerically by name.
 */
public final class ResultTable {
    /** The known strategies in display order. */
    static final List<String> KNOWN_ORDER = List.of("scratch", "transfer", "ulmfit", "multitask", "merged",
            "setfit-own", "pretrained", "setfit", "bow", "labels-as-text");

    /**
     * The seeds of one strategy at one budget.
     *
     * @param strategy the strategy
     * @param budget   the budget's name
     * @param ok       the finished cells, in seed order
     * @param failed   the failed cells, in seed order
     */
    public record Cell(String strategy, String budget, List<CellResult> ok, List<CellResult> failed) {
        public Cell {
            ok = List.copyOf(ok);
            failed = List.copyOf(failed);
        }

        /** Finished seeds. */
        public int seeds() {
            return ok.size();
        }

        /** Whether at least one seed finished. */
        public boolean hasScore() {
            return !ok.isEmpty();
        }

        /** Mean test score of the finished seeds, NaN when none finished. */
        public double mean() {
            return ok.stream().mapToDouble(CellResult::test).average().orElse(Double.NaN);
        }

        /** Sample standard deviation (n - 1 in the denominator) of the test score; NaN with fewer than 2 seeds. */
        public double std() {
            int n = ok.size();
            if (n < 2) {
                return Double.NaN;
            }
            double mean = mean();
            double sum = 0;
            for (CellResult r : ok) {
                sum += (r.test() - mean) * (r.test() - mean);
            }
            return Math.sqrt(sum / (n - 1));
        }

        /** The mean test score with its 95% t interval over the finished seeds. */
        public dev.graft.eval.Interval interval() {
            return dev.graft.eval.Interval.of(ok.stream().mapToDouble(CellResult::test).toArray());
        }

        /** This cell's test score minus {@code other}'s, paired by seed (label draw), with its 95% t interval. */
        public dev.graft.eval.Interval pairedDifference(Cell other) {
            Map<Integer, Double> a = new TreeMap<>();
            Map<Integer, Double> b = new TreeMap<>();
            ok.forEach(r -> a.put(r.seed(), r.test()));
            other.ok.forEach(r -> b.put(r.seed(), r.test()));
            return dev.graft.eval.Interval.paired(a, b);
        }

        /** Lowest test score of the finished seeds, NaN when none. */
        public double min() {
            return ok.stream().mapToDouble(CellResult::test).min().orElse(Double.NaN);
        }

        /** Highest test score of the finished seeds, NaN when none. */
        public double max() {
            return ok.stream().mapToDouble(CellResult::test).max().orElse(Double.NaN);
        }

        /** Mean labels used by the finished seeds (all seeds when none finished), rounded. */
        public int labels() {
            List<CellResult> from = ok.isEmpty() ? failed : ok;
            return (int) Math.round(from.stream().mapToInt(CellResult::labels).average().orElse(0));
        }
    }

    private final List<String> strategies;
    private final List<String> budgets;
    private final Map<String, Map<String, Cell>> cells;
    private final List<CellResult> failed;
    private final String metric;

    private ResultTable(List<String> strategies, List<String> budgets, Map<String, Map<String, Cell>> cells,
                        List<CellResult> failed, String metric) {
        this.metric = metric;
        this.strategies = strategies;
        this.budgets = budgets;
        this.cells = cells;
        this.failed = failed;
    }

    /**
     * Groups the cells.
     *
     * @throws IllegalArgumentException when the results are empty or mix metrics
     */
    public static ResultTable of(List<CellResult> results) {
        if (results == null || results.isEmpty()) {
            throw new IllegalArgumentException("no results to report: results.jsonl has no cells yet");
        }
        Set<String> metrics = new LinkedHashSet<>();
        results.forEach(r -> metrics.add(r.metric()));
        if (metrics.size() > 1) {
            throw new IllegalArgumentException("the results mix metrics " + metrics
                    + "; report one task at a time (one results.jsonl per experiment)");
        }
        Map<String, Map<String, List<CellResult>>> grouped = new LinkedHashMap<>();
        for (CellResult r : results) {
            grouped.computeIfAbsent(r.strategy(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.budget(), k -> new ArrayList<>()).add(r);
        }
        List<String> appearance = List.copyOf(grouped.keySet());
        List<String> strategies = new ArrayList<>(appearance);
        strategies.sort(Comparator.comparingInt(s -> {
            int i = KNOWN_ORDER.indexOf(s);
            return i >= 0 ? i : KNOWN_ORDER.size() + appearance.indexOf(s);
        }));
        Map<String, Integer> budgetLabels = new LinkedHashMap<>();
        for (CellResult r : results) {
            budgetLabels.merge(r.budget(), r.labels(), Math::max);
        }
        List<String> budgets = new ArrayList<>(budgetLabels.keySet());
        budgets.sort(Comparator.<String>comparingLong(b -> budgetLabels.get(b) > 0 ? budgetLabels.get(b) : numeric(b))
                .thenComparingLong(ResultTable::numeric).thenComparing(Comparator.naturalOrder()));
        Map<String, Map<String, Cell>> cells = new LinkedHashMap<>();
        for (String s : strategies) {
            Map<String, Cell> row = new LinkedHashMap<>();
            for (String b : budgets) {
                List<CellResult> rs = grouped.get(s).get(b);
                if (rs == null) {
                    continue;
                }
                List<CellResult> sorted = rs.stream().sorted(Comparator.comparingInt(CellResult::seed)).toList();
                row.put(b, new Cell(s, b, sorted.stream().filter(CellResult::isOk).toList(),
                        sorted.stream().filter(r -> !r.isOk()).toList()));
            }
            cells.put(s, row);
        }
        List<CellResult> failed = new ArrayList<>();
        for (String s : strategies) {
            cells.get(s).values().forEach(c -> failed.addAll(c.failed()));
        }
        return new ResultTable(List.copyOf(strategies), List.copyOf(budgets), cells, List.copyOf(failed),
                metrics.iterator().next());
    }

    private static long numeric(String budget) {
        try {
            return Long.parseLong(budget.trim());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Strategies in display order. */
    public List<String> strategies() {
        return strategies;
    }

    /** Budgets, fewest labels first. */
    public List<String> budgets() {
        return budgets;
    }

    /** The metric all cells share. */
    public String metric() {
        return metric;
    }

    /** The cell of a strategy at a budget, empty when it was not run. */
    public Optional<Cell> cell(String strategy, String budget) {
        Map<String, Cell> row = cells.get(strategy);
        return row == null ? Optional.empty() : Optional.ofNullable(row.get(budget));
    }

    /** The cell when it has at least one finished seed. */
    public Optional<Cell> scored(String strategy, String budget) {
        return cell(strategy, budget).filter(Cell::hasScore);
    }

    /** Whether the strategy has at least one finished cell. */
    public boolean hasScores(String strategy) {
        Map<String, Cell> row = cells.get(strategy);
        return row != null && row.values().stream().anyMatch(Cell::hasScore);
    }

    /** Budgets at which at least one strategy finished, fewest labels first. */
    public List<String> scoredBudgets() {
        return budgets.stream().filter(b -> strategies.stream().anyMatch(s -> scored(s, b).isPresent())).toList();
    }

    /** The labels used at a budget: the largest mean over the strategies' cells. */
    public int labels(String budget) {
        int most = 0;
        for (String s : strategies) {
            most = Math.max(most, cell(s, budget).map(Cell::labels).orElse(0));
        }
        return most;
    }

    /** The strategies with the highest mean at a budget (ties all included), empty when none finished. */
    public Set<String> best(String budget) {
        double top = strategies.stream().flatMap(s -> scored(s, budget).stream()).mapToDouble(Cell::mean).max()
                .orElse(Double.NaN);
        Set<String> out = new LinkedHashSet<>();
        for (String s : strategies) {
            scored(s, budget).filter(c -> c.mean() == top).ifPresent(c -> out.add(s));
        }
        return out;
    }

    /** A strategy's learning curve: labels → mean test score over its budgets with finished seeds. */
    public TreeMap<Integer, Double> curve(String strategy) {
        TreeMap<Integer, Double> curve = new TreeMap<>();
        for (String b : budgets) {
            scored(strategy, b).ifPresent(c -> curve.put(c.labels(), c.mean()));
        }
        return curve;
    }

    /** Every failed cell, by strategy, budget and seed. */
    public List<CellResult> failed() {
        return failed;
    }

    /** The most seeds (finished or failed) of any strategy at any budget. */
    public int maxSeeds() {
        return cells.values().stream().flatMap(r -> r.values().stream())
                .mapToInt(c -> c.ok().size() + c.failed().size()).max().orElse(0);
    }

    /** Number of cells, finished or not. */
    public int size() {
        return cells.values().stream().flatMap(r -> r.values().stream())
                .mapToInt(c -> c.ok().size() + c.failed().size()).sum();
    }
}
