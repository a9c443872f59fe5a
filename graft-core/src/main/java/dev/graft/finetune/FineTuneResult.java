package dev.graft.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.eval.HeadMetrics;
import dev.graft.model.HeadConfig;

import java.nio.file.Path;

/**
 * The outcome of a fine-tuning run. Scores are the head's headline score ({@link HeadMetrics#score()}:
 * accuracy for classification and pairs, token accuracy for tagging, micro-F1 for multi-label) of the
 * best-on-dev model; the full metrics are in {@code dev} and {@code test}.
 *
 * @param out            the model folder (config.json, model.safetensors, tokenizer.json, run.json, results.json,
 *                       metrics.jsonl)
 * @param task           the head's task
 * @param recipe         the recipe that trained it
 * @param pretrained     whether the run started from a pretrained checkpoint (else from scratch)
 * @param multitask      whether the language-modeling loss was trained alongside the task's
 * @param seed           the run's seed
 * @param metric         the dev metric early stopping maximized ("dev_accuracy", "dev_token_accuracy",
 *                       "dev_micro_f1")
 * @param devScore       the headline score on dev, NaN without a dev set (or the cross-validated score)
 * @param testScore      on test, NaN without a test set
 * @param dev            all dev metrics, or null without a dev set
 * @param test           all test metrics, or null without a test set
 * @param steps          updates done
 * @param bestStep       the update after which the kept model was evaluated
 * @param stoppedBy      "epochs", "early-stop", "time", ...
 * @param trainSize      training examples (after sub-sampling and the dev carve)
 * @param devSize        dev examples
 * @param devCarved      whether dev was carved from the training set
 * @param testSize       test examples, 0 without a test set
 * @param wallSeconds    training time (with cross-validation: the selection's too)
 * @param finalTrainLoss the task's last training loss, NaN when unknown (or mixed with the LM loss: multitask)
 * @param chosenC        the regularization SetFit's logistic-regression head chose, NaN for other recipes
 * @param selection      what cross-validation chose, or null when the run did not cross-validate
 * @param baselineTest   the task's trivial baseline on the same test set, NaN when there is none: for tagging,
 *                       the most-frequent-tag baseline's token accuracy (each word the tag it carries most often
 *                       in the training set); a fine-tuned tagger below it has not learned enough
 */
public record FineTuneResult(Path out, HeadConfig.Task task, FineTuneSpec.Recipe recipe, boolean pretrained,
                             boolean multitask, long seed, String metric, double devScore, double testScore,
                             HeadMetrics dev, HeadMetrics test, long steps, long bestStep, String stoppedBy,
                             int trainSize, int devSize, boolean devCarved, int testSize, double wallSeconds,
                             double finalTrainLoss, double chosenC, Selection selection,
                             double baselineTest) {

    /**
     * What cross-validation inside the labels chose ({@link CrossValidation}).
     *
     * @param choice           the chosen rate and epochs, their fold scores and the grid
     * @param finalWallSeconds the final run's time alone (the result's wall time includes the selection)
     */
    public record Selection(CrossValidation.Choice choice, double finalWallSeconds) {
    }

    /** This result after cross-validation chose its settings in {@code selectionSeconds} more. */
    FineTuneResult selectedBy(CrossValidation.Choice choice, double selectionSeconds) {
        return new FineTuneResult(out, task, recipe, pretrained, multitask, seed, metric, choice.best().meanScore(),
                testScore, dev, test, steps, bestStep, stoppedBy, trainSize, devSize, devCarved, testSize,
                wallSeconds + selectionSeconds, finalTrainLoss, chosenC, new Selection(choice, wallSeconds),
                baselineTest);
    }

    /** This result with the task's trivial baseline scored on its test set ({@link #baselineTest}). */
    FineTuneResult withBaselineTest(double score) {
        return new FineTuneResult(out, task, recipe, pretrained, multitask, seed, metric, devScore, testScore, dev,
                test, steps, bestStep, stoppedBy, trainSize, devSize, devCarved, testSize, wallSeconds,
                finalTrainLoss, chosenC, selection, score);
    }

    /** The results.json of the model folder: {"dev": metrics, "test": metrics}, each when there is one. */
    public ObjectNode resultsJson() {
        ObjectNode results = JsonNodeFactory.instance.objectNode();
        if (dev != null) {
            results.set("dev", dev.toJson());
        }
        if (test != null) {
            results.set("test", test.toJson());
        }
        return results;
    }

    /** What {@link #baselineTest} is called in the summary, by task. */
    private static final java.util.Map<HeadConfig.Task, String> BASELINE_NAMES =
            java.util.Map.of(HeadConfig.Task.TAG, "most_frequent_tag");

    /** The JSON summary {@code graft finetune} prints as its last line. */
    public ObjectNode summaryJson() {
        String key = metric.substring("dev_".length());
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("task", task.id());
        s.put("recipe", recipe.id());
        s.put("start", pretrained ? "pretrained" : "scratch");
        s.put("multitask", multitask);
        s.put("train_size", trainSize);
        s.put("dev_size", devSize);
        s.put("dev_carved", devCarved);
        s.put("test_size", testSize);
        putOrNull(s, "dev_" + key, dev == null ? Double.NaN : devScore);
        putScores(s, "dev_", dev == null ? null : dev.toJson());
        if (test != null) {
            s.put("test_" + key, testScore);
            putScores(s, "test_", test.toJson());
        }
        if (!Double.isNaN(baselineTest)) {
            s.put(BASELINE_NAMES.getOrDefault(task, "baseline") + "_test_" + key, baselineTest);
        }
        s.put("steps", steps);
        putOrNull(s, "final_train_loss", finalTrainLoss);
        if (!Double.isNaN(chosenC)) {
            s.put("chosen_c", chosenC);
        }
        s.put("best_step", bestStep);
        s.put("stopped_by", stoppedBy);
        s.put("wall_s", tenths(wallSeconds));
        s.put("seed", seed);
        s.put("model", out.toString());
        if (selection != null) {
            CrossValidation.Point best = selection.choice().best();
            s.put("selected_lr", best.learningRate());
            s.put("selected_epochs", best.epochs());
            s.put("planned_epochs", selection.choice().plannedEpochs());
            s.put("cv_folds", selection.choice().folds());
            s.put("cv_score", best.meanScore());
            s.put("final_wall_s", tenths(selection.finalWallSeconds()));
        }
        return s;
    }

    /** macro_f1 (null without metrics) and, for chunk tags, span_f1. */
    private static void putScores(ObjectNode s, String prefix, ObjectNode metrics) {
        JsonNode macro = metrics == null ? null : metrics.get("macro_f1");
        s.set(prefix + "macro_f1", macro == null ? s.nullNode() : macro);
        if (metrics != null && metrics.has("span_f1")) {
            s.set(prefix + "span_f1", metrics.get("span_f1"));
        }
    }

    private static void putOrNull(ObjectNode s, String key, double value) {
        if (Double.isFinite(value)) {
            s.put(key, value);
        } else {
            s.putNull(key);
        }
    }

    private static double tenths(double seconds) {
        return Math.round(seconds * 10) / 10.0;
    }
}
