package dev.graft.experiment;

import dev.graft.experiment.ReportDocument.Text;

import static dev.graft.experiment.ReportProse.budgetPhrase;
import static dev.graft.experiment.ReportProse.duration;
import static dev.graft.experiment.ReportProse.joinAnd;
import static dev.graft.experiment.ReportProse.meanStd;
import static dev.graft.experiment.ReportProse.score;
import static dev.graft.experiment.ReportProse.signed;
import static dev.graft.experiment.ReportProse.slope;
import static dev.graft.experiment.ReportProse.times;
import static dev.graft.experiment.ReportProse.tokens;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
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
 * <p>Three parts: {@link ReportFindings} computes what the cells show as typed records; {@link ReportProse}
 * states them in words (the answer, the near-chance lines); this class lays them out as a {@link
 * ReportDocument} (headings, tables, figures) and writes the files.
 *
 * <p><b>Interval rule.</b> Two strategies differ "beyond the paired 95% interval" when the 95% Student t
 * interval of the mean of their per-seed differences (the same label draw on both sides: {@link
 * dev.graft.eval.Interval#paired}) excludes zero; "beats" is said only then. With fewer than two paired
 * seeds the interval is unknown and the report says so instead of calling the difference real. The results
 * table gives each mean with its own 95% interval (± its half-width).
 */
public final class ExperimentReport {
    /** Validation-curve points listed per pretraining run in the report (evenly picked, last included). */
    private static final int CURVE_ROWS = 10;

    private ExperimentReport() {
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
        return ReportProse.answer(ResultTable.of(PretrainingSweep.withoutSweepArms(results)),
                PretrainingSweep.of(results), context);
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
        doc.add(new ReportDocument.Paragraph(ReportProse.answer(t, sweep, c)));
        doc.add(new ReportDocument.Paragraph("Reading rule: each comparison is a paired difference over the same label "
                + "draws (seeds), with its two-sided 95% Student t interval; one strategy beats another only where "
                + "that interval excludes zero. With fewer than two paired seeds the interval is unknown and "
                + "nothing is claimed."));

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
            doc.add(new ReportDocument.Code("json", c.config()));
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
        List<List<Text>> rows = new ArrayList<>();
        for (List<ReportFindings.PairedDifference> found : ReportFindings.pairedDifferences(t, ref)) {
            List<Text> row = new ArrayList<>();
            row.add(Text.of(found.get(0).strategy() + " − " + found.get(0).against()));
            for (ReportFindings.PairedDifference p : found) {
                dev.graft.eval.Interval d = p.interval();
                row.add(d == null ? Text.of("—") : new Text(signed(d.mean()) + (d.known() ? " [" + signed(d.low())
                        + ", " + signed(d.high()) + "]" : " (n=" + d.n() + ")"), d.excludesZero()));
            }
            rows.add(row);
        }
        List<String> budgets = t.scoredBudgets();
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

    /** One line per fine-tuned cell near chance ({@link ReportFindings#nearChance}), in words. */
    static List<String> nearChanceLines(ResultTable t) {
        return ReportFindings.nearChance(t).stream().map(n -> ReportProse.nearChanceLine(t, n)).toList();
    }

    private static void nearChance(ResultTable t, ReportDocument doc) {
        List<String> lines = nearChanceLines(t);
        if (lines.isEmpty()) {
            return;
        }
        doc.add(new ReportDocument.Heading(3, "Cells near chance"));
        doc.add(new ReportDocument.Bullets(lines));
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
            String svg = new LineChart("Validation loss: " + p.name(), "tokens (log scale)", "validation loss (nats)",
                    true).add(new LineChart.Series("validation loss", "#1f77b4", false, x, y, null, null))
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
        arms.forEach(a -> header.add(a + " (" + LineChart.compact(armTokens.get(a)) + " tokens)"));
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

    private static String orDash(String s) {
        return s == null || s.isBlank() ? "—" : s;
    }
}
