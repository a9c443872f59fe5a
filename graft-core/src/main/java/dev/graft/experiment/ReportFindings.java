package dev.graft.experiment;

import dev.graft.eval.Interval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What an experiment report finds in its cells, as typed records: no prose, no layout, so each can be
 * checked against numbers worked by hand. {@link ReportProse} states them in words; {@link ExperimentReport}
 * lays them out as the report's tables and lists.
 *
 * <p>Strategies are named by their result ids ("scratch", "transfer@0.25"); which of them are graft's own
 * pretraining comes from {@link Strategy.Group}, not from a list of names.
 */
final class ReportFindings {
    /** Within this much of the majority-class share, a cell's mean reads as "near chance". */
    static final double NEAR_CHANCE = 0.05;
    /** A final training loss above this share of ln(classes) means the model did not fit its own labels. */
    static final double UNFIT = 0.9;
    /**
     * Loss change per doubling of tokens (nats) within which a pretraining curve counts as flat: below this
     * the loss is called flattened, not still falling.
     */
    static final double FLAT_LOSS_PER_DOUBLING = 0.01;

    private ReportFindings() {
    }

    /** How a difference between two cells compares with their seeds' spread (the paired 95% interval). */
    enum Spread {
        BEYOND("beyond the paired 95% interval"),
        WITHIN("within the paired 95% interval"),
        UNKNOWN("interval unknown with one seed");

        final String words;

        Spread(String words) {
            this.words = words;
        }

        static Spread of(ResultTable.Cell a, ResultTable.Cell b) {
            Interval d = a.pairedDifference(b);
            if (!d.known()) {
                return UNKNOWN;
            }
            return d.excludesZero() ? BEYOND : WITHIN;
        }
    }

    // ------------------------------------------------------------------ the best arm per budget

    /** The best arm's mean minus another arm's at the same budget. */
    record Margin(String other, double difference, double otherMean, Spread spread) {
    }

    /**
     * The best mean at a budget: the strategies tied at it, the first one's cell, and its margins over the
     * reference and bow (those that are not among the best and finished at this budget).
     */
    record BestArm(String budget, List<String> best, ResultTable.Cell top, List<Margin> margins) {
    }

    static BestArm bestArm(ResultTable t, String budget, String ref) {
        Set<String> best = t.best(budget);
        String top = best.iterator().next();
        ResultTable.Cell topCell = t.scored(top, budget).orElseThrow();
        List<Margin> margins = new ArrayList<>();
        for (String other : ref.equals("bow") ? List.of(ref) : List.of(ref, "bow")) {
            if (best.contains(other)) {
                continue;
            }
            t.scored(other, budget).ifPresent(c -> margins.add(new Margin(other, topCell.mean() - c.mean(), c.mean(),
                    Spread.of(topCell, c))));
        }
        return new BestArm(budget, List.copyOf(best), topCell, margins);
    }

    // ------------------------------------------------------------------ own pretraining against the reference

    /** graft's own-pretraining strategies among the results, in {@link Strategy}'s order. */
    static List<String> ownPretraining(ResultTable t) {
        return Strategy.inGroup(Strategy.Group.OWN_PRETRAINING).stream().map(Strategy::id).filter(t::hasScores)
                .toList();
    }

    static boolean isOwnPretraining(String id) {
        Strategy s = Strategy.ofId(id);
        return s != null && s.group() == Strategy.Group.OWN_PRETRAINING && !id.contains("@");
    }

    /**
     * One own-pretraining strategy against the reference over the budgets where both finished.
     *
     * @param compared    the budgets compared, in order
     * @param differences its mean minus the reference's, per compared budget
     * @param beat        budgets where it is above beyond the paired interval
     * @param beatBy      the differences at those budgets
     * @param worse       budgets where it is below beyond the paired interval
     * @param unknown     how many compared budgets had fewer than two paired seeds
     */
    record AgainstReference(String strategy, List<String> compared, List<Double> differences, List<String> beat,
                            List<Double> beatBy, List<String> worse, int unknown) {
        boolean allUnknown() {
            return unknown == compared.size();
        }
    }

    static List<AgainstReference> againstReference(ResultTable t, List<String> own, String ref, List<String> budgets) {
        List<AgainstReference> out = new ArrayList<>();
        for (String s : own) {
            List<String> compared = new ArrayList<>();
            List<Double> diffs = new ArrayList<>();
            List<String> beat = new ArrayList<>();
            List<Double> beatBy = new ArrayList<>();
            List<String> worse = new ArrayList<>();
            int unknown = 0;
            for (String b : budgets) {
                Optional<ResultTable.Cell> a = t.scored(s, b);
                Optional<ResultTable.Cell> r = t.scored(ref, b);
                if (a.isEmpty() || r.isEmpty()) {
                    continue;
                }
                double d = a.get().mean() - r.get().mean();
                Spread spread = Spread.of(a.get(), r.get());
                compared.add(b);
                diffs.add(d);
                if (spread == Spread.UNKNOWN) {
                    unknown++;
                } else if (spread == Spread.BEYOND && d > 0) {
                    beat.add(b);
                    beatBy.add(d);
                } else if (spread == Spread.BEYOND && d < 0) {
                    worse.add(b);
                }
            }
            if (!compared.isEmpty()) {
                out.add(new AgainstReference(s, compared, diffs, beat, beatBy, worse, unknown));
            }
        }
        return out;
    }

    /** The best own-pretraining strategy's cell against "pretrained" at one budget. */
    record AgainstPretrained(String budget, ResultTable.Cell bestOwn, ResultTable.Cell pretrained, Spread spread) {
        double difference() {
            return bestOwn.mean() - pretrained.mean();
        }
    }

    static List<AgainstPretrained> againstPretrained(ResultTable t, List<String> own, List<String> budgets) {
        List<AgainstPretrained> out = new ArrayList<>();
        for (String b : budgets) {
            Optional<ResultTable.Cell> p = t.scored("pretrained", b);
            Optional<ResultTable.Cell> bestOwn = own.stream().flatMap(s -> t.scored(s, b).stream())
                    .max(Comparator.comparingDouble(ResultTable.Cell::mean));
            if (p.isPresent() && bestOwn.isPresent()) {
                out.add(new AgainstPretrained(b, bestOwn.get(), p.get(), Spread.of(bestOwn.get(), p.get())));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ paired differences

    /** One strategy minus another over the same label draws at one budget; null interval where one did not finish. */
    record PairedDifference(String strategy, String against, String budget, Interval interval) {
    }

    /**
     * Each strategy minus the reference and minus bow, budget by budget (the scored budgets), skipping a strategy
     * against itself and a pair already listed the other way round; a row with no finished budget is left out.
     * Rows in order: against the reference first, then against bow; within each, the strategies' order.
     */
    static List<List<PairedDifference>> pairedDifferences(ResultTable t, String ref) {
        List<String> against = new ArrayList<>();
        for (String r : List.of(ref, "bow")) {
            if (t.hasScores(r) && !against.contains(r)) {
                against.add(r);
            }
        }
        List<List<PairedDifference>> rows = new ArrayList<>();
        for (String r : against) {
            for (String s : t.strategies()) {
                if (s.equals(r) || (against.indexOf(s) >= 0 && against.indexOf(s) < against.indexOf(r))) {
                    continue;
                }
                List<PairedDifference> row = new ArrayList<>();
                boolean any = false;
                for (String b : t.scoredBudgets()) {
                    Optional<ResultTable.Cell> x = t.scored(s, b);
                    Optional<ResultTable.Cell> y = t.scored(r, b);
                    Interval d = x.isEmpty() || y.isEmpty() ? null : x.get().pairedDifference(y.get());
                    any |= d != null;
                    row.add(new PairedDifference(s, r, b, d));
                }
                if (any) {
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    // ------------------------------------------------------------------ cells near chance

    /**
     * A fine-tuned cell whose mean is within {@link #NEAR_CHANCE} of always answering the test set's majority
     * class.
     *
     * @param singleClassDraws draws whose test predictions all went to one class
     * @param trainLoss        mean final training loss, NaN when not recorded or not comparable (multitask adds
     *                         the LM loss)
     * @param classes          classes in the confusion matrix
     * @param crossValidation  mean cross-validation score inside the labels, NaN for the holdout protocol
     */
    record NearChance(String strategy, String budget, double mean, double majority, long singleClassDraws,
                      int seeds, double trainLoss, int classes, double crossValidation) {
        /** ln(classes): the loss of a uniform guess; NaN with fewer than two classes. */
        double uniformLoss() {
            return classes > 1 ? Math.log(classes) : Double.NaN;
        }

        /** The model did not fit even the labels it trained on. */
        boolean unfit() {
            return Double.isFinite(trainLoss) && Double.isFinite(uniformLoss()) && trainLoss > UNFIT * uniformLoss();
        }

        /** Cross-validation inside the labels found nothing beyond the class prior either. */
        boolean nothingLearnable() {
            return crossValidation <= majority + NEAR_CHANCE;
        }
    }

    static List<NearChance> nearChance(ResultTable t) {
        List<NearChance> out = new ArrayList<>();
        for (String s : t.strategies()) {
            Strategy strategy = Strategy.ofId(s);
            if (strategy != null && !strategy.fineTunes()) {
                continue; // unknown names count as fine-tuned
            }
            for (String b : t.scoredBudgets()) {
                Optional<ResultTable.Cell> cell = t.scored(s, b);
                if (cell.isEmpty()) {
                    continue;
                }
                double majority = cell.get().ok().stream().mapToDouble(ReportFindings::majorityShare)
                        .filter(Double::isFinite).average().orElse(Double.NaN);
                double mean = cell.get().mean();
                if (Double.isNaN(majority) || mean > majority + NEAR_CHANCE) {
                    continue;
                }
                long single = cell.get().ok().stream().filter(ReportFindings::predictsOneClass).count();
                double cv = average(cell.get(), "cv_score");
                // multitask's training loss adds the LM loss: not comparable with ln(classes)
                double trainLoss = strategy == Strategy.MULTITASK ? Double.NaN : average(cell.get(), "final_train_loss");
                int classes = cell.get().ok().stream().mapToInt(r -> confusion(r).size()).max().orElse(0);
                out.add(new NearChance(s, b, mean, majority, single, cell.get().seeds(), trainLoss, classes, cv));
            }
        }
        return out;
    }

    private static double average(ResultTable.Cell cell, String key) {
        return cell.ok().stream().map(r -> r.testMetrics().get(key)).filter(v -> v instanceof Number)
                .mapToDouble(v -> ((Number) v).doubleValue()).average().orElse(Double.NaN);
    }

    /** The test set's majority-class share from a cell's confusion matrix (rows: gold); NaN when absent. */
    static double majorityShare(CellResult r) {
        long total = 0;
        long max = 0;
        for (long[] row : confusion(r)) {
            long n = Arrays.stream(row).sum();
            total += n;
            max = Math.max(max, n);
        }
        return total == 0 ? Double.NaN : (double) max / total;
    }

    /** Whether every test prediction of the cell went to one class (one non-zero column). */
    static boolean predictsOneClass(CellResult r) {
        List<long[]> rows = confusion(r);
        if (rows.isEmpty()) {
            return false;
        }
        int used = 0;
        for (int c = 0; c < rows.get(0).length; c++) {
            long n = 0;
            for (long[] row : rows) {
                n += c < row.length ? row[c] : 0;
            }
            used += n > 0 ? 1 : 0;
        }
        return used == 1;
    }

    private static List<long[]> confusion(CellResult r) {
        List<long[]> out = new ArrayList<>();
        if (r.testMetrics().get("confusion") instanceof List<?> rows) {
            for (Object row : rows) {
                if (row instanceof List<?> cells) {
                    out.add(cells.stream().mapToLong(v -> v instanceof Number n ? n.longValue() : 0).toArray());
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ pretraining

    /** The pretraining runs that ended no better than word frequencies. */
    static List<PretrainingSummary> frequencyOnly(ReportContext context) {
        return context.pretraining().stream().filter(PretrainingSummary::frequencyOnly).toList();
    }

    /** Where a pretraining curve was going at its end. */
    enum Trend { FALLING, FLAT, RISING }

    /** A run's loss decrease per doubling of tokens over the last half, and what that makes the trend. */
    record CurveEnd(PretrainingSummary run, double dropPerDoubling, double lastTokens) {
        Trend trend() {
            return dropPerDoubling > FLAT_LOSS_PER_DOUBLING ? Trend.FALLING
                    : dropPerDoubling >= -FLAT_LOSS_PER_DOUBLING ? Trend.FLAT : Trend.RISING;
        }
    }

    /** The curve ends of the runs with a slope (at least two evaluations in the last half). */
    static List<CurveEnd> curveEnds(ReportContext context) {
        List<CurveEnd> out = new ArrayList<>();
        for (PretrainingSummary p : context.pretraining()) {
            double drop = p.lossDropPerDoubling();
            if (!Double.isNaN(drop)) {
                out.add(new CurveEnd(p, drop, p.curve().isEmpty() ? p.tokens()
                        : p.curve().get(p.curve().size() - 1)[0]));
            }
        }
        return out;
    }

    /** The most pretraining tokens any finished or failed cell of these strategies recorded; 0 for none. */
    static long maxPretrainTokens(ResultTable t, List<String> strategies) {
        long most = 0;
        for (String s : strategies) {
            for (String b : t.budgets()) {
                Optional<ResultTable.Cell> c = t.cell(s, b);
                if (c.isPresent()) {
                    for (CellResult r : c.get().ok()) {
                        most = Math.max(most, r.cost().pretrainTokens());
                    }
                }
            }
        }
        return most;
    }

    /**
     * The least-squares slope of the sweep's pretraining runs' final validation loss against log2(tokens):
     * the runs are the {@link PretrainingSummary pretraining summaries} whose token counts are the sweep
     * points' (a cell records its run's tokens). NaN when fewer than two are found.
     */
    static double sweepLossSlope(PretrainingSweep.Budget points, ReportContext context) {
        List<double[]> xy = new ArrayList<>();
        for (PretrainingSweep.Point p : points.points()) {
            context.pretraining().stream().filter(r -> r.tokens() == p.tokens() && Double.isFinite(r.finalLoss()))
                    .findFirst().ifPresent(r -> xy.add(new double[]{Math.log(r.tokens()) / Math.log(2), r.finalLoss()}));
        }
        return PretrainingSweep.slope(xy);
    }
}
