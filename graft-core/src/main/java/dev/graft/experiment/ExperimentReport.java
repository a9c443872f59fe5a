package dev.graft.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.graft.experiment.ReportDocument.Text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns an experiment's cells into its report: {@code report.md}, a self-contained {@code report.html}
 * (inline CSS and SVG, no external resource), {@code learning_curve.png} and {@code learning_curve.svg}.
 *
 * <p>The report holds the learning curve; a table of mean ± standard deviation per strategy and budget
 * with the best mean per budget in bold and failed cells shown as such; sample efficiency against the
 * reference strategy; cost; the pretraining runs (loss decrease per doubling of tokens); the run
 * configuration and the data used; and "the answer", a paragraph generated from the numbers
 * ({@link #answer}).
 *
 * <p><b>Interval rule.</b> Two strategies differ "beyond the paired 95% interval" when the 95% Student t
 * interval of the mean of their per-seed differences (the same label draw on both sides: {@link
 * dev.graft.eval.Interval#paired}) excludes zero; "beats" is said only then. With fewer than two paired
 * seeds the interval is unknown and the report says so instead of calling the difference real. The results
 * table gives each mean with its own 95% interval (± its half-width).
 */
public final class ExperimentReport {
    /** graft's own-pretraining strategies, compared as a group against the reference and "pretrained". */
    static final List<String> OWN_PRETRAINING = List.of("transfer", "ulmfit", "merged", "multitask");
    /**
     * Loss change per doubling of tokens (nats) within which a pretraining curve counts as flat: below this
     * the loss is called flattened, not still falling.
     */
    static final double FLAT_LOSS_PER_DOUBLING = 0.01;
    /** Validation-curve points listed per pretraining run in the report (evenly picked, last included). */
    private static final int CURVE_ROWS = 10;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ExperimentReport() {
    }

    /** How a difference between two cells compares with their seeds' spread (see the class comment). */
    enum Spread {
        BEYOND("beyond the paired 95% interval"),
        WITHIN("within the paired 95% interval"),
        UNKNOWN("interval unknown with one seed");

        final String words;

        Spread(String words) {
            this.words = words;
        }

        static Spread of(ResultTable.Cell a, ResultTable.Cell b) {
            dev.graft.eval.Interval d = a.pairedDifference(b);
            if (!d.known()) {
                return UNKNOWN;
            }
            return d.excludesZero() ? BEYOND : WITHIN;
        }
    }

    /**
     * Writes the report files into {@code dir} (created when missing), replacing earlier ones.
     *
     * @return the files written: report.md, report.html, learning_curve.png, learning_curve.svg
     * @throws IllegalArgumentException when there are no results or they mix metrics
     */
    public static List<Path> write(Path dir, List<CellResult> results, ReportContext context) throws IOException {
        ResultTable table = ResultTable.of(PretrainingSweep.withoutSweepArms(results));
        Optional<PretrainingSweep> sweep = PretrainingSweep.of(results);
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        boolean anyScore = !table.scoredBudgets().isEmpty();
        if (anyScore) {
            Path png = dir.resolve("learning_curve.png");
            Path tmp = dir.resolve("learning_curve.tmp.png");
            LearningCurvePlot.writePng(table, context, tmp);
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING);
            written.add(png);
            written.add(writeText(dir.resolve("learning_curve.svg"), LearningCurvePlot.svg(table, context, true)));
        }
        ReportDocument doc = document(table, sweep, context,
                anyScore ? LearningCurvePlot.svg(table, context, false) : null);
        written.add(0, writeText(dir.resolve("report.md"), doc.markdown()));
        written.add(1, writeText(dir.resolve("report.html"), doc.html(context.title())));
        return written;
    }

    private static Path writeText(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /**
     * "The answer": one plain-language paragraph generated from the numbers. It names the best strategy at
     * the smallest and the largest budget and its margin over the reference and over bow, each judged
     * against the seed spread; where graft's own-pretraining strategies (transfer, ulmfit, merged,
     * multitask) stand against the reference and "pretrained"; when none of them beats the reference beyond
     * the spread, what the pretraining curves show (still falling or flat at the end) and how much text the
     * pretrained model saw when the cells recorded it; and how many cells failed. Strategies absent from the
     * results are not mentioned.
     */
    public static String answer(List<CellResult> results, ReportContext context) {
        return answer(ResultTable.of(PretrainingSweep.withoutSweepArms(results)), PretrainingSweep.of(results),
                context);
    }

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
        sentences.add(bestSentence(t, first, ref, metric, budgets.size() == 1));
        if (!last.equals(first)) {
            sentences.add(bestSentence(t, last, ref, metric, false));
        }

        List<String> own = OWN_PRETRAINING.stream().filter(t::hasScores).toList();
        boolean againstReference = !own.isEmpty() && t.hasScores(ref) && !OWN_PRETRAINING.contains(ref);
        OwnVersusReference versus = againstReference ? ownVersusReference(t, own, ref, budgets)
                : new OwnVersusReference(List.of(), false, false);
        if (!versus.phrases().isEmpty()) {
            sentences.add("Of graft's own-pretraining strategies, " + String.join("; ", versus.phrases()) + ".");
        }
        List<PretrainingSummary> weak = context.pretraining().stream().filter(PretrainingSummary::frequencyOnly)
                .toList();
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
            ownVersusPretrained(t, own, first.equals(last) ? List.of(first) : List.of(first, last))
                    .ifPresent(sentences::add);
        }
        if (!versus.phrases().isEmpty() && !versus.anyBeats() && versus.allKnown()) {
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

    /**
     * One phrase per own-pretraining strategy against the reference.
     *
     * @param anyBeats whether some strategy beats the reference beyond the interval at some budget
     * @param allKnown whether every comparison had at least two seeds on both sides
     */
    private record OwnVersusReference(List<String> phrases, boolean anyBeats, boolean allKnown) {
    }

    private static OwnVersusReference ownVersusReference(ResultTable t, List<String> own, String ref,
                                                        List<String> budgets) {
        List<String> phrases = new ArrayList<>();
        boolean anyBeats = false;
        boolean allKnown = true;
        for (String s : own) {
            List<String> compared = new ArrayList<>();
            List<Double> diffs = new ArrayList<>();
            List<String> beat = new ArrayList<>();
            List<String> beatBy = new ArrayList<>();
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
                    beatBy.add(score(d));
                } else if (spread == Spread.BEYOND && d < 0) {
                    worse.add(b);
                }
            }
            if (compared.isEmpty()) {
                continue;
            }
            allKnown &= unknown == 0;
            StringBuilder p = new StringBuilder(s);
            if (!beat.isEmpty()) {
                anyBeats = true;
                p.append(" beats ").append(ref).append(" beyond the paired 95% interval at ").append(budgetList(t, beat))
                        .append(" (by ").append(String.join(", ", beatBy)).append(')');
                List<String> rest = compared.stream().filter(b -> !beat.contains(b)).toList();
                if (!rest.isEmpty()) {
                    p.append(" but not at ").append(budgetList(t, rest));
                }
            } else if (unknown == compared.size()) {
                p.append(" differs from ").append(ref).append(" by ").append(compared.size() == 1
                                ? signed(diffs.get(0)) + " at " + budgetPhrase(t, compared.get(0))
                                : differences(diffs).replace("differences ", "") + " across budgets")
                        .append(", but with one seed the interval is unknown");
            } else {
                p.append(" does not beat ").append(ref).append(" beyond the paired 95% interval at ")
                        .append(compared.size() == 1 ? budgetPhrase(t, compared.get(0)) : "any budget")
                        .append(" (").append(differences(diffs)).append(')');
            }
            if (!worse.isEmpty()) {
                p.append(" and is below it beyond the interval at ").append(budgetList(t, worse));
            }
            if (unknown > 0 && unknown < compared.size()) {
                p.append(", and where only one seed finished the interval is unknown");
            }
            phrases.add(p.toString());
        }
        return new OwnVersusReference(phrases, anyBeats, allKnown);
    }

    /** The best own-pretraining strategy against "pretrained" at each of the given budgets. */
    private static Optional<String> ownVersusPretrained(ResultTable t, List<String> own, List<String> budgets) {
        List<String> parts = new ArrayList<>();
        for (String b : budgets) {
            Optional<ResultTable.Cell> p = t.scored("pretrained", b);
            Optional<ResultTable.Cell> bestOwn = own.stream().flatMap(s -> t.scored(s, b).stream())
                    .max(Comparator.comparingDouble(ResultTable.Cell::mean));
            if (p.isEmpty() || bestOwn.isEmpty()) {
                continue;
            }
            double d = bestOwn.get().mean() - p.get().mean();
            parts.add("at " + budgetPhrase(t, b) + (own.size() > 1 ? " the best of them, " : " ")
                    + bestOwn.get().strategy() + " (" + score(bestOwn.get().mean()) + ")" + (own.size() > 1 ? "," : "")
                    + " is " + score(Math.abs(d)) + (d >= 0 ? " above" : " below")
                    + " pretrained (" + score(p.get().mean()) + "; " + Spread.of(bestOwn.get(), p.get()).words + ")");
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
        for (PretrainingSummary p : context.pretraining()) {
            double drop = p.lossDropPerDoubling();
            if (Double.isNaN(drop)) {
                continue;
            }
            String per = " nats per doubling of pretraining tokens over the last half of its "
                    + SvgChart.compact(lastTokens(p)) + " tokens";
            if (drop > FLAT_LOSS_PER_DOUBLING) {
                curves.add("the validation loss of " + p.name() + " was still falling by " + score(drop) + per);
            } else if (drop >= -FLAT_LOSS_PER_DOUBLING) {
                curves.add("the validation loss of " + p.name() + " had flattened (a change of " + signed(-drop) + per
                        + ")");
            } else {
                curves.add("the validation loss of " + p.name() + " was rising (a change of " + signed(-drop) + per
                        + ")");
            }
        }
        if (!curves.isEmpty()) {
            sentences.add("In pretraining, " + String.join("; ", curves) + ".");
        }
        long pretrainedTokens = maxPretrainTokens(t, List.of("pretrained"));
        long ownTokens = maxPretrainTokens(t, own);
        if (ownTokens == 0) {
            ownTokens = context.pretraining().stream().mapToLong(PretrainingSummary::tokens).max().orElse(0);
        }
        if (t.hasScores("pretrained") && pretrainedTokens > 0 && ownTokens > 0) {
            double ratio = (double) pretrainedTokens / ownTokens;
            if (ratio >= 2) {
                String times = ratio >= 10 ? String.format(Locale.ROOT, "%,.0f", ratio)
                        : String.format(Locale.ROOT, "%.1f", ratio);
                sentences.add("The pretrained model saw " + times + " times as many pretraining tokens ("
                        + SvgChart.compact(pretrainedTokens) + " against " + SvgChart.compact(ownTokens) + ").");
            } else {
                sentences.add("The pretrained model saw " + SvgChart.compact(pretrainedTokens)
                        + " pretraining tokens against " + SvgChart.compact(ownTokens) + ".");
            }
        }
        return sentences;
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
            lengths.add(SvgChart.compact(p.tokens()));
        }
        List<String> slopes = new ArrayList<>();
        for (PretrainingSweep.Budget b : sweep.budgets()) {
            slopes.add(slope(b) + " at " + budgetPhrase(t, b.budget()));
        }
        sentences.add("Fine-tuned after pretraining runs of " + joinAnd(lengths) + " tokens, transfer's "
                + "score changed by " + joinAnd(slopes) + " per doubling of pretraining tokens (mean ± std of the "
                + "per-seed slopes" + (first.seeds() < 2 ? "; one seed, so no spread" : "") + ").");
        double lossSlope = sweepLossSlope(first, context);
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
                        + SvgChart.compact(b.full().tokens() * m) + " tokens"
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

    private static String bestSentence(ResultTable t, String budget, String ref, String metric, boolean only) {
        Set<String> best = t.best(budget);
        String top = best.iterator().next();
        ResultTable.Cell topCell = t.scored(top, budget).orElseThrow();
        StringBuilder s = new StringBuilder("With ").append(only ? "its only budget, " : "")
                .append(budgetPhrase(t, budget)).append(", ");
        if (best.size() == 1) {
            s.append(top).append(" is best at ");
        } else {
            s.append(joinAnd(List.copyOf(best))).append(" tie as best at ");
        }
        s.append(score(topCell.mean())).append(' ').append(metric);
        List<String> margins = new ArrayList<>();
        for (String other : ref.equals("bow") ? List.of(ref) : List.of(ref, "bow")) {
            if (best.contains(other)) {
                continue;
            }
            t.scored(other, budget).ifPresent(c -> margins.add(score(topCell.mean() - c.mean()) + " above " + other
                    + " (" + score(c.mean()) + "; " + Spread.of(topCell, c).words + ")"));
        }
        if (!margins.isEmpty()) {
            s.append(": ").append(joinAnd(margins));
        }
        return s.append('.').toString();
    }

    private static long maxPretrainTokens(ResultTable t, List<String> strategies) {
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

    private static double lastTokens(PretrainingSummary p) {
        return p.curve().isEmpty() ? p.tokens() : p.curve().get(p.curve().size() - 1)[0];
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
    private static String budgetList(ResultTable t, List<String> budgets) {
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

    private static String joinAnd(List<String> items) {
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

    // ------------------------------------------------------------------ the document

    static ReportDocument document(ResultTable t, Optional<PretrainingSweep> sweep, ReportContext c,
                                   String inlineSvg) {
        ReportDocument doc = new ReportDocument();
        String ref = c.referenceStrategy();
        doc.add(new ReportDocument.Heading(1, c.title()));
        int failed = t.failed().size();
        StringBuilder intro = new StringBuilder();
        if (c.task() != null && !c.task().isBlank()) {
            intro.append("Task: ").append(c.task());
            if (c.dataName() != null && !c.dataName().isBlank()) {
                intro.append(" on ").append(c.dataName());
            }
            intro.append(". ");
        } else if (c.dataName() != null && !c.dataName().isBlank()) {
            intro.append("Data: ").append(c.dataName()).append(". ");
        }
        intro.append("Score: test ").append(c.metric()).append(". ").append(t.size()).append(" cells: ")
                .append(t.strategies().size()).append(" strategies × ").append(t.budgets().size())
                .append(" budgets × up to ").append(t.maxSeeds()).append(" seeds; ").append(t.size() - failed)
                .append(" finished, ").append(failed).append(" failed.");
        doc.add(new ReportDocument.Paragraph(intro.toString()));

        doc.add(new ReportDocument.Heading(2, "The answer"));
        doc.add(new ReportDocument.Paragraph(answer(t, sweep, c)));
        doc.add(new ReportDocument.Paragraph("Reading rule: a difference is beyond the paired 95% interval when the "
                + "difference of the two means exceeds the larger of the two sample standard deviations over "
                + "seeds; with a single finished seed the interval is unknown. This is a conservative reading rule, "
                + "not a significance test."));

        if (inlineSvg != null) {
            doc.add(new ReportDocument.Heading(2, "Learning curve"));
            doc.add(new ReportDocument.Figure("learning curve", "learning_curve.png", inlineSvg, "Test " + c.metric()
                    + " against labels used (log scale; labels include the examples carved for dev). Lines: mean "
                    + "over seeds; shaded band: lowest to highest seed (min-max). bow is dashed. Vector version: "
                    + "learning_curve.svg."));
        }

        doc.add(new ReportDocument.Heading(2, "Results"));
        resultsTable(t, doc);

        pairedDifferences(t, ref, doc);
        nearChance(t, doc);
        doc.add(new ReportDocument.Heading(2, "Sample efficiency against " + ref));
        sampleEfficiency(t, ref, doc);

        doc.add(new ReportDocument.Heading(2, "Cost"));
        costTable(t, doc);

        sweep.ifPresent(w -> {
            doc.add(new ReportDocument.Heading(2, "Score against pretraining compute"));
            sweepTable(t, w, doc);
        });

        if (!c.pretraining().isEmpty()) {
            doc.add(new ReportDocument.Heading(2, "Pretraining"));
            pretraining(c, doc);
        }

        doc.add(new ReportDocument.Heading(2, "Configuration"));
        if (c.config().isEmpty()) {
            doc.add(new ReportDocument.Paragraph("No configuration was recorded."));
        } else {
            try {
                doc.add(new ReportDocument.Code("json", JSON.writeValueAsString(c.config())));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }

        doc.add(new ReportDocument.Heading(2, "Data"));
        if (c.data().isEmpty()) {
            doc.add(new ReportDocument.Paragraph("No data provenance was recorded."));
        } else {
            List<List<Text>> rows = new ArrayList<>();
            for (DataProvenance d : c.data()) {
                rows.add(List.of(Text.of(d.name()), Text.of(orDash(d.version())), Text.of(orDash(d.sha256())),
                        Text.of(orDash(d.source()))));
            }
            doc.add(new ReportDocument.Table(List.of("data", "version", "sha256", "source"), rows, false));
        }
        return doc;
    }

    private static void resultsTable(ResultTable t, ReportDocument doc) {
        // one seed count for the whole table when every cell has it and none failed; else a count per cell
        Set<Integer> counts = new java.util.TreeSet<>();
        boolean anyFailed = !t.failed().isEmpty();
        for (String s : t.strategies()) {
            for (String b : t.budgets()) {
                t.cell(s, b).ifPresent(cell -> counts.add(cell.seeds()));
            }
        }
        boolean uniform = counts.size() == 1 && !anyFailed;
        int seeds = counts.iterator().next();
        List<String> header = new ArrayList<>();
        header.add("strategy");
        for (String b : t.budgets()) {
            header.add(b.equals("all") ? "all (" + SampleEfficiency.count(t.labels(b)) + ")" : b);
        }
        List<List<Text>> rows = new ArrayList<>();
        for (String s : t.strategies()) {
            List<Text> row = new ArrayList<>();
            row.add(Text.of(s));
            for (String b : t.budgets()) {
                Optional<ResultTable.Cell> cell = t.cell(s, b);
                if (cell.isEmpty()) {
                    row.add(Text.of("—"));
                    continue;
                }
                ResultTable.Cell x = cell.get();
                StringBuilder text = new StringBuilder();
                if (x.hasScore()) {
                    text.append(meanStd(x));
                    if (!uniform) {
                        text.append(" (n=").append(x.seeds());
                        if (!x.failed().isEmpty()) {
                            text.append(", ").append(x.failed().size()).append(" failed");
                        }
                        text.append(')');
                    }
                } else {
                    text.append("failed (").append(x.failed().size()).append(x.failed().size() == 1 ? " seed)"
                            : " seeds)");
                }
                row.add(new Text(text.toString(), x.hasScore() && t.best(b).contains(s)));
            }
            rows.add(row);
        }
        String how = "Test " + t.metric() + ": mean ± the half-width of its 95% t interval over seeds (label draws; "
                + (uniform ? seeds + (seeds == 1 ? " seed per cell, so no interval" : " seeds per cell")
                : "n = seeds that finished") + "). Bold: the best mean at that budget. Columns are label budgets; "
                + "\"all\" is the whole training set. A failed seed is left out of the mean and listed below; a cell "
                + "whose seeds all failed reads \"failed\"; — marks a cell that was not run.";
        doc.add(new ReportDocument.Paragraph(how));
        doc.add(new ReportDocument.Table(header, rows, true));
        if (!t.failed().isEmpty()) {
            doc.add(new ReportDocument.Heading(3, "Failed cells"));
            List<List<Text>> failedRows = new ArrayList<>();
            for (CellResult r : t.failed()) {
                failedRows.add(List.of(Text.of(r.strategy()), Text.of(r.budget()), Text.of(Integer.toString(r.seed())),
                        Text.of(r.error())));
            }
            doc.add(new ReportDocument.Table(List.of("strategy", "budget", "seed", "error"), failedRows, false));
        }
    }

    /**
     * Each strategy minus the reference and minus bow, budget by budget: the mean of the per-seed
     * differences over the same label draws with its paired 95% interval; bold where it excludes zero.
     */
    private static void pairedDifferences(ResultTable t, String ref, ReportDocument doc) {
        List<String> against = new ArrayList<>();
        for (String r : List.of(ref, "bow")) {
            if (t.hasScores(r) && !against.contains(r)) {
                against.add(r);
            }
        }
        List<String> budgets = t.scoredBudgets();
        List<List<Text>> rows = new ArrayList<>();
        for (String r : against) {
            for (String s : t.strategies()) {
                if (s.equals(r) || (against.indexOf(s) >= 0 && against.indexOf(s) < against.indexOf(r))) {
                    continue; // itself, or a pair already listed the other way round
                }
                List<Text> row = new ArrayList<>();
                row.add(Text.of(s + " − " + r));
                boolean any = false;
                for (String b : budgets) {
                    Optional<ResultTable.Cell> x = t.scored(s, b);
                    Optional<ResultTable.Cell> y = t.scored(r, b);
                    if (x.isEmpty() || y.isEmpty()) {
                        row.add(Text.of("—"));
                        continue;
                    }
                    dev.graft.eval.Interval d = x.get().pairedDifference(y.get());
                    any = true;
                    row.add(new Text(signed(d.mean()) + (d.known() ? " [" + signed(d.low()) + ", " + signed(d.high())
                            + "]" : " (n=" + d.n() + ")"), d.excludesZero()));
                }
                if (any) {
                    rows.add(row);
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        List<String> header = new ArrayList<>();
        header.add("difference");
        header.addAll(budgets);
        doc.add(new ReportDocument.Paragraph("Paired differences: the mean over label draws of one strategy's test "
                + t.metric() + " minus another's on the same draw, with its 95% t interval [low, high]. Bold: the "
                + "interval excludes zero, the only case the answer calls a win or a loss."));
        doc.add(new ReportDocument.Table(header, rows, false));
    }

    /** Within this much of the majority-class share, a cell's mean reads as "near chance". */
    static final double NEAR_CHANCE = 0.05;
    /** A final training loss above this share of ln(classes) means the model did not fit its own labels. */
    static final double UNFIT = 0.9;

    /**
     * One line per fine-tuned cell whose mean is within {@link #NEAR_CHANCE} of always answering the test
     * set's majority class, saying why from its own numbers: how many draws predict a single class, and
     * what cross-validation inside the labels scored (a held-out score near chance too: nothing learnable
     * was found in so few labels; well above it: the model fit the labels without generalizing).
     */
    static List<String> nearChanceLines(ResultTable t) {
        List<String> lines = new ArrayList<>();
        for (String s : t.strategies()) {
            if (!fineTuned(s)) {
                continue;
            }
            for (String b : t.scoredBudgets()) {
                Optional<ResultTable.Cell> cell = t.scored(s, b);
                if (cell.isEmpty()) {
                    continue;
                }
                double majority = cell.get().ok().stream().mapToDouble(ExperimentReport::majorityShare)
                        .filter(Double::isFinite).average().orElse(Double.NaN);
                double mean = cell.get().mean();
                if (Double.isNaN(majority) || mean > majority + NEAR_CHANCE) {
                    continue;
                }
                long single = cell.get().ok().stream().filter(ExperimentReport::predictsOneClass).count();
                double cv = cell.get().ok().stream().map(r -> r.testMetrics().get("cv_score"))
                        .filter(v -> v instanceof Number).mapToDouble(v -> ((Number) v).doubleValue()).average()
                        .orElse(Double.NaN);
                StringBuilder line = new StringBuilder(s + " at " + budgetPhrase(t, b) + ": " + score(mean)
                        + ", within " + score(NEAR_CHANCE) + " of always answering the majority class ("
                        + score(majority) + ").");
                if (single > 0) {
                    line.append(' ').append(single).append(" of ").append(cell.get().seeds())
                            .append(single == 1 ? " draws predicts" : " draws predict").append(" a single class.");
                }
                // multitask's training loss adds the LM loss: not comparable with ln(classes)
                double trainLoss = s.equals("multitask") ? Double.NaN : cell.get().ok().stream()
                        .map(r -> r.testMetrics().get("final_train_loss"))
                        .filter(v -> v instanceof Number).mapToDouble(v -> ((Number) v).doubleValue()).average()
                        .orElse(Double.NaN);
                int classes = cell.get().ok().stream().mapToInt(r -> confusion(r).size()).max().orElse(0);
                double uniform = classes > 1 ? Math.log(classes) : Double.NaN;
                boolean unfit = Double.isFinite(trainLoss) && Double.isFinite(uniform) && trainLoss > UNFIT * uniform;
                if (unfit) {
                    line.append(" Its training loss ended at ").append(String.format(Locale.ROOT, "%.3f", trainLoss))
                            .append(" (ln ").append(classes).append(" = ").append(String.format(Locale.ROOT, "%.3f",
                                    uniform)).append(" for a uniform guess): it did not fit even the labels it "
                                    + "trained on, so its features barely depend on the input or its rates barely "
                                    + "moved it.");
                }
                if (Double.isNaN(cv)) {
                    line.append(" No cross-validation score was recorded (the holdout protocol).");
                } else if (unfit) {
                    line.append(" Cross-validation inside the labels scored ").append(score(cv))
                            .append(" on held-out folds.");
                } else if (cv <= majority + NEAR_CHANCE) {
                    line.append(" Cross-validation inside the labels scored ").append(score(cv))
                            .append(" on held-out folds: no candidate rate learned beyond the class prior from so few "
                                    + "labels.");
                } else {
                    line.append(" Cross-validation inside the labels scored ").append(score(cv))
                            .append(" on held-out folds: the model fit the labels it had, but what it learned did not "
                                    + "carry to the test set.");
                }
                lines.add(line.toString());
            }
        }
        return lines;
    }

    /** Whether the strategy named {@code id} fine-tunes a neural model (unknown names count as fine-tuned). */
    private static boolean fineTuned(String id) {
        try {
            return Strategy.parse(id).fineTunes();
        } catch (IllegalArgumentException e) {
            return !id.equals("bow") && !id.equals("labels-as-text");
        }
    }

    private static void nearChance(ResultTable t, ReportDocument doc) {
        List<String> lines = nearChanceLines(t);
        if (lines.isEmpty()) {
            return;
        }
        doc.add(new ReportDocument.Heading(3, "Cells near chance"));
        doc.add(new ReportDocument.Bullets(lines));
    }

    /** The test set's majority-class share from a cell's confusion matrix (rows: gold); NaN when absent. */
    static double majorityShare(CellResult r) {
        List<long[]> rows = confusion(r);
        long total = 0;
        long max = 0;
        for (long[] row : rows) {
            long n = java.util.Arrays.stream(row).sum();
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

    private static void sampleEfficiency(ResultTable t, String ref, ReportDocument doc) {
        TreeMap<Integer, Double> curve = t.curve(ref);
        if (curve.size() < 2) {
            doc.add(new ReportDocument.Paragraph(t.hasScores(ref) ? ref + " finished at fewer than two budgets, "
                    + "so there is no curve to read other strategies against."
                    : ref + " is not among the finished results, so there is no reference curve."));
            return;
        }
        List<String> budgets = t.scoredBudgets();
        String largest = budgets.get(budgets.size() - 1);
        boolean largestIsAll = t.scored(ref, "all").map(c -> c.labels() == curve.lastKey()).orElse(false);
        List<String> lines = new ArrayList<>();
        for (String s : t.strategies()) {
            if (s.equals(ref)) {
                continue;
            }
            for (String b : budgets) {
                if (b.equals(largest)) {
                    continue;
                }
                t.scored(s, b).ifPresent(cell -> lines.add(SampleEfficiency.reach(curve, cell.mean())
                        .describe(s, cell.labels(), ref, largestIsAll) + " (" + score(cell.mean()) + ")."));
            }
        }
        doc.add(new ReportDocument.Paragraph("How many labels " + ref + " needs to reach each strategy's mean "
                + "score, reading " + ref + "'s mean curve as linear in log(labels) between its budgets (first "
                + "crossing from below, so a later dip of " + ref + " is ignored). Above its best it needs \"more "
                + "than\" its largest budget; at or below its first point \"at most\" its smallest."));
        if (lines.isEmpty()) {
            doc.add(new ReportDocument.Paragraph("No other strategy finished below the largest budget."));
        } else {
            doc.add(new ReportDocument.Bullets(lines));
        }
    }

    private static void costTable(ResultTable t, ReportDocument doc) {
        List<List<Text>> rows = new ArrayList<>();
        for (String s : t.strategies()) {
            long pretrainTokens = 0;
            double pretrainSeconds = 0;
            double totalSeconds = 0;
            for (String b : t.budgets()) {
                Optional<ResultTable.Cell> cell = t.cell(s, b);
                if (cell.isEmpty()) {
                    continue;
                }
                List<CellResult> all = new ArrayList<>(cell.get().ok());
                all.addAll(cell.get().failed());
                for (CellResult r : all) {
                    pretrainTokens = Math.max(pretrainTokens, r.cost().pretrainTokens());
                    pretrainSeconds = Math.max(pretrainSeconds, r.cost().pretrainSeconds());
                    totalSeconds += r.cost().finetuneSeconds();
                }
            }
            List<String> scored = t.budgets().stream().filter(b -> t.scored(s, b).isPresent()).toList();
            String perRun = "—";
            String perRunTokens = "—";
            String perRunSeconds = "—";
            String perRunFlops = "—";
            if (!scored.isEmpty()) {
                String b = scored.get(scored.size() - 1);
                List<CellResult> ok = t.scored(s, b).orElseThrow().ok();
                perRun = b;
                perRunTokens = tokens(Math.round(ok.stream().mapToLong(r -> r.cost().finetuneTokens()).average()
                        .orElse(0)));
                perRunSeconds = duration(ok.stream().mapToDouble(r -> r.cost().finetuneSeconds()).average().orElse(0));
                double flops = ok.stream().mapToDouble(r -> r.cost().flops()).average().orElse(0);
                perRunFlops = flops > 0 ? String.format(Locale.ROOT, "%.2e", flops) : "—";
            }
            rows.add(List.of(Text.of(s), Text.of(tokens(pretrainTokens)), Text.of(duration(pretrainSeconds)),
                    Text.of(perRun), Text.of(perRunTokens), Text.of(perRunSeconds), Text.of(perRunFlops),
                    Text.of(duration(totalSeconds))));
        }
        doc.add(new ReportDocument.Paragraph("Pretraining: the run the strategy's cells started from (shared by "
                + "its cells, so counted once). Per run: mean over the finished seeds at the strategy's largest "
                + "budget. FLOPs: the runner's estimate per run. Total: fine-tuning time of all the strategy's "
                + "cells, failed ones included."));
        doc.add(new ReportDocument.Table(List.of("strategy", "pretraining tokens", "pretraining time",
                "per run at", "fine-tuning tokens", "fine-tuning time", "FLOPs", "total fine-tuning time"), rows,
                true));
    }

    /** A baseline cell: the loss baseline, or "accuracy (baseline)"; bold with "(not beaten)" when it flags. */
    private static Text frequencyCell(double loss, double unigramLoss, double accuracy, double unigramAccuracy) {
        boolean flags = PretrainingSummary.frequencyOnly(loss, unigramLoss, accuracy, unigramAccuracy);
        String text;
        if (Double.isFinite(unigramLoss)) {
            text = String.format(Locale.ROOT, "%.4f", unigramLoss);
        } else if (Double.isFinite(accuracy) && Double.isFinite(unigramAccuracy)) {
            text = String.format(Locale.ROOT, "%.4f (%.4f)", accuracy, unigramAccuracy);
        } else {
            return Text.of("—");
        }
        return new Text(text + (flags ? " (not beaten)" : ""), flags);
    }

    private static void pretraining(ReportContext c, ReportDocument doc) {
        List<List<Text>> rows = new ArrayList<>();
        for (PretrainingSummary p : c.pretraining()) {
            double drop = p.lossDropPerDoubling();
            rows.add(List.of(Text.of(p.name()), Text.of(tokens(p.tokens())), Text.of(duration(p.seconds())),
                    Text.of(Double.isFinite(p.finalLoss()) ? String.format(Locale.ROOT, "%.4f", p.finalLoss()) : "—"),
                    Text.of(Double.isFinite(p.finalPerplexity()) ? String.format(Locale.ROOT, "%.2f",
                            p.finalPerplexity()) : "—"),
                    Text.of(Double.isNaN(drop) ? "—" : score(drop)),
                    frequencyCell(p.finalLoss(), p.unigramLoss(), Double.NaN, Double.NaN),
                    frequencyCell(Double.NaN, Double.NaN, p.finalAccuracy(), p.unigramAccuracy())));
        }
        List<String> flagged = c.pretraining().stream().filter(PretrainingSummary::frequencyOnly)
                .map(PretrainingSummary::name).toList();
        if (!flagged.isEmpty()) {
            doc.add(new ReportDocument.Paragraph("Warning: " + joinAnd(flagged) + (flagged.size() == 1 ? " ends" : " end")
                    + " no better than word frequencies (not " + PretrainingSummary.FREQUENCY_ONLY_MARGIN + " nats "
                    + "better than their loss, or not half a point more accurate than always predicting the most "
                    + "frequent token): the model predicts masked tokens about as a frequency table does, so its features "
                    + "barely depend on the input and the strategies fine-tuned from it can learn little beyond the "
                    + "class prior. Pretrain longer (or with a smaller model) before reading their rows as what "
                    + "pretraining buys."));
        }
        doc.add(new ReportDocument.Paragraph("Loss decrease per doubling: minus the least-squares slope of "
                + "validation loss (nats) against log2(tokens), over the evaluations in the last half of the run "
                + "(tokens at least half the final count); positive while the loss is still falling, — with fewer "
                + "than two such evaluations."));
        doc.add(new ReportDocument.Table(List.of("run", "tokens", "time", "final validation loss",
                "final perplexity", "loss decrease per doubling", "word frequencies' loss",
                "accuracy (most frequent token's)"), rows, true));
        for (PretrainingSummary p : c.pretraining()) {
            if (p.curve().size() < 2) {
                continue;
            }
            doc.add(new ReportDocument.Heading(3, p.name()));
            double[] x = p.curve().stream().mapToDouble(q -> q[0]).toArray();
            double[] y = p.curve().stream().mapToDouble(q -> q[1]).toArray();
            String svg = new SvgChart("Validation loss: " + p.name(), "tokens (log scale)", "validation loss (nats)",
                    true).add(new SvgChart.Series("validation loss", "#1f77b4", false, x, y, null, null))
                    .render(false);
            doc.add(new ReportDocument.Figure("validation loss", null, svg, "Validation loss of " + p.name()
                    + " against pretraining tokens (log scale)."));
            List<List<Text>> points = new ArrayList<>();
            int n = p.curve().size();
            int rowsShown = Math.min(n, CURVE_ROWS);
            int previous = -1;
            for (int k = 0; k < rowsShown; k++) {
                int i = rowsShown == 1 ? n - 1 : (int) Math.round((double) k * (n - 1) / (rowsShown - 1));
                if (i == previous) {
                    continue;
                }
                previous = i;
                points.add(List.of(Text.of(tokens(Math.round(x[i]))), Text.of(String.format(Locale.ROOT, "%.4f",
                        y[i]))));
            }
            doc.add(new ReportDocument.Table(List.of("tokens", "validation loss"), points, true));
        }
    }

    private static void sweepTable(ResultTable t, PretrainingSweep w, ReportDocument doc) {
        doc.add(new ReportDocument.Paragraph("transfer fine-tuned from base pretraining runs of several lengths "
                + "(each a run of its own, with its own schedule), on the same labeled subsets. \"per doubling\" is "
                + "the least-squares slope of the test score against log2(pretraining tokens), per seed, then "
                + "mean ± std over seeds. The last columns extend that line to each other strategy's mean at the "
                + "budget: the multiple of the full pretraining it needs (\"reached\" when transfer is already "
                + "there; \"no estimate\" when the score did not rise beyond the interval of the slopes)."));
        List<String> arms = new ArrayList<>();
        Map<String, Long> armTokens = new LinkedHashMap<>();
        for (PretrainingSweep.Budget b : w.budgets()) {
            for (PretrainingSweep.Point p : b.points()) {
                if (!arms.contains(p.arm())) {
                    arms.add(p.arm());
                    armTokens.put(p.arm(), p.tokens());
                }
            }
        }
        List<String> targets = new ArrayList<>();
        w.budgets().forEach(b -> b.targets().forEach(x -> {
            if (!targets.contains(x.strategy())) {
                targets.add(x.strategy());
            }
        }));
        List<String> header = new ArrayList<>(List.of("labels"));
        arms.forEach(a -> header.add(a + " (" + SvgChart.compact(armTokens.get(a)) + " tokens)"));
        header.add("per doubling");
        targets.forEach(x -> header.add("to reach " + x));
        List<List<Text>> rows = new ArrayList<>();
        for (PretrainingSweep.Budget b : w.budgets()) {
            List<Text> row = new ArrayList<>();
            row.add(Text.of(budgetPhrase(t, b.budget())));
            for (String a : arms) {
                Optional<PretrainingSweep.Point> p = b.points().stream().filter(q -> q.arm().equals(a)).findFirst();
                row.add(Text.of(p.map(q -> meanStd(q.cell())).orElse("—")));
            }
            row.add(Text.of(slope(b)));
            for (String x : targets) {
                Optional<PretrainingSweep.Target> g = b.targets().stream().filter(q -> q.strategy().equals(x))
                        .findFirst();
                row.add(Text.of(g.map(q -> q.doublings() == 0 ? "reached (" + score(q.score()) + ")"
                        : Double.isNaN(q.doublings()) ? "no estimate (" + score(q.score()) + ")"
                        : times(q.multiple()) + " (" + score(q.score()) + ")").orElse("—")));
            }
            rows.add(row);
        }
        doc.add(new ReportDocument.Table(header, rows, false));
    }

    /** "0.612 ± 0.027": the mean and the half-width of its 95% interval; the mean alone with one seed. */
    private static String meanStd(ResultTable.Cell c) {
        return score(c.mean()) + (c.seeds() > 1 ? " ± " + score(c.interval().halfWidth()) : "");
    }

    /** "+0.021 ± 0.008" per doubling; the mean alone with one seed. */
    private static String slope(PretrainingSweep.Budget b) {
        return signed(b.slope()) + (Double.isNaN(b.slopeStd()) ? "" : " ± " + score(b.slopeStd()));
    }

    private static String orDash(String s) {
        return s == null || s.isBlank() ? "—" : s;
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
