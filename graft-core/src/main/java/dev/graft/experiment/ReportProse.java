package dev.graft.experiment;

import dev.graft.experiment.ReportFindings.AgainstPretrained;
import dev.graft.experiment.ReportFindings.AgainstReference;
import dev.graft.experiment.ReportFindings.BestArm;
import dev.graft.experiment.ReportFindings.CurveEnd;
import dev.graft.experiment.ReportFindings.Margin;
import dev.graft.experiment.ReportFindings.NearChance;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The prose of an experiment report: sentences that state {@link ReportFindings} in words, and the number
 * formats they use. "The answer" ({@link #answer}) is built here; the report's tables are laid out by {@link
 * ExperimentReport}.
 *
 * <p><b>Interval rule.</b> Two strategies differ "beyond the paired 95% interval" when the 95% Student t
 * interval of the mean of their per-seed differences (the same label draw on both sides: {@link
 * dev.graft.eval.Interval#paired}) excludes zero; "beats" is said only then. With fewer than two paired
 * seeds the interval is unknown and the prose says so instead of calling the difference real.
 */
final class ReportProse {
    private ReportProse() {
    }

    /**
     * "The answer": one plain-language paragraph generated from the numbers. It names the best strategy at
     * the smallest and the largest budget and its margin over the reference and over bow, each judged
     * against the seed spread; where graft's own-pretraining strategies ({@link Strategy.Group#OWN_PRETRAINING})
     * stand against the reference and "pretrained"; when none of them beats the reference beyond the spread,
     * what the pretraining curves show (still falling or flat at the end) and how much text the pretrained
     * model saw when the cells recorded it; and how many cells failed. Strategies absent from the results are
     * not mentioned.
     */
    static String answer(ResultTable t, Optional<PretrainingSweep> sweep, ReportContext context) {
        String ref = context.referenceStrategy();
        String metric = context.metric();
        List<String> budgets = t.scoredBudgets();
        List<String> sentences = new ArrayList<>();
        if (budgets.isEmpty()) {
            return "No cell finished, so there is no answer yet: all " + t.size()
                    + " cells failed (see the list of failed cells).";
        }
        String first = budgets.get(0);
        String last = budgets.get(budgets.size() - 1);
        sentences.add(bestSentence(t, ReportFindings.bestArm(t, first, ref), metric, budgets.size() == 1));
        if (!last.equals(first)) {
            sentences.add(bestSentence(t, ReportFindings.bestArm(t, last, ref), metric, false));
        }

        List<String> own = ReportFindings.ownPretraining(t);
        boolean againstReference = !own.isEmpty() && t.hasScores(ref) && !ReportFindings.isOwnPretraining(ref);
        List<AgainstReference> versus = againstReference ? ReportFindings.againstReference(t, own, ref, budgets)
                : List.of();
        if (!versus.isEmpty()) {
            List<String> phrases = versus.stream().map(v -> phrase(t, v, ref)).toList();
            sentences.add("Of graft's own-pretraining strategies, " + String.join("; ", phrases) + ".");
        }
        List<PretrainingSummary> weak = ReportFindings.frequencyOnly(context);
        if (!own.isEmpty() && !weak.isEmpty()) {
            List<String> runs = new ArrayList<>();
            for (PretrainingSummary p : weak) {
                runs.add(p.name() + " (" + p.frequencyComparison() + ")");
            }
            sentences.add("Warning: " + joinAnd(runs) + (weak.size() == 1 ? " ends" : " end") + " no better than "
                    + "word frequencies (not " + PretrainingSummary.FREQUENCY_ONLY_MARGIN + " nats better in loss, or "
                    + "not half a point better in accuracy), so the strategies fine-tuned from "
                    + (weak.size() == 1 ? "it" : "them") + " measure a model that learned little beyond frequencies, "
                    + "not what pretraining can buy.");
        }
        if (!own.isEmpty() && t.hasScores("pretrained")) {
            againstPretrained(t, ReportFindings.againstPretrained(t, own, first.equals(last) ? List.of(first)
                    : List.of(first, last)), own.size() > 1).ifPresent(sentences::add);
        }
        boolean anyBeats = versus.stream().anyMatch(v -> !v.beat().isEmpty());
        boolean allKnown = versus.stream().allMatch(v -> v.unknown() == 0);
        if (!versus.isEmpty() && !anyBeats && allKnown) {
            sentences.add("So graft's own pretraining did not beat " + (ref.equals("scratch") ? "training from scratch"
                    : ref) + " beyond the paired 95% interval in this experiment.");
            pretrainingEvidence(t, own, context).forEach(sentences::add);
        }
        sweep.ifPresent(w -> sentences.addAll(sweepSentences(t, w, context)));

        if (!t.failed().isEmpty()) {
            int failed = t.failed().size();
            sentences.add(failed + " of " + t.size() + " cells failed and " + (failed == 1 ? "is" : "are")
                    + " left out of these means (listed under the results table).");
        }
        return String.join(" ", sentences);
    }

    /** "With 50 labels, bow is best at 0.612 accuracy: 0.020 above scratch (0.592; within ...)." */
    static String bestSentence(ResultTable t, BestArm best, String metric, boolean only) {
        StringBuilder s = new StringBuilder("With ").append(only ? "its only budget, " : "")
                .append(budgetPhrase(t, best.budget())).append(", ");
        if (best.best().size() == 1) {
            s.append(best.best().get(0)).append(" is best at ");
        } else {
            s.append(joinAnd(best.best())).append(" tie as best at ");
        }
        s.append(score(best.top().mean())).append(' ').append(metric);
        List<String> margins = new ArrayList<>();
        for (Margin m : best.margins()) {
            margins.add(score(m.difference()) + " above " + m.other() + " (" + score(m.otherMean()) + "; "
                    + m.spread().words + ")");
        }
        if (!margins.isEmpty()) {
            s.append(": ").append(joinAnd(margins));
        }
        return s.append('.').toString();
    }

    /** One own-pretraining strategy against the reference, as a phrase of the answer. */
    static String phrase(ResultTable t, AgainstReference v, String ref) {
        StringBuilder p = new StringBuilder(v.strategy());
        List<String> compared = v.compared();
        if (!v.beat().isEmpty()) {
            p.append(" beats ").append(ref).append(" beyond the paired 95% interval at ").append(budgetList(t, v.beat()))
                    .append(" (by ").append(String.join(", ", v.beatBy().stream().map(ReportProse::score).toList()))
                    .append(')');
            List<String> rest = compared.stream().filter(b -> !v.beat().contains(b)).toList();
            if (!rest.isEmpty()) {
                p.append(" but not at ").append(budgetList(t, rest));
            }
        } else if (v.allUnknown()) {
            p.append(" differs from ").append(ref).append(" by ").append(compared.size() == 1
                            ? signed(v.differences().get(0)) + " at " + budgetPhrase(t, compared.get(0))
                            : differences(v.differences()).replace("differences ", "") + " across budgets")
                    .append(", but with one seed the interval is unknown");
        } else {
            p.append(" does not beat ").append(ref).append(" beyond the paired 95% interval at ")
                    .append(compared.size() == 1 ? budgetPhrase(t, compared.get(0)) : "any budget")
                    .append(" (").append(differences(v.differences())).append(')');
        }
        if (!v.worse().isEmpty()) {
            p.append(" and is below it beyond the interval at ").append(budgetList(t, v.worse()));
        }
        if (v.unknown() > 0 && v.unknown() < compared.size()) {
            p.append(", and where only one seed finished the interval is unknown");
        }
        return p.toString();
    }

    /** The best own-pretraining strategy against "pretrained" at each of the given budgets. */
    private static Optional<String> againstPretrained(ResultTable t, List<AgainstPretrained> found, boolean several) {
        List<String> parts = new ArrayList<>();
        for (AgainstPretrained a : found) {
            double d = a.difference();
            parts.add("at " + budgetPhrase(t, a.budget()) + (several ? " the best of them, " : " ")
                    + a.bestOwn().strategy() + " (" + score(a.bestOwn().mean()) + ")" + (several ? "," : "")
                    + " is " + score(Math.abs(d)) + (d >= 0 ? " above" : " below")
                    + " pretrained (" + score(a.pretrained().mean()) + "; " + a.spread().words + ")");
        }
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        String joined = String.join("; ", parts);
        return Optional.of(Character.toUpperCase(joined.charAt(0)) + joined.substring(1) + ".");
    }

    /**
     * What the pretraining curves show at their end (still falling, flat or rising, by the least-squares
     * slope over the last half), and how much more text the pretrained model saw when the cells recorded it.
     */
    private static List<String> pretrainingEvidence(ResultTable t, List<String> own, ReportContext context) {
        List<String> sentences = new ArrayList<>();
        List<String> curves = new ArrayList<>();
        for (CurveEnd c : ReportFindings.curveEnds(context)) {
            String name = c.run().name();
            double drop = c.dropPerDoubling();
            String per = " nats per doubling of pretraining tokens over the last half of its "
                    + LineChart.compact(c.lastTokens()) + " tokens";
            curves.add(switch (c.trend()) {
                case FALLING -> "the validation loss of " + name + " was still falling by " + score(drop) + per;
                case FLAT -> "the validation loss of " + name + " had flattened (a change of " + signed(-drop) + per
                        + ")";
                case RISING -> "the validation loss of " + name + " was rising (a change of " + signed(-drop) + per
                        + ")";
            });
        }
        if (!curves.isEmpty()) {
            sentences.add("In pretraining, " + String.join("; ", curves) + ".");
        }
        long pretrainedTokens = ReportFindings.maxPretrainTokens(t, List.of("pretrained"));
        long ownTokens = ReportFindings.maxPretrainTokens(t, own);
        if (ownTokens == 0) {
            ownTokens = context.pretraining().stream().mapToLong(PretrainingSummary::tokens).max().orElse(0);
        }
        if (t.hasScores("pretrained") && pretrainedTokens > 0 && ownTokens > 0) {
            double ratio = (double) pretrainedTokens / ownTokens;
            if (ratio >= 2) {
                String times = ratio >= 10 ? String.format(Locale.ROOT, "%,.0f", ratio)
                        : String.format(Locale.ROOT, "%.1f", ratio);
                sentences.add("The pretrained model saw " + times + " times as many pretraining tokens ("
                        + LineChart.compact(pretrainedTokens) + " against " + LineChart.compact(ownTokens) + ").");
            } else {
                sentences.add("The pretrained model saw " + LineChart.compact(pretrainedTokens)
                        + " pretraining tokens against " + LineChart.compact(ownTokens) + ".");
            }
        }
        return sentences;
    }

    /**
     * One line per cell near chance, saying why from its own numbers: how many draws predict a single class,
     * and what cross-validation inside the labels scored (a held-out score near chance too: nothing learnable
     * was found in so few labels; well above it: the model fit the labels without generalizing).
     */
    static String nearChanceLine(ResultTable t, NearChance n) {
        StringBuilder line = new StringBuilder(n.strategy() + " at " + budgetPhrase(t, n.budget()) + ": "
                + score(n.mean()) + ", within " + score(ReportFindings.NEAR_CHANCE)
                + " of always answering the majority class (" + score(n.majority()) + ").");
        if (n.singleClassDraws() > 0) {
            line.append(' ').append(n.singleClassDraws()).append(" of ").append(n.seeds())
                    .append(n.singleClassDraws() == 1 ? " draws predicts" : " draws predict").append(" a single class.");
        }
        if (n.unfit()) {
            line.append(" Its training loss ended at ").append(String.format(Locale.ROOT, "%.3f", n.trainLoss()))
                    .append(" (ln ").append(n.classes()).append(" = ").append(String.format(Locale.ROOT, "%.3f",
                            n.uniformLoss())).append(" for a uniform guess): it did not fit even the labels it "
                            + "trained on, so its features barely depend on the input or its rates barely "
                            + "moved it.");
        }
        double cv = n.crossValidation();
        if (Double.isNaN(cv)) {
            line.append(" No cross-validation score was recorded (the holdout protocol).");
        } else if (n.unfit()) {
            line.append(" Cross-validation inside the labels scored ").append(score(cv))
                    .append(" on held-out folds.");
        } else if (n.nothingLearnable()) {
            line.append(" Cross-validation inside the labels scored ").append(score(cv))
                    .append(" on held-out folds: no candidate rate learned beyond the class prior from so few "
                            + "labels.");
        } else {
            line.append(" Cross-validation inside the labels scored ").append(score(cv))
                    .append(" on held-out folds: the model fit the labels it had, but what it learned did not "
                            + "carry to the test set.");
        }
        return line.toString();
    }

    /**
     * What the pretraining sweep measured: transfer's score change per doubling of pretraining at each
     * budget, and, where that rises beyond its spread, how much more pretraining the line needs to reach the
     * best of the other strategies ("how much more pretraining the curves suggest"); where it does not,
     * that the curves give no finite estimate.
     */
    static List<String> sweepSentences(ResultTable t, PretrainingSweep sweep, ReportContext context) {
        List<String> sentences = new ArrayList<>();
        PretrainingSweep.Budget first = sweep.budgets().get(0);
        List<String> lengths = new ArrayList<>();
        for (PretrainingSweep.Point p : first.points()) {
            lengths.add(LineChart.compact(p.tokens()));
        }
        List<String> slopes = new ArrayList<>();
        for (PretrainingSweep.Budget b : sweep.budgets()) {
            slopes.add(slope(b) + " at " + budgetPhrase(t, b.budget()));
        }
        sentences.add("Fine-tuned after pretraining runs of " + joinAnd(lengths) + " tokens, transfer's "
                + "score changed by " + joinAnd(slopes) + " per doubling of pretraining tokens (mean ± std of the "
                + "per-seed slopes" + (first.seeds() < 2 ? "; one seed, so no spread" : "") + ").");
        double lossSlope = ReportFindings.sweepLossSlope(first, context);
        if (!Double.isNaN(lossSlope)) {
            sentences.add("Across those runs the validation loss changed by " + signed(lossSlope)
                    + " nats per doubling.");
        }
        List<String> reach = new ArrayList<>();
        List<String> none = new ArrayList<>();
        for (PretrainingSweep.Budget b : sweep.budgets()) {
            List<PretrainingSweep.Target> open = b.targets().stream().filter(x -> x.doublings() != 0).toList();
            if (open.isEmpty()) {
                continue;
            }
            if (!b.extrapolates()) {
                none.add(budgetPhrase(t, b.budget()));
                continue;
            }
            double seconds = PretrainingSweep.seconds(b.full());
            List<String> parts = new ArrayList<>();
            for (PretrainingSweep.Target x : open) {
                double m = x.multiple();
                parts.add(x.strategy() + "'s " + score(x.score()) + " after " + times(m) + " the pretraining (about "
                        + LineChart.compact(b.full().tokens() * m) + " tokens"
                        + (seconds > 0 ? ", " + longDuration(seconds * m) + " here" : "") + ")");
            }
            reach.add("at " + budgetPhrase(t, b.budget()) + " it would reach " + joinAnd(parts));
        }
        if (!reach.isEmpty()) {
            String s = "Extending that line (straight in log tokens, so an order of magnitude: real curves bend), "
                    + String.join("; ", reach) + ".";
            sentences.add(s);
        }
        if (!none.isEmpty()) {
            sentences.add("At " + joinAnd(none) + " the score did not rise with pretraining beyond the paired 95% interval, "
                    + "so these curves give no finite estimate of the pretraining that would pay there.");
        }
        return sentences;
    }

    /** "1.6 times", "2,900 times", "10^14 times". */
    static String times(double multiple) {
        if (multiple < 10) {
            return String.format(Locale.ROOT, "%.1f times", multiple);
        }
        if (multiple < 1e6) {
            return String.format(Locale.ROOT, "%,.0f times", multiple);
        }
        return "10^" + (int) Math.floor(Math.log10(multiple)) + " times";
    }

    /** {@link #duration}, then days and years for the long extrapolations. */
    static String longDuration(double seconds) {
        double days = seconds / 86400;
        if (days < 2) {
            return duration(seconds);
        }
        if (days < 730) {
            return String.format(Locale.ROOT, "%,.0f days", days);
        }
        double years = days / 365.25;
        return years < 1e6 ? String.format(Locale.ROOT, "%,.0f years", years)
                : "10^" + (int) Math.floor(Math.log10(years)) + " years";
    }

    /** "from -0.010 to +0.015", or "difference +0.010" for one. */
    private static String differences(List<Double> diffs) {
        if (diffs.size() == 1) {
            return "difference " + signed(diffs.get(0));
        }
        double lo = diffs.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double hi = diffs.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return "differences from " + signed(lo) + " to " + signed(hi);
    }

    /** "50 labels", "all 2,400 labels", "small (120 labels)". */
    static String budgetPhrase(ResultTable t, String budget) {
        int labels = t.labels(budget);
        if (budget.equals("all")) {
            return "all " + SampleEfficiency.count(labels) + " labels";
        }
        try {
            Long.parseLong(budget);
            return SampleEfficiency.count(labels) + " labels";
        } catch (NumberFormatException e) {
            return budget + " (" + SampleEfficiency.count(labels) + " labels)";
        }
    }

    /** "50 and 200 labels", "50, 200 and all 2,400 labels". */
    static String budgetList(ResultTable t, List<String> budgets) {
        List<String> phrases = new ArrayList<>();
        for (int i = 0; i < budgets.size(); i++) {
            String p = budgetPhrase(t, budgets.get(i));
            if (i < budgets.size() - 1 && p.endsWith(" labels")) {
                p = p.substring(0, p.length() - " labels".length());
            }
            phrases.add(p);
        }
        return joinAnd(phrases);
    }

    static String joinAnd(List<String> items) {
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }

    static String score(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** "+0.015", "-0.010"; never "-0.000". */
    static String signed(double v) {
        double rounded = Math.round(v * 1000) / 1000.0 + 0.0;
        return String.format(Locale.ROOT, "%+.3f", rounded);
    }

    /** "0.612 ± 0.027": the mean and the half-width of its 95% interval; the mean alone with one seed. */
    static String meanStd(ResultTable.Cell c) {
        return score(c.mean()) + (c.seeds() > 1 ? " ± " + score(c.interval().halfWidth()) : "");
    }

    /** "+0.021 ± 0.008" per doubling; the mean alone with one seed. */
    static String slope(PretrainingSweep.Budget b) {
        return signed(b.slope()) + (Double.isNaN(b.slopeStd()) ? "" : " ± " + score(b.slopeStd()));
    }

    static String tokens(long n) {
        return n == 0 ? "—" : SampleEfficiency.count(n);
    }

    /** 42.0 s, 3.5 min, 1.25 h; — for zero. */
    static String duration(double seconds) {
        if (!(seconds > 0)) {
            return "—";
        }
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1f s", seconds);
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%.1f min", seconds / 60);
        }
        return String.format(Locale.ROOT, "%.2f h", seconds / 3600);
    }
}
