package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.data.Dataset;
import dev.graft.model.JsonFiles;
import dev.graft.model.Checkpoint;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The few-label fine-tuning protocol: the learning rate and the length of training are chosen by
 * stratified k-fold cross-validation inside the labeled set, then the model is trained on all of it with
 * the chosen values and no dev set (the last model is kept).
 *
 * <p>Why: with 50 or 200 labels a carved dev set has 5 to 20 examples, and early stopping on it picks
 * whichever early, near-uniform model happened to score well (docs/FINETUNING.md, "Why fine-tuning
 * collapsed"). Cross-validation scores every candidate on all the labels, each once. Few-sample
 * fine-tuning is high-variance and wants rates chosen per model (Mosbach et al. 2021, Zhang et al. 2021).
 *
 * <p>From {@link #HOLDOUT_FROM} labels on, one stratified held-out fifth takes the place of the folds (a
 * held-out part of 200 or more examples is enough to choose on, at a k-th of the cost).
 *
 * <p>How: every candidate rate is trained on each fold's training part for the planned epochs (the same
 * schedule as the final run: warm-up, then decay to zero at the planned end), and scored on the fold's
 * held-out part at evenly spaced points. The (rate, point) with the best mean held-out score wins (ties:
 * the lower mean held-out loss, then the earlier candidate). The final run plans the same epochs on all
 * the labels and stops at the chosen point. Each fold run is an ordinary fine-tuning run in
 * {@code OUT/cross-validation/lr-RATE/fold-I/} (its metrics and configuration kept, its weights deleted);
 * the table of scores is {@code OUT/cross-validation.json}. The result's time ({@code wall_s}) counts the
 * fold runs and the final run ({@code final_wall_s} alone).
 */
public final class CrossValidation {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Held-out evaluations per fold run, at least: enough points to choose a length from. */
    static final int MIN_POINTS = 8;
    /**
     * From this many labeled examples on, one stratified held-out fifth replaces the k folds: it holds 200 or
     * more examples, enough to choose on, and costs one run per rate instead of k. Cross-validation is for
     * the small sets, where no held-out part of a useful size can be spared.
     */
    public static final int HOLDOUT_FROM = 1000;
    /** The share held out from {@link #HOLDOUT_FROM} on: one fold of a 5-fold split. */
    static final int HOLDOUT_FOLDS = 5;

    /** Written into a fold run's folder when it has finished: a resumed cross-validation skips it. */
    static final String FOLD_DONE = "fold-done.json";

    private CrossValidation() {
    }

    /**
     * The newest fold run of a cross-validated run in {@code out} that a resume continues from or skips (one
     * with a checkpoint or finished), or null.
     */
    static Path resumePoint(Path out) throws IOException {
        Path cv = out.resolve("cross-validation");
        if (!Files.isDirectory(cv)) {
            return null;
        }
        Path newest = null;
        long newestTime = Long.MIN_VALUE;
        try (java.util.stream.Stream<Path> s = Files.walk(cv, 2)) {
            for (Path fold : s.filter(p -> p.getFileName().toString().startsWith("fold-") && Files.isDirectory(p))
                    .sorted().toList()) {
                Path point = dev.graft.train.Trainer.latestCheckpoint(fold);
                if (point == null && Files.exists(fold.resolve(FOLD_DONE))) {
                    point = fold.resolve(FOLD_DONE);
                }
                if (point != null && Files.getLastModifiedTime(point).toMillis() >= newestTime) {
                    newestTime = Files.getLastModifiedTime(point).toMillis();
                    newest = fold;
                }
            }
        }
        return newest;
    }

    /** One fine-tuning run into a prepared folder. */
    @FunctionalInterface
    interface Runner<E> {
        FineTuneResult run(FineTuneSpec spec, LabeledSplits<E> data, PrintStream log) throws IOException;
    }

    /**
     * One point of the grid: a rate, trained for {@code epochs} of the planned schedule, scored by the mean
     * over folds of the held-out metric (accuracy, token accuracy) and loss.
     */
    public record Point(float learningRate, double epochs, double meanScore, double meanLoss, double[] foldScores) {
    }

    /** The chosen point and every point scored. */
    public record Choice(Point best, double plannedEpochs, int folds, int examples, List<Point> grid) {
        /** Mean held-out score of each candidate rate at its best point. */
        public Map<Float, Double> bestPerRate() {
            Map<Float, Double> m = new LinkedHashMap<>();
            for (Point p : grid) {
                m.merge(p.learningRate(), p.meanScore(), Math::max);
            }
            return m;
        }
    }

    static <E> FineTuneResult run(FineTuneSpec spec, LabeledSplits<E> data, Runner<E> runner, PrintStream log)
            throws IOException {
        if (data.dev() != null) {
            throw new IllegalArgumentException("cross-validation (folds = " + spec.folds() + ") chooses inside the "
                    + "training set and trains the final model on all of it: a separate dev set is not used. Leave "
                    + "out the dev set, or set folds to 0 to early-stop on it");
        }
        Dataset<E> labeled = data.train();
        if (spec.maxTrain() > 0 && spec.maxTrain() < labeled.size()) {
            int before = labeled.size();
            labeled = labeled.take(spec.maxTrain(), spec.run().seed());
            log.printf(Locale.ROOT, "training set: %,d of %,d examples (stratified sample, seed %d)%n",
                    labeled.size(), before, spec.run().seed());
        }
        // one label set for every fold and the final run, even where a fold's training part lacks a rare label
        dev.graft.data.LabelSet labels = data.labels() != null ? data.labels() : labeled.labelSet();
        int k = spec.folds();
        if (labeled.size() < 2 * k) {
            throw new IllegalArgumentException("cross-validation with " + k + " folds needs at least " + 2 * k
                    + " labeled examples, got " + labeled.size() + ": use fewer folds or more labels");
        }
        long stepsPerEpoch = Math.max(1, (labeled.size() + spec.effectiveBatchSize() - 1) / spec.effectiveBatchSize());
        double plannedEpochs = spec.effectiveEpochs(stepsPerEpoch);
        int evalsPerEpoch = (int) Math.max(1, Math.ceil(MIN_POINTS / plannedEpochs));
        List<Float> rates = spec.rateCandidates();
        log.printf(Locale.ROOT, "cross-validation: %d folds of %,d labeled examples; rates %s; %.3g epochs planned, "
                        + "scored %d time(s) per epoch%n", k, labeled.size(), rates, plannedEpochs, evalsPerEpoch);
        List<Dataset.Fold<E>> folds = labeled.size() >= HOLDOUT_FROM
                ? labeled.kFold(HOLDOUT_FOLDS, spec.run().seed()).subList(0, 1) : labeled.kFold(k, spec.run().seed());
        if (folds.size() == 1) {
            log.printf(Locale.ROOT, "cross-validation: %,d labels (%,d or more): one stratified held-out fifth "
                    + "(%,d examples) instead of %d folds%n", labeled.size(), HOLDOUT_FROM, folds.get(0).test().size(), k);
        }
        Path cvDir = spec.run().out().resolve("cross-validation");
        List<Point> grid = new ArrayList<>();
        double selectionSeconds = 0;
        for (float rate : rates) {
            List<List<double[]>> curves = new ArrayList<>(); // per fold: (epochs, score, loss) per evaluation
            for (Dataset.Fold<E> fold : folds) {
                Path foldOut = cvDir.resolve("lr-" + rateId(rate)).resolve("fold-" + fold.index());
                Path done = foldOut.resolve(FOLD_DONE);
                if (spec.run().resume() && Files.exists(done)) {
                    // finished before the run was stopped: its curve is in its metrics.jsonl
                    JsonNode d = JSON.readTree(done.toFile());
                    selectionSeconds += d.path("wall_s").asDouble();
                    List<double[]> curve = curve(foldOut, d.path("metric").asText());
                    curves.add(curve);
                    log.printf(Locale.ROOT, "cross-validation: lr %s fold %d: finished before (%,d updates), not "
                            + "run again%n", rateId(rate), fold.index(), d.path("steps").asLong());
                    continue;
                }
                Files.createDirectories(foldOut);
                FineTuneSpec foldSpec = spec.toBuilder().folds(0).learningRates(List.of()).learningRate(rate)
                        .stopAfterEpochs(Double.NaN).maxTrain(0).patience(0).evalsPerEpoch(evalsPerEpoch)
                        .keepTrainingState(false).lmValidation(false)
                        .run(o -> o.withOut(foldOut).withEpochs(plannedEpochs)).build();
                FineTuneResult r;
                try (PrintStream foldLog = new PrintStream(Files.newOutputStream(foldOut.resolve("log.txt"),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE, spec.run().resume()
                                ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING), true,
                        StandardCharsets.UTF_8)) {
                    r = runner.run(foldSpec, new LabeledSplits<>(fold.train(), fold.test(), null, labels), foldLog);
                }
                Files.deleteIfExists(foldOut.resolve(Checkpoint.WEIGHTS));
                selectionSeconds += r.wallSeconds();
                List<double[]> curve = curve(foldOut, r.metric());
                curves.add(curve);
                ObjectNode d = JSON.createObjectNode();
                d.put("metric", r.metric());
                d.put("steps", r.steps());
                d.put("wall_s", r.wallSeconds());
                JsonFiles.write(done, d); // last: the fold is finished
                double last = curve.isEmpty() ? Double.NaN : curve.get(curve.size() - 1)[1];
                double best = curve.stream().mapToDouble(p -> p[1]).max().orElse(Double.NaN);
                log.printf(Locale.ROOT, "cross-validation: lr %s fold %d: held-out %s best %.4f, at the end %.4f "
                        + "(%,d updates, %.0f s)%n", rateId(rate), fold.index(), r.metric().replace("dev_", ""),
                        best, last, r.steps(), r.wallSeconds());
            }
            grid.addAll(points(rate, curves));
        }
        Point best = choose(grid);
        Choice choice = new Choice(best, plannedEpochs, folds.size(), labeled.size(), grid);
        log.printf(Locale.ROOT, "cross-validation: chose lr %s for %.3g of %.3g epochs (mean held-out score %.4f)%n",
                rateId(best.learningRate()), best.epochs(), plannedEpochs, best.meanScore());
        FineTuneSpec finalSpec = spec.toBuilder().folds(0).learningRates(List.of()).learningRate(best.learningRate())
                .run(o -> o.withEpochs(plannedEpochs)).maxTrain(0).devFraction(0).patience(0)
                .stopAfterEpochs(best.epochs() < plannedEpochs - 1e-9 ? best.epochs() : Double.NaN).build();
        FineTuneResult r = runner.run(finalSpec, new LabeledSplits<>(labeled, null, data.test(), labels), log);
        writeChoice(spec.run().out(), spec, choice);
        for (Dataset.Fold<E> fold : folds) { // the run is finished: its folder as an uninterrupted run leaves it
            for (float rate : rates) {
                Files.deleteIfExists(cvDir.resolve("lr-" + rateId(rate)).resolve("fold-" + fold.index())
                        .resolve(FOLD_DONE));
            }
        }
        return r.selectedBy(choice, selectionSeconds);
    }

    /** A rate as it is written in folder names and logs: 1e-04 -> "0.0001", 3e-4 -> "0.0003". */
    static String rateId(float rate) {
        return new java.math.BigDecimal(Float.toString(rate)).stripTrailingZeros().toPlainString();
    }

    /** The evaluations of a fold run: (epochs into the run, held-out score, held-out loss) each. */
    private static List<double[]> curve(Path foldOut, String metric) throws IOException {
        JsonNode run = JSON.readTree(foldOut.resolve("run.json").toFile());
        double stepsPerEpoch = run.path("steps_per_epoch").asDouble(1);
        List<double[]> curve = new ArrayList<>();
        for (String line : Files.readAllLines(foldOut.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode rec = JSON.readTree(line);
            if (!"eval".equals(rec.path("type").asText()) || !rec.has(metric)) {
                continue;
            }
            curve.add(new double[] {rec.path("step").asDouble() / stepsPerEpoch, rec.path(metric).asDouble(),
                    rec.path("dev_loss").asDouble(Double.NaN)});
        }
        return curve;
    }

    /** Means over folds, evaluation by evaluation (folds differ by at most one example, so they align). */
    static List<Point> points(float rate, List<List<double[]>> curves) {
        int n = curves.stream().mapToInt(List::size).min().orElse(0);
        List<Point> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            double epochs = 0;
            double score = 0;
            double loss = 0;
            double[] scores = new double[curves.size()];
            for (int f = 0; f < curves.size(); f++) {
                double[] p = curves.get(f).get(i);
                epochs += p[0];
                score += p[1];
                loss += p[2];
                scores[f] = p[1];
            }
            int k = curves.size();
            // the point's length in epochs, rounded to the evaluation grid the folds share
            out.add(new Point(rate, Math.round(epochs / k * 1000) / 1000.0, score / k, loss / k, scores));
        }
        return out;
    }

    /** The best mean score; ties by the lower mean loss, then the first in the grid's order. */
    static Point choose(List<Point> grid) {
        if (grid.isEmpty()) {
            throw new IllegalStateException("cross-validation scored nothing: no fold run was evaluated");
        }
        Point best = null;
        for (Point p : grid) {
            if (best == null || p.meanScore() > best.meanScore() + 1e-12
                    || (Math.abs(p.meanScore() - best.meanScore()) <= 1e-12 && p.meanLoss() < best.meanLoss())) {
                best = p;
            }
        }
        return best;
    }

    private static void writeChoice(Path out, FineTuneSpec spec, Choice c) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("folds", c.folds());
        root.put("holdout", c.examples() >= HOLDOUT_FROM);
        root.put("examples", c.examples());
        root.put("seed", spec.run().seed());
        root.put("planned_epochs", c.plannedEpochs());
        ObjectNode chosen = root.putObject("chosen");
        chosen.put("lr", c.best().learningRate());
        chosen.put("epochs", c.best().epochs());
        chosen.put("mean_score", c.best().meanScore());
        chosen.put("mean_loss", c.best().meanLoss());
        var grid = root.putArray("grid");
        for (Point p : c.grid()) {
            ObjectNode o = grid.addObject();
            o.put("lr", p.learningRate());
            o.put("epochs", p.epochs());
            o.put("mean_score", p.meanScore());
            o.put("mean_loss", p.meanLoss());
            var folds = o.putArray("fold_scores");
            for (double s : p.foldScores()) {
                folds.add(s);
            }
        }
        JsonFiles.write(out.resolve("cross-validation.json"), root);
    }
}
